"""Back up the whole store to a folder of CSV files, and load such a folder into an empty store.

The figures are written in exactly the import format of `sample_data/` (see its README), so the
folder is also readable, checkable and loadable by `data_access.loading`: money as plain pounds
(1037415.00), financial years as 2016/17, periods as Q1 2017/18, 2017/18 or start..end, partial dates
with their precision (2018-03), yes/no, visibility and basis kept. The import records and the audit
trail, which the import format has no file for, go in `import_records.csv` and `audit_entries.csv`,
and `manifest.json` lists every file with its row count and SHA-256.

A backup must restore exactly, so:
- the export reads every row in one transaction, and then reads its own files back with the loader
  and compares them with the store, refusing (BackupError) rather than writing a backup that would
  restore different values;
- text is written as it is: unlike the open-data exports, no apostrophe is put before text starting
  with = + - @ (a backup is for loading back, not for opening in a spreadsheet);
- a backup loads only into an empty store, in one transaction, and is checked against its manifest.

Command line (the store is DATABASE_URL, as for the app):

    python -m data_access.backup export DIR
    python -m data_access.backup load DIR
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlmodel import SQLModel

from data_access.loading import FILES, ImportFailed, load_folder, read_folder
from data_access.models import Agreement, AuditEntry, DatePrecision, ImportRecord, Source, table_name, table_of
from data_access.periods import fy_label, quarter_label

MANIFEST = "manifest.json"
FORMAT_VERSION = 1

# The columns of each import file, in sample_data/'s order.
HEADERS: dict[str, list[str]] = {
    "sources.csv": ["id", "title", "publisher", "published", "file", "url", "figures_as_at", "as_at_note", "kind"],
    "areas.csv": ["id", "name", "office"],
    "plans.csv": ["id", "area_id", "title", "first_year", "last_year", "source_id", "source_section", "basis", "basis_note"],
    "priorities.csv": ["id", "plan_id", "position", "name", "description", "source_id", "source_section", "basis", "basis_note"],
    "providers.csv": ["id", "name", "charity_number", "company_number", "source_id", "source_section", "basis", "basis_note"],
    "funding_streams.csv": [
        "id",
        "area_id",
        "name",
        "funder",
        "cap_per_award",
        "source_id",
        "source_section",
        "basis",
        "basis_note",
        "stated_awards_total",
    ],
    "agreements.csv": [
        "id",
        "area_id",
        "title",
        "kind",
        "provider_id",
        "funding_stream_id",
        "procurement_route",
        "number_of_tenderers",
        "start_date",
        "original_end_date",
        "current_end_date",
        "latest_end_date",
        "extension_options_available",
        "extension_options_used",
        "annual_value",
        "total_value",
        "status",
        "purpose",
        "illustrative_fields",
        "visibility",
        "source_id",
        "source_section",
        "basis",
        "basis_note",
        "value_qualifier",
        "value_part_of_id",
    ],
    "amendments.csv": [
        "id",
        "agreement_id",
        "kind",
        "agreed_on",
        "previous_end_date",
        "new_end_date",
        "value_change",
        "rationale",
        "visibility",
        "source_id",
        "source_section",
        "basis",
        "basis_note",
    ],
    "milestones.csv": ["id", "agreement_id", "on", "kind", "title", "visibility", "source_id", "source_section", "basis", "basis_note"],
    "agreement_priorities.csv": ["agreement_id", "priority_id", "share_percent", "source_id", "source_section", "basis", "basis_note"],
    "budgets.csv": [
        "id",
        "area_id",
        "financial_year",
        "funding_stream_id",
        "priority_id",
        "amount",
        "description",
        "visibility",
        "source_id",
        "source_section",
        "basis",
        "basis_note",
        "last_financial_year",
        "apportionment",
        "qualifier",
        "part_of_id",
    ],
    "spend.csv": [
        "id",
        "area_id",
        "period",
        "funding_stream_id",
        "agreement_id",
        "priority_id",
        "amount",
        "is_credit",
        "description",
        "visibility",
        "source_id",
        "source_section",
        "basis",
        "basis_note",
        "qualifier",
        "part_of_id",
    ],
    "measures.csv": ["id", "name", "unit", "higher_is_better", "counts_people", "description"],
    "observations.csv": [
        "id",
        "measure_id",
        "area_id",
        "agreement_id",
        "period",
        "value",
        "value_statement",
        "target",
        "target_basis",
        "dimension",
        "dimension_value",
        "visibility",
        "source_id",
        "source_section",
        "basis",
        "basis_note",
    ],
}
# The tables the import format has no file for.
EXTRA_FILES: list[tuple[str, type[SQLModel]]] = [("import_records.csv", ImportRecord), ("audit_entries.csv", AuditEntry)]
# Dates that may be partial: (model, field) -> the field holding its precision (day, month or year).
_PARTIAL: dict[tuple[type[SQLModel], str], str] = {
    (Source, "published"): "published_precision",
    (Agreement, "start_date"): "start_precision",
    (Agreement, "current_end_date"): "end_precision",
}
_YEARS = {"first_year", "last_year", "financial_year", "last_financial_year"}


class BackupError(Exception):
    """A backup that cannot be written or loaded; the message says what and where."""


# --- values to text --------------------------------------------------------------------------


def money_text(pence: int | None) -> str:
    """Whole pence -> plain pounds, '1037415.00' or '-1234.50'; None -> blank."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def partial_date_text(day: date | None, precision: str) -> str:
    """A date written to its precision: '2018-03-31', '2018-03' or '2018'."""
    if day is None:
        return ""
    texts: dict[str, str] = {
        DatePrecision.DAY: day.isoformat(),
        DatePrecision.MONTH: day.strftime("%Y-%m"),
        DatePrecision.YEAR: f"{day.year:04d}",
    }
    return texts[precision]


def period_text(row: dict[str, Any]) -> str:
    """A spend or observation row's period: 'Q1 2017/18', '2017/18' or '2016-04-01..2017-11-30'."""
    year, quarter = row.get("financial_year"), row.get("quarter")
    if year is not None and quarter is not None:
        return quarter_label(year, quarter)
    if year is not None:
        return fy_label(year)
    return f"{row['period_start'].isoformat()}..{row['period_end'].isoformat()}"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_row(file_name: str, model: type[SQLModel], row: dict[str, Any]) -> list[str]:
    """One store row as the import file writes it."""
    out = []
    for column in HEADERS[file_name]:
        if column == "period":
            out.append(period_text(row))
        elif f"{column}_pence" in row:
            out.append(money_text(row[f"{column}_pence"]))
        elif column in _YEARS:
            out.append(fy_label(row[column]) if row[column] is not None else "")
        elif (model, column) in _PARTIAL:
            out.append(partial_date_text(row[column], row[_PARTIAL[(model, column)]]))
        else:
            out.append(_plain(row[column]))
    return out


# --- export ----------------------------------------------------------------------------------


def _ordered_rows(connection: Connection, model: type[SQLModel]) -> list[dict[str, Any]]:
    table = table_of(model)
    # A part ("of which") refers to its whole, which a file must list first: wholes, then parts.
    part_of = [c for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    result = connection.execute(select(table).order_by(*(c.is_not(None) for c in part_of), *table.primary_key.columns))
    return [dict(r._mapping) for r in result]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, header: list[str], rows: Iterable[list[str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _extra_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else _plain(value)


def export_store(engine: Engine, folder: Path) -> dict[str, int]:
    """Write every table of the store to `folder` (created if need be; it must hold no backup already).

    Returns rows written per file. Raises BackupError if the files would not load back to the same rows.
    """
    folder = Path(folder)
    existing = [name for name in [*HEADERS, *(f for f, _ in EXTRA_FILES), MANIFEST] if (folder / name).exists()]
    if existing:
        raise BackupError(f"{folder} already holds a backup ({', '.join(existing)}): choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    store: dict[str, list[dict[str, Any]]] = {}
    connection_options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**connection_options) as connection, connection.begin():
        # One transaction: every file describes the same moment, even while someone imports.
        for file_name, model in FILES:
            rows = _ordered_rows(connection, model)
            store[table_name(model)] = rows
            counts[file_name] = _write(folder / file_name, HEADERS[file_name], (_csv_row(file_name, model, r) for r in rows))
        for file_name, model in EXTRA_FILES:
            columns = list(table_of(model).columns.keys())
            rows = _ordered_rows(connection, model)
            store[table_name(model)] = rows
            counts[file_name] = _write(folder / file_name, columns, ([_extra_text(r[c]) for c in columns] for r in rows))
    _check_export(folder, store)
    manifest = {
        "format_version": FORMAT_VERSION,
        "written_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "files": {name: {"rows": rows, "sha256": _sha256(folder / name)} for name, rows in counts.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def _check_export(folder: Path, store: dict[str, list[dict[str, Any]]]) -> None:
    """Read the written files back as the loader will, and compare them with the store's rows."""
    records, problems = read_folder(folder)
    if problems:
        first = problems[0]
        raise BackupError(
            f"the backup would not load: {first.file} row {first.row}, column {first.column} ('{first.value}'): {first.rule}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
        )
    read_back: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        table = table_of(type(record))
        read_back.setdefault(table.name, []).append({c: getattr(record, c) for c in table.columns.keys()})  # noqa: SIM118 (a Column collection iterates columns, not names)
    for file_name, model in FILES:
        table = table_of(model)
        key_columns = [c.name for c in table.primary_key.columns]
        written = {tuple(r[k] for k in key_columns): r for r in read_back.get(table.name, [])}
        for row in store[table.name]:
            key = tuple(row[k] for k in key_columns)
            again = written.pop(key, None)
            if again is None:
                raise BackupError(f"{file_name}: the row {key} was not written")
            for column, value in row.items():
                if again.get(column) != value:
                    raise BackupError(
                        f"{file_name}: row {', '.join(map(str, key))}, column {column} holds {value!r}, "
                        f"which the import format would load back as {again.get(column)!r}"
                    )
        if written:
            raise BackupError(f"{file_name}: rows not in the store were written: {sorted(written)}")
    for file_name, model in EXTRA_FILES:
        extra = _read_extra(folder / file_name, model)
        if extra != store[table_name(model)]:
            raise BackupError(f"{file_name} does not read back as written")


# --- load ------------------------------------------------------------------------------------


_PARSERS: dict[str, Callable[[str], Any]] = {
    "INTEGER": int,
    "BIGINT": int,
    "DATETIME": datetime.fromisoformat,
    "TIMESTAMP": datetime.fromisoformat,
}


def _read_extra(path: Path, model: type[SQLModel]) -> list[dict[str, Any]]:
    """Rows of `import_records.csv` or `audit_entries.csv`, typed as the table holds them."""
    table = table_of(model)
    columns = list(table.columns.keys())
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise BackupError(f"{path.name}: the header must be {','.join(columns)}, not {','.join(reader.fieldnames or [])}")
        rows = []
        for line, raw in enumerate(reader, start=2):
            row = {}
            for column in columns:
                value = raw[column]
                type_name = type(table.columns[column].type).__name__.upper()
                kind = "DATETIME" if "DATETIME" in type_name else type_name
                try:
                    row[column] = _PARSERS.get(kind, str)(value)
                except ValueError:
                    raise BackupError(f"{path.name} row {line}, column {column}: '{value}' is not valid here") from None
            rows.append(row)
    return rows


def _check_manifest(folder: Path) -> None:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a backup written by this program")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise BackupError(f"{path} cannot be read: the backup is damaged") from None
    for name, expected in files.items():
        file_path = folder / name
        if not file_path.exists():
            raise BackupError(f"{name} is missing from the backup")
        if _sha256(file_path) != expected.get("sha256"):
            raise BackupError(f"{name} has changed since the backup was written (its SHA-256 differs from {MANIFEST})")


def is_store_empty(connection: Connection) -> bool:
    """True when no table of the store holds a row."""
    return all(connection.execute(select(func.count()).select_from(t)).scalar_one() == 0 for t in SQLModel.metadata.sorted_tables)


def load_backup(engine: Engine, folder: Path) -> dict[str, int]:
    """Load a backup folder into an empty store, all in one transaction; returns rows loaded per table."""
    folder = Path(folder)
    _check_manifest(folder)
    extras = {table_name(model): _read_extra(folder / file_name, model) for file_name, model in EXTRA_FILES}
    with engine.begin() as connection:
        if not is_store_empty(connection):
            raise BackupError("the store is not empty: a backup loads only into an empty store (a new database)")
        try:
            load_folder(folder, connection=connection)
        except ImportFailed as error:
            first = error.problems[0]
            raise BackupError(f"the backup does not load: {first.file} row {first.row}, column {first.column}: {first.rule}") from None
        # The backup's own trail replaces anything the loader recorded about this restore, so the content is the original's.
        for _, model in reversed(EXTRA_FILES):
            connection.execute(table_of(model).delete())
            if extras[table_name(model)]:
                connection.execute(insert(table_of(model)), extras[table_name(model)])
        if engine.dialect.name == "postgresql":
            # Rows were given their ids: move the id sequence past them, or the next import would collide.
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('audit_entry', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM audit_entry"
                )
            )
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """`export DIR` or `load DIR` against DATABASE_URL (or --database-url); a plain message, never a traceback, on failure."""
    from data_access.db import make_engine, migrate
    from data_access.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m data_access.backup", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["export", "load"], help="export: write the store to DIR; load: fill an empty store from DIR")
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument("--database-url", default=None, help="the store (default: DATABASE_URL, else the app's SQLite file)")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url or get_settings().database_url)
    try:
        migrate(engine)
        if args.action == "export":
            counts = export_store(engine, args.folder)
            print(f"Wrote {sum(counts.values())} rows in {len(counts)} files to {args.folder}")
        else:
            counts = load_backup(engine, args.folder)
            print(f"Loaded {sum(counts.values())} rows into {len(counts)} tables from {args.folder}")
    except (BackupError, OSError) as error:
        print(f"Backup {args.action} failed: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
