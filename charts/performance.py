"""Provider performance: pure functions from observations to a Figure or a sentence."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.palette import BLACK, BLUE, ILLUSTRATIVE_PATTERN, SKY_BLUE, base_layout, outline
from data_access.findings import shares_gap
from data_access.measures import AS_PUBLISHED, PERCENT_UNITS, format_measure, format_target, number_text
from data_access.text import numbered_apart, plotly_text


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


# A bar at least this share of the tallest carries its value inside, at its foot: room for the words, and far from
# its target's dash, which would strike through a value written just above the bar ("212" under a target of 225).
INSIDE_FROM = 0.15


def _label_positions(series: pd.DataFrame) -> list[str]:
    """Each bar's value inside it where it has a target and the room, else above it (nothing there to strike it)."""
    values = series["value"].astype("float64")
    tallest = float(values.abs().max()) if values.notna().any() else 0.0
    return [
        "inside" if pd.notna(t) and pd.notna(v) and tallest and abs(v) >= INSIDE_FROM * tallest else "outside"
        for v, t in zip(values, series["target"], strict=True)
    ]


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
        textposition=_label_positions(series),
        insidetextanchor="start",  # at the bar's foot, well below a target dash near its top
        insidetextfont={"color": [BLACK if b == "illustrative" else "#FFFFFF" for b in series["basis"]]},
        outsidetextfont={"color": BLACK},
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


# --- choosing what to chart: one service at a time ---------------------------------------------------------------
# A store of many services would draw hundreds of charts on one page, so the page charts one service's measures (or
# one of them), and breakdowns one period at a time. Choices are keyed by ids, never names, which two records can share.

WHOLE_AREA = "whole-area"  # the link's name for figures of no single service
ALL_MEASURES = "all"  # the link's name for all of a service's measures


def _unused(name: str, taken: set[str]) -> str:
    """`name`, made longer until no id in `taken` is it: an agreement or measure's own id always wins its name."""
    while name in taken:
        name += "-"
    return name


def with_service(observations: pd.DataFrame) -> pd.DataFrame:
    """The figures, each with the `service` it belongs to: its agreement's id, or `WHOLE_AREA` (made unique) for a
    figure of no single agreement."""
    whole_area = _unused(WHOLE_AREA, set(observations["agreement_id"].dropna()))
    return observations.assign(service=observations["agreement_id"].fillna(whole_area).astype(str))


def charted_figures(observations: pd.DataFrame) -> pd.DataFrame:
    """The figures that are charted (quarterly series and breakdowns), `with_service`."""
    return with_service(observations[(observations["dimension"] != "") | observations["quarter"].notna()])


def service_choices(charted: pd.DataFrame) -> tuple[dict[str, str], str]:
    """The services to choose from (id -> name, by name; the provider added where two share a name, and numbered where
    that is shared too) and the one to open on: the one with the most figures to chart, the first on a tie."""
    services = charted.drop_duplicates("service").sort_values(["agreement", "service"], key=lambda c: c.str.casefold())
    shared = services["agreement"].duplicated(keep=False)
    labels = [
        f"{title} ({provider})" if twin else str(title)
        for title, provider, twin in zip(services["agreement"], services["provider"], shared, strict=True)
    ]
    options = dict(zip(services["service"], numbered_apart(labels), strict=True))
    sizes = charted.groupby("service").size()
    return options, max(options, key=lambda s: int(sizes[s]))


def measure_choices(charted: pd.DataFrame) -> dict[str, str]:
    """For one service's charted figures: all its measures (the first choice, under `ALL_MEASURES` made unique), then
    each measure by name (id -> name)."""
    measures = charted.drop_duplicates("measure_id").sort_values(["measure", "measure_id"], key=lambda c: c.str.casefold())
    every = _unused(ALL_MEASURES, set(measures["measure_id"]))
    names = numbered_apart([str(m) for m in measures["measure"]])
    return {every: f"All its measures ({len(measures)})"} | dict(zip(measures["measure_id"], names, strict=True))


def period_key(start: object, end: object) -> str:
    """A breakdown period in a link: 2023-04-01..2024-03-31."""
    return f"{pd.Timestamp(start).date().isoformat()}..{pd.Timestamp(end).date().isoformat()}"


def breakdown_periods(breakdowns: pd.DataFrame) -> dict[str, str]:
    """The periods breakdowns are published for, the latest first (`period_key` -> the period in words)."""
    periods = breakdowns.drop_duplicates(["period_start", "period_end"]).sort_values(["period_end", "period_start"], ascending=False)
    keys = [period_key(s, e) for s, e in zip(periods["period_start"], periods["period_end"], strict=True)]
    return dict(zip(keys, numbered_apart([str(p) for p in periods["period"]]), strict=True))


def in_period(breakdowns: pd.DataFrame, key: str) -> pd.DataFrame:
    """The breakdowns of the period `key` names (`period_key`)."""
    keys = [period_key(s, e) for s, e in zip(breakdowns["period_start"], breakdowns["period_end"], strict=True)]
    return breakdowns[[k == key for k in keys]]


def without_period(breakdowns: pd.DataFrame, key: str) -> list[str]:
    """The breakdowns ("referrals by source") published for other periods but not for `key`."""
    shown = in_period(breakdowns, key)
    have = set(zip(shown["measure_id"], shown["dimension"], strict=True))
    every = breakdowns.drop_duplicates(["measure_id", "dimension"])
    return [f"{m} by {d}" for i, m, d in zip(every["measure_id"], every["measure"], every["dimension"], strict=True) if (i, d) not in have]
