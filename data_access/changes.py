"""What changed between two dates (the panel's last meeting and this one), from the dates the records carry.

The store keeps no time stamps of its own beyond the dates in the records, so "what changed" means what
those dates put in the window: agreements that started or ended, amendments agreed or taking effect
(an extension takes effect the day after the end it extends), re-procurement and other milestones,
figures whose period ended (performance measures, spend), and source documents published. Changes
recorded by imports (the audit trail) are added for OPCC staff only: the audit trail names people and
holds values before and after that may be restricted (as in `data_access.quality`).

Both days of the window are included. Every row cites its source, except audit entries, which cite the
file they came from.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import case, func, literal, select
from sqlmodel import Session, col

from data_access import queries
from data_access.models import (
    Agreement,
    Amendment,
    Audience,
    AuditEntry,
    Basis,
    Budget,
    FundingStream,
    Milestone,
    Observation,
    Plan,
    Source,
    Spend,
    visible_to,
)
from data_access.periods import format_date, fy_end, fy_label, quarter_end, quarter_label

COLUMNS = ["on", "precision", "kind", "what", "record_id", "citations", "illustrative"]
UK_TIME = ZoneInfo("Europe/London")
# Audited tables whose records carry their area, or reach it through their agreement: audit entries on them are placed in
# an area. Entries on other tables (sources, providers, measures) belong to no one area and are not listed.
_AREA_TABLES: dict[str, type[Agreement | Budget | Spend | Observation | FundingStream | Plan]] = {
    "agreement": Agreement,
    "budget": Budget,
    "spend": Spend,
    "observation": Observation,
    "funding_stream": FundingStream,
    "plan": Plan,
}
_AGREEMENT_TABLES: dict[str, type[Amendment | Milestone]] = {"amendment": Amendment, "milestone": Milestone}


def _row(
    on: date, kind: str, what: str, record_id: str, citations: str, *, precision: str = "day", illustrative: bool = False
) -> dict[str, Any]:
    return {
        "on": on,
        "precision": precision,
        "kind": kind,
        "what": what,
        "record_id": record_id,
        "citations": citations,
        "illustrative": illustrative,
    }


def _within(day: Any, since: date, until: date) -> bool:
    return day is not None and not pd.isna(day) and since <= day <= until


def _agreement_rows(agreements: pd.DataFrame, since: date, until: date) -> list[dict[str, Any]]:
    rows = []
    for a in agreements.itertuples():
        if _within(a.start_date, since, until) and a.status != "planned":
            rows.append(
                _row(
                    a.start_date,
                    "Agreement started",
                    f"{a.title} started" + (f" ({a.provider})" if a.provider != queries.NO_PROVIDER else ""),
                    a.id,
                    a.citations,
                    precision=a.start_precision,
                    illustrative="start_date" in a.illustrative_fields,
                )
            )
        if _within(a.current_end_date, since, until):
            rows.append(
                _row(
                    a.current_end_date,
                    "Agreement ended",
                    f"{a.title} came to an end",
                    a.id,
                    a.citations,
                    precision=a.end_precision,
                    illustrative="current_end_date" in a.illustrative_fields,
                )
            )
    return rows


def _amendment_rows(amendments: pd.DataFrame, since: date, until: date) -> list[dict[str, Any]]:
    rows = []
    for m in amendments.itertuples():
        illustrative = m.basis == Basis.ILLUSTRATIVE
        if _within(m.agreed_on, since, until):
            rows.append(
                _row(
                    m.agreed_on,
                    "Amendment agreed",
                    f"{m.kind.capitalize()} of {m.agreement} agreed"
                    + (f", to {format_date(m.new_end_date)}" if pd.notna(m.new_end_date) else ""),
                    m.id,
                    m.citations,
                    illustrative=illustrative,
                )
            )
        previous, new = m.previous_end_date, m.new_end_date
        if pd.notna(previous) and pd.notna(new) and new > previous:
            effective, what = previous + timedelta(days=1), f"{m.agreement}: {m.kind} period began, running to {format_date(new)}"
        elif pd.notna(new):
            effective, what = new, f"{m.agreement}: {m.kind} took effect; the agreement now ends on {format_date(new)}"
        else:
            continue
        if _within(effective, since, until):
            rows.append(_row(effective, "Amendment took effect", what, m.id, m.citations, illustrative=illustrative))
    return rows


def _milestone_rows(milestones: pd.DataFrame, since: date, until: date) -> list[dict[str, Any]]:
    kinds = {"reprocurement": "Re-procurement step", "decision": "Decision", "delivery": "Delivery"}
    return [
        _row(
            m.on,
            kinds.get(m.kind, m.kind.capitalize()),
            f"{m.title} ({m.agreement})",
            m.id,
            m.citations,
            illustrative=m.basis == Basis.ILLUSTRATIVE,
        )
        for m in milestones.itertuples()
        if _within(m.on, since, until)
    ]


def _observation_rows(session: Session, area: str, since: date, until: date, audience: Audience) -> list[dict[str, Any]]:
    """One row per measure, service and period whose period ended in the window (a breakdown counts once)."""
    observations = queries.observations(session=session, area=area, audience=audience)
    observations = observations.loc[
        pd.Series([_within(e, since, until) for e in observations["period_end"]], index=observations.index, dtype=bool)
    ]
    rows = []
    for (measure, agreement, period, end), group in observations.groupby(["measure", "agreement", "period", "period_end"], sort=False):
        breakdown = group["dimension"].iloc[0]
        what = f"Figures for {measure}, {period} ({agreement})" + (f", by {breakdown}" if breakdown else "")
        rows.append(
            _row(
                end,
                "New figure",
                what,
                "\n".join(group["id"]),
                queries.CITATION_SEP.join(dict.fromkeys(group["citations"])),
                illustrative=bool((group["basis"] == Basis.ILLUSTRATIVE).any()),
            )
        )
    return rows


def _spend_rows(session: Session, area: str, since: date, until: date, audience: Audience) -> list[dict[str, Any]]:
    """Spend totals whose financial year or quarter ended in the window, one row per period."""
    query = (
        select(
            col(Spend.financial_year),
            col(Spend.quarter),
            func.count().label("payments"),
            func.max(case((col(Spend.basis) == Basis.ILLUSTRATIVE, 1), else_=0)).label("any_illustrative"),
            func.aggregate_strings(col(Spend.source_id) + literal("|") + col(Spend.source_section), queries.CITATION_SEP).label(
                "citations"
            ),
        )
        .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
        .where(col(Spend.area_id) == area, visible_to(Spend, audience), (col(Agreement.id).is_(None)) | visible_to(Agreement, audience))
        .group_by(col(Spend.financial_year), col(Spend.quarter))
    )
    rows = []
    for r in session.execute(query):
        end = fy_end(r.financial_year) if r.quarter is None else quarter_end(r.financial_year, r.quarter)
        if not _within(end, since, until):
            continue
        period = fy_label(r.financial_year) if r.quarter is None else quarter_label(r.financial_year, r.quarter)
        rows.append(
            _row(
                end,
                "New figure",
                f"Spend for {period}: {r.payments} payment total{'s' if r.payments != 1 else ''} recorded",
                f"spend {period}",
                r.citations,
                illustrative=bool(r.any_illustrative),
            )
        )
    return rows


def _source_rows(session: Session, area: str, since: date, until: date, audience: Audience) -> list[dict[str, Any]]:
    """Source documents published in the window that the area's records cite."""
    cited = [
        select(col(Agreement.source_id)).where(col(Agreement.area_id) == area, visible_to(Agreement, audience)),
        select(col(Budget.source_id)).where(col(Budget.area_id) == area, visible_to(Budget, audience)),
        select(col(Spend.source_id)).where(col(Spend.area_id) == area, visible_to(Spend, audience)),
        select(col(Observation.source_id)).where(col(Observation.area_id) == area, visible_to(Observation, audience)),
        select(col(Plan.source_id)).where(col(Plan.area_id) == area),
    ]
    query = (
        select(col(Source.id), col(Source.title), col(Source.publisher), col(Source.published), col(Source.published_precision))
        .where(
            col(Source.id).in_(cited[0].union(*cited[1:]).subquery().select()),
            col(Source.published) >= since,
            col(Source.published) <= until,
        )
        .order_by(col(Source.published))
    )
    return [
        _row(
            s.published,
            "Source published",
            f"{s.title} ({s.publisher})",
            s.id,
            f"{s.id}|whole document",
            precision=s.published_precision,
        )
        for s in session.execute(query)
    ]


def _uk_day_start(day: date) -> datetime:
    """Midnight at the start of a UK day, in UTC: audit times are stored in UTC (naive on SQLite)."""
    return datetime.combine(day, time.min, tzinfo=UK_TIME).astimezone(UTC)


def _area_of_audited(session: Session, table: str, key: str, before: str, after: str) -> str | None:
    """The area an audited record belongs to: from its values (a deleted record still has them), else from the store."""
    values: dict[str, Any] = {}
    for text in (before, after):
        try:
            loaded = json.loads(text) if (text or "").strip() else {}
        except json.JSONDecodeError:
            loaded = {}
        if isinstance(loaded, dict):
            values.update(loaded)
    if values.get("area_id"):
        return str(values["area_id"])
    if table in _AREA_TABLES:
        model = _AREA_TABLES[table]
        return session.execute(select(col(model.area_id)).where(col(model.id) == key)).scalar_one_or_none()
    agreement_id = values.get("agreement_id")
    if not agreement_id and table in _AGREEMENT_TABLES:
        child = _AGREEMENT_TABLES[table]
        agreement_id = session.execute(select(col(child.agreement_id)).where(col(child.id) == key)).scalar_one_or_none()
    if agreement_id:
        return session.execute(select(col(Agreement.area_id)).where(col(Agreement.id) == str(agreement_id))).scalar_one_or_none()
    return None


def _audit_rows(session: Session, area: str, since: date, until: date, audience: Audience) -> list[dict[str, Any]]:
    """Imports' changes to the area's records in the window (UK days). OPCC staff only."""
    if Audience(audience) is not Audience.STAFF:
        return []
    query = (
        select(AuditEntry)
        .where(col(AuditEntry.at) >= _uk_day_start(since), col(AuditEntry.at) < _uk_day_start(until + timedelta(days=1)))
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    rows = []
    for entry in session.execute(query).scalars():
        if _area_of_audited(session, entry.table_name, entry.record_key, entry.before, entry.after) != area:
            continue
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
        rows.append(
            _row(
                at.astimezone(UK_TIME).date(),
                "Record changed",
                f"{entry.table_name.replace('_', ' ').capitalize()} {entry.record_key}: {entry.action} by {entry.who}"
                + (f" from {entry.file_name}" if entry.file_name else ""),
                entry.record_key,
                "",
            )
        )
    return rows


def changes_between(*, session: Session, area: str, since: date, until: date, audience: Audience) -> pd.DataFrame:
    """Everything the store dates between `since` and `until` (both included) for the area, oldest first."""
    if until < since:
        raise ValueError(f"the window ends ({format_date(until)}) before it starts ({format_date(since)})")
    rows = (
        _agreement_rows(queries.agreements(session=session, area=area, audience=audience), since, until)
        + _amendment_rows(queries.amendments(session=session, area=area, audience=audience), since, until)
        + _milestone_rows(queries.milestones(session=session, area=area, audience=audience), since, until)
        + _observation_rows(session, area, since, until, audience)
        + _spend_rows(session, area, since, until, audience)
        + _source_rows(session, area, since, until, audience)
        + _audit_rows(session, area, since, until, audience)
    )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["illustrative"] = frame["illustrative"].astype(bool)
    frame["when"] = [format_date(on, precision) for on, precision in zip(frame["on"], frame["precision"], strict=True)]
    return frame.sort_values(["on", "kind"], kind="stable").reset_index(drop=True)
