"""All tables of the store.

Money is whole pence (`*_pence`, BIGINT); financial years are the calendar year they start in
(2016 means 2016/17); quarters are 1-4 within the financial year. Every figure row cites a
`Source` with a `basis`, and every row that could be sensitive carries a `visibility`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, ColumnElement, Index, Table, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class Basis(StrEnum):
    """How a figure came to be in the store."""

    REPORTED = "reported"  # stated in the source
    DERIVED = "derived"  # computed from reported figures; basis_note says how
    ILLUSTRATIVE = "illustrative"  # made up to show a feature; always labelled on screen


class Visibility(StrEnum):
    """Who may see a record, from widest to narrowest."""

    PUBLIC = "public"
    PANEL = "panel"  # exempt items the Police and Crime Panel may see
    RESTRICTED = "restricted"  # OPCC staff only


class SourceKind(StrEnum):
    """What kind of document a source is, which decides whether counts of people from it get disclosure control."""

    PUBLISHED = "published"  # a public document: its figures are already public, so they are shown as published
    INTERNAL = "internal"  # e.g. providers' quarterly returns loaded by the OPCC: counts of people are controlled


class Audience(StrEnum):
    """Who is looking; each audience sees the visibilities listed in VISIBLE_TO."""

    PUBLIC = "public"
    PANEL = "panel"
    STAFF = "staff"


VISIBLE_TO: dict[Audience, tuple[Visibility, ...]] = {
    Audience.PUBLIC: (Visibility.PUBLIC,),
    Audience.PANEL: (Visibility.PUBLIC, Visibility.PANEL),
    Audience.STAFF: (Visibility.PUBLIC, Visibility.PANEL, Visibility.RESTRICTED),
}


def visible_to(model: Any, audience: Audience | str) -> ColumnElement[bool]:
    """The one visibility rule: a record is shown to an audience when its visibility is one the audience may see.

    Every query filters with this; a test fails if the rule is written anywhere else."""
    rule: ColumnElement[bool] = model.visibility.in_([v.value for v in VISIBLE_TO[Audience(audience)]])
    return rule


class AgreementKind(StrEnum):
    """Whether an agreement is bought (a contract) or given (a grant)."""

    CONTRACT = "contract"
    GRANT = "grant"


class ProcurementRoute(StrEnum):
    """How an agreement was bought: the OCDS procurementMethod codes, plus not stated."""

    OPEN = "open"
    SELECTIVE = "selective"
    LIMITED = "limited"
    DIRECT = "direct"
    NOT_STATED = "not stated"  # the source does not say; has no OCDS code


class AgreementStatus(StrEnum):
    """Where an agreement stands, as the source left it."""

    PLANNED = "planned"
    ACTIVE = "active"
    ENDED = "ended"
    NOT_STATED = "not stated"  # the source does not say: judged by its dates where it has them, else status not published


class DatePrecision(StrEnum):
    """How much of a date the source gives: the whole date, its month, or its year only."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class AmendmentKind(StrEnum):
    """What an amendment does to an agreement."""

    EXTENSION = "extension"
    VARIATION = "variation"
    TERMINATION = "termination"


class MilestoneKind(StrEnum):
    """A dated step in an agreement's life."""

    REPROCUREMENT = "reprocurement"
    DECISION = "decision"
    DELIVERY = "delivery"


class MeasureUnit(StrEnum):
    """What a measure's values are."""

    COUNT = "count"
    PERCENT = "percent"  # a rate
    SHARE = "share"  # percent of a whole: a breakdown's shares add up to 100


class MoneyQualifier(StrEnum):
    """How the source qualifies an amount: as stated, or a ceiling ("up to £5,000"). A part of another figure ("of
    which £X for …") is said by `part_of_id`, so it is never added to its whole."""

    STATED = ""  # the amount, as the source states it
    UP_TO = "up to"  # a ceiling: the amount may be less; written "up to £X" wherever shown


class Apportionment(StrEnum):
    """How a budget over several financial years is split between them: only ever as the user says."""

    NOT_SPLIT = ""  # shown as the whole amount over its years, never put in one year or divided silently
    EVEN = "even"  # equal shares a year, in whole pence: the later years take any odd penny (33p, 33p, 34p of £1)


class ServiceType(StrEnum):
    """What kind of service an agreement buys, so one area's cost of a service is compared with other areas' cost of
    the same service. Blank (NULL) is not stated: such an agreement is never counted under any type."""

    ISVA = "isva"  # independent sexual violence advisers (adult or children's)
    IDVA = "idva"  # independent domestic violence advisers
    RESTORATIVE_JUSTICE = "restorative justice"
    VICTIM_ASSESSMENT_AND_REFERRAL = "victim assessment and referral"  # a core victims' referral hub
    YOUNG_VICTIMS = "young victims"
    PERPETRATOR_PROGRAMME = "perpetrator programme"
    SUBSTANCE_MISUSE = "substance misuse"
    OTHER = "other"  # a stated service of none of the kinds above


# The names people read: the stored words are short and lower case so a cell in any case matches them.
SERVICE_TYPE_NAMES: dict[str, str] = {
    ServiceType.ISVA: "ISVA (independent sexual violence advisers)",
    ServiceType.IDVA: "IDVA (independent domestic violence advisers)",
    ServiceType.RESTORATIVE_JUSTICE: "Restorative justice",
    ServiceType.VICTIM_ASSESSMENT_AND_REFERRAL: "Victim assessment and referral",
    ServiceType.YOUNG_VICTIMS: "Young victims",
    ServiceType.PERPETRATOR_PROGRAMME: "Perpetrator programme",
    ServiceType.SUBSTANCE_MISUSE: "Substance misuse",
    ServiceType.OTHER: "Other service",
}


class GroupKind(StrEnum):
    """What makes a group of areas peers: the same region, or a most similar group (as HMICFRS forms them)."""

    REGION = "region"
    MOST_SIMILAR_GROUP = "most similar group"
    OTHER = "other"  # a group the office chose; its source says why


class AuditAction(StrEnum):
    """What one audit entry records being done to one record."""

    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


def values_of(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """A vocabulary's words as plain strings, in the enum's order: what CHECK constraints and the importer accept."""
    return tuple(member.value for member in vocabulary)


BASES = values_of(Basis)
VISIBILITIES = values_of(Visibility)
SOURCE_KINDS = values_of(SourceKind)
AGREEMENT_KINDS = values_of(AgreementKind)
PROCUREMENT_ROUTES = values_of(ProcurementRoute)
AGREEMENT_STATUSES = values_of(AgreementStatus)
PRECISIONS = values_of(DatePrecision)
AMENDMENT_KINDS = values_of(AmendmentKind)
MILESTONE_KINDS = values_of(MilestoneKind)
MEASURE_UNITS = values_of(MeasureUnit)
MONEY_QUALIFIERS = values_of(MoneyQualifier)
APPORTIONMENTS = values_of(Apportionment)
AUDIT_ACTIONS = values_of(AuditAction)
SERVICE_TYPES = values_of(ServiceType)
GROUP_KINDS = values_of(GroupKind)


def _money(nullable: bool = True) -> Column[int]:
    return Column(BigInteger, nullable=nullable)


def _in(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Cited(SQLModel):
    """Where a row's figures came from."""

    source_id: str = Field(foreign_key="source.id", index=True)
    source_section: str = Field(default="", description="Section, paragraph or page of the source; blank: the source (its URL) as a whole")
    basis: str = Field(default=Basis.REPORTED)
    basis_note: str = Field(default="", description="How a derived figure was worked out, or why one is illustrative")


class Restricted(SQLModel):
    """A row that may be withheld from some audiences."""

    visibility: str = Field(default=Visibility.PUBLIC, index=True)


class RestrictedUnindexed(Restricted):
    """A restricted row whose visibility is not indexed on its own (spend: see ix_spend_money).

    With two values the index selects nothing, yet on one visibility (the public's) SQLite, which keeps no statistics
    here, took it for a selective one and read every public spend line of the store to find one year's parts ("of
    which"): 0.3-0.5 s a query on 43 areas. Every spend query filters by area first (migration 0011)."""

    visibility: str = Field(default=Visibility.PUBLIC)


class Source(SQLModel, table=True):
    """A document figures were taken from."""

    id: str = Field(primary_key=True)
    title: str = Field(default="", description="Blank where the source has none: its URL stands for it")
    publisher: str = Field(default="", description="Blank: not published")
    published: date | None = Field(default=None, description="Blank: not published; may be partial (published_precision)")
    published_precision: str = Field(default=DatePrecision.DAY)
    file: str = Field(default="", description="Seed file name, where the source is one")
    url: str = Field(default="")
    figures_as_at: date | None = Field(
        default=None, description="The date the source's figures describe (the default as-at date); blank: the published date stands for it"
    )
    figures_as_at_precision: str = Field(default=DatePrecision.DAY)
    as_at_note: str = Field(default="")
    # The safe side by default: a source not said to be published is treated as an internal return, so a
    # forgotten column can never unmask a small count of people. Migration 0004 marks existing rows published.
    kind: str = Field(default=SourceKind.INTERNAL, description="published (a public document) or internal (e.g. providers' returns)")

    __table_args__ = (
        _in("kind", SOURCE_KINDS, "source_kind"),
        _in("published_precision", PRECISIONS, "source_published_precision"),
        _in("figures_as_at_precision", PRECISIONS, "source_figures_as_at_precision"),
    )


class Area(SQLModel, table=True):
    """A policing area and its commissioner's office."""

    id: str = Field(primary_key=True)
    name: str
    office: str = Field(default="", description="The commissioner's office; blank: not published")


class Plan(Cited, table=True):
    """A Police and Crime Plan (or other set of commissioning priorities) for a period."""

    id: str = Field(primary_key=True)
    area_id: str = Field(foreign_key="area.id", index=True)
    title: str
    first_year: int = Field(description="First financial year the plan covers")
    last_year: int = Field(description="Last financial year the plan covers")

    __table_args__ = (CheckConstraint("last_year >= first_year", name="plan_years_in_order"),)


class Priority(Cited, table=True):
    """One priority of a plan, in the plan's order."""

    id: str = Field(primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", index=True)
    position: int
    name: str
    description: str = Field(default="")

    __table_args__ = (UniqueConstraint("plan_id", "position"),)


class Provider(Cited, table=True):
    """An organisation that delivers a service or receives a grant."""

    id: str = Field(primary_key=True)
    name: str
    charity_number: str = Field(default="", description="Text: leading zeros matter")
    company_number: str = Field(default="", description="Text: leading zeros matter")


class FundingStream(Cited, table=True):
    """Where money comes from: a grant to the PCC, the main police grant, a grant round."""

    __tablename__ = "funding_stream"

    id: str = Field(primary_key=True)
    area_id: str = Field(foreign_key="area.id", index=True)
    name: str
    funder: str = Field(default="", description="Blank: not published")
    cap_per_award_pence: int | None = Field(default=None, sa_column=_money(), description="A grant round's cap on each award")
    # A fund's total is usually stated for one round or year: a fund with yearly rounds is one stream per round, so
    # the awards listed from a stream are the awards the stated total speaks of.
    stated_awards_total_pence: int | None = Field(
        default=None, sa_column=_money(), description="The total of awards from this fund or round as its source states it"
    )

    __table_args__ = (
        CheckConstraint("cap_per_award_pence IS NULL OR cap_per_award_pence >= 0", name="funding_stream_cap_not_negative"),
        CheckConstraint(
            "stated_awards_total_pence IS NULL OR stated_awards_total_pence >= 0", name="funding_stream_stated_awards_total_not_negative"
        ),
    )


class Agreement(Cited, Restricted, table=True):
    """A contract or grant for a service.

    Dates may be partial (month or year) where the source gives no day: `*_precision` says so.
    `illustrative_fields` names the fields whose values are illustrative when the rest are reported.
    """

    id: str = Field(primary_key=True)
    area_id: str = Field(foreign_key="area.id", index=True)
    title: str
    kind: str = Field(description="contract or grant")
    provider_id: str | None = Field(default=None, foreign_key="provider.id", index=True)
    funding_stream_id: str | None = Field(default=None, foreign_key="funding_stream.id", index=True)
    procurement_route: str = Field(default=ProcurementRoute.NOT_STATED, description="OCDS method: open, selective, limited, direct")
    number_of_tenderers: int | None = None
    award_date: date | None = Field(default=None, description="When a grant was awarded (360Giving awardDate), where the source says")
    award_precision: str = Field(default=DatePrecision.DAY)
    financial_year: int | None = Field(default=None, description="The financial year a grant is for, where the source says")
    start_date: date | None = None
    start_precision: str = Field(default=DatePrecision.DAY)
    original_end_date: date | None = None
    original_end_precision: str = Field(default=DatePrecision.DAY)
    current_end_date: date | None = None
    end_precision: str = Field(default=DatePrecision.DAY)
    latest_end_date: date | None = Field(default=None, description="Latest possible end with every option used (OCDS maxExtentDate)")
    latest_end_precision: str = Field(default=DatePrecision.DAY)
    extension_options_available: int | None = None
    extension_options_used: int | None = Field(default=None, description="Blank: not published (never taken as 0)")
    extension_terms: str = Field(default="", description="The extension terms as published, e.g. 'one year plus up to 2 x 12 months'")
    annual_value_pence: int | None = Field(default=None, sa_column=_money())
    total_value_pence: int | None = Field(default=None, sa_column=_money())
    status: str = Field(default=AgreementStatus.NOT_STATED, description="planned, active, ended or not stated, as the source left it")
    purpose: str = Field(default="")
    illustrative_fields: str = Field(default="", description="Comma-separated field names")
    value_qualifier: str = Field(default=MoneyQualifier.STATED, description="'up to' where the values are a ceiling")
    value_part_of_id: str | None = Field(
        default=None, foreign_key="agreement.id", description="The agreement whose value this one's is part of ('of which')"
    )
    service_type: str | None = Field(default=None, description="What kind of service it buys (ServiceType); blank: not stated")

    __table_args__ = (
        _in("kind", AGREEMENT_KINDS, "agreement_kind"),
        # NULL (not stated) passes: a CHECK only refuses a row whose condition is false, and NULL IN (...) is unknown.
        _in("service_type", SERVICE_TYPES, "agreement_service_type"),
        _in("status", AGREEMENT_STATUSES, "agreement_status"),
        _in("basis", BASES, "agreement_basis"),
        _in("visibility", VISIBILITIES, "agreement_visibility"),
        CheckConstraint(
            "current_end_date IS NULL OR start_date IS NULL OR current_end_date >= start_date", name="agreement_end_not_before_start"
        ),
        CheckConstraint("annual_value_pence IS NULL OR annual_value_pence >= 0", name="agreement_annual_value_not_negative"),
        CheckConstraint("total_value_pence IS NULL OR total_value_pence >= 0", name="agreement_total_value_not_negative"),
        CheckConstraint("extension_options_used >= 0", name="agreement_options_used_not_negative"),
        CheckConstraint(
            "original_end_date IS NULL OR start_date IS NULL OR original_end_date >= start_date",
            name="agreement_original_end_not_before_start",
        ),
        CheckConstraint(
            "latest_end_date IS NULL OR start_date IS NULL OR latest_end_date >= start_date", name="agreement_latest_end_not_before_start"
        ),
        _in("procurement_route", PROCUREMENT_ROUTES, "agreement_procurement_route"),
        _in("start_precision", PRECISIONS, "agreement_start_precision"),
        _in("end_precision", PRECISIONS, "agreement_end_precision"),
        _in("original_end_precision", PRECISIONS, "agreement_original_end_precision"),
        _in("latest_end_precision", PRECISIONS, "agreement_latest_end_precision"),
        _in("award_precision", PRECISIONS, "agreement_award_precision"),
        _in("value_qualifier", MONEY_QUALIFIERS, "agreement_value_qualifier"),
        CheckConstraint("value_part_of_id IS NULL OR value_part_of_id <> id", name="agreement_value_not_part_of_itself"),
    )


class Amendment(Cited, Restricted, table=True):
    """An extension, variation or termination of an agreement."""

    id: str = Field(primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True)
    kind: str
    agreed_on: date | None = Field(default=None, description="When it was agreed, where the source says")
    agreed_on_precision: str = Field(default=DatePrecision.DAY)
    previous_end_date: date | None = None
    previous_end_precision: str = Field(default=DatePrecision.DAY)
    new_end_date: date | None = None
    new_end_precision: str = Field(default=DatePrecision.DAY)
    value_change_pence: int | None = Field(default=None, sa_column=_money())
    rationale: str = Field(default="")

    __table_args__ = (
        _in("kind", AMENDMENT_KINDS, "amendment_kind"),
        _in("visibility", VISIBILITIES, "amendment_visibility"),
        _in("agreed_on_precision", PRECISIONS, "amendment_agreed_on_precision"),
        _in("previous_end_precision", PRECISIONS, "amendment_previous_end_precision"),
        _in("new_end_precision", PRECISIONS, "amendment_new_end_precision"),
    )


class Milestone(Cited, Restricted, table=True):
    """A dated step in an agreement's life, such as a re-procurement step (OCDS milestones)."""

    id: str = Field(primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True)
    on: date
    on_precision: str = Field(default=DatePrecision.DAY)
    kind: str = Field(description="reprocurement, decision or delivery")
    title: str

    __table_args__ = (_in("kind", MILESTONE_KINDS, "milestone_kind"), _in("on_precision", PRECISIONS, "milestone_on_precision"))


class AgreementPriority(Cited, table=True):
    """Which plan priorities an agreement serves, with the share of its money each gets."""

    __tablename__ = "agreement_priority"

    agreement_id: str = Field(foreign_key="agreement.id", primary_key=True)
    priority_id: str = Field(foreign_key="priority.id", primary_key=True)
    share_percent: int = Field(default=100, description="Whole percent; an agreement's shares sum to 100")

    __table_args__ = (CheckConstraint("share_percent > 0 AND share_percent <= 100", name="agreement_priority_share_range"),)


class Budget(Cited, Restricted, table=True):
    """Money allocated for a financial year (or a span of years) from a funding stream, optionally to one priority."""

    id: str = Field(primary_key=True)
    area_id: str = Field(foreign_key="area.id", index=True)
    financial_year: int = Field(index=True)
    funding_stream_id: str = Field(foreign_key="funding_stream.id", index=True)
    priority_id: str | None = Field(default=None, foreign_key="priority.id")
    amount_pence: int = Field(sa_column=_money(nullable=False))
    description: str = Field(default="")
    last_financial_year: int | None = Field(default=None, description="Last year of a budget over several years; blank for one year")
    apportionment: str = Field(default=Apportionment.NOT_SPLIT, description="How a budget over several years is split by year")
    qualifier: str = Field(default=MoneyQualifier.STATED, description="'up to' where the amount is a ceiling")
    part_of_id: str | None = Field(default=None, foreign_key="budget.id", description="The budget line this one is part of ('of which')")

    __table_args__ = (
        CheckConstraint("amount_pence >= 0", name="budget_amount_not_negative"),
        CheckConstraint("last_financial_year IS NULL OR last_financial_year >= financial_year", name="budget_years_in_order"),
        _in("apportionment", APPORTIONMENTS, "budget_apportionment"),
        _in("qualifier", MONEY_QUALIFIERS, "budget_qualifier"),
        CheckConstraint("part_of_id IS NULL OR part_of_id <> id", name="budget_not_part_of_itself"),
        # Migration 0010: the parts ("of which") of a year's budget lines, found from their wholes.
        Index(
            "ix_budget_part_of", "part_of_id", sqlite_where=text("part_of_id IS NOT NULL"), postgresql_where=text("part_of_id IS NOT NULL")
        ),
    )


class Spend(Cited, RestrictedUnindexed, table=True):
    """Money actually paid in a financial year (and quarter, where known).

    Spend reaches a priority through its agreement's shares, or directly through `priority_id`;
    spend with neither is shown as linked to no priority.
    """

    id: str = Field(primary_key=True)
    area_id: str = Field(foreign_key="area.id", index=True)
    financial_year: int = Field(index=True)
    quarter: int | None = None
    funding_stream_id: str | None = Field(default=None, foreign_key="funding_stream.id", index=True)
    agreement_id: str | None = Field(default=None, foreign_key="agreement.id", index=True)
    priority_id: str | None = Field(default=None, foreign_key="priority.id")
    amount_pence: int = Field(sa_column=_money(nullable=False))
    is_credit: bool = Field(default=False, description="A refund or clawback; the only spend allowed below zero")
    description: str = Field(default="")
    qualifier: str = Field(default=MoneyQualifier.STATED, description="'up to' where the amount is a ceiling")
    part_of_id: str | None = Field(default=None, foreign_key="spend.id", description="The spend line this one is part of ('of which')")

    __table_args__ = (
        # An area's spend in one year, the filter of every spend page and of the years menu, and after those every
        # column the money queries read: an area's years, and a whole store's sums, come from the index alone
        # (migrations 0011 and 0013).
        Index(
            "ix_spend_money",
            *("area_id", "financial_year", "visibility", "part_of_id", "basis", "agreement_id", "priority_id", "funding_stream_id"),
            *("qualifier", "amount_pence", "source_id", "source_section"),
        ),
        CheckConstraint("quarter IS NULL OR quarter BETWEEN 1 AND 4", name="spend_quarter_range"),
        CheckConstraint("amount_pence >= 0 OR is_credit", name="spend_not_negative_unless_credit"),
        _in("qualifier", MONEY_QUALIFIERS, "spend_qualifier"),
        CheckConstraint("part_of_id IS NULL OR part_of_id <> id", name="spend_not_part_of_itself"),
        # Migration 0010. The overlap checks (data_access.overlaps) look up the other records of one line and year: of
        # one agreement, or, with no agreement, of one area, year, funding stream and priority; the second index also
        # serves every "this area's spend in this year" query. Parts ("of which") are few: their index holds only them.
        Index("ix_spend_agreement_year", "agreement_id", "financial_year"),
        Index("ix_spend_area_year_line", "area_id", "financial_year", "funding_stream_id", "priority_id"),
        Index(
            "ix_spend_part_of", "part_of_id", sqlite_where=text("part_of_id IS NOT NULL"), postgresql_where=text("part_of_id IS NOT NULL")
        ),
    )


class Measure(SQLModel, table=True):
    """A performance indicator, such as ISVA referrals."""

    id: str = Field(primary_key=True)
    name: str
    unit: str = Field(description="count, percent (a rate) or share (percent of a whole: a breakdown's shares add up to 100)")
    higher_is_better: bool | None = Field(default=None, description="Blank: not stated, so figures are not judged against targets")
    counts_people: bool | None = Field(
        default=None, description="Counts of people get disclosure control on public outputs; blank (not stated) is treated as yes"
    )
    description: str = Field(default="")

    __table_args__ = (_in("unit", MEASURE_UNITS, "measure_unit"),)


class Observation(Cited, Restricted, table=True):
    """A measure's value for a period, for an agreement (or an area), with an optional target and breakdown."""

    id: str = Field(primary_key=True)
    measure_id: str = Field(foreign_key="measure.id", index=True)
    area_id: str = Field(foreign_key="area.id", index=True)
    agreement_id: str | None = Field(default=None, foreign_key="agreement.id", index=True)
    provider_id: str | None = Field(default=None, foreign_key="provider.id", index=True, description="The provider the figure is for")
    period_start: date
    period_end: date
    financial_year: int | None = None
    quarter: int | None = None
    value: float = Field(description="Counts and percentages as stated; not money")
    target: float | None = None
    target_basis: str = Field(default="", description="Basis of the target when it differs from the value's")
    dimension: str = Field(default="", description="Breakdown dimension, e.g. referral source")
    dimension_value: str = Field(default="", description="Breakdown category, e.g. Children's social care")
    value_statement: str = Field(default="", description="Qualifier stated with the figure, e.g. 'average per quarter'")

    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="observation_period_in_order"),
        CheckConstraint("quarter IS NULL OR quarter BETWEEN 1 AND 4", name="observation_quarter_range"),
        _in("target_basis", ("", *BASES), "observation_target_basis"),
    )


class AreaGroup(Cited, table=True):
    """One area's membership of a peer group (a region, a most similar group): one row per group and member area.

    The group's name and kind are repeated on each of its rows, as a file of groups is written; the comparison
    reads them from any one row (they are checked to agree, see `data_access.compare`)."""

    __tablename__ = "area_group"

    group_id: str = Field(primary_key=True)
    name: str
    kind: str = Field(description="region, most similar group or other")
    area_id: str = Field(foreign_key="area.id", primary_key=True, index=True)

    __table_args__ = (_in("kind", GROUP_KINDS, "area_group_kind"),)


class Population(Cited, table=True):
    """An area's resident population for a financial year, with its source, so figures per head can be worked out.

    The year is the financial year the figure serves: an ONS mid-year estimate for mid-2018 serves 2018/19."""

    area_id: str = Field(foreign_key="area.id", primary_key=True)
    financial_year: int = Field(primary_key=True)
    population: int = Field(description="Residents, a whole number")

    __table_args__ = (CheckConstraint("population > 0", name="population_positive"),)


class ImportRecord(SQLModel, table=True):
    """A file that has been imported, by its SHA-256, so importing it again changes nothing."""

    __tablename__ = "import_record"

    sha256: str = Field(primary_key=True, max_length=64)
    file_name: str
    imported_at: datetime
    imported_by: str
    rows_added: int = 0
    rows_changed: int = 0


class AuditEntry(SQLModel, table=True):
    """One change to one record: who, when, from which file, and the values before and after (JSON)."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    who: str
    action: str = Field(description="insert, update or delete")
    table_name: str = Field(index=True)
    record_key: str = Field(description="The record's primary key, as text")
    before: str = Field(default="", description="JSON of the changed fields before; empty for an insert")
    after: str = Field(default="", description="JSON of the changed fields after; empty for a delete")
    file_name: str = Field(default="")
    file_sha256: str = Field(default="", index=True)

    __table_args__ = (_in("action", AUDIT_ACTIONS, "audit_entry_action"),)


class SavedMapping(SQLModel, table=True):
    """A spreadsheet's own headings mapped to the import format, as a person confirmed it (`data_access.mapping`).

    Keyed by a hash of the sheet's normalised headings, so the same register next quarter maps itself.
    """

    __tablename__ = "column_mapping"

    header_key: str = Field(primary_key=True, max_length=64, description="SHA-256 of the sorted, normalised headings")
    headers: str = Field(description="The headings as written, JSON")
    holds: str = Field(description="What the sheet holds: contracts, grants or performance")
    mapping: str = Field(description="Normalised heading -> the format's column (or 'not imported'), JSON")
    saved_by: str
    saved_at: datetime


def table_of(model: type[SQLModel]) -> Table:
    """A table model's `Table` (its `__table__`)."""
    # SQLModel sets __table__ on every table=True class when it is created, but its stubs do not declare it.
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def table_name(model: type[SQLModel]) -> str:
    """A table model's table name (its `__tablename__`, which SQLModel's stubs type as str or a callable)."""
    return table_of(model).name


# The tables whose rows cite a source (and carry a basis): the importer lets them leave out the section.
CITED_MODELS: tuple[type[SQLModel], ...] = (
    Plan,
    Priority,
    Provider,
    FundingStream,
    Agreement,
    Amendment,
    Milestone,
    AgreementPriority,
    Budget,
    Spend,
    Observation,
    AreaGroup,
    Population,
)

# Every cited row's basis and every restricted row's visibility is one of the known words, enforced by
# the database as well as the importer (tables that declared theirs above keep them).
for _model in CITED_MODELS:
    _table = table_of(_model)
    for _column, _values in (("basis", BASES), ("visibility", VISIBILITIES)):
        _name = f"{_table.name}_{_column}"
        if _column in _table.c and _name not in {c.name for c in _table.constraints}:
            _table.append_constraint(_in(_column, _values, _name))
