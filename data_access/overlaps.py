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

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
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


def _spend_overlaps(session: Session, audience: Audience, area: str | None) -> list[Overlap]:
    a, b = aliased(Spend), aliased(Spend)
    agreement = aliased(Agreement)
    same_line = or_(
        and_(col(a.agreement_id).is_not(None), col(a.agreement_id) == col(b.agreement_id)),
        and_(
            col(a.agreement_id).is_(None),
            col(b.agreement_id).is_(None),
            col(a.funding_stream_id).is_not(None),
            col(a.area_id) == col(b.area_id),
            col(a.funding_stream_id) == col(b.funding_stream_id),
            func.coalesce(col(a.priority_id), "") == func.coalesce(col(b.priority_id), ""),
        ),
    )
    query = (
        select(
            col(a.area_id),
            col(a.id),
            col(b.id),
            col(a.agreement_id),
            col(agreement.title),
            col(a.funding_stream_id),
            col(a.priority_id),
            col(a.financial_year),
            col(a.quarter),
            col(b.financial_year),
            col(b.quarter),
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
                same_line,
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
        .order_by(col(a.area_id), col(a.id), col(b.id))
    )
    if area is not None:
        query = query.where(col(a.area_id) == area)
    found = []
    for r in session.execute(query).all():
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
