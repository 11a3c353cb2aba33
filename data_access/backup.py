"""Back up the whole store to a folder of CSV files, and load such a folder into an empty store.

The figures are written in exactly the import format of `sample_data/` (see its README), so the
folder is also readable, checkable and loadable by `data_access.loading`: money as plain pounds
(1037415.00), financial years as 2016/17, periods as Q1 2017/18, 2017/18 or start..end, partial dates
with their precision (2018-03), yes/no, visibility and basis kept. The import records, the audit
trail and the remembered column mappings, which the import format has no file for, go in
`import_records.csv`, `audit_entries.csv` and `column_mappings.csv`, and `manifest.json` lists every
file with its row count and SHA-256. A table of more than PART_ROWS rows (the most the importer reads
from one file) is written in parts: spend.csv, spend.part2.csv, ...

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
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, select, text
from sqlmodel import SQLModel

from data_access import store_version
from data_access.loading import (
    FILES,
    MAX_ROWS,
    PARTIAL_DATES,
    YEAR_COLUMNS,
    Problem,
    check_csv_parts,
    check_table,
    columns_of,
    read_csv_bytes,
)
from data_access.models import AgreementPriority, AuditEntry, DatePrecision, ImportRecord, SavedMapping, table_name, table_of
from data_access.periods import fy_label, quarter_label
from data_access.settings import SAMPLE_DATA_DIR

MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: a table of more than PART_ROWS rows is written in parts (spend.csv, spend.part2.csv, ...)
PART_ROWS = MAX_ROWS  # a part holds no more rows than the importer reads from one file


def _columns(file_name: str, model: type[SQLModel]) -> list[str]:
    """The loader's columns for a file, in sample_data/'s order, then any the sample file does not have yet."""
    with (SAMPLE_DATA_DIR / file_name).open(newline="", encoding="utf-8-sig") as handle:
        sample_order = next(csv.reader(handle))
    columns = columns_of(model)
    return [c for c in sample_order if c in columns] + [c for c in columns if c not in sample_order]


# The columns of each import file: the loader's, so a column added to a model is backed up without an edit here.
HEADERS: dict[str, list[str]] = {file_name: _columns(file_name, model) for file_name, model in FILES}
# The tables the import format has no file for.
EXTRA_FILES: list[tuple[str, type[SQLModel]]] = [
    ("import_records.csv", ImportRecord),
    ("audit_entries.csv", AuditEntry),
    ("column_mappings.csv", SavedMapping),  # spreadsheet headings as people confirmed them (data_access.mapping)
]
# Dates that may be partial: (model, field) -> the field holding its precision (day, month or year), as the loader has them.
_PARTIAL: dict[tuple[type[SQLModel], str], str] = {key: precision for key, (precision, _) in PARTIAL_DATES.items()}


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
        elif column in YEAR_COLUMNS:
            out.append(fy_label(row[column]) if row[column] is not None else "")
        elif (model, column) in _PARTIAL:
            out.append(partial_date_text(row[column], row[_PARTIAL[(model, column)]]))
        else:
            out.append(_plain(row[column]))
    return out


# --- export ----------------------------------------------------------------------------------


def _parts(connection: Connection, model: type[SQLModel]) -> Iterator[list[dict[str, Any]]]:
    """A table's rows in key order (wholes before their parts), PART_ROWS at a time, streamed from the database; at least
    one (maybe empty) part."""
    table = table_of(model)
    # A part ("of which") refers to its whole, which the loader must meet first: wholes, then parts.
    part_of = [c for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    result = connection.execution_options(stream_results=True, yield_per=PART_ROWS).execute(
        select(table).order_by(*(c.is_not(None) for c in part_of), *table.primary_key.columns)
    )
    empty = True
    for partition in result.mappings().partitions(PART_ROWS):
        empty = False
        yield [dict(row) for row in partition]
    if empty:
        yield []


def part_name(file_name: str, part: int) -> str:
    """The file holding part `part` (from 1) of a table: spend.csv, then spend.part2.csv, spend.part3.csv, ..."""
    return file_name if part == 1 else f"{Path(file_name).stem}.part{part}.csv"


def _part_number(file_name: str, name: str) -> int | None:
    """`part_name`'s inverse: 2 for ('spend.csv', 'spend.part2.csv'), None when `name` is no part of `file_name`."""
    if name == file_name:
        return 1
    match = re.fullmatch(re.escape(Path(file_name).stem) + r"\.part([1-9]\d*)\.csv", name)
    return int(match[1]) if match and int(match[1]) > 1 else None


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:  # read a block at a time, not the whole file at once
        return hashlib.file_digest(handle, "sha256").hexdigest()


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

    A table of more than PART_ROWS rows is written in parts (`part_name`), each one small enough for the importer,
    and each part is read back as the loader will and compared with the rows it was written from before the next is
    read, so memory stays flat however large the store. Returns rows written per file. Raises BackupError if the
    files would not load back to the same rows.
    """
    folder = Path(folder)
    names = [*HEADERS, *(f for f, _ in EXTRA_FILES), MANIFEST]
    existing = sorted(p.name for p in folder.glob("*") if p.name in names or any(_part_number(n, p.name) for n in names))
    if existing:
        raise BackupError(f"{folder} already holds a backup ({', '.join(existing)}): choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    known: dict[str, set[Any]] = {}  # ids later files may refer to, as the loader collects them
    connection_options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**connection_options) as connection, connection.begin():
        # One transaction: every file describes the same moment, even while someone imports.
        for file_name, model in FILES:
            # An agreement's priority links may fall in two parts: each part's shares are added up with the others'.
            shares = _stored_shares(connection) if model is AgreementPriority else None
            for number, rows in enumerate(_parts(connection, model), start=1):
                path = folder / part_name(file_name, number)
                counts[path.name] = _write(path, HEADERS[file_name], (_csv_row(file_name, model, r) for r in rows))
                _check_part(path, model, rows, known, shares)
            _forget_unreferenced(known, model)
        for file_name, model in EXTRA_FILES:
            columns = list(table_of(model).columns.keys())
            for number, rows in enumerate(_parts(connection, model), start=1):
                path = folder / part_name(file_name, number)
                counts[path.name] = _write(path, columns, ([_extra_text(r[c]) for c in columns] for r in rows))
                if _read_extra(path, model) != rows:
                    raise BackupError(f"{path.name} does not read back as written")
    manifest = {
        "format_version": FORMAT_VERSION,
        "written_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "files": {name: {"rows": rows, "sha256": _sha256(folder / name)} for name, rows in counts.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


# Tables other tables refer to: their ids are kept while loading; the ids of the rest (spend, observations: most of a
# large store) are dropped once their file is read, so memory does not grow with them.
_REFERENCED = {fk.column.table.name for _, model in FILES for column in table_of(model).columns for fk in column.foreign_keys}


def _forget_unreferenced(known: dict[str, set[Any]], model: type[SQLModel]) -> None:
    if table_name(model) not in _REFERENCED:
        known.pop(table_name(model), None)


def _problem_text(problems: list[Problem], verb: str) -> str:
    first = problems[0]
    return f"the backup {verb}: {first.file} row {first.row}, column {first.column} ('{first.value}'): {first.rule}" + (
        f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    )


def _check_part(
    path: Path,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    known: dict[str, set[Any]],
    shares: dict[str, dict[str, int]] | None,
) -> None:
    """Read one written part back as the loader will, and compare it with the store's rows it was written from."""
    checked = check_table(read_csv_bytes(path.read_bytes(), path.name), model, known=known, existing_shares=shares)
    if checked.problems:
        raise BackupError(_problem_text(checked.problems, "would not load"))
    table = table_of(model)
    key_columns = [c.name for c in table.primary_key.columns]
    written = {tuple(r[k] for k in key_columns): r for r in checked.values}
    for row in rows:
        key = tuple(row[k] for k in key_columns)
        again = written.pop(key, None)
        if again is None:
            raise BackupError(f"{path.name}: the row {key} was not written")
        for column, value in row.items():
            if again[column] != value:
                raise BackupError(
                    f"{path.name}: row {', '.join(map(str, key))}, column {column} holds {value!r}, "
                    f"which the import format would load back as {again[column]!r}"
                )
    if written:
        raise BackupError(f"{path.name}: rows not in the store were written: {sorted(written)}")


# --- load ------------------------------------------------------------------------------------


_PARSERS: dict[str, Callable[[str], Any]] = {
    "INTEGER": int,
    "BIGINT": int,
    "DATETIME": datetime.fromisoformat,
    "TIMESTAMP": datetime.fromisoformat,
}


def _read_extra(path: Path, model: type[SQLModel]) -> list[dict[str, Any]]:
    """Rows of one of the EXTRA_FILES, typed as the table holds them."""
    return list(_extra_rows(path, model))


def _extra_rows(path: Path, model: type[SQLModel]) -> Iterator[dict[str, Any]]:
    """`_read_extra`, a row at a time."""
    table = table_of(model)
    columns = list(table.columns.keys())
    parsers: dict[str, Callable[[str], Any]] = {}
    for column in columns:
        type_name = type(table.columns[column].type).__name__.upper()
        parsers[column] = _PARSERS.get("DATETIME" if "DATETIME" in type_name else type_name, str)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise BackupError(f"{path.name}: the header must be {','.join(columns)}, not {','.join(reader.fieldnames or [])}")
        for line, raw in enumerate(reader, start=2):
            row = {}
            for column in columns:
                value = raw[column]
                try:
                    row[column] = parsers[column](value)
                except ValueError:
                    raise BackupError(f"{path.name} row {line}, column {column}: '{value}' is not valid here") from None
            yield row


def _check_manifest(folder: Path) -> dict[str, Any]:
    """The manifest's files (name -> rows, SHA-256), each checked present and unchanged."""
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a backup written by this program")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files: dict[str, Any] = manifest["files"]
        version = int(manifest.get("format_version", 1))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        raise BackupError(f"{path} cannot be read: the backup is damaged") from None
    if version > FORMAT_VERSION:
        raise BackupError(
            f"the backup is in format {version}, newer than this program reads ({FORMAT_VERSION}): load it with a newer version"
        )
    for name, expected in files.items():
        file_path = folder / name
        if not file_path.exists():
            raise BackupError(f"{name} is missing from the backup")
        if _sha256(file_path) != expected.get("sha256"):
            raise BackupError(f"{name} has changed since the backup was written (its SHA-256 differs from {MANIFEST})")
    return files


def _parts_listed(files: dict[str, Any], file_name: str) -> list[str]:
    """The manifest's parts of one table's file, in order."""
    numbered = sorted((number, name) for name in files if (number := _part_number(file_name, name)) is not None)
    return [name for _, name in numbered]


def is_store_empty(connection: Connection) -> bool:
    """True when no table of the store holds a row."""
    return all(connection.execute(select(func.count()).select_from(t)).scalar_one() == 0 for t in SQLModel.metadata.sorted_tables)


def load_backup(engine: Engine, folder: Path) -> dict[str, int]:
    """Load a backup folder into an empty store, all in one transaction; returns rows loaded per table.

    Each part is checked with the loader's rules as it is read, and written a batch of rows at a time straight to the
    database's driver (COPY on PostgreSQL), so memory holds one part's text and one batch of rows however large the
    store. A part with a problem stops the writing; the whole load then rolls back, leaving the store empty."""
    folder = Path(folder)
    files = _check_manifest(folder)
    with engine.begin() as connection:
        if not is_store_empty(connection):
            raise BackupError("the store is not empty: a backup loads only into an empty store (a new database)")
        known: dict[str, set[Any]] = {}
        for position, (file_name, model) in enumerate(FILES):
            table = table_of(model)
            parts = _parts_listed(files, file_name)
            shares = _shares_in(folder, parts) if model is AgreementPriority else None
            # A table only its own rows refer to (spend lines, parts of other lines) need not keep every id in
            # memory while it loads: its earlier parts are in the database already.
            stored = _StoredIds(connection, table) if "id" in table.c and table.name not in _REFERENCED_AFTER[position] else None
            if stored is not None:
                known[table.name] = stored
            for name in parts:
                writer = _Writer(connection, table)
                if stored is not None:
                    stored.start_part(writer)
                checked, batches = check_csv_parts(
                    (folder / name).read_bytes(), name, model, known=known, existing_shares=shares, batch=_BATCH_ROWS
                )
                for rows in batches:
                    writer.write(rows)  # every column of the table, blanks at their defaults
                if checked.problems:  # found after some batches were written: the transaction takes them back
                    raise BackupError(_problem_text(checked.problems, "does not load"))
                writer.finish()
            if table.name not in _REFERENCED_AFTER[position]:
                known.pop(table.name, None)
        for file_name, model in EXTRA_FILES:
            for name in _parts_listed(files, file_name):
                writer = _Writer(connection, table_of(model))
                for rows in _batches(_extra_rows(folder / name, model), _BATCH_ROWS):
                    writer.write(rows)
                writer.finish()
        # Planner statistics for the rows just loaded. Without them PostgreSQL (before autovacuum gets to the tables,
        # or where it is off) guessed one row for the spend self-join behind "of which" and rescanned all 116,500
        # spend lines of the 5-area store for each of 2,300 lines: minutes for the first page, 0.2 s with them. Before
        # the bump, whose sums ahead of time (data_access.summaries) read every line.
        connection.execute(text("ANALYZE"))
        store_version.bump(connection)
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


# The tables the files after each file of FILES refer to: a table's ids are kept while loading only until the last
# file referring to them is read.
_REFERENCED_AFTER: list[set[str]] = [
    {fk.column.table.name for _, model in FILES[position + 1 :] for column in table_of(model).columns for fk in column.foreign_keys}
    for position in range(len(FILES))
]


class _StoredIds(set[Any]):
    """A table's ids as the loader collects them while its parts load, for its rows that refer to others of its own
    (a part of a spend line): those of the part being read in memory, and those of earlier parts, already written,
    looked up in the database when a row refers to one. So memory holds one part's ids, however many parts."""

    def __init__(self, connection: Connection, table: Table) -> None:
        super().__init__()
        self.connection = connection
        self.lookup = select(table.c.id).where(table.c.id == bindparam("id"))
        self.writer: _Writer | None = None

    def start_part(self, writer: _Writer) -> None:
        self.clear()
        self.writer = writer

    def __contains__(self, value: object) -> bool:
        if super().__contains__(value):
            return True
        if self.writer is not None and self.writer.refused is not None:
            # The database refused a row of this part, which fails the load with its reason; PostgreSQL answers no
            # more queries in the transaction, and what this id refers to no longer matters.
            return True
        return self.connection.execute(self.lookup, {"id": value}).first() is not None


def _shares_in(folder: Path, parts: list[str]) -> dict[str, dict[str, int]]:
    """Every part's priority links (agreement -> priority -> share), so an agreement's shares split across two parts
    still add up; a share that is not a whole number is left to the loader's check of its own part to report."""
    shares: dict[str, dict[str, int]] = {}
    for name in parts:
        with (folder / name).open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                share = (row.get("share_percent") or "").strip() or "100"
                if share.isdigit():
                    shares.setdefault(row.get("agreement_id") or "", {})[row.get("priority_id") or ""] = int(share)
    return shares


def _stored_shares(connection: Connection) -> dict[str, dict[str, int]]:
    """The store's priority links (agreement -> priority -> share)."""
    links = table_of(AgreementPriority)
    shares: dict[str, dict[str, int]] = {}
    for agreement_id, priority_id, share in connection.execute(select(links.c.agreement_id, links.c.priority_id, links.c.share_percent)):
        shares.setdefault(agreement_id, {})[priority_id] = share
    return shares


_BATCH_ROWS = 5_000  # rows checked, then written, at a time: enough to make each round trip to the database worth it


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    """Writes one table's rows, a batch at a time, straight to the database's driver: COPY on PostgreSQL, one
    executemany of plain tuples on SQLite. Values go through the same conversions SQLAlchemy would give them (dates as
    SQLite holds them, booleans, UTC times), without building SQLAlchemy's parameters row by row, which cost as much
    as the insert itself.

    A row the database refuses is kept, not raised, so that a problem the checker finds later in the same part is
    reported first, as when every row was checked before any was written; `finish` raises it. Nothing is written after
    it (PostgreSQL refuses any further statement in the transaction), and the load then rolls back."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection, self.table = connection, table
        dialect = connection.dialect
        self.columns = list(table.columns)
        self.names = [c.name for c in self.columns]
        processors = ((n, c.type.dialect_impl(dialect).bind_processor(dialect)) for n, c in enumerate(self.columns))
        self.processors: list[tuple[int, Callable[[Any], Any]]] = [(n, p) for n, p in processors if p is not None]
        quote, self.postgresql = dialect.identifier_preparer.quote, dialect.name == "postgresql"
        columns = ", ".join(quote(n) for n in self.names)
        table_sql = dialect.identifier_preparer.format_table(table)
        self.sql = (
            f"COPY {table_sql} ({columns}) FROM STDIN"
            if self.postgresql
            else f"INSERT INTO {table_sql} ({columns}) VALUES ({', '.join('?' * len(self.names))})"
        )
        self.refused: Exception | None = None

    def _tuples(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        names, processors = self.names, self.processors
        if not processors:
            return [tuple(map(row.__getitem__, names)) for row in rows]
        out = []
        for row in rows:
            values = list(map(row.__getitem__, names))
            for index, process in processors:
                values[index] = process(values[index])
            out.append(tuple(values))
        return out

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.refused is not None or not rows:
            return
        driver = self.connection.dialect.dbapi
        assert driver is not None
        cursor = self.connection.connection.cursor()
        try:
            if self.postgresql:
                with cursor.copy(self.sql) as copy:
                    for values in self._tuples(rows):
                        copy.write_row(values)
            else:
                cursor.executemany(self.sql, self._tuples(rows))
        except driver.IntegrityError as error:
            self.refused = error
        finally:
            cursor.close()

    def finish(self) -> None:
        if self.refused is not None:
            raise BackupError(f"the backup does not load: the database refused a row of {self.table.name} ({self.refused})")


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
