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
# A span: two ends joined by '..', 'to' or a dash with spaces round it (a bare hyphen is inside ISO dates).
_SPAN_JOIN = re.compile(r"\s*\.\.\s*|\s+to\s+|\s+[-\u2013\u2014]\s+|\s*[\u2013\u2014]\s*", re.IGNORECASE)
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
MONTHS: dict[str, int] = (
    {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
    | {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
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
    """'2016/17', '2016-17' or '2016/2017' -> 2016; raises ValueError saying what is wrong (the caller shows the text)."""
    match = _FY.match(text or "")
    if not match:
        raise ValueError("is not a financial year written like 2016/17")
    start, end = int(match.group(1)), match.group(2)
    expected = start + 1
    if (len(end) == 2 and int(end) != expected % 100) or (len(end) == 4 and int(end) != expected):
        raise ValueError(f"is not a financial year: {start} must be followed by {expected}")
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
        """How the period is written on screen: 'Q1 2018/19', '2017/18', one whole month 'May 2018', or a span
        '1 August 2018 to 31 January 2021'."""
        if self.financial_year is not None and self.quarter is not None:
            return quarter_label(self.financial_year, self.quarter)
        if self.financial_year is not None:
            return fy_label(self.financial_year)
        if self.start.day == 1 and self.end == _month_end(self.start.year, self.start.month):
            return format_date(self.start, DatePrecision.MONTH)
        return f"{format_date(self.start)} to {format_date(self.end)}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _span_end(text: str, *, at_end: bool) -> date | None:
    """One end of a span: a whole date (2016-04-01) or a month (2018-08, Aug 2018, August 2018), which stands for its
    first day at the start of a span and its last day at the end. None when `text` is neither."""
    if match := _ISO_DAY.match(text):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    year, month = 0, 0
    if match := _ISO_MONTH.match(text):
        year, month = int(match[1]), int(match[2])
    elif (match := _NAMED_MONTH.match(text)) and match[1].lower() in MONTHS:
        year, month = int(match[2]), MONTHS[match[1].lower()]
    if not 1 <= month <= 12:
        return None
    return _month_end(year, month) if at_end else date(year, month, 1)


def _is_financial_year(text: str) -> bool:
    try:
        parse_fy(text)
    except ValueError:
        return False
    return True


def _dated_period(start: date, end: date) -> Period:
    """A span of dates; one that is exactly a financial year, or exactly one of its quarters, is that year or quarter."""
    year = financial_year_of(start)
    if start == fy_start(year) and end == fy_end(year):
        return Period(start, end, year)
    quarter = quarter_of(start)
    if start == quarter_start(year, quarter) and end == quarter_end(year, quarter):
        return Period(start, end, year, quarter)
    return Period(start, end)


PERIOD_SHAPES = (
    "write a financial year (2017/18), a quarter (Q1 2018/19), a month (2018-05 or May 2018), "
    "a span of months (2018-08 to 2021-01) or of dates (2016-04-01 to 2017-11-30)"
)


def parse_period(text: str) -> Period:
    """'2017/18', 'Q1 2018/19', a month ('2018-05', 'May 2018'), a span of months ('2018-08 to 2021-01',
    'Aug 2018 - Jan 2021') or of dates ('2016-04-01 to 2017-11-30', '2016-04-01..2017-11-30') -> Period.

    A span that is exactly a financial year or a quarter is that year or quarter; a month is only a month.
    Raises ValueError saying what is wrong (without repeating the text: the caller shows it beside the message).
    """
    text = (text or "").strip()
    quarter = _QUARTER.match(text)
    if quarter:
        year, q = parse_fy(quarter.group(2)), int(quarter.group(1))
        return Period(quarter_start(year, q), quarter_end(year, q), year, q)
    month = _span_end(text, at_end=False)
    if month is not None and _is_financial_year(text):
        # '2011-12' is December 2011 and also the financial year 2011-12, as UK tables often write it: never guess.
        raise ValueError(
            f"could be {format_date(month, DatePrecision.MONTH)} or the financial year {fy_label(month.year)}: "
            f"write {fy_label(month.year)} for the year, or {calendar.month_abbr[month.month]} {month.year} for the month"
        )
    if month is not None and not _ISO_DAY.match(text):
        return _dated_period(month, _month_end(month.year, month.month))
    ends = _SPAN_JOIN.split(text)
    if len(ends) == 2:
        start, end = _span_end(ends[0].strip(), at_end=False), _span_end(ends[1].strip(), at_end=True)
        if start is not None and end is not None:
            if end < start:
                raise ValueError("is a period that ends before it starts")
            return _dated_period(start, end)
    try:
        year = parse_fy(text)
    except ValueError:
        raise ValueError(f"is not a period: {PERIOD_SHAPES}") from None
    return Period(fy_start(year), fy_end(year), year)


def parse_partial_date(text: str, *, at_end: bool) -> tuple[date, str]:
    """'2018-03-31', '2018-03' or '2018' -> (date, precision).

    A partial date stands for a whole month or year; `at_end` picks its last day
    (for end dates) rather than its first (for start dates).
    """
    match = _PARTIAL.match(text or "")
    if not match:
        raise ValueError("is not a date written like 2018-03-31, 2018-03 or 2018")
    year, month, day = match.groups()
    if day:
        return date(int(year), int(month), int(day)), DatePrecision.DAY
    if month:
        m = int(month)
        if not 1 <= m <= 12:
            raise ValueError(f"has no month {m}")
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
