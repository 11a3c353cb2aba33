"""AppTest tests of the dashboard's pages: real sample data, run through dashboard.py and its filters.

The figures asserted here are the seed documents' own (see sample_data/README.md): Norfolk's paper
to its Police and Crime Panel (2016) and West Yorkshire's Commissioning and Granting Report
(14 September 2018).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd
import pytest
from streamlit.proto.PlotlyChart_pb2 import PlotlyChart as PlotlyChartProto
from streamlit.testing.v1 import AppTest

from tests.app.conftest import PAGE_FILES, shown
from tests.test_queries import DERBYSHIRE_2021_SERVICES, LAST_LISTED_2021

OpenApp = Callable[..., AppTest]

AREAS = {"derbyshire": "Derbyshire", "norfolk": "Norfolk", "west-yorkshire": "West Yorkshire"}
TITLE_PREFIX = {
    "overview": "Commissioning overview: ",
    "spend": "Spend against priorities: ",
    "renewals": "Contract renewals: ",
    "performance": "Provider performance: ",
    "compare": "Compare areas: ",
    "trends": "Trends: ",
}
ISVA = "Independent Sexual Advisor Contract (ISVA)"


# --- helpers ---------------------------------------------------------------------------------


def assert_ran_cleanly(at: AppTest) -> None:
    """No exception element; on failure, show the exceptions' messages and stack traces."""
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)


def title(at: AppTest) -> str:
    assert len(at.title) == 1, [t.value for t in at.title]
    return at.title[0].value


def metric(at: AppTest, label: str) -> str:
    """The value of the metric whose label is exactly `label`."""
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric labelled {label!r}; metrics: {[(m.label, m.value) for m in at.metric]}"
    return values[0]


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every st.dataframe on the page (including those inside 'The numbers in this chart' expanders)."""
    return [d.value for d in at.dataframe]


def table_cells(at: AppTest) -> list[str]:
    return [str(v) for frame in tables(at) for v in [*frame.columns, *frame.to_numpy().ravel()]]


def page_text(at: AppTest) -> str:
    """All the words on the page: headings, markdown, captions, alerts, metrics, and every table cell."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info", "success", "error"):
        parts += [shown(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += table_cells(at)
    return "\n".join(parts)


def shows_number(text: str, number: str) -> bool:
    """`number` appears as a whole number in `text` (so 89 is not found inside 1,089 or 89.5)."""
    return re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,]|\.\d)", text) is not None


def warnings(at: AppTest) -> list[str]:
    return [shown(w.value) for w in at.warning]


def find_table(at: AppTest, columns: Iterable[str]) -> pd.DataFrame:
    """The first table that has all of `columns`."""
    wanted = set(columns)
    for frame in tables(at):
        if wanted <= set(frame.columns):
            return frame
    raise AssertionError(f"no table with columns {sorted(wanted)}; tables: {[list(f.columns) for f in tables(at)]}")


def row_for(frame: pd.DataFrame, column: str, value: str) -> pd.Series:
    rows = frame[frame[column] == value]
    assert len(rows) == 1, f"expected one row with {column} == {value!r}, got {len(rows)}:\n{frame.to_string()}"
    return rows.iloc[0]


# --- Overview --------------------------------------------------------------------------------


def test_overview_default_is_first_area_alphabetically(open_app: OpenApp) -> None:
    at = open_app()
    assert_ran_cleanly(at)
    assert title(at) == "Commissioning overview: Derbyshire"
    assert at.selectbox(key="filter_area").value == "derbyshire"
    assert not warnings(at)


def test_overview_norfolk_live_agreements_and_annual_value(open_app: OpenApp) -> None:
    at = open_app(area="norfolk")
    assert_ran_cleanly(at)
    assert title(at) == "Commissioning overview: Norfolk"
    # VARSS, IDVA, the YOT grant and the Sue Lambert Trust grant; the restorative justice re-commissioning is only planned.
    assert metric(at, "Live agreements") == "4"
    # £360k + £360k + £114k + £75k, as Norfolk's paper states them (1.13).
    assert metric(at, "Annual value of live agreements") == "£909,000"


# --- Spend -----------------------------------------------------------------------------------


def test_spend_norfolk_2016_17_shows_both_grants(open_app: OpenApp) -> None:
    at = open_app("spend", area="norfolk", year="2016-17")
    assert_ran_cleanly(at)
    assert title(at) == "Spend against priorities: Norfolk, 2016/17"
    by_stream = find_table(at, ["Funding stream", "Budget"])
    budgets = dict(zip(by_stream["Funding stream"], by_stream["Budget"], strict=True))
    assert budgets["Ministry of Justice (MOJ) grant for victim's services"] == "£1,037,415"  # paper, 1.9
    assert budgets["Main police grant"] == "£1,018,000"  # "£1.018m", paper, 1.4
    text = page_text(at)
    assert "£1,037,415" in text
    assert "£1,018,000" in text


def test_spend_deep_link_selects_year(open_app: OpenApp) -> None:
    at = open_app("spend", area="west-yorkshire", year="2017-18")
    assert_ran_cleanly(at)
    assert at.selectbox(key="filter_area").value == "west-yorkshire"
    assert at.selectbox(key="filter_year").value == 2017
    assert title(at) == "Spend against priorities: West Yorkshire, 2017/18"
    assert not warnings(at)
    # The URL after the run describes the view shown, so it can be copied into an agenda.
    assert at.query_params["area"] == "west-yorkshire"
    assert at.query_params["year"] == "2017-18"


# --- Renewals --------------------------------------------------------------------------------


def decisions_due(at: AppTest) -> pd.DataFrame:
    return find_table(at, ["Agreement", "Warning", "Current end"])


def test_renewals_west_yorkshire_at_panel_meeting(open_app: OpenApp) -> None:
    at = open_app("renewals", area="west-yorkshire", as_at="2018-09-14")
    assert_ran_cleanly(at)
    assert title(at) == "Contract renewals: West Yorkshire"
    assert at.date_input(key="filter_as_at").value.isoformat() == "2018-09-14"
    isva = row_for(decisions_due(at), "Agreement", ISVA)
    assert isva["Current end"] == "31 March 2019 (6 months left)"  # the final one-year extension (2.2.3)
    assert isva["Latest possible end"] == "31 March 2019 (options used: 1 of 1)"
    assert isva["Warning"] == "Ends within 12 months"
    assert metric(at, "Ending within 6 months (red)") == "0"
    assert metric(at, "Ending within 12 months (amber)") == "1"


def test_renewals_deep_link_as_at_turns_isva_red(open_app: OpenApp) -> None:
    at = open_app("renewals", area="west-yorkshire", as_at="2019-02-01")
    assert_ran_cleanly(at)
    assert at.date_input(key="filter_as_at").value.isoformat() == "2019-02-01"
    isva = row_for(decisions_due(at), "Agreement", ISVA)
    assert isva["Current end"] == "31 March 2019 (1 month left)"
    assert isva["Warning"] == "Ends within 6 months"
    assert metric(at, "Ending within 6 months (red)") == "1"
    assert at.query_params["as_at"] == "2019-02-01"


def test_renewals_derbyshire_default_date_does_not_call_the_2021_services_running(open_app: OpenApp) -> None:
    """At 1 November 2025 (the November 2025 strategy, which does not list them) the nine services of the November 2021
    strategy are not running, nor undated-and-running: their current status is not published."""
    at = open_app("renewals", area="derbyshire")
    assert_ran_cleanly(at)
    assert at.date_input(key="filter_as_at").value.isoformat() == "2025-11-01"
    assert metric(at, "Current status not published") == "9"
    assert metric(at, "No dates published") == "9"  # not running, but still undated: every undated agreement is counted
    unknown = find_table(at, ["Agreement", "What is known"])
    assert set(unknown["Agreement"]) == DERBYSHIRE_2021_SERVICES
    assert set(unknown["What is known"]) == {LAST_LISTED_2021}
    assert decisions_due(at).empty
    timeline = find_table(at, ["Agreement", "Status"])
    assert set(timeline["Status"]) == {"Current status not published"}
    assert "9 agreements are not shown as running: current status not published on 1 November 2025." in page_text(at)


def test_renewals_derbyshire_in_2022_the_2021_services_are_undated(open_app: OpenApp) -> None:
    at = open_app("renewals", area="derbyshire", as_at="2022-06-01")
    assert_ran_cleanly(at)
    assert metric(at, "No dates published") == "9"
    assert metric(at, "Current status not published") == "0"
    due = decisions_due(at)
    assert set(due["Agreement"]) == DERBYSHIRE_2021_SERVICES
    assert set(due["Current end"]) == {"not published"}  # no end date: no months left, never "None"


def test_overview_derbyshire_default_date_counts_no_live_agreements(open_app: OpenApp) -> None:
    at = open_app(area="derbyshire")
    assert_ran_cleanly(at)
    assert metric(at, "Live agreements") == "0"
    text = page_text(at)
    assert "9 agreement(s) with no published dates are not counted as live" in text
    assert "9 live services have no performance measures" not in text


# --- Performance -----------------------------------------------------------------------------


def test_performance_west_yorkshire_seed_figures(open_app: OpenApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = open_app("performance", audience="panel", area="west-yorkshire")
    assert_ran_cleanly(at)
    assert title(at) == "Provider performance: West Yorkshire"
    text = page_text(at)
    # "224 referrals per quarter (996 p.a.)", "89 trials" (2.3.2) and 5,023 perpetrator referrals (2.3.1), kept as stated.
    for figure in ("224", "996", "89", "5,023"):
        assert shows_number(text, figure), f"{figure} not shown on the performance page"
    assert any("not for publication" in w.value for w in at.warning)


def test_performance_for_the_public_shows_published_counts_as_published(open_app: OpenApp) -> None:
    """West Yorkshire's counts come from its published report: the public sees them exactly as published (224, 996,
    89, 5,023), never rounded (issue 9), with the rule stated."""
    from data_access.disclosure import rule_in_words

    at = open_app("performance", area="west-yorkshire")
    assert_ran_cleanly(at)
    text = page_text(at).replace(rule_in_words(), "")  # the rule's own worked example names numbers too
    for exact, rounded in (("224", "225"), ("996", "995"), ("89", "90"), ("5,023", "5,025")):
        assert shows_number(text, exact), f"the published count {exact} not shown to the public"
        assert not shows_number(text, rounded), f"the published count {exact} shown rounded as {rounded}"
    assert "as published" in text
    assert any("nearest 5" in i.value for i in at.info)
    # The referral sources add up to 95%: the breakdown's takeaway says so.
    takeaways = [m.value for m in at.markdown if "95%" in shown(m.value)]
    assert takeaways, f"no takeaway mentions 95%; markdown: {[m.value for m in at.markdown]}"


# --- Bad values in the link ------------------------------------------------------------------


def test_unknown_area_warns_and_shows_default(open_app: OpenApp) -> None:
    at = open_app(area="nowhere")
    assert_ran_cleanly(at)
    assert any("nowhere" in w for w in warnings(at)), warnings(at)
    assert title(at) == "Commissioning overview: Derbyshire"
    assert at.query_params["area"] == "derbyshire"


def test_unknown_year_warns(open_app: OpenApp) -> None:
    at = open_app("spend", area="norfolk", year="1066-67")
    assert_ran_cleanly(at)
    assert any("1066-67" in w for w in warnings(at)), warnings(at)
    assert title(at) == "Spend against priorities: Norfolk, 2016/17"


def test_bad_as_at_warns(open_app: OpenApp) -> None:
    at = open_app("renewals", area="west-yorkshire", as_at="not-a-date")
    assert_ran_cleanly(at)
    assert any("not-a-date" in w for w in warnings(at)), warnings(at)
    # The default for West Yorkshire: the date of its latest source, the panel report of 14 September 2018.
    assert at.date_input(key="filter_as_at").value.isoformat() == "2018-09-14"


def test_unknown_priority_warns_on_spend(open_app: OpenApp) -> None:
    at = open_app("spend", area="norfolk", priority="bogus")
    assert_ran_cleanly(at)
    assert any("bogus" in w for w in warnings(at)), warnings(at)
    assert at.selectbox(key="filter_priority").value is None
    assert "priority" not in at.query_params


# --- Changing a filter -----------------------------------------------------------------------


def test_changing_area_updates_title_and_link(open_app: OpenApp) -> None:
    at = open_app()
    assert title(at) == "Commissioning overview: Derbyshire"
    at.selectbox(key="filter_area").set_value("norfolk").run()
    assert_ran_cleanly(at)
    assert title(at) == "Commissioning overview: Norfolk"
    assert at.query_params["area"] == "norfolk"
    # filters._reset_dependent drops the old area's year and as-at date: Norfolk's own defaults follow
    # (its figures describe 2016/17, from 1 April 2016), with no complaint about values the user never chose.
    assert at.query_params["year"] == "2016-17"
    assert at.query_params["as_at"] == "2016-04-01"
    assert metric(at, "Live agreements") == "4"
    assert not warnings(at), warnings(at)


# --- Every page, every area ------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_renders_for_every_area(open_app: OpenApp, page: str, area: str) -> None:
    at = open_app(page, area=area)
    assert_ran_cleanly(at)
    assert title(at).startswith(TITLE_PREFIX[page] + AREAS[area])
    assert not warnings(at), warnings(at)
    assert at.query_params["area"] == area
    for table in at.dataframe:  # the grid writes a blank cell "None", which reads as a value
        shown = table.value
        blank = [c for c in shown.columns if shown[c].isna().any()]
        assert not blank, f"{page}: blank cells in {blank}"


# --- Charts' text alternatives ---------------------------------------------------------------


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_chart_has_alt_text(open_app: OpenApp, page: str) -> None:
    if "alt" not in PlotlyChartProto.DESCRIPTOR.fields_by_name:
        pytest.skip("this Streamlit's PlotlyChart proto has no alt field, so AppTest cannot see st.plotly_chart's alt text")
    charts = []
    for area in AREAS:
        at = open_app(page, area=area)
        assert_ran_cleanly(at)
        charts += [(area, chart) for chart in at.get("plotly_chart")]
    assert charts, f"no charts on {page} for any area"
    missing = [(area, chart.proto.spec[:120]) for area, chart in charts if not chart.proto.alt.strip()]
    assert not missing, f"charts without alt text on {page}: {missing}"
