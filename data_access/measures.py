"""A measure's value or target in words, the one way every page, chart, sentence and file writes one.

Figures are shown with the decimals they were published with: 99.8% is never 100% and 11.5% never 12%, since a
rounded rate can turn a miss into a hit (99.8% against a target of 100%). A figure with no decimals has none
shown (12.0 is "12%"), and a missing one says so: never 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from data_access.basis import NOT_PUBLISHED

PERCENT_UNITS = ("percent", "share")  # a rate, or a percent of a whole
AS_PUBLISHED = "as published"  # the label beside a percentage: its decimals are the source's own
NO_TARGET = "no target published"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))  # None, NaN, NaT or pandas' NA


def number_text(value: float) -> str:
    """1,234 or 99.8 or 97.25: the number with the decimals it has, and no more (12.0 is 12)."""
    # repr is the shortest text that reads back as the same float (99.8, not 99.799…); rounding to 9 places first only
    # drops the noise of float arithmetic in a sum (33.3 + 33.3 + 33.3 is 99.89999999999999), never a published decimal.
    number = Decimal(repr(round(float(value), 9)))
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number.normalize():,f}"


def format_measure(value: Any, unit: str, *, labelled: bool = False, missing: str = NOT_PUBLISHED) -> str:
    """A measure's value as written on screen: '1,234', '99.8%', '12%'; `missing` (default 'not published') for none.

    `labelled` adds '(as published)' after a percentage, for a sentence or a hover, where no heading says it.
    """
    if _missing(value):
        return missing
    if unit in PERCENT_UNITS:
        return f"{number_text(value)}%" + (f" ({AS_PUBLISHED})" if labelled else "")
    return number_text(value)


def format_target(target: Any, unit: str, *, labelled: bool = False) -> str:
    """A target as written on screen, or 'no target published' where the source sets none."""
    return format_measure(target, unit, labelled=labelled, missing=NO_TARGET)
