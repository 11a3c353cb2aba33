"""Colour contrast of the charts, computed with WCAG 2.2's own formula (relative luminance, contrast ratio).

- 1.4.11 Non-text Contrast: a chart's marks need 3:1 against the white behind them; a fill below
  that passes only when the mark has an edge (outline or underlay) of 3:1 or more.
- 1.4.3 Contrast (Minimum): text needs 4.5:1.

The formula is written out here rather than imported from the code under test, and checked against
values published with WCAG (black on white 21:1; #767676, the lightest grey that passes, 4.54:1).
Every chart the pages draw is then built from the sample data, for every area, year and audience the
pages offer, and each of its traces is checked.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest
from sqlmodel import Session

from charts import palette
from charts.compare import compare_figure
from charts.performance import breakdown_figure, measure_trend_figure
from charts.renewals import renewal_timeline_figure
from charts.spend import budget_and_spend_figure, money_flow_figure
from data_access import compare, queries
from data_access.models import Audience

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WHITE = "#FFFFFF"
MARKS = 3.0  # 1.4.11
TEXT = 4.5  # 1.4.3
RED_MONTHS, AMBER_MONTHS = 6, 12


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def rgb(colour: str) -> tuple[int, int, int, float]:
    """(r, g, b, alpha) of '#RRGGBB', 'white', 'black' or 'rgb(a)(r, g, b[, a])'."""
    colour = colour.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    colour = named.get(colour, colour)
    if match := re.fullmatch(r"#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})", colour):
        return (*(int(g, 16) for g in match.groups()), 1.0)  # type: ignore[return-value]
    if match := re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)", colour):
        r, g, b, a = match.groups()
        return int(r), int(g), int(b), float(a) if a is not None else 1.0
    raise ValueError(f"not a colour this test understands: {colour!r}")


def on_white(colour: str) -> tuple[int, int, int]:
    """The colour as drawn over white (alpha blended)."""
    r, g, b, a = rgb(colour)
    return tuple(round(a * c + (1 - a) * 255) for c in (r, g, b))  # type: ignore[return-value]


def luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance."""
    r, g, b = on_white(colour)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str = WHITE) -> float:
    """WCAG 2.2 contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- the formula --------------------------------------------------------------------------------


def test_the_formula_gives_the_published_ratios() -> None:
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#FFFFFF") == pytest.approx(1.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey passing 4.5:1 on white
    assert contrast("#777777") < TEXT < contrast("#767676")
    assert contrast("#949494") == pytest.approx(3.03, abs=0.01)  # the lightest grey passing 3:1
    assert contrast("rgba(0, 0, 0, 0.6)") == pytest.approx(contrast("#666666"))  # alpha blended over white


# --- the palette --------------------------------------------------------------------------------


def test_okabe_ito_ratios_on_white() -> None:
    """The figures the palette's docstring and the accessibility statement quote."""
    ratios = {
        name: round(contrast(getattr(palette, name)), 2)
        for name in ("BLUE", "VERMILLION", "GREEN", "PURPLE", "ORANGE", "SKY_BLUE", "YELLOW")
    }
    assert ratios == {
        "BLUE": 5.19,
        "VERMILLION": 3.87,
        "GREEN": 3.42,
        "PURPLE": 3.06,
        "ORANGE": 2.25,
        "SKY_BLUE": 2.31,
        "YELLOW": 1.32,
    }


def test_the_colours_marked_as_needing_an_outline_are_exactly_those_below_3_to_1() -> None:
    below = {c for c in [*palette.SEQUENCE, palette.GREY] if contrast(c) < MARKS}
    assert below == set(palette.BELOW_3_TO_1) == {palette.ORANGE, palette.SKY_BLUE, palette.YELLOW}
    assert contrast(palette.OUTLINE) >= MARKS and palette.OUTLINE_WIDTH >= 1


def test_categorical_colours_that_reach_3_to_1_come_first() -> None:
    ratios = [contrast(c) for c in palette.SEQUENCE]
    passing = [r >= MARKS for r in ratios]
    assert passing == sorted(passing, reverse=True), f"a colour below 3:1 comes before one above it: {palette.SEQUENCE}"
    assert passing.count(True) == 5
    assert palette.SEQUENCE[-1] == palette.YELLOW  # 1.3:1: the last resort


def test_streamlit_theme_uses_the_same_palette_and_readable_text() -> None:
    theme = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert [c.upper() for c in theme["chartCategoricalColors"]] == palette.SEQUENCE
    assert contrast(theme["textColor"]) >= TEXT
    assert contrast(theme["primaryColor"]) >= TEXT  # links, focus rings, selected options
    # Streamlit draws captions and help text in textColor at 60% opacity: still 5.7:1.
    assert contrast("rgba(0, 0, 0, 0.6)") >= TEXT


def test_text_on_a_chart_is_black_and_its_toolbar_icons_reach_3_to_1() -> None:
    fig = palette.base_layout(go.Figure(), title="t")
    for colour in (
        fig.layout.font.color,
        fig.layout.xaxis.tickfont.color,
        fig.layout.yaxis.tickfont.color,
        fig.layout.xaxis.title.font.color,
    ):
        assert contrast(colour) >= TEXT
    # Plotly's own toolbar icon colour, rgba(68, 68, 68, 0.3), is 1.7:1; a user interface component needs 3:1 (1.4.11).
    assert contrast("rgba(68, 68, 68, 0.3)") < MARKS
    assert contrast(fig.layout.modebar.color, fig.layout.modebar.bgcolor) >= MARKS
    assert contrast(fig.layout.modebar.activecolor, fig.layout.modebar.bgcolor) >= MARKS


# --- every chart the pages draw, from the sample data --------------------------------------------


def _charts(session: Session, audience: Audience) -> Iterator[tuple[str, go.Figure]]:
    for area in queries.areas(session=session)["id"]:
        for year in queries.financial_years(session=session, area=area, audience=audience):
            by_priority = queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=audience)
            yield f"{area} {year} priorities", budget_and_spend_figure(by_priority, category="priority", title="t")
            by_stream = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=audience)
            yield f"{area} {year} streams", budget_and_spend_figure(by_stream, category="funding_stream", title="t")
            flows = queries.money_flow(session=session, area=area, year=year, audience=audience)
            if not flows.empty:
                yield f"{area} {year} money flow", money_flow_figure(flows, title="t")
        as_at, _ = queries.default_as_at(session=session, area=area, today=date.today(), audience=audience)
        renewals = queries.renewals(
            session=session, area=area, as_at=as_at, audience=audience, red_months=RED_MONTHS, amber_months=AMBER_MONTHS
        )
        amendments = queries.amendments(session=session, area=area, audience=audience)
        milestones = queries.milestones(session=session, area=area, audience=audience)
        yield (
            f"{area} renewals",
            renewal_timeline_figure(
                renewals, amendments, milestones, as_at=as_at, red_months=RED_MONTHS, amber_months=AMBER_MONTHS, title="t"
            ),
        )
        observations = queries.observations(session=session, area=area, audience=audience)
        plain = observations[(observations["dimension"] == "") & observations["quarter"].notna()]
        for (measure, agreement), series in plain.groupby(["measure", "agreement"], sort=False):
            yield f"{area} {measure} {agreement}", measure_trend_figure(series, title="t")
        breakdowns = observations[observations["dimension"] != ""]
        for (measure, dimension, period), parts in breakdowns.groupby(["measure", "dimension", "period"], sort=False):
            yield f"{area} {measure} by {dimension} {period}", breakdown_figure(parts, title="t")
    # Compare areas: each indicator with a figure for some area, West Yorkshire chosen and another area its peer.
    for indicator in ("linked-share", "cost-per-referral-isva", "extended-beyond-options", "measures-on-target"):
        chosen = compare.INDICATORS[indicator]
        frame = compare.compare_areas(session=session, indicator=indicator, audience=audience, today=date.today())
        shown = compare.display(frame, chosen, chosen="west-yorkshire", peers={"norfolk"})
        if shown["shown"].notna().any():
            yield (
                f"compare {indicator}",
                compare_figure(shown, title="t", axis_title="x", chosen="west-yorkshire", peers={"norfolk"}, averages=[("Average", 1.0)]),
            )


def _colours(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def _mark_problems(fig: go.Figure) -> list[str]:
    """Every mark below 3:1 on white that has no edge of 3:1 or more."""
    problems = []
    traces = list(fig.data)
    for index, trace in enumerate(traces):
        name = trace.name or f"trace {index}"
        if trace.type == "bar":
            edge = trace.marker.line
            for fill in set(_colours(trace.marker.color)):
                if contrast(fill) < MARKS and not (edge.color and contrast(edge.color) >= MARKS and (edge.width or 0) >= 1):
                    problems.append(f"bar {name!r}: fill {fill} is {contrast(fill):.2f}:1 with no outline of 3:1")
        elif trace.type == "sankey":
            for fill in set(_colours(trace.node.color)):
                edge = trace.node.line
                if contrast(fill) < MARKS and not (edge.color and contrast(edge.color) >= MARKS and (edge.width or 0) >= 1):
                    problems.append(f"sankey node fill {fill} is {contrast(fill):.2f}:1 with no outline of 3:1")
            for fill in set(_colours(trace.link.color)):
                edge = trace.link.line
                if contrast(fill) < MARKS and not (edge.color and contrast(edge.color) >= MARKS and (edge.width or 0) >= 1):
                    problems.append(f"sankey link fill {fill} is {contrast(fill):.2f}:1 with no outline of 3:1")
        elif trace.type == "scatter":
            mode = trace.mode or ""
            line = trace.line
            if "lines" in mode and line.color and contrast(line.color) < MARKS:
                underlays = [
                    t
                    for t in traces[:index]
                    if t.type == "scatter"
                    and list(t.x) == list(trace.x)
                    and list(t.y) == list(trace.y)
                    and t.line.color
                    and contrast(t.line.color) >= MARKS
                    and (t.line.width or 0) >= (line.width or 2) + 2
                ]
                if not underlays:
                    problems.append(f"line {name!r}: {line.color} is {contrast(line.color):.2f}:1 with no darker, wider line beneath it")
            if "markers" in mode:
                edge = trace.marker.line
                for fill in set(_colours(trace.marker.color)):
                    if contrast(fill) < MARKS and not (edge.color and contrast(edge.color) >= MARKS and (edge.width or 0) >= 1):
                        problems.append(f"markers {name!r}: fill {fill} is {contrast(fill):.2f}:1 with no outline of 3:1")
        else:
            problems.append(f"trace type {trace.type!r} is not checked by this test: add it")
    return problems


def _text_problems(fig: go.Figure) -> list[str]:
    """Every text colour on the chart below 4.5:1 on white (None inherits the layout font)."""
    layout = fig.layout
    colours = {"layout font": layout.font.color}
    for axis in ("xaxis", "yaxis"):
        colours[f"{axis} ticks"] = layout[axis].tickfont.color or layout.font.color
        colours[f"{axis} title"] = layout[axis].title.font.color or layout.font.color
    colours["legend"] = layout.legend.font.color or layout.font.color
    colours["title"] = layout.title.font.color or layout.font.color
    for i, annotation in enumerate(layout.annotations):
        colours[f"annotation {i}"] = annotation.font.color or layout.font.color
    for i, trace in enumerate(fig.data):
        textfont = getattr(trace, "textfont", None)
        if textfont is not None and textfont.color:
            for c in _colours(textfont.color):
                colours[f"trace {i} text"] = c
    return [f"{where}: {c or 'unset'}" for where, c in colours.items() if not c or contrast(c) < TEXT]


@pytest.mark.parametrize("audience", list(Audience), ids=[a.value for a in Audience])
def test_every_chart_from_the_sample_data_meets_3_to_1_for_marks_and_4_5_to_1_for_text(session: Session, audience: Audience) -> None:
    checked = 0
    problems = []
    for what, fig in _charts(session, audience):
        checked += 1
        problems += [f"{what}: {p}" for p in _mark_problems(fig) + _text_problems(fig)]
    assert not problems, "\n".join(problems)
    # Every kind of chart was built: 3 areas' budgets, flows, timelines, quarterly measures and breakdowns.
    assert checked >= 15


def test_the_check_catches_an_orange_bar_without_an_outline_and_grey_text() -> None:
    bare = palette.base_layout(go.Figure(go.Bar(x=[1], y=["a"], marker={"color": palette.ORANGE})), title="t")
    assert _mark_problems(bare) == ["bar 'trace 0': fill #E69F00 is 2.25:1 with no outline of 3:1"]
    assert _mark_problems(palette.outline(bare)) == []
    orange_line = palette.base_layout(
        go.Figure(go.Scatter(x=[1, 2], y=["a", "a"], mode="lines", line={"color": palette.ORANGE})), title="t"
    )
    assert len(_mark_problems(orange_line)) == 1
    grey = palette.base_layout(go.Figure(), title="t")
    grey.update_layout(font_color="#999999")
    assert "layout font: #999999" in _text_problems(grey)
