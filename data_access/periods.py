"""UK financial years (1 April to 31 March, written 2016/17), their quarters, and partial dates.

A financial year is held as the calendar year it starts in: 2016 means 2016/17.
Quarters follow the financial year: Q1 is April to June, Q4 is January to March.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from data_access.models import DatePrecision

_FY = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_QUARTER = re.compile(r"^\s*Q([1-4])\s+(.+)$", re.IGNORECASE)
_SPAN = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")
_PARTIAL = re.compile(r"^\s*(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?\s*$")


def financial_year_of(day: date) -> int:
    """The financial year (by its starting calendar year) that contains `day`."""
    return day.year if day.month >= 4 else day.year - 1


def fy_label(year: int) -> str:
    """2016 -> '2016/17'."""
    return f"{year}/{(year + 1) % 100:02d}"


def fy_start(year: int) -> date:
    """First day of a financial year."""
    return date(year, 4, 1)


def fy_end(year: int) -> date:
    """Last day of a financial year."""
    return date(year + 1, 3, 31)


def parse_fy(text: str) -> int:
    """'2016/17', '2016-17' or '2016/2017' -> 2016; raises ValueError naming the text."""
    match = _FY.match(text or "")
    if not match:
        raise ValueError(f"'{text}' is not a financial year written like 2016/17")
    start, end = int(match.group(1)), match.group(2)
    expected = start + 1
    if (len(end) == 2 and int(end) != expected % 100) or (len(end) == 4 and int(end) != expected):
        raise ValueError(f"'{text}' is not a financial year: {start} must be followed by {expected}")
    return start


def quarter_of(day: date) -> int:
    """Financial quarter (1-4) containing `day`."""
    return (day.month - 4) % 12 // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    """First day of quarter `quarter` of financial year `year`."""
    month = 4 + 3 * (quarter - 1)
    return date(year + month // 13, (month - 1) % 12 + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    """Last day of quarter `quarter` of financial year `year`."""
    nxt = quarter_start(year, quarter + 1) if quarter < 4 else fy_start(year + 1)
    return nxt - timedelta(days=1)


def quarter_label(year: int, quarter: int) -> str:
    """(2018, 1) -> 'Q1 2018/19'."""
    return f"Q{quarter} {fy_label(year)}"


@dataclass(frozen=True)
class Period:
    """A reporting period: a financial year, one of its quarters, or an explicit date span."""

    start: date
    end: date
    financial_year: int | None = None
    quarter: int | None = None

    @property
    def label(self) -> str:
        """How the period is written on screen."""
        if self.financial_year is not None and self.quarter is not None:
            return quarter_label(self.financial_year, self.quarter)
        if self.financial_year is not None:
            return fy_label(self.financial_year)
        return f"{format_date(self.start)} to {format_date(self.end)}"


def parse_period(text: str) -> Period:
    """'2017/18', 'Q1 2018/19' or '2016-04-01..2017-11-30' -> Period; raises ValueError."""
    text = (text or "").strip()
    quarter = _QUARTER.match(text)
    if quarter:
        year, q = parse_fy(quarter.group(2)), int(quarter.group(1))
        return Period(quarter_start(year, q), quarter_end(year, q), year, q)
    span = _SPAN.match(text)
    if span:
        start, end = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
        if end < start:
            raise ValueError(f"period '{text}' ends before it starts")
        # A span that is exactly one financial year is that year.
        if start.month == 4 and start.day == 1 and end == fy_end(start.year):
            return Period(start, end, start.year)
        return Period(start, end)
    try:
        year = parse_fy(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a period: write a financial year (2017/18), a quarter (Q1 2018/19) or a span (2016-04-01..2017-11-30)"
        ) from None
    return Period(fy_start(year), fy_end(year), year)


def parse_partial_date(text: str, *, at_end: bool) -> tuple[date, str]:
    """'2018-03-31', '2018-03' or '2018' -> (date, precision).

    A partial date stands for a whole month or year; `at_end` picks its last day
    (for end dates) rather than its first (for start dates).
    """
    match = _PARTIAL.match(text or "")
    if not match:
        raise ValueError(f"'{text}' is not a date written like 2018-03-31, 2018-03 or 2018")
    year, month, day = match.groups()
    if day:
        return date(int(year), int(month), int(day)), DatePrecision.DAY
    if month:
        m = int(month)
        if not 1 <= m <= 12:
            raise ValueError(f"'{text}' has no month {m}")
        last = calendar.monthrange(int(year), m)[1]
        return date(int(year), m, last if at_end else 1), DatePrecision.MONTH
    return (date(int(year), 12, 31) if at_end else date(int(year), 1, 1)), DatePrecision.YEAR


def format_date(day: date | None, precision: str = DatePrecision.DAY) -> str:
    """A date as people in the UK write it: '31 March 2019', 'March 2018' or '2018'."""
    if day is None:
        return "not published"
    if precision == DatePrecision.YEAR:
        return str(day.year)
    if precision == DatePrecision.MONTH:
        return f"{calendar.month_name[day.month]} {day.year}"
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def months_between(start: date, end: date) -> float:
    """Months from `start` to `end` (negative when `end` is earlier), to one decimal place."""
    return round((end - start).days / 30.4375, 1)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day (31 Aug + 6 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
