"""One function per question a page asks. Each takes a session and keyword arguments, always the
audience, and returns a small, already-aggregated DataFrame. SQL does the aggregation.

Money columns end in `_pence` (int). A `citations` column holds "source_id|section" pairs, one per
line (section names may contain semicolons), and `illustrative` is True where any figure behind the
row is illustrative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from data_access.models import (
    Agreement,
    AgreementKind,
    AgreementPriority,
    AgreementStatus,
    Amendment,
    Apportionment,
    Area,
    AreaGroup,
    Audience,
    Basis,
    Budget,
    DatePrecision,
    FundingStream,
    Measure,
    Milestone,
    MoneyQualifier,
    Observation,
    Plan,
    Population,
    Priority,
    Provider,
    Source,
    SourceKind,
    Spend,
    table_of,
    visible_to,
)
from data_access.money import format_money
from data_access.periods import Period, add_months, financial_year_of, format_date, fy_end, fy_label, fy_start, months_between

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
    # Each distinct pair once, in order: a year's spend cites the same few sections thousands of times.
    pairs = dict.fromkeys(pair for text in citations for pair in str(text or "").split(CITATION_SEP))
    for pair in pairs:
        if "|" in pair:
            source_id, cited = pair.split("|", 1)
            listed = sections.setdefault(source_id, [])
            # A blank section cites the source as a whole: the document is listed with no section.
            listed += [s for s in dict.fromkeys(re.split(r";\s+(?![^()]*\))", cited)) if s.strip() and s not in listed]
    by_id = documents.set_index("id")
    lines = []
    for source_id, sections_cited in sections.items():
        if source_id not in by_id.index:
            continue
        doc = by_id.loc[source_id]
        title = str(doc["title"] or "") or str(doc["url"] or "") or source_id  # a web page with no title is cited by its address
        published = format_date(doc["published"], doc["published_precision"]) if pd.notna(doc["published"]) else ""
        name = [title, *(part for part in (str(doc["publisher"] or ""), published) if part and part not in title)]
        if doc["title"] and doc["url"] and not sections_cited:
            name.append(str(doc["url"]))
        lines.append(f"{', '.join(name)}: {'; '.join(sections_cited)}" if sections_cited else ", ".join(name))
    return lines


Query = Select[*tuple[Any, ...]]  # a SELECT of several columns


def citation(model: Any) -> ColumnElement[str]:
    """A record's 'source_id|section', as every `citations` column holds it."""
    return col(model.source_id) + literal("|") + col(model.source_section)


def _citations(model: Any) -> ColumnElement[str]:
    # Not DISTINCT: SQLite's group_concat takes no separator with DISTINCT. The sources footer removes repeats.
    return func.aggregate_strings(citation(model), CITATION_SEP)


# Ends each citation for `_distinct_citations_sqlite`: a control character, which no imported text may hold (loading._CONTROL).
_CITATION_END = "\x1f"


def _distinct_citations_sqlite(model: Any) -> ColumnElement[str]:
    """`_citations` with each citation once, in SQLite, whose group_concat takes no separator with DISTINCT: each
    citation is ended with _CITATION_END, so its default ',' separator can be told from a comma in a section. A
    year's citations over a national store's lines: 26 MB as `_citations` gives them, a few hundred bytes this way."""
    ended = func.group_concat(distinct(citation(model) + literal(_CITATION_END)))
    return func.rtrim(func.replace(ended, literal(_CITATION_END + ","), literal(CITATION_SEP)), literal(_CITATION_END))


def _sum_pence(column: Any) -> ColumnElement[int]:
    # PostgreSQL sums BIGINT as NUMERIC (Decimal in Python); cast back so money stays whole pence (int) on every database.
    return cast(func.sum(column), BigInteger)


def _is_illustrative(*models: Any) -> ColumnElement[int]:
    return func.max(case((or_(*(col(m.basis) == Basis.ILLUSTRATIVE for m in models)), 1), else_=0))


def _frame(session: Session, query: Query) -> pd.DataFrame:
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def areas(*, session: Session) -> pd.DataFrame:
    """Every policing area in the store."""
    return _frame(session, select(col(Area.id), col(Area.name), col(Area.office)).order_by(col(Area.name)))


def sources(*, session: Session) -> pd.DataFrame:
    """Every source document."""
    return _frame(session, select(*table_of(Source).columns).order_by(col(Source.published)))


def default_as_at(*, session: Session, area: str, today: date, audience: Audience) -> tuple[date, str]:
    """The as-at date to use when the user sets none, and why.

    Today, unless the area's figures stop earlier: then the date its latest source describes. Only sources cited by
    records the audience may see count: a restricted document's title and note must not reach the public this way.
    """
    documents = _area_documents(audience)
    latest = session.execute(
        select(figures_date(Source).label("figures_date"), col(Source.title), col(Source.url), col(Source.as_at_note))
        .where(col(Source.id).in_(select(documents.c.source_id).where(documents.c.area_id == area)), figures_date(Source).is_not(None))
        .order_by(figures_date(Source).desc())
        .limit(1)
    ).first()
    if latest is None or latest.figures_date >= today:
        return today, "today's date"
    reason = f"the date of the latest figures for this area ({latest.title or latest.url or 'a source with no title'})"
    return latest.figures_date, reason + (f". {latest.as_at_note}" if latest.as_at_note else "")


def financial_years(*, session: Session, area: str, audience: Audience) -> list[int]:
    """Financial years with budget, spend or grant awards for the area, oldest first: every year a budget over several
    years spans, and the year each dated award from a funding stream starts in."""
    return financial_years_by_area(session=session, audience=audience, area=area).get(area, [])


def financial_years_by_area(*, session: Session, audience: Audience, area: str | None = None) -> dict[str, list[int]]:
    """`financial_years` of every area (or one), by area id: three queries for the whole store, not three per area."""
    spans = select(col(Budget.area_id), col(Budget.financial_year), _budget_last_year()).where(visible_to(Budget, audience))
    spent = select(col(Spend.area_id), col(Spend.financial_year)).where(visible_to(Spend, audience))
    awarded = select(col(Agreement.area_id), col(Agreement.start_date)).where(
        visible_to(Agreement, audience), _award_from_stream(), col(Agreement.start_date).is_not(None)
    )
    if area is not None:
        spans = spans.where(col(Budget.area_id) == area)
        spent = spent.where(col(Spend.area_id) == area)
        awarded = awarded.where(col(Agreement.area_id) == area)
    years: dict[str, set[int]] = {}
    for owner, first, last in session.execute(spans.distinct()).all():
        years.setdefault(owner, set()).update(range(first, last + 1))
    for owner, year in session.execute(spent.distinct()).all():
        years.setdefault(owner, set()).add(year)
    for owner, day in session.execute(awarded.distinct()).all():
        years.setdefault(owner, set()).add(financial_year_of(day))
    return {owner: sorted(found) for owner, found in years.items()}


def default_financial_year(*, session: Session, area: str, audience: Audience, as_at: date) -> int:
    """The latest year with figures that has started by the as-at date; else the as-at date's year."""
    years = [y for y in financial_years(session=session, area=area, audience=audience) if y <= financial_year_of(as_at)]
    return years[-1] if years else financial_year_of(as_at)


def priorities(*, session: Session, area: str) -> pd.DataFrame:
    """The area's plan priorities, newest plan first, each plan in its own order."""
    query: Query = (
        select(
            col(Priority.id),
            col(Priority.name),
            col(Priority.position),
            col(Plan.title).label("plan"),
            col(Plan.first_year),
            col(Plan.last_year),
        )
        .join(Plan, col(Priority.plan_id) == col(Plan.id))
        .where(col(Plan.area_id) == area)
        .order_by(col(Plan.first_year).desc(), col(Priority.position))
    )
    return _frame(session, query)


def _area_documents(audience: Audience | None = None) -> Subquery:
    """Which documents describe which area: (area_id, source_id) for each document cited by any record of the area,
    or, given an audience, by any record of the area that audience may see (plans are public)."""
    return union(
        *(
            select(col(model.area_id).label("area_id"), col(model.source_id).label("source_id")).where(
                visible_to(model, audience) if audience is not None and model is not Plan else true()
            )
            for model in (Agreement, Budget, Observation, Plan)
        )
    ).subquery("area_documents")


# An agreement's standing on the as-at date, as `_standing` works it out.
RUNNING, UNDATED, PLANNED, ENDED = "running", "undated", "planned", "ended"
SUPERSEDED = "superseded"  # undated, and a later document of its area has come out by the as-at date: status not published
NOT_YET_LISTED = "not yet listed"  # undated, from a document that describes a later date than the as-at date
NOT_STATED = "not stated"  # undated, and its source states no status: status not published
LIVE_STANDINGS = (RUNNING, UNDATED)
STATUS_NOT_PUBLISHED = (SUPERSEDED, NOT_YET_LISTED, NOT_STATED)


def figures_date(source: Any) -> ColumnElement[date]:
    """The date a source's figures describe: its figures-as-at date, else its published date; NULL (not published)
    where it gives neither. No date is invented."""
    day: ColumnElement[date] = func.coalesce(col(source.figures_as_at), col(source.published))
    return day


def _financial_year_sql(day: Any, precision: Any) -> ColumnElement[int]:
    """The financial year (by its starting calendar year) holding a stored date; a year-only date is taken as the
    financial year starting in that year."""
    year = cast(func.extract("year", day), Integer)
    expression: ColumnElement[int] = case((precision == DatePrecision.YEAR, year), (func.extract("month", day) >= 4, year), else_=year - 1)
    return expression


def grant_year() -> ColumnElement[int]:
    """The financial year an undated grant is for: as stated, else that of its award date, else of its start date."""
    year: ColumnElement[int] = func.coalesce(
        col(Agreement.financial_year),
        _financial_year_sql(col(Agreement.award_date), col(Agreement.award_precision)),
        _financial_year_sql(col(Agreement.start_date), col(Agreement.start_precision)),
    )
    return year


def _standing(as_at: date) -> ColumnElement[str]:
    """The one definition of whether an agreement is running on the as-at date (see STANDINGS above).

    - A status of ended is never running once its source describes the as-at date (or describes no date at all).
    - An undated grant (no end date; a one-off payment as grant lists publish them) is running only within the
      financial year it is for (`grant_year`: as stated, else the year of its award or start): after that year it
      is ended, before it planned. A grant with no year at all follows the undated rules below.
    - An agreement with published dates is judged by them, whatever its status (including not stated).
    - One with no published current end date (and not ended) counts as running only while the document it comes
      from is the latest word on its area: once a later document of the same area (one with later figures, out by
      the as-at date) exists, the old listing says nothing about now, so its status is not published. A document
      whose figures describe a date after the as-at date was not known then, so its undated agreements are not
      running at that date either. An undated one whose status is not stated has its status not published.
    - A source's figures date is its figures-as-at date, else its published date (`figures_date`).
    """
    source, known = aliased(Source), aliased(Source)  # aliases: the outer query may join Source itself
    own = select(figures_date(source)).where(col(source.id) == col(Agreement.source_id)).scalar_subquery()
    documents = _area_documents()
    latest_known = (  # the latest figures of any document of the agreement's area out by the as-at date
        select(func.max(figures_date(known)))
        .select_from(documents)
        .join(known, col(known.id) == documents.c.source_id)
        .where(documents.c.area_id == col(Agreement.area_id), figures_date(known) <= as_at)
        .scalar_subquery()
    )
    superseded = latest_known > own
    undated = col(Agreement.current_end_date).is_(None)
    status = col(Agreement.status)
    undated_grant = and_(undated, col(Agreement.kind) == AgreementKind.GRANT, grant_year().is_not(None))
    year_now = financial_year_of(as_at)
    return case(
        (and_(status == AgreementStatus.ENDED, or_(own.is_(None), own <= as_at)), ENDED),
        (and_(undated, status == AgreementStatus.ENDED), ENDED),
        (and_(undated_grant, grant_year() < year_now), ENDED),
        (and_(undated, own > as_at), NOT_YET_LISTED),
        (and_(undated_grant, grant_year() > year_now), PLANNED),
        (and_(undated_grant, status != AgreementStatus.PLANNED), UNDATED),
        (and_(undated, superseded), SUPERSEDED),
        (status == AgreementStatus.PLANNED, PLANNED),
        (col(Agreement.current_end_date) < as_at, ENDED),
        (col(Agreement.start_date) > as_at, PLANNED),
        (and_(undated, status == AgreementStatus.NOT_STATED), NOT_STATED),
        (undated, UNDATED),
        else_=RUNNING,
    )


def _live(as_at: date) -> ColumnElement[bool]:
    """Agreements running on the as-at date (`_standing`): dated ones by their dates, undated ones while current."""
    return _standing(as_at).in_(LIVE_STANDINGS)


def _document(title: str, published: date | None, precision: str) -> str:
    """A document named by its title and, where published and not in the title already, its date."""
    if published is None or pd.isna(published):
        return title
    when = format_date(published, precision)
    return f"{title}{'' if when in title else ', ' + when}"


def last_listed_text(title: str, published: date | None, precision: str) -> str:
    """What is known of an agreement whose status is not published: the document that last listed it."""
    return f"Last listed in {_document(title, published, precision)}; current status not published"


def not_yet_listed_text(title: str, published: date | None, precision: str) -> str:
    """What is known on the as-at date of an agreement first listed in a document describing a later date."""
    return f"Not yet listed on this date: first listed in {_document(title, published, precision)}"


def not_stated_text(title: str, published: date | None, precision: str) -> str:
    """What is known of an undated agreement whose source states no status."""
    return f"Listed in {_document(title, published, precision)} with no status and no end date: current status not published"


def standings(*, session: Session, area: str | None, as_at: date, audience: Audience) -> pd.DataFrame:
    """Each of the area's agreements with its standing on the as-at date and, where its status is not published
    then, what is known (`status_note`): the document that last listed it, or that it was not yet listed."""
    query: Query = select(
        col(Agreement.id),
        _standing(as_at).label("standing"),
        col(Source.title).label("source_title"),
        col(Source.published).label("source_published"),
        col(Source.published_precision).label("source_published_precision"),
    ).join(Source, col(Agreement.source_id) == col(Source.id))
    frame = _frame(session, query.where(*_in_area(Agreement, area), visible_to(Agreement, audience)))
    texts = {SUPERSEDED: last_listed_text, NOT_YET_LISTED: not_yet_listed_text, NOT_STATED: not_stated_text}
    frame["status_note"] = [
        texts[s](t, p, pr) if s in texts else ""
        for s, t, p, pr in zip(
            frame["standing"], frame["source_title"], frame["source_published"], frame["source_published_precision"], strict=True
        )
    ]
    return frame[["id", "standing", "status_note"]]


def agreement_totals(
    *, session: Session, area: str, as_at: date, audience: Audience, red_months: int = 6, amber_months: int = 12
) -> pd.DataFrame:
    """One row: live agreements, their published annual value, how many have no published value, how many end soon,
    and how many agreements are not counted because their status on the as-at date is not published."""
    ends = col(Agreement.current_end_date)

    def ending_within(months: int) -> ColumnElement[int]:
        return func.sum(case((and_(ends.is_not(None), ends < add_months(as_at, months)), 1), else_=0))

    query: Query = select(
        func.count().label("live"),
        # A value that is part of another agreement's ("of which") is in that one's already: never added again.
        func.coalesce(_sum_pence(case((col(Agreement.value_part_of_id).is_(None), col(Agreement.annual_value_pence)))), 0).label(
            "annual_value_pence"
        ),
        _up_to(
            case(
                (
                    and_(col(Agreement.value_part_of_id).is_(None), col(Agreement.annual_value_pence).is_not(None)),
                    col(Agreement.value_qualifier),
                )
            )
        ).label("annual_value_up_to"),
        func.sum(case((col(Agreement.annual_value_pence).is_(None), 1), else_=0)).label("value_not_published"),
        ending_within(red_months).label("ending_within_red"),
        ending_within(amber_months).label("ending_within_amber"),
        # Live agreements whose published annual value is illustrative: the agreement as a whole, or its value field.
        func.sum(
            case(
                (
                    and_(
                        col(Agreement.annual_value_pence).is_not(None),
                        or_(col(Agreement.basis) == Basis.ILLUSTRATIVE, col(Agreement.illustrative_fields).like("%annual_value%")),
                    ),
                    1,
                ),
                else_=0,
            )
        ).label("illustrative_values"),
        _citations(Agreement).label("citations"),
    ).where(col(Agreement.area_id) == area, visible_to(Agreement, audience), _live(as_at))
    frame = _frame(session, query).fillna({"live": 0, "value_not_published": 0, "ending_within_red": 0, "ending_within_amber": 0})
    not_published = select(func.count()).where(
        col(Agreement.area_id) == area, visible_to(Agreement, audience), _standing(as_at).in_(STATUS_NOT_PUBLISHED)
    )
    frame["status_not_published"] = int(session.execute(not_published).scalar_one())
    return frame


def annual_value_text(totals: pd.Series) -> str:
    """The live agreements' summed annual value (`agreement_totals`), "up to £X" when a ceiling is in it."""
    return money_text(int(totals["annual_value_pence"]), up_to=bool(totals["annual_value_up_to"]))


def _published(model: Any) -> ColumnElement[bool]:
    """Rows whose basis is not illustrative: what the public pages may show as fact."""
    return col(model.basis) != Basis.ILLUSTRATIVE


def _spend_apportioned(*, published_only: bool = False) -> Query:
    """Spend joined to the priority it serves, via its agreement's shares or directly, as `apportioned_pence`.

    Each part is floor(amount x cumulative share / 100) less the same for the shares before it, so
    the parts of one payment always add up to exactly the payment: no penny made or lost in rounding.

    `published_only` leaves out illustrative spend, and apportions a payment through its agreement's shares only
    when every share of that agreement is published; otherwise it serves the spend's own priority (if any), rather
    than being split on an illustrative apportionment.
    """
    share = func.coalesce(col(AgreementPriority.share_percent), 100)
    running = func.sum(share).over(partition_by=col(Spend.id), order_by=col(AgreementPriority.priority_id))
    shares_join = col(AgreementPriority.agreement_id) == col(Spend.agreement_id)
    if published_only:
        illustrative_share = aliased(AgreementPriority)
        shares_published = ~exists().where(col(illustrative_share.agreement_id) == col(Spend.agreement_id), ~_published(illustrative_share))
        shares_join = and_(shares_join, shares_published)
    query: Query = (
        select(
            Spend,
            func.coalesce(col(AgreementPriority.priority_id), col(Spend.priority_id)).label("served_priority_id"),
            (
                _whole_division(col(Spend.amount_pence) * running, 100) - _whole_division(col(Spend.amount_pence) * (running - share), 100)
            ).label("apportioned_pence"),
            col(AgreementPriority.basis).label("share_basis"),
        )
        .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
        .outerjoin(AgreementPriority, shares_join)
    )
    return query.where(_published(Spend)) if published_only else query


def _whole_division(numerator: Any, denominator: int) -> ColumnElement[int]:
    # Integer division on both SQLite and PostgreSQL (both truncate); the telescoping sum stays exact either way.
    return cast(numerator, BigInteger).op("/")(denominator)


def _spend_in_year(area: str, year: int, audience: Audience) -> tuple[ColumnElement[bool], ...]:
    """Conditions for an area's spend in a financial year that the audience may see (its agreement too); a part of
    another spend line ("of which") is never one, so it is never added to its whole."""
    return _spend_in_years(area, [year], audience)


def _in_area(model: Any, area: str | None) -> tuple[ColumnElement[bool], ...]:
    """Rows of one area, or (None) of every area."""
    return () if area is None else (col(model.area_id) == area,)


def _in_years(column: Any, years: Sequence[int]) -> ColumnElement[bool]:
    """`column` is one of `years`: `=` for one year, so the one-year queries are the statements they always were."""
    condition: ColumnElement[bool] = column == years[0] if len(years) == 1 else column.in_(list(years))
    return condition


def _spend_in_years(area: str | None, years: Sequence[int], audience: Audience) -> tuple[ColumnElement[bool], ...]:
    """`_spend_in_year` for several years and one area or (None) every area."""
    return (
        *_in_area(Spend, area),
        _in_years(col(Spend.financial_year), years),
        col(Spend.part_of_id).is_(None),
        visible_to(Spend, audience),
        or_(col(Agreement.id).is_(None), visible_to(Agreement, audience)),
    )


def _budget_last_year(model: Any = Budget) -> ColumnElement[int]:
    """A budget's last financial year: its own for a budget over several years, else its one year."""
    return func.coalesce(col(model.last_financial_year), col(model.financial_year))


def _budget_counts_in(year: int | ColumnElement[int], model: Any = Budget) -> ColumnElement[bool]:
    """Budget lines that count in a year's totals: not a part of another line ("of which"), and either for that one
    year or split evenly over years that include it. A budget over several years that is not split counts in no one
    year: `unsplit_budgets` lists it, whole, beside the year's figures."""
    last = _budget_last_year(model)
    return and_(
        col(model.part_of_id).is_(None),
        col(model.financial_year) <= year,
        last >= year,
        or_(last == col(model.financial_year), col(model.apportionment) == Apportionment.EVEN),
    )


def _budget_for_year(year: int | ColumnElement[int]) -> ColumnElement[int]:
    """A budget line's amount for `year`: the whole of a one-year budget; year k's share of a budget split evenly over n
    years, floor(amount x (k+1) / n) - floor(amount x k / n), so the shares add up to the amount to the penny.
    `year` may be a column (the trend view's years), so every year is summed by one definition."""
    years = (_budget_last_year() - col(Budget.financial_year) + 1).self_group()  # bracketed: a custom "/" binds loosely
    before = (literal(year) if isinstance(year, int) else year) - col(Budget.financial_year)
    amount = col(Budget.amount_pence)
    return cast(amount * (before + 1), BigInteger).op("/")(years) - cast(amount * before, BigInteger).op("/")(years)


def _up_to(column: Any) -> ColumnElement[int]:
    """1 where any amount in a sum is a ceiling ("up to"), so the total is written "up to £X" too."""
    return func.max(case((column == MoneyQualifier.UP_TO, 1), else_=0))


def money_text(pence: int, *, up_to: bool = False) -> str:
    """£1,234, or "up to £1,234" where the amount (or any amount in a total) is a ceiling."""
    return f"up to {format_money(pence)}" if up_to else format_money(pence)


def _area_column(model: Any, area: str | None) -> tuple[ColumnElement[Any], list[Any]]:
    """The `area_id` column of a query of one area (a constant, grouped by nothing) or of every area (grouped by it)."""
    if area is None:
        return col(model.area_id).label("area_id"), [col(model.area_id)]
    return literal(area).label("area_id"), []


def _budget_by(session: Session, key: Any, *, area: str, year: int, audience: Audience, published_only: bool = False) -> pd.DataFrame:
    """The area's budget for a financial year, summed by `key` (priority or funding stream): one-year lines and the
    year's share of lines split evenly over several years, never a part of another line; illustrative rows left
    out with `published_only`."""
    frame = _budget_by_years(session, key, area=area, years=[year], audience=audience, published_only=published_only)
    return frame.drop(columns=["area_id", "financial_year"])


def _budget_by_years(
    session: Session, key: Any, *, area: str | None, years: Sequence[int], audience: Audience, published_only: bool = False
) -> pd.DataFrame:
    """`_budget_by` for one area or (None) every area and several years, with `area_id` and `financial_year` columns:
    each budget line joined to the years it counts in (`_budget_counts_in`), summed by area, year and key."""
    area_column, area_group = _area_column(Budget, area)
    if len(years) == 1:
        year: Any = years[0]
        query: Query = select(area_column, literal(years[0], Integer).label("financial_year"))
        year_group: list[Any] = []
    else:
        table = _years_table(list(years))
        year = table.c.financial_year
        query = select(area_column, year.label("financial_year")).select_from(Budget).join(table, _budget_counts_in(year))
        year_group = [year]
    amount = _budget_for_year(year)
    query = (
        query.add_columns(
            key,
            _sum_pence(amount).label("budget_pence"),
            _is_illustrative(Budget).label("budget_illustrative"),
            _sum_pence(case((col(Budget.basis) == Basis.ILLUSTRATIVE, amount), else_=0)).label("budget_illustrative_pence"),
            _up_to(col(Budget.qualifier)).label("budget_up_to"),
            _citations(Budget).label("budget_citations"),
        )
        .where(*_in_area(Budget, area), _budget_counts_in(year), visible_to(Budget, audience))
        .group_by(*area_group, *year_group, key)
    )
    if published_only:
        query = query.where(_published(Budget))
    return _frame(session, query)


def _of_which(session: Session, model: Any, key: str, *, area: str, year: int, audience: Audience, published_only: bool) -> pd.DataFrame:
    """Parts ("of which £X for ...") of the year's one-year budget or spend lines, as one text per `key` of their whole
    (`priority_id` or `funding_stream_id`), in a column `<budget|spend>_of_which`. Parts are never in a sum."""
    frame = _of_which_by_years(session, model, key, area=area, years=[year], audience=audience, published_only=published_only)
    return frame.drop(columns=["area_id", "financial_year"])


def _of_which_by_years(
    session: Session, model: Any, key: str, *, area: str | None, years: Sequence[int], audience: Audience, published_only: bool
) -> pd.DataFrame:
    """`_of_which` for one area or (None) every area and several years: one text per area, year and `key`."""
    whole = aliased(model)
    side = "budget" if model is Budget else "spend"
    if model is Budget:
        whole_key: Any = getattr(whole, key)
        in_year: Any = and_(_in_years(col(whole.financial_year), years), _budget_last_year(whole) == col(whole.financial_year))
        query = select(whole_key.label(key))
    else:
        agreement = aliased(Agreement)
        whole_key = func.coalesce(col(whole.funding_stream_id), col(agreement.funding_stream_id))
        in_year = _in_years(col(whole.financial_year), years)
        query = select(whole_key.label(key)).outerjoin(agreement, col(whole.agreement_id) == col(agreement.id))
    query = (
        query.add_columns(
            col(whole.area_id), col(whole.financial_year), col(model.amount_pence), col(model.qualifier), col(model.description)
        )
        .join(model, col(model.part_of_id) == col(whole.id))
        .where(*_in_area(whole, area), in_year, visible_to(whole, audience), visible_to(model, audience))
        .order_by(col(model.id))
    )
    if published_only:
        query = query.where(_published(model), _published(whole))
    texts: dict[tuple[Any, Any, Any], list[str]] = {}
    for row in session.execute(query).all():
        what = f" for {row.description}" if row.description else ""
        texts.setdefault((row.area_id, int(row.financial_year), row[0]), []).append(
            f"of which {money_text(int(row.amount_pence), up_to=row.qualifier == MoneyQualifier.UP_TO)}{what}"
        )
    columns = ["area_id", "financial_year", key, f"{side}_of_which"]
    return pd.DataFrame([(*k, "; ".join(t)) for k, t in texts.items()], columns=columns)


def _with_parts(frame: pd.DataFrame, parts: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the `_of_which` texts of its rows beside them (by the parts' key columns: all but the last)."""
    *keys, column = parts.columns
    if parts.empty:
        return frame.assign(**{column: ""})
    return frame.astype({key: object for key in keys if key not in ("financial_year",)}).merge(parts, on=keys, how="left")


def unsplit_budgets(*, session: Session, area: str, year: int, audience: Audience, published_only: bool = False) -> pd.DataFrame:
    """Budgets over several years, including `year`, that the source does not split by year: each whole, with its years,
    as `text` ("£469,363 over 2018/19–2019/20, not split by year"), never put in one year or divided silently."""
    last = _budget_last_year()
    query: Query = (
        select(
            col(Budget.id),
            func.coalesce(col(FundingStream.name), NO_STREAM).label("funding_stream"),
            col(Budget.funding_stream_id),
            col(Budget.priority_id),
            col(Budget.amount_pence),
            col(Budget.qualifier),
            col(Budget.financial_year),
            last.label("last_financial_year"),
            col(Budget.description),
            col(Budget.basis),
            citation(Budget).label("citations"),
        )
        .outerjoin(FundingStream, col(Budget.funding_stream_id) == col(FundingStream.id))
        .where(
            col(Budget.area_id) == area,
            visible_to(Budget, audience),
            col(Budget.part_of_id).is_(None),
            col(Budget.financial_year) <= year,
            last >= year,
            last > col(Budget.financial_year),
            col(Budget.apportionment) == Apportionment.NOT_SPLIT,
            *([_published(Budget)] if published_only else []),
        )
        .order_by(col(Budget.amount_pence).desc(), col(Budget.id))
    )
    frame = _frame(session, query)
    frame["text"] = [
        f"{money_text(int(r.amount_pence), up_to=r.qualifier == MoneyQualifier.UP_TO)} over "
        f"{fy_label(int(r.financial_year))}–{fy_label(int(r.last_financial_year))}, not split by year"
        + (" (illustrative)" if r.basis == Basis.ILLUSTRATIVE else "")
        for r in frame.itertuples()
    ]
    return frame


def _award_from_stream() -> ColumnElement[bool]:
    """Grants from a funding stream, each its own award: not a part of another agreement's value."""
    return and_(
        col(Agreement.kind) == AgreementKind.GRANT, col(Agreement.funding_stream_id).is_not(None), col(Agreement.value_part_of_id).is_(None)
    )


def _award_value() -> ColumnElement[int]:
    return func.coalesce(col(Agreement.total_value_pence), col(Agreement.annual_value_pence))


def _award_counted(*, published_only: bool = False) -> ColumnElement[bool]:
    """An award counted as committed in the year it starts: dated, with a published value (and, for the public pages,
    neither illustrative). Spend paying such an award is the same money, so it is not counted again."""
    counted = and_(_award_from_stream(), col(Agreement.start_date).is_not(None), _award_value().is_not(None))
    if published_only:
        counted = and_(counted, _published(Agreement), ~col(Agreement.illustrative_fields).like("%value%"))
    return counted


def _awards_by_stream(
    session: Session, *, area: str | None, years: Sequence[int], audience: Audience, published_only: bool
) -> pd.DataFrame:
    """Grants awarded from each funding stream that start in the financial year: how many, how many have a published
    value, their sum (`awarded_pence`), whether any is a ceiling, and how much is illustrative; by area and year."""
    value = _award_value()
    illustrative = or_(col(Agreement.basis) == Basis.ILLUSTRATIVE, col(Agreement.illustrative_fields).like("%value%"))
    area_column, area_group = _area_column(Agreement, area)
    if len(years) == 1:
        query: Query = select(area_column, literal(years[0], Integer).label("financial_year"))
        starts: tuple[Any, ...] = (col(Agreement.start_date) >= fy_start(years[0]), col(Agreement.start_date) <= fy_end(years[0]))
        year_group: list[Any] = []
    else:
        table = _years_table(list(years))
        starts = (col(Agreement.start_date) >= fy_start(min(years)), col(Agreement.start_date) <= fy_end(max(years)))
        query = (
            select(area_column, table.c.financial_year.label("financial_year"))
            .select_from(Agreement)
            .join(table, and_(col(Agreement.start_date) >= table.c.first_day, col(Agreement.start_date) <= table.c.last_day))
        )
        year_group = [table.c.financial_year]
    query = (
        query.add_columns(
            col(Agreement.funding_stream_id),
            func.count().label("awards"),
            func.count(value).label("awards_valued"),
            _sum_pence(value).label("awarded_pence"),
            _sum_pence(case((illustrative, value), else_=0)).label("awarded_illustrative_pence"),
            _up_to(col(Agreement.value_qualifier)).label("awarded_up_to"),
            _citations(Agreement).label("award_citations"),
        )
        .where(
            *_in_area(Agreement, area),
            visible_to(Agreement, audience),
            _award_from_stream(),
            *starts,
            *([_published(Agreement), ~col(Agreement.illustrative_fields).like("%value%")] if published_only else []),
        )
        .group_by(*area_group, *year_group, col(Agreement.funding_stream_id))
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
    # "Up to": a total with a ceiling in it is written "up to £X"; and the parts of its lines, never in the sum.
    "budget_up_to",
    "spend_up_to",
    "budget_of_which",
    "spend_of_which",
]
# The funding-stream view also has the grants awarded from each stream in the year (`_awards_by_stream`) and what is
# committed against its budget: those awards plus spend on anything other than a counted award, so money paid to a
# grant is never counted twice.
AWARD_COLUMNS = ["awards", "awards_valued", "awarded_pence", "awarded_illustrative_pence", "awarded_up_to", "committed_pence"]


def _fill_money(frame: pd.DataFrame) -> None:
    """Whole pence with 0 where a side has no figure, and `<side>_published` saying which rows have one."""
    for side in ("budget", "spend"):
        frame[f"{side}_published"] = frame[f"{side}_pence"].notna()
        frame[f"{side}_pence"] = frame[f"{side}_pence"].fillna(0).astype("int64")
        frame[f"{side}_illustrative_pence"] = frame[f"{side}_illustrative_pence"].fillna(0).astype("int64")
    _fill_qualifiers(frame)


def _fill_qualifiers(frame: pd.DataFrame) -> None:
    """`<side>_up_to` as bool and `<side>_of_which` as text ('' where there is no part), on every money frame."""
    for side in ("budget", "spend"):
        up_to = frame[f"{side}_up_to"] if f"{side}_up_to" in frame else pd.Series(0, index=frame.index)
        frame[f"{side}_up_to"] = up_to.fillna(0).astype(bool)
        of_which = frame[f"{side}_of_which"] if f"{side}_of_which" in frame else pd.Series("", index=frame.index)
        frame[f"{side}_of_which"] = [text if isinstance(text, str) else "" for text in of_which]


def _fill_awards(frame: pd.DataFrame, *, published_only: bool) -> None:
    """Awards beside the budget: counts as int, `awarded_pence` 0 (None on the public pages) where none are
    published, and `committed_pence` (awards plus spend on anything else) where either is published."""
    for column in ("awards", "awards_valued", "awarded_illustrative_pence"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["awarded_up_to"] = frame["awarded_up_to"].fillna(0).astype(bool)
    awarded, other = frame["awarded_pence"], frame["spend_not_on_awards_pence"]
    committed = [
        None if pd.isna(a) and pd.isna(o) else int(0 if pd.isna(a) else a) + int(0 if pd.isna(o) else o)
        for a, o in zip(awarded, other, strict=True)
    ]
    frame["committed_pence"] = pd.Series(committed, index=frame.index, dtype="object")
    if published_only:
        not_published_to_none(frame, ["awarded_pence"])
    else:
        frame["awarded_published"] = frame["awarded_pence"].notna()
        frame["awarded_pence"] = frame["awarded_pence"].fillna(0).astype("int64")
        frame["committed_pence"] = frame["committed_pence"].fillna(0).astype("int64")


def _combine_bases_and_citations(frame: pd.DataFrame) -> None:
    """Budget and spend rows merged: keep each side's basis, and one list of citations."""
    for side in ("budget", "spend"):
        frame[f"{side}_illustrative"] = frame[f"{side}_illustrative"].fillna(0).astype(bool)
    frame["illustrative"] = frame["budget_illustrative"] | frame["spend_illustrative"]
    frame["citations"] = [
        CITATION_SEP.join(c for c in pair if isinstance(c, str) and c)
        for pair in zip(frame["spend_citations"], frame["budget_citations"], strict=True)
    ]


def not_published_to_none(frame: pd.DataFrame, columns: list[str]) -> None:
    """Money (or counts) as whole numbers (int) where a published figure exists, None where none does."""
    for column in columns:
        frame[column] = pd.Series([None if pd.isna(v) else int(v) for v in frame[column]], index=frame.index, dtype="object")


PUBLISHED_MONEY_COLUMNS = [
    "budget_pence",
    "spend_pence",
    "budget_illustrative",
    "spend_illustrative",
    "illustrative",
    "citations",
    "budget_up_to",
    "spend_up_to",
    "budget_of_which",
    "spend_of_which",
]


def _published_money(frame: pd.DataFrame, keys: list[str], extra_citations: str | None = None) -> pd.DataFrame:
    """The `published_only` shape of the money queries: money as int pence or None (not published, never 0), one
    citations column (budget's, spend's, then `extra_citations`), and the basis flags the shared chart builder reads,
    never illustrative here."""
    not_published_to_none(frame, ["budget_pence", "spend_pence"])
    parts = ["budget_citations", "spend_citations"] + ([extra_citations] if extra_citations else [])
    frame["citations"] = [
        CITATION_SEP.join(str(c) for c in row if isinstance(c, str) and c) for row in frame[parts].itertuples(index=False)
    ]
    for flag in ("budget_illustrative", "spend_illustrative", "illustrative"):
        frame[flag] = False
    _fill_qualifiers(frame)
    return frame[[*keys, *PUBLISHED_MONEY_COLUMNS, *(AWARD_COLUMNS if "awards" in frame else [])]].reset_index(drop=True)


def budget_and_spend_by_priority(
    *, session: Session, area: str, year: int, audience: Audience, priority: str | None = None, published_only: bool = False
) -> pd.DataFrame:
    """Budget and spend for a financial year by plan priority; spend with no priority, and budget not assigned to one, as their own rows.

    `published_only` (the public pages): illustrative budget and spend left out, spend apportioned only on published
    shares (`_spend_apportioned`), and the `_published_money` shape: None where a figure is not published."""
    spend = _spend_apportioned(published_only=published_only).where(*_spend_in_year(area, year, audience)).subquery()
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
            _up_to(spend.c.qualifier).label("spend_up_to"),
            func.aggregate_strings(spend.c.source_id + literal("|") + spend.c.source_section, CITATION_SEP).label("spend_citations"),
        ).group_by(spend.c.served_priority_id),
    )
    budget_by = _budget_by(session, col(Budget.priority_id), area=area, year=year, audience=audience, published_only=published_only)
    budget_by = _with_parts(
        budget_by, _of_which(session, Budget, "priority_id", area=area, year=year, audience=audience, published_only=published_only)
    )
    # Spend with no priority and budget with no priority are different findings: keep them on separate rows.
    spend_by["priority_id"] = spend_by["priority_id"].fillna(NOT_LINKED)
    budget_by["priority_id"] = budget_by["priority_id"].fillna(NOT_ASSIGNED)
    names = priorities(session=session, area=area)[["id", "name", "plan", "position"]].rename(
        columns={"id": "priority_id", "name": "priority"}
    )
    frame = spend_by.merge(budget_by, on="priority_id", how="outer").merge(names, on="priority_id", how="left")
    if priority:
        frame = frame[frame["priority_id"] == priority]
    unlinked = frame["priority_id"].isin([NOT_LINKED, NOT_ASSIGNED])
    frame.loc[unlinked, "priority"] = frame.loc[unlinked, "priority_id"]
    frame.loc[unlinked, "priority_id"] = None
    if published_only:
        return _published_money(frame.sort_values(["position", "priority"], na_position="last"), ["priority_id", "priority"])
    _fill_money(frame)
    _combine_bases_and_citations(frame)
    frame = frame.sort_values(["position", "priority"], na_position="last")
    return frame[["priority_id", "priority", "plan", *MONEY_FRAME_COLUMNS]].reset_index(drop=True)


def budget_and_spend_by_funding_stream(
    *, session: Session, area: str, year: int, audience: Audience, published_only: bool = False
) -> pd.DataFrame:
    """Budget and spend for a financial year by funding stream; spend whose stream is not stated as its own row.

    `published_only` (the public pages): illustrative budget and spend left out, the funder "not stated" where none
    is, the stream's own citation added, and the `_published_money` shape: None where a figure is not published."""
    frame = budget_and_spend_by_year_and_funding_stream(
        session=session, area=area, years=[year], audience=audience, published_only=published_only
    )
    return frame.drop(columns=["area_id", "financial_year"]).reset_index(drop=True)


def budget_and_spend_by_year_and_funding_stream(
    *, session: Session, area: str | None, years: Sequence[int], audience: Audience, published_only: bool = False
) -> pd.DataFrame:
    """`budget_and_spend_by_funding_stream` of one area or (None) every area, for several years at once: the same
    figures, with `area_id` and `financial_year` columns, in area, year and then the one-year order. The one-year
    function is this one for one area and year, so the spend page and the data-quality findings never disagree."""
    columns = ["area_id", "financial_year", "funding_stream_id", "funding_stream", "funder"]
    if not years:
        money = PUBLISHED_MONEY_COLUMNS if published_only else [*MONEY_FRAME_COLUMNS, *AWARD_COLUMNS, "awarded_published"]
        return pd.DataFrame(columns=[*columns, *money, *(AWARD_COLUMNS if published_only else [])])
    keys = ["area_id", "financial_year", "funding_stream_id"]
    stream_id = func.coalesce(col(Spend.funding_stream_id), col(Agreement.funding_stream_id))
    area_column, area_group = _area_column(Spend, area)
    year_column, year_group = (
        (literal(years[0], Integer).label("financial_year"), [])
        if len(years) == 1
        else (col(Spend.financial_year).label("financial_year"), [col(Spend.financial_year)])
    )
    spend_by = _frame(
        session,
        select(
            area_column,
            year_column,
            stream_id.label("funding_stream_id"),
            _sum_pence(col(Spend.amount_pence)).label("spend_pence"),
            _is_illustrative(Spend).label("spend_illustrative"),
            _sum_pence(case((col(Spend.basis) == Basis.ILLUSTRATIVE, col(Spend.amount_pence)), else_=0)).label("spend_illustrative_pence"),
            _up_to(col(Spend.qualifier)).label("spend_up_to"),
            # Spend paying an award counted as committed is that award's money: counted once, as the award.
            _sum_pence(case((_award_counted(published_only=published_only), 0), else_=col(Spend.amount_pence))).label(
                "spend_not_on_awards_pence"
            ),
            _citations(Spend).label("spend_citations"),
        )
        .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
        .where(*_spend_in_years(area, years, audience), *([_published(Spend)] if published_only else []))
        .group_by(*area_group, *year_group, stream_id),
    )
    spend_by = _with_parts(
        spend_by,
        _of_which_by_years(session, Spend, "funding_stream_id", area=area, years=years, audience=audience, published_only=published_only),
    )
    budget_by = _budget_by_years(
        session, col(Budget.funding_stream_id), area=area, years=years, audience=audience, published_only=published_only
    )
    budget_by = _with_parts(
        budget_by,
        _of_which_by_years(session, Budget, "funding_stream_id", area=area, years=years, audience=audience, published_only=published_only),
    )
    awards = _awards_by_stream(session, area=area, years=years, audience=audience, published_only=published_only)
    streams = _frame(
        session,
        select(
            col(FundingStream.id).label("funding_stream_id"),
            col(FundingStream.name).label("funding_stream"),
            col(FundingStream.funder),
            citation(FundingStream).label("stream_citation"),
        ).where(*_in_area(FundingStream, area)),
    )
    for part, citations in ((spend_by, "spend_citations"), (budget_by, "budget_citations"), (awards, "award_citations")):
        part["financial_year"] = part["financial_year"].astype("int64")
        # In sorted order: the order a database concatenates them in follows its query plan, which differs between
        # one area's year and the whole store (and between SQLite and PostgreSQL).
        part[citations] = [CITATION_SEP.join(sorted(c.split(CITATION_SEP))) if isinstance(c, str) else c for c in part[citations]]
    if published_only:
        frame = (
            budget_by.merge(spend_by, on=keys, how="outer")
            .merge(awards, on=keys, how="outer")
            .merge(streams, on="funding_stream_id", how="left")
        )
        frame["funding_stream"] = frame["funding_stream"].fillna(NO_STREAM)
        frame["funder"] = frame["funder"].fillna("not stated")
        _fill_awards(frame, published_only=True)
        frame["stream_citation"] = [
            CITATION_SEP.join(c for c in pair if isinstance(c, str) and c)
            for pair in zip(frame["stream_citation"], frame["award_citations"], strict=True)
        ]
        return _published_money(frame, columns, extra_citations="stream_citation")
    frame = (
        spend_by.merge(budget_by, on=keys, how="outer")
        .merge(awards, on=keys, how="outer")
        .merge(streams, on="funding_stream_id", how="left")
    )
    frame["funding_stream"] = frame["funding_stream"].fillna(NO_STREAM)
    _fill_money(frame)
    _fill_awards(frame, published_only=False)
    _combine_bases_and_citations(frame)
    frame["citations"] = [
        CITATION_SEP.join(c for c in pair if isinstance(c, str) and c)
        for pair in zip(frame["citations"], frame["award_citations"], strict=True)
    ]
    # Stable, so rows of equal budget keep the merge's order, as the one-year sort always did for a year's few streams.
    frame = frame.sort_values(["area_id", "financial_year", "budget_pence"], ascending=[True, True, False], kind="stable")
    return frame[[*columns, *MONEY_FRAME_COLUMNS, *AWARD_COLUMNS, "awarded_published"]].reset_index(drop=True)


def money_flow(*, session: Session, area: str, year: int, audience: Audience) -> pd.DataFrame:
    """Spend in a financial year from funding stream to priority to provider: one row per path, with its amount."""
    spend = (
        _spend_apportioned()
        .where(*_spend_in_year(area, year, audience))
        .add_columns(
            func.coalesce(col(Spend.funding_stream_id), col(Agreement.funding_stream_id)).label("stream_id"),
            col(Agreement.provider_id).label("provider_id"),
            col(Agreement.title).label("agreement"),
        )
        .subquery()
    )
    query: Query = (
        select(
            func.coalesce(col(FundingStream.name), NO_STREAM).label("funding_stream"),
            func.coalesce(col(Priority.name), NOT_LINKED).label("priority"),
            func.coalesce(col(Provider.name), case((spend.c.agreement.is_(None), "Grants and other payments"), else_=NO_PROVIDER)).label(
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
        .outerjoin(FundingStream, col(FundingStream.id) == spend.c.stream_id)
        .outerjoin(Priority, col(Priority.id) == spend.c.served_priority_id)
        .outerjoin(Provider, col(Provider.id) == spend.c.provider_id)
        .group_by("funding_stream", "priority", "provider")
    )
    frame = _frame(session, query)
    frame["amount_pence"] = frame["amount_pence"].astype("int64")
    frame["illustrative"] = frame["illustrative"].astype(bool)
    frame["illustrative_pence"] = frame["illustrative_pence"].fillna(0).astype("int64")
    return frame.sort_values("amount_pence", ascending=False).reset_index(drop=True)


def agreements(*, session: Session, area: str | None, audience: Audience) -> pd.DataFrame:
    """Every agreement in the area with its provider, funding stream, dates, options and values; of every area, with an
    `area_id` column, where `area` is None."""
    reprocurement = (
        select(func.min(col(Milestone.on)))
        .where(col(Milestone.agreement_id) == col(Agreement.id), col(Milestone.kind) == "reprocurement", visible_to(Milestone, audience))
        .scalar_subquery()
    )
    amendments = (
        select(func.count()).where(col(Amendment.agreement_id) == col(Agreement.id), visible_to(Amendment, audience)).scalar_subquery()
    )
    query: Query = (
        select(
            col(Agreement.id),
            col(Agreement.title),
            col(Agreement.kind),
            func.coalesce(col(Provider.name), NO_PROVIDER).label("provider"),
            func.coalesce(col(FundingStream.name), NO_STREAM).label("funding_stream"),
            col(Agreement.procurement_route),
            col(Agreement.start_date),
            col(Agreement.start_precision),
            col(Agreement.original_end_date),
            col(Agreement.current_end_date),
            col(Agreement.end_precision),
            col(Agreement.latest_end_date),
            col(Agreement.original_end_precision),
            col(Agreement.latest_end_precision),
            col(Agreement.award_date),
            col(Agreement.award_precision),
            col(Agreement.financial_year),
            col(Agreement.extension_options_available),
            col(Agreement.extension_options_used),
            col(Agreement.extension_terms),
            col(Agreement.annual_value_pence),
            col(Agreement.total_value_pence),
            # A ceiling ("up to £X"): `money_columns` and the pages write the values so.
            (col(Agreement.value_qualifier) == MoneyQualifier.UP_TO).label("annual_value_up_to"),
            (col(Agreement.value_qualifier) == MoneyQualifier.UP_TO).label("total_value_up_to"),
            col(Agreement.status),
            col(Agreement.basis),
            col(Agreement.basis_note),
            col(Agreement.illustrative_fields),
            reprocurement.label("reprocurement_recorded_on"),
            amendments.label("amendments"),
            citation(Agreement).label("citations"),
        )
        .outerjoin(Provider, col(Agreement.provider_id) == col(Provider.id))
        .outerjoin(FundingStream, col(Agreement.funding_stream_id) == col(FundingStream.id))
        .where(*_in_area(Agreement, area), visible_to(Agreement, audience))
        .order_by(col(Agreement.current_end_date).is_(None), col(Agreement.current_end_date), col(Agreement.title))
    )
    return _frame(session, query if area is not None else query.add_columns(col(Agreement.area_id)))


def amendments(*, session: Session, area: str, audience: Audience, published_only: bool = False) -> pd.DataFrame:
    """Extensions, variations and terminations of the area's agreements; `published_only` leaves out illustrative ones."""
    query: Query = (
        select(
            col(Amendment.id),
            col(Amendment.agreement_id),
            col(Agreement.title).label("agreement"),
            col(Amendment.kind),
            col(Amendment.agreed_on),
            col(Amendment.previous_end_date),
            col(Amendment.new_end_date),
            col(Amendment.value_change_pence),
            col(Amendment.rationale),
            col(Amendment.basis),
            citation(Amendment).label("citations"),
        )
        .join(Agreement, col(Amendment.agreement_id) == col(Agreement.id))
        .where(col(Agreement.area_id) == area, visible_to(Amendment, audience), visible_to(Agreement, audience))
        .order_by(func.coalesce(col(Amendment.agreed_on), col(Amendment.previous_end_date)))
    )
    if published_only:
        query = query.where(_published(Amendment))
    return _frame(session, query)


def milestones(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Dated steps, such as re-procurement, of the area's agreements."""
    query: Query = (
        select(
            col(Milestone.id),
            col(Milestone.agreement_id),
            col(Agreement.title).label("agreement"),
            col(Milestone.on),
            col(Milestone.kind),
            col(Milestone.title),
            col(Milestone.basis),
            citation(Milestone).label("citations"),
        )
        .join(Agreement, col(Milestone.agreement_id) == col(Agreement.id))
        .where(col(Agreement.area_id) == area, visible_to(Milestone, audience), visible_to(Agreement, audience))
        .order_by(col(Milestone.on))
    )
    return _frame(session, query)


def observations(
    *, session: Session, area: str, audience: Audience, measure: str | None = None, published_only: bool = False
) -> pd.DataFrame:
    """Measure values in the area, oldest period first, with targets and breakdowns, and the kind of source each
    came from (`source_kind`: published document or internal return, which decides its disclosure on public pages).

    `published_only` leaves out illustrative values and blanks (None) illustrative targets. The values are still
    exact: the public pages put them through `public.published_performance` (disclosure control) first."""
    query: Query = (
        select(
            col(Observation.id),
            col(Observation.measure_id),
            col(Measure.name).label("measure"),
            col(Measure.unit),
            col(Measure.higher_is_better),
            # Blank (not stated) counts people: disclosure control stays on until someone says the measure does not.
            func.coalesce(col(Measure.counts_people), true()).label("counts_people"),
            col(Observation.agreement_id),  # two agreements may share a title: a series is one agreement's
            func.coalesce(col(Agreement.title), "Whole area").label("agreement"),
            func.coalesce(col(Provider.name), NO_PROVIDER).label("provider"),
            col(Observation.period_start),
            col(Observation.period_end),
            col(Observation.financial_year),
            col(Observation.quarter),
            col(Observation.value),
            col(Observation.value_statement),
            col(Observation.target),
            col(Observation.target_basis),
            col(Observation.dimension),
            col(Observation.dimension_value),
            col(Observation.basis),
            col(Observation.basis_note),
            col(Source.kind).label("source_kind"),
            citation(Observation).label("citations"),
        )
        .join(Measure, col(Observation.measure_id) == col(Measure.id))
        .join(Source, col(Observation.source_id) == col(Source.id))
        .outerjoin(Agreement, col(Observation.agreement_id) == col(Agreement.id))
        # The figure's own provider where the source names one, else its agreement's.
        .outerjoin(Provider, func.coalesce(col(Observation.provider_id), col(Agreement.provider_id)) == col(Provider.id))
        .where(
            col(Observation.area_id) == area,
            visible_to(Observation, audience),
            or_(col(Agreement.id).is_(None), visible_to(Agreement, audience)),
        )
        .order_by(col(Measure.name), col(Observation.period_start), col(Observation.period_end).desc(), col(Observation.dimension_value))
    )
    if measure:
        query = query.where(col(Observation.measure_id) == measure)
    frame = _frame(session, query)
    if published_only:  # filtered here, not in SQL, so the columns keep the types the whole set gives them
        frame = frame[frame["basis"] != Basis.ILLUSTRATIVE].reset_index(drop=True)
        frame.loc[frame["target_basis"] == Basis.ILLUSTRATIVE, "target"] = None
    frame["period"] = [
        Period(start, end, None if pd.isna(year) else int(year), None if pd.isna(quarter) else int(quarter)).label
        for start, end, year, quarter in zip(
            frame["period_start"], frame["period_end"], frame["financial_year"], frame["quarter"], strict=True
        )
    ]
    return frame


def cost_per_unit(*, session: Session, area: str, audience: Audience, published_only: bool = False) -> pd.DataFrame:
    """Spend per unit of each counted measure, where an agreement's spend and a full year's count are both known;
    `units_published` says whether every count in it came from a published document. `published_only` leaves out
    every row with an illustrative spend or count (the cost is still from the exact count: see
    `public.published_cost_per_unit` for the public's).

    A full year's count is a stated annual figure (not an average), else the sum of four quarters.
    """
    spend = (
        select(
            col(Spend.agreement_id),
            col(Spend.financial_year),
            _sum_pence(col(Spend.amount_pence)).label("spend_pence"),
            _is_illustrative(Spend).label("spend_illustrative"),
            _citations(Spend).label("spend_citations"),
        )
        .where(
            col(Spend.area_id) == area, col(Spend.agreement_id).is_not(None), col(Spend.part_of_id).is_(None), visible_to(Spend, audience)
        )
        .group_by(col(Spend.agreement_id), col(Spend.financial_year))
        .subquery()
    )
    full_year = and_(
        col(Observation.quarter).is_(None), col(Observation.financial_year).is_not(None), ~col(Observation.value_statement).like("average%")
    )
    counted = and_(
        col(Measure.unit) == "count",
        col(Observation.dimension) == "",
        col(Observation.agreement_id).is_not(None),
        visible_to(Observation, audience),
    )
    annual = (
        select(
            col(Observation.agreement_id),
            col(Observation.measure_id),
            col(Observation.financial_year),
            func.sum(col(Observation.value)).label("units"),
            func.count().label("periods"),
            func.max(case((full_year, 1), else_=0)).label("stated_annually"),
            _is_illustrative(Observation).label("units_illustrative"),
            func.min(case((col(Source.kind) == SourceKind.PUBLISHED, 1), else_=0)).label("units_published"),
            _citations(Observation).label("units_citations"),
        )
        .join(Measure, col(Observation.measure_id) == col(Measure.id))
        .join(Source, col(Observation.source_id) == col(Source.id))
        .where(
            counted,
            or_(full_year, col(Observation.quarter).is_not(None)),
            # The area's own agreements' counts, as the join below keeps, summed without reading every area's.
            col(Observation.agreement_id).in_(select(col(Agreement.id)).where(col(Agreement.area_id) == area)),
        )
        .group_by(col(Observation.agreement_id), col(Observation.measure_id), col(Observation.financial_year), full_year)
        .subquery()
    )
    query: Query = (
        select(
            col(Agreement.title).label("agreement"),
            col(Measure.name).label("measure"),
            annual.c.financial_year,
            spend.c.spend_pence,
            annual.c.units,
            annual.c.stated_annually,
            annual.c.periods,
            spend.c.spend_illustrative,
            annual.c.units_illustrative,
            annual.c.units_published,
            spend.c.spend_citations,
            annual.c.units_citations,
        )
        .join(spend, and_(spend.c.agreement_id == annual.c.agreement_id, spend.c.financial_year == annual.c.financial_year))
        .join(Agreement, col(Agreement.id) == annual.c.agreement_id)
        .join(Measure, col(Measure.id) == annual.c.measure_id)
        .where(col(Agreement.area_id) == area, visible_to(Agreement, audience), or_(annual.c.stated_annually == 1, annual.c.periods == 4))
        .order_by(col(Agreement.title), col(Measure.name), annual.c.financial_year, annual.c.stated_annually.desc())
    )
    frame = _frame(session, query)
    # Prefer the stated annual count over a sum of quarters for the same year.
    frame = frame.drop_duplicates(["agreement", "measure", "financial_year"], keep="first")
    frame["cost_per_unit_pence"] = (frame["spend_pence"] / frame["units"]).round().astype("int64")
    frame["illustrative"] = frame[["spend_illustrative", "units_illustrative"]].max(axis=1).astype(bool)
    # Every count summed came from a published document (else the count is an internal return's, for disclosure).
    frame["units_published"] = frame["units_published"].astype(bool)
    frame["citations"] = frame["spend_citations"] + CITATION_SEP + frame["units_citations"]
    if published_only:
        frame = frame[~frame["illustrative"]]
    return frame.drop(columns=["spend_illustrative", "units_illustrative", "spend_citations", "units_citations", "periods"]).reset_index(
        drop=True
    )


def options_text(used: Any, available: Any) -> str:
    """'1 of 2', 'not published of 2', '1 (options available not published)' or 'not published': a blank is never 0."""
    used_text = "not published" if pd.isna(used) else str(int(used))
    if pd.notna(available):
        return f"{used_text} of {int(available)}"
    return f"{used_text} (options available not published)" if pd.notna(used) and int(used) else "not published"


def renewals(
    *, session: Session, area: str | None, as_at: date, audience: Audience, red_months: int = 6, amber_months: int = 12
) -> pd.DataFrame:
    """The area's agreements with, relative to the as-at date: a warning (red, amber, ok, ended, planned,
    undated, unknown), months to the current end, extension options left, and the decision that falls due.

    The warning follows `_standing`: "undated" is an agreement with no published dates that is still current,
    "unknown" one whose status on the as-at date is not published (`last_listed` says which document last
    listed it, where one did). With `area` None, every area's, with an `area_id` column (the data-quality report)."""
    frame = agreements(session=session, area=area, audience=audience)
    frame = frame.merge(standings(session=session, area=area, as_at=as_at, audience=audience), on="id", how="left")
    red_by, amber_by = add_months(as_at, red_months), add_months(as_at, amber_months)

    def warning(row: Any) -> str:
        if row.standing in STATUS_NOT_PUBLISHED:
            return "unknown"
        if row.standing != RUNNING:
            return str(row.standing)
        end = row.current_end_date
        return "red" if end < red_by else "amber" if end < amber_by else "ok"

    def remaining(row: Any) -> int | None:
        # Unknown unless both are published: a blank count of options used is not 0.
        if pd.isna(row.extension_options_available) or pd.isna(row.extension_options_used):
            return None
        return max(int(row.extension_options_available) - int(row.extension_options_used), 0)

    def next_step(row: Any) -> str:
        if row.warning == "planned":
            return (
                f"Planned to start {format_date(row.start_date, row.start_precision)}"
                if pd.notna(row.start_date)
                else "Planned; no start date published"
            )
        if row.warning == "ended":
            return "Ended"
        if row.warning == "unknown":
            return str(row.status_note)
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
    frame["last_listed"] = [n if s == SUPERSEDED else "" for s, n in zip(frame["standing"], frame["status_note"], strict=True)]

    def date_text(field: str, precision: str | None = None) -> list[str]:
        # Columns zipped, not iterrows: building a Series per row was most of this function's time on 150 agreements.
        precisions = frame[precision] if precision else ["day"] * len(frame)
        return [
            (format_date(day, exactness) if pd.notna(day) else "not published") + (" (illustrative)" if field in fields else "")
            for day, exactness, fields in zip(frame[field], precisions, frame["illustrative_fields"], strict=True)
        ]

    frame["start_text"] = date_text("start_date", "start_precision")
    frame["end_text"] = date_text("current_end_date", "end_precision")
    frame["latest_text"] = date_text("latest_end_date", "latest_end_precision")
    frame["options_text"] = [
        options_text(u, a) for u, a in zip(frame["extension_options_used"], frame["extension_options_available"], strict=True)
    ]
    frame["timing"] = [
        {
            "red": "Ends within {r} months",
            "amber": "Ends within {a} months",
            "ok": "Runs beyond {a} months",
            "ended": "Ended",
            "planned": "Planned",
            "undated": "Dates not published",
            "unknown": "Current status not published",
        }[w].format(r=red_months, a=amber_months)
        for w in frame["warning"]
    ]
    frame["label"] = [f"{t} ({p})" if p != NO_PROVIDER else t for t, p in zip(frame["title"], frame["provider"], strict=True)]
    return frame.drop(columns=["standing", "status_note"])


# --- comparing areas (data_access.compare builds its indicators on these) -----------------------------------------


def spend_by_area_and_year(*, session: Session, audience: Audience, areas: Sequence[str] | None = None) -> pd.DataFrame:
    """Every area's (or the named `areas'`) spend per financial year, and how much of it reaches a Plan priority, as
    the spend page counts it: lines that are parts of another ("of which") are left out, and a payment reaches
    priorities through its agreement's shares or its own priority (`_spend_apportioned`). Columns: area_id,
    financial_year, spend_pence, linked_pence, illustrative_pence, citations.

    Summed here over every line; `summaries.spend_by_area_and_year` reads the same sums kept at the store's version."""
    return _frame(session, spend_by_area_and_year_query(session.get_bind().dialect.name, audience, areas))


def spend_by_area_and_year_query(dialect: str, audience: Audience, areas: Sequence[str] | None = None) -> Query:
    """The statement behind `spend_by_area_and_year` on the `dialect` ('sqlite' or 'postgresql').

    An agreement's shares add up to 100 (the importer refuses any that do not), so a payment whose agreement has shares
    reaches priorities whole: the sum needs no apportioning, which on a national store (a million lines) is the
    difference between a plain SUM and a window over every line."""
    shared = exists().where(col(AgreementPriority.agreement_id) == col(Spend.agreement_id))
    linked = case((or_(col(Spend.priority_id).is_not(None), shared), col(Spend.amount_pence)), else_=0)
    illustrative = case((col(Spend.basis) == Basis.ILLUSTRATIVE, col(Spend.amount_pence)), else_=0)
    conditions = (
        col(Spend.part_of_id).is_(None),
        visible_to(Spend, audience),
        or_(col(Agreement.id).is_(None), visible_to(Agreement, audience)),
        true() if areas is None else col(Spend.area_id).in_(areas),
    )
    year = (col(Spend.area_id), col(Spend.financial_year))
    if dialect != "postgresql":
        # SQLite reads the sums in (area, year) order straight from the covering index ix_spend_money; grouping by
        # source as well, as below, needs a temporary B-tree over every line (on 43 areas 0.46 s against 0.13 s).
        return (
            select(
                *year,
                _sum_pence(col(Spend.amount_pence)).label("spend_pence"),
                _sum_pence(linked).label("linked_pence"),
                _sum_pence(illustrative).label("illustrative_pence"),
                _distinct_citations_sqlite(Spend).label("citations"),
            )
            .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
            .where(*conditions)
            .group_by(*year)
            .order_by(*year)
        )
    # PostgreSQL: summed by source and section first, then by year, so each citation is joined once a year, not once a
    # line: 26 MB of repeated citations for a million lines took 0.5 s to build; string_agg(DISTINCT ...) over the
    # lines instead took 0.66 s against this way's 0.41 s on 43 areas. (`summaries.refresh` runs it once an audience.)
    by_source = (
        select(
            *year,
            col(Spend.source_id),
            col(Spend.source_section),
            func.sum(col(Spend.amount_pence)).label("spend"),
            func.sum(linked).label("linked"),
            func.sum(illustrative).label("illustrative"),
        )
        .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
        .where(*conditions)
        .group_by(*year, col(Spend.source_id), col(Spend.source_section))
        .subquery()
    )
    return (
        select(
            by_source.c.area_id,
            by_source.c.financial_year,
            _sum_pence(by_source.c.spend).label("spend_pence"),
            _sum_pence(by_source.c.linked).label("linked_pence"),
            _sum_pence(by_source.c.illustrative).label("illustrative_pence"),
            func.aggregate_strings(by_source.c.source_id + literal("|") + by_source.c.source_section, CITATION_SEP).label("citations"),
        )
        .group_by(by_source.c.area_id, by_source.c.financial_year)
        .order_by(by_source.c.area_id, by_source.c.financial_year)
    )


def budget_by_area_and_year(*, session: Session, audience: Audience, areas: Sequence[str] | None = None) -> pd.DataFrame:
    """Every area's (or the named `areas'`) budget per financial year, counted as the spend page counts a year's budget
    (`_budget_counts_in`, `_budget_for_year`: parts left out, budgets over several years only where split). Columns: area_id,
    financial_year, budget_pence, illustrative_pence, citations."""
    chosen = true() if areas is None else col(Budget.area_id).in_(areas)
    spans = select(func.min(col(Budget.financial_year)), func.max(_budget_last_year())).where(visible_to(Budget, audience), chosen)
    first, last = session.execute(spans).one()
    frames = []
    for year in range(first, last + 1) if first is not None else ():
        amount = _budget_for_year(year)
        query: Query = (
            select(
                col(Budget.area_id),
                literal(year).label("financial_year"),
                _sum_pence(amount).label("budget_pence"),
                _sum_pence(case((col(Budget.basis) == Basis.ILLUSTRATIVE, amount), else_=0)).label("illustrative_pence"),
                _citations(Budget).label("citations"),
            )
            .where(_budget_counts_in(year), visible_to(Budget, audience), chosen)
            .group_by(col(Budget.area_id))
        )
        frames.append(_frame(session, query))
    columns = ["area_id", "financial_year", "budget_pence", "illustrative_pence", "citations"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def populations(*, session: Session) -> pd.DataFrame:
    """Every area's population per financial year, with its basis and citation (populations are public facts)."""
    query: Query = select(
        col(Population.area_id),
        col(Population.financial_year),
        col(Population.population),
        col(Population.basis),
        citation(Population).label("citations"),
    ).order_by(col(Population.area_id), col(Population.financial_year))
    return _frame(session, query)


def area_groups(*, session: Session) -> pd.DataFrame:
    """Every peer group's members: group_id, name, kind, area_id, basis and citation."""
    query: Query = select(
        col(AreaGroup.group_id),
        col(AreaGroup.name),
        col(AreaGroup.kind),
        col(AreaGroup.area_id),
        col(AreaGroup.basis),
        citation(AreaGroup).label("citations"),
    ).order_by(col(AreaGroup.kind), col(AreaGroup.name), col(AreaGroup.area_id))
    return _frame(session, query)


def agreement_service_types(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """The area's agreements the audience may see, with the kind of service each buys (None: not stated)."""
    query: Query = (
        select(col(Agreement.id), col(Agreement.title), col(Agreement.service_type))
        .where(col(Agreement.area_id) == area, visible_to(Agreement, audience))
        .order_by(col(Agreement.title))
    )
    return _frame(session, query)


# --- Trends: one area, every financial year side by side -------------------------------------------------------------
# The same definitions as the spend page's one-year queries (`_spend_apportioned`, `_budget_counts_in`,
# `_budget_for_year`, parts never in a sum, "up to" kept), grouped by year in one SQL query per side, so a year's figure
# on the trend is the figure the spend page shows for that year (tests/test_trends.py asserts it for every sample area).

TREND_COLUMNS = [
    "financial_year",
    "budget_pence",  # None: not published that year (never 0)
    "spend_pence",
    "budget_illustrative_pence",
    "spend_illustrative_pence",
    "budget_up_to",
    "spend_up_to",
    "illustrative",
    "citations",
]


def _years_table(years: list[int]) -> Any:
    """Financial years with their first and last days, as a small table to join to: budgets over several years count in
    each, and dated rows (grant awards) in the year they start in."""
    # A UNION ALL of one-row selects: SQLite cannot name the columns of a VALUES list in FROM.
    rows = [
        select(
            literal(y, Integer).label("financial_year"),
            literal(fy_start(y), Date).label("first_day"),
            literal(fy_end(y), Date).label("last_day"),
        )
        for y in years
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("years")


def _budget_by_year(session: Session, key: Any, *, area: str, audience: Audience, published_only: bool) -> pd.DataFrame:
    """`_budget_by` for every year of the area at once (`_budget_by_years`), the key in a column `key`."""
    columns = ["financial_year", "key", "budget_pence", "budget_illustrative_pence", "budget_up_to", "budget_citations"]
    years = financial_years(session=session, area=area, audience=audience)
    if not years:
        return pd.DataFrame(columns=columns)
    frame = _budget_by_years(session, key.label("key"), area=area, years=years, audience=audience, published_only=published_only)
    return frame[columns]


def _trend_shape(frame: pd.DataFrame) -> pd.DataFrame:
    """Money as int pence or None (not published that year, never 0); qualifiers as bool; one citations column."""
    not_published_to_none(frame, ["budget_pence", "spend_pence"])
    for side in ("budget", "spend"):
        frame[f"{side}_illustrative_pence"] = frame[f"{side}_illustrative_pence"].fillna(0).astype("int64")
        frame[f"{side}_up_to"] = frame[f"{side}_up_to"].fillna(0).astype(bool)
    frame["illustrative"] = (frame["budget_illustrative_pence"] > 0) | (frame["spend_illustrative_pence"] > 0)
    frame["citations"] = [
        CITATION_SEP.join(c for c in pair if isinstance(c, str) and c)
        for pair in zip(frame["spend_citations"], frame["budget_citations"], strict=True)
    ]
    frame["financial_year"] = frame["financial_year"].astype("int64")
    return frame


def budget_and_spend_by_priority_trend(*, session: Session, area: str, audience: Audience, published_only: bool = False) -> pd.DataFrame:
    """`budget_and_spend_by_priority` for every financial year of the area: one row per year and priority (spend linked
    to no priority and budget not assigned to one on their own rows), budget or spend None where not published."""
    spend = (
        _spend_apportioned(published_only=published_only)
        .where(
            col(Spend.area_id) == area,
            col(Spend.part_of_id).is_(None),
            visible_to(Spend, audience),
            or_(col(Agreement.id).is_(None), visible_to(Agreement, audience)),
        )
        .subquery()
    )
    illustrative = or_(spend.c.basis == Basis.ILLUSTRATIVE, spend.c.share_basis == Basis.ILLUSTRATIVE)
    spend_by = _frame(
        session,
        select(
            spend.c.financial_year,
            spend.c.served_priority_id.label("key"),
            _sum_pence(spend.c.apportioned_pence).label("spend_pence"),
            _sum_pence(case((illustrative, spend.c.apportioned_pence), else_=0)).label("spend_illustrative_pence"),
            _up_to(spend.c.qualifier).label("spend_up_to"),
            func.aggregate_strings(spend.c.source_id + literal("|") + spend.c.source_section, CITATION_SEP).label("spend_citations"),
        ).group_by(spend.c.financial_year, spend.c.served_priority_id),
    )
    budget_by = _budget_by_year(session, col(Budget.priority_id), area=area, audience=audience, published_only=published_only)
    spend_by["key"] = spend_by["key"].astype(object).where(spend_by["key"].notna(), NOT_LINKED)
    budget_by["key"] = budget_by["key"].astype(object).where(budget_by["key"].notna(), NOT_ASSIGNED)
    names = priorities(session=session, area=area)[["id", "name", "plan", "position"]].rename(columns={"id": "key", "name": "priority"})
    frame = spend_by.merge(budget_by, on=["financial_year", "key"], how="outer").merge(names, on="key", how="left")
    unlinked = frame["key"].isin([NOT_LINKED, NOT_ASSIGNED])
    frame.loc[unlinked, "priority"] = frame.loc[unlinked, "key"]
    frame["priority_id"] = frame["key"].where(~unlinked, None)
    frame = _trend_shape(frame).sort_values(["financial_year", "position", "priority"], na_position="last")
    return frame[["priority_id", "priority", "plan", *TREND_COLUMNS]].reset_index(drop=True)


def budget_and_spend_by_funding_stream_trend(
    *, session: Session, area: str, audience: Audience, published_only: bool = False
) -> pd.DataFrame:
    """`budget_and_spend_by_funding_stream`'s budget and spend for every financial year of the area: one row per year and
    stream (spend whose stream is not stated on its own row), budget or spend None where not published."""
    stream_id = func.coalesce(col(Spend.funding_stream_id), col(Agreement.funding_stream_id))
    spend_by = _frame(
        session,
        select(
            col(Spend.financial_year),
            stream_id.label("key"),
            _sum_pence(col(Spend.amount_pence)).label("spend_pence"),
            _sum_pence(case((col(Spend.basis) == Basis.ILLUSTRATIVE, col(Spend.amount_pence)), else_=0)).label("spend_illustrative_pence"),
            _up_to(col(Spend.qualifier)).label("spend_up_to"),
            _citations(Spend).label("spend_citations"),
        )
        .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
        .where(
            col(Spend.area_id) == area,
            col(Spend.part_of_id).is_(None),
            visible_to(Spend, audience),
            or_(col(Agreement.id).is_(None), visible_to(Agreement, audience)),
            *([_published(Spend)] if published_only else []),
        )
        .group_by(col(Spend.financial_year), stream_id),
    )
    budget_by = _budget_by_year(session, col(Budget.funding_stream_id), area=area, audience=audience, published_only=published_only)
    streams = _frame(
        session,
        select(col(FundingStream.id).label("key"), col(FundingStream.name).label("funding_stream")).where(
            col(FundingStream.area_id) == area
        ),
    )
    frame = spend_by.merge(budget_by, on=["financial_year", "key"], how="outer").merge(streams, on="key", how="left")
    frame["funding_stream"] = frame["funding_stream"].fillna(NO_STREAM)
    frame["funding_stream_id"] = frame["key"].where(frame["key"].notna(), None)
    frame = _trend_shape(frame).sort_values(["financial_year", "funding_stream"])
    return frame[["funding_stream_id", "funding_stream", *TREND_COLUMNS]].reset_index(drop=True)


def live_agreements_at_year_ends(*, session: Session, area: str, audience: Audience, published_only: bool = False) -> pd.DataFrame:
    """Agreements running on 31 March, the end of each financial year of the area (`_standing`, the overview's and the
    renewals page's rule): their number and summed published annual value (a part of another agreement's value never
    added again). Agreements with no published end date are not counted as live at a past year end; `undated` says
    how many there were. `published_only` leaves out illustrative agreements and illustrative values. One query per
    year end: `_standing` compares documents' dates with the as-at date, so a year end is a constant of its query."""
    rows = []
    value = case(
        (
            and_(
                col(Agreement.value_part_of_id).is_(None),
                *([~col(Agreement.illustrative_fields).like("%annual_value%")] if published_only else []),
            ),
            col(Agreement.annual_value_pence),
        )
    )
    illustrative = or_(col(Agreement.basis) == Basis.ILLUSTRATIVE, col(Agreement.illustrative_fields).like("%annual_value%"))
    for year in financial_years(session=session, area=area, audience=audience):
        year_end = fy_end(year)
        # Each agreement's standing worked out once, in a subquery, and the sums taken over it, rather than the
        # standing's correlated subqueries written into each of the seven sums.
        each = (
            select(
                _standing(year_end).label("standing"),
                value.label("value"),
                illustrative.label("illustrative"),
                col(Agreement.value_qualifier).label("qualifier"),
                (col(Agreement.source_id) + literal("|") + col(Agreement.source_section)).label("citation"),
            )
            .where(col(Agreement.area_id) == area, visible_to(Agreement, audience), *([_published(Agreement)] if published_only else []))
            .subquery()
        )
        running = each.c.standing == RUNNING
        query: Query = select(
            func.sum(case((running, 1), else_=0)).label("live"),
            _sum_pence(case((running, each.c.value))).label("annual_value_pence"),
            _sum_pence(case((and_(running, each.c.illustrative), each.c.value), else_=0)).label("illustrative_pence"),
            _up_to(case((and_(running, each.c.value.is_not(None)), each.c.qualifier))).label("up_to"),
            func.sum(case((and_(running, each.c.value.is_(None)), 1), else_=0)).label("value_not_published"),
            func.sum(case((each.c.standing == UNDATED, 1), else_=0)).label("undated"),
            func.aggregate_strings(case((running, each.c.citation)), CITATION_SEP).label("citations"),
        )
        row = session.execute(query).one()._asdict()
        rows.append({"financial_year": year, "year_end": year_end, **row})
    frame = pd.DataFrame(
        rows,
        columns=[
            "financial_year",
            "year_end",
            "live",
            "annual_value_pence",
            "illustrative_pence",
            "up_to",
            "value_not_published",
            "undated",
            "citations",
        ],
    )
    for column in ("live", "illustrative_pence", "value_not_published", "undated"):
        frame[column] = frame[column].fillna(0).astype("int64")
    not_published_to_none(frame, ["annual_value_pence"])
    frame["up_to"] = frame["up_to"].fillna(0).astype(bool)
    frame["citations"] = frame["citations"].fillna("")
    return frame
