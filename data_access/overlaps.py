"""Overlapping periods already in the store: two spend records of one agreement (or, without an agreement,
of one funding stream and priority), or two budgets of one line (area, funding stream, priority), whose
periods share days (a quarter inside a year, the same quarter or year twice). Added together they would
count the money twice.

The importer refuses new overlaps (`data_access.consistency`); this finds those a store already holds,
loaded before that rule or restored from a backup. SQL finds the pairs (a self-join), and only records the
audience may see take part. The sample data holds one, for OPCC staff only: West Yorkshire's 2018/19 ISVA
contract payments (£310,000) and the restricted £12,500 contingency payment for the same agreement and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from data_access.consistency import period_text
from data_access.models import Agreement, Audience, Budget, Spend, visible_to

CITATION_SEP = "\n"  # as data_access.queries joins citations


@dataclass(frozen=True)
class Overlap:
    """Two records of one agreement or budget line whose periods overlap."""

    area_id: str
    table: str  # "spend" or "budgets"
    record_ids: tuple[str, ...]
    label: str  # the agreement, or the budget line
    periods: tuple[str, ...]  # each record's period, as written: "2018/19", "Q2 2018/19"
    amounts_pence: tuple[int, ...]
    citations: str  # "source_id|section" pairs joined by "\n"
    bases: tuple[str, ...] = ()  # each record's basis: reported, derived or illustrative


def _periods_overlap(a: Any, b: Any) -> ColumnElement[bool]:
    return and_(a.financial_year == b.financial_year, or_(a.quarter.is_(None), b.quarter.is_(None), a.quarter == b.quarter))


def _citation(a: Any) -> Any:
    return a.source_id + literal("|") + a.source_section


def _spend_pairs(audience: Audience, area: str | None, *, by_agreement: bool) -> Select[*tuple[Any, ...]]:
    """The pairs of spend records of one line whose periods overlap: of one agreement (`by_agreement`), or, without an
    agreement, of one area, funding stream and priority.

    The two kinds of line are two queries, not one join on "same agreement OR same stream and priority": no index
    serves an OR, and the database then compared every line of an area with every line of the year (23,300 × 11,650
    pairs per area on the 5-area benchmark store). Each query here probes an index with its equalities:
    `ix_spend_agreement_year` (agreement, year) and `ix_spend_area_year_line` (area, year, stream, priority). The kinds
    exclude each other (the first record has an agreement or has none), so together they are the old join's pairs,
    each once."""
    a, b = aliased(Spend), aliased(Spend)
    agreement = aliased(Agreement)
    if by_agreement:
        same_line = and_(col(a.agreement_id).is_not(None), col(b.agreement_id) == col(a.agreement_id))
    else:
        same_line = and_(
            # Not "IS NULL": SQLite (no statistics) read every line of the store without an agreement through
            # `ix_spend_agreement_year` for each area (0.9 s on 43 areas), rather than the area's through its own index.
            # An agreement's id is never empty, so this is the same condition.
            func.coalesce(col(a.agreement_id), "") == "",
            func.coalesce(col(b.agreement_id), "") == "",
            col(a.funding_stream_id).is_not(None),
            col(b.area_id) == col(a.area_id),
            col(b.funding_stream_id) == col(a.funding_stream_id),
            func.coalesce(col(a.priority_id), "") == func.coalesce(col(b.priority_id), ""),
        )
    query: Select[*tuple[Any, ...]] = (
        select(
            col(a.area_id).label("area_id"),
            col(a.id).label("first_id"),
            col(b.id).label("second_id"),
            col(a.agreement_id).label("agreement_id"),
            col(agreement.title).label("title"),
            col(a.funding_stream_id).label("funding_stream_id"),
            col(a.priority_id).label("priority_id"),
            col(a.financial_year).label("first_year"),
            col(a.quarter).label("first_quarter"),
            col(b.financial_year).label("second_year"),
            col(b.quarter).label("second_quarter"),
            col(a.amount_pence).label("first_pence"),
            col(b.amount_pence).label("second_pence"),
            _citation(a).label("first_citation"),
            _citation(b).label("second_citation"),
            col(a.basis).label("first_basis"),
            col(b.basis).label("second_basis"),
        )
        .join(
            b,
            and_(
                same_line,
                col(a.id) < col(b.id),
                _periods_overlap(a, b),
                # A quarter inside a year, or the same period twice under one description (consistency.figures_clash).
                or_(
                    and_(col(a.quarter).is_(None), col(b.quarter).is_not(None)),
                    and_(col(a.quarter).is_not(None), col(b.quarter).is_(None)),
                    func.lower(func.trim(col(a.description))) == func.lower(func.trim(col(b.description))),
                ),
            ),
        )
        .outerjoin(agreement, col(a.agreement_id) == col(agreement.id))
        .where(
            visible_to(a, audience),
            visible_to(b, audience),
            or_(col(agreement.id).is_(None), visible_to(agreement, audience)),
            # A part ("of which") lies inside its whole by definition, and is never in a total: not an overlap.
            col(a.part_of_id).is_(None),
            col(b.part_of_id).is_(None),
        )
    )
    if area is not None:
        query = query.where(col(a.area_id) == area)
    return query


def _spend_overlaps(session: Session, audience: Audience, area: str | None) -> list[Overlap]:
    # Two statements, sorted here: as one UNION ALL subquery SQLite planned the pairs without their indexes (4 s on
    # the 43-area store, against 0.5 s for the two).
    rows = [r for by_agreement in (True, False) for r in session.execute(_spend_pairs(audience, area, by_agreement=by_agreement)).all()]
    found = []
    for r in sorted(rows, key=lambda r: (r[0], r[1], r[2])):
        stream = f"funding stream {r[5]}" + (f", priority {r[6]}" if r[6] else "")
        label = stream if not r[3] else f"{r[4]} ({r[3]})" if r[4] else str(r[3])
        found.append(
            Overlap(
                area_id=str(r[0]),
                table="spend",
                record_ids=(str(r[1]), str(r[2])),
                label=label,
                periods=(period_text(r[7], r[8]), period_text(r[9], r[10])),
                amounts_pence=(int(r[11]), int(r[12])),
                citations=CITATION_SEP.join(dict.fromkeys((str(r[13]), str(r[14])))),
                bases=(str(r[15]), str(r[16])),
            )
        )
    return found


def _budget_overlaps(session: Session, audience: Audience, area: str | None) -> list[Overlap]:
    a, b = aliased(Budget), aliased(Budget)
    query = (
        select(
            col(a.area_id),
            col(a.id),
            col(b.id),
            col(a.funding_stream_id),
            col(a.priority_id),
            col(a.financial_year),
            col(a.amount_pence),
            col(b.amount_pence),
            _citation(a),
            _citation(b),
            col(a.basis),
            col(b.basis),
        )
        .join(
            b,
            and_(
                col(a.id) < col(b.id),
                col(a.area_id) == col(b.area_id),
                col(a.funding_stream_id) == col(b.funding_stream_id),
                func.coalesce(col(a.priority_id), "") == func.coalesce(col(b.priority_id), ""),
                col(a.financial_year) == col(b.financial_year),
            ),
        )
        .where(visible_to(a, audience), visible_to(b, audience), col(a.part_of_id).is_(None), col(b.part_of_id).is_(None))
        .order_by(col(a.area_id), col(a.id), col(b.id))
    )
    if area is not None:
        query = query.where(col(a.area_id) == area)
    return [
        Overlap(
            area_id=str(r[0]),
            table="budgets",
            record_ids=(str(r[1]), str(r[2])),
            label=f"funding stream {r[3]}" + (f", priority {r[4]}" if r[4] else ", no priority"),
            periods=(period_text(r[5], None), period_text(r[5], None)),
            amounts_pence=(int(r[6]), int(r[7])),
            citations=CITATION_SEP.join(dict.fromkeys((str(r[8]), str(r[9])))),
            bases=(str(r[10]), str(r[11])),
        )
        for r in session.execute(query).all()
    ]


def overlapping_periods(*, session: Session, audience: Audience, area: str | None = None) -> list[Overlap]:
    """Every pair of spend or budget records of one agreement or line whose periods overlap, as the audience may see them."""
    return _spend_overlaps(session, audience, area) + _budget_overlaps(session, audience, area)
