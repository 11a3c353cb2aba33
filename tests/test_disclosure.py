"""Disclosure control: counts from published documents shown as published; counts of people from internal returns
hidden when small, the rest rounded to 5, and no hidden figure left recoverable from a total. Hand-worked
examples first, then the seed documents' real counts, then properties checked on many generated breakdowns."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access import disclosure, public
from data_access.disclosure import SECONDARY_NOTE, Breakdown, PublicCount, Shares, control, public_count, round_count, rule_in_words
from data_access.models import Audience

SMALL = "suppressed: fewer than 10"
ROUNDED = "rounded to the nearest 5"


def people(values: dict[str, float | None]) -> pd.DataFrame:
    """A frame of counts of people, indexed by label."""
    return pd.DataFrame({"value": list(values.values()), "counts_people": True}, index=list(values))


def shown(result: pd.DataFrame) -> dict[str, tuple[object, str]]:
    return {label: (row.shown_value, row.disclosure_note) for label, row in result.iterrows()}


def test_settings_are_the_documented_defaults() -> None:
    assert disclosure.DISCLOSURE_THRESHOLD == 10
    assert disclosure.ROUND_TO == 5


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        (224, 225),  # West Yorkshire ISVA referrals a quarter (2.3.2)
        (996, 995),  # ... and a year, as stated
        (89, 90),  # trials at which ISVAs supported victims
        (5023, 5025),  # perpetrator programme referrals (2.3.1)
        (10, 10),
        (12, 10),
        (13, 15),
        (22.5, 25),  # halves go up
    ],
)
def test_round_count(raw: float, rounded: int) -> None:
    assert round_count(raw) == rounded


def test_small_counts_hidden_and_the_rest_rounded() -> None:
    result = control(people({"a": 9, "b": 10, "c": 0, "d": 224}))
    assert shown(result) == {"a": (None, SMALL), "b": (10, ROUNDED), "c": (None, SMALL), "d": (225, ROUNDED)}


def test_figures_that_are_not_counts_of_people_are_shown_as_published() -> None:
    frame = pd.DataFrame({"value": [3.0, 80.0, None], "counts_people": [False, False, True]}, index=["count", "rate", "missing"])
    assert shown(control(frame)) == {"count": (3.0, ""), "rate": (80.0, ""), "missing": (None, "")}


def test_one_hidden_part_of_a_published_total_hides_the_next_smallest() -> None:
    # 3 + 12 + 20 = 35. Hiding only the 3 would let anyone work it out as 35 - 12 - 20, so the 12 goes too.
    frame = people({"x": 3, "y": 12, "z": 20, "total": 35})
    result = control(frame, breakdowns=[Breakdown(("x", "y", "z"), "total")])
    assert shown(result) == {
        "x": (None, SMALL),
        "y": (None, SECONDARY_NOTE),
        "z": (20, ROUNDED),
        "total": (35, ROUNDED),
    }


def test_without_a_published_total_no_second_figure_is_hidden() -> None:
    frame = people({"x": 3, "y": 12, "z": 20})
    result = control(frame, breakdowns=[Breakdown(("x", "y", "z"), None)])
    assert shown(result) == {"x": (None, SMALL), "y": (10, ROUNDED), "z": (20, ROUNDED)}


def test_two_small_parts_protect_each_other() -> None:
    frame = people({"x": 3, "y": 4, "z": 50, "total": 57})
    result = control(frame, breakdowns=[Breakdown(("x", "y", "z"), "total")])
    assert shown(result) == {"x": (None, SMALL), "y": (None, SMALL), "z": (50, ROUNDED), "total": (55, ROUNDED)}


def test_hidden_figure_in_one_set_spreads_to_the_sets_it_touches() -> None:
    """A two-by-two table with row and column totals:

                 Q1   Q2 | year
        Leeds     5   30 |   35
        Bradford 40   45 |   85
        -----------------+
        both     45   75

    Leeds Q1 (5) is hidden. Row Leeds then has one hidden: hide Leeds Q2 (30). Column Q1 has one
    hidden: hide Bradford Q1 (40). Now column Q2 has Leeds Q2 hidden only: hide Bradford Q2 (45). Every
    row and column then has two hidden figures, and none can be worked out.
    """
    frame = people({"lq1": 5, "lq2": 30, "bq1": 40, "bq2": 45, "leeds": 35, "bradford": 85, "q1": 45, "q2": 75})
    sets = [
        Breakdown(("lq1", "lq2"), "leeds"),
        Breakdown(("bq1", "bq2"), "bradford"),
        Breakdown(("lq1", "bq1"), "q1"),
        Breakdown(("lq2", "bq2"), "q2"),
    ]
    result = shown(control(frame, breakdowns=sets))
    assert result["lq1"] == (None, SMALL)
    assert {k: result[k] for k in ("lq2", "bq1", "bq2")} == dict.fromkeys(("lq2", "bq1", "bq2"), (None, SECONDARY_NOTE))
    assert {k: result[k] for k in ("leeds", "bradford", "q1", "q2")} == {
        "leeds": (35, ROUNDED),
        "bradford": (85, ROUNDED),
        "q1": (45, ROUNDED),
        "q2": (75, ROUNDED),
    }


def test_a_year_and_its_average_per_quarter_hide_together() -> None:
    # The year's 36 could be worked out as 4 x 9, so when the average is hidden the year goes too.
    frame = people({"average": 9, "year": 36})
    result = control(frame, breakdowns=[Breakdown(("average",), "year")])
    assert shown(result) == {"average": (None, SMALL), "year": (None, SECONDARY_NOTE)}


def test_shares_standing_for_fewer_than_ten_people_are_hidden_with_a_second_share() -> None:
    # 2% of 200 people is 4 people: hidden. The shares add up to 100%, so 100 - 30 - 68 would give it back: hide the 30% too.
    frame = pd.DataFrame(
        {"value": [200, 2, 30, 68], "counts_people": [True, False, False, False]}, index=["referrals", "police", "health", "other"]
    )
    result = control(frame, shares=[Shares(("police", "health", "other"), of="referrals")])
    assert shown(result) == {
        "referrals": (200, ROUNDED),
        "police": (None, SMALL),
        "health": (None, SECONDARY_NOTE),
        "other": (68.0, ""),
    }


def test_shares_of_a_small_count_stand_for_fewer_than_ten_people() -> None:
    frame = pd.DataFrame({"value": [8, 50, 50], "counts_people": [True, False, False]}, index=["referrals", "a", "b"])
    result = control(frame, shares=[Shares(("a", "b"), of="referrals")])
    assert shown(result) == {"referrals": (None, SMALL), "a": (None, SMALL), "b": (None, SMALL)}


def test_shares_of_a_count_hidden_to_protect_another_are_hidden_too() -> None:
    # Men 40 + women 5 = 45 referrals. The 5 is hidden, so the 40 is hidden too (else 45 - 40 gives it back);
    # the men's referral sources, 50% and 50%, would be 20 people each, but are percentages of a hidden count.
    frame = pd.DataFrame(
        {"value": [40, 5, 45, 50, 50], "counts_people": [True, True, True, False, False]},
        index=["men", "women", "all", "men_police", "men_other"],
    )
    result = control(frame, breakdowns=[Breakdown(("men", "women"), "all")], shares=[Shares(("men_police", "men_other"), of="men")])
    assert shown(result) == {
        "men": (None, SECONDARY_NOTE),
        "women": (None, SMALL),
        "all": (45, ROUNDED),
        "men_police": (None, SECONDARY_NOTE),
        "men_other": (None, SECONDARY_NOTE),
    }


def test_threshold_and_rounding_can_be_changed() -> None:
    result = control(people({"a": 12, "b": 17}), threshold=15, round_to=10)
    assert shown(result) == {"a": (None, "suppressed: fewer than 15"), "b": (20, "rounded to the nearest 10")}


def test_rule_in_words_states_the_threshold_and_the_rounding() -> None:
    words = rule_in_words()
    assert "fewer than 10 people is not shown" in words
    assert "rounded to the nearest 5" in words
    assert "224 stays 224" in words and "224 is shown as 225" not in words  # published counts are shown as published
    assert '"as published"' in words and 'shown as "about 10"' in words
    assert "worked out" in words


# --- one count: public_count ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "published", "expected"),
    [
        # West Yorkshire's report (2.3.1, 2.3.2) published these: shown exactly, labelled as published.
        (224, True, PublicCount(224, "224", "as published")),
        (996, True, PublicCount(996, "996", "as published")),
        (89, True, PublicCount(89, "89", "as published")),
        (5023, True, PublicCount(5023, "5,023", "as published")),
        (7, True, PublicCount(7, "7", "as published")),  # a small count a public document printed is public already
        # From an internal return: the threshold is checked on the exact count, before rounding.
        (7, False, PublicCount(None, "fewer than 10", SMALL)),
        (8, False, PublicCount(None, "fewer than 10", SMALL)),  # would round to 10: never shown as 10
        (9.6, False, PublicCount(None, "fewer than 10", SMALL)),
        (0, False, PublicCount(None, "fewer than 10", SMALL)),
        (10, False, PublicCount(10, "about 10", ROUNDED)),
        (12, False, PublicCount(10, "about 10", ROUNDED)),
        (224, False, PublicCount(225, "about 225", ROUNDED)),
        (5023, False, PublicCount(5025, "about 5,025", ROUNDED)),
        (None, False, PublicCount(None, "not published", "")),
        (None, True, PublicCount(None, "not published", "")),
        (float("nan"), False, PublicCount(None, "not published", "")),
    ],
)
def test_public_count(value: float | None, published: bool, expected: PublicCount) -> None:
    assert public_count(value, published=published) == expected


def test_public_count_hidden_means_a_figure_withheld_not_a_figure_missing() -> None:
    assert public_count(8, published=False).hidden
    assert not public_count(None, published=False).hidden
    assert not public_count(12, published=False).hidden


def test_public_count_threshold_and_rounding_can_be_changed() -> None:
    assert public_count(14, published=False, threshold=15, round_to=10) == PublicCount(None, "fewer than 15", "suppressed: fewer than 15")
    assert public_count(17, published=False, threshold=15, round_to=10) == PublicCount(20, "about 20", "rounded to the nearest 10")


def test_control_shows_published_rows_as_published_and_controls_internal_ones() -> None:
    frame = pd.DataFrame(
        {"value": [224, 224, 8, 8], "counts_people": True, "published_source": [True, False, True, False]}, index=["pa", "ia", "pb", "ib"]
    )
    result = control(frame)
    assert shown(result) == {"pa": (224, "as published"), "ia": (225, ROUNDED), "pb": (8, "as published"), "ib": (None, SMALL)}
    assert list(result["shown_text"]) == ["224", "about 225", "8", "fewer than 10"]


def test_control_without_a_published_column_treats_every_row_as_internal() -> None:
    assert shown(control(people({"a": 224})))["a"] == (225, ROUNDED)


def test_secondary_suppression_never_hides_a_published_figure() -> None:
    """An internal part hidden beside a published total: the next internal part is hidden, never the total."""
    frame = pd.DataFrame(
        {"value": [7, 23, 30], "counts_people": True, "published_source": [False, False, True]}, index=["small", "other", "total"]
    )
    result = shown(control(frame, breakdowns=[Breakdown(("small", "other"), "total")]))
    assert result == {"small": (None, SMALL), "other": (None, SECONDARY_NOTE), "total": (30, "as published")}


# --- the seed documents' counts, through the public query --------------------------------------


def test_west_yorkshire_published_counts_are_shown_as_published(session) -> None:
    """The report is a published document: '224 referrals per quarter (996 p.a.)', 89 trials (2.3.2) and 5,023
    referrals (2.3.1) are shown exactly as it gives them, not rounded to 225, 995, 90 and 5,025."""
    frame = public.published_performance(session=session, area="west-yorkshire", audience=Audience.PUBLIC)
    assert "value" not in frame.columns  # the exact figure never leaves the query (for internal returns it differs)

    def figure(measure: str, statement_start: str = "") -> tuple[object, str, str]:
        rows = frame[
            (frame["measure_id"] == measure) & frame["value_statement"].str.startswith(statement_start) & (frame["dimension"] == "")
        ]
        assert len(rows) == 1, rows
        return rows["shown_value"].iloc[0], rows["disclosure_note"].iloc[0], rows["shown_text"].iloc[0]

    assert figure("isva-referrals", "average per quarter") == (224, "as published", "224")
    assert figure("isva-referrals", "per annum") == (996, "as published", "996")
    assert figure("isva-trials-supported") == (89, "as published", "89")
    assert figure("perpetrator-referrals") == (5023, "as published", "5,023")
    shares = frame[frame["measure_id"] == "perpetrator-referral-share"]
    assert sorted(shares["shown_value"]) == [11, 13, 17, 25, 29]  # 95% in all, as stated; each well over 10 people of 5,023
    assert set(shares["disclosure_note"]) == {""}
    # Illustrative figures (the made-up quarterly ISVA split, the 48-hour contact rate) are not published facts.
    assert not (frame["basis"] == "illustrative").any()
    assert "enhanced-contact-48h" not in set(frame["measure_id"])


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=6), st.booleans())
def test_no_set_is_left_with_exactly_one_hidden_figure(parts: list[int], with_total: bool) -> None:
    labels = [f"p{i}" for i in range(len(parts))]
    values: dict[str, float | None] = dict(zip(labels, parts, strict=True))
    if with_total:
        values["total"] = sum(parts)
    result = control(people(values), breakdowns=[Breakdown(tuple(labels), "total" if with_total else None)])
    hidden = result["shown_value"].isna()
    for label, raw in values.items():
        if raw is not None and raw < 10:
            assert hidden[label], f"{label}={raw} shown"
        if not hidden[label]:
            assert result.at[label, "shown_value"] % 5 == 0 and abs(result.at[label, "shown_value"] - raw) <= 2
    if with_total:
        assert hidden.sum() != 1, result
