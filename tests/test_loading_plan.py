"""check_table works out how to read each column once per table (a ColumnPlan), not once per row; what it keeps for
each good row is exactly what the SQLModel record would hold, so a backup can insert it without building records."""

from __future__ import annotations

from typing import Any

import pytest

from data_access import loading
from data_access.loading import Table, check_table, parse_money_text
from data_access.models import Spend, table_of

HEADER = [
    "id", "area_id", "period", "funding_stream_id", "agreement_id", "priority_id", "amount", "is_credit", "description", "visibility",
    "source_id", "basis",
]  # fmt: skip
KNOWN = {"area": {"norfolk"}, "funding_stream": {"nfk-moj"}, "source": {"norfolk-2016"}}


def spend_table(count: int) -> Table:
    rows = [
        (n + 2, [f"line-{n}", "norfolk", "Q1 2018/19", "nfk-moj", "", "", f"{n}.05", "no", f"Payment {n}", "Public", "norfolk-2016",
                 "illustrative"])
        for n in range(count)
    ]  # fmt: skip
    return Table("spend.csv", header=HEADER, rows=rows)


@pytest.mark.parametrize("count", [3, 400])
def test_the_column_plan_is_worked_out_once_per_table_however_many_rows(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    plans: list[type[Any]] = []
    looked_up: list[Any] = []
    build, base_type = loading.column_plan, loading._base_type
    monkeypatch.setattr(loading, "column_plan", lambda model: plans.append(model) or build(model))
    monkeypatch.setattr(loading, "_base_type", lambda annotation: looked_up.append(annotation) or base_type(annotation))
    checked = check_table(spend_table(count), Spend, known={k: set(v) for k, v in KNOWN.items()})
    assert checked.problems == [] and len(checked.rows) == count
    assert plans == [Spend]
    # One type look-up per field read from a cell (not financial_year and quarter, which come from `period`): never per row.
    assert len(looked_up) == len(Spend.model_fields) - 2 == 15


def test_the_values_kept_are_every_column_as_the_record_holds_it() -> None:
    checked = check_table(spend_table(2), Spend, known={k: set(v) for k, v in KNOWN.items()})
    first = checked.values[0]
    assert set(first) == set(table_of(Spend).columns.keys())
    assert first == {
        "id": "line-0", "area_id": "norfolk", "financial_year": 2018, "quarter": 1, "funding_stream_id": "nfk-moj",
        "agreement_id": None, "priority_id": None, "amount_pence": 5, "is_credit": False, "description": "Payment 0",
        "qualifier": "", "part_of_id": None, "visibility": "public", "source_id": "norfolk-2016", "source_section": "",
        "basis": "illustrative", "basis_note": "",
    }  # fmt: skip
    assert [r.model_dump() for r in checked.records] == checked.values
    assert checked.records is checked.records  # built once, on first use


@pytest.mark.parametrize(
    ("text", "pence"),
    [("1037415.00", 103741500), ("-1234.50", -123450), ("0.05", 5), ("£1,234.50", 123450), ("1234.5", 123450), ("(12.00)", -1200)],
)
def test_plain_pounds_read_quickly_give_what_the_general_rule_gives(text: str, pence: int) -> None:
    assert parse_money_text(text) == pence


def test_a_cell_read_by_the_quick_path_is_still_refused_when_it_breaks_a_text_rule() -> None:
    table = spend_table(3)
    table.rows[0][1][8] = "=HYPERLINK(1)"
    table.rows[1][1][8] = "Payment\x07 with a bell"
    table.rows[2][1][9] = "PUBLIC"
    checked = check_table(table, Spend, known={k: set(v) for k, v in KNOWN.items()})
    assert [(p.row, p.column, p.rule.split(",")[0].split(":")[0]) for p in checked.problems] == [
        (2, "description", "starts with '='"),
        (3, "description", "contains an invisible control character (U+0007)"),
    ]
    assert checked.rows == [4] and checked.values[0]["visibility"] == "public"


# --- checking a CSV file as it is read (a backup's load) ------------------------------------------


def spend_csv(count: int, *, blank_after: tuple[int, ...] = (), trailing_blanks: int = 0) -> bytes:
    lines = [",".join(HEADER)]
    for n in range(count):
        lines.append(f"line-{n},norfolk,Q1 2018/19,nfk-moj,,,{n}.05,no,Payment {n},Public,norfolk-2016,illustrative")
        if n in blank_after:
            lines.append(",,,")
    lines += [""] * trailing_blanks
    return ("\n".join(lines) + "\n").encode()


def both_ways(data: bytes, batch: int) -> tuple[loading.CheckedTable, loading.CheckedTable, list[list[dict[str, Any]]]]:
    """The file checked whole (check_table) and as it is read (check_csv_parts), with the batches the latter gave."""
    whole = check_table(loading.read_csv_bytes(data, "spend.csv"), Spend, known={k: set(v) for k, v in KNOWN.items()})
    streamed, batches = loading.check_csv_parts(data, "spend.csv", Spend, known={k: set(v) for k, v in KNOWN.items()}, batch=batch)
    return whole, streamed, [list(b) for b in batches]


def test_a_file_checked_as_it_is_read_gives_the_same_rows_in_batches() -> None:
    whole, streamed, batches = both_ways(spend_csv(7, blank_after=(2,), trailing_blanks=3), batch=3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [row for b in batches for row in b] == whole.values and len(whole.values) == 7
    assert streamed.problems == whole.problems == []
    # The blank row between rows is noted (row 5: the header, three rows, then it), the blank lines at the end are not.
    assert streamed.notes == whole.notes
    assert [n.row for n in streamed.notes if n.rule == "blank row: skipped"] == [5]
    assert streamed.values == [] and streamed.rows == []  # the rows went out in the batches, not kept


def test_a_file_checked_as_it_is_read_reports_every_problem_check_table_does_and_stops_giving_rows() -> None:
    text = spend_csv(9).decode()
    text = text.replace("line-5,norfolk", "line-5,suffolk").replace("8.05", "8.0x").replace("line-7,", "line-6,")
    whole, streamed, batches = both_ways(text.encode(), batch=2)
    assert [(p.row, p.column, p.rule.split(":")[0]) for p in whole.problems] == [
        (7, "area_id", "refers to an unknown area id"),
        (9, "id", "appears more than once in this file"),
        (10, "amount", "is not an amount of money (write it like £1,234.50, £360k, £1.018m or £2.814 million)"),
    ]
    assert streamed.problems == whole.problems and streamed.notes == whole.notes
    # Rows 2 to 5 went out before row 7's problem was met; nothing after it.
    assert [row["id"] for b in batches for row in b] == ["line-0", "line-1", "line-2", "line-3"]


@pytest.mark.parametrize(
    "data",
    [b"", b"\n,,\n\n", "id,area_id\nline-0,norfolk\n".encode("utf-16"), b"\xff\xfe\x00", spend_csv(6)],
    ids=["empty", "blank", "utf-16", "not-text", "too-many-rows"],
)
def test_a_file_that_cannot_be_read_is_reported_alone_as_check_table_reports_it(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "MAX_ROWS", 4)
    whole, streamed, _ = both_ways(data, batch=2)
    assert whole.problems and streamed.problems == whole.problems and streamed.notes == whole.notes
