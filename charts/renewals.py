"""The contract renewal timeline: pure functions from the renewals frame to a Figure or a sentence."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from charts.palette import BLACK, BLUE, GREY, ORANGE, OUTLINE, OUTLINE_WIDTH, PURPLE, VERMILLION, base_layout
from data_access.periods import add_months, format_date
from data_access.text import plotly_text

BAR_WIDTH = 16  # px: each agreement's bar
WARNING_STYLE = {
    "red": (VERMILLION, "Ends within {red} months"),
    "amber": (ORANGE, "Ends within {amber} months"),
    "ok": (BLUE, "Runs beyond {amber} months"),
    "ended": (GREY, "Ended"),
    "planned": (PURPLE, "Planned"),
    "undated": (GREY, "Dates not published"),
}


# An agreement's dates that the sample data made up, as the bar's label says them (field in `illustrative_fields`).
ILLUSTRATIVE_DATES = {"start_date": "start", "current_end_date": "end", "latest_end_date": "latest possible end"}


YEARLY_TICKS_UP_TO = 12  # years an axis may span and still label every one of them


def illustrative_dates_note(illustrative_fields: object) -> str:
    """' (illustrative start)', ' (illustrative start and end)' or '' for an agreement's `illustrative_fields`."""
    names = set(str(illustrative_fields or "").replace(",", " ").replace(";", " ").split())
    which = [word for field, word in ILLUSTRATIVE_DATES.items() if field in names]
    return f" (illustrative {' and '.join(which)})" if which else ""


def _dated(renewals: pd.DataFrame) -> pd.Series:
    """Which agreements the timeline can place: those with a published start or end."""
    return renewals["current_end_date"].notna() | renewals["start_date"].notna()


def renewal_timeline_empty(renewals: pd.DataFrame, *, area_name: str) -> str | None:
    """Why there is no timeline to draw (no agreement with a published start or end), or None when there is one."""
    if renewals.empty:
        return f"No contracts or grants are recorded for {area_name}."
    if _dated(renewals).any():
        return None
    n = len(renewals)
    if n == 1:
        return f"{area_name}'s one agreement has no published dates, so there is no timeline to draw."
    return f"None of {area_name}'s {n} agreements has published dates, so there is no timeline to draw."


# An agreement that ended longer ago than this before the as-at date is listed in the chart's numbers, not drawn.
ENDED_DRAWN_MONTHS = 24


def drawn_on_timeline(renewals: pd.DataFrame, *, as_at: date) -> tuple[pd.DataFrame, str]:
    """The agreements the timeline draws, and a sentence saying which it leaves out ('' when none): all but those that
    ended more than ENDED_DRAWN_MONTHS before the as-at date. An area of the national benchmark store has 150
    agreements over ten years, 91 of them ended: drawn, a chart 3,500 px tall with its dates at the foot, no use on a
    projector. The panel's question is what ends next; what ended years ago stays in the table of the chart's numbers.
    Where every agreement with dates ended that long ago, all are drawn: the history is then all there is."""
    since = add_months(as_at, -ENDED_DRAWN_MONTHS)
    ended = renewals["current_end_date"].map(lambda day: pd.notna(day) and day < since) & (renewals["warning"] == "ended")
    kept = renewals[~ended]
    if not ended.any() or not _dated(kept).any():
        return renewals, ""
    n = int(ended.sum())
    which = f"{n} agreements" if n != 1 else "1 agreement"
    return kept, f" {which} that ended before {format_date(since)} {'are' if n != 1 else 'is'} not drawn: see the chart's numbers."


def undated_count(renewals: pd.DataFrame) -> tuple[int, str]:
    """How many agreements have no published end date, whatever their standing (a start alone does not date an
    agreement's end), and a note saying how each is counted elsewhere on the page."""
    undated = renewals[renewals["current_end_date"].isna()]
    standing = {
        "undated": "counted as running",
        "unknown": "current status not published",
        "planned": "planned",
        "ended": "ended",
    }
    counts = undated["warning"].value_counts()
    parts = [f"{counts[w]} {words}" for w, words in standing.items() if counts.get(w, 0)]
    with_start = int(undated["start_date"].notna().sum())
    note = "Agreements whose end date is not published, whatever their status"
    note += f": {', '.join(parts)}." if parts else "."
    if with_start:
        note += f" {with_start} of them {'has' if with_start == 1 else 'have'} a published start date."
    return len(undated), note


def _amendment_day(r: Any) -> Any:
    """When an amendment is drawn: the day it was agreed, else the end it moved."""
    return r.agreed_on if pd.notna(r.agreed_on) else r.previous_end_date


def _milestone_day(r: Any) -> Any:
    return r.on


def renewal_timeline_figure(
    renewals: pd.DataFrame,
    amendments: pd.DataFrame,
    milestones: pd.DataFrame,
    *,
    as_at: date,
    red_months: int,
    amber_months: int,
    title: str,
) -> go.Figure:
    """Each agreement as a bar from start to current end, a dashed runway to its latest possible end,
    amendments (diamonds) and re-procurement steps (triangles), and a line at the as-at date.

    Bars of one warning are one trace, their segments separated by gaps (None), each point carrying its agreement's
    hover text: a trace per agreement made 450 traces for 150 agreements, and building and validating them took
    1-2 s of the renewals page on every run (and the browser as long again to draw them)."""
    fig = go.Figure()
    dated = renewals[_dated(renewals)]
    # Illustrative dates are said in the bar's own label (and so in its hover and the axis), never by colour alone.
    labels = {
        row.id: f"{plotly_text(row.label)}{illustrative_dates_note(row.illustrative_fields)}"
        for row in renewals[["id", "label", "illustrative_fields"]].itertuples()
    }
    # Each agreement's row: a short key ("r0"), its label written once on the axis (tickvals, ticktext). Labels as the
    # y values repeated every label at every point of every trace: 72 KB of a 150-agreement chart's 260 KB sent to the
    # browser. Still a category axis: numbers on a linear axis drew the page 0.7 s slower in Chromium.
    # The dated agreements top to bottom in the frame's order, then any other an amendment or step belongs to.
    row_of = {agreement: f"r{i}" for i, agreement in enumerate(dated["id"])}
    for agreement in [*amendments.get("agreement_id", []), *milestones.get("agreement_id", [])]:
        if agreement in labels and agreement not in row_of:
            row_of[agreement] = f"r{len(row_of)}"
    # warning -> (two-point bars, one-point bars): each a list of (xs, row, hover)
    groups: dict[str, tuple[list[tuple[list[Any], str, str]], list[tuple[list[Any], str, str]]]] = {}
    runways: list[tuple[list[Any], str, str]] = []
    for row in dated.itertuples():
        start = row.start_date if pd.notna(row.start_date) else None
        end = row.current_end_date if pd.notna(row.current_end_date) else None
        label = row_of[row.id]
        hover = (
            f"<b>{plotly_text(row.title)}{illustrative_dates_note(row.illustrative_fields)}</b><br>{row.timing}"
            f"<br>Start: {row.start_text}<br>Current end: {plotly_text(row.end_text)}"
            f"<br>Latest possible end: {row.latest_text}<br>Options used: {row.options_text}"
        )
        spans, points = groups.setdefault(row.warning, ([], []))
        if start and end:
            spans.append(([start, end], label, hover))
        else:
            points.append(([start or end], label, hover))
        latest = row.latest_end_date if pd.notna(row.latest_end_date) else None
        if end and latest and latest > end:
            runways.append(([end, latest], label, hover))

    def joined(segments: list[tuple[list[Any], str, str]]) -> dict[str, Any]:
        """The segments as one trace's x, y and hovertext, a gap (None) between each."""
        x: list[Any] = []
        y: list[Any] = []
        text: list[Any] = []
        for xs, label, hover in segments:
            if x:  # a gap, so no line joins one agreement's bar to the next
                x.append(None)
                y.append(None)
                text.append(None)
            x += xs
            y += [label] * len(xs)
            text += [hover] * len(xs)
        return {"x": x, "y": y, "hovertext": text, "hovertemplate": "%{hovertext}<extra></extra>"}

    for warning, (spans, points) in groups.items():
        colour, legend = WARNING_STYLE[warning]
        legend = legend.format(red=red_months, amber=amber_months)
        marker = {"color": colour, "size": BAR_WIDTH, "symbol": "square", "line": {"color": OUTLINE, "width": OUTLINE_WIDTH}}
        if spans:
            # A black line under the bars gives each an edge at 3:1 or more on white whatever its colour (orange is 2.2:1).
            underlay = joined(spans)
            fig.add_scatter(
                x=underlay["x"],
                y=underlay["y"],
                mode="lines",
                line={"color": OUTLINE, "width": BAR_WIDTH + 2 * OUTLINE_WIDTH},
                showlegend=False,
                hoverinfo="skip",
            )
            fig.add_scatter(
                **joined(spans),
                mode="lines+markers",
                line={"color": colour, "width": BAR_WIDTH},
                marker=marker,
                name=legend,
                legendgroup=warning,
            )
        if points:
            fig.add_scatter(**joined(points), mode="markers", marker=marker, name=legend, legendgroup=warning, showlegend=not spans)
    if runways:
        runway = joined(runways)
        fig.add_scatter(
            x=runway["x"],
            y=runway["y"],
            hoverinfo="skip",  # the bar's own end says the latest possible end: its text twice more was a fifth of the chart
            mode="lines",
            # Black, not the bar's colour: one legend entry means one look, and a thin light dotted line would fall below 3:1.
            line={"color": BLACK, "width": 3, "dash": "dot"},
            name="Extension options not yet used",
            legendgroup="runway",
        )
    for frame, symbol, name, when in (
        (
            amendments,
            "diamond",
            "Amendment (extension or variation)",
            _amendment_day,
        ),
        (milestones, "triangle-up", "Re-procurement or decision step", _milestone_day),
    ):
        points = [(when(r), row_of[r.agreement_id], r) for r in frame.itertuples() if r.agreement_id in row_of]
        points = [p for p in points if pd.notna(p[0])]
        if points:
            fig.add_scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="markers",
                name=name,
                marker={"symbol": symbol, "size": 15, "color": BLACK, "line": {"color": "white", "width": 1.5}},
                hovertext=[
                    plotly_text(f"{getattr(p[2], 'kind', '')}: {getattr(p[2], 'rationale', '') or getattr(p[2], 'title', '')}")
                    for p in points
                ],
                hovertemplate="%{hovertext}<br>%{x|%d %B %Y}<extra></extra>",
            )
    fig.add_vline(x=pd.Timestamp(as_at).value / 1e6, line={"color": BLACK, "width": 2, "dash": "dash"})
    fig.add_annotation(
        x=pd.Timestamp(as_at).value / 1e6,
        y=1.0,
        yref="paper",
        text=f"As at {format_date(as_at)}",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        font={"size": 15},
    )
    fig.update_yaxes(
        title_text=None,
        type="category",
        categoryorder="array",
        categoryarray=list(row_of.values()),
        tickmode="array",
        tickvals=list(row_of.values()),
        ticktext=[labels[i] for i in row_of],
        autorange="reversed",  # the first agreement at the top
    )
    fig.update_xaxes(type="date", title_text=None)
    # Every year labelled when the agreements span few enough of them, so the last year drawn is named on the axis
    # (plotly's own choice, every second year, left 2023 unnamed on West Yorkshire's chart, on screen and printed).
    days = pd.concat([dated[c] for c in ("start_date", "current_end_date", "latest_end_date") if c in dated]).dropna()
    if not days.empty and pd.Timestamp(days.max()).year - pd.Timestamp(days.min()).year <= YEARLY_TICKS_UP_TO:
        fig.update_xaxes(dtick="M12", tickformat="%Y")
    base_layout(fig, title=title, height=max(420, 200 + 48 * len(dated)))
    # Legend below the plot, so it never covers the as-at label at the top.
    fig.update_layout(legend={"orientation": "h", "yref": "paper", "yanchor": "top", "y": -0.08, "x": 0}, margin={"b": 120})
    return fig


def renewal_takeaway(renewals: pd.DataFrame, *, as_at: date, red_months: int, amber_months: int) -> str:
    """One sentence: how many live agreements end soon, the first of them, and how many have no dates."""
    live = renewals[renewals["warning"].isin(["red", "amber", "ok"])]
    soon = live[live["warning"].isin(["red", "amber"])].sort_values("current_end_date")
    undated = int((renewals["warning"] == "undated").sum())
    if live.empty:
        text = f"No agreement with published dates is running on {format_date(as_at)}."
    elif soon.empty:
        text = f"None of the {len(live)} running agreements with published dates ends within {amber_months} months of {format_date(as_at)}."
    else:
        first = soon.iloc[0]
        red = int((soon["warning"] == "red").sum())
        text = (
            f"{len(soon)} of {len(live)} running agreements end within {amber_months} months of {format_date(as_at)}"
            f" ({red} within {red_months}); the first is {first['title']}, on {first['end_text']}."
        )
    if undated:
        text += f" {undated} agreement{'s have' if undated > 1 else ' has'} no published dates."
    return text
