"""The audit trail: who changed what, when, from which file (OPCC staff only), and the files imported."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session, col

from data_access.models import Audience, AuditEntry, ImportRecord
from data_access.money import format_money

UK_TIME = ZoneInfo("Europe/London")
AUDIT_COLUMNS = ["id", "at", "who", "action", "table_name", "record_key", "before", "after", "file_name", "file_sha256"]
IMPORT_COLUMNS = ["sha256", "file_name", "imported_at", "imported_by", "rows_added", "rows_changed", "changes_recorded"]
AUDIT_LIMIT = 1000


def _uk_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UK_TIME).astimezone(UTC)


def audit_choices(*, session: Session, audience: Audience) -> dict[str, Any]:
    """What the audit trail can be filtered by: the people and tables it names, and its first and last days (UK time)."""
    if Audience(audience) is not Audience.STAFF:
        return {"who": [], "tables": [], "first": None, "last": None}
    who = list(session.execute(select(col(AuditEntry.who)).distinct().order_by(col(AuditEntry.who))).scalars())
    tables = list(session.execute(select(col(AuditEntry.table_name)).distinct().order_by(col(AuditEntry.table_name))).scalars())
    first, last = session.execute(select(func.min(AuditEntry.at), func.max(AuditEntry.at))).one()
    return {
        "who": who,
        "tables": tables,
        "first": first.astimezone(UK_TIME).date() if first else None,
        "last": last.astimezone(UK_TIME).date() if last else None,
    }


def audit_entries(
    *,
    session: Session,
    audience: Audience,
    first_day: date | None = None,
    last_day: date | None = None,
    who: str | None = None,
    table: str | None = None,
    file_sha256: str | None = None,
    limit: int = AUDIT_LIMIT,
) -> pd.DataFrame:
    """Changes recorded by imports, newest first, filtered by UK day range, person, table and file (a SHA-256 or
    its first characters). Empty for anyone but OPCC staff: the values before and after may be restricted."""
    if Audience(audience) is not Audience.STAFF:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    query = (
        select(*(getattr(AuditEntry, c) for c in AUDIT_COLUMNS)).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
    )
    if first_day:
        query = query.where(col(AuditEntry.at) >= _uk_midnight_utc(first_day))
    if last_day:
        query = query.where(col(AuditEntry.at) < _uk_midnight_utc(last_day + timedelta(days=1)))
    if who:
        query = query.where(col(AuditEntry.who) == who)
    if table:
        query = query.where(col(AuditEntry.table_name) == table)
    if file_sha256:
        prefix = file_sha256.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{1,64}", prefix):
            raise ValueError(f"'{file_sha256}' is not a SHA-256 (up to 64 characters 0-9 and a-f)")
        query = query.where(col(AuditEntry.file_sha256).like(prefix + "%"))
    result = session.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["at"] = [at.astimezone(UK_TIME) for at in frame["at"]]
    return frame


def audit_changes(before: str, after: str) -> pd.DataFrame:
    """One audit entry's values before and after, field by field (`before`/`after` are JSON objects; blank for an insert or delete)."""

    def fields(text: str) -> dict[str, Any]:
        if not (text or "").strip():
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return {"(not JSON)": text}
        return value if isinstance(value, dict) else {"(value)": value}

    old, new = fields(before), fields(after)
    rows = [
        {
            "field": name,
            "before": _shown(old, name),
            "after": _shown(new, name),
            "changed": old.get(name, _ABSENT) != new.get(name, _ABSENT),
        }
        for name in dict.fromkeys([*old, *new])
    ]
    return pd.DataFrame(rows, columns=["field", "before", "after", "changed"])


_ABSENT = object()


def _shown(values: dict[str, Any], name: str) -> str:
    if name not in values:
        return "(none)"
    value = values[name]
    if value is None or value == "":
        return "(blank)"
    if name.endswith("_pence") and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value)  # money is whole pence in the store: shown as £310,000
    return str(value)


def import_records(*, session: Session, audience: Audience) -> pd.DataFrame:
    """Files imported, newest first, with how many changes the audit trail holds for each. Empty for anyone but OPCC staff."""
    if Audience(audience) is not Audience.STAFF:
        return pd.DataFrame(columns=IMPORT_COLUMNS)
    changes = select(col(AuditEntry.file_sha256), func.count().label("changes_recorded")).group_by(AuditEntry.file_sha256).subquery()
    query = (
        select(
            *(getattr(ImportRecord, c) for c in IMPORT_COLUMNS[:-1]), func.coalesce(changes.c.changes_recorded, 0).label("changes_recorded")
        )
        .outerjoin(changes, changes.c.file_sha256 == col(ImportRecord.sha256))
        .order_by(col(ImportRecord.imported_at).desc())
    )
    result = session.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["imported_at"] = [at.astimezone(UK_TIME) for at in frame["imported_at"]]
    return frame
