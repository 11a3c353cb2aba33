"""The findings engine on the seeded store: each rule against the real records it should find and one it must not,
and the properties every view relies on (headings that say when a rule cannot be checked, no arithmetic on a value
that is not published, the same findings in every view).

Where no seeded record has the problem (a grant above its cap, a direct award, value growth, repeated extensions,
two quarters below target), a test adds one inside the test's session and never commits it, so the shared store is
left as it was.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session

from data_access import briefing, findings
from data_access.basis import NOT_PUBLISHED
from data_access.findings import Outcome, Scope
from data_access.models import Audience
from tests.fixtures import load_fund_awards

ISVA = "Independent Sexual Advisor Contract (ISVA)"
CITED = {"source_id": "wy-2018", "source_section": "test record", "basis": "illustrative", "basis_note": "added by a test"}
SAMPLE_DATES = {
    "west-yorkshire": (date(2018, 1, 1), date(2018, 9, 14), date(2019, 6, 1)),
    "norfolk": (date(2016, 4, 1), date(2017, 10, 1), date(2018, 6, 1)),
    "derbyshire": (date(2021, 11, 1), date(2024, 1, 1), date(2025, 11, 1)),
}


def red(session: Session, area: str, as_at: date, audience: Audience = Audience.PUBLIC, **kwargs) -> pd.DataFrame:
    frame = findings.findings_frame(session=session, area=area, as_at=as_at, audience=audience, scope=Scope.SCRUTINY, **kwargs)
    assert list(frame.columns) == findings.FRAME_COLUMNS
    order = frame["severity"].map({"high": 0, "medium": 1, "low": 2})
    assert list(order) == sorted(order)  # most serious first
    for row in frame.itertuples():
        assert row.question.endswith("?"), row.question
        assert row.citations and row.records and row.record_ids, row.statement
        rule = findings.RULES[row.rule]
        assert row.heading == (rule.heading if row.outcome == Outcome.BREACH else rule.cannot_check_heading)
    return frame


def of_kind(frame: pd.DataFrame, rule: str) -> pd.DataFrame:
    return frame[frame["rule"] == rule]


def ids(frame: pd.DataFrame) -> set[str]:
    """The ids of the records the findings name, without their table."""
    return {i.split(":", 1)[1] for text in frame["record_ids"] for i in text.split("\n")}


def item(frame: pd.DataFrame, statement: str) -> pd.Series:
    rows = frame[frame["statement"] == statement]
    assert len(rows) == 1, f"{len(rows)} findings say {statement!r}; findings: {list(frame['statement'])}"
    return rows.iloc[0]


def test_red_flags_extended_beyond_term_without_a_recorded_option(session: Session) -> None:
    frame = red(session, "west-yorkshire", date(2018, 9, 14))
    extended = of_kind(frame, "extensions")
    # Perpetrator programme: ended 31 August 2017, varied to 30 November 2017; Victims Champion: 31 March 2016 to March 2018.
    assert ids(extended) == {"wy-perpetrator", "wy-perpetrator-variation", "wy-victims-champion", "wy-victims-champion-extension"}
    perpetrator = extended[extended["record_ids"].str.startswith("agreement:wy-perpetrator\n")].iloc[0]
    assert perpetrator["statement"] == (
        "Perpetrator programme (2015-17) was extended by variation from its original end of 31 August 2017 to 30 November 2017, "
        "and no extension option in the original agreement is recorded (it ended on 30 November 2017)"
    )
    assert perpetrator["severity"] == "low"  # it has ended
    assert "within an option in the original agreement" in perpetrator["question"]
    # The ISVA's final extension used its one option and ends on its latest possible end (31 March 2019): not extended
    # beyond its term, but every option is used, which is its own finding.
    assert "wy-isva" not in ids(extended)
    used_up = of_kind(frame, "options_used_up")
    assert list(used_up["statement"]) == [f"{ISVA} has used all its extension options (1 of 1) and ends on 31 March 2019"]
    assert used_up.iloc[0]["question"] == f"Why was {ISVA} extended rather than re-procured, and what replaces it after 31 March 2019?"


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
    repeated = repeated[repeated["record_ids"].str.startswith("agreement:wy-core-referral")].iloc[0]
    assert repeated["statement"] == "Core Referral Service has been extended 2 times, to 31 March 2023"
    assert repeated["severity"] == "high"  # still running
    assert repeated["question"] == "Why has Core Referral Service been extended 2 times rather than re-procured?"
    # Before the second extension was agreed, one extension within the options is not a flag.
    assert "wy-core-referral" not in ids(of_kind(red(session, "west-yorkshire", date(2021, 6, 1)), "extensions"))

    core.current_end_date = date(2023, 9, 30)  # beyond the latest possible end of 31 March 2023
    session.flush()
    beyond = of_kind(red(session, "west-yorkshire", date(2021, 6, 1)), "extensions")
    beyond = beyond[beyond["record_ids"].str.startswith("agreement:wy-core-referral")].iloc[0]
    assert beyond["statement"] == (
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
        ending["statement"]
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
    assert list(grown["statement"]) == [
        "Amendments to Victim's Assessment, Referral and Support Service add £100,000, 28% of its annual value of £360,000"
    ]
    session.get(Amendment, "t-grow").value_change_pence = 50_000_00
    session.flush()
    assert of_kind(red(session, "norfolk", date(2017, 10, 1)), "value_growth").empty
    session.rollback()


def test_red_flags_extensions_with_no_published_value(session: Session) -> None:
    unpriced = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "value_growth")
    # None of the three extensions or variations has a published cost: growth cannot be checked, and the heading says so.
    assert len(unpriced) == 3 and set(unpriced["severity"]) == {"low"} and set(unpriced["outcome"]) == {"cannot check"}
    assert set(unpriced["heading"]) == {"Value growth cannot be checked: values not published"}
    assert {i for i in ids(unpriced) if not i.endswith(("variation", "extension"))} == {"wy-isva", "wy-perpetrator", "wy-victims-champion"}
    assert (
        f"{ISVA} has 1 extension or variation (to 31 March 2019) with no published change in value, so how much it has grown "
        "cannot be checked"
    ) in set(unpriced["statement"])
    # On 1 March 2018 the ISVA's final extension (from 31 March 2018) had not yet been made.
    earlier = of_kind(red(session, "west-yorkshire", date(2018, 3, 1)), "value_growth")
    assert "wy-isva" not in ids(earlier) and {"wy-perpetrator", "wy-victims-champion"} <= ids(earlier)


def test_red_flags_grants_above_the_derbyshire_cap(session: Session) -> None:
    frame = red(session, "derbyshire", date(2025, 11, 1))
    cap = of_kind(frame, "over_cap")
    # No award of the Safer and Stronger Communities Grant is published: the £5,000 cap cannot be checked, and the
    # heading says that, not that a grant is above the cap.
    assert list(cap["statement"]) == [
        "Safer and Stronger Communities Grant: its individual awards are not published, so its £5,000 cap per award cannot be checked"
    ]
    assert (cap.iloc[0]["severity"], cap.iloc[0]["heading"]) == ("low", "Round's cap cannot be checked: awards not published")
    # The 2021 community grants had no cap: nothing to check there.
    assert of_kind(red(session, "derbyshire", date(2021, 11, 1)), "over_cap").empty

    from data_access.models import Agreement

    award = {"area_id": "derbyshire", "kind": "grant", "funding_stream_id": "dby-safer-stronger", "status": "active", **CITED}
    session.add(Agreement(id="t-over", title="Village watch scheme", total_value_pence=6_000_00, **award))
    session.add(Agreement(id="t-at", title="Youth diversion sessions", total_value_pence=5_000_00, **award))
    session.flush()
    cap = of_kind(red(session, "derbyshire", date(2025, 11, 1)), "over_cap")
    assert list(cap["statement"]) == [
        "Village watch scheme has a total value of £6,000, above the £5,000 cap per award of Safer and Stronger Communities Grant"
    ]
    assert cap.iloc[0]["heading"] == "Award above its round's cap"
    assert cap.iloc[0]["severity"] == "high" and ids(cap) == {"t-over", "dby-safer-stronger"}  # £5,000 exactly is within the cap
    session.rollback()


def test_red_flags_spend_linked_to_no_priority(session: Session) -> None:
    derbyshire = of_kind(red(session, "derbyshire", date(2025, 11, 1)), "unlinked_spend")
    assert ids(derbyshire) == {"dby-2025-ssc-unlinked"}
    assert derbyshire.iloc[0]["statement"].startswith("£15,000 (illustrative) of 2025/26 spend is linked to no Plan priority")
    # The honour based abuse advice project (£5k, 2017/18) is linked to no priority.
    west_yorkshire = of_kind(red(session, "west-yorkshire", date(2018, 3, 31)), "unlinked_spend")
    assert list(west_yorkshire["statement"]) == ["£5,000 of 2017/18 spend is linked to no Plan priority: Honour based abuse advice project"]
    assert not west_yorkshire.iloc[0]["illustrative"]  # derived from the stated £5k
    # Every 2018/19 payment in West Yorkshire reaches a priority through its agreement.
    assert of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "unlinked_spend").empty


def test_red_flags_figures_that_do_not_add_up(session: Session) -> None:
    frame = red(session, "west-yorkshire", date(2018, 9, 14))
    shares = of_kind(frame, "shares").iloc[0]
    assert "the 5 shares by referral source add up to 95%, not 100% (25% + 11% + 17% + 13% + 29%)" in shares["statement"]
    assert "missing 5%" in shares["question"]
    annual = of_kind(frame, "annual_and_quarters").iloc[0]
    assert annual["statement"] == (
        "ISVA referrals for Independent Sexual Advisor Contract (ISVA), 2017/18: the stated annual figure of 996 does not match "
        "4 × the stated quarterly average of 224 (896), nor the sum of the four quarters (896, illustrative)"
    )
    assert annual["question"] == "Which is right for ISVA referrals in 2017/18: 996 a year, or 896 (4 × 224)?"
    assert ids(of_kind(frame, "annual_and_quarters")) == {
        "wy-isva-referrals-2017-pa",
        "wy-isva-referrals-2017-avg",
        *(f"wy-isva-referrals-2017-q{q}" for q in range(1, 5)),
    }
    # 89 trials is an annual figure with no quarters or average to contradict it.
    assert len(of_kind(frame, "annual_and_quarters")) == 1 and not frame["statement"].str.contains("Trials").any()
    # Before the 2017/18 year ended, its annual figure was not yet in.
    assert of_kind(red(session, "west-yorkshire", date(2018, 1, 1)), "annual_and_quarters").empty


def test_published_counts_of_people_are_shown_as_published_to_the_public(session: Session) -> None:
    # The report itself publishes 224 a quarter and 996 a year: the public sees them as published, so the sentence's
    # arithmetic (4 × 224 = 896) adds up in front of them.
    annual = of_kind(red(session, "west-yorkshire", date(2018, 9, 14), Audience.PUBLIC), "annual_and_quarters").iloc[0]["statement"]
    assert "996" in annual and "4 × the stated quarterly average of 224 (896)" in annual
    assert "about" not in annual
    # Percentages are not counts of people: the shares stay as published.
    shares = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "shares")
    assert shares["statement"].str.contains("(25% + 11% + 17% + 13% + 29%)", regex=False).any()


def test_red_flags_below_target(session: Session) -> None:
    below = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "below_target")
    assert list(below["statement"]) == [
        "Enhanced victims contacted within 48 hours (Core Referral Service) was 93% against a target of 100% (as published) "
        "in Q1 2018/19 (illustrative)"
    ]
    assert below.iloc[0]["severity"] == "medium"
    # On 1 January 2018 the latest ISVA quarter was Q3 2017/18: 218 against 225 (illustrative); Q2 (229) met it.
    earlier = of_kind(red(session, "west-yorkshire", date(2018, 1, 1)), "below_target")
    assert list(earlier["statement"]) == [
        "ISVA referrals (Independent Sexual Advisor Contract (ISVA)) was 218 against a target of 225 in Q3 2017/18 (illustrative)"
    ]
    # On 14 September 2018 the latest ISVA quarter (231, Q1 2018/19) met its target of 225.
    assert not below["statement"].str.startswith("ISVA").any()


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
    running = below[below["statement"].str.startswith("ISVA referrals")].iloc[0]
    assert running["severity"] == "high"
    assert running["statement"] == (
        "ISVA referrals (Independent Sexual Advisor Contract (ISVA)) has been below its target of 225 for two periods running: "
        "200 in Q2 2018/19 and 210 in Q3 2018/19 (illustrative)"
    )
    assert ids(below[below["statement"] == running["statement"]]) == {"t-q2", "t-q3"}
    session.rollback()


def test_red_flags_live_services_with_no_measures(session: Session) -> None:
    west_yorkshire = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "no_measures")
    # Restorative Justice runs from April 2018 with no figure; the ISVA and Core Referral Service have figures.
    assert ids(west_yorkshire) == {"wy-rj"}
    assert west_yorkshire.iloc[0]["statement"] == "1 live service has no performance measures recorded: Restorative Justice"
    # Derbyshire's nine services, listed with no dates in the November 2021 strategy, were running then; by the
    # November 2025 strategy, which does not list them, their status is not published: no longer "live".
    derbyshire = of_kind(red(session, "derbyshire", date(2022, 6, 1)), "no_measures")
    assert len(ids(derbyshire)) == 9 and "dby21-willow" in ids(derbyshire)
    later = red(session, "derbyshire", date(2025, 11, 1))
    assert of_kind(later, "no_measures").empty
    status = of_kind(later, "status_not_published")
    assert len(status) == 1 and len(ids(status)) == 9 and "dby21-willow" in ids(status)
    assert (status.iloc[0]["heading"], status.iloc[0]["outcome"]) == ("Current status not published", "cannot check")
    assert status.iloc[0]["statement"].endswith(
        "last listed in Commissioning Strategy (External Policy), Police and Crime Commissioner for Derbyshire, November 2021; "
        "current status not published"
    )


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
    assert list(direct["statement"]) == ["Crisis helpline was awarded by direct award (one bidder)"]
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


# --- what every view relies on -----------------------------------------------------------------------


def every_sample_case():
    for area, days in SAMPLE_DATES.items():
        for day in days:
            yield area, day


@pytest.mark.parametrize(("area", "as_at"), list(every_sample_case()))
def test_no_finding_is_computed_from_an_unknown(session: Session, area: str, as_at: date) -> None:
    """A breach uses only published figures; a rule that needs an unpublished one says it cannot be checked, under a
    heading that says so; a finding that uses an illustrative figure says so in its own words."""
    for audience in Audience:
        for f in findings.findings(session=session, area=area, as_at=as_at, audience=audience, every_year=True):
            unknown = [fig for fig in f.figures if fig.value is None or fig.basis == NOT_PUBLISHED]
            if f.outcome is Outcome.BREACH:
                assert not unknown, f"{f.rule} breach computed from an unknown: {f.statement} {unknown}"
                assert "cannot be checked" not in f.heading, f.heading
            else:
                assert unknown, f"{f.rule} says it cannot be checked but names no unpublished figure: {f.statement}"
                assert f.heading == findings.RULES[f.rule].cannot_check_heading
            if f.illustrative:
                assert "illustrative" in f.statement, f.statement


def test_norfolk_spend_not_published_is_not_read_as_zero(session: Session) -> None:
    # The 2016/17 paper gives the £1.018m main police grant (1.9) but no spend against it.
    frame = red(session, "norfolk", date(2016, 4, 1))
    police_grant = frame[frame["statement"].str.startswith("Main police grant")]
    assert list(police_grant["statement"]) == [
        "Main police grant: no spend is published against the £1,018,000 2016/17 budget, so what it pays for cannot be followed"
    ]
    assert police_grant.iloc[0]["heading"] == "Spend against budget cannot be checked: spend not published"
    assert police_grant.iloc[0]["outcome"] == "cannot check"
    assert not frame["statement"].str.contains("£1,018,000 of the £1,018,000").any()
    # The MoJ grant's spend is recorded (illustratively), so its remainder is a finding, labelled illustrative.
    item(
        frame,
        "Ministry of Justice (MOJ) grant for victim's services: £242,415 (illustrative) of the £1,037,415 2016/17 budget "
        "has no spend recorded against it (spend recorded: £795,000 (illustrative))",
    )


def test_shares_follow_one_rule_in_every_view(session: Session) -> None:
    """33% + 33% + 33% is within rounding and 40% + 40% + 10% is not, in meeting mode and on the data-quality page alike."""
    from data_access.models import Observation

    def shares(values: tuple[int, ...], prefix: str) -> None:
        for i, v in enumerate(values):
            session.add(
                Observation(
                    id=f"{prefix}-{i}",
                    measure_id="perpetrator-referral-share",
                    area_id="west-yorkshire",
                    agreement_id="wy-core-referral",
                    period_start=date(2018, 4, 1),
                    period_end=date(2018, 6, 30),
                    financial_year=2018,
                    quarter=1,
                    value=v,
                    dimension="source" if prefix == "thirds" else "route",
                    dimension_value=f"s{i}",
                    **CITED,
                )
            )

    shares((33, 33, 33), "thirds")
    shares((40, 40, 10), "short")
    session.flush()
    meeting = of_kind(red(session, "west-yorkshire", date(2018, 9, 14)), "shares")
    quality = findings.store_findings(
        session=session, as_at=date(2018, 9, 14), audience=Audience.PUBLIC, area="west-yorkshire", rule="shares"
    )
    for frame in (meeting, quality):
        assert "short-0" in ids(frame) and "thirds-0" not in ids(frame)
    assert set(meeting["statement"]) == set(quality["statement"])
    session.rollback()


@pytest.mark.parametrize(("area", "as_at"), list(every_sample_case()))
def test_every_view_shows_the_same_findings(session: Session, area: str, as_at: date) -> None:
    """The briefing's flags are the engine's scrutiny findings; the data-quality page's findings for the area agree with
    meeting mode's for every rule both show (money rules: the year shown is one of the years the page checks)."""
    both = {r.id for r in findings.RULES.values() if r.scopes == findings.BOTH}
    for audience in Audience:
        scrutiny = red(session, area, as_at, audience)
        pack = briefing.briefing_summary(session=session, area=area, as_at=as_at, audience=audience)
        assert list(pack.flags["statement"]) == list(scrutiny["statement"])
        quality = findings.store_findings(session=session, as_at=as_at, audience=audience, area=area)
        shared = scrutiny[scrutiny["rule"].isin(both)]
        assert set(shared["statement"]) <= set(quality["statement"]), (area, as_at, audience)
        by_year = {"budget_and_spend", "over_cap"}
        yearless = quality[quality["rule"].isin(both - by_year)]
        assert set(yearless["statement"]) <= set(scrutiny["statement"]), (area, as_at, audience)


def test_counts_from_an_internal_return_pass_the_disclosure_step_in_findings(session: Session) -> None:
    """A provider's quarterly return is not published: 7 referrals against a target of 25 is hidden from the public in
    the findings as on the transparency page, and shown exactly to the panel."""
    from data_access.models import Observation, Source

    session.add(Source(id="t-return", title="Provider return", publisher="Provider", published=date(2018, 9, 1),
                       figures_as_at=date(2018, 9, 1), kind="internal"))  # fmt: skip
    session.flush()
    session.add(
        Observation(id="t-low", measure_id="isva-referrals", area_id="west-yorkshire", agreement_id="wy-isva",
                    period_start=date(2018, 7, 1), period_end=date(2018, 9, 30), financial_year=2018, quarter=2, value=7,
                    target=25, source_id="t-return", source_section="Q2", basis="reported")
    )  # fmt: skip
    session.flush()
    # Q2 2018/19, after the report's latest quarter (Q1: 231), so it is the latest figure whatever order rows come in.
    public = of_kind(red(session, "west-yorkshire", date(2018, 10, 15), Audience.PUBLIC), "below_target")
    panel = of_kind(red(session, "west-yorkshire", date(2018, 10, 15), Audience.PANEL), "below_target")
    isva = "ISVA referrals (Independent Sexual Advisor Contract (ISVA))"
    assert f"{isva} was fewer than 10 against a target of 25 in Q2 2018/19" in set(public["statement"])
    assert not public["statement"].str.contains(r"\b7\b").any()
    assert f"{isva} was 7 against a target of 25 in Q2 2018/19" in set(panel["statement"])
    session.rollback()


def test_shares_of_a_return_that_is_not_published_are_not_listed_to_the_public(session: Session) -> None:
    """Meeting mode once listed hidden shares ('60% + 33% + 5%'): from an internal return the public sees only that they
    do not add up; the panel sees the parts."""
    from data_access.models import Observation, Source

    session.add(Source(id="t-return-shares", title="Provider return", publisher="Provider", published=date(2018, 9, 1),
                       figures_as_at=date(2018, 9, 1), kind="internal"))  # fmt: skip
    session.flush()
    for i, value in enumerate((60, 33, 5)):
        session.add(
            Observation(id=f"t-share-{i}", measure_id="perpetrator-referral-share", area_id="west-yorkshire",
                        agreement_id="wy-core-referral", period_start=date(2018, 4, 1), period_end=date(2018, 6, 30),
                        financial_year=2018, quarter=1, value=value, dimension="source", dimension_value=f"s{i}",
                        source_id="t-return-shares", source_section="Q1", basis="reported")
        )  # fmt: skip
    session.flush()
    public = of_kind(red(session, "west-yorkshire", date(2018, 9, 14), Audience.PUBLIC), "shares")
    panel = of_kind(red(session, "west-yorkshire", date(2018, 9, 14), Audience.PANEL), "shares")
    core = "Share of perpetrator referrals by source for Core Referral Service, Q1 2018/19: the 3 shares by source add up to 98%, not 100%"
    assert core in set(public["statement"])
    assert f"{core} (60% + 33% + 5%)" in set(panel["statement"])
    session.rollback()


# --- a fund's listed awards against its stated total (the fund-awards fixture) ---------------------

FUND = "Community Safety Fund 2019/20"
FUND_AS_AT = date(2020, 5, 1)


def fund_findings(session: Session, audience: Audience = Audience.PUBLIC) -> pd.DataFrame:
    frame = findings.findings_frame(session=session, area="fixtureshire", as_at=FUND_AS_AT, audience=audience, year=2019)
    return of_kind(frame, "awards_and_stated_total")


def test_ten_awards_that_add_up_to_less_than_the_funds_stated_total_are_a_finding(session: Session) -> None:
    load_fund_awards(session)
    found = fund_findings(session)
    assert len(found) == 1
    row = found.iloc[0]
    assert row["statement"] == f"{FUND}: the 10 awards listed add up to £397,638, £2,362 less than the stated total of £400,000"
    assert row["question"] == f"Which awards from {FUND} make up the other £2,362, and where are they published?"
    assert (row["outcome"], row["severity"], row["heading"]) == ("breach", "medium", "Awards do not add up to the fund's stated total")
    assert row["record_ids"].split("\n") == ["funding_stream:fx-community-fund", *(f"agreement:{i}" for i in AWARD_IDS_BY_TITLE)]
    assert [(f.name, f.value, f.basis) for f in row["figures"]] == [
        ("stated total of awards", 40_000_000, "reported"),
        ("sum of the awards listed", 39_763_800, "reported"),
        ("difference", 236_200, "reported"),
    ]
    assert row["link"] == "spend?area=fixtureshire"
    assert "fx-grants-2020|Community Safety Fund awards table row 10" in row["citations"].split("\n")
    # The same finding on the data-quality page, where the rule is one of the checks.
    quality = findings.store_findings(session=session, as_at=FUND_AS_AT, audience=Audience.PUBLIC, rule="awards_and_stated_total")
    assert list(quality["statement"]) == [row["statement"]]
    session.rollback()


# The awards in title order, as the finding lists them.
AWARD_IDS_BY_TITLE = [
    "fx-cs-10",  # Anti-social behaviour mediation
    "fx-cs-04",  # Domestic abuse drop-in
    "fx-cs-08",  # Hate crime reporting centre
    "fx-cs-05",  # Knife crime education in schools
    "fx-cs-02",  # Neighbourhood watch coordinator
    "fx-cs-07",  # Road safety speed watch
    "fx-cs-03",  # Rural crime volunteers
    "fx-cs-01",  # Safer Streets youth outreach
    "fx-cs-09",  # Scam awareness for older people
    "fx-cs-06",  # Street pastors
]


def test_an_award_whose_value_is_not_published_means_the_total_cannot_be_checked(session: Session) -> None:
    from data_access.models import Agreement

    load_fund_awards(session)
    session.get(Agreement, "fx-cs-04").total_value_pence = None  # Domestic abuse drop-in: £44,988 not published
    session.flush()
    row = fund_findings(session).iloc[0]
    assert row["statement"] == (
        f"{FUND}: 10 awards listed, but 1 has no published value (Domestic abuse drop-in), "
        "so whether its awards add up to the stated total of £400,000 cannot be checked"
    )
    assert (row["outcome"], row["severity"]) == ("cannot check", "low")
    assert row["heading"] == "Awards against the fund's stated total cannot be checked"
    # No arithmetic on the value that is not published: the nine published values, and the tenth as not published.
    assert [(f.name, f.value, f.basis) for f in row["figures"]] == [
        ("stated total of awards", 40_000_000, "reported"),
        ("sum of the awards listed", 39_763_800 - 4_498_800, "reported"),
        ("award values", None, NOT_PUBLISHED),
    ]
    session.rollback()


def test_awards_that_add_up_to_the_stated_total_are_no_finding(session: Session) -> None:
    from data_access.models import FundingStream

    load_fund_awards(session)
    session.get(FundingStream, "fx-community-fund").stated_awards_total_pence = 39_763_800
    session.flush()
    assert fund_findings(session).empty
    session.rollback()


def test_awards_more_than_the_stated_total_and_ceilings_above_it(session: Session) -> None:
    from data_access.models import Agreement, FundingStream

    load_fund_awards(session)
    session.get(FundingStream, "fx-community-fund").stated_awards_total_pence = 39_000_000
    session.flush()
    row = fund_findings(session).iloc[0]
    assert row["statement"] == f"{FUND}: the 10 awards listed add up to £397,638, £7,638 more than the stated total of £390,000"
    assert row["question"] == f"Which is right for {FUND}: the stated total of £390,000, or the awards listed?"
    # Ceilings ("up to £49,850") above the stated total: the awards may still add up to it, so it cannot be checked.
    session.get(Agreement, "fx-cs-01").value_qualifier = "up to"
    session.flush()
    row = fund_findings(session).iloc[0]
    assert row["statement"] == (
        f"{FUND}: the 10 awards listed are ceilings (up to £397,638 in all), "
        "so whether its awards add up to the stated total of £390,000 cannot be checked"
    )
    # Ceilings below it: the awards are sure to fall short.
    session.get(FundingStream, "fx-community-fund").stated_awards_total_pence = 40_000_000
    session.flush()
    row = fund_findings(session).iloc[0]
    assert row["statement"] == f"{FUND}: the 10 awards listed add up to at most £397,638, £2,362 less than the stated total of £400,000"
    session.rollback()


def test_a_part_of_another_award_is_not_added_and_a_stated_total_with_no_awards_cannot_be_checked(session: Session) -> None:
    from sqlmodel import select

    from data_access.models import Agreement

    load_fund_awards(session)
    # "Of which £10,000 for the Wisbech hub": a part of Safer Streets youth outreach, listed as its own grant.
    session.add(
        Agreement(id="t-part", area_id="fixtureshire", title="Wisbech hub", kind="grant", funding_stream_id="fx-community-fund",
                  start_date=date(2019, 6, 3), total_value_pence=1_000_000, status="ended", value_part_of_id="fx-cs-01", **CITED)
    )  # fmt: skip
    session.flush()
    assert fund_findings(session).iloc[0]["statement"].startswith(f"{FUND}: the 10 awards listed add up to £397,638,")
    for award in session.exec(select(Agreement).where(Agreement.funding_stream_id == "fx-community-fund")):
        award.visibility = "restricted"  # none the public may see
    session.flush()
    row = fund_findings(session).iloc[0]
    assert row["statement"] == (
        f"{FUND}: a total of £400,000 in awards is stated, but no award from it is listed, "
        "so whether its awards add up to the stated total of £400,000 cannot be checked"
    )
    assert [(f.name, f.value, f.basis) for f in row["figures"]] == [
        ("stated total of awards", 40_000_000, "reported"),
        ("awards", None, NOT_PUBLISHED),
    ]
    assert not fund_findings(session, Audience.STAFF).iloc[0]["statement"].startswith(f"{FUND}: a total")
    session.rollback()


def test_the_sample_data_has_no_award_total_finding(session: Session) -> None:
    # No sample funding stream states a total of awards: the check finds nothing, and says so on the summary.
    for area, dates in SAMPLE_DATES.items():
        for as_at in dates:
            frame = findings.findings_frame(session=session, area=area, as_at=as_at, audience=Audience.STAFF)
            assert of_kind(frame, "awards_and_stated_total").empty
    summary = findings.quality_summary(session=session, as_at=date(2026, 1, 1), audience=Audience.STAFF)
    row = summary[summary["rule"] == "awards_and_stated_total"]
    assert list(row["check"]) == ["Awards do not add up to the fund's stated total"] and list(row["findings"]) == [0]


def test_no_spend_beside_awards_names_the_awards(session: Session) -> None:
    load_fund_awards(session)
    frame = of_kind(
        findings.findings_frame(session=session, area="fixtureshire", as_at=FUND_AS_AT, audience=Audience.PUBLIC, year=2019),
        "budget_and_spend",
    )
    assert list(frame["statement"]) == [
        "Ministry of Justice victims grant: no spend is published against the £1,120,000 2019/20 budget, "
        "so what it pays for cannot be followed",
        f"{FUND}: no spend is published against the £400,000 2019/20 budget; 10 grants awarded from it add up to £397,638, "
        "so what has been paid cannot be followed",
        "Innovation fund: no spend is published against the 2019/20 budget of up to £50,000, so what it pays for cannot be followed",
    ]
    assert frame.iloc[1]["question"] == f"How much of the {FUND} grants awarded in 2019/20 has been paid, and where is that published?"
    assert [(f.name, f.value) for f in frame.iloc[1]["figures"]] == [
        ("budget", 40_000_000),
        ("spend", None),
        ("awarded in grants", 39_763_800),
    ]
    # The £200,000 for ISVAs is part of the £1,120,000 victims' budget, not a second budget overlapping it.
    overlaps = findings.findings_frame(session=session, area="fixtureshire", as_at=FUND_AS_AT, audience=Audience.PUBLIC, year=2019)
    assert of_kind(overlaps, "overlapping_periods").empty
    session.rollback()
