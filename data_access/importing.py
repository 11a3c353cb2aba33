"""Staff imports: one CSV or XLSX file of one kind of record, checked in full, previewed, then applied
in one transaction with an audit entry for every change.

    python -m data_access.importing --kind spend --file spend.xlsx [--sheet NAME] [--apply] [--who NAME] [--replace-overlapping]

prints the report (every problem: file, sheet, row, cell, column, value, rule) or the preview (what
would be added, changed and left alone), applies it with --apply, and exits 1 when the file has
problems, 2 when it cannot be read at all. The import page (pages/import_data.py) does the same.

- Rows are matched to the store by their ids; a row identical to the store's writes nothing. So
  importing the same file twice changes nothing the second time.
- A row may not refer to a record of another area, and spend or budgets may not overlap in time with
  other records of the same agreement or budget line (`data_access.consistency`). An overlap with a
  record already in the store is refused too, unless the person confirms replacing it
  (`replace_overlapping`, `--replace-overlapping`): then the earlier records are deleted and the new
  ones added in the same transaction, each deletion audited. That is the only way the importer deletes.
- Every applied change writes an `audit_entry` (who, when, insert, update or delete, table, record, the
  changed fields before and after as JSON, a deleted record's every field before, file name and
  SHA-256), and the file is recorded in `import_record` by its SHA-256 (replaced records are counted
  in its `rows_changed`). The same file again, with nothing to change, records nothing new; if the store has
  moved on since (a later file changed its rows), applying it again puts its values back, audited,
  and updates its `import_record`.
- Nothing partial is ever written: the whole file is checked again inside the transaction that writes
  it, and any refusal rolls everything back.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import getpass
import hashlib
import io
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Engine, UniqueConstraint, and_, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from data_access import store_faults, store_version
from data_access.consistency import Clash, clash_problem, cross_area_problems, overlapping_records
from data_access.exporting import escape_formula
from data_access.loading import (
    FILES,
    PARTIAL_DATES,
    PERIOD_FIELDS,
    PERIOD_MODELS,
    YEAR_COLUMNS,
    ImportFailed,
    Problem,
    Table,
    check_table,
    columns_of,
    read_file,
)
from data_access.loading import _heading as heading_key
from data_access.loading import (
    sheet_names as sheet_names,  # re-exported for the import page
)
from data_access.models import (
    Agreement,
    AgreementPriority,
    Area,
    AuditEntry,
    DatePrecision,
    ImportRecord,
    Observation,
    Provider,
    table_name,
    table_of,
)
from data_access.money import format_money
from data_access.periods import Period, fy_label, quarter_label
from data_access.settings import SAMPLE_DATA_DIR

# Every kind of record, by the name of its file in sample_data/ without ".csv", in load order.
KINDS: dict[str, type[SQLModel]] = {Path(name).stem: model for name, model in FILES}
KIND_LABELS: dict[str, str] = {
    "sources": "Sources: the documents figures come from",
    "areas": "Areas: policing areas and their offices",
    "plans": "Plans: Police and Crime Plans",
    "priorities": "Priorities: a plan's priorities",
    "providers": "Providers: organisations",
    "funding_streams": "Funding streams: where money comes from",
    "agreements": "Agreements: contracts and grants",
    "amendments": "Amendments: extensions, variations, terminations",
    "milestones": "Milestones: re-procurement and other dated steps",
    "agreement_priorities": "Agreement priorities: which priorities an agreement serves",
    "budgets": "Budgets: allocations",
    "spend": "Spend: payment totals",
    "measures": "Measures: performance indicators",
    "observations": "Observations: a measure's values",
    "area_groups": "Area groups: peer groups of areas (regions, most similar groups)",
    "populations": "Populations: residents per area and year, for figures per head",
}
# Serialises imports on PostgreSQL, so two people applying at once cannot interleave.
_IMPORT_LOCK = 4_617_202
_PRECISION_OF = {precision: date_field for (_, date_field), (precision, _) in PARTIAL_DATES.items()}


@dataclass(frozen=True)
class Change:
    """What applying the file would do to one record."""

    row: int  # the spreadsheet row it came from
    key: str  # the record's id (or ids, for a link), as text
    action: str  # insert, update, unchanged, or delete (an earlier record replaced by an overlapping one)
    values: dict[str, Any]  # every field as it would be stored
    before: dict[str, Any] = field(default_factory=dict)  # changed fields as stored now (update)
    after: dict[str, Any] = field(default_factory=dict)  # changed fields as they would be (update)
    kind: str = ""  # the kind of record (a key of KINDS); a bundle's changes span several kinds


STORE_FAULT = "could not be saved: "  # a problem's rule that starts so is the store's fault, not the file's


@dataclass
class Report:
    """Everything the importer found in one file: problems, or the changes it would make."""

    kind: str
    file_name: str
    sha256: str
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    previous_import: dict[str, Any] | None = None  # this file's import_record, when it was imported before
    applied: bool = False
    # Records in the store whose periods the file's rows overlap (with their kind): replaced only when the person confirms.
    overlapping: list[tuple[str, Clash]] = field(default_factory=list)
    replace_overlapping: bool = False
    # Changes to organisations other areas use, each with its problem: made only when the person confirms.
    shared: list[tuple[Change, Problem]] = field(default_factory=list)
    confirm_shared: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing stops the file being applied."""
        return not self.problems

    def of(self, action: str) -> list[Change]:
        """The changes of one action: insert, update, unchanged or delete."""
        return [c for c in self.changes if c.action == action]

    @property
    def confirmable(self) -> bool:
        """True when every problem is one the person may confirm (replacing overlapping records, changing a shared organisation)."""
        return bool(self.problems) and all(p.confirm for p in self.problems)

    @property
    def replaceable(self) -> bool:
        """True when nothing but confirmations stands in the way, and one is replacing overlapping records in the store."""
        return self.confirmable and any(p.confirm == "replace" for p in self.problems)

    @property
    def shared_to_confirm(self) -> bool:
        """True when nothing but confirmations stands in the way, and one is changing organisations other areas use."""
        return self.confirmable and any(p.confirm == "shared" for p in self.problems)

    @property
    def replace_text(self) -> str:
        """What confirming the replacement would do, record by record."""
        old = {c.old.id: (kind, c.old) for kind, c in self.overlapping}
        return (
            "Replace: delete "
            + "; ".join(f"{kind} {d.id} ({d.period}, {format_money(d.amount_pence)})" for kind, d in old.values())
            + f", and add this file's overlapping row{'s' if len({c.row for _, c in self.overlapping}) > 1 else ''} instead"
        )

    @property
    def shared_text(self) -> str:
        """What confirming the shared changes would do."""
        return "Change them anyway: " + "; ".join(f"{change.key} (row {change.row})" for change, _ in self.shared)

    @property
    def summary(self) -> str:
        """One sentence saying what the file holds or would do."""
        if fault := next((p.rule for p in self.problems if p.rule.startswith(STORE_FAULT)), None):
            return fault.removeprefix(STORE_FAULT)  # the store failed, not the file
        if self.problems:
            return f"{len(self.problems)} problem(s) found: nothing can be imported until every one is fixed."
        added, changed, alone = len(self.of("insert")), len(self.of("update")), len(self.of("unchanged"))
        verb = ("added", "changed", "replaced") if self.applied else ("to add", "to change", "to replace")
        deleted = len(self.of("delete"))
        replaced = f" {deleted} {verb[2]} (deleted: their periods overlap this file's)," if deleted else ""
        return f"{added} record(s) {verb[0]}, {changed} {verb[1]},{replaced} {alone} left alone."


# --- templates ------------------------------------------------------------------------------------


@functools.cache
def _sample_rows(kind: str) -> tuple[list[str], list[str] | None]:
    """The sample file's header and first row; no row where the sample has none (populations: the seed documents
    publish no population, and a template must not carry a made-up one)."""
    with (SAMPLE_DATA_DIR / f"{kind}.csv").open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        return next(reader), next(reader, None)


def file_columns(kind: str) -> list[str]:
    """The columns of a `kind` file, in the order the sample data and the templates have them."""
    return list(_sample_rows(kind)[0])


def template_csv(kind: str) -> bytes:
    """The import format for `kind`: the header row and one example row from the sample data (UTF-8 with a BOM, for Excel)."""
    header, example = _sample_rows(kind)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header] if example is None else [header, example])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: str) -> bytes:
    """The same as a workbook, every column formatted as Text so ids and company numbers keep their leading zeros."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, example = _sample_rows(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(header)
    if example is not None:
        sheet.append(example)
    for index, name in enumerate(header, start=1):
        sheet.cell(1, index).font = Font(bold=True)
        sheet.cell(2, index).number_format = "@"
        # Text format on the whole column: what staff type below the example stays text too.
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(12, len(name) + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- checking -------------------------------------------------------------------------------------


def _key_text(key: Iterable[Any]) -> str:
    return " / ".join(str(v) for v in key)


def _known_ids(connection: Connection) -> dict[str, set[Any]]:
    return {
        table_name(model): set(connection.execute(select(table_of(model).c.id)).scalars())
        for model in KINDS.values()
        if "id" in table_of(model).c
    }


def _stored_shares(connection: Connection) -> dict[str, dict[str, int]]:
    table = table_of(AgreementPriority)
    shares: dict[str, dict[str, int]] = {}
    for agreement_id, priority_id, share in connection.execute(select(table.c.agreement_id, table.c.priority_id, table.c.share_percent)):
        shares.setdefault(agreement_id, {})[priority_id] = share
    return shares


def _previous_import(connection: Connection, sha256: str) -> dict[str, Any] | None:
    records = table_of(ImportRecord)
    row = connection.execute(select(records).where(records.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


def _stored_rows(connection: Connection, model: type[SQLModel], keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The store's rows for these primary keys."""
    table = table_of(model)
    pk = list(table.primary_key.columns)
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    if len(pk) == 1:
        ids = sorted({k[0] for k in keys})
        for start in range(0, len(ids), 500):
            for row in connection.execute(select(table).where(pk[0].in_(ids[start : start + 500]))).mappings():
                rows[(row[pk[0].name],)] = dict(row)
    else:
        wanted = set(keys)
        for row in connection.execute(select(table)).mappings():
            key = tuple(row[c.name] for c in pk)
            if key in wanted:
                rows[key] = dict(row)
    return rows


def _compare(connection: Connection, model: type[SQLModel], records: list[SQLModel], rows: list[int], kind: str) -> list[Change]:
    table = table_of(model)
    pk = [c.name for c in table.primary_key.columns]
    fields = [c.name for c in table.columns]
    new_values = [{name: getattr(record, name) for name in fields} for record in records]
    stored = _stored_rows(connection, model, [tuple(v[n] for n in pk) for v in new_values])
    changes = []
    for row, values in zip(rows, new_values, strict=True):
        key = tuple(values[n] for n in pk)
        old = stored.get(key)
        if old is None:
            changes.append(Change(row, _key_text(key), "insert", values, {}, dict(values), kind))
            continue
        changed = [n for n in fields if old.get(n) != values[n]]
        action = "update" if changed else "unchanged"
        changes.append(Change(row, _key_text(key), action, values, {n: old.get(n) for n in changed}, {n: values[n] for n in changed}, kind))
    return changes


def _unique_problems(
    connection: Connection, model: type[SQLModel], records: list[SQLModel], rows: list[int], file_name: str, sheet: str
) -> list[Problem]:
    """Rows that would break a UNIQUE rule (a plan's priority positions), in the file or against the store."""
    table = table_of(model)
    pk = [c.name for c in table.primary_key.columns]
    problems = []
    for constraint in (c for c in table.constraints if isinstance(c, UniqueConstraint)):
        names = [c.name for c in constraint.columns]
        file_keys = {tuple(getattr(r, n) for n in pk) for r in records}
        holder: dict[tuple[Any, ...], str] = {}
        for row in connection.execute(select(*[table.c[n] for n in [*names, *pk]])).all():
            key = tuple(row[len(names) :])
            if key not in file_keys:
                holder[tuple(row[: len(names)])] = _key_text(key)
        for record, number in zip(records, rows, strict=True):
            value = tuple(getattr(record, n) for n in names)
            this = _key_text(getattr(record, n) for n in pk)
            if value in holder and holder[value] != this:
                where = f"record {holder[value]}" if not holder[value].startswith("row ") else holder[value]
                rule = f"{' and '.join(names)} must be unique: {where} already has {_key_text(value)}"
                problems.append(Problem(file_name, number, names[-1], str(value[-1]), rule, sheet))
            else:
                holder[value] = f"row {number} of this file"
    return problems


def check_tables(
    tables: Mapping[str, Table],
    *,
    file_name: str,
    sha256: str,
    connection: Connection,
    label: str = "",
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """Check tables in the import format, keyed by kind, as one import: each against the store and the tables
    before it (a bundle's agreements may refer to its own providers and sources), every problem at once.

    A single file is a bundle of one table (`check_file`); a mapped spreadsheet or an OCDS package gives several.
    With `replace_overlapping`, records in the store whose periods the rows overlap are to be deleted (changes with
    action "delete") rather than reported as problems. With `confirm_shared`, changes to an organisation that other
    areas' records use go ahead; without it each is a problem the person may confirm.
    Never raises on bad input: every problem is in the report.
    """
    single = next(iter(tables)) if len(tables) == 1 else ""
    report = Report(
        kind=label or single,
        file_name=file_name,
        sha256=sha256,
        replace_overlapping=replace_overlapping,
        confirm_shared=confirm_shared,
    )
    unknown = [k for k in tables if k not in KINDS]
    if unknown or not tables:
        report.problems = [
            Problem(file_name, 0, "", kind, f"is not a kind of record the importer knows; choose one of: {', '.join(KINDS)}")
            for kind in unknown or [""]
        ]
        return report
    report.sheet = next(iter(tables.values())).sheet if single else ""
    report.previous_import = _previous_import(connection, sha256)
    known = _known_ids(connection)
    problems: list[Problem] = []
    changes: list[Change] = []
    for kind, model in KINDS.items():
        if kind not in tables:
            continue
        table = tables[kind]
        shares = _stored_shares(connection) if model is AgreementPriority else None
        checked = check_table(table, model, known=known, existing_shares=shares)
        report.notes += checked.notes
        found = checked.problems
        if not found:
            found = _unique_problems(connection, model, checked.records, checked.rows, table.file, table.sheet)
        if not found and not checked.records and single:
            found = [Problem(table.file, table.header_row, "", "", "has a header row but no records to import", table.sheet)]
        # Rows that are right on their own may still clash with other records: checked even when other rows
        # have problems, so every problem is reported at once.
        crossing = cross_area_problems(connection, model, checked.records, checked.rows, table.file, table.sheet)
        found = found + crossing
        # A row that refers to another area's agreement is wrong already; its periods are not compared with that agreement's.
        kept = [(r, n) for r, n in zip(checked.records, checked.rows, strict=True) if n not in {p.row for p in crossing}]
        clashes = overlapping_records(connection, model, [r for r, _ in kept], [n for _, n in kept])
        report.overlapping += [(kind, c) for c in clashes if c.old_row is None]
        found += [
            dataclasses.replace(clash_problem(c, kind, table.file, table.sheet), confirm="replace" if c.old_row is None else "")
            for c in clashes
            if c.old_row is not None or not replace_overlapping
        ]
        problems += found
        if not found:
            compared = _compare(connection, model, checked.records, checked.rows, kind)
            shared = _shared_changes(connection, model, compared, tables, table)
            report.shared = shared
            if not confirm_shared:
                problems += [problem for _, problem in shared]
            changes += compared
    report.problems = sorted(problems, key=lambda p: (p.file, p.sheet, p.row))
    if not report.problems:
        report.changes = changes
        replaced = {c.old.id: (kind, c) for kind, c in report.overlapping}
        report.changes += [Change(c.row, c.old.id, "delete", c.old.values, dict(c.old.values), {}, kind) for kind, c in replaced.values()]
    return report


def _file_tables(data: bytes, file_name: str, kind: str, sheet: str | None) -> dict[str, Table]:
    """One file as a bundle of one table (an unknown kind is left unread: `check_tables` reports it)."""
    return {kind: read_file(data, file_name, sheet=sheet, kind=kind) if kind in KINDS else Table(file_name)}


def check_file(
    data: bytes,
    *,
    file_name: str,
    kind: str,
    connection: Connection,
    sheet: str | None = None,
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """Read one file of one kind of record and check it against the store (`check_tables` on a bundle of one)."""
    name = Path(file_name or "upload").name
    return check_tables(
        _file_tables(data, name, kind, sheet),
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        connection=connection,
        replace_overlapping=replace_overlapping,
        confirm_shared=confirm_shared,
    )


def _areas_using(connection: Connection, provider_ids: set[str]) -> dict[str, set[str]]:
    """Provider id -> the areas whose agreements name it."""
    agreements = table_of(Agreement)
    using: dict[str, set[str]] = {}
    ids = sorted(provider_ids)
    for start in range(0, len(ids), 500):
        query = select(agreements.c.provider_id, agreements.c.area_id).where(agreements.c.provider_id.in_(ids[start : start + 500]))
        for provider_id, area_id in connection.execute(query.distinct()):
            using.setdefault(provider_id, set()).add(area_id)
    return using


def _import_areas(tables: Mapping[str, Table]) -> set[str]:
    """The areas a bundle's rows belong to (the area_id cells of every table that has them)."""
    areas: set[str] = set()
    for table in tables.values():
        headings = [heading_key(h) for h in table.header]
        if "area_id" in headings:
            position = headings.index("area_id")
            areas |= {cells[position].strip() for _, cells in table.rows if position < len(cells) and cells[position].strip()}
    return areas


def _shared_changes(
    connection: Connection, model: type[SQLModel], compared: list[Change], tables: Mapping[str, Table], table: Table
) -> list[tuple[Change, Problem]]:
    """Changes to an organisation that other areas' agreements name, each with the problem that stands until confirmed.

    Providers are shared by every area and keep one citation: a file for one area must not silently rewrite what
    another area's figures rest on (its source, its name, its numbers).
    """
    if model is not Provider:
        return []
    updates = [c for c in compared if c.action == "update"]
    if not updates:
        return []
    ours = _import_areas(tables)
    names = dict(connection.execute(select(table_of(Area).c.id, table_of(Area).c.name)).all())
    using = _areas_using(connection, {c.key for c in updates})
    shared = []
    for change in updates:
        others = sorted(names.get(a, a) for a in using.get(change.key, set()) - ours)
        if not others:
            continue
        fields = ", ".join(f"{_column_of(n, model)} {_plain(change.before[n])} -> {_plain(change.after[n])}" for n in change.after)
        rule = (
            f"would change {change.key}, which {' and '.join(others)} also use{'s' if len(others) == 1 else ''} ({fields}): "
            "confirm the change (--confirm-shared on the command line), or leave this organisation's row out of the file"
        )
        shared.append((change, Problem(table.file, change.row, "id", change.key, rule, table.sheet, confirm="shared")))
    return shared


def _plain(value: Any) -> str:
    return "blank" if value in (None, "") else str(value)


# --- applying -------------------------------------------------------------------------------------


def _json(values: dict[str, Any]) -> str:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, (date, datetime)) else value

    return json.dumps({k: plain(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)


def apply_tables(
    tables: Mapping[str, Table],
    *,
    file_name: str,
    sha256: str,
    connection: Connection,
    who: str,
    label: str = "",
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """Check the tables again and write every change, its audit entries and the file's import record on `connection`.

    The caller owns the transaction (`with engine.begin() as connection:`): on ImportFailed it rolls
    everything back, so the store is as it was.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    report = check_tables(
        tables,
        file_name=file_name,
        sha256=sha256,
        connection=connection,
        label=label,
        replace_overlapping=replace_overlapping,
        confirm_shared=confirm_shared,
    )
    _write(report, connection, who)
    return report


def apply_file(
    data: bytes,
    *,
    file_name: str,
    kind: str,
    connection: Connection,
    who: str,
    sheet: str | None = None,
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """`apply_tables` for one file of one kind of record."""
    name = Path(file_name or "upload").name
    return apply_tables(
        _file_tables(data, name, kind, sheet),
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        connection=connection,
        who=who,
        replace_overlapping=replace_overlapping,
        confirm_shared=confirm_shared,
    )


def _write(report: Report, connection: Connection, who: str) -> None:
    """Write a checked report's changes in load order, with an audit entry each, and its import record; or raise ImportFailed."""
    if report.problems:
        failure = ImportFailed(report.problems)
        failure.report = report  # type: ignore[attr-defined]  # the caller shows the overlaps it could replace
        raise failure
    inserts, updates, deletes = report.of("insert"), report.of("update"), report.of("delete")
    if not inserts and not updates and not deletes and report.previous_import:
        return  # the same file again, and the store still matches it
    now, who = datetime.now(UTC), (who or "unknown").strip()
    audit = [
        {
            "at": now,
            "who": who,
            "action": change.action,
            "table_name": table_name(KINDS[change.kind]),
            "record_key": change.key,
            "before": _json(change.before) if change.action in ("update", "delete") else "",
            "after": _json(change.after) if change.action != "delete" else "",
            "file_name": report.file_name,
            "file_sha256": report.sha256,
        }
        for change in deletes + inserts + updates
    ]
    record = {
        "file_name": report.file_name,
        "imported_at": now,
        "imported_by": who,
        "rows_added": len(inserts),
        "rows_changed": len(updates) + len(deletes),
    }
    try:
        # Deletions (replaced overlapping records) first, then each kind in load order, so a row's references exist.
        for change in deletes:
            table = table_of(KINDS[change.kind])
            connection.execute(delete(table).where(and_(*[c == change.values[c.name] for c in table.primary_key.columns])))
        for kind, model in KINDS.items():
            table = table_of(model)
            if rows := [c.values for c in inserts if c.kind == kind]:
                connection.execute(insert(table), rows)
            for change in (c for c in updates if c.kind == kind):
                key = and_(*[c == change.values[c.name] for c in table.primary_key.columns])
                connection.execute(update(table).where(key).values(**change.after))
        if audit:
            connection.execute(insert(table_of(AuditEntry)), audit)
        records = table_of(ImportRecord)
        if report.previous_import:
            connection.execute(update(records).where(records.c.sha256 == report.sha256).values(**record))
        else:
            connection.execute(insert(records).values(sha256=report.sha256, **record))
        store_version.bump(connection)
    except DBAPIError as error:
        if store_faults.fault_of(error):  # the store failed, not the file: never "check the file again"
            raise ImportFailed([_store_fault_problem(report.file_name, report.sheet, error)]) from None
        reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
        raise ImportFailed(
            [
                Problem(
                    report.file_name,
                    0,
                    "",
                    "",
                    f"the database refused the changes ({reason}); nothing was written: check the file again",
                    report.sheet,
                )
            ]
        ) from None
    report.applied = True


def import_tables(
    engine: Engine,
    tables: Mapping[str, Table],
    *,
    file_name: str,
    sha256: str,
    label: str = "",
    apply: bool = False,
    who: str = "",
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """Check a bundle of import-format tables (and, with `apply`, write it in one transaction); problems come back
    in the report, never as an exception. `sha256` is the original file's, so importing it again changes nothing."""
    try:
        if not apply:
            with engine.connect() as connection:
                return check_tables(
                    tables,
                    file_name=file_name,
                    sha256=sha256,
                    connection=connection,
                    label=label,
                    replace_overlapping=replace_overlapping,
                    confirm_shared=confirm_shared,
                )
        with engine.begin() as connection:
            return apply_tables(
                tables,
                file_name=file_name,
                sha256=sha256,
                connection=connection,
                who=who,
                label=label,
                replace_overlapping=replace_overlapping,
                confirm_shared=confirm_shared,
            )
    except ImportFailed as failure:
        if isinstance(checked := getattr(failure, "report", None), Report):
            return checked
        problems = failure.problems
    except store_faults.STORE_ERRORS as error:  # e.g. the disk filled up at COMMIT: the transaction was rolled back
        problems = [_store_fault_problem(file_name, "", error)]
    single = next(iter(tables)) if len(tables) == 1 else ""
    return Report(kind=label or single, file_name=file_name, sha256=sha256, problems=problems, replace_overlapping=replace_overlapping)


def import_file(
    engine: Engine,
    data: bytes,
    *,
    file_name: str,
    kind: str,
    sheet: str | None = None,
    apply: bool = False,
    who: str = "",
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """Check a file (and, with `apply`, write it in one transaction); problems come back in the report, never as an exception.

    `replace_overlapping` is the person's confirmation that records in the store whose periods the file's rows
    overlap are to be replaced (deleted, and the file's rows added); without it they are problems.
    `confirm_shared` is the confirmation that an organisation other areas use may be changed.
    """
    name = Path(file_name or "upload").name
    return import_tables(
        engine,
        _file_tables(data, name, kind, sheet),
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        apply=apply,
        who=who,
        replace_overlapping=replace_overlapping,
        confirm_shared=confirm_shared,
    )


def _store_fault_problem(file_name: str, sheet: str, error: BaseException) -> Problem:
    """A fault of the store while applying a file, in the store's words: the file is not blamed."""
    fault = store_faults.describe(error)
    return Problem(file_name, 0, "", "", f"{STORE_FAULT}{fault.message()}", sheet)


# --- showing a report -----------------------------------------------------------------------------


def _column_of(field_name: str, model: type[SQLModel]) -> str:
    if model in PERIOD_MODELS and field_name in PERIOD_FIELDS:
        return "period"
    if field_name in _PRECISION_OF:
        return _PRECISION_OF[field_name]
    return field_name.removesuffix("_pence")


def _shown(model: type[SQLModel], values: dict[str, Any]) -> dict[str, str]:
    """A record's values as the file's columns, written the house way (£1,037,415; 31/03/2019; 2016/17)."""
    shown: dict[str, str] = {}
    for column in columns_of(model):
        if column == "period":
            year, quarter = values.get("financial_year"), values.get("quarter")
            if model is Observation and values.get("period_start"):
                shown[column] = Period(values["period_start"], values["period_end"], year, quarter).label
            elif year is not None:
                shown[column] = quarter_label(year, quarter) if quarter else fy_label(year)
            else:
                shown[column] = "not published"
            continue
        name = f"{column}_pence" if f"{column}_pence" in values else column
        value = values.get(name)
        precision = next((values.get(p, DatePrecision.DAY) for p, d in _PRECISION_OF.items() if d == column), DatePrecision.DAY)
        if name.endswith("_pence"):
            shown[column] = format_money(value)
        elif value is None:
            shown[column] = "" if column == "id" or column.endswith("_id") else "not published"
        elif name in YEAR_COLUMNS:
            shown[column] = fy_label(value)
        elif isinstance(value, bool):
            shown[column] = "yes" if value else "no"
        elif isinstance(value, date):
            shown[column] = {DatePrecision.YEAR: f"{value.year}", DatePrecision.MONTH: value.strftime("%B %Y")}.get(
                precision, value.strftime("%d/%m/%Y")
            )
        elif isinstance(value, float):
            shown[column] = f"{value:g}" if value != int(value) else f"{int(value)}"
        else:
            shown[column] = str(value)
    return shown


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table: file, sheet, row, cell, column, value, rule."""
    return pd.DataFrame(
        [
            {
                "File": p.file,
                "Sheet": p.sheet,
                "Row": str(p.row) if p.row else "whole file",
                "Cell": p.cell,
                "Column": p.column,
                "Value": p.value,
                "Rule": p.rule,
            }
            for p in problems
        ],
        columns=["File", "Sheet", "Row", "Cell", "Column", "Value", "Rule"],
    )


def report_csv(problems: list[Problem]) -> bytes:
    """The problems as a CSV file to download (UTF-8 with a BOM so Excel shows £), formulas defused."""
    frame = problems_frame(problems)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(str(c)) for c in frame.columns])
    writer.writerows([[escape_formula(str(v)) for v in row] for row in frame.itertuples(index=False)])
    return buffer.getvalue().encode("utf-8-sig")


def kinds_changed(report: Report) -> list[str]:
    """The kinds of record a report's changes touch, in load order."""
    touched = {c.kind for c in report.changes}
    return [kind for kind in KINDS if kind in touched]


def _of(report: Report, action: str, kind: str | None) -> list[Change]:
    return [c for c in report.of(action) if c.kind == (kind or report.kind)]


def added_frame(report: Report, kind: str | None = None) -> pd.DataFrame:
    """The records of one kind (the report's, by default) the import would add, with the spreadsheet row each comes from."""
    kind = kind or report.kind
    model = KINDS[kind]
    columns = ["Row", *file_columns(kind)]
    return pd.DataFrame([{"Row": c.row, **_shown(model, c.values)} for c in _of(report, "insert", kind)], columns=columns)


def changed_frame(report: Report, kind: str | None = None) -> pd.DataFrame:
    """One line per changed value of one kind of record: row, record, column, before -> after."""
    kind = kind or report.kind
    model = KINDS[kind]
    lines = []
    for change in _of(report, "update", kind):
        old = _shown(model, {**change.values, **change.before})
        new = _shown(model, change.values)
        for column in dict.fromkeys(_column_of(n, model) for n in change.after):
            lines.append({"Row": change.row, "Record": change.key, "Column": column, "Before": old[column], "After": new[column]})
    return pd.DataFrame(lines, columns=["Row", "Record", "Column", "Before", "After"])


def replaced_frame(report: Report, kind: str | None = None) -> pd.DataFrame:
    """The records in the store that confirming would delete, with the row of the file that overlaps each."""
    kind = kind or report.kind
    model = KINDS[kind]
    period = "period" if "period" in file_columns(kind) else "financial_year"
    return pd.DataFrame(
        [
            {"Row": c.row, "Record": c.key, "Period": _shown(model, c.values)[period], "Amount": _shown(model, c.values)["amount"]}
            for c in _of(report, "delete", kind)
        ],
        columns=["Row", "Record", "Period", "Amount"],
    )


def unchanged_frame(report: Report, kind: str | None = None) -> pd.DataFrame:
    """The records already in the store exactly as the import has them."""
    changes = report.of("unchanged") if kind is None and report.kind not in KINDS else _of(report, "unchanged", kind)
    return pd.DataFrame([{"Row": c.row, "Record": c.key} for c in changes], columns=["Row", "Record"])


def previous_import_text(report: Report) -> str:
    """'This file was imported on 22/11/2026 at 14:05 by a@b.org', or '' when it is new."""
    previous = report.previous_import
    if not previous:
        return ""
    when = previous["imported_at"]
    if isinstance(when, datetime):
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(ZoneInfo("Europe/London"))
    when_text = when.strftime("%d/%m/%Y at %H:%M (UK time)") if isinstance(when, datetime) else str(when)
    return f"This exact file (SHA-256 {report.sha256[:12]}…) was imported on {when_text} by {previous['imported_by']}."


def format_report(report: Report) -> str:
    """The report as plain text, for the command line."""
    where = f"{report.file_name}" + (f", sheet '{report.sheet}'" if report.sheet else "")
    lines = [f"{where} ({report.kind}); SHA-256 {report.sha256}"]
    if report.previous_import:
        lines.append(previous_import_text(report))
    for p in report.problems:
        place = f"row {p.row}" if p.row else "whole file"
        cell = f" ({p.cell})" if p.cell else ""
        lines.append(f"PROBLEM {place}{cell} {p.column}: '{p.value}' {p.rule}" if p.column or p.value else f"PROBLEM {place}: {p.rule}")
    for p in report.notes:
        lines.append(f"NOTE {'row ' + str(p.row) if p.row else 'whole file'}: {p.rule}")
    if report.replaceable:
        lines.append(f"To replace them instead, run again with --replace-overlapping. {report.replace_text}.")
    if report.shared_to_confirm:
        lines.append("To change organisations other areas use, run again with --confirm-shared.")
    if report.ok:
        several = len(kinds_changed(report)) > 1
        for change in report.of("delete"):
            lines.append(f"REPLACE row {change.row}: {f'{change.kind} ' if several else ''}{change.key} deleted")
        for change in report.of("insert"):
            lines.append(f"ADD row {change.row}: {f'{change.kind} ' if several else ''}{change.key}")
        for kind in kinds_changed(report):
            for line in changed_frame(report, kind).itertuples(index=False):
                lines.append(f"CHANGE row {line.Row}: {line.Record} {line.Column}: {line.Before} -> {line.After}")
    lines.append(report.summary)
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, engine: Engine | None = None) -> int:
    """The command line: check (and with --apply, import) one file. Exit 0 when clean, 1 on problems, 2 when unreadable."""
    try:
        default_who = f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no user name in some containers
        default_who = "command line"
    parser = argparse.ArgumentParser(prog="python -m data_access.importing", description="Check, preview and import one file of records.")
    from data_access.mapping import HOLDS  # a sheet with its own headings (data_access.mapping)
    from data_access.open_data import FORMATS  # OCDS and 360Giving files (data_access.open_data)

    parser.add_argument(
        "--kind",
        required=True,
        choices=[*KINDS, *HOLDS, *FORMATS],
        help=(
            "the kind of record, as named in sample_data/README.md; contracts, grants or performance for a sheet with its own "
            "headings; or ocds or 360giving for an open-data file"
        ),
    )
    parser.add_argument("--area", help="with contracts, grants, performance, ocds or 360giving: the id of the area the file is for")
    parser.add_argument("--map", action="append", metavar="THEIRS=OURS", help="with contracts, grants or performance: map a column")
    parser.add_argument("--file", required=True, type=Path, help="a CSV or .xlsx file")
    parser.add_argument("--sheet", help="the worksheet to read from an .xlsx file (default: the only, or the first)")
    parser.add_argument("--apply", action="store_true", help="write the changes (default: only check and preview)")
    parser.add_argument("--who", default=default_who, help="who is importing, for the audit trail")
    parser.add_argument(
        "--confirm-shared",
        action="store_true",
        help="change organisations (providers) that other areas' records use, instead of refusing",
    )
    parser.add_argument(
        "--replace-overlapping",
        action="store_true",
        help="replace (delete) records in the store whose periods this file's spend or budget rows overlap, instead of refusing",
    )
    args = parser.parse_args(argv)
    if args.kind in FORMATS:  # open data: read into tables of several kinds (data_access.open_data)
        if not args.area:
            parser.error(f"--kind {args.kind} needs --area: the id of the area the file is for")
        from data_access.db import open_store
        from data_access.open_data import main_import

        return main_import(
            engine=engine or open_store(),
            file=args.file,
            kind=args.kind,
            area_id=args.area,
            apply=args.apply,
            who=args.who,
            confirm_shared=args.confirm_shared,
        )
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"Cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    if engine is None:
        from data_access.db import open_store

        engine = open_store()
    if args.kind in HOLDS:
        from data_access.mapping import command_line

        return command_line(args, data, engine)
    report = import_file(
        engine,
        data,
        file_name=args.file.name,
        kind=args.kind,
        sheet=args.sheet,
        apply=args.apply,
        who=args.who,
        replace_overlapping=args.replace_overlapping,
        confirm_shared=args.confirm_shared,
    )
    print(format_report(report))
    if args.apply and report.ok:
        print("Applied." if report.applied else "Nothing to change: the store already matches this file.")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
