"""Comparing areas: a sorted bar chart (the "ski slope") with the chosen area and its peer group marked.

Marked three ways, never by colour alone: each kind of bar has its own colour and fill pattern (the chosen area
crossed, its group's members dotted), and its label says "chosen area" or "same group". Each bar's label carries its
financial year (or as-at date), since areas' latest figures come from different years, and "illustrative" where the
figure is.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.palette import BLACK, BLUE, SKY_BLUE, VERMILLION, base_layout, outline, room_for_value_labels
from data_access.text import plotly_text

CHOSEN, GROUP, OTHER = "Chosen area", "Same group", "Other areas"
STYLE = {CHOSEN: (VERMILLION, "x"), GROUP: (BLUE, "."), OTHER: (SKY_BLUE, "")}


def compare_empty(frame: pd.DataFrame, *, indicator_name: str) -> str | None:
    """Why there is no chart to draw (no area has the figure), or None."""
    if frame.empty or not frame["value"].notna().any():
        return f"No area in the store has the figure for {indicator_name}, so there is nothing to chart; every area is listed below."
    return None


def kind_of_bar(area_id: str, *, chosen: str, peers: set[str]) -> str:
    """Which of the three kinds of bar an area's is."""
    return CHOSEN if area_id == chosen else GROUP if area_id in peers else OTHER


def compare_figure(
    frame: pd.DataFrame,
    *,
    title: str,
    axis_title: str,
    chosen: str,
    peers: set[str],
    averages: list[tuple[str, float]],
) -> go.Figure:
    """Horizontal bars, highest at the top, for the rows of `frame` with a figure.

    `frame` has area_id, label (the area's name with its year), shown (the value in the axis's units) and text (the
    value as written, with its basis). `averages` are (name, value in the axis's units), drawn as dashed lines."""
    known = frame[frame["shown"].notna()]
    order = [plotly_text(label) for label in known["label"]]
    fig = go.Figure()
    kinds = [kind_of_bar(a, chosen=chosen, peers=peers) for a in known["area_id"]]
    for kind in (CHOSEN, GROUP, OTHER):
        rows = known[[k == kind for k in kinds]]
        if rows.empty:
            continue
        colour, pattern = STYLE[kind]
        marker = "" if kind == OTHER else f" ({kind.lower()})"
        fig.add_bar(
            x=rows["shown"],
            y=[plotly_text(label) for label in rows["label"]],
            orientation="h",
            name=kind,
            text=[plotly_text(f"{t}{marker}") for t in rows["text"]],
            textposition="none",  # written beside the bar as an annotation, below
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#FFFFFF", "fillmode": "overlay"}},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    # Each average a line the plot's height, behind the bars, and named in the legend: written beside the line its
    # name ran into the legend and the last bar's value. Each bar's value is an annotation on white, so a line that
    # passes behind it never strikes it through.
    for position, (name, value) in enumerate(averages):
        line = {"color": BLACK, "dash": "dash" if position == 0 else "dot", "width": 2}
        fig.add_vline(x=value, line=line, layer="below")
        fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=plotly_text(name), hoverinfo="skip")
    # Set in one go: add_annotation for each of 43 bars validated the whole layout each time (a sixth of a loaded
    # server's time, benchmarks/README.md "Load").
    values = {"xanchor": "left", "xshift": 4, "showarrow": False, "bgcolor": "white", "font": {"color": BLACK}}
    fig.update_layout(
        annotations=[
            *fig.layout.annotations,
            *(
                {"x": x, "y": y, "text": text, **values}
                for trace in fig.data
                if trace.type == "bar"
                for x, y, text in zip(trace.x, trace.y, trace.text or (), strict=True)
            ),
        ]
    )
    base_layout(fig, title=title, height=max(320, 90 + 44 * len(known)))
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    # Fixed, or the values' annotations would stretch the axis to hold them; they sit in the margin kept for them.
    largest = float(known["shown"].max()) if len(known) else 1.0
    fig.update_xaxes(title_text=plotly_text(axis_title), range=[0, max(largest, *(v for _, v in averages), 0.0) * 1.02 or 1])
    fig.update_layout(barmode="overlay")
    return outline(room_for_value_labels(fig))
