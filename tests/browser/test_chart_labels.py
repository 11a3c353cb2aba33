"""Chart labels that never overlap or clip (issue 14), checked where it shows: the text boxes Chromium draws.

The charts are the app's own pure functions (charts/*) over the sample store, every area and year: each money flow
(its names used to run together, "Rehabilitations of offendersNorfolk Youth Offending Team"), each performance
measure against its target (the target's dash used to strike through the value above the bar, "212" under 225),
budget and spend by priority and by funding stream, and /compare's bars (the averages' names ran into the legend).
Each is drawn at two widths, the main column at 1366 px and at 1024 px with the sidebar open, on one page with
plotly.js from the installed package (nothing from the network).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs
from sqlmodel import Session

from charts.compare import compare_figure
from charts.performance import charted_figures, measure_trend_figure
from charts.spend import budget_and_spend_figure, money_flow_figure
from charts.trends import trend_figure
from data_access import compare, queries
from data_access.db import open_store
from data_access.models import Audience
from data_access.periods import fy_label

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser
WIDTHS = (900, 620)  # px: the main column at 1366 px wide, and at 1024 px with the sidebar open
PANEL = Audience.PANEL  # the audience that sees the most figures (illustrative quarters and targets)

# Every label's box, every target dash's box and the plot's own box, per chart, as Chromium laid them out.
BOXES = """() => [...document.querySelectorAll('.chart')].map(chart => {
  const box = e => { const r = e.getBoundingClientRect(); return {x0: r.left, x1: r.right, y0: r.top, y1: r.bottom}; };
  return {
    name: chart.dataset.name,
    plot: box(chart.querySelector('.main-svg')),
    labels: [...chart.querySelectorAll('.node-label, .bartext, .annotation-text')].map(e => ({text: e.textContent, ...box(e)})),
    headings: [...chart.querySelectorAll('.gtitle, .legend .traces')].map(e => ({text: e.textContent, ...box(e)})),
    marks: [...chart.querySelectorAll('.scatterlayer .point')].map(box),
  };
})"""


def _charts() -> Iterator[tuple[str, go.Figure]]:
    engine = open_store("sqlite://", load_sample_data=True)
    with Session(engine) as session:
        # A national store's many priorities on one chart (its legend wraps to several rows), from every sample area's at once.
        every = pd.concat(
            [
                queries.budget_and_spend_by_priority_trend(session=session, area=a, audience=PANEL)
                for a in queries.areas(session=session)["id"]
            ]
        )
        years = sorted({int(y) for y in every["financial_year"]})
        title = f"Spend by priority, {fy_label(years[0])} to {fy_label(years[-1])}"  # as the trends page titles it
        yield "every area's priorities, every year", trend_figure(every, category="priority", side="spend", years=years, title=title)
        for area in queries.areas(session=session)["id"]:
            for year in queries.financial_years(session=session, area=area, audience=PANEL):
                flows = queries.money_flow(session=session, area=area, year=year, audience=PANEL)
                if not flows.empty:
                    yield f"{area} {year} money flow", money_flow_figure(flows, title="Money flow")
                for category in ("priority", "funding_stream"):
                    query = queries.budget_and_spend_by_priority if category == "priority" else queries.budget_and_spend_by_funding_stream
                    money = query(session=session, area=area, year=year, audience=PANEL)
                    if not money.empty:
                        yield f"{area} {year} by {category}", budget_and_spend_figure(money, category=category, title="Budget and spend")
            frame = compare.compare_areas(session=session, indicator="linked-share", audience=PANEL, today=date(2026, 11, 28))
            shown = compare.display(frame, compare.INDICATORS["linked-share"], chosen=area, peers=set())
            average = compare.weighted_average(frame, compare.INDICATORS["linked-share"])
            yield (
                f"{area} compared",
                compare_figure(
                    shown, title="Compare", axis_title="Percent", chosen=area, peers=set(), averages=[("All areas", average or 0)]
                ),
            )
            for category, query in (
                ("priority", queries.budget_and_spend_by_priority_trend),
                ("funding_stream", queries.budget_and_spend_by_funding_stream_trend),
            ):
                trend = query(session=session, area=area, audience=PANEL)
                years = sorted({int(y) for y in trend["financial_year"]})
                if years:
                    yield (
                        f"{area} spend by {category}, every year",
                        trend_figure(trend, category=category, side="spend", years=years, title="Spend by priority, every year"),
                    )
            charted = charted_figures(queries.observations(session=session, area=area, audience=PANEL))
            plain = charted[(charted["dimension"] == "") & charted["quarter"].notna()]
            for (measure, agreement), series in plain.groupby(["measure", "agreement"]):
                yield f"{area} {measure} ({agreement})", measure_trend_figure(series, title=str(measure))
    engine.dispose()


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["x0"] < b["x1"] - 1 and b["x0"] < a["x1"] - 1 and a["y0"] < b["y1"] - 1 and b["y0"] < a["y1"] - 1


def _outside(label: dict[str, Any], plot: dict[str, Any]) -> bool:
    return label["x0"] < plot["x0"] - 1 or label["x1"] > plot["x1"] + 1 or label["y0"] < plot["y0"] - 1 or label["y1"] > plot["y1"] + 1


@pytest.fixture(scope="module")
def laid_out(chromium: Browser, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    charts = list(_charts())
    divs = [
        f'<div class="chart" data-name="{name} at {width} px" style="width:{width}px">'
        + fig.to_html(full_html=False, include_plotlyjs=False, config={"staticPlot": True})
        + "</div>"
        for name, fig in charts
        for width in WIDTHS
    ]
    page_file = tmp_path_factory.mktemp("chart_labels") / "charts.html"
    page_file.write_text(f"<html><head><script>{get_plotlyjs()}</script></head><body>{''.join(divs)}</body></html>", encoding="utf-8")
    page = chromium.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(page_file.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.chart .main-svg').length >= {len(divs)}")
        found: list[dict[str, Any]] = page.evaluate(BOXES)
    finally:
        page.close()
    assert len(found) == len(divs)
    return found


def test_the_sample_has_the_charts_that_went_wrong(laid_out: list[dict[str, Any]]) -> None:
    names = [c["name"] for c in laid_out]
    assert "norfolk 2016 money flow at 900 px" in names
    assert "west-yorkshire ISVA referrals (Independent Sexual Advisor Contract (ISVA)) at 620 px" in names


def test_no_label_overlaps_another(laid_out: list[dict[str, Any]]) -> None:
    clashes = [
        (chart["name"], a["text"], b["text"])
        for chart in laid_out
        for i, a in enumerate(chart["labels"])
        for b in chart["labels"][i + 1 :]
        if _overlap(a, b)
    ]
    assert clashes == []


def test_the_title_and_the_legend_entries_overlap_nothing_of_each_other(laid_out: list[dict[str, Any]]) -> None:
    """A legend on the plot's top edge grew upwards as it wrapped, over the title: six funding streams at 620 px, or a
    national store's eight priorities at 900 px."""
    clashes = [
        (chart["name"], a["text"], b["text"])
        for chart in laid_out
        for i, a in enumerate(chart["headings"])
        for b in chart["headings"][i + 1 :] + chart["labels"]
        if _overlap(a, b)
    ]
    assert clashes == []
    wrapped = [c["name"] for c in laid_out if len({round(e["y0"]) for e in c["headings"][1:]}) > 1]
    assert "every area's priorities, every year at 900 px" in wrapped  # the case that went wrong is drawn


def test_no_target_strikes_through_a_value(laid_out: list[dict[str, Any]]) -> None:
    struck = [(chart["name"], a["text"]) for chart in laid_out for a in chart["labels"] for mark in chart["marks"] if _overlap(a, mark)]
    assert struck == []


def test_no_label_runs_off_its_chart(laid_out: list[dict[str, Any]]) -> None:
    clipped = [(chart["name"], a["text"]) for chart in laid_out for a in chart["labels"] if _outside(a, chart["plot"])]
    assert clipped == []
