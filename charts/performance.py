"""Provider performance: pure functions from observations to a Figure or a sentence."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.palette import BLACK, BLUE, ILLUSTRATIVE_PATTERN, SKY_BLUE, base_layout, outline
from data_access.findings import shares_gap
from data_access.measures import AS_PUBLISHED, PERCENT_UNITS, format_measure, format_target, number_text
from data_access.text import plotly_text


def value_text(value: float | None, unit: str) -> str:
    """A measure's value as written on screen, with the decimals it was published with: 1,234, 99.8% or 12%."""
    return format_measure(value, unit, missing="hidden")  # a value missing here was withheld by disclosure control


def _labelled(value: float | None, unit: str, illustrative: bool) -> str:
    """A value for a sentence or a hover: marked (illustrative), or a percentage marked (as published)."""
    if illustrative:
        return _mark(value_text(value, unit), True)
    return format_measure(value, unit, labelled=True, missing="hidden")


def _target_illustrative(rows: pd.DataFrame) -> list[bool]:
    """Whether each row's target is illustrative: its own `target_basis`, or the value's basis when that is blank."""
    own = rows["target_basis"].fillna("") if "target_basis" in rows else pd.Series("", index=rows.index)
    return [(t or b) == "illustrative" for t, b in zip(own, rows["basis"], strict=True)]


def _mark(text: str, illustrative: bool) -> str:
    return f"{text} (illustrative)" if illustrative else text


def measure_trend_empty(series: pd.DataFrame, *, name: str) -> str | None:
    """Why there is no trend chart to draw for measure `name` (no value in any period), or None when there is one."""
    if series.empty or not series["value"].notna().any():
        return f"No figures for {name} are published, so there is nothing to chart."
    return None


def measure_trend_figure(series: pd.DataFrame, *, title: str) -> go.Figure:
    """Bars for one measure's values per period; illustrative bars hatched and labelled; targets as black dashes."""
    unit = series["unit"].iloc[0] if len(series) else "count"
    labels = [
        f"{plotly_text(p)}<br>(illustrative)" if b == "illustrative" else plotly_text(p)
        for p, b in zip(series["period"], series["basis"], strict=True)
    ]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=series["value"],
        name=plotly_text(series["measure"].iloc[0]) if len(series) else "Value",
        marker={
            "color": [SKY_BLUE if b == "illustrative" else BLUE for b in series["basis"]],
            "pattern": {
                "shape": [ILLUSTRATIVE_PATTERN if b == "illustrative" else "" for b in series["basis"]],
                "fgcolor": "#FFFFFF",
                "fillmode": "overlay",
            },
        },
        text=[value_text(v, unit) for v in series["value"]],
        textposition="outside",
        # The value as published, never plotly's own rounding of it.
        hovertext=[_labelled(v, unit, b == "illustrative") for v, b in zip(series["value"], series["basis"], strict=True)],
        hovertemplate="%{x}: %{hovertext}<extra></extra>",
    )
    if series["target"].notna().any():
        made_up = [i for i, t in zip(_target_illustrative(series), series["target"], strict=True) if pd.notna(t)]
        fig.add_scatter(
            x=labels,
            y=series["target"],
            mode="markers",
            name="Target" + (" (illustrative)" if all(made_up) else " (partly illustrative)" if any(made_up) else ""),
            marker={"symbol": "line-ew", "size": 40, "line": {"width": 4, "color": BLACK}},
            hovertext=[
                f"Target: {_labelled(t, unit, i)}" if pd.notna(t) else f"Target: {format_target(t, unit)}"
                for t, i in zip(series["target"], _target_illustrative(series), strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.update_yaxes(
        title_text=f"Per cent ({AS_PUBLISHED})" if unit in PERCENT_UNITS else "Number",
        rangemode="tozero",
        ticksuffix="%" if unit in PERCENT_UNITS else "",
    )
    fig.update_layout(bargap=0.35)
    return outline(base_layout(fig, title=title))


def measure_takeaway(series: pd.DataFrame) -> str:
    """One sentence: the latest value, its change on the period before, and whether it met its target; each figure
    marked (illustrative) where it, or a figure it is worked out from, is. A withheld value feeds no arithmetic."""
    if series.empty:
        return "No figures are recorded for this measure."
    unit = series["unit"].iloc[0]
    last = series.iloc[-1]
    last_made_up = last["basis"] == "illustrative"
    text = f"{last['measure']}: {_labelled(last['value'], unit, last_made_up)} in {last['period']}"
    if pd.isna(last["value"]):
        return text + "."
    if len(series) > 1 and pd.notna(before := series.iloc[-2]["value"]) and before:
        change = (last["value"] - before) / before
        made_up = last_made_up or series.iloc[-2]["basis"] == "illustrative"
        direction = "up" if change >= 0 else "down"
        text += f", {_mark(f'{direction} {abs(change):.0%}', made_up)} on {series.iloc[-2]['period']}"
    if pd.notna(last["target"]):
        target = _labelled(last["target"], unit, _target_illustrative(series.iloc[[-1]])[0])
        if pd.isna(last["higher_is_better"]):  # the source does not say which way is better: never judged
            return text + f"; its target is {target}, but whether higher or lower is better is not stated."
        met = last["value"] >= last["target"] if last["higher_is_better"] else last["value"] <= last["target"]
        text += f"; {'meets' if met else 'below'} its target of {target}"
    return text + "."


def breakdown_empty(parts: pd.DataFrame, *, name: str) -> str | None:
    """Why there is no breakdown chart to draw for `name` (no part with a value), or None when there is one."""
    if parts.empty or not parts["value"].notna().any():
        return f"No breakdown of {name} is published, so there is nothing to chart."
    return None


def breakdown_figure(parts: pd.DataFrame, *, title: str) -> go.Figure:
    """Horizontal bars for one breakdown (e.g. referrals by source), largest first."""
    rows = parts.sort_values("value")
    unit = rows["unit"].iloc[0] if len(rows) else "percent"
    fig = go.Figure(
        go.Bar(
            y=[_mark(plotly_text(d), b == "illustrative") for d, b in zip(rows["dimension_value"], rows["basis"], strict=True)],
            x=rows["value"],
            orientation="h",
            marker={
                "color": [SKY_BLUE if b == "illustrative" else BLUE for b in rows["basis"]],
                "pattern": {"shape": [ILLUSTRATIVE_PATTERN if b == "illustrative" else "" for b in rows["basis"]], "fgcolor": "#FFFFFF"},
            },
            text=[_mark(value_text(v, unit), b == "illustrative") for v, b in zip(rows["value"], rows["basis"], strict=True)],
            textposition="outside",
            hovertext=[_labelled(v, unit, b == "illustrative") for v, b in zip(rows["value"], rows["basis"], strict=True)],
            hovertemplate="%{y}: %{hovertext}<extra></extra>",
        )
    )
    fig.update_xaxes(
        title_text=f"Per cent ({AS_PUBLISHED})" if unit in PERCENT_UNITS else "Number",
        ticksuffix="%" if unit in PERCENT_UNITS else "",
        range=[0, float(rows["value"].max()) * 1.15 if len(rows) else 1],
    )
    fig.update_traces(cliponaxis=False)
    return outline(base_layout(fig, title=title, height=max(300, 90 + 55 * len(rows))))


def _shown(row: pd.Series, unit: str) -> str:
    return _labelled(row["value"], unit, row["basis"] == "illustrative")


def breakdown_takeaway(parts: pd.DataFrame) -> str:
    """One sentence: the largest part, and a warning when the shares of a whole do not add up to 100%."""
    if parts.empty:
        return "No breakdown is recorded."
    ordered = parts.dropna(subset=["value"]).sort_values("value", ascending=False)
    if ordered.empty:
        return "Every figure of this breakdown is hidden to protect the people it counts."
    top, bottom = ordered.iloc[0], ordered.iloc[-1]
    unit = top["unit"]
    if unit == "share":
        text = f"The largest share is {top['dimension_value']}: {_shown(top, unit)}."
    else:
        text = f"Highest: {top['dimension_value']}, {_shown(top, unit)}; lowest: {bottom['dimension_value']}, {_shown(bottom, unit)}."
    if parts["value"].isna().any():
        # Hidden by disclosure control: a sum of the parts shown, beside 100% or a total, would give the hidden
        # ones away, so nothing is added up.
        return text + " Some figures are hidden to protect the people they count."
    if unit == "share" and (gap := shares_gap(parts["value"])) is not None:
        made_up = " (illustrative)" if (parts["basis"] == "illustrative").any() else ""
        total, missing = number_text(100 - gap), number_text(gap)
        text += f" The stated parts{made_up} add up to {total}%, not 100%: {missing}% is unaccounted for in the source."
    return text
