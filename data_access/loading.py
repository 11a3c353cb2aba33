"""Read and check files in the import format (`sample_data/README.md`), and load a folder of them.

One set of rules for every way in:
- `read_file` turns an uploaded CSV or XLSX file into a `Table`: every cell as text, never guessed
  into a number (so company number 01234567 keeps its zero), with the rows numbered as a spreadsheet
  numbers them. Files come as people save them: UTF-8 with or without a byte-order mark, UTF-16
  (Excel's "Unicode text"), Windows-1252 (Excel's "CSV (Comma delimited)", where £ is byte 0xA3).
  Workbooks are checked for zip bombs before they are opened, and read with defusedxml.
- `check_table` checks every row of a table against its model and reports every problem at once
  (file, sheet, row, column, value, rule); it never stops at the first.
- `check_csv_parts`: `check_table` on a CSV file as it is read, giving the good rows a batch at a time, so a backup's
  load holds one batch of rows, not a whole file of them.
- `read_folder` / `load_folder`: a folder of CSV files, as the sample data ships (used on first start).
  `data_access.importing` builds the staff import (preview, audit trail, one transaction) on the same.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import dataclasses
import functools
import io
import math
import re
import types
import typing
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from data_access.exporting import FORMULA_STARTS
from data_access.models import (
    AGREEMENT_KINDS,
    AGREEMENT_STATUSES,
    AMENDMENT_KINDS,
    APPORTIONMENTS,
    BASES,
    CITED_MODELS,
    GROUP_KINDS,
    MEASURE_UNITS,
    MILESTONE_KINDS,
    MONEY_QUALIFIERS,
    PROCUREMENT_ROUTES,
    SERVICE_TYPES,
    SOURCE_KINDS,
    VISIBILITIES,
    Agreement,
    AgreementPriority,
    Amendment,
    Area,
    AreaGroup,
    Budget,
    DatePrecision,
    FundingStream,
    Measure,
    Milestone,
    Observation,
    Plan,
    Population,
    Priority,
    Provider,
    Source,
    Spend,
    table_name,
    table_of,
)
from data_access.money import SHAPES as MONEY_SHAPES
from data_access.money import parse_money
from data_access.periods import Period, parse_fy, parse_period

# Files in the order they load: each refers only to files above it.
FILES: list[tuple[str, type[SQLModel]]] = [
    ("sources.csv", Source),
    ("areas.csv", Area),
    ("plans.csv", Plan),
    ("priorities.csv", Priority),
    ("providers.csv", Provider),
    ("funding_streams.csv", FundingStream),
    ("agreements.csv", Agreement),
    ("amendments.csv", Amendment),
    ("milestones.csv", Milestone),
    ("agreement_priorities.csv", AgreementPriority),
    ("budgets.csv", Budget),
    ("spend.csv", Spend),
    ("measures.csv", Measure),
    ("observations.csv", Observation),
    ("area_groups.csv", AreaGroup),  # peer groups of areas, for comparing areas (data_access.compare)
    ("populations.csv", Population),  # residents per area and year, for figures per head
]

# Limits on what a file may hold. The upload limit matches `server.maxUploadSize` in .streamlit/config.toml.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000  # data rows in one file or sheet
MAX_COLUMNS = 100  # the widest kind of record has 24 columns
# A workbook is a zip file: these stop a small upload from unpacking into gigabytes (a "zip bomb").
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # real workbooks compress their XML about 5 to 20 times
# Each part on its own, too: openpyxl reads the shared strings (every text cell's text) into memory whole, and a
# 6 MB upload whose shared strings unpacked to 95 MB took 148 s and 940 MB on every rerun while passing the checks
# above. A worksheet is read row by row, so it may be larger; MAX_ROWS and MAX_COLUMNS bound what is kept of it.
MAX_SHEET_PART_BYTES = 64 * 1024 * 1024  # xl/worksheets/*.xml
MAX_PART_BYTES = 8 * 1024 * 1024  # every other part: shared strings (about 100,000 distinct texts), styles, ...
MAX_ZIP_MEMBERS = 1_000
MAX_PENCE = 2**63  # BIGINT

# Text columns that take one of a few words: the vocabularies of data_access.models, the same tuples the
# database's CHECK constraints are built from, so the importer accepts exactly what the database does.
CHOICES: dict[tuple[type[SQLModel] | None, str], tuple[str, ...]] = {
    (None, "basis"): BASES,
    (None, "visibility"): VISIBILITIES,
    (Agreement, "kind"): AGREEMENT_KINDS,
    (Agreement, "status"): AGREEMENT_STATUSES,
    (Agreement, "procurement_route"): PROCUREMENT_ROUTES,
    (Agreement, "service_type"): SERVICE_TYPES,  # or blank: not stated
    (AreaGroup, "kind"): GROUP_KINDS,
    (Amendment, "kind"): AMENDMENT_KINDS,
    (Milestone, "kind"): MILESTONE_KINDS,
    (Measure, "unit"): MEASURE_UNITS,
    (Observation, "target_basis"): BASES,  # or blank: the target has the value's basis
    (Source, "kind"): SOURCE_KINDS,
    # Or blank: the amount as stated; not split by year (the vocabularies' blank words, which no cell writes).
    (None, "qualifier"): tuple(v for v in MONEY_QUALIFIERS if v),
    (Agreement, "value_qualifier"): tuple(v for v in MONEY_QUALIFIERS if v),
    (Budget, "apportionment"): tuple(v for v in APPORTIONMENTS if v),
}

# Columns a file may leave out (real sources do not give them, or files were written before the column existed),
# with what a blank or missing cell means. Nothing is guessed: a blank is stored blank and shown as not published.
# A source's kind defaults to `internal`, the safe side: counts of people from an internal return are suppressed
# and rounded on public pages, while a published document's are shown as published, so a forgotten column must
# never unmask a small count from a private return. For the same reason a blank counts_people counts people.
_NOT_PUBLISHED = "blank: not published"
OPTIONAL_COLUMNS: dict[tuple[type[SQLModel], str], str] = {
    (Source, "kind"): (
        "blank: taken as internal (a return not published as it stands), so counts of people from this source are "
        "suppressed below 10 and rounded on public pages; write published if the source is a public document"
    ),
    (Source, "title"): "blank: the source's URL stands for its title",
    (Source, "publisher"): _NOT_PUBLISHED,
    (Source, "published"): _NOT_PUBLISHED,
    (Source, "file"): "blank: no file",
    (Source, "url"): "blank: no address",
    (Source, "figures_as_at"): "blank: the published date stands for it (not published where that is blank too)",
    (Source, "as_at_note"): "blank: no note",
    (Area, "office"): _NOT_PUBLISHED,
    (FundingStream, "funder"): _NOT_PUBLISHED,
    (FundingStream, "cap_per_award"): "blank: no cap published",
    (Agreement, "status"): "blank: not stated (judged by its dates where it has them)",
    (Agreement, "award_date"): _NOT_PUBLISHED,
    (Agreement, "financial_year"): _NOT_PUBLISHED,
    (Agreement, "original_end_date"): _NOT_PUBLISHED,
    (Agreement, "latest_end_date"): _NOT_PUBLISHED,
    (Agreement, "extension_options_available"): _NOT_PUBLISHED,
    (Agreement, "extension_options_used"): "blank: not published (never taken as none used)",
    (Agreement, "extension_terms"): _NOT_PUBLISHED,
    (Agreement, "number_of_tenderers"): _NOT_PUBLISHED,
    (Agreement, "illustrative_fields"): "blank: none",
    (Agreement, "provider_id"): "blank: the provider is not named",
    (Agreement, "funding_stream_id"): "blank: the funding stream is not stated",
    (Agreement, "procurement_route"): "blank: not stated",
    (Agreement, "start_date"): _NOT_PUBLISHED,
    (Agreement, "current_end_date"): _NOT_PUBLISHED,
    (Agreement, "annual_value"): _NOT_PUBLISHED,
    (Agreement, "total_value"): _NOT_PUBLISHED,
    (Agreement, "purpose"): _NOT_PUBLISHED,
    (Measure, "counts_people"): (
        "blank: not stated, so taken as counting people: counts from internal returns are suppressed below 10 and "
        "rounded on public pages until someone writes no"
    ),
    (Measure, "higher_is_better"): (
        "blank: not stated whether higher or lower is better, so figures are shown against their targets but never "
        "judged as meeting or missing them; write yes or no"
    ),
    (Observation, "provider_id"): "blank: the provider is not named (the agreement's provider is shown where there is one)",
}
# Cited records may leave out the section: the source (its URL) as a whole is then the citation.
for _cited in CITED_MODELS:
    OPTIONAL_COLUMNS[(_cited, "source_section")] = "blank: the source as a whole is cited (its URL or title)"
    OPTIONAL_COLUMNS[(_cited, "basis_note")] = "blank: no note"
# Optional columns whose blank cells each get a note, because the blank decides how figures are shown.
NOTED_BLANKS = {(Source, "kind"), (Measure, "counts_people"), (Measure, "higher_is_better")}

# Columns added after the first files were written, whose blank means what those files meant: a file may leave
# them out, and a blank cell is the ordinary case, so neither is worth a note.
COLUMNS_ADDED_LATER: dict[tuple[type[SQLModel], str], str] = {
    (FundingStream, "stated_awards_total"): "blank: no total of awards is stated, so the listed awards are not compared with one",
    (Agreement, "value_qualifier"): "blank: the values are as stated (write 'up to' where the source gives a ceiling)",
    (Agreement, "value_part_of_id"): "blank: the value is not part of another agreement's",
    (Budget, "last_financial_year"): "blank: the budget is for its financial_year only",
    (Budget, "apportionment"): "blank: a budget over several years is not split by year (write 'even' for equal shares)",
    (Budget, "qualifier"): "blank: the amount is as stated (write 'up to' where the source gives a ceiling)",
    (Budget, "part_of_id"): "blank: the amount is not part of another budget line",
    (Spend, "qualifier"): "blank: the amount is as stated (write 'up to' where the source gives a ceiling)",
    (Spend, "part_of_id"): "blank: the amount is not part of another spend line",
    (Agreement, "service_type"): "blank: the kind of service is not stated, so it is not compared with any kind",
}

# Date columns that may be partial (2018-03, 2018), and the column that records how precise they are.
# Each precision column's name is used by one date only (data_access.importing looks dates up by it).
PARTIAL_DATES: dict[tuple[type[SQLModel], str], tuple[str, bool]] = {
    (Source, "published"): ("published_precision", False),
    (Source, "figures_as_at"): ("figures_as_at_precision", True),
    (Agreement, "award_date"): ("award_precision", False),
    (Agreement, "start_date"): ("start_precision", False),
    (Agreement, "original_end_date"): ("original_end_precision", True),
    (Agreement, "current_end_date"): ("end_precision", True),
    (Agreement, "latest_end_date"): ("latest_end_precision", True),
    (Amendment, "agreed_on"): ("agreed_on_precision", False),
    (Amendment, "previous_end_date"): ("previous_end_precision", True),
    (Amendment, "new_end_date"): ("new_end_precision", True),
    (Milestone, "on"): ("on_precision", False),
}
YEAR_COLUMNS = {"first_year", "last_year", "financial_year", "last_financial_year"}
PERIOD_FIELDS = {"financial_year", "quarter", "period_start", "period_end"}


def _not_negative(field: str) -> Callable[[dict[str, Any]], bool]:
    return lambda values: (values.get(field) or 0) >= 0


# Rules within a row. The database enforces the same with CHECK constraints; checking here first
# reports each breach with its file, row and column instead of one refusal for the whole load.
ROW_RULES: dict[type[SQLModel], list[tuple[str, Callable[[dict[str, Any]], bool], str]]] = {
    Agreement: [
        (
            "current_end_date",
            lambda v: v.get("current_end_date") is None or v.get("start_date") is None or v["current_end_date"] >= v["start_date"],
            "ends before its start date",
        ),
        ("annual_value", _not_negative("annual_value_pence"), "must not be negative"),
        ("total_value", _not_negative("total_value_pence"), "must not be negative"),
        ("extension_options_used", _not_negative("extension_options_used"), "must not be negative"),
        ("extension_options_available", _not_negative("extension_options_available"), "must not be negative"),
        ("number_of_tenderers", _not_negative("number_of_tenderers"), "must not be negative"),
        ("value_part_of_id", lambda v: v.get("value_part_of_id") is None or v["value_part_of_id"] != v.get("id"), "is the row's own id"),
    ],
    Budget: [
        ("amount", _not_negative("amount_pence"), "must not be negative"),
        (
            "last_financial_year",
            lambda v: v.get("last_financial_year") is None or v["last_financial_year"] >= v.get("financial_year", 0),
            "is before financial_year: a budget over several years runs from financial_year to last_financial_year",
        ),
        ("part_of_id", lambda v: v.get("part_of_id") is None or v["part_of_id"] != v.get("id"), "is the row's own id"),
    ],
    FundingStream: [("stated_awards_total", _not_negative("stated_awards_total_pence"), "must not be negative")],
    Spend: [
        (
            "amount",
            lambda v: (v.get("amount_pence") or 0) >= 0 or bool(v.get("is_credit")),
            "is negative: mark the row as a credit (is_credit yes) or correct it",
        ),
        ("part_of_id", lambda v: v.get("part_of_id") is None or v["part_of_id"] != v.get("id"), "is the row's own id"),
    ],
    Plan: [
        (
            "last_year",
            lambda v: v.get("last_year") is None or v.get("first_year") is None or v["last_year"] >= v["first_year"],
            "is before first_year",
        )
    ],
    Population: [("population", lambda v: (v.get("population") or 0) > 0, "must be a whole number of residents above 0")],
    AgreementPriority: [("share_percent", lambda v: 0 < v.get("share_percent", 100) <= 100, "must be a whole percent from 1 to 100")],
}
PERIOD_MODELS = (Spend, Observation)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value, said so that someone can find and fix it.

    `row` is the row number a spreadsheet shows (the header is usually row 1; 0 means the whole file);
    `cell` is the spreadsheet reference (G5) where there is one.
    """

    file: str
    row: int
    column: str
    value: str
    rule: str
    sheet: str = ""
    cell: str = ""
    confirm: str = ""  # what confirming would do instead of refusing: "replace" (overlapping records), "shared" (a shared organisation)


class ImportFailed(Exception):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s), first: {problems[0]}" if problems else "no problems")


class FromNumber(str):
    """The text of a workbook cell that held a number: any leading zeros it was typed with are gone."""


class FromFormula(str):
    """The text of a workbook cell that held a formula (=SUM(...)) rather than a value."""


@dataclass
class Table:
    """One file's (or one sheet's) cells as text, as `read_file` found them."""

    file: str
    sheet: str = ""
    header: list[str] = field(default_factory=list)
    header_row: int = 1
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (spreadsheet row number, cells)
    problems: list[Problem] = field(default_factory=list)  # the file cannot be used as it is
    notes: list[Problem] = field(default_factory=list)  # worth knowing, but nothing stops the import


@dataclass
class CheckedTable:
    """The records a table's rows became, with the row each came from, and what was wrong.

    `values` holds each good row's fields (every field of the model, blanks at their defaults): enough to insert or
    compare. `records` builds the SQLModel records from them on first use, which costs more than checking the rows
    did, so a caller that only inserts (a backup's load) never pays for it.
    """

    model: type[SQLModel] | None = None
    values: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    _records: list[SQLModel] | None = field(default=None, repr=False, compare=False)

    @property
    def records(self) -> list[SQLModel]:
        """One `model` record per good row, in the rows' order."""
        if self._records is None or len(self._records) != len(self.values):
            model = self.model
            self._records = [model(**v) for v in self.values] if model is not None else []
        return self._records


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA': the spreadsheet's name for a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- reading bytes into a table ----------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_SAVE_AS = "save it from Excel as 'CSV UTF-8 (Comma delimited)' or as an .xlsx workbook"


def decode_text(data: bytes, file_name: str) -> tuple[str | None, list[Problem], list[Problem]]:
    """CSV bytes -> text, choosing the encoding by byte-order mark, then UTF-8, then Windows-1252.

    Returns (text or None, problems, notes).
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), [], []
            except UnicodeDecodeError as error:
                return (
                    None,
                    [
                        Problem(
                            file_name, 0, "", "", f"starts like {name} text but is not ({error.reason} at byte {error.start}): {_SAVE_AS}"
                        )
                    ],
                    [],
                )
    if b"\x00" in data:
        # Text with a NUL in every other byte is UTF-16 saved without its byte-order mark.
        head = data[:2000]
        odd_nuls, even_nuls = head[1::2].count(0), head[0::2].count(0)
        codec = "utf-16-le" if odd_nuls > len(head) // 5 else "utf-16-be" if even_nuls > len(head) // 5 else ""
        if codec and len(data) % 2 == 0:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                pass
            else:
                return text, [], [Problem(file_name, 0, "", "", "read as UTF-16 text without a byte-order mark")]
        return None, [Problem(file_name, 0, "", "", f"is not a text file (it contains NUL bytes): {_SAVE_AS}")], []
    try:
        return data.decode("utf-8"), [], []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        return (
            None,
            [
                Problem(
                    file_name,
                    0,
                    "",
                    "",
                    f"is not text in UTF-8, UTF-16 or Windows-1252 (byte 0x{byte:02X} at position {error.start}): {_SAVE_AS}",
                )
            ],
            [],
        )
    note = (
        "read as Windows-1252 text (what Excel's 'CSV (Comma delimited)' writes): check that £ signs and accents look right in the preview"
    )
    return text, [], [Problem(file_name, 0, "", "", note)]


def _delimiter(line: str) -> str:
    """Comma, unless the header row is clearly split by tabs (Excel's 'Unicode text') or semicolons."""
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _is_blank(cells: list[str]) -> bool:
    try:
        return not "".join(cells).strip()  # one call per row: only blank cells join into blank text
    except TypeError:  # a cell that is not text
        return not any(str(c).strip() for c in cells)


def _empty_problem(file_name: str, sheet: str) -> Problem:
    return Problem(file_name, 0, "", "", "is empty: it needs a header row naming the columns, then one row per record", sheet)


def _split_header(table: Table, numbered: list[tuple[int, list[str]]]) -> Table:
    """The first row with anything in it is the header; the rows after it are the data."""
    for position, (number, cells) in enumerate(numbered):
        if not _is_blank(cells):
            table.header, table.header_row, table.rows = [str(c) for c in cells], number, numbered[position + 1 :]
            return table
    table.problems.append(_empty_problem(table.file, table.sheet))
    return table


class _CsvRows:
    """A CSV text's rows, numbered as a spreadsheet numbers them, read one at a time (so a large file is never held as
    rows all at once). What stops the file being used goes to `problems`; `broken` is set when the text is not valid
    CSV, and the rows given before are then not to be used."""

    def __init__(self, text: str, file_name: str) -> None:
        self.text, self.file_name = text, file_name
        self.problems: list[Problem] = []
        self.broken = False

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        text, file_name = self.text, self.file_name
        delimiter = ","
        end = text.find("\n")  # not text.split("\n", 1), which copies the rest of the file
        first = (text if end < 0 else text[:end]).strip().lower()
        skip_first = False
        if re.fullmatch(r"sep=.", first):  # Excel's hint line: "sep=;"
            delimiter, skip_first = first[-1], True
        else:
            delimiter = _delimiter(next((line for line in _lines(text) if line.strip()), ""))
        reader = csv.reader(_text_lines(text), delimiter=delimiter)
        given = 0
        number = 0
        try:
            for cells in reader:
                number += 1
                if skip_first and number == 1:
                    continue
                if given > MAX_ROWS:
                    if not _is_blank(cells):
                        self.problems.append(
                            Problem(file_name, number, "", "", f"the file has more than {MAX_ROWS:,} rows: split it into smaller files")
                        )
                        break
                    continue
                if len(cells) > MAX_COLUMNS:
                    if not _is_blank(cells[MAX_COLUMNS:]):
                        self.problems.append(
                            Problem(file_name, number, "", "", f"has more than {MAX_COLUMNS} columns; no kind of record has so many")
                        )
                    cells = cells[:MAX_COLUMNS]
                given += 1
                yield number, cells
        except csv.Error as error:
            self.problems.append(Problem(file_name, number + 1, "", "", f"is not valid CSV here ({error}): {_SAVE_AS}"))
            self.broken = True


# A line and its ending, as a file opened with newline="" gives them: split at \r\n, \n or \r only.
_LINE = re.compile(r".*?(?:\r\n|\r|\n)|.+", re.DOTALL)


def _text_lines(text: str) -> Iterator[str]:
    """`io.StringIO(text, newline="")`'s lines, without the copy of the text that StringIO keeps (four bytes a
    character: 90 MB for a 23 MB file)."""
    return (match[0] for match in _LINE.finditer(text))


def _lines(text: str) -> Iterator[str]:
    """`text.splitlines()`, one line at a time: finding the header line does not split the whole file."""
    for line in _text_lines(text):
        yield from line.splitlines()


def read_csv_bytes(data: bytes, file_name: str) -> Table:
    """A CSV file's bytes -> Table. Every value stays text; rows are numbered as a spreadsheet shows them."""
    table = Table(file_name)
    text, table.problems, table.notes = decode_text(data, file_name)
    if text is None:
        return table
    reader = _CsvRows(text, file_name)
    numbered = list(reader)
    table.problems.extend(reader.problems)
    if reader.broken:
        return table
    return _split_header(table, numbered)


def _number_text(value: int | float, number_format: str) -> str:
    """A workbook number as a person typed it: 1037415, not 1037415.0; 11% stays 11%."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    suffix = ""
    if "%" in (number_format or ""):
        amount, suffix = amount * 100, "%"
    if amount == amount.to_integral_value():
        return f"{int(amount)}{suffix}"
    return f"{format(amount.normalize(), 'f')}{suffix}"


def _cell_text(cell: Any) -> str:
    """A workbook cell's value as text, remembering whether it was a number or a formula."""
    value = cell.value
    if value is None:
        return ""
    if getattr(cell, "data_type", "") == "f":
        return FromFormula(str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (time, timedelta)):
        return str(value)
    if isinstance(value, (int, float)):
        return FromNumber(_number_text(value, getattr(cell, "number_format", "") or ""))
    return str(value)


def _size(size: int) -> str:
    """Bytes as people read them: '10.0 MB', '5.2 kB'."""
    return f"{size / 1024 / 1024:,.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:,.1f} kB"


def part_limit(name: str) -> int:
    """The most one part of a workbook (a zip member) may unpack to."""
    return MAX_SHEET_PART_BYTES if name.startswith("xl/worksheets/") else MAX_PART_BYTES


def _zip_problem(data: bytes) -> str | None:
    """Why this workbook must not be opened, or None: checked on the zip's directory, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    # Any error at all: a damaged directory raises more than BadZipFile (NotImplementedError for a zip version it
    # claims, for one), and the upload must get a report, never a traceback.
    except Exception as error:
        return f"is not a readable .xlsx workbook ({error}): open it in Excel and save it again"
    if len(members) > MAX_ZIP_MEMBERS:
        return f"holds {len(members):,} parts, more than a workbook of figures needs ({MAX_ZIP_MEMBERS:,}): refused as unsafe"
    if any(m.flag_bits & 0x1 for m in members):
        return "is encrypted or password-protected: remove the password in Excel and save it again"
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return f"would unpack to {_size(total)}, more than the {_size(MAX_UNCOMPRESSED_BYTES)} allowed: refused as unsafe"
    for member in members:
        limit = part_limit(member.filename)
        if member.file_size > limit:
            return (
                f"has a part ({member.filename}) that would unpack to {_size(member.file_size)}, more than the {_size(limit)} "
                "allowed for one part: refused as unsafe. Split the figures into smaller files, or save the sheet as CSV"
            )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            return (
                f"has a part ({member.filename}) compressed {ratio:,} to 1, far more than a real workbook: refused as unsafe (a 'zip bomb')"
            )
    return None


def sheet_names(data: bytes) -> list[str]:
    """The worksheets of a workbook, in order; empty when it cannot be read safely."""
    if _zip_problem(data):
        return []
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        try:
            return [ws.title for ws in workbook.worksheets]
        finally:
            workbook.close()
    except Exception:
        return []


def _cause(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    """`error` or the first error of `kind` in the chain that caused it."""
    for _ in range(20):
        if isinstance(error, kind):
            return error
        following = error.__cause__ or error.__context__
        if following is None:
            return None
        error = following
    return None


def read_xlsx_bytes(data: bytes, file_name: str, sheet: str | None = None, *, kind: str = "") -> Table:
    """An .xlsx workbook's bytes -> Table of one worksheet; every value as text.

    `sheet` names the worksheet; without it, the only sheet, the one named like `kind`, or the first (with a note).
    Cells are read as stored: dates as dates, numbers flagged as numbers (see `FromNumber`), formulas as formulas.
    """
    table = Table(file_name)
    problem = _zip_problem(data)
    if problem:
        table.problems.append(Problem(file_name, 0, "", "", problem))
        return table
    import openpyxl
    from openpyxl.xml import DEFUSEDXML, LXML

    # openpyxl uses defusedxml whenever it is installed (and OPENPYXL_DEFUSEDXML is not False), unless it parses with
    # lxml, which data_access/__init__.py turns off: lxml would bypass defusedxml.
    if not DEFUSEDXML or LXML:
        table.problems.append(
            Problem(file_name, 0, "", "", "workbooks cannot be read safely here (defusedxml is not in use): upload a CSV file")
        )
        return table
    from defusedxml import DefusedXmlException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Workbook contains no default style"
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            try:
                sheets = workbook.worksheets
                names = [ws.title for ws in sheets]
                if sheet is not None:
                    if sheet not in names:
                        table.problems.append(
                            Problem(
                                file_name, 0, "", sheet, f"the workbook has no sheet called '{sheet}'; its sheets are: {', '.join(names)}"
                            )
                        )
                        return table
                    worksheet = sheets[names.index(sheet)]
                elif not sheets:
                    table.problems.append(Problem(file_name, 0, "", "", "the workbook has no worksheets"))
                    return table
                else:
                    named = [ws for ws in sheets if kind and ws.title.strip().lower() in {kind, f"{kind}.csv", kind.replace("_", " ")}]
                    worksheet = named[0] if named else sheets[0]
                    if len(sheets) > 1 and not named:
                        table.notes.append(
                            Problem(
                                file_name,
                                0,
                                "",
                                "",
                                f"read the first sheet, '{worksheet.title}', of {len(sheets)}; choose another if that is wrong",
                                worksheet.title,
                            )
                        )
                table.sheet = worksheet.title
                numbered: list[tuple[int, list[str]]] = []
                width = MAX_COLUMNS + 1
                for number, row in enumerate(worksheet.iter_rows(min_row=1, max_row=MAX_ROWS + 2, max_col=width), start=1):
                    cells = [_cell_text(c) for c in row]
                    while cells and cells[-1] == "":
                        cells.pop()
                    if len(cells) > MAX_COLUMNS:
                        table.problems.append(
                            Problem(
                                file_name,
                                number,
                                "",
                                "",
                                f"has more than {MAX_COLUMNS} columns; no kind of record has so many",
                                table.sheet,
                            )
                        )
                        cells = cells[:MAX_COLUMNS]
                    if number > MAX_ROWS + 1:
                        if not _is_blank(cells):
                            table.problems.append(
                                Problem(
                                    file_name,
                                    number,
                                    "",
                                    "",
                                    f"the sheet has more than {MAX_ROWS:,} rows: split it into smaller files",
                                    table.sheet,
                                )
                            )
                        break
                    numbered.append((number, cells))
            finally:
                workbook.close()
    except Exception as error:
        unsafe = _cause(error, DefusedXmlException)  # openpyxl wraps defusedxml's refusal in a ValueError
        rule = (
            f"contains XML that is not allowed in a workbook ({type(unsafe).__name__}): refused as unsafe"
            if unsafe
            else f"is not a readable .xlsx workbook ({type(error).__name__}): open it in Excel and save it again"
        )
        table.problems.append(Problem(file_name, 0, "", "", rule, table.sheet))
        return table
    _split_header(table, numbered)
    table.problems = [p if p.sheet else dataclasses.replace(p, sheet=table.sheet) for p in table.problems]
    return table


def read_file(data: bytes, file_name: str, *, sheet: str | None = None, kind: str = "") -> Table:
    """Uploaded bytes -> Table: an .xlsx workbook (recognised by its content, not only its name) or CSV text."""
    if len(data) > MAX_FILE_BYTES:
        return Table(
            file_name,
            problems=[
                Problem(
                    file_name,
                    0,
                    "",
                    "",
                    f"is {_size(len(data))}, more than the {_size(MAX_FILE_BYTES)} allowed: split it into smaller files",
                )
            ],
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return read_xlsx_bytes(data, file_name, sheet, kind=kind)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return Table(
            file_name,
            problems=[Problem(file_name, 0, "", "", "is an old-style .xls workbook or a password-protected one: save it as .xlsx or CSV")],
        )
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        return Table(
            file_name,
            problems=[Problem(file_name, 0, "", "", "is named .xlsx but is not an Excel workbook: open it in Excel and save it again")],
        )
    return read_csv_bytes(data, file_name)


# --- values -------------------------------------------------------------------------------------

# A time and an offset (OCDS: 2026-04-01T00:00:00+01:00, or ...Z) may follow; the calendar date is taken as written.
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_WORDY_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]+)\.?,?[\s-]+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?[\s-]+(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_SLASH_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_MONTHS = (
    {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
    | {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_EXCEL_EPOCH = date(1899, 12, 30)


def _day(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"is not a real date: {error}") from None


def _month(year: int, month: int, text: str, at_end: bool) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"has no month {month}")
    return date(year, month, calendar.monthrange(year, month)[1] if at_end else 1)


def parse_date(text: str, *, partial: bool = False, at_end: bool = False) -> tuple[date, str]:
    """A date as UK files write it -> (date, precision: day, month or year).

    Accepts 2019-03-31 (with or without a time and offset, as OCDS writes 2026-04-01T00:00:00+01:00),
    31/03/2019 (day first, as in the UK: 01/02/2025 is 1 February), 31 March 2019, an Excel serial day number
    (43555), and, where `partial`, 2018-03, March 2018, 03/2018 and 2018 (standing for their first day, or their last when `at_end`).
    Raises ValueError saying what is wrong; the message does not repeat the text (a Problem shows it as its value).
    """
    text = (text or "").strip()
    if match := _ISO_DATE.match(text):
        return _day(int(match[1]), int(match[2]), int(match[3]), text), DatePrecision.DAY
    if match := _UK_DATE.match(text):
        if len(match[3]) == 2:
            raise ValueError(f"has a two-digit year: write the year in full, like {match[1]}/{match[2]}/20{match[3]}")
        if int(match[2]) > 12:
            raise ValueError(f"has no month {int(match[2])}: dates are read day first, as 31/03/2019")
        return _day(int(match[3]), int(match[2]), int(match[1]), text), DatePrecision.DAY
    if match := _YMD_SLASH.match(text):
        return _day(int(match[1]), int(match[2]), int(match[3]), text), DatePrecision.DAY
    if (match := _WORDY_DATE.match(text)) and match[2].lower() in _MONTHS:
        return _day(int(match[3]), _MONTHS[match[2].lower()], int(match[1]), text), DatePrecision.DAY
    if match := _SERIAL.match(text):
        # Excel counts days from 30 December 1899 (its day 60 is a 29 February 1900 that never was).
        return _EXCEL_EPOCH + timedelta(days=int(match[1])), DatePrecision.DAY
    month_match = _YEAR_MONTH.match(text) or _SLASH_MONTH_YEAR.match(text) or _MONTH_YEAR.match(text)
    if month_match or _YEAR.match(text):
        if not partial:
            raise ValueError("is not a whole date: this column needs a day, like 31/03/2019 or 2019-03-31")
        if match := _YEAR_MONTH.match(text):
            return _month(int(match[1]), int(match[2]), text, at_end), DatePrecision.MONTH
        if match := _SLASH_MONTH_YEAR.match(text):
            return _month(int(match[2]), int(match[1]), text, at_end), DatePrecision.MONTH
        if (match := _MONTH_YEAR.match(text)) and match[1].lower() in _MONTHS:
            return _month(int(match[2]), _MONTHS[match[1].lower()], text, at_end), DatePrecision.MONTH
        if match := _YEAR.match(text):
            year = int(match[1])
            return (date(year, 12, 31) if at_end else date(year, 1, 1)), DatePrecision.YEAR
    shapes = "31/03/2019, 2019-03-31 or 31 March 2019" + (", or 2019-03, March 2019 or 2019 where the day is not known" if partial else "")
    raise ValueError(f"is not a date: write it like {shapes}")


# Plain pounds and pence, as backups and most exports write them (1037415.00, -1234.50): read without the general pattern.
_PLAIN_POUNDS = re.compile(r"(-?)([0-9]+)\.([0-9]{2})")


def parse_money_text(text: str) -> int:
    """UK money text -> whole pence, after tidying what spreadsheets add (non-breaking spaces, 'GBP', a Unicode minus)."""
    if plain := _PLAIN_POUNDS.fullmatch(text):
        pence = int(plain[2]) * 100 + int(plain[3])
        return -pence if plain[1] else pence
    tidy = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-").strip()
    tidy = re.sub(r"^GBP\s*", "", tidy, flags=re.IGNORECASE)
    try:
        return parse_money(tidy)
    except ValueError:
        if tidy == text.strip():
            raise
        raise ValueError(f"is not an amount of money ({MONEY_SHAPES})") from None


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _parse_number(text: str) -> float:
    """'5,023', '11%' or '95.5' -> a finite float; raises ValueError."""
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    tidy = text.replace("\u00a0", "").strip().removesuffix("%").strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", tidy):
        tidy = tidy.replace(",", "")
    number = float(tidy)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _parse_int(text: str) -> int:
    tidy = text.strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+", tidy):
        tidy = tidy.replace(",", "")
    if not re.fullmatch(r"-?\d{1,9}", tidy):  # the database's INTEGER holds up to about 2.1 billion
        raise ValueError(text)
    return int(tidy)


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in {"yes", "y", "true"}:
        return True
    if word in {"no", "n", "false"}:
        return False
    raise ValueError("is not yes or no")


# A file gives the same few periods on row after row: each distinct text is read once (a Period is immutable).
@functools.lru_cache(maxsize=4096)
def _parse_period(text: str) -> Period:
    """parse_period, also taking the quarter after the year ('2018/19 Q1')."""
    match = re.fullmatch(r"\s*(\S+)\s+(Q[1-4])\s*", text or "", re.IGNORECASE)
    return parse_period(f"{match[2]} {match[1]}" if match else text)


def _base_type(annotation: Any) -> type:
    """`int | None` -> int."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        base: type = next(a for a in typing.get_args(annotation) if a is not type(None))
        return base
    plain: type = annotation
    return plain


_CONVERTERS: dict[type, Callable[[str], Any]] = {int: _parse_int, float: _parse_number, bool: _parse_bool, str: str}
# Characters no text may hold: C0 controls other than tab, line feed and carriage return, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Text that may break a rule of _text_rule (a formula's first character, a control character anywhere): one search
# per cell, so the ordinary cell is passed without a call. Company and charity numbers are always checked.
_SUSPECT_TEXT = re.compile(r"[=+\-@]|.*[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", re.DOTALL)
_NUMBERS_CHECKED = {"company_number", "charity_number"}
_FORMULA = "is a spreadsheet formula: the importer reads values only (copy the column and paste it back as values)"


def _text_rule(name: str, raw: str, text: str) -> str | None:
    """Why a text value must not be stored as it is, or None."""
    control = _CONTROL.search(text)
    if control is not None:
        return f"contains an invisible control character (U+{ord(control[0]):04X}): retype the text"
    if text.startswith(FORMULA_STARTS):
        return (
            f"starts with '{text[0]}', which a spreadsheet opening this later would run as a formula (formula injection): "
            "remove that character or start the text with a word"
        )
    digits = text.isdigit()
    if name == "company_number":
        if digits and len(text) < 8:
            lost = (
                "was stored as a number in the workbook, so its leading zero was lost"
                if isinstance(raw, FromNumber)
                else f"has {len(text)} digits"
            )
            return f"{lost}: company numbers have 8 characters (did you mean {text.zfill(8)}?). Format the column as Text and type it again"
        if not re.fullmatch(r"\d{8}|[A-Za-z]{2}\d{6}", text):
            return "is not a company number: they have 8 characters, like 01234567 or SC123456"
    if name == "charity_number" and isinstance(raw, FromNumber) and digits and len(text) < 6:
        return "was stored as a number in the workbook, so any leading zeros were lost: format the column as Text and type the number again"
    return None


def _read_pence(text: str) -> int:
    pence = parse_money_text(text)
    if abs(pence) >= MAX_PENCE:
        raise ValueError("is too large to be an amount of money here")
    return pence


# A file holds few distinct dates (and periods): each text is read once, and its value (immutable) reused.
@functools.lru_cache(maxsize=4096)
def _read_date(text: str, partial: bool, at_end: bool) -> tuple[date, str]:
    return parse_date(text, partial=partial, at_end=at_end)


def _whole_date(text: str) -> date:
    return _read_date(text, False, False)[0]


@dataclass(frozen=True, slots=True)
class ColumnReader:
    """How one field of a model is read from its cell: worked out once per table, then used for every row."""

    field_name: str
    column: str  # the file's column: the field without _pence
    required: bool
    read: Callable[[str], Any]  # stripped text -> value, or (date, precision) for a partial date; raises ValueError
    precision_field: str = ""  # a partial date: the field its precision goes in
    error: str = ""  # the rule shown when `read` refuses the text; blank: the ValueError's own message
    choices: tuple[str, ...] = ()  # a vocabulary's words, of which the cell (in any case) must be one
    word_of: dict[str, str] = field(default_factory=dict)  # a vocabulary's word by itself, to look the lower-cased cell up
    free_text: bool = False  # text checked by _text_rule (control characters, formula starts)
    numbered: bool = False  # company or charity number: always checked by _text_rule


@dataclass(frozen=True)
class ColumnPlan:
    """Everything `check_table` needs to know about a model's fields, worked out once per table rather than per row."""

    model: type[SQLModel]
    table: str
    readers: tuple[ColumnReader, ...]
    has_period: bool  # spend and observations: one `period` column fills financial_year, quarter (and start, end)
    defaults: dict[str, Any]  # the fields a row may leave blank, with the value the model gives them
    references: tuple[tuple[str, str], ...]  # (field, table its ids must be in)
    key_fields: tuple[str, ...]
    noted_blanks: tuple[str, ...]  # optional columns whose blank cells each get a note
    row_rules: tuple[tuple[str, Callable[[dict[str, Any]], bool], str], ...]

    def complete(self, values: dict[str, Any]) -> dict[str, Any]:
        """A row's values with every field the row left out at its default, as the model would hold them."""
        return {**self.defaults, **values}


def column_plan(model: type[SQLModel]) -> ColumnPlan:
    """`model`'s ColumnPlan: field introspection, vocabularies and converters looked up once."""
    precision_fields = {p for p, _ in PARTIAL_DATES.values()}
    periods = model in PERIOD_MODELS
    readers = []
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if not info.is_required():
            # Every field of these models has a plain default (no factories): SQLModel stores it as given.
            defaults[name] = info.get_default(call_default_factory=True)
        if name in precision_fields or (periods and name in PERIOD_FIELDS):
            continue
        kind = _base_type(info.annotation)
        pence, year = name.endswith("_pence"), name in YEAR_COLUMNS
        precision_field = ""
        if pence:
            read: Callable[[str], Any] = _read_pence
        elif year:
            read = parse_fy
        elif (model, name) in PARTIAL_DATES:
            precision_field, at_end = PARTIAL_DATES[(model, name)]
            read = functools.partial(_read_date, partial=True, at_end=at_end)
        elif kind is date:
            read = _whole_date
        else:
            read = _CONVERTERS[kind]
        if kind is int and not pence and not year:
            error = "must be a whole number"
        elif kind is float:
            error = "must be a number, like 224, 5,023 or 11%"
        else:
            error = ""
        allowed = CHOICES.get((model, name)) or CHOICES.get((None, name))
        readers.append(
            ColumnReader(
                field_name=name,
                column=name.removesuffix("_pence"),
                required=info.is_required(),
                read=read,
                precision_field=precision_field,
                error=error,
                choices=allowed or (),
                word_of={word: word for word in reversed(allowed or ())},  # the first of equal words, as in `choices`
                free_text=kind is str and not allowed,
                numbered=name in _NUMBERS_CHECKED,
            )
        )
    table = table_of(model)
    return ColumnPlan(
        model=model,
        table=table_name(model),
        readers=tuple(readers),
        has_period=periods,
        defaults=defaults,
        references=tuple((c.name, fk.column.table.name) for c in table.columns for fk in c.foreign_keys),
        key_fields=tuple(c.name for c in table.primary_key.columns),
        noted_blanks=tuple(column for noted, column in NOTED_BLANKS if noted is model),
        row_rules=tuple(ROW_RULES.get(model, [])),
    )


_UNSET: Any = object()  # a cell that gives its field no value (blank, refused, or a formula)
# A cell's outcome, worked out once per distinct text of a column: (value or _UNSET, rule broken or None, stripped text).
_Outcome = tuple[Any, str | None, str]
# Distinct texts remembered per column of a file: a file repeats its areas, sources, periods, descriptions and bases on
# row after row, while its ids are all different, so memory stays bounded however many rows the file has.
_MEMO_SIZE = 4096


def _read_cell(reader: ColumnReader, cell: str) -> _Outcome:
    """One cell -> its outcome under `reader`'s rules (the same for every cell of the same text and kind)."""
    text = cell.strip()
    if isinstance(cell, FromFormula):
        return _UNSET, _FORMULA, text
    if not text:
        return _UNSET, "required: this column may not be blank" if reader.required else None, text
    try:
        value = reader.read(text)
    except ValueError as error:
        return _UNSET, reader.error or str(error), text
    if reader.choices:
        match = reader.word_of.get(text.lower())
        if match is None:
            return value, f"must be one of: {', '.join(reader.choices)}", text
        return match, None, text
    if reader.free_text and (reader.numbered or _SUSPECT_TEXT.match(text)):
        return value, _text_rule(reader.field_name, cell, text), text
    return value, None, text


def _convert_row(
    plan: ColumnPlan,
    cells: list[str],
    slots: list[tuple[ColumnReader, int, dict[str, _Outcome]]],
    period_index: int,
    fail: Callable[[str, str, str], None],
) -> dict[str, Any]:
    """One row's cells -> field values for `plan.model`; every problem goes to `fail(column, value, rule)`.

    `slots` holds each reader with its column's position in `cells` (-1: not in the file) and the outcomes of the texts
    the column has held so far: a text seen before is not read again."""
    values: dict[str, Any] = {}
    count = len(cells)
    for reader, index, memo in slots:
        cell = cells[index] if 0 <= index < count else ""
        if type(cell) is str:  # not FromNumber or FromFormula, whose outcome depends on more than their text
            outcome = memo.get(cell)
            if outcome is None:
                outcome = _read_cell(reader, cell)
                if len(memo) < _MEMO_SIZE:
                    memo[cell] = outcome
        else:
            outcome = _read_cell(reader, cell)
        value, rule, text = outcome
        if value is not _UNSET:
            if reader.precision_field:
                values[reader.field_name], values[reader.precision_field] = value
            else:
                values[reader.field_name] = value
        if rule is not None:
            fail(reader.column, text, rule)
    if plan.has_period:
        cell = cells[period_index] if 0 <= period_index < count else ""
        text = cell.strip()
        try:
            if isinstance(cell, FromFormula):
                raise ValueError(_FORMULA)
            period = _parse_period(text)
        except ValueError as error:
            fail("period", text, str(error))
        else:
            values["financial_year"], values["quarter"] = period.financial_year, period.quarter
            if plan.model is Observation:
                values["period_start"], values["period_end"] = period.start, period.end
            elif period.financial_year is None:
                # Spend is kept by financial year and quarter: a month's payments are not a quarter's, so a month
                # (or any span that is not a whole year or quarter) is refused rather than counted in one.
                fail(
                    "period",
                    text,
                    "is not a financial year or a quarter, which spend needs: add up the quarter's months and give the "
                    "quarter (Q1 2018/19) or the year (2018/19)",
                )
    return values


def columns_of(model: type[SQLModel]) -> list[str]:
    """The columns a file of `model` records takes, in the model's order."""
    precision_fields = {p for p, _ in PARTIAL_DATES.values()}
    names = [n.removesuffix("_pence") for n in model.model_fields if n not in precision_fields]
    if model in PERIOD_MODELS:
        names = [n for n in names if n not in PERIOD_FIELDS]
        names.insert(names.index("area_id") + 1, "period")
    return names


def _columns(model: type[SQLModel]) -> set[str]:
    return set(columns_of(model))


def _heading(text: str) -> str:
    """'Source ID ' -> 'source_id': headings compared without regard to case, spaces or hyphens."""
    return re.sub(r"[\s\-]+", "_", str(text).strip().lower())


# --- checking a table ---------------------------------------------------------------------------

_NONE_KNOWN: frozenset[Any] = frozenset()


def check_table(
    table: Table,
    model: type[SQLModel],
    *,
    known: dict[str, set[Any]],
    existing_shares: dict[str, dict[str, int]] | None = None,
) -> CheckedTable:
    """Check every row of `table` as `model` records; never stops at the first problem.

    `known` maps table name -> ids that rows may refer to; this table's own ids are added to it, so a
    later file may refer to them. `existing_shares` (agreement -> priority -> share) are the store's
    links, counted with the file's when an agreement's shares must add up to 100.
    """
    result = CheckedTable(model=model, problems=list(table.problems), notes=list(table.notes))
    if table.problems:
        return result
    checker = _Checker(result, table.file, table.sheet, table.header, table.header_row, known, existing_shares)
    for number, cells in table.rows:
        checker.row(number, cells)
    checker.finish()
    return result


class _Checker:
    """`check_table`'s work, one row at a time, so a file can be checked (and written) as it is read.

    Good rows' values go to `result.values` (and their row numbers to `result.rows`) as each row is checked, every
    problem to `result.problems`; `finish` checks what needs the whole file (the shares of an agreement's priorities).
    """

    def __init__(
        self,
        result: CheckedTable,
        name: str,
        sheet: str,
        header: list[str],
        header_row: int,
        known: dict[str, set[Any]],
        existing_shares: dict[str, dict[str, int]] | None,
    ) -> None:
        assert result.model is not None
        model = result.model
        self.result, self.name, self.sheet, self.known, self.existing_shares = result, name, sheet, known, existing_shares
        problem = self.problem
        expected = columns_of(model)
        positions: dict[str, int] = {}
        unnamed: list[int] = []
        for index, heading in enumerate(header):
            column = _heading(heading)
            if not column:
                unnamed.append(index)
            elif column in positions:
                first = positions[column]
                problem(
                    header_row,
                    column,
                    str(heading).strip(),
                    f"appears more than once in the header (columns {column_letter(first)} and {column_letter(index)}): the first is used",
                    index,
                )
            elif column not in expected:
                problem(header_row, str(heading).strip(), "", f"unexpected column; this file takes: {', '.join(sorted(expected))}", index)
            else:
                positions[column] = index
        # Optional columns left out: one note per meaning ("award_date, extension_terms: blank: not published").
        left_out: dict[str, list[str]] = {}
        for column in sorted(set(expected) - set(positions)):
            if (model, column) in COLUMNS_ADDED_LATER:
                continue
            if (model, column) in OPTIONAL_COLUMNS:
                left_out.setdefault(OPTIONAL_COLUMNS[(model, column)], []).append(column)
            else:
                problem(header_row, column, "", "missing column")
        for meaning, columns in left_out.items():
            problem(header_row, ", ".join(columns), "", f"optional, not in the file: every row's value is {meaning}", into=result.notes)
        self.model = model
        self.plan = plan = column_plan(model)
        self.positions, self.unnamed, self.width = positions, unnamed, len(header)
        self.slots: list[tuple[ColumnReader, int, dict[str, _Outcome]]] = [(r, positions.get(r.column, -1), {}) for r in plan.readers]
        self.period_index = positions.get("period", -1)
        self.blanks: list[int] = []  # blank rows not yet followed by a filled one
        self.seen: set[tuple[Any, ...]] = set()
        self.shares: dict[str, list[int]] = {}  # agreement id -> [first row, sum of the file's shares]
        self.file_links: dict[str, set[str]] = {}

    def problem(self, row: int, column: str, value: str, rule: str, index: int | None = None, into: list[Problem] | None = None) -> None:
        cell = f"{column_letter(index)}{row}" if index is not None and row else ""
        (self.result.problems if into is None else into).append(Problem(self.name, row, column, value, rule, self.sheet, cell))

    def _cell(self, cells: list[str], column: str) -> str:
        index = self.positions.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    def row(self, number: int, cells: list[str]) -> None:
        """Check one row (`number` as a spreadsheet shows it)."""
        result, plan, positions, problem = self.result, self.plan, self.positions, self.problem
        if _is_blank(cells):
            self.blanks.append(number)  # noted only if a filled row follows: trailing blank rows are no news
            return
        for blank in self.blanks:
            problem(blank, "", "", "blank row: skipped", into=result.notes)
        self.blanks.clear()
        row_problems: list[Problem] = []

        def fail(column: str, value: str, rule: str, _number: int = number, _into: list[Problem] = row_problems) -> None:
            problem(_number, column, value, rule, positions.get(column), into=_into)

        if self.unnamed or len(cells) > self.width:
            for index in self.unnamed + list(range(self.width, len(cells))):
                if index < len(cells) and str(cells[index]).strip():
                    problem(
                        number,
                        f"column {column_letter(index)}",
                        str(cells[index]).strip(),
                        "has a value but no heading: add the column's name to the header row or clear it",
                        index,
                        into=row_problems,
                    )
        values = _convert_row(plan, cells, self.slots, self.period_index, fail)
        for column_name in plan.noted_blanks:
            if column_name in positions and not self._cell(cells, column_name).strip():
                problem(number, column_name, "", OPTIONAL_COLUMNS[(self.model, column_name)], positions[column_name], into=result.notes)
        for column_name, holds, rule in plan.row_rules:
            if not row_problems and not holds(values):
                fail(column_name, self._cell(cells, column_name).strip(), rule)
        known = self.known
        for field_name, target in plan.references:
            value = values.get(field_name)
            if value is None or (row_problems and any(p.column == field_name for p in row_problems)):
                continue  # one message per value: a row rule has said what is wrong with it (a part of itself)
            if value not in known.get(target, _NONE_KNOWN):
                fail(field_name, str(value), f"refers to an unknown {target} id: check the spelling, or import that {target} first")
        key = tuple(map(values.get, plan.key_fields))
        if None not in key and key in self.seen:
            fail(", ".join(plan.key_fields), ", ".join(map(str, key)), "appears more than once in this file")
        self.seen.add(key)
        result.problems.extend(row_problems)
        if len(key) == 1 and key[0] is not None:
            # Known even when the row has a mistake, so rows referring to it are not told a false "unknown id".
            known.setdefault(plan.table, set()).add(key[0])
        if not row_problems:
            result.values.append(plan.complete(values))
            result.rows.append(number)
            if self.model is AgreementPriority:
                self.shares.setdefault(values["agreement_id"], [number, 0])[1] += values.get("share_percent", 100)
                self.file_links.setdefault(values["agreement_id"], set()).add(values["priority_id"])

    def finish(self) -> None:
        """The checks that need every row: each agreement's priority shares add up to 100."""
        for agreement_id, (first_row, total) in self.shares.items():
            stored = {p: s for p, s in (self.existing_shares or {}).get(agreement_id, {}).items() if p not in self.file_links[agreement_id]}
            total += sum(stored.values())
            if total != 100:
                also = f" with the {len(stored)} link(s) already in the store" if stored else ""
                self.problem(
                    first_row,
                    "share_percent",
                    str(total),
                    f"the shares of agreement {agreement_id}{also} add up to {total}, not 100",
                    self.positions.get("share_percent"),
                )


def check_csv_parts(
    data: bytes,
    file_name: str,
    model: type[SQLModel],
    *,
    known: dict[str, set[Any]],
    existing_shares: dict[str, dict[str, int]] | None = None,
    batch: int = 5_000,
) -> tuple[CheckedTable, Iterator[list[dict[str, Any]]]]:
    """`check_table(read_csv_bytes(data, file_name), ...)`, a batch of rows at a time, for loading large files.

    Returns the CheckedTable, which fills with problems and notes as the file is read, and an iterator of the good
    rows' values, `batch` at a time (as in `CheckedTable.values`), which stops giving rows at the first problem and
    goes on checking to the end of the file. So memory holds one batch of rows and the file's text, never every row;
    once the iterator is exhausted the CheckedTable says all that `check_table` would (its `values` and `rows` stay
    empty), and the batches given are to be written only if it has no problems. A problem that makes the whole file
    unreadable (not valid CSV, too many rows) leaves only that, as in `check_table`.
    """
    result = CheckedTable(model=model)
    text, problems, notes = decode_text(data, file_name)
    result.problems, result.notes = list(problems), list(notes)

    def batches() -> Iterator[list[dict[str, Any]]]:
        if text is None:
            return
        reader = _CsvRows(text, file_name)
        rows = iter(reader)
        header: tuple[int, list[str]] | None = next((r for r in rows if not _is_blank(r[1])), None)
        checker: _Checker | None = None
        if header is not None:
            checker = _Checker(result, file_name, "", [str(c) for c in header[1]], header[0], known, existing_shares)
            for number, cells in rows:
                checker.row(number, cells)
                if len(result.values) >= batch:
                    if not result.problems and not reader.problems:
                        yield result.values
                    result.values, result.rows = [], []
        if reader.problems or header is None:
            # As check_table on what read_csv_bytes gives: the reader's problems alone, or "is empty".
            result.problems = [*problems, *reader.problems]
            if header is None and not reader.broken:
                result.problems.append(_empty_problem(file_name, ""))
            result.notes, result.values, result.rows = list(notes), [], []
            return
        assert checker is not None
        checker.finish()
        if not result.problems and result.values:
            yield result.values
        result.values, result.rows = [], []

    return result, batches()


# --- a folder of CSV files (the sample data) ----------------------------------------------------


def read_folder(folder: Path, *, known_ids: dict[str, set[Any]] | None = None) -> tuple[list[SQLModel], list[Problem]]:
    """Read and check every file in `folder`; returns the records and every problem found.

    `known_ids` maps table name -> ids already in the store, which rows may refer to.
    """
    known: dict[str, set[Any]] = {table: set(ids) for table, ids in (known_ids or {}).items()}
    records: list[SQLModel] = []
    problems: list[Problem] = []
    for file_name, model in FILES:
        path = folder / file_name
        if not path.exists():
            continue
        checked = check_table(read_csv_bytes(path.read_bytes(), file_name), model, known=known)
        records.extend(checked.records)
        problems.extend(checked.problems)
    return records, problems


def load_folder(folder: Path, *, connection: Connection) -> int:
    """Check every file in `folder`, then write all rows on `connection`, or raise ImportFailed and write nothing.

    The caller owns the transaction: raising inside it rolls everything back.
    Returns the number of rows written or updated.
    """
    known_ids = {
        table_name(model): set(connection.execute(select(table_of(model).c.id)).scalars())
        for _, model in FILES
        if "id" in table_of(model).c
    }
    records, problems = read_folder(folder, known_ids=known_ids)
    if problems:
        raise ImportFailed(problems)
    session = Session(bind=connection)
    try:
        for record in records:
            session.merge(record)
        session.flush()
    except IntegrityError as error:
        raise ImportFailed([Problem(str(folder), 0, "", "", f"the database refused the rows: {error.orig}")]) from None
    finally:
        session.close()
    return len(records)
