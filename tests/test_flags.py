"""What a panel member should look at first: findings computed from the seeded store, each with a question."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session

from data_access import flags
from data_access.models import Audience

ISVA = "Independent Sexual Advisor Contract (ISVA)"


def attention(session: Session, area: str, year: int, as_at: date, audience: Audience = Audience.PUBLIC) -> pd.DataFrame:
    return flags.attention_items(session=session, area=area, year=year, as_at=as_at, audience=audience)


def item(frame: pd.DataFrame, finding: str) -> pd.Series:
    rows = frame[frame["finding"] == finding]
    assert len(rows) == 1, f"{len(rows)} items say {finding!r}; items: {list(frame['finding'])}"
    return rows.iloc[0]


def assert_well_formed(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == flags.COLUMNS
    assert set(frame["severity"]) <= {"high", "medium", "low"}
    order = frame["severity"].map({"high": 0, "medium": 1, "low": 2})
    assert list(order) == sorted(order)  # most serious first
    for row in frame.itertuples():
        assert row.question.endswith("?"), row.question
        assert row.citations, row.finding


@pytest.fixture
def west_yorkshire(session: Session) -> pd.DataFrame:
    return attention(session, "west-yorkshire", 2018, date(2018, 9, 14))


def test_west_yorkshire_isva_contract_ending(west_yorkshire: pd.DataFrame) -> None:
    ending = item(west_yorkshire, f"{ISVA} ends on 31 March 2019; re-procurement step recorded 7 September 2018")
    assert ending["severity"] == "medium"  # within 12 months, not within 6
    assert ending["question"] == f"What will replace {ISVA} after 31 March 2019, and is it on time?"
    assert "wy-2018|2.2.3 Independent Sexual Advisor Contract (ISVA)" in ending["citations"]


def test_west_yorkshire_isva_options_used_up(west_yorkshire: pd.DataFrame) -> None:
    used = item(west_yorkshire, f"{ISVA} has used all its extension options (1 of 1)")
    assert used["severity"] == "medium"
    assert used["question"] == "Why extend rather than re-procure, and was each extension within the original option?"


def test_west_yorkshire_referral_sources_add_up_to_95(west_yorkshire: pd.DataFrame) -> None:
    # 11% + 25% + 17% + 13% + 29% of the 5,023 perpetrator referrals: 95%, as the report states them.
    breakdown = item(west_yorkshire, "Share of perpetrator referrals by source adds up to 95%, not 100%")
    assert breakdown["severity"] == "low"
    assert re.search(r"(?<![\d.])5%", breakdown["question"]), breakdown["question"]  # the missing share: 100 - 95
    assert breakdown["citations"] == "wy-2018|2.3.1 Integrated Perpetrator and Victim Programme"


def test_west_yorkshire_below_target(west_yorkshire: pd.DataFrame) -> None:
    # 93% against the 48-hour standard (the value is illustrative, the standard reported).
    below = item(
        west_yorkshire,
        "Enhanced victims contacted within 48 hours (Core Referral Service) was 93 against a target of 100"
        " in the latest period (illustrative)",
    )
    assert below["severity"] == "medium"
    assert "below target" in below["question"]


def test_west_yorkshire_items_in_order(west_yorkshire: pd.DataFrame) -> None:
    assert_well_formed(west_yorkshire)
    # The ISVA referrals were 231 against an (illustrative) target of 225 in the latest quarter: not a finding.
    assert not west_yorkshire["finding"].str.startswith("ISVA referrals").any()
    # Core referral has both options left and ends in 2021: nothing to say about it.
    assert not west_yorkshire["finding"].str.startswith("Core Referral Service").any()
    assert len(west_yorkshire) == 4


def test_the_isva_ending_is_high_within_six_months(session: Session) -> None:
    frame = attention(session, "west-yorkshire", 2018, date(2018, 12, 1))
    first = frame.iloc[0]
    assert first["severity"] == "high"
    assert first["finding"] == f"{ISVA} ends on 31 March 2019; re-procurement step recorded 7 September 2018"
    assert_well_formed(frame)


def test_derbyshire_2025_spend_linked_to_no_priority(session: Session) -> None:
    frame = attention(session, "derbyshire", 2025, date(2025, 11, 1))
    assert_well_formed(frame)
    unlinked = item(frame, "£15,000 of 2025/26 spend is linked to no Plan priority (illustrative)")
    assert unlinked["severity"] == "medium"
    assert unlinked["question"] == "Which Police and Crime Plan priority does this spend deliver?"
    # £275,000 set aside; £120,000 + £60,000 + £15,000 (illustrative) recorded against it.
    unspent = item(
        frame,
        "Safer and Stronger Communities Grant: £80,000 of the £275,000 2025/26 budget"
        " has no spend recorded against it (spend illustrative)",
    )
    assert unspent["severity"] == "low"
    undated = frame[frame["finding"].str.startswith("9 agreement(s) have no published dates or value")]
    assert len(undated) == 1


def test_norfolk_2016_unspent_budgets(session: Session) -> None:
    frame = attention(session, "norfolk", 2016, date(2016, 4, 1))
    assert_well_formed(frame)
    # MoJ grant £1,037,415 less £795,000 of (illustrative) spend through it.
    item(
        frame,
        "Ministry of Justice (MOJ) grant for victim's services: £242,415 of the £1,037,415 2016/17 budget"
        " has no spend recorded against it (spend illustrative)",
    )
    item(frame, "Main police grant: £1,018,000 of the £1,018,000 2016/17 budget has no spend recorded against it")
    assert len(frame) == 2  # nothing ends within 12 months of 1 April 2016


def test_norfolk_six_months_before_the_agreements_end(session: Session) -> None:
    frame = attention(session, "norfolk", 2016, date(2017, 10, 1))
    high = frame[frame["severity"] == "high"]
    assert sorted(high["finding"]) == sorted(
        f"{title} ends on 31 March 2018; no re-procurement is recorded"
        for title in (
            "Victim's Assessment, Referral and Support Service",
            "Independent Domestic Abuse Advocacy Service",
            "Support for Survivors of Sexual Abuse",
        )
    )


def test_attention_items_for_a_year_with_no_figures(session: Session) -> None:
    # Regression: a year with no budget and no spend once raised AttributeError, failing the overview page.
    frame = attention(session, "norfolk", 2017, date(2017, 10, 1))
    assert len(frame[frame["severity"] == "high"]) == 3


# --- Red flags (flags.red_flags) -------------------------------------------------------------------
#
# Each flag is checked against the real records it should find in the seeded store, and against a record it
# must not find. Where no seeded record has the problem (a grant above its cap, a direct award, value growth,
# repeated extensions, two quarters below target), a test adds one inside the test's session and never
# commits it, so the shared store is left as it was.

CITED = {"source_id": "wy-2018", "source_section": "test record", "basis": "illustrative", "basis_note": "added by a test"}


def red(session: Session, area: str, as_at: date, audience: Audience = Audience.PUBLIC, **kwargs) -> pd.DataFrame:
    frame = flags.red_flags(session=session, area=area, as_at=as_at, audience=audience, **kwargs)
    assert list(frame.columns) == flags.RED_FLAG_COLUMNS
    order = frame["severity"].map({"high": 0, "medium": 1, "low": 2})
    assert list(order) == sorted(order)  # most serious first
    for row in frame.itertuples():
        assert row.question.endswith("?"), row.question
        assert row.citations and row.records and row.record_ids, row.finding
        assert row.flag_name == flags.FLAG_NAMES[row.flag]
    return frame


def of_kind(frame: pd.DataFrame, flag: str) -> pd.DataFrame:
    return frame[frame["flag"] == flag]


def ids(frame: pd.DataFrame) -> set[str]:
    return {i for text in frame["record_ids"] for i in text.split("\n")}


def test_red_flags_extended_beyond_term_without_a_recorded_option(session: Session) -> None:
    frame = red(session, "west-yorkshire", date(2018, 9, 14))
    extended = of_kind(frame, "extensions")
    # Perpetrator programme: ended 31 August 2017, varied to 30 November 2017; Victims Champion: 31 March 2016 to March 2018.
    assert ids(extended) == {"wy-perpetrator", "wy-victims-champion"}
    perpetrator = extended[extended["record_ids"] == "wy-perpetrator"].iloc[0]
    assert perpetrator["finding"] == (
        "Perpetrator programme (2015-17) was extended by variation from its original end of 31 August 2017 to 30 November 2017, "
        "and no extension option in the original agreement is recorded (it ended on 30 November 2017)"
    )
    assert perpetrator["severity"] == "low"  # it has ended
    assert "within an option in the original agreement" in perpetrator["question"]
    # The ISVA's final extension used its one option and ends on its latest possible end (31 March 2019): no flag.
    assert "wy-isva" not in ids(extended)


def test_red_flags_repeated_extensions_and_an_end_past_the_latest_possible_end(session: Session) -> None:
    from data_access.models import Agreement, Amendment

    # Core Referral Service: 1 April 2018 to 31 March 2021, two one-year options (latest possible end 31 March 2023). Use both.
    session.add(
        Amendment(id="t-ext-1", agreement_id="wy-core-referral", kind="extension", agreed_on=date(2021, 1, 5),
                  previous_end_date=date(2021, 3, 31), new_end_date=date(2022, 3, 31), **CITED)
    )  # fmt: skip
    session.add(
        Amendment(id="t-ext-2", agreement_id="wy-core-referral", kind="extension", agreed_on=date(2022, 1, 5),
                  previous_end_date=date(2022, 3, 31), new_end_date=date(2023, 3, 31), **CITED)
    )  # fmt: skip
    core = session.get(Agreement, "wy-core-referral")
    core.current_end_date, core.extension_options_used = date(2023, 3, 31), 2
    session.flush()
    repeated = of_kind(red(session, "west-yorkshire", date(2022, 6, 1)), "extensions")
    repeated = repeated[repeated["record_ids"] == "wy-core-referral"].iloc[0]
    assert repeated["finding"] == "Core Referral Service has been extended 2 times, to 31 March 2023"
    assert repeated["severity"] == "high"  # still running
    assert repeated["question"] == "Why has Core Referral Service been extended 2 times rather than re-procured?"
    # Before the second extension was agreed, one extension within the options is not a flag.
    assert "wy-core-referral" not in ids(of_kind(red(session, "west-yorkshire", date(2021, 6, 1)), "extensions"))

    core.current_end_date = date(2023, 9, 30)  # beyond the latest possible end of 31 March 2023
    session.flush()
    beyond = of_kind(red(session, "west-yorkshire", date(2021, 6, 1)), "extensions")
    beyond = beyond[beyond["record_ids"] == "wy-core-referral"].iloc[0]
    assert beyond["finding"] == (
        "Core Referral Service now ends on 30 September 2023, beyond the latest possible end of 31 March 2023 set when it was let"
    )
    assert beyond["severity"] == "high"
    session.rollback()


def test_red_flags_ending_with_no_reprocurement(session: Session) -> None:
    frame = red(session, "norfolk", date(2017, 10, 1))
    ending = of_kind(frame, "ending")
    assert ids(ending) == {"nfk-idva", "nfk-slt", "nfk-varss"}  # all end 31 March 2018, none with a re-procurement step
    assert set(ending["severity"]) == {"high"}
    assert "Support for Survivors of Sexual Abuse ends on 31 March 2018, within 6 months, and no re-procurement step is recorded" in set(
        ending["finding"]
    )
    # Norfolk Youth Offending Team's grant ends 'in 2018' (year only): not within 12 months of 1 October 2017.
    assert "nfk-yot" not in ids(ending)
    # The West Yorkshire ISVA contract ends 31 March 2019 but its bidder's event (7 September 2018) is recorded.
    assert of_kind(red(session, "west-yorkshire", date(2018, 12, 1)), "ending").empty


def test_red_flags_value_growth_over_twenty_percent(session: Session) -> None:
    from data_access.models import Amendment

    # Victim's Assessment, Referral and Support Service: £360k a year. +£100,000 is 28% of it (27.8%); +£50,000 (13%) would not be flagged.
    session.add(
        Amendment(
            id="t-grow",
            agreement_id="nfk-varss",
            kind="variation",
            agreed_on=date(2017, 6, 1),
            value_change_pence=100_000_00,
            **CITED | {"source_id": "norfolk-2016"},
        )
    )
    session.flush()
    grown = of_kind(red(session, "norfolk", date(2017, 10, 1)), "value_growth")
    assert list(grown["finding"]) == [
        "Amendments to Victim's Assessment, Referral and Support Service add £100,000, 28% of its annual value of £360,000"
    ]
    session.get(Amendment, "t-grow").value_change_pence = 50_000_00
    session.flush()
    assert of_kind(red(session, "norfolk", date(2017, 10, 1)), "value_growth").empty
    session.rollback()


def test_red_flags_extensions_with_no_published_value(session: Session) -> None:
    unpriced = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "value_growth")
    assert len(unpriced) == 1 and unpriced.iloc[0]["severity"] == "low"
    assert ids(unpriced) == {"wy-isva", "wy-perpetrator", "wy-victims-champion"}
    assert "Independent Sexual Advisor Contract (ISVA) (to 31 March 2019)" in unpriced.iloc[0]["finding"]
    # On 1 March 2018 the ISVA's final extension (from 31 March 2018) had not yet been made.
    assert ids(of_kind(red(session, "west-yorkshire", date(2018, 3, 1)), "value_growth")) == {"wy-perpetrator", "wy-victims-champion"}


def test_red_flags_grants_above_the_derbyshire_cap(session: Session) -> None:
    frame = red(session, "derbyshire", date(2025, 11, 1))
    cap = of_kind(frame, "cap")
    # No award of the Safer and Stronger Communities Grant is published: the £5,000 cap cannot be checked.
    assert list(cap["finding"]) == [
        "Safer and Stronger Communities Grant: individual awards are not published, so its £5,000 cap per award cannot be checked "
        "(£275,000 set aside for 2025/26)"
    ]
    assert cap.iloc[0]["severity"] == "low"
    # The 2021 community grants had no cap: nothing to check there.
    assert of_kind(red(session, "derbyshire", date(2021, 11, 1)), "cap").empty

    from data_access.models import Agreement

    award = {"area_id": "derbyshire", "kind": "grant", "funding_stream_id": "dby-safer-stronger", "status": "active", **CITED}
    session.add(Agreement(id="t-over", title="Village watch scheme", total_value_pence=6_000_00, **award))
    session.add(Agreement(id="t-at", title="Youth diversion sessions", total_value_pence=5_000_00, **award))
    session.flush()
    cap = of_kind(red(session, "derbyshire", date(2025, 11, 1)), "cap")
    assert list(cap["finding"]) == [
        "Village watch scheme was awarded £6,000, above the £5,000 cap per award of Safer and Stronger Communities Grant"
    ]
    assert cap.iloc[0]["severity"] == "high" and ids(cap) == {"t-over"}  # £5,000 exactly is within the cap
    session.rollback()


def test_red_flags_spend_linked_to_no_priority(session: Session) -> None:
    derbyshire = of_kind(red(session, "derbyshire", date(2025, 11, 1)), "unlinked")
    assert ids(derbyshire) == {"dby-2025-ssc-unlinked"}
    assert derbyshire.iloc[0]["finding"].startswith("£15,000 of 2025/26 spend is linked to no Plan priority (illustrative)")
    # The honour based abuse advice project (£5k, 2017/18) is linked to no priority.
    west_yorkshire = of_kind(red(session, "west-yorkshire", date(2018, 3, 31)), "unlinked")
    assert list(west_yorkshire["finding"]) == ["£5,000 of 2017/18 spend is linked to no Plan priority: Honour based abuse advice project"]
    assert not west_yorkshire.iloc[0]["illustrative"]  # derived from the stated £5k
    # Every 2018/19 payment in West Yorkshire reaches a priority through its agreement.
    assert of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "unlinked").empty


def test_red_flags_figures_that_do_not_add_up(session: Session) -> None:
    arithmetic = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "arithmetic")
    shares = arithmetic[arithmetic["finding"].str.contains("95%")].iloc[0]
    assert "the parts add up to 95%, not 100% (25% + 11% + 17% + 13% + 29%)" in shares["finding"]
    assert "missing 5%" in shares["question"]
    annual = arithmetic[arithmetic["finding"].str.startswith("ISVA referrals")].iloc[0]
    assert annual["finding"] == (
        "ISVA referrals for Independent Sexual Advisor Contract (ISVA), 2017/18: the stated annual figure of 996 does not match "
        "4 × the stated quarterly average of 224 (896), nor the sum of the four quarters (896, illustrative)"
    )
    assert annual["question"] == "Which is right for ISVA referrals in 2017/18: 996 a year, or 896 (4 × 224)?"
    assert set(annual["record_ids"].split("\n")) == {
        "wy-isva-referrals-2017-pa",
        "wy-isva-referrals-2017-avg",
        *(f"wy-isva-referrals-2017-q{q}" for q in range(1, 5)),
    }
    # 89 trials is an annual figure with no quarters or average to contradict it.
    assert len(arithmetic) == 2 and not arithmetic["finding"].str.contains("Trials").any()
    # Before the 2017/18 year ended, its annual figure was not yet in.
    assert len(of_kind(red(session, "west-yorkshire", date(2018, 1, 1)), "arithmetic")) == 1


def test_red_flags_counts_of_people_follow_the_disclosure_rule_when_asked(session: Session) -> None:
    arithmetic = of_kind(red(session, "west-yorkshire", date(2018, 9, 14), disclose=True), "arithmetic")
    annual = arithmetic[arithmetic["finding"].str.startswith("ISVA referrals")].iloc[0]["finding"]
    assert "about 995" in annual and "about 225" in annual  # 996 and 224 rounded to the nearest 5
    assert "996" not in annual and "224" not in annual
    # Percentages are not counts of people: the shares stay as published.
    assert arithmetic["finding"].str.contains("(25% + 11% + 17% + 13% + 29%)", regex=False).any()


def test_red_flags_below_target(session: Session) -> None:
    below = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "below_target")
    assert list(below["finding"]) == [
        "Enhanced victims contacted within 48 hours (Core Referral Service) was 93% against a target of 100% in Q1 2018/19 (illustrative)"
    ]
    assert below.iloc[0]["severity"] == "medium"
    # On 1 January 2018 the latest ISVA quarter was Q3 2017/18: 218 against 225 (illustrative); Q2 (229) met it.
    earlier = of_kind(red(session, "west-yorkshire", date(2018, 1, 1)), "below_target")
    assert list(earlier["finding"]) == [
        "ISVA referrals (Independent Sexual Advisor Contract (ISVA)) was 218 against a target of 225 in Q3 2017/18 (illustrative)"
    ]
    # On 14 September 2018 the latest ISVA quarter (231, Q1 2018/19) met its target of 225.
    assert not below["finding"].str.startswith("ISVA").any()


def test_red_flags_below_target_two_quarters_running(session: Session) -> None:
    from data_access.models import Observation

    quarter = {
        "measure_id": "isva-referrals",
        "area_id": "west-yorkshire",
        "agreement_id": "wy-isva",
        "financial_year": 2018,
        "target": 225,
    }
    session.add(
        Observation(id="t-q2", period_start=date(2018, 7, 1), period_end=date(2018, 9, 30), quarter=2, value=200, **quarter, **CITED)
    )
    session.add(
        Observation(id="t-q3", period_start=date(2018, 10, 1), period_end=date(2018, 12, 31), quarter=3, value=210, **quarter, **CITED)
    )
    session.flush()
    below = of_kind(red(session, "west-yorkshire", date(2019, 1, 15)), "below_target")
    running = below[below["finding"].str.startswith("ISVA referrals")].iloc[0]
    assert running["severity"] == "high"
    assert running["finding"] == (
        "ISVA referrals (Independent Sexual Advisor Contract (ISVA)) has been below its target of 225 for two periods running: "
        "200 in Q2 2018/19 and 210 in Q3 2018/19 (illustrative)"
    )
    assert ids(below[below["finding"] == running["finding"]]) == {"t-q2", "t-q3"}
    session.rollback()


def test_red_flags_live_services_with_no_measures(session: Session) -> None:
    west_yorkshire = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "no_measures")
    # Restorative Justice runs from April 2018 with no figure; the ISVA and Core Referral Service have figures.
    assert ids(west_yorkshire) == {"wy-rj"}
    assert west_yorkshire.iloc[0]["finding"] == "1 live service has no performance measures recorded: Restorative Justice"
    derbyshire = of_kind(red(session, "derbyshire", date(2025, 11, 1)), "no_measures")
    assert len(ids(derbyshire)) == 9 and "dby21-willow" in ids(derbyshire)


def test_red_flags_direct_awards(session: Session) -> None:
    # Every seeded agreement's route is open or not stated: no direct or limited award, no single bidder.
    for area, day in (("west-yorkshire", date(2018, 9, 14)), ("norfolk", date(2016, 4, 1)), ("derbyshire", date(2025, 11, 1))):
        assert of_kind(red(session, area, day), "award_route").empty

    from data_access.models import Agreement

    session.add(
        Agreement(
            id="t-direct",
            area_id="west-yorkshire",
            title="Crisis helpline",
            kind="contract",
            procurement_route="direct",
            number_of_tenderers=1,
            start_date=date(2018, 4, 1),
            current_end_date=date(2020, 3, 31),
            status="active",
            **CITED,
        )
    )
    session.flush()
    direct = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "award_route")
    assert list(direct["finding"]) == ["Crisis helpline was awarded by direct award (one bidder)"]
    assert direct.iloc[0]["severity"] == "medium"
    assert direct.iloc[0]["question"] == "Why was Crisis helpline not openly competed, and how was value for money tested?"
    session.rollback()


def test_red_flags_respect_visibility(session: Session) -> None:
    from data_access.models import Agreement

    session.add(
        Agreement(
            id="t-secret",
            area_id="west-yorkshire",
            title="Restricted helpline",
            kind="contract",
            procurement_route="direct",
            start_date=date(2018, 4, 1),
            current_end_date=date(2020, 3, 31),
            status="active",
            visibility="restricted",
            **CITED,
        )
    )
    session.flush()
    for audience, seen in ((Audience.PUBLIC, False), (Audience.PANEL, False), (Audience.STAFF, True)):
        frame = red(session, "west-yorkshire", date(2018, 9, 14), audience)
        assert ("t-secret" in ids(frame)) is seen, audience
    session.rollback()
