"""One function per question a page asks. Each takes a session and keyword arguments, always the
audience, and returns a small, already-aggregated DataFrame. SQL does the aggregation.

Money columns end in `_pence` (int). A `citations` column holds "source_id|section" pairs, one per
line (section names may contain semicolons), and `illustrative` is True where any figure behind the
row is illustrative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import pandas as pd
from sqlalchemy import BigInteger, Select, and_, case, cast, func, literal, or_, select
from sqlmodel import Session

from data_access.models import (
    VISIBLE_TO,
    Agreement,
    AgreementPriority,
    Amendment,
    Area,
    Audience,
    Basis,
    Budget,
    FundingStream,
    Measure,
    Milestone,
    Observation,
    Plan,
    Priority,
    Provider,
    Source,
    Spend,
)
from data_access.periods import Period, add_months, financial_year_of, format_date, months_between

NOT_LINKED = "Linked to no priority"
NOT_ASSIGNED = "Not assigned to one priority"
NO_STREAM = "Funding stream not stated"
NO_PROVIDER = "Provider not named"
CITATION_SEP = "\n"


def source_lines(citations: Iterable[str | None], documents: pd.DataFrame) -> list[str]:
    """One line per document cited: its title, publisher and date (each once: some titles hold them already), then
    every section cited, once. `citations` are query columns of 'source|section' joined by CITATION_SEP, where a row
    may cite several sections ("2.3; 2.3.1 ..."); a "; " inside brackets is part of the section, not a break."""
    sections: dict[str, list[str]] = {}
    for text in citations:
        for pair in str(text or "").split(CITATION_SEP):
            if "|" in pair:
                source_id, cited = pair.split("|", 1)
                listed = sections.setdefault(source_id, [])
                listed += [s for s in dict.fromkeys(re.split(r";\s+(?![^()]*\))", cited)) if s not in listed]
    by_id = documents.set_index("id")
    lines = []
    for source_id, cited in sections.items():
        if source_id not in by_id.index:
            continue
        doc = by_id.loc[source_id]
        name = [doc["title"]]
        name += [part for part in (doc["publisher"], format_date(doc["published"], doc["published_precision"])) if part not in doc["title"]]
        lines.append(f"{', '.join(name)}: {'; '.join(cited)}")
    return lines


def _visible(model, audience: Audience):
    return model.visibility.in_([v.value for v in VISIBLE_TO[Audience(audience)]])


def _citation(model):
    return model.source_id + literal("|") + model.source_section


def _citations(model):
    # Not DISTINCT: SQLite's group_concat takes no separator with DISTINCT. The sources footer removes repeats.
    return func.aggregate_strings(_citation(model), CITATION_SEP)


def _sum_pence(column):
    # PostgreSQL sums BIGINT as NUMERIC (Decimal in Python); cast back so money stays whole pence (int) on every database.
    return cast(func.sum(column), BigInteger)


def _is_illustrative(*models):
    return func.max(case((or_(*(m.basis == Basis.ILLUSTRATIVE for m in models)), 1), else_=0))


def _frame(session: Session, query: Select) -> pd.DataFrame:
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def areas(*, session: Session) -> pd.DataFrame:
    """Every policing area in the store."""
    return _frame(session, select(Area.id, Area.name, Area.office).order_by(Area.name))


def sources(*, session: Session) -> pd.DataFrame:
    """Every source document."""
    return _frame(session, select(*Source.__table__.columns).order_by(Source.published))


def default_as_at(*, session: Session, area: str, today: date) -> tuple[date, str]:
    """The as-at date to use when the user sets none, and why.

    Today, unless the area's figures stop earlier: then the date its latest source describes.
    """
    cited = [
        select(Agreement.source_id).where(Agreement.area_id == area),
        select(Budget.source_id).where(Budget.area_id == area),
        select(Observation.source_id).where(Observation.area_id == area),
        select(Plan.source_id).where(Plan.area_id == area),
    ]
    latest = session.execute(
        select(Source.figures_as_at, Source.title, Source.as_at_note)
        .where(Source.id.in_(cited[0].union(*cited[1:]).subquery().select()))
        .order_by(Source.figures_as_at.desc())
        .limit(1)
    ).first()
    if latest is None or latest.figures_as_at >= today:
        return today, "today's date"
    reason = f"the date of the latest figures for this area ({latest.title})"
    return latest.figures_as_at, reason + (f". {latest.as_at_note}" if latest.as_at_note else "")


def financial_years(*, session: Session, area: str, audience: Audience) -> list[int]:
    """Financial years with budget or spend figures for the area, oldest first."""
    years = (
        select(Budget.financial_year)
        .where(Budget.area_id == area, _visible(Budget, audience))
        .union(select(Spend.financial_year).where(Spend.area_id == area, _visible(Spend, audience)))
    )
    return sorted(session.execute(years).scalars())


def default_financial_year(*, session: Session, area: str, audience: Audience, as_at: date) -> int:
    """The latest year with figures that has started by the as-at date; else the as-at date's year."""
    years = [y for y in financial_years(session=session, area=area, audience=audience) if y <= financial_year_of(as_at)]
    return years[-1] if years else financial_year_of(as_at)


def priorities(*, session: Session, area: str) -> pd.DataFrame:
    """The area's plan priorities, newest plan first, each plan in its own order."""
    query = (
        select(Priority.id, Priority.name, Priority.position, Plan.title.label("plan"), Plan.first_year, Plan.last_year)
        .join(Plan, Priority.plan_id == Plan.id)
        .where(Plan.area_id == area)
        .order_by(Plan.first_year.desc(), Priority.position)
    )
    return _frame(session, query)


def _live(as_at: date):
    """Agreements running on the as-at date; an agreement with no published dates counts as running."""
    return and_(
        Agreement.status != "planned",
        or_(Agreement.start_date.is_(None), Agreement.start_date <= as_at),
        or_(Agreement.current_end_date.is_(None), Agreement.current_end_date >= as_at),
    )


def agreement_totals(
    *, session: Session, area: str, as_at: date, audience: Audience, red_months: int = 6, amber_months: int = 12
) -> pd.DataFrame:
    """One row: live agreements, their published annual value, how many have no published value, how many end soon."""
    ends = Agreement.current_end_date

    def ending_within(months: int):
        return func.sum(case((and_(ends.is_not(None), ends < add_months(as_at, months)), 1), else_=0))

    query = select(
        func.count().label("live"),
        func.coalesce(_sum_pence(Agreement.annual_value_pence), 0).label("annual_value_pence"),
        func.sum(case((Agreement.annual_value_pence.is_(None), 1), else_=0)).label("value_not_published"),
        ending_within(red_months).label("ending_within_red"),
        ending_within(amber_months).label("ending_within_amber"),
        # Live agreements whose published annual value is illustrative: the agreement as a whole, or its value field.
        func.sum(
            case(
                (
                    and_(
                        Agreement.annual_value_pence.is_not(None),
                        or_(Agreement.basis == Basis.ILLUSTRATIVE, Agreement.illustrative_fields.like("%annual_value%")),
                    ),
                    1,
                ),
                else_=0,
            )
        ).label("illustrative_values"),
        _citations(Agreement).label("citations"),
    ).where(Agreement.area_id == area, _visible(Agreement, audience), _live(as_at))
    return _frame(session, query).fillna({"live": 0, "value_not_published": 0, "ending_within_red": 0, "ending_within_amber": 0})


def _spend_apportioned():
    """Spend joined to the priority it serves, via its agreement's shares or directly, as `apportioned_pence`.

    Each part is floor(amount x cumulative share / 100) less the same for the shares before it, so
    the parts of one payment always add up to exactly the payment: no penny made or lost in rounding.
    """
    share = func.coalesce(AgreementPriority.share_percent, 100)
    running = func.sum(share).over(partition_by=Spend.id, order_by=AgreementPriority.priority_id)
    return (
        select(
            Spend,
            func.coalesce(AgreementPriority.priority_id, Spend.priority_id).label("served_priority_id"),
            (_whole_division(Spend.amount_pence * running, 100) - _whole_division(Spend.amount_pence * (running - share), 100)).label(
                "apportioned_pence"
            ),
            AgreementPriority.basis.label("share_basis"),
        )
        .outerjoin(Agreement, Spend.agreement_id == Agreement.id)
        .outerjoin(AgreementPriority, AgreementPriority.agreement_id == Spend.agreement_id)
    )


def _whole_division(numerator, denominator: int):
    # Integer division on both SQLite and PostgreSQL (both truncate); the telescoping sum stays exact either way.
    return cast(numerator, BigInteger).op("/")(denominator)


def _spend_in_year(area: str, year: int, audience: Audience) -> tuple:
    """Conditions for an area's spend in a financial year that the audience may see (its agreement too)."""
    return (
        Spend.area_id == area,
        Spend.financial_year == year,
        _visible(Spend, audience),
        or_(Agreement.id.is_(None), _visible(Agreement, audience)),
    )


def _budget_by(session: Session, key, *, area: str, year: int, audience: Audience) -> pd.DataFrame:
    """The area's budget for a financial year, summed by `key` (priority or funding stream)."""
    query = (
        select(
            key,
            _sum_pence(Budget.amount_pence).label("budget_pence"),
            _is_illustrative(Budget).label("budget_illustrative"),
            _sum_pence(case((Budget.basis == Basis.ILLUSTRATIVE, Budget.amount_pence), else_=0)).label("budget_illustrative_pence"),
            _citations(Budget).label("budget_citations"),
        )
        .where(Budget.area_id == area, Budget.financial_year == year, _visible(Budget, audience))
        .group_by(key)
    )
    return _frame(session, query)


MONEY_FRAME_COLUMNS = [
    "budget_pence",
    "spend_pence",
    "budget_illustrative",
    "spend_illustrative",
    "illustrative",
    "citations",
    # How much of each sum is illustrative (pence), and whether any figure is published at all: a sum of nothing is
    # "not published", never £0 (charts.spend and ui.render read these).
    "budget_illustrative_pence",
    "spend_illustrative_pence",
    "budget_published",
    "spend_published",
]


def _fill_money(frame: pd.DataFrame) -> None:
    """Whole pence with 0 where a side has no figure, and `<side>_published` saying which rows have one."""
    for side in ("budget", "spend"):
        frame[f"{side}_published"] = frame[f"{side}_pence"].notna()
        frame[f"{side}_pence"] = frame[f"{side}_pence"].fillna(0).astype("int64")
        frame[f"{side}_illustrative_pence"] = frame[f"{side}_illustrative_pence"].fillna(0).astype("int64")


def _combine_bases_and_citations(frame: pd.DataFrame) -> None:
    """Budget and spend rows merged: keep each side's basis, and one list of citations."""
    for side in ("budget", "spend"):
        frame[f"{side}_illustrative"] = frame[f"{side}_illustrative"].fillna(0).astype(bool)
    frame["illustrative"] = frame["budget_illustrative"] | frame["spend_illustrative"]
    frame["citations"] = [
        CITATION_SEP.join(c for c in pair if isinstance(c, str) and c)
        for pair in zip(frame["spend_citations"], frame["budget_citations"], strict=True)
    ]


def budget_and_spend_by_priority(
    *, session: Session, area: str, year: int, audience: Audience, priority: str | None = None
) -> pd.DataFrame:
    """Budget and spend for a financial year by plan priority; spend with no priority, and budget not assigned to one, as their own rows."""
    spend = _spend_apportioned().where(*_spend_in_year(area, year, audience)).subquery()
    spend_by = _frame(
        session,
        select(
            spend.c.served_priority_id.label("priority_id"),
            _sum_pence(spend.c.apportioned_pence).label("spend_pence"),
            func.max(case((or_(spend.c.basis == Basis.ILLUSTRATIVE, spend.c.share_basis == Basis.ILLUSTRATIVE), 1), else_=0)).label(
                "spend_illustrative"
            ),
            _sum_pence(
                case(
                    (or_(spend.c.basis == Basis.ILLUSTRATIVE, spend.c.share_basis == Basis.ILLUSTRATIVE), spend.c.apportioned_pence),
                    else_=0,
                )
            ).label("spend_illustrative_pence"),
            func.aggregate_strings(spend.c.source_id + literal("|") + spend.c.source_section, CITATION_SEP).label("spend_citations"),
        ).group_by(spend.c.served_priority_id),
    )
    budget_by = _budget_by(session, Budget.priority_id, area=area, year=year, audience=audience)
    # Spend with no priority and budget with no priority are different findings: keep them on separate rows.
    spend_by["priority_id"] = spend_by["priority_id"].fillna(NOT_LINKED)
    budget_by["priority_id"] = budget_by["priority_id"].fillna(NOT_ASSIGNED)
    names = priorities(session=session, area=area)[["id", "name", "plan", "position"]].rename(
        columns={"id": "priority_id", "name": "priority"}
    )
    frame = spend_by.merge(budget_by, on="priority_id", how="outer").merge(names, on="priority_id", how="left")
    if priority:
        frame = frame[frame["priority_id"] == priority]
    _fill_money(frame)
    unlinked = frame["priority_id"].isin([NOT_LINKED, NOT_ASSIGNED])
    frame.loc[unlinked, "priority"] = frame.loc[unlinked, "priority_id"]
    frame.loc[unlinked, "priority_id"] = None
    _combine_bases_and_citations(frame)
    frame = frame.sort_values(["position", "priority"], na_position="last")
    return frame[["priority_id", "priority", "plan", *MONEY_FRAME_COLUMNS]].reset_index(drop=True)


def budget_and_spend_by_funding_stream(*, session: Session, area: str, year: int, audience: Audience) -> pd.DataFrame:
    """Budget and spend for a financial year by funding stream; spend whose stream is not stated as its own row."""
    stream_id = func.coalesce(Spend.funding_stream_id, Agreement.funding_stream_id)
    spend_by = _frame(
        session,
        select(
            stream_id.label("funding_stream_id"),
            _sum_pence(Spend.amount_pence).label("spend_pence"),
            _is_illustrative(Spend).label("spend_illustrative"),
            _sum_pence(case((Spend.basis == Basis.ILLUSTRATIVE, Spend.amount_pence), else_=0)).label("spend_illustrative_pence"),
            _citations(Spend).label("spend_citations"),
        )
        .outerjoin(Agreement, Spend.agreement_id == Agreement.id)
        .where(*_spend_in_year(area, year, audience))
        .group_by(stream_id),
    )
    budget_by = _budget_by(session, Budget.funding_stream_id, area=area, year=year, audience=audience)
    streams = _frame(
        session,
        select(FundingStream.id.label("funding_stream_id"), FundingStream.name.label("funding_stream"), FundingStream.funder).where(
            FundingStream.area_id == area
        ),
    )
    frame = spend_by.merge(budget_by, on="funding_stream_id", how="outer").merge(streams, on="funding_stream_id", how="left")
    frame["funding_stream"] = frame["funding_stream"].fillna(NO_STREAM)
    _fill_money(frame)
    _combine_bases_and_citations(frame)
    frame = frame.sort_values("budget_pence", ascending=False)
    return frame[["funding_stream_id", "funding_stream", "funder", *MONEY_FRAME_COLUMNS]].reset_index(drop=True)


def money_flow(*, session: Session, area: str, year: int, audience: Audience) -> pd.DataFrame:
    """Spend in a financial year from funding stream to priority to provider: one row per path, with its amount."""
    spend = (
        _spend_apportioned()
        .where(*_spend_in_year(area, year, audience))
        .add_columns(
            func.coalesce(Spend.funding_stream_id, Agreement.funding_stream_id).label("stream_id"),
            Agreement.provider_id.label("provider_id"),
            Agreement.title.label("agreement"),
        )
        .subquery()
    )
    query = (
        select(
            func.coalesce(FundingStream.name, NO_STREAM).label("funding_stream"),
            func.coalesce(Priority.name, NOT_LINKED).label("priority"),
            func.coalesce(Provider.name, case((spend.c.agreement.is_(None), "Grants and other payments"), else_=NO_PROVIDER)).label(
                "provider"
            ),
            _sum_pence(spend.c.apportioned_pence).label("amount_pence"),
            func.max(case((or_(spend.c.basis == Basis.ILLUSTRATIVE, spend.c.share_basis == Basis.ILLUSTRATIVE), 1), else_=0)).label(
                "illustrative"
            ),
            _sum_pence(
                case(
                    (or_(spend.c.basis == Basis.ILLUSTRATIVE, spend.c.share_basis == Basis.ILLUSTRATIVE), spend.c.apportioned_pence),
                    else_=0,
                )
            ).label("illustrative_pence"),
        )
        .select_from(spend)
        .outerjoin(FundingStream, FundingStream.id == spend.c.stream_id)
        .outerjoin(Priority, Priority.id == spend.c.served_priority_id)
        .outerjoin(Provider, Provider.id == spend.c.provider_id)
        .group_by("funding_stream", "priority", "provider")
    )
    frame = _frame(session, query)
    frame["amount_pence"] = frame["amount_pence"].astype("int64")
    frame["illustrative"] = frame["illustrative"].astype(bool)
    frame["illustrative_pence"] = frame["illustrative_pence"].fillna(0).astype("int64")
    return frame.sort_values("amount_pence", ascending=False).reset_index(drop=True)


def agreements(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Every agreement in the area with its provider, funding stream, dates, options and values."""
    reprocurement = (
        select(func.min(Milestone.on))
        .where(Milestone.agreement_id == Agreement.id, Milestone.kind == "reprocurement", _visible(Milestone, audience))
        .scalar_subquery()
    )
    amendments = select(func.count()).where(Amendment.agreement_id == Agreement.id, _visible(Amendment, audience)).scalar_subquery()
    query = (
        select(
            Agreement.id,
            Agreement.title,
            Agreement.kind,
            func.coalesce(Provider.name, NO_PROVIDER).label("provider"),
            func.coalesce(FundingStream.name, NO_STREAM).label("funding_stream"),
            Agreement.procurement_route,
            Agreement.start_date,
            Agreement.start_precision,
            Agreement.original_end_date,
            Agreement.current_end_date,
            Agreement.end_precision,
            Agreement.latest_end_date,
            Agreement.extension_options_available,
            Agreement.extension_options_used,
            Agreement.annual_value_pence,
            Agreement.total_value_pence,
            Agreement.status,
            Agreement.basis,
            Agreement.basis_note,
            Agreement.illustrative_fields,
            reprocurement.label("reprocurement_recorded_on"),
            amendments.label("amendments"),
            _citation(Agreement).label("citations"),
        )
        .outerjoin(Provider, Agreement.provider_id == Provider.id)
        .outerjoin(FundingStream, Agreement.funding_stream_id == FundingStream.id)
        .where(Agreement.area_id == area, _visible(Agreement, audience))
        .order_by(Agreement.current_end_date.is_(None), Agreement.current_end_date, Agreement.title)
    )
    return _frame(session, query)


def amendments(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Extensions, variations and terminations of the area's agreements."""
    query = (
        select(
            Amendment.id,
            Amendment.agreement_id,
            Agreement.title.label("agreement"),
            Amendment.kind,
            Amendment.agreed_on,
            Amendment.previous_end_date,
            Amendment.new_end_date,
            Amendment.value_change_pence,
            Amendment.rationale,
            Amendment.basis,
            _citation(Amendment).label("citations"),
        )
        .join(Agreement, Amendment.agreement_id == Agreement.id)
        .where(Agreement.area_id == area, _visible(Amendment, audience), _visible(Agreement, audience))
        .order_by(func.coalesce(Amendment.agreed_on, Amendment.previous_end_date))
    )
    return _frame(session, query)


def milestones(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Dated steps, such as re-procurement, of the area's agreements."""
    query = (
        select(
            Milestone.id,
            Milestone.agreement_id,
            Agreement.title.label("agreement"),
            Milestone.on,
            Milestone.kind,
            Milestone.title,
            Milestone.basis,
            _citation(Milestone).label("citations"),
        )
        .join(Agreement, Milestone.agreement_id == Agreement.id)
        .where(Agreement.area_id == area, _visible(Milestone, audience), _visible(Agreement, audience))
        .order_by(Milestone.on)
    )
    return _frame(session, query)


def observations(*, session: Session, area: str, audience: Audience, measure: str | None = None) -> pd.DataFrame:
    """Measure values in the area, oldest period first, with targets and breakdowns."""
    query = (
        select(
            Observation.id,
            Observation.measure_id,
            Measure.name.label("measure"),
            Measure.unit,
            Measure.higher_is_better,
            Measure.counts_people,
            func.coalesce(Agreement.title, "Whole area").label("agreement"),
            func.coalesce(Provider.name, NO_PROVIDER).label("provider"),
            Observation.period_start,
            Observation.period_end,
            Observation.financial_year,
            Observation.quarter,
            Observation.value,
            Observation.value_statement,
            Observation.target,
            Observation.target_basis,
            Observation.dimension,
            Observation.dimension_value,
            Observation.basis,
            Observation.basis_note,
            _citation(Observation).label("citations"),
        )
        .join(Measure, Observation.measure_id == Measure.id)
        .outerjoin(Agreement, Observation.agreement_id == Agreement.id)
        .outerjoin(Provider, Agreement.provider_id == Provider.id)
        .where(Observation.area_id == area, _visible(Observation, audience), or_(Agreement.id.is_(None), _visible(Agreement, audience)))
        .order_by(Measure.name, Observation.period_start, Observation.period_end.desc(), Observation.dimension_value)
    )
    if measure:
        query = query.where(Observation.measure_id == measure)
    frame = _frame(session, query)
    frame["period"] = [
        Period(start, end, None if pd.isna(year) else int(year), None if pd.isna(quarter) else int(quarter)).label
        for start, end, year, quarter in zip(
            frame["period_start"], frame["period_end"], frame["financial_year"], frame["quarter"], strict=True
        )
    ]
    return frame


def cost_per_unit(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Spend per unit of each counted measure, where an agreement's spend and a full year's count are both known.

    A full year's count is a stated annual figure (not an average), else the sum of four quarters.
    """
    spend = (
        select(
            Spend.agreement_id,
            Spend.financial_year,
            _sum_pence(Spend.amount_pence).label("spend_pence"),
            _is_illustrative(Spend).label("spend_illustrative"),
            _citations(Spend).label("spend_citations"),
        )
        .where(Spend.area_id == area, Spend.agreement_id.is_not(None), _visible(Spend, audience))
        .group_by(Spend.agreement_id, Spend.financial_year)
        .subquery()
    )
    full_year = and_(Observation.quarter.is_(None), Observation.financial_year.is_not(None), ~Observation.value_statement.like("average%"))
    counted = and_(
        Measure.unit == "count", Observation.dimension == "", Observation.agreement_id.is_not(None), _visible(Observation, audience)
    )
    annual = (
        select(
            Observation.agreement_id,
            Observation.measure_id,
            Observation.financial_year,
            func.sum(Observation.value).label("units"),
            func.count().label("periods"),
            func.max(case((full_year, 1), else_=0)).label("stated_annually"),
            _is_illustrative(Observation).label("units_illustrative"),
            _citations(Observation).label("units_citations"),
        )
        .join(Measure, Observation.measure_id == Measure.id)
        .where(counted, or_(full_year, Observation.quarter.is_not(None)))
        .group_by(Observation.agreement_id, Observation.measure_id, Observation.financial_year, full_year)
        .subquery()
    )
    query = (
        select(
            Agreement.title.label("agreement"),
            Measure.name.label("measure"),
            annual.c.financial_year,
            spend.c.spend_pence,
            annual.c.units,
            annual.c.stated_annually,
            annual.c.periods,
            spend.c.spend_illustrative,
            annual.c.units_illustrative,
            spend.c.spend_citations,
            annual.c.units_citations,
        )
        .join(spend, and_(spend.c.agreement_id == annual.c.agreement_id, spend.c.financial_year == annual.c.financial_year))
        .join(Agreement, Agreement.id == annual.c.agreement_id)
        .join(Measure, Measure.id == annual.c.measure_id)
        .where(Agreement.area_id == area, _visible(Agreement, audience), or_(annual.c.stated_annually == 1, annual.c.periods == 4))
        .order_by(Agreement.title, Measure.name, annual.c.financial_year, annual.c.stated_annually.desc())
    )
    frame = _frame(session, query)
    # Prefer the stated annual count over a sum of quarters for the same year.
    frame = frame.drop_duplicates(["agreement", "measure", "financial_year"], keep="first")
    frame["cost_per_unit_pence"] = (frame["spend_pence"] / frame["units"]).round().astype("int64")
    frame["illustrative"] = frame[["spend_illustrative", "units_illustrative"]].max(axis=1).astype(bool)
    frame["citations"] = frame["spend_citations"] + CITATION_SEP + frame["units_citations"]
    return frame.drop(columns=["spend_illustrative", "units_illustrative", "spend_citations", "units_citations", "periods"]).reset_index(
        drop=True
    )


def renewals(*, session: Session, area: str, as_at: date, audience: Audience, red_months: int = 6, amber_months: int = 12) -> pd.DataFrame:
    """The area's agreements with, relative to the as-at date: a warning (red, amber, ok, ended, planned,
    undated), months to the current end, extension options left, and the decision that falls due."""
    frame = agreements(session=session, area=area, audience=audience)
    red_by, amber_by = add_months(as_at, red_months), add_months(as_at, amber_months)

    def warning(row) -> str:
        end = row.current_end_date
        if row.status == "planned":
            return "planned"
        if end is None or pd.isna(end):
            return "ended" if row.status == "ended" else "undated"
        if end < as_at or (row.start_date is not None and not pd.isna(row.start_date) and row.start_date > as_at):
            return "ended" if end < as_at else "planned"
        return "red" if end < red_by else "amber" if end < amber_by else "ok"

    def remaining(row) -> int | None:
        if pd.isna(row.extension_options_available):
            return None
        return max(int(row.extension_options_available) - int(row.extension_options_used), 0)

    def next_step(row) -> str:
        if row.warning == "planned":
            return (
                f"Planned to start {format_date(row.start_date, row.start_precision)}"
                if pd.notna(row.start_date)
                else "Planned; no start date published"
            )
        if row.warning == "ended":
            return "Ended"
        if row.warning == "undated":
            return "No dates published: ask when it ends and what follows"
        left = row.options_remaining
        step = (
            f"Extend ({left} option{'s' if left != 1 else ''} left) or re-procure"
            if left
            else "No extension options left: re-procure or end"
            if left == 0
            else "Extension options not published: re-procure, extend or end"
        )
        if pd.notna(row.reprocurement_recorded_on):
            step += f"; re-procurement step recorded {format_date(row.reprocurement_recorded_on)}"
        return step

    frame["warning"] = [warning(r) for r in frame.itertuples()]
    frame["months_to_end"] = [months_between(as_at, e) if pd.notna(e) else None for e in frame["current_end_date"]]
    frame["options_remaining"] = pd.Series([remaining(r) for r in frame.itertuples()], index=frame.index, dtype="object")
    frame["next_step"] = [next_step(r) for r in frame.itertuples()]

    def date_text(field: str, precision: str | None = None) -> list[str]:
        return [
            (format_date(row[field], row[precision] if precision else "day") if pd.notna(row[field]) else "not published")
            + (" (illustrative)" if field in row["illustrative_fields"] else "")
            for _, row in frame.iterrows()
        ]

    frame["start_text"] = date_text("start_date", "start_precision")
    frame["end_text"] = date_text("current_end_date", "end_precision")
    frame["latest_text"] = date_text("latest_end_date")
    frame["options_text"] = [
        f"{u} of {int(a)}" if pd.notna(a) else (f"{u} (options available not published)" if u else "not published")
        for u, a in zip(frame["extension_options_used"], frame["extension_options_available"], strict=True)
    ]
    frame["timing"] = [
        {
            "red": "Ends within {r} months",
            "amber": "Ends within {a} months",
            "ok": "Runs beyond {a} months",
            "ended": "Ended",
            "planned": "Planned",
            "undated": "Dates not published",
        }[w].format(r=red_months, a=amber_months)
        for w in frame["warning"]
    ]
    frame["label"] = [f"{t} ({p})" if p != NO_PROVIDER else t for t, p in zip(frame["title"], frame["provider"], strict=True)]
    return frame
