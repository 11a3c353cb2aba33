"""ui.render's tables (issue 14): the plain print copy (st.dataframe prints as a picture), the widths that fit the
page at 1366 px, and the one date style."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from data_access.text import safe_text
from ui.render import (
    BLANK,
    CELL_PX,
    HEADING_PX,
    PRINT_ROWS,
    TABLE_BUDGET_PX,
    WRAP_LINES,
    date_time_text,
    fit_widths,
    print_rows,
    row_height,
    short_date,
)


def test_the_print_copy_is_text_for_st_table_with_blanks_as_a_dash_and_markup_escaped() -> None:
    frame = pd.DataFrame(
        {
            "title": ["[x](https://evil.example/) <b>bold</b>", None, "Core Referral Service"],
            "months": [6.0, float("nan"), 30.0],
            "on": [date(2019, 3, 31), None, pd.NaT],
        }
    )
    printed, more = print_rows(frame, ["Agreement", "Months left", "Date"])
    assert more == 0
    assert printed.columns.tolist() == ["Agreement", "Months left", "Date"]
    # Every cell the escaped text st.table shows as written; a blank a dash, never "None" or "nan".
    assert printed["Agreement"].tolist() == [safe_text("[x](https://evil.example/) <b>bold</b>"), BLANK, "Core Referral Service"]
    assert printed["Months left"].tolist() == ["6\\.0", BLANK, "30\\.0"]
    assert printed["Date"].iloc[1:].tolist() == [BLANK, BLANK]
    assert "<b>" not in printed["Agreement"].iloc[0] and "](https" not in printed["Agreement"].iloc[0]


def test_the_print_copy_stops_at_its_limit_and_counts_the_rest() -> None:
    frame = pd.DataFrame({"n": range(PRINT_ROWS + 12)})
    printed, more = print_rows(frame, ["N"])
    assert len(printed) == PRINT_ROWS and more == 12
    assert printed["N"].iloc[-1] == str(PRINT_ROWS - 1)
    few, none_left = print_rows(frame.head(5), ["N"])
    assert few["N"].tolist() == ["0", "1", "2", "3", "4"] and none_left == 0


def test_tables_write_dates_one_way_as_the_rest_of_the_screen() -> None:
    assert short_date(date(2019, 3, 31)) == "31 March 2019"
    assert short_date(pd.Timestamp("2018-09-07")) == "7 September 2018"
    assert short_date(None) == short_date(pd.NaT) == "not stated"
    assert date_time_text(datetime(2024, 4, 1, 0, 30)) == "1 April 2024 00:30:00"
    assert date_time_text(pd.NaT) == BLANK


def test_a_table_that_fits_keeps_its_natural_widths_and_one_line() -> None:
    widths, lines = fit_widths(["Year", "Spend"], [["2017/18"], ["£5,000"]])
    assert lines == 1 and sum(widths) < TABLE_BUDGET_PX
    assert widths[0] >= fit_widths(["Year"], [["2017/18"]])[0][0]


def test_a_wide_table_is_fitted_to_the_page_with_every_heading_whole_and_long_cells_wrapped() -> None:
    # West Yorkshire's "Decisions due" at 14 September 2018 (the ISVA contract's row), seven columns.
    headings = ["Agreement", "Provider", "Warning", "Current end", "Latest possible end", "Annual value", "Decision due"]
    cells = [
        ["Independent Sexual Advisor Contract (ISVA)"],
        ["Victim Support"],
        ["Ends within 12 months"],
        ["31 March 2019 (6 months left)"],
        ["31 March 2019 (options used: 1 of 1)"],
        ["not published"],
        ["No extension options left: re-procure or end; re-procurement step recorded 7 September 2018"],
    ]
    widths, lines = fit_widths(headings, cells)
    assert sum(widths) <= TABLE_BUDGET_PX
    assert all(w >= HEADING_PX[0] * len(h) + HEADING_PX[1] - 1 for w, h in zip(widths, headings, strict=True))
    assert widths[headings.index("Annual value")] >= CELL_PX[0] * len("not published") + CELL_PX[1] - 1  # short: not wrapped
    assert 1 < lines <= WRAP_LINES and row_height(lines) > 64  # st.dataframe wraps only in rows over 4rem


def test_a_table_whose_headings_alone_are_too_wide_is_left_to_scroll() -> None:
    headings = [f"A heading of some length {n}" for n in range(8)]
    widths, lines = fit_widths(headings, [["x"]] * 8)
    assert lines == 1 and sum(widths) > TABLE_BUDGET_PX  # the browser test then names the page


@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=30), st.lists(st.text(max_size=150), min_size=1, max_size=3)), min_size=1, max_size=10)
)
def test_fitted_widths_never_exceed_the_page_unless_the_headings_alone_do(columns: list[tuple[str, list[str]]]) -> None:
    headings = [h for h, _ in columns]
    widths, lines = fit_widths(headings, [cells for _, cells in columns])
    assert len(widths) == len(columns) and 1 <= lines <= WRAP_LINES
    least = sum(round(HEADING_PX[0] * len(h) + HEADING_PX[1]) for h in headings)
    assert sum(widths) <= TABLE_BUDGET_PX or least >= TABLE_BUDGET_PX


def test_the_print_copys_headings_are_text_too() -> None:
    """A breakdown's value from the store can be a heading, and st.table renders Markdown there as well."""
    evil = "[continue](https://evil.example/login)"
    printed, _ = print_rows(pd.DataFrame({"n": [1]}), [evil])
    assert printed.columns.tolist() == [safe_text(evil)] and "](https" not in printed.columns[0]
