"""Limits on what one part of an .xlsx workbook may unpack to (data_access.loading), checked before it is opened.

The attack (issue 10): a 6 MB workbook whose shared strings unpacked to about 95 MB passed the whole-file and
compression-ratio checks, and cost 148 s and 940 MB of memory on every rerun, because openpyxl reads the shared
strings whole. Every part now has its own limit, and the message names the part and the limit.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from data_access import loading

SHARED_STRINGS = "xl/sharedStrings.xml"


def small_workbook() -> bytes:
    """A real workbook with a row of text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "areas"
    sheet.append(["id", "name", "office"])
    sheet.append(["norfolk", "Norfolk", "Office of the Police and Crime Commissioner for Norfolk"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_huge_shared_strings(data: bytes, unpacked_bytes: int) -> bytes:
    """`data` with its shared strings replaced by `unpacked_bytes` of repetitive text: a small file that unpacks big."""
    item = b"<si><t>The same padding text, over and over again.</t></si>"
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    body = head + item * (unpacked_bytes // len(item)) + b"</sst>"
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != SHARED_STRINGS:
                target.writestr(member.filename, source.read(member.filename))
        target.writestr(SHARED_STRINGS, body)  # openpyxl writes its text inline, Excel into this part
    return out.getvalue()


@pytest.fixture
def never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a workbook over a limit must be refused before openpyxl opens it")

    monkeypatch.setattr(openpyxl, "load_workbook", never)


def test_huge_shared_strings_are_refused_naming_the_part_and_the_limit(never_opened: None) -> None:
    data = small_workbook()
    bomb = with_huge_shared_strings(data, 95 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # about 95 MB of text in a file under 1 MB
    assert sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) < loading.MAX_UNCOMPRESSED_BYTES
    started = time.perf_counter()
    table = loading.read_xlsx_bytes(bomb, "areas.xlsx")
    assert time.perf_counter() - started < 2
    assert [p.rule for p in table.problems] == [
        "has a part (xl/sharedStrings.xml) that would unpack to 95.0 MB, more than the 8.0 MB allowed for one part: "
        "refused as unsafe. Split the figures into smaller files, or save the sheet as CSV"
    ]
    assert table.rows == []
    assert loading.sheet_names(bomb) == []


def test_every_part_has_a_limit(never_opened: None, monkeypatch: pytest.MonkeyPatch) -> None:
    data = small_workbook()
    members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert all(m.file_size <= loading.part_limit(m.filename) for m in members)
    # With a limit smaller than each part, each part in turn is the one named: none goes unchecked.
    for member in members:
        monkeypatch.setattr(loading, "MAX_PART_BYTES", 10**12)
        monkeypatch.setattr(loading, "MAX_SHEET_PART_BYTES", 10**12)
        others = [m for m in members if m.filename != member.filename]
        limit = member.file_size - 1
        name = "MAX_SHEET_PART_BYTES" if member.filename.startswith("xl/worksheets/") else "MAX_PART_BYTES"
        monkeypatch.setattr(loading, name, limit)
        if any(m.file_size > limit and loading.part_limit(m.filename) == limit for m in others):
            continue  # another part of the same kind is larger and would be named first
        rule = loading.read_xlsx_bytes(data, "areas.xlsx").problems[0].rule
        assert rule.startswith(f"has a part ({member.filename}) that would unpack to "), rule


def test_a_workbook_within_the_limits_is_read() -> None:
    table = loading.read_xlsx_bytes(small_workbook(), "areas.xlsx")
    assert not table.problems
