"""UK financial years (1 April to 31 March), their quarters, reporting periods and partial dates."""

from __future__ import annotations

from datetime import date

import pytest

from data_access.periods import (
    Period,
    add_months,
    financial_year_of,
    format_date,
    fy_end,
    fy_label,
    fy_start,
    months_between,
    parse_fy,
    parse_partial_date,
    parse_period,
    quarter_end,
    quarter_label,
    quarter_of,
    quarter_start,
)

# --- financial years -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2017, 3, 31), 2016),  # last day of 2016/17
        (date(2017, 4, 1), 2017),  # first day of 2017/18
        (date(2019, 3, 31), 2018),  # the ISVA contract's current end falls in 2018/19
        (date(2019, 4, 1), 2019),
        (date(2018, 9, 14), 2018),  # the West Yorkshire report's date
        (date(2016, 1, 1), 2015),
        (date(2016, 12, 31), 2016),
    ],
)
def test_financial_year_of_turns_over_on_1_april(day: date, year: int) -> None:
    assert financial_year_of(day) == year


@pytest.mark.parametrize(
    ("year", "label"),
    [(2016, "2016/17"), (2017, "2017/18"), (2025, "2025/26"), (1999, "1999/00"), (2009, "2009/10"), (2099, "2099/00")],
)
def test_fy_label(year: int, label: str) -> None:
    assert fy_label(year) == label


def test_fy_start_and_end() -> None:
    assert fy_start(2016) == date(2016, 4, 1)
    assert fy_end(2016) == date(2017, 3, 31)


@pytest.mark.parametrize("text", ["2016/17", "2016-17", "2016/2017", "2016-2017", " 2016 / 17 ", "FY2016/17", "fy 2016-17"])
def test_parse_fy_accepts_the_usual_spellings(text: str) -> None:
    assert parse_fy(text) == 2016


def test_parse_fy_across_a_century() -> None:
    assert parse_fy("1999/00") == 1999
    assert parse_fy("1999/2000") == 1999


@pytest.mark.parametrize(("text", "follows"), [("2016/18", "2017"), ("2016/2018", "2017"), ("2016/16", "2017"), ("1999/01", "2000")])
def test_parse_fy_rejects_years_that_do_not_follow_on(text: str, follows: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_fy(text)
    message = str(error.value)
    assert text not in message  # the importer shows what was written beside the message: said once
    assert f"must be followed by {follows}" in message  # and says what was expected


@pytest.mark.parametrize("text", ["2016", "16/17", "2016/1", "twenty sixteen", "", "2016/17/18", "Q1 2016/17"])
def test_parse_fy_rejects_what_is_not_a_financial_year(text: str) -> None:
    with pytest.raises(ValueError, match="is not a financial year written like 2016/17"):
        parse_fy(text)


def test_parse_fy_rejects_none() -> None:
    with pytest.raises(ValueError):
        parse_fy(None)  # type: ignore[arg-type]


# --- quarters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (1, date(2018, 4, 1), date(2018, 6, 30)),
        (2, date(2018, 7, 1), date(2018, 9, 30)),
        (3, date(2018, 10, 1), date(2018, 12, 31)),
        (4, date(2019, 1, 1), date(2019, 3, 31)),
    ],
)
def test_quarters_of_2018_19(quarter: int, start: date, end: date) -> None:
    assert quarter_start(2018, quarter) == start
    assert quarter_end(2018, quarter) == end
    assert quarter_of(start) == quarter
    assert quarter_of(end) == quarter
    assert financial_year_of(start) == financial_year_of(end) == 2018


def test_q4_ends_in_a_leap_year_february_safely() -> None:
    # Q4 2019/20 runs through February 2020 (29 days) to 31 March 2020.
    assert quarter_start(2019, 4) == date(2020, 1, 1)
    assert quarter_end(2019, 4) == date(2020, 3, 31)


def test_quarters_tile_the_financial_year() -> None:
    assert quarter_start(2017, 1) == fy_start(2017)
    assert quarter_end(2017, 4) == fy_end(2017)
    for q in (1, 2, 3):
        assert (quarter_start(2017, q + 1) - quarter_end(2017, q)).days == 1


def test_quarter_label() -> None:
    assert quarter_label(2018, 1) == "Q1 2018/19"
    assert quarter_label(2017, 4) == "Q4 2017/18"


# --- periods ---------------------------------------------------------------------------------


def test_parse_period_financial_year() -> None:
    period = parse_period("2017/18")
    assert period == Period(date(2017, 4, 1), date(2018, 3, 31), 2017, None)
    assert period.label == "2017/18"


def test_parse_period_quarter() -> None:
    period = parse_period("Q1 2018/19")
    assert period == Period(date(2018, 4, 1), date(2018, 6, 30), 2018, 1)
    assert period.label == "Q1 2018/19"
    assert parse_period("q4 2017-18") == Period(date(2018, 1, 1), date(2018, 3, 31), 2017, 4)


def test_parse_period_span_of_the_perpetrator_referrals() -> None:
    # 5,023 referrals 'during 2016/17 and 2017/18 (to the end of the contract in November 2017)'.
    period = parse_period("2016-04-01..2017-11-30")
    assert period == Period(date(2016, 4, 1), date(2017, 11, 30), None, None)
    assert period.label == "1 April 2016 to 30 November 2017"


def test_a_span_that_is_exactly_a_financial_year_is_that_year() -> None:
    period = parse_period("2017-04-01..2018-03-31")
    assert period == Period(date(2017, 4, 1), date(2018, 3, 31), 2017, None)
    assert period.label == "2017/18"


def test_a_span_one_day_short_of_a_financial_year_stays_a_span() -> None:
    period = parse_period("2017-04-01..2018-03-30")
    assert period.financial_year is None
    assert period.label == "1 April 2017 to 30 March 2018"


def test_parse_period_rejects_a_span_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("2017-11-30..2016-04-01")


@pytest.mark.parametrize("text", ["Q5 2018/19", "2017/19", "April 20177", "", "2016-04-01..", "Q1 2018/20", "2018-13", "Smarch 2018"])
def test_parse_period_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="not"):
        parse_period(text)


def test_parse_period_error_says_how_to_write_a_period() -> None:
    with pytest.raises(ValueError) as error:
        parse_period("April 20177")
    message = str(error.value)
    assert "April 20177" not in message  # shown beside the message, not in it
    assert message == (
        "is not a period: write a financial year (2017/18), a quarter (Q1 2018/19), a month (2018-05 or May 2018), "
        "a span of months (2018-08 to 2021-01) or of dates (2016-04-01 to 2017-11-30)"
    )


@pytest.mark.parametrize(
    ("text", "period", "label"),
    [
        # Provider performance tables give single months and spans of months.
        ("2018-05", Period(date(2018, 5, 1), date(2018, 5, 31)), "May 2018"),
        ("May 2018", Period(date(2018, 5, 1), date(2018, 5, 31)), "May 2018"),
        ("Sept 2019", Period(date(2019, 9, 1), date(2019, 9, 30)), "September 2019"),
        ("2018-08 to 2021-01", Period(date(2018, 8, 1), date(2021, 1, 31)), "1 August 2018 to 31 January 2021"),
        ("Aug 2018 - Jan 2021", Period(date(2018, 8, 1), date(2021, 1, 31)), "1 August 2018 to 31 January 2021"),
        ("Aug 2018 \u2013 Jan 2021", Period(date(2018, 8, 1), date(2021, 1, 31)), "1 August 2018 to 31 January 2021"),
        ("2016-04-01 to 2017-11-30", Period(date(2016, 4, 1), date(2017, 11, 30)), "1 April 2016 to 30 November 2017"),
        # Whole months that make a financial year or a quarter are that year or quarter.
        ("April 2017 to March 2018", Period(date(2017, 4, 1), date(2018, 3, 31), 2017), "2017/18"),
        ("Apr 2018 - Jun 2018", Period(date(2018, 4, 1), date(2018, 6, 30), 2018, 1), "Q1 2018/19"),
        ("2018-04-01 to 2018-06-30", Period(date(2018, 4, 1), date(2018, 6, 30), 2018, 1), "Q1 2018/19"),
    ],
)
def test_months_and_spans_of_months(text: str, period: Period, label: str) -> None:
    assert parse_period(text) == period
    assert parse_period(text).label == label


def test_a_month_that_could_be_a_financial_year_is_refused_not_guessed() -> None:
    # '2011-12' is December 2011 to a date reader and 2011/12 to a UK finance table.
    with pytest.raises(ValueError) as error:
        parse_period("2011-12")
    assert str(error.value) == "could be December 2011 or the financial year 2011/12: write 2011/12 for the year, or Dec 2011 for the month"
    assert parse_period("2018-12").label == "December 2018"  # 2018-12 is no financial year: a month


def test_a_span_of_months_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("2021-01 to 2018-08")


# --- partial dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at_end", "expected"),
    [
        ("2019-03-31", False, (date(2019, 3, 31), "day")),
        ("2019-03-31", True, (date(2019, 3, 31), "day")),
        ("2018-03", False, (date(2018, 3, 1), "month")),  # Victims Champion grant 'came to an end in March 2018'
        ("2018-03", True, (date(2018, 3, 31), "month")),
        ("2018", False, (date(2018, 1, 1), "year")),  # Norfolk YOT 'grant agreement until 2018'
        ("2018", True, (date(2018, 12, 31), "year")),
        ("2020-02", True, (date(2020, 2, 29), "month")),  # leap year
        ("2019-02", True, (date(2019, 2, 28), "month")),
        ("2020-02", False, (date(2020, 2, 1), "month")),
        ("2018-04", True, (date(2018, 4, 30), "month")),
    ],
)
def test_parse_partial_date(text: str, at_end: bool, expected: tuple[date, str]) -> None:
    assert parse_partial_date(text, at_end=at_end) == expected


@pytest.mark.parametrize("text", ["31/03/2019", "March 2018", "18", "", "2018-3-31"])
def test_parse_partial_date_rejects_other_forms(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date written like 2018-03-31, 2018-03 or 2018"):
        parse_partial_date(text, at_end=False)


def test_parse_partial_date_rejects_month_13() -> None:
    with pytest.raises(ValueError, match="has no month 13"):
        parse_partial_date("2018-13", at_end=True)


def test_parse_partial_date_rejects_a_day_the_month_does_not_have() -> None:
    with pytest.raises(ValueError):
        parse_partial_date("2019-02-29", at_end=False)


# --- formatting and arithmetic ---------------------------------------------------------------


def test_format_date_by_precision() -> None:
    assert format_date(date(2019, 3, 31)) == "31 March 2019"
    assert format_date(date(2019, 3, 31), "day") == "31 March 2019"
    assert format_date(date(2018, 3, 31), "month") == "March 2018"
    assert format_date(date(2018, 12, 31), "year") == "2018"
    assert format_date(date(2018, 9, 7)) == "7 September 2018"  # no leading zero


def test_format_date_of_nothing_says_not_published() -> None:
    assert format_date(None) == "not published"
    assert format_date(None, "month") == "not published"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2018, 8, 31), 6, date(2019, 2, 28)),
        (date(2019, 8, 31), 6, date(2020, 2, 29)),  # leap year
        (date(2018, 9, 14), 6, date(2019, 3, 14)),  # the red line for the ISVA contract
        (date(2018, 9, 14), 12, date(2019, 9, 14)),
        (date(2018, 1, 31), 1, date(2018, 2, 28)),
        (date(2018, 12, 15), 1, date(2019, 1, 15)),  # across a year end
        (date(2019, 3, 31), -1, date(2019, 2, 28)),  # backwards
        (date(2019, 3, 31), -12, date(2018, 3, 31)),
        (date(2019, 3, 31), 0, date(2019, 3, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_months_between() -> None:
    # As at the West Yorkshire report, the ISVA contract had 6.5 months to run and the core referral contract 30.5.
    assert months_between(date(2018, 9, 14), date(2019, 3, 31)) == 6.5
    assert months_between(date(2018, 9, 14), date(2021, 3, 31)) == 30.5
    assert months_between(date(2019, 3, 31), date(2018, 9, 14)) == -6.5
    assert months_between(date(2018, 9, 14), date(2018, 9, 14)) == 0.0
