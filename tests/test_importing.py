"""The staff importer with files as OPCC staff really have them: Windows-1252 and UTF-16 CSV, workbooks
with Excel serial dates and company numbers typed as numbers, files with every kind of mistake at
once; the preview, applying in one transaction, the audit trail, importing the same file twice, the
command line; and workbooks built to attack the importer (billion laughs, zip bombs).

Every test that writes gets its own store holding the sample data: a copy of an SQLite file and, when
TEST_DATABASE_URL is set, a PostgreSQL database created from a template on the same server (dropped
afterwards), so the shared `engine` fixture of tests/conftest.py is never changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from data_access import importing, loading
from data_access.db import open_store
from data_access.importing import Change, import_file
from data_access.loading import parse_date, parse_money_text
from data_access.models import Agreement, AgreementPriority, AuditEntry, Budget, ImportRecord, Provider, Source, Spend
from data_access.settings import PROJECT_ROOT, SAMPLE_DATA_DIR
from tests.conftest import BACKENDS, TEST_DATABASE_URL

# --- stores of our own --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite store holding the sample data, copied for each test."""
    path = tmp_path_factory.mktemp("import_template") / "template.sqlite3"
    open_store(f"sqlite:///{path}", load_sample_data=True).dispose()
    return path


def _admin() -> Engine:
    return create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database holding the sample data, used as the template of each test's database."""
    name = f"import_template_{os.getpid()}"
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    open_store(url, load_sample_data=True).dispose()
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_copies = iter(range(1_000_000))


def new_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store of our own holding the sample data, on `backend`; removed afterwards."""
    if backend == "sqlite":
        path = tmp_path / f"store{next(_copies)}.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = open_store(f"sqlite:///{path}", load_sample_data=False)
        yield engine
        engine.dispose()
        return
    template = request.getfixturevalue("postgres_template")
    name = f"import_test_{os.getpid()}_{next(_copies)}"
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine = open_store(make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False), load_sample_data=False)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh store holding the sample data, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
    yield from new_store(request.param, request, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One store per backend for the tests that only check files; at the end it must be exactly as it began."""
    for engine in new_store(request.param, request, tmp_path_factory.mktemp("seeded")):
        before = fingerprint(engine)
        yield engine
        assert fingerprint(engine) == before, "checking a file must never write to the store"


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Table -> (row count, SHA-256 of every row in key order): equal fingerprints mean an unchanged store."""
    result = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def count(engine: Engine, model: type[SQLModel]) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


# --- building files as people save them ---------------------------------------------------------


def sample(kind: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a sample file."""
    with (SAMPLE_DATA_DIR / f"{kind}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def sample_row(kind: str, row_id: str, **changes: str) -> dict[str, str]:
    _, rows = sample(kind)
    row = dict(next(r for r in rows if r["id"] == row_id))
    row.update(changes)
    return row


def csv_text(header: list[str], rows: list[dict[str, str] | list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return buffer.getvalue()


def workbook_bytes(sheets: dict[str, list[list[object]]], formats: dict[tuple[str, str], str] | None = None) -> bytes:
    """An .xlsx file with these sheets (name -> rows of cell values); `formats` sets number formats by (sheet, cell)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    for (name, cell), number_format in (formats or {}).items():
        workbook[name][cell].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def new_agreement(**changes: str) -> dict[str, str]:
    """An illustrative Norfolk grant row in the agreements format."""
    row = {
        "id": "nfk-test-victims-grant",
        "area_id": "norfolk",
        "title": "Victims’ services grant – test",
        "kind": "grant",
        "funding_stream_id": "nfk-moj",
        "procurement_route": "not stated",
        "status": "active",
        "visibility": "public",
        "source_id": "norfolk-2016",
        "source_section": "1.9",
        "basis": "illustrative",
        "basis_note": "Test row",
    }
    row.update(changes)
    return row


# --- values as UK files write them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text_", "partial", "at_end", "expected"),
    [
        ("01/02/2025", False, False, (date(2025, 2, 1), "day")),  # day first: 1 February
        ("1/2/2025", False, False, (date(2025, 2, 1), "day")),
        ("31.03.2019", False, False, (date(2019, 3, 31), "day")),
        ("2019-03-31", False, False, (date(2019, 3, 31), "day")),
        ("2019-03-31 00:00:00", False, False, (date(2019, 3, 31), "day")),
        ("31 March 2019", False, False, (date(2019, 3, 31), "day")),
        ("1st Sept 2018", False, False, (date(2018, 9, 1), "day")),
        ("43555", False, False, (date(2019, 3, 31), "day")),  # an Excel serial day number
        ("42461", False, False, (date(2016, 4, 1), "day")),
        ("2018-04", True, False, (date(2018, 4, 1), "month")),
        ("2018-04", True, True, (date(2018, 4, 30), "month")),
        ("March 2018", True, True, (date(2018, 3, 31), "month")),
        ("03/2018", True, False, (date(2018, 3, 1), "month")),
        ("2018", True, True, (date(2018, 12, 31), "year")),
    ],
)
def test_dates_are_read_as_uk_files_write_them(text_: str, partial: bool, at_end: bool, expected: tuple[date, str]) -> None:
    assert parse_date(text_, partial=partial, at_end=at_end) == expected


@pytest.mark.parametrize(
    ("text_", "words"),
    [
        ("02/13/2025", "no month 13: dates are read day first"),  # an American date
        ("31/02/2019", "is not a real date"),
        ("01/02/25", "write the year in full, like 01/02/2025"),
        ("2018-04", "this column needs a day"),
        ("next Tuesday", "is not a date: write it like 31/03/2019"),
    ],
)
def test_a_date_that_cannot_be_read_says_why(text_: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_date(text_)


@pytest.mark.parametrize(
    ("text_", "pence"),
    [
        ("£1,037,415", 103741500),
        ("£1.018m", 101800000),
        ("£360k", 36000000),
        ("1234.5", 123450),
        ("(1,234.50)", -123450),
        ("£\u00a01,234.50", 123450),  # a non-breaking space, as Excel's currency format writes it
        ("GBP 5,000", 500000),
        ("\u2212£20", -2000),  # a Unicode minus sign
    ],
)
def test_money_is_read_as_uk_files_write_it(text_: str, pence: int) -> None:
    assert parse_money_text(text_) == pence


# --- encodings ----------------------------------------------------------------------------------


def test_windows_1252_csv_with_pounds_and_uk_dates(store: Engine) -> None:
    """Excel's 'CSV (Comma delimited)' writes Windows-1252: £ is the single byte 0xA3, – is 0x96."""
    header, _ = sample("agreements")
    row = new_agreement(annual_value="£1,037,415", start_date="01/04/2016", current_end_date="31/03/2017", purpose="MoJ grant: £1,037,415")
    data = csv_text(header, [row]).encode("cp1252")
    assert b"\xa3" in data and b"\x96" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    report = import_file(store, data, file_name="agreements.csv", kind="agreements", apply=True, who="test")
    assert report.problems == []
    assert [n.rule for n in report.notes] == [
        "read as Windows-1252 text (what Excel's 'CSV (Comma delimited)' writes): check that £ signs and accents look right in the preview"
    ]
    with Session(store) as session:
        grant = session.get(Agreement, "nfk-test-victims-grant")
        assert grant.annual_value_pence == 103741500
        assert (grant.start_date, grant.current_end_date) == (date(2016, 4, 1), date(2017, 3, 31))  # 1 April, not 4 January
        assert grant.title == "Victims’ services grant – test"
        assert grant.purpose == "MoJ grant: £1,037,415"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("utf-16-le", "\t", "\ufeff"),  # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated
        ("utf-16-be", ",", "\ufeff"),
        ("utf-8", ",", "\ufeff"),  # Excel's "CSV UTF-8"
        ("utf-8", ",", ""),
    ],
)
def test_the_sample_spend_file_in_every_encoding_changes_nothing(seeded: Engine, encoding: str, delimiter: str, bom: str) -> None:
    header, rows = sample("spend")
    data = (bom + csv_text(header, rows, delimiter)).encode(encoding)
    report = check_file_on(seeded, data, "spend.csv", "spend")
    assert report.problems == [] and report.notes == []
    assert (len(report.of("insert")), len(report.of("update")), len(report.of("unchanged"))) == (0, 0, len(rows))
    assert len(rows) == 18


def test_utf16_without_a_byte_order_mark_is_read_and_said_so(seeded: Engine) -> None:
    header, rows = sample("budgets")
    report = check_file_on(seeded, csv_text(header, rows).encode("utf-16-le"), "budgets.csv", "budgets")
    assert report.problems == []
    assert [n.rule for n in report.notes] == ["read as UTF-16 text without a byte-order mark"]
    assert len(report.of("unchanged")) == 4


def test_bytes_in_no_known_encoding_are_one_clear_problem(seeded: Engine) -> None:
    report = check_file_on(seeded, b"id,name,office\r\nx,\x81\x8d,y\r\n", "areas.csv", "areas")
    assert [(p.row, p.rule) for p in report.problems] == [
        (
            0,
            "is not text in UTF-8, UTF-16 or Windows-1252 (byte 0x81 at position 18): "
            "save it from Excel as 'CSV UTF-8 (Comma delimited)' or as an .xlsx workbook",
        )
    ]


def check_file_on(engine: Engine, data: bytes, name: str, kind: str, sheet: str | None = None) -> importing.Report:
    return import_file(engine, data, file_name=name, kind=kind, sheet=sheet)


# --- workbooks ----------------------------------------------------------------------------------


def test_workbook_with_serial_dates_datetime_cells_and_a_company_number(store: Engine) -> None:
    header, _ = sample("agreements")
    row = new_agreement(annual_value="", current_end_date="")
    cells = [row.get(h, "") or None for h in header]
    cells[header.index("start_date")] = 42461  # a number: Excel's serial day for 1 April 2016, in a General cell
    cells[header.index("current_end_date")] = date(2017, 3, 31)  # a real date cell
    cells[header.index("annual_value")] = 1037415  # a number cell holding pounds
    cells[header.index("extension_options_used")] = 0
    data = workbook_bytes({"Cover": [["Quarterly return"]], "agreements": [header, cells]})
    report = import_file(store, data, file_name="agreements.xlsx", kind="agreements", apply=True, who="test")
    assert report.problems == [] and report.sheet == "agreements"  # the sheet named like the kind, not the first
    with Session(store) as session:
        grant = session.get(Agreement, "nfk-test-victims-grant")
        assert (grant.start_date, grant.current_end_date, grant.annual_value_pence) == (date(2016, 4, 1), date(2017, 3, 31), 103741500)


def test_company_numbers_keep_their_leading_zeros_and_a_lost_zero_is_reported(store: Engine) -> None:
    header, _ = sample("providers")
    base = {"source_id": "norfolk-2016", "source_section": "1.13", "basis": "illustrative"}
    rows = [
        [
            *[
                {"id": "kept", "name": "Text cell Ltd", "company_number": "01234567", "charity_number": "1234567", **base}.get(h)
                for h in header
            ]
        ],
        [*[{"id": "lost", "name": "Number cell Ltd", "company_number": 1234567, "charity_number": 1234567, **base}.get(h) for h in header]],
        [*[{"id": "scottish", "name": "Scottish Ltd", "company_number": "SC123456", **base}.get(h) for h in header]],
    ]
    data = workbook_bytes({"providers": [header, *rows]})
    report = check_file_on(store, data, "providers.xlsx", "providers")
    letter = loading.column_letter(header.index("company_number"))
    assert [(p.row, p.cell, p.column, p.value) for p in report.problems] == [(3, f"{letter}3", "company_number", "1234567")]
    assert report.problems[0].rule.startswith(
        "was stored as a number in the workbook, so its leading zero was lost: company numbers have 8 characters (did you mean 01234567?)"
    )
    # Fixed as the message says: the text cell keeps its zero.
    rows[1][header.index("company_number")] = "01234567"
    report = import_file(store, workbook_bytes({"providers": [header, *rows]}), file_name="providers.xlsx", kind="providers", apply=True)
    assert report.problems == []
    with Session(store) as session:
        assert session.get(Provider, "kept").company_number == "01234567"
        assert session.get(Provider, "lost").company_number == "01234567"
        assert session.get(Provider, "lost").charity_number == "1234567"  # a 7-digit charity number lost nothing
        assert session.get(Provider, "scottish").company_number == "SC123456"


def test_a_csv_company_number_that_lost_its_zero_in_excel_is_reported() -> None:
    table = loading.read_csv_bytes(
        b"id,name,charity_number,company_number,source_id,source_section,basis,basis_note\r\np,P,,1234567,s,1,reported,\r\n",
        "providers.csv",
    )
    checked = loading.check_table(table, Provider, known={"source": {"s"}})
    assert [(p.cell, p.rule.split(":")[0]) for p in checked.problems] == [("D2", "has 7 digits")]


def test_percent_cells_and_formulas_in_a_workbook(seeded: Engine) -> None:
    header, rows = sample("observations")
    shares = [r for r in rows if r["measure_id"] == "perpetrator-referral-share"]
    assert [r["value"] for r in shares] == ["11", "25", "17", "13", "29"]  # West Yorkshire 2018, sources add up to 95%
    cells = [[r.get(h) or None for h in header] for r in shares]
    value = header.index("value")
    cells[0][value] = 0.11  # formatted as a percentage: Excel stores 11% as 0.11
    cells[1][value] = "=0.25*100"  # a formula, not a value
    letter = loading.column_letter(value)
    data = workbook_bytes({"observations": [header, *cells]}, formats={("observations", f"{letter}2"): "0%"})
    report = check_file_on(seeded, data, "observations.xlsx", "observations")
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "value", "=0.25*100")]
    assert "is a spreadsheet formula: the importer reads values only" in report.problems[0].rule
    cells[1][value] = 25
    report = check_file_on(
        seeded, workbook_bytes({"observations": [header, *cells]}, formats={("observations", f"{letter}2"): "0%"}), "o.xlsx", "observations"
    )
    assert report.problems == []
    assert len(report.of("unchanged")) == 5  # 11% read as 11, as the sample has it


def test_choosing_a_sheet(seeded: Engine) -> None:
    header, rows = sample("areas")
    data = workbook_bytes({"Notes": [["Read me"]], "Areas 2025": [header, *[[r[h] for h in header] for r in rows]]})
    first = check_file_on(seeded, data, "areas.xlsx", "areas")
    assert first.sheet == "Notes"
    assert [(n.column, n.rule) for n in first.notes] == [
        ("", "read the first sheet, 'Notes', of 2; choose another if that is wrong"),
        ("office", "optional, not in the file: every row's value is blank: not published"),  # an office is optional
    ]
    assert {p.rule for p in first.problems} >= {"unexpected column; this file takes: id, name, office", "missing column"}
    chosen = check_file_on(seeded, data, "areas.xlsx", "areas", sheet="Areas 2025")
    assert chosen.problems == [] and len(chosen.of("unchanged")) == 3
    missing = check_file_on(seeded, data, "areas.xlsx", "areas", sheet="Areas 2026")
    assert [p.rule for p in missing.problems] == ["the workbook has no sheet called 'Areas 2026'; its sheets are: Notes, Areas 2025"]
    assert importing.sheet_names(data) == ["Notes", "Areas 2025"]


# --- every kind of mistake at once --------------------------------------------------------------


def test_a_file_with_every_kind_of_mistake_reports_every_one(seeded: Engine) -> None:
    header, _ = sample("agreements")
    # Header: 'title' twice, 'basis' missing (purpose is optional now), an extra 'notes' column, an unnamed column with a value in it.
    columns = [h for h in header if h != "basis"] + ["title", "notes", ""]
    col = {name: loading.column_letter(columns.index(name)) for name in columns if name}
    good = new_agreement(id="nfk-ok", start_date="2016-04-01")
    rows = [
        {**good, "id": "nfk-a", "title": '=HYPERLINK("http://evil","click")', "kind": "loan", "start_date": "31/02/2019"},
        {**good, "id": "nfk-b", "annual_value": "£5,00", "provider_id": "no-such-provider", "number_of_tenderers": "three"},
        {},  # a blank row
        {**good, "id": "nfk-c", "original_end_date": "2018-13", "latest_end_date": "01/04/16", "visibility": "secret"},
        {**good, "id": "nfk-d", "start_date": "2019-04-01", "current_end_date": "31/03/2019"},  # ends before it starts
        {**good, "id": "nfk-e", "basis_note": "+44 1603 000000", "source_section": "@risk", "illustrative_fields": "-"},
        {**good, "id": "nfk-f", "annual_value": "(£1,000)"},
        {**good, "id": "nfk-a"},  # the same id again
        {**good, "id": "nfk-g", "status": "Active"},  # capitals are fine: not a mistake
    ]
    lines = [[row.get(h, "") for h in columns[:-1]] + ([""] if i != 1 else ["stray value"]) for i, row in enumerate(rows)]
    lines[2] = [""] * len(columns)
    data = csv_text(columns, lines).encode("utf-8")
    report = check_file_on(seeded, data, "agreements.csv", "agreements")

    expected = {
        (1, "title", f"{loading.column_letter(len(columns) - 3)}1"): "appears more than once in the header (columns C and",
        (1, "notes", f"{loading.column_letter(len(columns) - 2)}1"): "unexpected column",
        (1, "basis", ""): "missing column",
        (2, "title", f"{col['title']}2"): "starts with '=', which a spreadsheet opening this later would run as a formula",
        (2, "kind", f"{col['kind']}2"): "must be one of: contract, grant",
        (2, "start_date", f"{col['start_date']}2"): "is not a real date: day is out of range for month",
        (3, "annual_value", f"{col['annual_value']}3"): "is not an amount of money",
        (3, "provider_id", f"{col['provider_id']}3"): "refers to an unknown provider id",
        (3, "number_of_tenderers", f"{col['number_of_tenderers']}3"): "must be a whole number",
        (
            3,
            f"column {loading.column_letter(len(columns) - 1)}",
            f"{loading.column_letter(len(columns) - 1)}3",
        ): "has a value but no heading",
        (5, "original_end_date", f"{col['original_end_date']}5"): "has no month 13",
        (5, "latest_end_date", f"{col['latest_end_date']}5"): "two-digit year: write the year in full, like 01/04/2016",
        (5, "visibility", f"{col['visibility']}5"): "must be one of: public, panel, restricted",
        (6, "current_end_date", f"{col['current_end_date']}6"): "ends before its start date",
        (7, "basis_note", f"{col['basis_note']}7"): "starts with '+'",
        (7, "source_section", f"{col['source_section']}7"): "starts with '@'",
        (7, "illustrative_fields", f"{col['illustrative_fields']}7"): "starts with '-'",
        (8, "annual_value", f"{col['annual_value']}8"): "must not be negative",
        (9, "id", f"{col['id']}9"): "appears more than once in this file",
    }
    found = {(p.row, p.column, p.cell): p.rule for p in report.problems}
    assert len(found) == len(report.problems)
    assert set(found) == set(expected), set(found) ^ set(expected)
    for key, words in expected.items():
        assert words in found[key], (key, found[key])
    assert all(p.file == "agreements.csv" and p.sheet == "" for p in report.problems)
    # The blank row is said, but does not stop the import.
    assert [(n.row, n.rule) for n in report.notes] == [(4, "blank row: skipped")]
    assert report.changes == []


def test_a_file_with_mistakes_writes_nothing(store: Engine) -> None:
    header, rows = sample("spend")
    rows[0]["amount"] = "£5,00"  # one bad row among 17 good ones, three of them changed
    for row in rows[1:4]:
        row["amount"] = "£1"
    before = fingerprint(store)
    report = import_file(store, csv_text(header, rows).encode(), file_name="spend.csv", kind="spend", apply=True, who="test")
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "amount", "£5,00")]
    assert fingerprint(store) == before


def test_headings_are_matched_without_regard_to_case_or_spaces(seeded: Engine) -> None:
    header, rows = sample("areas")
    shown = ["ID", "Name ", "Office"]
    report = check_file_on(seeded, csv_text(shown, [[r[h] for h in header] for r in rows]).encode(), "areas.csv", "areas")
    assert report.problems == [] and len(report.of("unchanged")) == 3


# --- preview, apply, audit, idempotency ---------------------------------------------------------


def test_preview_shows_what_is_added_changed_with_before_and_after_and_left_alone(seeded: Engine) -> None:
    header, rows = sample("budgets")
    moj = next(r for r in rows if r["id"] == "nfk-2016-moj")
    assert moj["amount"] == "£1,037,415"
    moj["amount"] = "£1,100,000"
    new = dict(moj, id="nfk-2017-moj", financial_year="2017/18", amount="£1.018m", basis="illustrative")
    report = check_file_on(seeded, csv_text(header, [*rows, new]).encode(), "budgets.csv", "budgets")
    assert report.problems == []
    assert report.summary == "1 record(s) to add, 1 to change, 3 left alone."
    changed = importing.changed_frame(report)
    assert changed.to_dict("records") == [
        {"Row": 3, "Record": "nfk-2016-moj", "Column": "amount", "Before": "£1,037,415", "After": "£1,100,000"}
    ]
    added = importing.added_frame(report)
    assert added[["Row", "id", "financial_year", "amount"]].to_dict("records") == [
        {"Row": 6, "id": "nfk-2017-moj", "financial_year": "2017/18", "amount": "£1,018,000"}
    ]
    assert set(importing.unchanged_frame(report)["Record"]) == {
        "nfk-2016-police-grant",
        "dby-2021-community-grants",
        "dby-2025-safer-stronger",
    }
    # A preview writes nothing.
    with Session(seeded) as session:
        assert session.get(Budget, "nfk-2016-moj").amount_pence == 103741500
        assert session.get(Budget, "nfk-2017-moj") is None


def test_applying_writes_every_change_with_an_audit_entry(store: Engine) -> None:
    header, rows = sample("budgets")
    next(r for r in rows if r["id"] == "nfk-2016-moj")["amount"] = "£1,100,000"
    new = sample_row("budgets", "nfk-2016-moj", id="nfk-2017-moj", financial_year="2017/18", basis="illustrative")
    data = csv_text(header, [*rows, new]).encode()
    report = import_file(store, data, file_name="budgets.csv", kind="budgets", apply=True, who="officer@opcc.example")
    assert report.applied and report.summary == "1 record(s) added, 1 changed, 3 left alone."
    with Session(store) as session:
        assert session.get(Budget, "nfk-2016-moj").amount_pence == 110000000
        assert session.get(Budget, "nfk-2017-moj").financial_year == 2017
        entries = {e.action: e for e in session.execute(select(AuditEntry)).scalars()}
        record = session.get(ImportRecord, hashlib.sha256(data).hexdigest())
    assert set(entries) == {"insert", "update"}
    update = entries["update"]
    assert (update.who, update.table_name, update.record_key, update.file_name) == (
        "officer@opcc.example",
        "budget",
        "nfk-2016-moj",
        "budgets.csv",
    )
    assert update.file_sha256 == hashlib.sha256(data).hexdigest()
    assert json.loads(update.before) == {"amount_pence": 103741500}
    assert json.loads(update.after) == {"amount_pence": 110000000}
    insert = entries["insert"]
    assert insert.before == "" and insert.record_key == "nfk-2017-moj"
    assert json.loads(insert.after)["amount_pence"] == 103741500 and json.loads(insert.after)["financial_year"] == 2017
    assert (record.file_name, record.imported_by, record.rows_added, record.rows_changed) == ("budgets.csv", "officer@opcc.example", 1, 1)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(store: Engine) -> None:
    header, rows = sample("spend")
    rows[0]["amount"] = "£350k"
    # The extra row is for the following year: a second 2016/17 figure for the same agreement would overlap the first.
    data = csv_text(header, [*rows, dict(rows[1], id="nfk-2016-idva-extra", period="2017/18")]).encode()
    first = import_file(store, data, file_name="spend.csv", kind="spend", apply=True, who="first")
    assert first.applied and (len(first.of("insert")), len(first.of("update"))) == (1, 1)
    after_first = fingerprint(store)
    assert after_first["audit_entry"][0] == 2 and after_first["import_record"][0] == 1

    second = import_file(store, data, file_name="spend (copy).csv", kind="spend", apply=True, who="second")
    assert not second.applied
    assert second.summary == f"0 record(s) to add, 0 to change, {len(rows) + 1} left alone."
    assert second.previous_import["imported_by"] == "first"
    assert importing.previous_import_text(second).startswith(f"This exact file (SHA-256 {second.sha256[:12]}…) was imported on ")
    assert fingerprint(store) == after_first  # no row, no audit entry, no import record changed


def test_the_same_rows_in_a_different_file_record_the_file_but_no_audit_entry(store: Engine) -> None:
    header, rows = sample("areas")
    report = import_file(store, csv_text(header, rows).encode("utf-8-sig"), file_name="areas.csv", kind="areas", apply=True, who="x")
    assert report.applied and report.summary == "0 record(s) added, 0 changed, 3 left alone."
    assert count(store, AuditEntry) == 0 and count(store, ImportRecord) == 1


def test_reapplying_an_old_file_puts_its_values_back_with_an_audit_trail(store: Engine) -> None:
    header, _ = sample("budgets")
    file_a = csv_text(header, [sample_row("budgets", "nfk-2016-moj", amount="£1")]).encode()
    file_b = csv_text(header, [sample_row("budgets", "nfk-2016-moj", amount="£2")]).encode()
    for data in (file_a, file_b, file_a):
        assert import_file(store, data, file_name="b.csv", kind="budgets", apply=True, who="x").applied
    with Session(store) as session:
        assert session.get(Budget, "nfk-2016-moj").amount_pence == 100
        afters = [json.loads(e.after)["amount_pence"] for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert afters == [100, 200, 100]
    assert count(store, ImportRecord) == 2


def test_a_change_the_database_refuses_rolls_everything_back(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a row pass every check but break a database rule, nothing at all is written."""
    header, rows = sample("budgets")
    rows[0]["amount"] = "£1"
    data = csv_text(header, [*rows, sample_row("budgets", "nfk-2016-moj", id="nfk-new", financial_year="2017/18")]).encode()
    real_compare = importing._compare

    def compare_with_a_bad_row(*args, **kwargs) -> list[Change]:
        changes = real_compare(*args, **kwargs)
        bad = dict(changes[-1].values, id="nfk-negative", amount_pence=-1)
        return [*changes, Change(99, "nfk-negative", "insert", bad, {}, bad, "budgets")]

    monkeypatch.setattr(importing, "_compare", compare_with_a_bad_row)
    before = fingerprint(store)
    report = import_file(store, data, file_name="budgets.csv", kind="budgets", apply=True, who="x")
    assert not report.applied
    assert len(report.problems) == 1 and report.problems[0].rule.startswith("the database refused the changes (")
    assert "nothing was written" in report.problems[0].rule
    assert fingerprint(store) == before


def test_shares_are_checked_with_the_links_already_in_the_store(store: Engine) -> None:
    header, rows = sample("agreement_priorities")
    link = next(r for r in rows if (r["agreement_id"], r["priority_id"]) == ("wy-rj", "wy-victims"))
    assert link["share_percent"] == "50"  # and wy-rj / wy-reoffending holds the other 50
    report = check_file_on(store, csv_text(header, [dict(link, share_percent="40")]).encode(), "ap.csv", "agreement_priorities")
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "share_percent", "90")]
    assert report.problems[0].rule == "the shares of agreement wy-rj with the 1 link(s) already in the store add up to 90, not 100"
    both = [
        dict(link, share_percent="40"),
        dict(next(r for r in rows if r["priority_id"] == "wy-reoffending" and r["agreement_id"] == "wy-rj"), share_percent="60"),
    ]
    report = import_file(store, csv_text(header, both).encode(), file_name="ap.csv", kind="agreement_priorities", apply=True, who="x")
    assert report.applied and [c.key for c in report.of("update")] == ["wy-rj / wy-victims", "wy-rj / wy-reoffending"]
    with Session(store) as session:
        assert session.get(AgreementPriority, ("wy-rj", "wy-victims")).share_percent == 40


def test_a_priority_position_already_taken_in_the_store_is_reported(seeded: Engine) -> None:
    header, rows = sample("priorities")
    taken = rows[0]
    assert (taken["plan_id"], taken["position"]) == ("dby-2021-25", "1")
    report = check_file_on(seeded, csv_text(header, [dict(taken, id="dby21-new", name="New")]).encode(), "p.csv", "priorities")
    assert [(p.row, p.column, p.rule) for p in report.problems] == [
        (2, "position", "plan_id and position must be unique: record dby21-local-policing already has dby-2021-25 / 1")
    ]


def test_a_file_with_only_a_header_has_nothing_to_import(seeded: Engine) -> None:
    report = check_file_on(seeded, b"id,name,office\r\n", "areas.csv", "areas")
    assert [(p.row, p.rule) for p in report.problems] == [(1, "has a header row but no records to import")]
    report = check_file_on(seeded, b"", "areas.csv", "areas")
    assert [p.rule for p in report.problems] == ["is empty: it needs a header row naming the columns, then one row per record"]


def test_an_unknown_kind_is_a_problem_not_an_error(seeded: Engine) -> None:
    report = check_file_on(seeded, b"id\r\nx\r\n", "x.csv", "contracts")
    assert [p.value for p in report.problems] == ["contracts"]
    assert "choose one of: sources, areas" in report.problems[0].rule


# --- templates, the report file, the command line -----------------------------------------------


@pytest.mark.parametrize("kind", list(importing.KINDS))
def test_every_template_is_the_sample_format_and_imports_cleanly(seeded: Engine, kind: str) -> None:
    header, _rows = sample(kind)
    for name, data in ((f"{kind}.csv", importing.template_csv(kind)), (f"{kind}.xlsx", importing.template_xlsx(kind))):
        report = check_file_on(seeded, data, name, kind)
        if kind == "populations":
            # populations.csv ships empty (the seed documents publish no population), so its template is the header
            # alone, which the importer reads and says holds nothing to import.
            assert [p.rule for p in report.problems] == ["has a header row but no records to import"], name
            continue
        assert report.problems == [], (name, report.problems)
        assert (len(report.of("insert")), len(report.of("update")), len(report.of("unchanged"))) == (0, 0, 1), name
    assert importing.template_csv(kind).decode("utf-8-sig").splitlines()[0] == ",".join(header)
    assert sorted(loading.columns_of(importing.KINDS[kind])) == sorted(header)


def test_the_problem_report_downloads_as_csv_with_formulas_defused(seeded: Engine) -> None:
    header, _ = sample("areas")
    report = check_file_on(seeded, csv_text(header, [["=cmd|' /C calc'!A0", "Name", "@SUM(1)"]]).encode(), "areas.csv", "areas")
    downloaded = importing.report_csv(report.problems).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(downloaded)))
    assert rows[0] == ["File", "Sheet", "Row", "Cell", "Column", "Value", "Rule"]
    assert [r[2:6] for r in rows[1:]] == [["2", "A2", "id", "'=cmd|' /C calc'!A0"], ["2", "C2", "office", "'@SUM(1)"]]


def test_command_line_reports_problems_and_exits_non_zero(store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, rows = sample("budgets")
    rows[1]["amount"] = "£5,00"
    path = tmp_path / "budgets.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    assert importing.main(["--kind", "budgets", "--file", str(path), "--apply"], engine=store) == 1
    out = capsys.readouterr().out
    assert "PROBLEM row 3 (F3) amount: '£5,00' is not an amount of money (write it like" in out
    assert "1 problem(s) found: nothing can be imported until every one is fixed." in out
    assert count(store, AuditEntry) == 0


def test_command_line_previews_then_applies(store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, rows = sample("budgets")
    rows[1]["amount"] = "£1,100,000"
    path = tmp_path / "budgets.xlsx"
    path.write_bytes(workbook_bytes({"Sheet1": [header, *[[r[h] for h in header] for r in rows]]}))
    assert importing.main(["--kind", "budgets", "--file", str(path), "--sheet", "Sheet1"], engine=store) == 0
    out = capsys.readouterr().out
    assert "CHANGE row 3: nfk-2016-moj amount: £1,037,415 -> £1,100,000" in out
    assert "0 record(s) to add, 1 to change, 3 left alone." in out
    assert count(store, AuditEntry) == 0
    assert importing.main(["--kind", "budgets", "--file", str(path), "--apply", "--who", "scheduled load"], engine=store) == 0
    assert "Applied." in capsys.readouterr().out
    with Session(store) as session:
        assert session.get(Budget, "nfk-2016-moj").amount_pence == 110000000
        assert session.execute(select(AuditEntry.who)).scalars().all() == ["scheduled load"]
    assert importing.main(["--kind", "budgets", "--file", str(tmp_path / "missing.csv")], engine=store) == 2


def test_command_line_runs_as_a_module(tmp_path: Path) -> None:
    header, rows = sample("areas")
    path = tmp_path / "areas.csv"
    path.write_text(csv_text(header, [*rows, ["=bad", "Bad", "Office"]]), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "LOAD_SAMPLE_DATA": "yes"}
    done = subprocess.run(
        [sys.executable, "-m", "data_access.importing", "--kind", "areas", "--file", str(path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "PROBLEM row 5 (A5) id: '=bad' starts with '='" in done.stdout


# --- files built to attack the importer ---------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "\n".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "\n]>\n"
)


def with_part_replaced(data: bytes, part: str, content: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == part else source.read(item.filename))
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_a_billion_laughs_workbook_is_refused(seeded: Engine, part: str) -> None:
    header, rows = sample("areas")
    data = workbook_bytes({"areas": [header, [rows[0][h] for h in header]]})
    original = zipfile.ZipFile(io.BytesIO(data)).read(part).decode()
    body = re.sub(r"^<\?xml[^>]*\?>", "", original)
    bomb = BILLION_LAUGHS + body.replace(rows[0]["name"], "&lol9;", 1)
    attacked = with_part_replaced(data, part, bomb.encode())
    report = check_file_on(seeded, attacked, "areas.xlsx", "areas")
    assert [p.rule for p in report.problems] == ["contains XML that is not allowed in a workbook (EntitiesForbidden): refused as unsafe"]


def test_a_zip_bomb_is_refused_before_it_is_opened(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("a zip bomb must be refused before openpyxl opens it")

    header, rows = sample("areas")
    data = workbook_bytes({"areas": [header, [rows[0][h] for h in header]]})
    bomb = with_part_replaced(data, "xl/worksheets/sheet1.xml", b" " * (5 * 1024 * 1024))  # 5 MB of spaces compress to about 5 kB
    assert len(bomb) < 20_000
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    report = check_file_on(seeded, bomb, "areas.xlsx", "areas")
    assert len(report.problems) == 1
    assert report.problems[0].rule.startswith("has a part (xl/worksheets/sheet1.xml) compressed ")
    assert report.problems[0].rule.endswith("to 1, far more than a real workbook: refused as unsafe (a 'zip bomb')")
    monkeypatch.setattr(loading, "MAX_UNCOMPRESSED_BYTES", 1024)
    rule = check_file_on(seeded, data, "areas.xlsx", "areas").problems[0].rule
    assert rule.startswith("would unpack to ") and rule.endswith(" kB, more than the 1.0 kB allowed: refused as unsafe")


def test_limits_on_size_rows_and_columns(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    too_big = b"id,name,office\r\n" + b"x" * loading.MAX_FILE_BYTES
    assert [p.rule for p in check_file_on(seeded, too_big, "areas.csv", "areas").problems] == [
        "is 10.0 MB, more than the 10.0 MB allowed: split it into smaller files"
    ]
    monkeypatch.setattr(loading, "MAX_ROWS", 2)
    header, rows = sample("areas")
    report = check_file_on(seeded, csv_text(header, rows).encode(), "areas.csv", "areas")
    assert [(p.row, p.rule) for p in report.problems] == [(4, "the file has more than 2 rows: split it into smaller files")]
    report = check_file_on(seeded, workbook_bytes({"areas": [header, *[[r[h] for h in header] for r in rows]]}), "a.xlsx", "areas")
    assert [(p.row, p.rule) for p in report.problems] == [(4, "the sheet has more than 2 rows: split it into smaller files")]
    monkeypatch.setattr(loading, "MAX_COLUMNS", 2)
    report = check_file_on(seeded, csv_text(header, rows[:1]).encode(), "areas.csv", "areas")
    assert next((p.row, p.rule) for p in report.problems) == (1, "has more than 2 columns; no kind of record has so many")


@pytest.mark.parametrize(
    ("data", "name", "rule"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "areas.xls", "is an old-style .xls workbook or a password-protected one"),
        (b"id,name,office\r\n", "areas.xlsx", "is named .xlsx but is not an Excel workbook"),
        (b"PK\x03\x04 not really a zip", "areas.xlsx", "is not a readable .xlsx workbook"),
    ],
)
def test_files_that_are_not_what_they_say(seeded: Engine, data: bytes, name: str, rule: str) -> None:
    assert next(p.rule for p in check_file_on(seeded, data, name, "areas").problems).startswith(rule)


def test_a_workbook_whose_directory_claims_an_unknown_zip_version_is_reported(seeded: Engine) -> None:
    """One damaged byte in the zip's directory (found by the property test) made zipfile raise NotImplementedError."""
    header, rows = sample("areas")
    data = bytearray(workbook_bytes({"areas": [header, [rows[0][h] for h in header]]}))
    directory = data.index(b"PK\x01\x02")
    data[directory + 6] = 64  # "version needed to extract": 6.4, beyond what Python's zipfile reads
    report = check_file_on(seeded, bytes(data), "areas.xlsx", "areas")
    assert [p.rule for p in report.problems] == [
        "is not a readable .xlsx workbook (zip file version 6.4): open it in Excel and save it again"
    ]
    assert loading.sheet_names(bytes(data)) == []


def test_openpyxl_reads_workbooks_through_defusedxml() -> None:
    from defusedxml.ElementTree import iterparse as defused_iterparse
    from openpyxl.xml import DEFUSEDXML, functions

    assert DEFUSEDXML is True
    assert functions.iterparse is defused_iterparse


def test_a_source_row_with_a_uk_date_matches_the_store(seeded: Engine) -> None:
    header, _ = sample("sources")
    row = sample_row("sources", "norfolk-2016", figures_as_at="01/04/2016")
    report = check_file_on(seeded, csv_text(header, [row]).encode("cp1252"), "sources.csv", "sources")
    assert report.problems == [] and [c.key for c in report.of("unchanged")] == ["norfolk-2016"]
    with Session(seeded) as session:
        assert session.get(Source, "norfolk-2016").figures_as_at == date(2016, 4, 1)


def test_spend_periods_in_the_forms_people_write_them(store: Engine) -> None:
    header, _ = sample("spend")
    base = sample_row("spend", "nfk-2016-varss", basis="illustrative")
    rows = [
        dict(base, id="t-q1", period="Q1 2018/19"),
        dict(base, id="t-q2", period="2018/19 Q2"),
        dict(base, id="t-fy", period="2018-19", agreement_id="nfk-idva"),  # not nfk-varss: a year over its quarters overlaps them
    ]
    report = import_file(store, csv_text(header, rows).encode(), file_name="s.csv", kind="spend", apply=True, who="x")
    assert report.problems == []
    with Session(store) as session:
        assert [(s.financial_year, s.quarter) for s in (session.get(Spend, i) for i in ("t-q1", "t-q2", "t-fy"))] == [
            (2018, 1),
            (2018, 2),
            (2018, None),
        ]
