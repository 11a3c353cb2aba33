"""Exact money: amounts are whole pence (int) in the store, Decimal pounds in arithmetic, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_MONEY = re.compile(
    r"""^\s*
    (?P<open>\()?\s*
    (?P<sign>-)?\s*
    £?\s*
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*(?P<scale>k|m|bn|thousand|million|billion)?\s*
    (?P<close>\))?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_THOUSAND, _MILLION, _BILLION = Decimal(1_000), Decimal(1_000_000), Decimal(1_000_000_000)
_SCALES = {None: Decimal(1), "k": _THOUSAND, "thousand": _THOUSAND, "m": _MILLION, "million": _MILLION, "bn": _BILLION, "billion": _BILLION}
SHAPES = "write it like £1,234.50, £360k, £1.018m or £2.814 million"


def parse_money(text: str) -> int:
    """UK money text -> whole pence.

    Accepts £1,234.50, 1234.5, (1,234.50) for a credit, -£20, £360k, £360 thousand, £1.018m, £2.814 million,
    £1.2bn and £2.8 billion. Raises ValueError saying what is wrong when it is not money or has a fraction of a
    penny; the message does not repeat the text (callers show it beside the message).
    """
    match = _MONEY.match(text or "")
    if not match or bool(match.group("open")) != bool(match.group("close")):
        raise ValueError(f"is not an amount of money ({SHAPES})")
    try:
        pounds = Decimal(match.group("number").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise ValueError("is not an amount of money") from None
    pence = pounds * _SCALES[(match.group("scale") or "").lower() or None] * 100
    if pence != pence.to_integral_value():
        raise ValueError("has a fraction of a penny")
    negative = bool(match.group("open")) or bool(match.group("sign"))
    return -int(pence) if negative else int(pence)


def pounds(pence: int) -> Decimal:
    """Whole pence -> exact Decimal pounds."""
    return Decimal(pence) / 100


def format_money(pence: int | None, *, short: bool = False) -> str:
    """Whole pence -> '£1,037,415' (pence shown only when there are some), or '£1.04m' / '£360k' when short.

    None means the figure was never published, and says so rather than showing zero.
    """
    if pence is None:
        return "not published"
    sign = "-" if pence < 0 else ""
    amount = pounds(abs(pence))
    # Decide the unit after rounding to the thousand shown: £999,600 is £1.00m, not £1000k.
    if short and (amount / 1_000).quantize(Decimal("1"), ROUND_HALF_UP) >= 1_000:
        return f"{sign}£{(amount / 1_000_000).quantize(Decimal('0.01'), ROUND_HALF_UP)}m"
    if short and amount >= 10_000:
        return f"{sign}£{(amount / 1_000).quantize(Decimal('1'), ROUND_HALF_UP)}k"
    if amount == amount.to_integral_value():
        return f"{sign}£{amount:,.0f}"
    return f"{sign}£{amount:,.2f}"
