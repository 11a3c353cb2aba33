"""Chart builders and their one-sentence takeaways, fed by the real queries on the seeded store."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest
from sqlmodel import Session

from charts import palette
from charts.performance import (
    breakdown_empty,
    breakdown_figure,
    breakdown_takeaway,
    measure_takeaway,
    measure_trend_empty,
    measure_trend_figure,
)
from charts.renewals import drawn_on_timeline, renewal_takeaway, renewal_timeline_empty, renewal_timeline_figure
from charts.spend import (
    awards_note,
    budget_and_spend_empty,
    budget_and_spend_figure,
    budget_and_spend_takeaway,
    money_flow_empty,
    money_flow_figure,
    money_flow_takeaway,
    unsplit_note,
)
from data_access import queries
from data_access.models import Audience
from data_access.queries import NOT_ASSIGNED, NOT_LINKED
from tests.fixtures import load_fund_awards

PUBLIC = Audience.PUBLIC
WY_AS_AT = date(2018, 9, 14)
ISVA_LABEL = "Independent Sexual Advisor Contract (ISVA) (Victim Support) (illustrative start)"  # its start date is made up

# Okabe, M. and Ito, K. (2008), Color Universal Design: the eight colours, as published.
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
WHITE = "#FFFFFF"  # hatching and marker outlines drawn over a palette colour


def _hex(colour: str) -> str:
    colour = colour.strip()
    if colour.lower() == "white":
        return WHITE
    match = re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*[\d.]+)?\)", colour)
    if match:
        return "#{:02X}{:02X}{:02X}".format(*(int(g) for g in match.groups()))
    return colour.upper()


def trace_colours(trace) -> set[str]:
    """Every colour a trace draws with."""
    found: set[str] = set()

    def walk(value, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list | tuple) and key.endswith("color"):
            found.update(_hex(v) for v in value if isinstance(v, str))
        elif isinstance(value, str) and key.endswith("color"):
            found.add(_hex(value))

    walk(trace.to_plotly_json())
    return found


def assert_palette_colours(fig: go.Figure, *, grey_for: set[str] = frozenset()) -> None:
    """Every trace colour is Okabe-Ito (or white hatching); the palette's grey only for traces named in `grey_for`."""
    assert list(fig.layout.colorway) == palette.SEQUENCE
    for trace in fig.data:
        colours = trace_colours(trace)
        assert colours, f"trace {trace.name!r} has no colour of its own"
        allowed = OKABE_ITO | {WHITE} | ({palette.GREY} if trace.name in grey_for else set())
        assert colours <= allowed, (trace.name, colours - allowed)


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def norfolk_streams(session: Session) -> pd.DataFrame:
    return queries.budget_and_spend_by_funding_stream(session=session, area="norfolk", year=2016, audience=PUBLIC)


@pytest.fixture
def derbyshire_priorities(session: Session) -> pd.DataFrame:
    return queries.budget_and_spend_by_priority(session=session, area="derbyshire", year=2025, audience=PUBLIC)


@pytest.fixture
def wy_observations(session: Session) -> pd.DataFrame:
    return queries.observations(session=session, area="west-yorkshire", audience=PUBLIC)


# --- palette ---------------------------------------------------------------------------------


def test_palette_is_okabe_ito() -> None:
    assert set(palette.SEQUENCE) == OKABE_ITO
    assert len(palette.SEQUENCE) == 8
    named = {
        palette.BLACK,
        palette.ORANGE,
        palette.SKY_BLUE,
        palette.GREEN,
        palette.YELLOW,
        palette.BLUE,
        palette.VERMILLION,
        palette.PURPLE,
    }
    assert named == OKABE_ITO
    assert palette.GREY not in OKABE_ITO  # the one extra colour, for things that are over


def test_base_layout_sets_the_house_style() -> None:
    fig = palette.base_layout(go.Figure(), title="Budget and spend", height=500)
    assert fig.layout.title.text == "Budget and spend"
    assert fig.layout.font.size == palette.FONT_SIZE == 16
    assert fig.layout.font.color == palette.BLACK
    assert list(fig.layout.colorway) == palette.SEQUENCE
    assert fig.layout.height == 500


# --- budget and spend ------------------------------------------------------------------------


def test_budget_and_spend_figure_norfolk_streams(norfolk_streams: pd.DataFrame) -> None:
    fig = budget_and_spend_figure(norfolk_streams, category="funding_stream", title="Norfolk 2016/17")
    assert isinstance(fig, go.Figure)
    assert [(t.type, t.name, t.orientation) for t in fig.data] == [("bar", "Budget", "h"), ("bar", "Spend", "h")]
    budget, spend = fig.data
    moj = "Ministry of Justice (MOJ) grant for victim's services"
    # Largest budget at the top: plotly draws the first category at the bottom, so the rows are reversed.
    assert list(budget.y) == ["Funding stream not stated (spend illustrative)", "Main police grant", f"{moj} (spend illustrative)"]
    assert list(budget.x) == [0, 1018000, 1037415]  # pounds: £1.018m and £1,037,415
    assert list(spend.x) == [114000, 0, 795000]  # pounds: YOT £114k; £360k + £360k + £75k
    assert list(budget.text) == ["", "£1.02m", "£1.04m"]
    assert list(spend.text) == ["£114k (illustrative)", "", "£795k (illustrative)"]
    # Illustrative bars are hatched, not only labelled.
    assert list(budget.marker.pattern.shape) == ["", "", ""]
    assert list(spend.marker.pattern.shape) == [palette.ILLUSTRATIVE_PATTERN, "", palette.ILLUSTRATIVE_PATTERN]
    assert (budget.marker.color, spend.marker.color) == (palette.BLUE, palette.ORANGE)
    assert fig.layout.title.text == "Norfolk 2016/17"
    assert_palette_colours(fig)


def test_budget_and_spend_figure_labels_rows_whose_budget_and_spend_are_both_illustrative(norfolk_streams: pd.DataFrame) -> None:
    frame = norfolk_streams.copy()
    # A budget as illustrative as the spend beside it (the sample data has none): the row is marked once, as a whole.
    frame["budget_illustrative"] = frame["spend_illustrative"]
    frame["budget_pence"] = frame["spend_pence"].where(frame["spend_illustrative"], frame["budget_pence"])
    frame["budget_illustrative_pence"] = frame["spend_illustrative_pence"]
    fig = budget_and_spend_figure(frame, category="funding_stream", title="t")
    assert fig.data[0].y[0] == "Funding stream not stated (illustrative)"
    assert fig.data[0].y[1] == "Main police grant"


def test_budget_and_spend_figure_priorities_keep_unlinked_and_unassigned_apart(derbyshire_priorities: pd.DataFrame) -> None:
    fig = budget_and_spend_figure(derbyshire_priorities, category="priority", title="t")
    budget, spend = fig.data
    rows = dict(zip(budget.y, zip(budget.x, spend.x, strict=True), strict=True))
    assert rows[f"{NOT_LINKED} (spend illustrative)"] == (0, 15000)
    assert rows[NOT_ASSIGNED] == (275000, 0)  # the £275,000 pot, reported
    assert rows["Anti-Social Behaviour (ASB) and Community Safety (spend illustrative)"] == (0, 120000)
    assert len(budget.y) == 4


def test_a_priority_named_alike_in_two_plans_gets_a_row_of_its_own(derbyshire_priorities: pd.DataFrame) -> None:
    """On the national store, spend in 2024/25 reached "Victims" of the 2020 Plan and of the 2015 Plan (an agreement
    let under the old one): both on one line, plotly drew the bars and their value labels over each other."""
    asb = "Anti-Social Behaviour (ASB) and Community Safety"
    first = derbyshire_priorities[derbyshire_priorities["priority"] == asb]
    older = first.assign(priority_id="derbyshire-old-asb", plan="Police and Crime Plan 2016-21", spend_pence=7_000_00)
    frame = pd.concat([derbyshire_priorities, older, older.assign(priority_id="derbyshire-old-asb-2")], ignore_index=True)
    _, spend = budget_and_spend_figure(frame, category="priority", title="t").data
    plan = str(first["plan"].iloc[0])
    rows = dict(zip(spend.y, spend.x, strict=True))
    assert len(rows) == len(frame) == 6
    assert rows[f"{asb} ({plan}) (spend illustrative)"] == 120000
    assert rows[f"{asb} (Police and Crime Plan 2016-21) (spend illustrative)"] == 7000
    assert rows[f"{asb} (Police and Crime Plan 2016-21) (2) (spend illustrative)"] == 7000
    assert rows[f"{NOT_LINKED} (spend illustrative)"] == 15000  # names that are not repeated are drawn as they are


def test_budget_and_spend_takeaway_by_stream(norfolk_streams: pd.DataFrame) -> None:
    assert budget_and_spend_takeaway(norfolk_streams, category="funding_stream") == (
        "Ministry of Justice (MOJ) grant for victim's services had the largest spend, £795,000 (illustrative): "
        "87% of £909,000 (illustrative)."
    )


def test_budget_and_spend_takeaway_names_spend_linked_to_no_priority(derbyshire_priorities: pd.DataFrame) -> None:
    assert budget_and_spend_takeaway(derbyshire_priorities, category="priority", unlinked=NOT_LINKED) == (
        "Anti-Social Behaviour (ASB) and Community Safety had the largest spend, £120,000 (illustrative): "
        "62% of £195,000 (illustrative). £15,000 (illustrative) of spend is linked to no Plan priority."
    )


def test_budget_and_spend_takeaway_without_spend(norfolk_streams: pd.DataFrame) -> None:
    police = norfolk_streams[norfolk_streams["funding_stream_id"] == "nfk-police-grant"]
    assert budget_and_spend_takeaway(police, category="funding_stream") == "Budget of £1,018,000 is recorded, but no spend."
    assert (
        budget_and_spend_takeaway(norfolk_streams.iloc[0:0], category="funding_stream")
        == "No budget or spend is recorded for this selection."
    )


def test_money_flow_figure(session: Session) -> None:
    flows = queries.money_flow(session=session, area="west-yorkshire", year=2018, audience=PUBLIC)
    fig = money_flow_figure(flows, title="Where the money went")
    assert isinstance(fig, go.Figure)
    assert [t.type for t in fig.data] == ["sankey"]
    sankey = fig.data[0]
    labels = [label.replace("<br>", " ") for label in sankey.node.label]  # long names wrap, so labels never run together
    assert max(len(line) for label in sankey.node.label for line in label.split("<br>") if " " in line) <= 16
    victims = "Further developing the support available to victims and witnesses"
    assert set(labels) == {
        "Ministry of Justice (MOJ) victims grant",
        victims,
        "Reducing Re-offending",
        "Provider not named",
        "Victim Support",
        "Restorative Solutions",
    }
    links = {(labels[s], labels[t]): v for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)}
    # Link widths are pounds (illustrative 2018/19 spend).
    assert links == {
        ("Ministry of Justice (MOJ) victims grant", victims): 1710000,
        ("Ministry of Justice (MOJ) victims grant", "Reducing Re-offending"): 150000,
        (victims, "Provider not named"): 1250000,
        (victims, "Victim Support"): 310000,
        (victims, "Restorative Solutions"): 150000,
        ("Reducing Re-offending", "Restorative Solutions"): 150000,
    }
    assert list(sankey.link.customdata) == ["illustrative"] * 6
    assert_palette_colours(fig)


def test_money_flow_takeaway(session: Session) -> None:
    def takeaway(area: str, year: int) -> str:
        return money_flow_takeaway(queries.money_flow(session=session, area=area, year=year, audience=PUBLIC))

    assert takeaway("west-yorkshire", 2018) == (
        "Ministry of Justice (MOJ) victims grant pays for 100% of the £1,860,000 (illustrative) followed; "
        "the largest recipient is Provider not named, with £1,250,000 (illustrative)."
    )
    # £795,000 of £909,000 through the MoJ grant; VARSS and IDVA (£360k each) name no provider.
    assert takeaway("norfolk", 2016) == (
        "Ministry of Justice (MOJ) grant for victim's services pays for 87% of the £909,000 (illustrative) followed; "
        "the largest recipient is Provider not named, with £720,000 (illustrative)."
    )
    assert takeaway("norfolk", 2017) == "No spend is recorded for this selection, so there is no money to follow."


# --- renewals --------------------------------------------------------------------------------


@pytest.fixture
def wy_timeline(session: Session) -> tuple[go.Figure, pd.DataFrame]:
    renewals = queries.renewals(session=session, area="west-yorkshire", as_at=WY_AS_AT, audience=PUBLIC)
    amendments = queries.amendments(session=session, area="west-yorkshire", audience=PUBLIC)
    milestones = queries.milestones(session=session, area="west-yorkshire", audience=PUBLIC)
    fig = renewal_timeline_figure(renewals, amendments, milestones, as_at=WY_AS_AT, red_months=6, amber_months=12, title="Renewals")
    return fig, renewals


def test_renewal_timeline_has_a_vertical_line_at_the_as_at_date(wy_timeline) -> None:
    fig, _ = wy_timeline
    assert isinstance(fig, go.Figure)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1
    line = lines[0]
    as_at_ms = pd.Timestamp("2018-09-14").value / 1e6
    assert line.x0 == line.x1 == as_at_ms  # vertical, at 14 September 2018
    assert (line.y0, line.y1) == (0, 1) and line.yref.endswith("domain")  # the full height of the plot
    assert line.line.color == palette.BLACK
    assert [a.text for a in fig.layout.annotations] == ["As at 14 September 2018"]


def test_renewal_timeline_names_every_year_so_its_last_is_on_the_axis(wy_timeline) -> None:
    fig, renewals = wy_timeline
    # West Yorkshire's agreements run from 2015 to the Core Referral Service's latest possible end, 31 March 2023:
    # plotly's own ticks (every second year) stop at 2022.
    assert max(d.year for d in renewals["latest_end_date"].dropna()) == 2023
    assert fig.layout.xaxis.dtick == "M12" and fig.layout.xaxis.tickformat == "%Y"


def row_labels(fig: go.Figure, ys) -> list[str | None]:
    """The agreement labels of a timeline's rows, as its axis writes them (each row is a number, labelled once)."""
    axis = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True))
    return [None if y is None else axis[y] for y in ys]


def segments(fig: go.Figure, trace) -> list[tuple[str, list, str]]:
    """A timeline trace's agreements: (label, x values, hover text) of each run of points between gaps (None)."""
    runs: list[tuple[str, list, str]] = []
    current: list[tuple] = []
    hovertext = trace.hovertext if trace.hovertext is not None else [None] * len(trace.x)
    for x, y, text in [*zip(trace.x, row_labels(fig, trace.y), hovertext, strict=True), (None, None, None)]:
        if x is None and y is None:
            if current:
                runs.append((current[0][1], [p[0] for p in current], current[0][2]))
            current = []
        else:
            current.append((x, y, text))
    return runs


def bars(fig: go.Figure, label: str) -> list[tuple[list, str, object]]:
    """Each bar (or single dated point) drawn for the agreement `label`: its x values, hover text and trace."""
    return [(xs, text, t) for t in fig.data if t.marker.symbol == "square" for lab, xs, text in segments(fig, t) if lab == label]


def test_renewal_timeline_bars(wy_timeline) -> None:
    fig, _ = wy_timeline
    (isva,) = bars(fig, ISVA_LABEL)
    isva_x, _, isva_trace = isva
    assert isva_x == [date(2015, 4, 1), date(2019, 3, 31)]  # (illustrative start) to the extended end
    assert isva_trace.line.color == palette.ORANGE
    assert isva_trace.name == "Ends within 12 months"
    ((core_x, _, core_trace),) = bars(fig, "Core Referral Service")
    assert core_x == [date(2018, 4, 1), date(2021, 3, 31)]
    assert core_trace.line.color == palette.BLUE
    assert core_trace.name == "Runs beyond 12 months"
    runways = {label: xs for t in fig.data if t.name == "Extension options not yet used" for label, xs, _ in segments(fig, t)}
    assert runways == {
        "Core Referral Service": [date(2021, 3, 31), date(2023, 3, 31)],  # two one-year options
        "Restorative Justice (Restorative Solutions)": [date(2021, 3, 31), date(2022, 3, 31)],  # one
    }
    assert {t.line.dash for t in fig.data if t.name == "Extension options not yet used"} == {"dot"}
    ((perpetrator_x, _, perpetrator),) = bars(fig, "Perpetrator programme (2015-17) (CHOICES)")
    assert (perpetrator_x, perpetrator.line.color) == ([date(2015, 9, 1), date(2017, 11, 30)], palette.GREY)
    # Each warning appears once in the legend.
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert len(legend) == len(set(legend))
    assert_palette_colours(fig, grey_for={"Ended", "Dates not published"})


def test_renewal_timeline_marks_amendments_and_steps(wy_timeline) -> None:
    fig, _ = wy_timeline
    (diamonds,) = [t for t in fig.data if t.marker.symbol == "diamond"]
    # The final extension, from the old end.
    assert dict(zip(row_labels(fig, diamonds.y), diamonds.x, strict=True))[ISVA_LABEL] == date(2018, 3, 31)
    assert len(diamonds.x) == 3
    (triangles,) = [t for t in fig.data if t.marker.symbol == "triangle-up"]
    steps = sorted(zip(triangles.x, row_labels(fig, triangles.y), strict=True))
    assert (date(2018, 9, 7), ISVA_LABEL) in steps  # the bidder's event for the new ISVA service
    assert steps[0] == (date(2018, 9, 3), "Domestic Abuse Project Specialist")
    assert len(steps) == 5


def test_renewal_takeaway_west_yorkshire(wy_timeline) -> None:
    _, renewals = wy_timeline
    assert renewal_takeaway(renewals, as_at=WY_AS_AT, red_months=6, amber_months=12) == (
        "1 of 3 running agreements end within 12 months of 14 September 2018 (0 within 6); "
        "the first is Independent Sexual Advisor Contract (ISVA), on 31 March 2019."
    )


def test_renewal_takeaway_norfolk(session: Session) -> None:
    at_start = queries.renewals(session=session, area="norfolk", as_at=date(2016, 4, 1), audience=PUBLIC)
    assert renewal_takeaway(at_start, as_at=date(2016, 4, 1), red_months=6, amber_months=12) == (
        "None of the 4 running agreements with published dates ends within 12 months of 1 April 2016."
    )
    later = queries.renewals(session=session, area="norfolk", as_at=date(2017, 10, 1), audience=PUBLIC)
    text = renewal_takeaway(later, as_at=date(2017, 10, 1), red_months=6, amber_months=12)
    assert text.startswith("3 of 4 running agreements end within 12 months of 1 October 2017 (3 within 6); the first is ")
    assert text.endswith(", on 31 March 2018.")


def test_renewal_takeaway_counts_undated_agreements(session: Session) -> None:
    # In June 2022 the November 2021 strategy was the latest word on Derbyshire's nine undated services.
    renewals = queries.renewals(session=session, area="derbyshire", as_at=date(2022, 6, 1), audience=PUBLIC)
    assert renewal_takeaway(renewals, as_at=date(2022, 6, 1), red_months=6, amber_months=12) == (
        "No agreement with published dates is running on 1 June 2022. 9 agreements have no published dates."
    )


# --- performance -----------------------------------------------------------------------------


def test_measure_trend_figure_isva_referrals(wy_observations: pd.DataFrame) -> None:
    series = wy_observations[(wy_observations["measure_id"] == "isva-referrals") & wy_observations["quarter"].notna()]
    fig = measure_trend_figure(series, title="ISVA referrals")
    assert isinstance(fig, go.Figure)
    bars, targets = fig.data
    assert bars.type == "bar"
    assert list(bars.x) == [f"{q}<br>(illustrative)" for q in ("Q1 2017/18", "Q2 2017/18", "Q3 2017/18", "Q4 2017/18", "Q1 2018/19")]
    assert list(bars.y) == [212, 229, 218, 237, 231]
    assert list(bars.text) == ["212", "229", "218", "237", "231"]
    assert set(bars.marker.color) == {palette.SKY_BLUE}  # illustrative
    assert set(bars.marker.pattern.shape) == {palette.ILLUSTRATIVE_PATTERN}
    assert (targets.name, list(targets.y)) == ("Target (illustrative)", [225] * 5)  # target_basis blank: the values' basis
    assert list(targets.hovertext) == ["Target: 225 (illustrative)"] * 5
    assert fig.layout.yaxis.title.text == "Number"
    assert_palette_colours(fig)


def test_measure_trend_figure_reported_percentage(wy_observations: pd.DataFrame) -> None:
    series = wy_observations[wy_observations["id"] == "wy-cc-compliance"]
    fig = measure_trend_figure(series, title="Compliance")
    assert len(fig.data) == 1  # no target, no target trace
    (bars,) = fig.data
    assert list(bars.x) == ["1 April 2016 to 30 November 2017"]  # reported: no illustrative label
    assert list(bars.y) == [80]
    assert list(bars.text) == ["80%"]
    assert list(bars.marker.color) == [palette.BLUE]
    assert fig.layout.yaxis.ticksuffix == "%"


def test_measure_takeaway(wy_observations: pd.DataFrame) -> None:
    quarters = wy_observations[(wy_observations["measure_id"] == "isva-referrals") & wy_observations["quarter"].notna()]
    # 231 against 237: down 2.5%, shown as 3%; 231 >= 225.
    assert measure_takeaway(quarters) == (
        "ISVA referrals: 231 (illustrative) in Q1 2018/19, down 3% (illustrative) on Q4 2017/18; meets its target of 225 (illustrative)."
    )
    contact = wy_observations[wy_observations["measure_id"] == "enhanced-contact-48h"]
    assert measure_takeaway(contact) == (
        # The 93% is illustrative; the 100% target is the stated standard (target_basis reported).
        "Enhanced victims contacted within 48 hours: 93% (illustrative) in Q1 2018/19; below its target of 100% (as published)."
    )
    referrals = wy_observations[wy_observations["id"] == "wy-perpetrator-referrals"]
    assert measure_takeaway(referrals) == "Perpetrator programme referrals: 5,023 in 1 April 2016 to 30 November 2017."
    assert measure_takeaway(referrals.iloc[0:0]) == "No figures are recorded for this measure."


def test_breakdown_figure_referral_sources(wy_observations: pd.DataFrame) -> None:
    parts = wy_observations[wy_observations["dimension"] == "referral source"]
    fig = breakdown_figure(parts, title="Referral sources")
    (bars,) = fig.data
    assert (bars.type, bars.orientation) == ("bar", "h")
    # Smallest first: plotly draws the first at the bottom, so the largest is on top.
    assert list(bars.x) == [11, 13, 17, 25, 29]
    assert list(bars.y) == [
        "Conditional cautions",
        "MESMAC",
        "Integrated offender management (IOM)",
        "Children's social care",
        "Other agencies",
    ]
    assert list(bars.text) == ["11%", "13%", "17%", "25%", "29%"]
    assert fig.layout.xaxis.ticksuffix == "%"
    assert_palette_colours(fig)


def test_breakdown_takeaway_says_the_sources_add_up_to_95(wy_observations: pd.DataFrame) -> None:
    parts = wy_observations[wy_observations["dimension"] == "referral source"]
    assert breakdown_takeaway(parts) == (
        "The largest share is Other agencies: 29% (as published). "
        "The stated parts add up to 95%, not 100%: 5% is unaccounted for in the source."
    )


def test_breakdown_takeaway_does_not_sum_rates(wy_observations: pd.DataFrame) -> None:
    # 78% of those who complied did not reoffend, against 58% of those who did not: rates, not shares of a whole.
    parts = wy_observations[wy_observations["dimension"] == "complied with condition"]
    assert breakdown_takeaway(parts) == "Highest: complied, 78% (as published); lowest: did not comply, 58% (as published)."
    assert breakdown_takeaway(parts.iloc[0:0]) == "No breakdown is recorded."


def test_the_palette_check_catches_a_colour_from_outside_the_palette() -> None:
    fig = palette.base_layout(go.Figure(go.Bar(x=[1], y=["a"], marker={"color": "#FF0000"})), title="t")
    assert trace_colours(fig.data[0]) == {"#FF0000"}
    with pytest.raises(AssertionError):
        assert_palette_colours(fig)
    ended = palette.base_layout(go.Figure(go.Scatter(x=[1], y=["a"], name="Ended", line={"color": palette.GREY})), title="t")
    with pytest.raises(AssertionError):
        assert_palette_colours(ended)  # grey only where allowed
    assert_palette_colours(ended, grey_for={"Ended"})


def test_measure_takeaway_when_the_latest_figure_is_suppressed() -> None:
    """The public performance page once crashed (TypeError) here: a hidden latest value is None, and no change or target
    comparison may hint at it."""
    series = pd.DataFrame(
        {
            "measure": ["ISVA referrals"] * 2,
            "unit": ["count"] * 2,
            "period": ["Q1 2019/20", "Q2 2019/20"],
            "value": pd.Series([45.0, None], dtype="object"),
            "target": [25.0, 25.0],
            "higher_is_better": [True, True],
            "basis": ["reported", "reported"],
        }
    )
    assert measure_takeaway(series) == "ISVA referrals: hidden in Q2 2019/20."


# --- nothing to draw: each builder's own sentence, decided from the data ---------------------------------------


def test_budget_and_spend_empty_for_a_priority_with_no_money_that_year(session: Session) -> None:
    # Derbyshire's 2025/26 grants serve the 2024-29 plan; Road safety (2021-25 plan) has neither budget nor spend then.
    frame = queries.budget_and_spend_by_priority(
        session=session, area="derbyshire", year=2025, audience=PUBLIC, priority="dby21-road-safety"
    )
    assert budget_and_spend_empty(frame, subject="Road safety", year_label="2025/26") == (
        "No budget or spend is published for Road safety in 2025/26."
    )


def test_budget_and_spend_not_empty_where_there_is_money(derbyshire_priorities: pd.DataFrame, norfolk_streams: pd.DataFrame) -> None:
    assert budget_and_spend_empty(derbyshire_priorities, subject="Derbyshire", year_label="2025/26") is None
    assert budget_and_spend_empty(norfolk_streams, subject="Norfolk", year_label="2016/17") is None
    # Spend alone, with no budget, is enough to draw.
    assert budget_and_spend_empty(derbyshire_priorities.assign(budget_pence=0), subject="Derbyshire", year_label="2025/26") is None


def test_money_flow_empty(session: Session) -> None:
    none = queries.money_flow(session=session, area="derbyshire", year=2024, audience=PUBLIC)
    assert none.empty
    assert money_flow_empty(none, subject="Derbyshire", year_label="2024/25") == (
        "No spend is recorded for Derbyshire in 2024/25, so there is no money to follow."
    )
    flows = queries.money_flow(session=session, area="west-yorkshire", year=2018, audience=PUBLIC)
    assert money_flow_empty(flows, subject="West Yorkshire", year_label="2018/19") is None


def test_renewal_timeline_empty_when_no_agreement_has_dates(session: Session) -> None:
    derbyshire = queries.renewals(session=session, area="derbyshire", as_at=date(2025, 11, 1), audience=PUBLIC)
    assert len(derbyshire) == 9 and derbyshire["start_date"].isna().all() and derbyshire["current_end_date"].isna().all()
    assert renewal_timeline_empty(derbyshire, area_name="Derbyshire") == (
        "None of Derbyshire's 9 agreements has published dates, so there is no timeline to draw."
    )
    assert renewal_timeline_empty(derbyshire.iloc[0:0], area_name="Derbyshire") == "No contracts or grants are recorded for Derbyshire."
    west_yorkshire = queries.renewals(session=session, area="west-yorkshire", as_at=WY_AS_AT, audience=PUBLIC)
    assert renewal_timeline_empty(west_yorkshire, area_name="West Yorkshire") is None


def test_measure_trend_empty(wy_observations: pd.DataFrame) -> None:
    series = wy_observations[(wy_observations["measure_id"] == "isva-referrals") & wy_observations["quarter"].notna()]
    assert measure_trend_empty(series, name="ISVA referrals") is None
    assert (
        measure_trend_empty(series.iloc[0:0], name="ISVA referrals")
        == "No figures for ISVA referrals are published, so there is nothing to chart."
    )
    withheld = series.assign(value=None)  # every value withheld by disclosure control
    assert measure_trend_empty(withheld, name="ISVA referrals") is not None


def test_breakdown_empty(wy_observations: pd.DataFrame) -> None:
    parts = wy_observations[wy_observations["dimension"] == "referral source"]
    assert breakdown_empty(parts, name="referrals by source") is None
    assert breakdown_empty(parts.iloc[0:0], name="referrals by source") == (
        "No breakdown of referrals by source is published, so there is nothing to chart."
    )


def test_renewal_timeline_marks_illustrative_start_dates(wy_timeline) -> None:
    fig, renewals = wy_timeline
    ((_, isva_hover, _),) = bars(fig, ISVA_LABEL)
    assert ISVA_LABEL.endswith("(illustrative start)")
    assert "(illustrative start)" in isva_hover
    row = renewals[renewals["id"] == "wy-isva"].iloc[0]
    assert row["start_text"] == "1 April 2015 (illustrative)"  # the table's Start column says so too
    reported = bars(fig, "Core Referral Service")
    assert reported and "illustrative" not in reported[0][1]


def test_breakdown_takeaway_uses_the_findings_share_rule() -> None:
    """33% + 33% + 33% is within rounding here as in the findings; 40% + 40% + 10% is not (one rule, one tolerance)."""
    from charts.performance import breakdown_takeaway

    def parts(values: tuple[int, ...]) -> pd.DataFrame:
        return pd.DataFrame(
            {"dimension_value": [f"s{i}" for i in range(len(values))], "value": values, "unit": "share", "basis": "reported"}
        )

    assert breakdown_takeaway(parts((33, 33, 33))) == "The largest share is s0: 33% (as published)."
    assert breakdown_takeaway(parts((40, 40, 10))).endswith(
        "The stated parts add up to 90%, not 100%: 10% is unaccounted for in the source."
    )


# --- grants awarded from a fund, "up to" and "of which" (the fund-awards fixture) ----------------------


@pytest.fixture
def fixture_streams(session: Session) -> pd.DataFrame:
    load_fund_awards(session)
    frame = queries.budget_and_spend_by_funding_stream(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    yield frame
    session.rollback()


def test_awards_are_drawn_beside_the_budget_and_ceilings_say_up_to(fixture_streams: pd.DataFrame) -> None:
    fig = budget_and_spend_figure(fixture_streams, category="funding_stream", title="Fixtureshire 2019/20")
    assert [t.name for t in fig.data] == ["Budget", "Spend", "Awarded in grants"]
    budget, spend, awarded = fig.data
    assert list(budget.y) == ["Innovation fund", "Community Safety Fund 2019/20", "Ministry of Justice victims grant"]
    assert list(budget.x) == [50000, 400000, 1120000]
    assert list(budget.text) == ["up to £50k", "£400k", "£1.12m"]
    assert list(budget.customdata) == ["up to £50,000", "£400,000", "£1,120,000"]
    assert list(awarded.x) == [0, 397638, 0] and list(awarded.text) == ["", "£398k", ""]
    assert list(spend.customdata) == ["not published"] * 3
    assert awarded.marker.color == palette.GREEN
    assert_palette_colours(fig)
    # The priority view and the sample data have no awards: two bars, as before.
    assert [
        t.name for t in budget_and_spend_figure(fixture_streams.drop(columns="awarded_pence"), category="funding_stream", title="t").data
    ] == [
        "Budget",
        "Spend",
    ]


def test_no_spend_beside_awards_says_money_was_awarded(fixture_streams: pd.DataFrame, session: Session) -> None:
    assert budget_and_spend_takeaway(fixture_streams, category="funding_stream") == (
        "Budget of up to £1,570,000 is recorded, but no spend; £397,638 has been awarded in grants."
    )
    flows = queries.money_flow(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    assert flows.empty
    assert money_flow_empty(flows, subject="Fixtureshire", year_label="2019/20", by_stream=fixture_streams) == (
        "No spend is recorded for Fixtureshire in 2019/20, so no payment can be followed from funding stream to provider. "
        "Money has been awarded, not yet shown as spent: 10 grants awarded from Community Safety Fund 2019/20 add up to £397,638 "
        "(shown against the budget above)."
    )
    assert awards_note(fixture_streams) == (
        "Grants awarded from a funding stream count against its budget in the year they start: awarded, not spent. "
        "Committed is the awards plus spend on anything else; a payment of one of those grants is the same money, so it is "
        "counted once. Community Safety Fund 2019/20: 10 grants awarded, £397,638; committed against the budget: £397,638."
    )
    unsplit = queries.unsplit_budgets(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    assert unsplit_note(unsplit) == (
        "Not in any one year's figures, because the source does not split it by year: "
        "Serious violence fund: £469,363 over 2018/19–2019/20, not split by year."
    )
    assert unsplit_note(unsplit.iloc[0:0]) is None


def test_the_sample_data_has_no_awards_note(norfolk_streams: pd.DataFrame) -> None:
    assert awards_note(norfolk_streams) is None
    assert [t.name for t in budget_and_spend_figure(norfolk_streams, category="funding_stream", title="t").data] == ["Budget", "Spend"]


def test_renewal_timeline_rows_are_keys_labelled_once_on_the_axis_first_agreement_at_the_top(wy_timeline) -> None:
    fig, renewals = wy_timeline
    dated = renewals[renewals["current_end_date"].notna() | renewals["start_date"].notna()]
    axis = fig.layout.yaxis
    # The dated agreements top to bottom in the frame's order (the label, then any note that its dates are illustrative).
    assert list(axis.categoryarray[: len(dated)]) == list(axis.tickvals[: len(dated)]) == [f"r{i}" for i in range(len(dated))]
    assert all(text.startswith(label) for text, label in zip(axis.ticktext, dated["label"], strict=False))
    assert len(axis.ticktext) == len(axis.tickvals) >= len(dated)
    assert axis.autorange == "reversed"  # row 0 at the top
    # No label repeated at each point: the traces hold the short keys.
    assert {y for t in fig.data for y in t.y if y is not None} <= set(axis.tickvals)


def test_plotly_parses_property_paths_once_and_as_before() -> None:
    """`charts` memoises plotly's property-path parser (half of building a chart): the private function it wraps must
    still exist in the pinned plotly, and the memoised one give what plotly's own gives, however often it is asked."""
    import plotly.basedatatypes

    parse = plotly.basedatatypes._str_to_dict_path_full
    assert hasattr(parse, "cache_info"), "charts/__init__.py no longer memoises plotly's path parser"
    paths = ["legend", "marker_line_color", "xaxis.title.text", "error_x.thickness", "annotations[2].font_size", "a__b_", ""]
    for path in paths * 2:
        assert parse(path) == parse.__wrapped__(path), path
    assert parse("annotations[2].font_size")[0] == ("annotations", 2, "font", "size")
    assert parse("error_x.thickness")[0] == ("error_x", "thickness")  # an underscore that is part of the name stays
    first = palette.base_layout(go.Figure(go.Bar(x=[1], y=["a"])), title="Spend").to_plotly_json()
    again = palette.base_layout(go.Figure(go.Bar(x=[1], y=["a"])), title="Spend").to_plotly_json()
    assert first == again and first["layout"]["title"]["text"] == "Spend" and first["layout"]["yaxis"]["automargin"] is True


def test_the_timeline_draws_what_ended_in_the_last_two_years_and_lists_the_rest(session: Session) -> None:
    """West Yorkshire (its panel report of 14 September 2018, sample_data/agreements.csv): at the meeting every
    agreement is drawn; asked at 1 March 2020, the perpetrator programme, which ended on 30 November 2017, is left out of
    the chart and said to be; the honour based abuse project, ended 31 March 2018, is still drawn."""

    def left_out(as_at: date) -> tuple[set[str], str]:
        renewals = queries.renewals(session=session, area="west-yorkshire", as_at=as_at, audience=PUBLIC)
        drawn, sentence = drawn_on_timeline(renewals, as_at=as_at)
        return set(renewals["title"]) - set(drawn["title"]), sentence

    assert left_out(date(2018, 9, 14)) == (set(), "")
    assert left_out(date(2020, 3, 1)) == (
        {"Perpetrator programme (2015-17)"},
        " 1 agreement that ended before 1 March 2018 is not drawn: see the chart's numbers.",
    )
    # Long after every agreement ended, the planned ones with a start date are still drawn, and the rest counted.
    gone, sentence = left_out(date(2030, 1, 1))
    assert len(gone) == 6 and "Independent Sexual Advisor Contract (ISVA)" in gone
    assert sentence == " 6 agreements that ended before 1 January 2028 are not drawn: see the chart's numbers."
