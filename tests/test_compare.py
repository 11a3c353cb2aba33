"""Comparing areas (`data_access.compare`): ranking, weighted group averages and "not published", with exact values.

The fixture is four areas over several years, built here (every figure made up by the test), in a store of its own:
- alpha: spend 2017/18 £1m, 2018/19 £2m public (£1.5m to a priority, £400k unlinked, £100k on its ISVA contract) and
  £1m restricted; residents 1,000,000 in both years; ISVA: 400 referrals in 2018/19 (stated annually); the contract
  ends 30 June 2019 with no re-procurement step.
- bravo: spend 2018/19 £1.5m (£150k on its ISVA contract), 2019/20 £800k unlinked; residents 500,000 in 2018/19 only;
  ISVA: four quarters of 50 referrals; the contract ends 30 September 2019 with a re-procurement step recorded.
- charlie: spend 2018/19 £900k (£810k to a priority, £90k on its ISVA contract); no population; ISVA: 8 referrals in
  2018/19 from an internal return (withheld from the public); the contract runs to March 2022.
- delta: spend 2016/17 £3m to a priority; residents 2,000,000 (2016/17 only); a service of no stated type with spend
  (£50k in 2017/18) and referrals (never counted as ISVA); its one agreement ended in March 2018.
Groups: "msg" (most similar group: alpha, bravo, charlie) and "north" (region: alpha, delta).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import compare, findings, queries
from data_access.db import open_store
from data_access.models import (
    Agreement,
    Area,
    AreaGroup,
    Audience,
    Measure,
    Milestone,
    Observation,
    Plan,
    Population,
    Priority,
    Source,
    Spend,
)

AS_AT = date(2019, 1, 1)
TODAY = date(2026, 11, 28)


def cited(source: str = "test") -> dict[str, Any]:
    return {"source_id": source, "source_section": "made up", "basis": "reported"}


def spend(id_: str, area: str, year: int, pounds: int, **extra: Any) -> Spend:
    return Spend(id=id_, area_id=area, financial_year=year, amount_pence=pounds * 100, **cited(), **extra)


def isva(area: str, ends: date, service_type: str | None = "isva") -> Agreement:
    return Agreement(
        id=f"{area}-isva",
        area_id=area,
        title=f"{area.title()} ISVA service",
        kind="contract",
        service_type=service_type,
        start_date=date(2017, 4, 1),
        current_end_date=ends,
        status="active",
        **cited(),
    )


def referrals(id_: str, area: str, count: float, start: date, end: date, quarter: int | None = None, source: str = "test") -> Observation:
    return Observation(
        id=id_,
        measure_id="isva-referrals",
        area_id=area,
        agreement_id=f"{area}-isva",
        period_start=start,
        period_end=end,
        financial_year=2018,
        quarter=quarter,
        value=count,
        **cited(source),
    )


def several_areas(url: str) -> Engine:
    """The four areas of this module's docstring, in a new store at `url` (also the app tests' store of several areas)."""
    engine = open_store(url, load_sample_data=False)
    quarters = [(date(2018, 4, 1), date(2018, 6, 30)), (date(2018, 7, 1), date(2018, 9, 30))]
    quarters += [(date(2018, 10, 1), date(2018, 12, 31)), (date(2019, 1, 1), date(2019, 3, 31))]
    records: list[list[Any]] = [
        [
            Source(id="test", title="Made up by a test", kind="published"),
            Source(id="returns", title="Providers' returns, made up by a test", kind="internal"),
        ],
        [Area(id=a, name=a.title()) for a in ("alpha", "bravo", "charlie", "delta")],
        [Plan(id=f"{a}-plan", area_id=a, title="Plan", first_year=2016, last_year=2020, **cited()) for a in ("alpha", "charlie", "delta")],
        [Priority(id=f"{a}-victims", plan_id=f"{a}-plan", position=1, name="Victims", **cited()) for a in ("alpha", "charlie", "delta")],
        [
            isva("alpha", date(2019, 6, 30)),
            isva("bravo", date(2019, 9, 30)),
            isva("charlie", date(2022, 3, 31)),
            isva("delta", date(2018, 3, 31), service_type=None),
            Measure(id="isva-referrals", name="ISVA referrals", unit="count", higher_is_better=True, counts_people=True),
        ],
        [
            Milestone(id="bravo-retender", agreement_id="bravo-isva", on=date(2019, 3, 1), kind="reprocurement", title="Tender", **cited()),
            spend("a17", "alpha", 2017, 1_000_000),
            spend("a18-linked", "alpha", 2018, 1_500_000, priority_id="alpha-victims"),
            spend("a18-other", "alpha", 2018, 400_000),
            spend("a18-isva", "alpha", 2018, 100_000, agreement_id="alpha-isva"),
            spend("a18-secret", "alpha", 2018, 1_000_000, priority_id="alpha-victims", visibility="restricted"),
            spend("b18", "bravo", 2018, 1_350_000),
            spend("b18-isva", "bravo", 2018, 150_000, agreement_id="bravo-isva"),
            spend("b19", "bravo", 2019, 800_000),
            spend("c18-linked", "charlie", 2018, 810_000, priority_id="charlie-victims"),
            spend("c18-isva", "charlie", 2018, 90_000, agreement_id="charlie-isva"),
            spend("d16", "delta", 2016, 3_000_000, priority_id="delta-victims"),
            spend("d17-untyped", "delta", 2017, 50_000, agreement_id="delta-isva"),
            referrals("a-2018", "alpha", 400, date(2018, 4, 1), date(2019, 3, 31)),
            *(referrals(f"b-q{q}", "bravo", 50, start, end, quarter=q) for q, (start, end) in enumerate(quarters, start=1)),
            referrals("c-2018", "charlie", 8, date(2018, 4, 1), date(2019, 3, 31), source="returns"),
            Observation(
                id="d-2017",
                measure_id="isva-referrals",
                area_id="delta",
                agreement_id="delta-isva",
                period_start=date(2017, 4, 1),
                period_end=date(2018, 3, 31),
                financial_year=2017,
                value=100,
                **cited(),
            ),
            Population(area_id="alpha", financial_year=2017, population=1_000_000, **cited()),
            Population(area_id="alpha", financial_year=2018, population=1_000_000, **cited()),
            Population(area_id="bravo", financial_year=2018, population=500_000, **cited()),
            Population(area_id="delta", financial_year=2016, population=2_000_000, **cited()),
            *(
                AreaGroup(group_id="msg", name="Most similar 1", kind="most similar group", area_id=a, **cited())
                for a in ("alpha", "bravo", "charlie")
            ),
            *(AreaGroup(group_id="north", name="North", kind="region", area_id=a, **cited()) for a in ("alpha", "delta")),
        ],
    ]
    with Session(engine) as session:
        for batch in records:  # no relationships are declared: each batch is written before the rows that refer to it
            session.add_all(batch)
            session.flush()
        session.commit()
    return engine


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = several_areas(f"sqlite:///{tmp_path_factory.mktemp('compare') / 'several.sqlite3'}")
    yield engine
    engine.dispose()


def table(engine: Engine, indicator: str, audience: Audience = Audience.PUBLIC, as_at: date | None = None) -> pd.DataFrame:
    with Session(engine) as session:
        return compare.compare_areas(session=session, indicator=indicator, audience=audience, today=TODAY, as_at=as_at)


def averages(engine: Engine, frame: pd.DataFrame, indicator: str) -> dict[str, Any]:
    with Session(engine) as session:
        groups = queries.area_groups(session=session)
    found = compare.group_averages(frame, groups, compare.INDICATORS[indicator])
    return {
        r["name"]: (r["with_figure"], None if r["value"] is None else round(r["value"], 2), r["years"]) for r in found.to_dict("records")
    }


def rows(frame: pd.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(None if pd.isna(v) else v for v in r) for r in frame[["area_id", *columns]].itertuples(index=False)]


def test_spend_per_head_ranks_areas_each_at_its_latest_year_and_lists_the_unpublished_last(several: Engine) -> None:
    frame = table(several, "spend-per-head")
    assert rows(frame, "rank", "financial_year", "numerator", "denominator", "value", "status") == [
        ("bravo", 1, 2018, 150_000_000, 500_000, 300.0, ""),  # 2019/20 has spend but no population
        ("alpha", 2, 2018, 200_000_000, 1_000_000, 200.0, ""),  # the restricted £1m is not the public's
        ("delta", 3, 2016, 300_000_000, 2_000_000, 150.0, ""),
        ("charlie", None, 2018, None, None, None, "population not published"),
    ]
    assert [compare.value_text(compare.INDICATORS["spend-per-head"], v) for v in frame["value"]] == [
        "£3.00",
        "£2.00",
        "£1.50",
        "not published",
    ]
    # Weighted: (£2m + £1.5m) / 1.5m residents = £2.33 (the mean of £2 and £3 would say £2.50); charlie has no figure.
    assert averages(several, frame, "spend-per-head") == {
        "Most similar 1": (2, 233.33, "2018/19"),
        "North": (2, 166.67, "2016/17 to 2018/19"),  # (£2m + £3m) / 3m, not the mean £1.75
        "All areas": (3, 185.71, "2016/17 to 2018/19"),
    }


def test_staff_see_the_restricted_spend_and_the_public_do_not(several: Engine) -> None:
    staff = table(several, "spend-per-head", Audience.STAFF)
    assert rows(staff, "numerator", "value")[0] == ("alpha", 300_000_000, 300.0)


def test_the_share_linked_to_a_priority_is_weighted_by_spend_and_zero_is_a_figure(several: Engine) -> None:
    frame = table(several, "linked-share")
    assert rows(frame, "financial_year", "numerator", "denominator", "value") == [
        ("charlie", 2018, 81_000_000, 90_000_000, 90.0),
        ("alpha", 2018, 150_000_000, 200_000_000, 75.0),
        ("bravo", 2019, 0, 80_000_000, 0.0),  # nothing linked is a figure, not "not published"
        ("delta", 2017, 0, 5_000_000, 0.0),  # its latest year: £50k on an agreement serving no priority
    ]
    assert averages(several, frame, "linked-share")["All areas"] == (4, 61.6, "2017/18 to 2019/20")  # £2.31m of £3.75m


def test_isva_cost_per_referral_compares_like_with_like(several: Engine) -> None:
    staff = table(several, "cost-per-referral-isva", Audience.STAFF)
    assert rows(staff, "rank", "financial_year", "numerator", "denominator", "value") == [
        ("charlie", 1, 2018, 9_000_000, 8, 1_125_000.0),
        ("bravo", 2, 2018, 15_000_000, 200, 75_000.0),  # four quarters of 50
        ("alpha", 3, 2018, 10_000_000, 400, 25_000.0),
        ("delta", None, None, None, None, None),  # its service's type is not stated: never compared as ISVA
    ]
    # (£100k + £150k + £90k) / 608 referrals = £559.21, not the mean of the three costs (£4,083.33).
    assert averages(several, staff, "cost-per-referral-isva")["Most similar 1"] == (3, 55921.05, "2018/19")


def test_the_public_never_see_a_cost_from_a_count_under_10(several: Engine) -> None:
    public = table(several, "cost-per-referral-isva", Audience.PUBLIC)
    assert rows(public, "value", "status") == [
        ("bravo", 75_000.0, ""),
        ("alpha", 25_000.0, ""),
        ("charlie", None, "number of referrals withheld (disclosure control)"),
        ("delta", None, "cost per unit not published (spend and a full year's referrals are needed)"),
    ]
    assert averages(several, public, "cost-per-referral-isva")["Most similar 1"] == (2, 41666.67, "2018/19")  # £250k / 600


def test_ending_with_no_reprocurement_at_an_as_at_date(several: Engine) -> None:
    frame = table(several, "ending-no-reprocurement", as_at=AS_AT)
    assert rows(frame, "numerator", "denominator", "value", "status") == [
        ("alpha", 1, 1, 100.0, ""),  # ends 30 June 2019, no step recorded
        ("bravo", 0, 1, 0.0, ""),  # ends 30 September 2019, re-procurement step recorded
        ("charlie", 0, 1, 0.0, ""),  # runs to 2022
        ("delta", None, None, None, "no agreement running on 1 January 2019"),
    ]
    assert averages(several, frame, "ending-no-reprocurement")["All areas"] == (3, 33.33, "2018/19")


def test_the_takeaway_says_where_the_area_stands_against_its_groups(several: Engine) -> None:
    frame = table(several, "spend-per-head")
    with Session(several) as session:
        groups = compare.groups_of(queries.area_groups(session=session), "alpha")
    found = compare.group_averages(frame, groups, compare.INDICATORS["spend-per-head"])
    assert compare.takeaway(frame, found, compare.INDICATORS["spend-per-head"], "alpha") == (
        "Alpha: £2.00 (2018/19), 2nd highest of 3; Most similar 1 average £2.33 (2 areas, 2018/19); North average £1.67 "
        "(2 areas, 2016/17 to 2018/19); weighted average of the 3 areas with the figure £1.86. 1 of 4 areas: not published."
    )
    charlie = compare.takeaway(frame, found, compare.INDICATORS["spend-per-head"], "charlie")
    assert charlie.startswith("Charlie: population not published.")


# --- the sample data --------------------------------------------------------------------------------------------


def test_the_sample_areas_appear_with_their_differing_years(session: Session) -> None:
    frame = compare.compare_areas(session=session, indicator="linked-share", audience=Audience.PUBLIC, today=TODAY)
    assert sorted(rows(frame, "financial_year")) == [("derbyshire", 2025), ("norfolk", 2016), ("west-yorkshire", 2018)]
    per_head = compare.compare_areas(session=session, indicator="spend-per-head", audience=Audience.PUBLIC, today=TODAY)
    # The seeds publish no population: every area is listed, none as 0.
    assert set(per_head["status"]) == {"population not published"} and per_head["value"].isna().all() and len(per_head) == 3


def test_west_yorkshire_isva_cost_per_referral_for_the_panel(session: Session) -> None:
    frame = compare.compare_areas(session=session, indicator="cost-per-referral-isva", audience=Audience.PANEL, today=TODAY)
    wy = frame.set_index("area_id").loc["west-yorkshire"]
    # £310,000 (illustrative) spent in 2017/18 over 996 referrals, as stated per annum.
    assert (wy["financial_year"], wy["numerator"], wy["denominator"], wy["basis"]) == (2017, 31_000_000, 996, "illustrative")
    assert compare.value_text(compare.INDICATORS["cost-per-referral-isva"], wy["value"]) == "£311.24"
    assert (
        list(frame["status"][frame["area_id"] != "west-yorkshire"])
        == ["cost per unit not published (spend and a full year's referrals are needed)"] * 2
    )


def test_an_average_of_illustrative_figures_is_labelled_illustrative_wherever_it_is_written(session: Session) -> None:
    indicator = compare.INDICATORS["cost-per-referral-isva"]
    frame = compare.compare_areas(session=session, indicator=indicator.id, audience=Audience.PANEL, today=TODAY)
    groups = compare.groups_of(queries.area_groups(session=session), "west-yorkshire")
    averages = compare.group_averages(frame, groups, indicator)
    # West Yorkshire's illustrative £311.24 is the only figure in its region's average and in all areas'.
    assert [compare.average_text(indicator, a) for a in averages.to_dict("records")] == ["£311.24 (illustrative)"] * 2
    sentence = compare.takeaway(frame, averages, indicator, "west-yorkshire")
    assert "£311.24" in sentence and sentence.count("£311.24 (illustrative)") == sentence.count("£311.24") == 3


def test_every_areas_spend_per_year_is_the_spend_pages_on_each_database(session: Session, backend: str) -> None:
    """`spend_by_area_and_year` is built two ways (PostgreSQL sums by source first, so each citation is joined once):
    on either database, each area's year is the spend page's total and what of it reaches a priority, citing the
    documents the spend page cites."""
    for audience in Audience:
        frame = queries.spend_by_area_and_year(session=session, audience=audience)
        assert len(frame), (backend, audience)
        for row in frame.to_dict("records"):
            page = queries.budget_and_spend_by_priority(session=session, area=row["area_id"], year=row["financial_year"], audience=audience)
            unlinked = page[page["priority"] == queries.NOT_LINKED]["spend_pence"].fillna(0).sum()
            assert row["spend_pence"] == page["spend_pence"].fillna(0).sum(), (backend, audience, row["area_id"], row["financial_year"])
            assert row["linked_pence"] == row["spend_pence"] - unlinked, (backend, audience, row["area_id"], row["financial_year"])
            cited = {c for c in page["citations"].dropna() for c in c.split(queries.CITATION_SEP) if c}
            assert set(row["citations"].split(queries.CITATION_SEP)) <= cited, (backend, row["area_id"], row["financial_year"])

    # West Yorkshire (its panel report of 14 September 2018, sample_data/spend.csv): 2017/18 is the ISVA contract's
    # £310,000, the perpetrator programme's £96,000 and the Victims Champion grant's £20k (illustrative), and the honour
    # based abuse project's £5k (derived), which reaches no priority; 2018/19 adds a £12,500 payment only staff see.
    def west_yorkshire(audience: Audience) -> list[tuple[int, int, int, int]]:
        frame = queries.spend_by_area_and_year(session=session, audience=audience, areas=["west-yorkshire"])
        return list(zip(frame["financial_year"], frame["spend_pence"], frame["linked_pence"], frame["illustrative_pence"], strict=True))

    assert west_yorkshire(Audience.PANEL) == [(2017, 43_100_000, 42_600_000, 42_600_000), (2018, 186_000_000, 186_000_000, 186_000_000)]
    assert west_yorkshire(Audience.STAFF)[1] == (2018, 187_250_000, 187_250_000, 187_250_000)
    cited = queries.spend_by_area_and_year(session=session, audience=Audience.PUBLIC, areas=["west-yorkshire"])["citations"][0]
    assert set(cited.split(queries.CITATION_SEP)) == {
        "wy-2018|2.2.3 Independent Sexual Advisor Contract (ISVA)",
        "wy-2018|2.3.1 Integrated Perpetrator and Victim Programme",
        "wy-2018|2.3.4 Victims Champion Project",
    }


def test_every_indicator_runs_on_the_sample_for_every_audience(session: Session) -> None:
    for indicator in compare.INDICATORS:
        for audience in Audience:
            frame = compare.compare_areas(session=session, indicator=indicator, audience=audience, today=TODAY)
            assert sorted(frame["area_id"]) == ["derbyshire", "norfolk", "west-yorkshire"], indicator
            assert (frame["value"].notna() | (frame["status"] != "")).all(), indicator  # no figure without a reason


# --- the chart ---------------------------------------------------------------------------------------------------


def test_the_chart_is_sorted_and_marks_the_chosen_area_and_its_group_not_by_colour_alone(several: Engine) -> None:
    from charts.compare import compare_empty, compare_figure

    indicator = compare.INDICATORS["spend-per-head"]
    frame = table(several, "spend-per-head")
    shown = compare.display(frame, indicator, chosen="alpha", peers={"bravo", "charlie"})
    assert list(shown["label"]) == ["Bravo (2018/19)", "Alpha (2018/19)", "Delta (2016/17)", "Charlie (2018/19)"]
    assert list(shown["text"]) == ["£3.00", "£2.00", "£1.50", "not published"]
    assert list(shown["numerator"]) == ["£1,500,000", "£2,000,000", "£3,000,000", ""]
    fig = compare_figure(
        shown, title="Spend per head", axis_title="Pounds", chosen="alpha", peers={"bravo", "charlie"}, averages=[("Group £2.33", 2.33)]
    )
    bars = {trace.name: trace for trace in fig.data if trace.type == "bar"}
    assert set(bars) == {"Chosen area", "Same group", "Other areas"}
    # The average: a line behind the bars, named in the legend rather than beside the line.
    assert [(t.name, t.mode) for t in fig.data if t.type == "scatter"] == [("Group £2.33", "lines")]
    assert [(s.x0, s.layer) for s in fig.layout.shapes] == [(2.33, "below")]
    # Each value written beside its bar on white, so the average's line passing behind never strikes it through.
    assert [(a.y, a.text, a.bgcolor) for a in fig.layout.annotations] == [
        ("Alpha (2018/19)", "£2.00 (chosen area)", "white"),
        ("Bravo (2018/19)", "£3.00 (same group)", "white"),
        ("Delta (2016/17)", "£1.50", "white"),
    ]
    assert list(bars["Chosen area"].y) == ["Alpha (2018/19)"] and bars["Chosen area"].marker.pattern.shape == "x"
    assert list(bars["Chosen area"].text) == ["£2.00 (chosen area)"]
    assert list(bars["Same group"].y) == ["Bravo (2018/19)"] and bars["Same group"].marker.pattern.shape == "."
    assert list(bars["Same group"].text) == ["£3.00 (same group)"]  # charlie has no figure: no bar, listed beneath instead
    assert list(fig.layout.yaxis.categoryarray) == ["Bravo (2018/19)", "Alpha (2018/19)", "Delta (2016/17)"]
    assert compare_empty(frame, indicator_name=indicator.name) is None
    nothing = frame.assign(value=None)
    assert compare_empty(nothing, indicator_name="X") == (
        "No area in the store has the figure for X, so there is nothing to chart; every area is listed below."
    )


# --- where an area stands against its group, in the other views (overview, briefing, meeting mode) --------------------


def standing(engine: Engine, area: str, audience: Audience) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        found = compare.standing(session=session, area=area, audience=audience)
    return [(r["indicator"], r["group"], round(r["ratio"], 3), r["far"], compare.standing_text(r)) for r in found.to_dict("records")]


def test_an_area_stands_against_each_group_with_two_more_figures_furthest_first(several: Engine) -> None:
    # Most similar 1 (alpha, bravo, charlie) has the three figures the line needs; North (alpha, delta) never has.
    assert standing(several, "alpha", Audience.STAFF) == [
        (
            "cost-per-referral-isva",
            "Most similar 1",
            0.447,  # £250 against (£100k + £150k + £90k) / 608 referrals = £559.21
            True,
            "Cost per referral: ISVA, Alpha £250 (2018/19); Most similar 1 average £559.21 (3 areas, 2018/19)",
        ),
        (
            "linked-share",
            "Most similar 1",
            1.183,  # 83% (the restricted £1m to a priority counts for staff) against (£2.5m + £0 + £810k) / £4.7m = 70%
            False,
            "Share of spend linked to a Plan priority, Alpha 83% (2018/19); Most similar 1 average 70% (3 areas, 2018/19 to 2019/20)",
        ),
    ]


def test_the_public_line_uses_only_what_the_public_may_see(several: Engine) -> None:
    # Charlie's 8 referrals are withheld from the public, so the group has two ISVA costs: too few for an average.
    assert standing(several, "alpha", Audience.PUBLIC) == [
        (
            "linked-share",
            "Most similar 1",
            1.201,  # 75% against (£1.5m + £0 + £810k) / £3.7m = 62%
            False,
            "Share of spend linked to a Plan priority, Alpha 75% (2018/19); Most similar 1 average 62% (3 areas, 2018/19 to 2019/20)",
        )
    ]
    assert standing(several, "delta", Audience.PUBLIC) == []  # North: delta and alpha only


def test_far_from_the_group_is_a_finding_with_a_question_and_a_link_to_the_comparison(several: Engine) -> None:
    with Session(several) as session:
        alpha = findings.findings(session=session, area="alpha", as_at=AS_AT, audience=Audience.STAFF, rules=["peer_group"])
        charlie = findings.findings(session=session, area="charlie", as_at=AS_AT, audience=Audience.PUBLIC, rules=["peer_group"])
        staying = findings.findings(session=session, area="alpha", as_at=AS_AT, audience=Audience.PUBLIC, rules=["peer_group"])
    assert [(f.heading, f.severity, f.statement, f.question, f.link) for f in alpha] == [
        (
            "Far from its peer group",
            findings.Severity.LOW,
            "Cost per referral: ISVA, Alpha £250 (2018/19); Most similar 1 average £559.21 (3 areas, 2018/19)",
            "Why is Alpha's cost per referral for ISVA so far below the Most similar 1 average, and do the areas count it the same way?",
            "compare?area=alpha&indicator=cost-per-referral-isva",
        )
    ]
    assert [(f.statement, f.question) for f in charlie] == [
        (
            "Share of spend linked to a Plan priority, Charlie 90% (2018/19); Most similar 1 average 62% (3 areas, 2018/19 to 2019/20)",
            "Why is Charlie's share of spend linked to a Plan priority so far above the Most similar 1 average, and do the areas "
            "count it the same way?",
        )
    ]
    assert [(fig.name, fig.value) for fig in charlie[0].figures] == [
        ("Share of spend linked to a Plan priority", 90.0),
        ("Most similar 1 average", pytest.approx(100 * 231 / 370)),
    ]
    assert staying == []  # 75% against 62%: a ratio of 1.2, inside 1.25 either way


def test_the_finding_from_a_standing_read_once_is_the_finding_read_afresh(several: Engine) -> None:
    """The overview and the briefing read the standing once, for their line and the rule: the same findings either way."""
    with Session(several) as session:
        for area, audience in (("alpha", Audience.STAFF), ("charlie", Audience.PUBLIC), ("alpha", Audience.PUBLIC)):
            standing = compare.standing(session=session, area=area, audience=audience)
            asked = {"session": session, "area": area, "as_at": AS_AT, "audience": audience, "rules": ["peer_group"]}
            given, afresh = findings.findings(**asked, peer_standing=standing), findings.findings(**asked)
            assert given == afresh
            assert [f.statement for f in given] == [compare.standing_text(r) for r in standing[standing["far"]].to_dict("records")]
