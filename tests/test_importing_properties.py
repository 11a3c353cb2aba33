"""Properties of the importer, for any input (hypothesis): whatever bytes arrive, as CSV or as a
workbook, the importer answers with a report (problems, or a clean preview) and never an exception;
and a file that fails leaves the store exactly as it was (every table's row count and a checksum of
its content compared before and after). Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL.

Examples are kept few (see SETTINGS) so the module finishes in well under a minute.
"""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Engine

from data_access import importing
from data_access.importing import Report, apply_file, import_file
from data_access.loading import ImportFailed, Problem
from data_access.settings import SAMPLE_DATA_DIR
from tests.conftest import BACKENDS
from tests.test_importing import fingerprint, new_store, postgres_template, sqlite_template  # noqa: F401 (fixtures)

SETTINGS = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
KINDS = list(importing.KINDS)
SAMPLES: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
for _kind in KINDS:
    with (SAMPLE_DATA_DIR / f"{_kind}.csv").open(newline="", encoding="utf-8") as _handle:
        _reader = csv.DictReader(_handle)
        SAMPLES[_kind] = (list(_reader.fieldnames or []), list(_reader))
# Kinds whose sample file ships empty (the seeds publish no population): a row made up here, so the properties
# still mix awkward values into a real row of the format. It is never stored: every example is rolled back.
MADE_UP = {
    "populations": [
        {
            "area_id": "west-yorkshire",
            "financial_year": "2018/19",
            "population": "2,300,000",
            "source_id": "wy-2018",
            "source_section": "",
            "basis": "illustrative",
            "basis_note": "made up by a test",
        }
    ]
}
for _kind, _rows in MADE_UP.items():
    assert SAMPLES[_kind][1] == [], f"{_kind}.csv has rows now: use them instead"
    SAMPLES[_kind] = (SAMPLES[_kind][0], _rows)

# Values people really type, good and bad, mixed into otherwise real sample rows.
AWKWARD = [
    "",
    " ",
    "£5,00",
    "£1,037,415",
    "(1,234.50)",
    "£1.018m",
    "£360k",
    "-£20",
    "=1+1",
    "+44 1603",
    "@SUM(A1)",
    "-",
    "31/02/2019",
    "01/02/2025",
    "02/13/2025",
    "01/04/16",
    "2018-04",
    "2018",
    "43555",
    "Q1 2018/19",
    "2018/19 Q2",
    "2016/17",
    "2016/18",
    "yes",
    "NO",
    "01234567",
    "1234567",
    "Active",
    "secret",
    "99999999999999999999",
    "1e400",
    "nan",
    "\u00a0",
    "caf\u00e9 \u2013 \u2019",
    "x\x00y",
    "wy-isva",
    "no-such-id",
]


@pytest.fixture(scope="module", params=BACKENDS)
def prop_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One store holding the sample data per backend, shared by every example: it must never change."""
    yield from new_store(request.param, request, tmp_path_factory.mktemp("properties"))


def exercise(engine: Engine, data: bytes, file_name: str, kind: str) -> Report:
    """Check the file, then try to apply it; nothing may raise, and nothing may stay written."""
    before = fingerprint(engine)
    report = import_file(engine, data, file_name=file_name, kind=kind)
    assert isinstance(report, Report)
    assert all(isinstance(p, Problem) and p.rule for p in [*report.problems, *report.notes])
    if report.problems:
        applied = import_file(engine, data, file_name=file_name, kind=kind, apply=True, who="hypothesis")
        assert not applied.applied and applied.problems
    else:
        # A clean file is applied for real, inside a transaction this test then rolls back.
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                apply_file(data, file_name=file_name, kind=kind, connection=connection, who="hypothesis")
            except ImportFailed as failure:
                assert failure.problems
            finally:
                transaction.rollback()
    assert fingerprint(engine) == before
    return report


@SETTINGS
@given(data=st.binary(max_size=2_000), kind=st.sampled_from(KINDS), name=st.sampled_from(["file.csv", "file.xlsx", "file"]))
def test_any_bytes_give_a_report_and_change_nothing(prop_store: Engine, data: bytes, kind: str, name: str) -> None:
    exercise(prop_store, data, name, kind)


@st.composite
def spreadsheet_rows(draw: st.DrawFn) -> tuple[str, list[str], list[list[str]]]:
    """A kind, a header (perhaps with a column dropped, repeated, renamed or added) and rows built from real sample rows."""
    kind = draw(st.sampled_from(KINDS))
    header, samples = SAMPLES[kind]
    header = list(header)
    change = draw(st.sampled_from(["none", "none", "drop", "repeat", "extra", "case"]))
    if change == "drop":
        header.pop(draw(st.integers(0, len(header) - 1)))
    elif change == "repeat":
        header.append(draw(st.sampled_from(header)))
    elif change == "extra":
        header.append(draw(st.sampled_from(["notes", "", "Amount (£)"])))
    elif change == "case":
        header = [h.upper() for h in header]
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        base = draw(st.sampled_from(samples))
        row = []
        for column in header:
            value = base.get(column.lower(), "")
            if draw(st.integers(0, 9)) == 0:
                value = draw(st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12)))
            if column.lower() == "id" and draw(st.booleans()):
                value = draw(st.text(string.ascii_lowercase + "-", min_size=1, max_size=10))
            row.append(value)
        rows.append(row)
    return kind, header, rows


@SETTINGS
@given(table=spreadsheet_rows(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"]), tab=st.booleans())
def test_any_csv_built_from_real_rows_gives_a_report_and_a_failure_changes_nothing(
    prop_store: Engine, table: tuple[str, list[str], list[list[str]]], encoding: str, tab: bool
) -> None:
    kind, header, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t" if tab else ",", lineterminator="\r\n").writerows([header, *rows])
    exercise(prop_store, buffer.getvalue().encode(encoding, errors="replace"), f"{kind}.csv", kind)


# Cell values a workbook can hold: no control characters, which openpyxl refuses to write.
_printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=15)
CELLS = st.one_of(
    st.none(),
    _printable,
    st.sampled_from([v for v in AWKWARD if "\x00" not in v]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
)


@SETTINGS
@given(table=spreadsheet_rows(), cells=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 30), CELLS), max_size=12))
def test_any_workbook_gives_a_report_and_a_failure_changes_nothing(
    prop_store: Engine, table: tuple[str, list[str], list[list[str]]], cells: list[tuple[int, int, object]]
) -> None:
    kind, header, rows = table
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    for row in [header, *rows]:
        # A value starting with '=' becomes a formula cell, as it would in Excel; characters no workbook may hold are dropped.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    for row_index, column_index, value in cells:  # numbers, dates and booleans where text was expected
        sheet.cell(row_index + 2, column_index + 1).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    exercise(prop_store, buffer.getvalue(), f"{kind}.xlsx", kind)


@SETTINGS
@given(
    kind=st.sampled_from(KINDS),
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    truncate=st.booleans(),
)
def test_a_damaged_workbook_gives_a_report_and_changes_nothing(
    prop_store: Engine, kind: str, cuts: list[tuple[int, int]], truncate: bool
) -> None:
    data = bytearray(importing.template_xlsx(kind))
    for position, byte in cuts:
        data[position % len(data)] = byte
    if truncate:
        data = data[: cuts[0][0] % len(data)]
    exercise(prop_store, bytes(data), f"{kind}.xlsx", kind)


def test_the_examples_reach_the_preview(prop_store: Engine) -> None:
    """Not every generated file fails: the sample rows themselves make a clean preview on this store."""
    for kind in KINDS:
        header, rows = SAMPLES[kind]
        buffer = io.StringIO()
        csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n").writeheader()
        csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n").writerows(rows)
        report = exercise(prop_store, buffer.getvalue().encode(), f"{kind}.csv", kind)
        # The sample's rows are in the store already; a made-up row is new to it.
        expected = "insert" if kind in MADE_UP else "unchanged"
        assert report.problems == [] and len(report.of(expected)) == len(rows), kind
