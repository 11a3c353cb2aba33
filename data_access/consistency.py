"""Rules across records that one row alone cannot show: a reference must not cross areas, and the same
agreement's (or budget line's) money must not be recorded twice for overlapping periods.

Used by `data_access.importing` on the rows a file would add or change, against the store and the rest
of the file. Overlaps already in the store (a store loaded before these rules, or restored from a backup)
are found by `data_access.overlaps`.

- Areas. Plans, funding streams, agreements, budgets, spend and observations carry an area; priorities
  reach theirs through their plan. A record may refer only to records of its own area: spend of Norfolk
  may not name West Yorkshire's agreement, funding stream or priority; an agreement's priority link
  joins an agreement and a priority of one area. Amendments and milestones have no area of their own
  (they take their agreement's), so they cannot cross. Sources, providers and measures are shared and
  have no area, so they are not checked (see `cross_area_problems`).
- Periods. Spend for one agreement, or (without an agreement) for one funding stream and priority, and
  budgets for one line (area, funding stream, priority), may not overlap in time: a quarter inside a
  year already recorded, a year over its quarters, the same quarter or year twice. Adding them would
  count the money twice. An import may replace the earlier records instead, when the person confirms.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import Mapped
from sqlmodel import SQLModel, col

from data_access.loading import Problem
from data_access.models import (
    Agreement,
    AgreementPriority,
    Area,
    Budget,
    FundingStream,
    Observation,
    Plan,
    Priority,
    Spend,
    table_name,
    table_of,
)
from data_access.money import format_money
from data_access.periods import fy_label, quarter_label

# Which columns of which records refer to records that belong to an area: column -> (kind of record, table).
_REFERENCES: dict[type[SQLModel], dict[str, tuple[str, type[SQLModel]]]] = {
    Agreement: {"funding_stream_id": ("funding stream", FundingStream)},
    Budget: {"funding_stream_id": ("funding stream", FundingStream), "priority_id": ("priority", Priority)},
    Spend: {
        "agreement_id": ("agreement", Agreement),
        "funding_stream_id": ("funding stream", FundingStream),
        "priority_id": ("priority", Priority),
    },
    Observation: {"agreement_id": ("agreement", Agreement)},
}
# Records that refer to a plan, funding stream, agreement or priority, each with its referring column.
_Referrers = list[tuple[type[Agreement | Budget | Spend | Observation], Mapped[Any]]]
# Records whose area is given by their own column, or (priorities) through their plan.
_AREA_OWNERS: tuple[type[SQLModel], ...] = (Plan, FundingStream, Agreement, Budget, Spend, Observation)


def periods_overlap(year_a: int, quarter_a: int | None, year_b: int, quarter_b: int | None) -> bool:
    """True when two financial-year periods (a year, or one of its quarters) share a day."""
    return year_a == year_b and (quarter_a is None or quarter_b is None or quarter_a == quarter_b)


def figures_clash(a_quarter: int | None, b_quarter: int | None, a_description: str, b_description: str) -> bool:
    """Two overlapping figures of one agreement or budget line that cannot both stand: a quarter inside a year (the
    year's figure already holds it), or the same period twice under the same description. Two payment lines of the
    same period with different descriptions (a contract payment and a contingency) are separate money."""
    return (a_quarter is None) != (b_quarter is None) or a_description == b_description


def period_text(year: int, quarter: int | None) -> str:
    """(2018, 2) -> 'Q2 2018/19'; (2018, None) -> '2018/19'."""
    return quarter_label(year, quarter) if quarter else fy_label(year)


def _area_names(connection: Connection) -> dict[str, str]:
    return {str(area_id): str(name) for area_id, name in connection.execute(select(col(Area.id), col(Area.name))).all()}


def _areas_of(connection: Connection, model: type[SQLModel], ids: set[str]) -> dict[str, str]:
    """id -> area id of these records in the store (a priority's is its plan's)."""
    if not ids:
        return {}
    wanted = sorted(ids)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        if model is Priority:
            query = (
                select(col(Priority.id), col(Plan.area_id))
                .join(Plan, col(Priority.plan_id) == col(Plan.id))
                .where(col(Priority.id).in_(chunk))
            )
        else:
            table = table_of(model)
            query = select(table.c.id, table.c.area_id).where(table.c.id.in_(chunk))
        found.update((record_id, area_id) for record_id, area_id in connection.execute(query))
    return found


def cross_area_problems(
    connection: Connection, model: type[SQLModel], records: Sequence[SQLModel], rows: Sequence[int], file_name: str, sheet: str
) -> list[Problem]:
    """Rows that refer to a record of another area, each named with both areas and what would be accepted.

    Sources are left alone: they are shared documents with no area, and a national document may rightly be
    cited by several areas, so "cited so far only by another area" would refuse good rows as often as bad.
    """
    names = _area_names(connection)

    def area(area_id: str) -> str:
        return names.get(area_id, area_id)

    problems: list[Problem] = []
    if model is AgreementPriority:
        agreements = _areas_of(connection, Agreement, {r.agreement_id for r in records})  # type: ignore[attr-defined]
        priorities = _areas_of(connection, Priority, {r.priority_id for r in records})  # type: ignore[attr-defined]
        for record, row in zip(records, rows, strict=True):
            agreement_id, priority_id = record.agreement_id, record.priority_id  # type: ignore[attr-defined]
            a, p = agreements.get(agreement_id), priorities.get(priority_id)
            if a and p and a != p:
                rule = (
                    f"priority {priority_id} belongs to {area(p)}'s plan, but agreement {agreement_id} belongs to {area(a)}: "
                    f"link the agreement to a priority of {area(a)}'s plans"
                )
                problems.append(Problem(file_name, row, "priority_id", priority_id, rule, sheet))
        return problems
    references = _REFERENCES.get(model, {})
    owners = {
        column: _areas_of(connection, target, {getattr(r, column) for r in records if getattr(r, column, None)})
        for column, (_, target) in references.items()
    }
    for record, row in zip(records, rows, strict=True) if references else ():
        own = record.area_id  # type: ignore[attr-defined]
        for column, (noun, _) in references.items():
            value = getattr(record, column, None)
            theirs = owners[column].get(value) if value else None
            if theirs and theirs != own:
                rule = (
                    f"{noun} {value} belongs to {area(theirs)}, but the row's area is {area(own)}: "
                    f"refer to {'an' if noun[0] in 'aeiou' else 'a'} {noun} of {area(own)}, "
                    f"or correct area_id if the row is {area(theirs)}'s"
                )
                problems.append(Problem(file_name, row, column, str(value), rule, sheet))
    problems += _moved_area_problems(connection, model, records, rows, file_name, sheet, area)
    return problems


def _moved_area_problems(
    connection: Connection, model: type[SQLModel], records: Sequence[SQLModel], rows: Sequence[int], file_name: str, sheet: str, area: Any
) -> list[Problem]:
    """A plan, funding stream or agreement whose area the file changes, while records of the old area still refer to it."""
    if model not in (Plan, FundingStream, Agreement) and model is not Priority:
        return []
    problems: list[Problem] = []
    if model is Priority:
        new_plans = {r.id: r.plan_id for r in records}  # type: ignore[attr-defined]
        plan_areas = _areas_of(connection, Plan, set(new_plans.values()))
        new_area = {pid: plan_areas.get(plan) for pid, plan in new_plans.items()}
        referrers: _Referrers = [
            (Budget, col(Budget.priority_id)),
            (Spend, col(Spend.priority_id)),
        ]
        noun = "priority"
    else:
        new_area = {r.id: r.area_id for r in records}  # type: ignore[attr-defined]
        noun = {Plan: "plan", FundingStream: "funding stream", Agreement: "agreement"}[model]
        referrers_of: dict[type[SQLModel], _Referrers] = {
            Plan: [],
            FundingStream: [
                (Agreement, col(Agreement.funding_stream_id)),
                (Budget, col(Budget.funding_stream_id)),
                (Spend, col(Spend.funding_stream_id)),
            ],
            Agreement: [(Spend, col(Spend.agreement_id)), (Observation, col(Observation.agreement_id))],
        }
        referrers = referrers_of[model]
    row_of = {r.id: row for r, row in zip(records, rows, strict=True)}  # type: ignore[attr-defined]
    ids = sorted(new_area)
    for referrer, column in referrers:
        for start in range(0, len(ids), 500):
            query = select(col(referrer.id), col(referrer.area_id), column).where(column.in_(ids[start : start + 500]))
            for ref_id, ref_area, target in connection.execute(query):
                if new_area.get(target) and new_area[target] != ref_area:
                    rule = (
                        f"this row puts {noun} {target} in {area(new_area[target])}, but {table_name(referrer)} {ref_id} "
                        f"of {area(ref_area)} refers to it: keep its area as {area(ref_area)}, or move that record first"
                    )
                    problems.append(
                        Problem(file_name, row_of[target], "area_id" if model is not Priority else "plan_id", target, rule, sheet)
                    )
    if model is Plan:
        # A plan's priorities are linked to agreements, budgets and spend of the plan's area.
        for start in range(0, len(ids), 500):
            linked = (
                select(col(Priority.plan_id), col(Spend.id), col(Spend.area_id))
                .join(Spend, col(Spend.priority_id) == col(Priority.id))
                .where(col(Priority.plan_id).in_(ids[start : start + 500]))
                .union_all(
                    select(col(Priority.plan_id), col(Budget.id), col(Budget.area_id))
                    .join(Budget, col(Budget.priority_id) == col(Priority.id))
                    .where(col(Priority.plan_id).in_(ids[start : start + 500]))
                )
            )
            for plan_id, ref_id, ref_area in connection.execute(linked):
                if new_area[plan_id] != ref_area:
                    rule = (
                        f"this row puts plan {plan_id} in {area(new_area[plan_id])}, but {ref_id} of {area(ref_area)} "
                        f"refers to one of its priorities: keep its area as {area(ref_area)}"
                    )
                    problems.append(Problem(file_name, row_of[plan_id], "area_id", plan_id, rule, sheet))
    return problems


# --- overlapping periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dated:
    """The fields of a spend or budget record that say which money it is and for when."""

    id: str
    line: Hashable  # the agreement, or the budget line, whose money it is; None when it has neither
    line_label: str
    year: int
    quarter: int | None
    amount_pence: int
    values: dict[str, Any]
    description: str = ""  # what a payment was for; a budget line holds one figure a period, so it has none here

    @property
    def period(self) -> str:
        """How the record's period is written."""
        return period_text(self.year, self.quarter)


@dataclass(frozen=True)
class Clash:
    """A record the file would add or change, and an earlier record whose period overlaps it."""

    row: int
    new: Dated
    old: Dated
    old_row: int | None  # the earlier record's row in the same file, or None when it is in the store only


def _dated(model: type[SQLModel], values: dict[str, Any]) -> Dated:
    if model is Spend and values.get("agreement_id"):
        line: Hashable = ("agreement", values["agreement_id"])
        label = f"agreement {values['agreement_id']}"
    elif values.get("funding_stream_id"):
        line = ("line", values["area_id"], values["funding_stream_id"], values.get("priority_id"))
        label = f"funding stream {values['funding_stream_id']}" + (
            f", priority {values['priority_id']}" if values.get("priority_id") else ", no priority"
        )
    else:
        line, label = None, ""
    return Dated(
        values["id"],
        line,
        label,
        values["financial_year"],
        values.get("quarter") if model is Spend else None,
        values["amount_pence"],
        values,
        str(values.get("description") or "").strip().casefold() if model is Spend else "",
    )


def _overlap(a: Dated, b: Dated) -> bool:
    return (
        a.id != b.id
        and a.line is not None
        and a.line == b.line
        and periods_overlap(a.year, a.quarter, b.year, b.quarter)
        and figures_clash(a.quarter, b.quarter, a.description, b.description)
    )


def overlapping_records(connection: Connection, model: type[SQLModel], records: Sequence[SQLModel], rows: Sequence[int]) -> list[Clash]:
    """Every overlap the file would create: between two of its rows, or between a row and a record in the store.

    Overlaps that the store already holds between records the file leaves as they are (or changes without
    moving them) are not the file's doing: `data_access.overlaps` reports those.
    """
    if model not in (Spend, Budget) or not records:
        return []
    table = table_of(model)
    fields = [c.name for c in table.columns]
    incoming = [_dated(model, {n: getattr(r, n) for n in fields}) for r in records]
    row_of = {d.id: row for d, row in zip(incoming, rows, strict=True)}
    agreements = sorted({d.line[1] for d in incoming if isinstance(d.line, tuple) and d.line[0] == "agreement"})
    streams = sorted({d.line[2] for d in incoming if isinstance(d.line, tuple) and d.line[0] == "line"})
    conditions = [table.c.id.in_(sorted(row_of))]
    if "agreement_id" in table.c and agreements:
        conditions.append(table.c.agreement_id.in_(agreements))
    if streams:
        conditions.append(table.c.funding_stream_id.in_(streams))
    years = sorted({d.year for d in incoming})
    query = select(table).where(or_(*conditions), table.c.financial_year.in_(years))
    before = {row["id"]: _dated(model, dict(row)) for row in connection.execute(query).mappings()}
    after = {**before, **{d.id: d for d in incoming}}
    by_line: dict[Hashable, list[Dated]] = {}
    for d in after.values():
        if d.line is not None:
            by_line.setdefault(d.line, []).append(d)
    clashes: list[Clash] = []
    for new in incoming:
        for old in by_line.get(new.line, []):
            if not _overlap(new, old):
                continue
            if new.id in before and old.id in before and _overlap(before[new.id], before[old.id]):
                continue  # already in the store as it is; not this file's doing
            if old.id in row_of and row_of[old.id] > row_of[new.id]:
                continue  # reported once, at the later row
            clashes.append(Clash(row_of[new.id], new, old, row_of.get(old.id)))
    return clashes


def clash_problem(clash: Clash, kind: str, file_name: str, sheet: str) -> Problem:
    """The clash said so that someone can fix it: the row, the earlier record, both periods, and what would be accepted."""
    new, old = clash.new, clash.old
    noun = "spend" if kind == "spend" else "a budget"
    if new.quarter and not old.quarter:
        relation = f"{new.period} lies inside {old.period}"
    elif old.quarter and not new.quarter:
        relation = f"{new.period} covers {old.period}"
    else:
        relation = f"{new.period} is the same period as {old.period}"
    where = f"in row {clash.old_row} of this file" if clash.old_row else "already recorded"
    rule = (
        f"{relation} {where} as {noun} {old.id} ({format_money(old.amount_pence)}) for {new.line_label}: "
        "recording both would count the money twice. Give the whole year or its quarters, each period once"
    )
    if clash.old_row is None:
        rule += f"; or confirm replacing {old.id} with this row (--replace-overlapping on the command line)"
    column = "period" if kind == "spend" else "financial_year"
    return Problem(file_name, clash.row, column, new.period, rule, sheet)
