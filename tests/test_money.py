"""Exact money: UK money text to whole pence and back, with no float anywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest

from data_access.money import format_money, parse_money, pounds

# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("£1,234.50", 123450),
        ("1234.5", 123450),
        ("1234.50", 123450),
        ("(1,234.50)", -123450),  # a credit
        ("( £1,234.50 )", -123450),
        ("-£20", -2000),
        ("£360k", 36000000),  # Norfolk: VARSS and IDVA, £360k per annum each
        ("£114k", 11400000),  # Norfolk Youth Offending Team
        ("£75k", 7500000),  # Sue Lambert Trust
        ("£1.018m", 101800000),  # Norfolk: from the main police grant, 2016/17
        ("£1,037,415", 103741500),  # Norfolk: MoJ victims grant, 2016/17
        ("£300,000", 30000000),  # Derbyshire community grants, 2021
        ("£275,000", 27500000),  # Derbyshire Safer and Stronger Communities Grant, 2025
        ("£5,000", 500000),  # ... and its cap on each application
        ("£20k", 2000000),  # West Yorkshire Victims Champion, initial year
        ("£5k", 500000),  # West Yorkshire honour based abuse advice project
        ("20000", 2000000),
        ("£0.10", 10),
        (".5", 50),
        ("£360K", 36000000),
        ("£1.5bn", 150000000000),
        ("0", 0),
        ("  £1,234.50  ", 123450),
    ],
)
def test_parse_money(text: str, pence: int) -> None:
    value = parse_money(text)
    assert value == pence
    assert type(value) is int


@pytest.mark.parametrize(
    "text",
    ["abc", "", "£", "£1,23", "£12,34,567", "1,234.5.6", "£1.2.3m", "1e3", "£360 thousands", "£2.8 billions", "£-5", "five pounds"],
)
def test_parse_money_rejects_what_is_not_money(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_money(text)
    # Said once: the importer shows the value beside the rule, so the rule does not quote it again.
    assert str(error.value) == "is not an amount of money (write it like £1,234.50, £360k, £1.018m or £2.814 million)"


def test_parse_money_rejects_none() -> None:
    with pytest.raises(ValueError, match="is not an amount of money"):
        parse_money(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["£1.2345", "0.001", "£1.005", "(£0.125)"])
def test_parse_money_rejects_fractions_of_a_penny(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_money(text)
    assert str(error.value) == "has a fraction of a penny"


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("£2.814 million", 281_400_000),  # as grant lists write a fund's total
        ("£2.8 billion", 280_000_000_000),
        ("£1.2bn", 120_000_000_000),
        ("£360 thousand", 36_000_000),
        ("£1.018 Million", 101_800_000),
        ("£1.018m", 101_800_000),
    ],
)
def test_scales_written_as_words(text: str, pence: int) -> None:
    assert parse_money(text) == pence


def test_a_scale_can_make_a_long_fraction_whole() -> None:
    # £1.2345m is £1,234,500: no fraction of a penny once scaled.
    assert parse_money("£1.2345m") == 123450000
    assert parse_money("£0.00001m") == 1000


@pytest.mark.parametrize("text", ["(1,234.50", "1,234.50)", "(£360k", "£1.018m)"])
def test_parse_money_rejects_unbalanced_brackets(text: str) -> None:
    with pytest.raises(ValueError, match="is not an amount of money"):
        parse_money(text)


# --- no float --------------------------------------------------------------------------------


def test_pence_add_up_exactly() -> None:
    # 0.1 + 0.2 != 0.3 in binary floating point; in pence it is exact.
    assert parse_money("£0.10") + parse_money("£0.20") == parse_money("£0.30") == 30
    assert pounds(parse_money("£0.10")) + pounds(parse_money("£0.20")) == Decimal("0.30")


def test_the_norfolk_agreements_add_up_to_the_penny() -> None:
    values = [parse_money(t) for t in ("£360k", "£360k", "£114k", "£75k")]
    assert sum(values) == 90900000
    assert format_money(sum(values)) == "£909,000"


def test_amounts_beyond_float_precision_stay_exact() -> None:
    # 12,345,678,901,234,567 pence is above 2**53: a float would lose the last penny.
    pence = parse_money("£123,456,789,012,345.67")
    assert pence == 12345678901234567
    assert pence > 2**53
    assert int(float(pence)) != pence
    assert format_money(pence) == "£123,456,789,012,345.67"


def test_pounds_is_an_exact_decimal() -> None:
    value = pounds(103741500)
    assert isinstance(value, Decimal)
    assert value == Decimal("1037415")
    assert pounds(123450) == Decimal("1234.50")
    assert pounds(1) == Decimal("0.01")


# --- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (103741500, "£1,037,415"),
        (101800000, "£1,018,000"),
        (36000000, "£360,000"),
        (123450, "£1,234.50"),
        (123401, "£1,234.01"),
        (-123450, "-£1,234.50"),
        (500000, "£5,000"),
        (0, "£0"),
        (5, "£0.05"),
    ],
)
def test_format_money_in_full(pence: int, text: str) -> None:
    assert format_money(pence) == text


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (103741500, "£1.04m"),  # MoJ grant £1,037,415
        (101800000, "£1.02m"),  # £1.018m
        (36000000, "£360k"),
        (11400000, "£114k"),
        (7500000, "£75k"),
        (27500000, "£275k"),
        (1000000, "£10k"),  # £10,000 is the smallest amount written in thousands
        (999999, "£9,999.99"),  # below £10,000 in full
        (500000, "£5,000"),
        (-36000000, "-£360k"),
        (100000000, "£1.00m"),
        (199500000, "£2.00m"),  # £1.995m rounds half up
    ],
)
def test_format_money_short(pence: int, text: str) -> None:
    assert format_money(pence, short=True) == text


@pytest.mark.parametrize("pence", [99_999_900, 99_950_000])
def test_format_money_short_just_below_a_million(pence: int) -> None:
    # Regression: £999,500 to £999,999.99 were once written '£1000k' (the unit was chosen before rounding).
    assert format_money(pence, short=True) == "£1.00m"


def test_format_money_of_nothing_says_not_published() -> None:
    assert format_money(None) == "not published"
    assert format_money(None, short=True) == "not published"


@pytest.mark.parametrize("text", ["£1,234.50", "£1,037,415", "-£20", "£0.05", "£909,000"])
def test_format_money_reads_back(text: str) -> None:
    assert format_money(parse_money(text)) == text
