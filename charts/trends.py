"""Trends: one area's budget or spend for each financial year side by side, one line per priority or funding stream.

A year with no published figure is a gap in its line and "not published" in the table, never 0. Each point that is
illustrative says so in its own label, and so does the takeaway sentence.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from charts.palette import ILLUSTRATIVE_PATTERN, SEQUENCE, base_layout
from data_access.money import format_money
from data_access.periods import fy_label
from data_access.queries import NO_STREAM, NOT_ASSIGNED, NOT_LINKED
from data_access.text import plotly_text

_ = ILLUSTRATIVE_PATTERN  # lines carry their basis in words (each point's label), not in a fill pattern
SIDES = {"spend": "Spend", "budget": "Budget"}
NAMED_BY_WHAT_THEY_LACK = {
    NOT_LINKED: "linked to no priority",
    NOT_ASSIGNED: "not assigned to one priority",
    NO_STREAM: "whose funding stream is not stated",
}


def amount_text(pence: object, *, illustrative: bool, up_to: bool = False, short: bool = False) -> str:
    """'£1.72m (illustrative)', 'up to £50', or 'not published' where the year has no figure."""
    if pence is None or pd.isna(pence):
        return "not published"
    text = format_money(int(pence), short=short)  # type: ignore[call-overload]
    return ("up to " if up_to else "") + text + (" (illustrative)" if illustrative else "")


def trend_table(frame: pd.DataFrame, *, category: str) -> pd.DataFrame:
    """One row per year and category, budget and spend written out (illustrative and 'up to' in the cell itself)."""
    rows = []
    for r in frame.to_dict("records"):
        rows.append(
            {
                "year": fy_label(int(r["financial_year"])),
                "category": r[category],
                "budget": amount_text(r["budget_pence"], illustrative=r["budget_illustrative_pence"] > 0, up_to=bool(r["budget_up_to"])),
                "spend": amount_text(r["spend_pence"], illustrative=r["spend_illustrative_pence"] > 0, up_to=bool(r["spend_up_to"])),
                "basis": "illustrative" if r["illustrative"] else "",
                "illustrative": bool(r["illustrative"]),
                "citations": r["citations"],
            }
        )
    return pd.DataFrame(rows, columns=["year", "category", "budget", "spend", "basis", "illustrative", "citations"])


def trend_empty(frame: pd.DataFrame, *, side: str, subject: str) -> str | None:
    """Why there is nothing to draw: no year has a published figure for this side."""
    if frame.empty or not frame[f"{side}_pence"].notna().any():
        return f"No {SIDES[side].lower()} is published for {subject} in any year, so there is no trend to draw."
    return None


def trend_figure(frame: pd.DataFrame, *, category: str, side: str, years: list[int], title: str) -> go.Figure:
    """One line per category across every year of the area; a year without a figure is a gap, not 0."""
    fig = go.Figure()
    labels = [fy_label(y) for y in years]
    for i, (name, rows) in enumerate(frame.groupby(category, sort=False)):
        by_year = {int(r["financial_year"]): r for r in rows.to_dict("records")}
        values, texts = [], []
        for y in years:
            r = by_year.get(y)
            pence = None if r is None else r[f"{side}_pence"]
            values.append(None if pence is None else int(pence) / 100)
            texts.append(
                "not published"
                if r is None
                else amount_text(pence, illustrative=r[f"{side}_illustrative_pence"] > 0, up_to=bool(r[f"{side}_up_to"]), short=True)
            )
        if all(v is None for v in values):
            continue
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=values,
                name=plotly_text(str(name)),
                mode="lines+markers",
                connectgaps=False,
                line={"color": SEQUENCE[i % len(SEQUENCE)], "width": 3},
                marker={"size": 10, "symbol": i % 8},
                text=[plotly_text(t) for t in texts],
                hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_yaxes(title_text=f"{SIDES[side]} (£)", rangemode="tozero", tickprefix="£", separatethousands=True, tickformat=",.0f")
    fig.update_xaxes(type="category", title_text="Financial year")
    return base_layout(fig, title=title)


def trend_takeaway(frame: pd.DataFrame, *, category: str, side: str, what: str) -> str:
    """The largest category's change from its first to its last year with a figure, e.g. 'Spend on priority X rose from
    £A in 2016/17 to £B in 2018/19', with '(illustrative)' after each illustrative amount."""
    shown = frame[frame[f"{side}_pence"].notna()]
    if shown.empty:
        return f"No {SIDES[side].lower()} is published in any year."
    latest = shown[shown["financial_year"] == shown["financial_year"].max()]
    top = latest.loc[latest[f"{side}_pence"].astype("int64").idxmax(), category]
    series = shown[shown[category] == top].sort_values("financial_year")
    first, last = series.iloc[0], series.iloc[-1]

    def money(r: pd.Series) -> str:
        return amount_text(r[f"{side}_pence"], illustrative=r[f"{side}_illustrative_pence"] > 0, up_to=bool(r[f"{side}_up_to"]))

    # The rows of money with no priority or stream are named by what they lack: "Spend linked to no priority".
    lead = (
        f"{SIDES[side]} on {what} {top}"
        if str(top) not in NAMED_BY_WHAT_THEY_LACK
        else f"{SIDES[side]} {NAMED_BY_WHAT_THEY_LACK[str(top)]}"
    )
    if len(series) == 1:
        return f"{lead} was {money(last)} in {fy_label(int(last['financial_year']))}, the only year with a published figure."
    a, b = int(first[f"{side}_pence"]), int(last[f"{side}_pence"])
    verb = "rose" if b > a else "fell" if b < a else "stayed"
    to = "at" if verb == "stayed" else "to"
    since, until = fy_label(int(first["financial_year"])), fy_label(int(last["financial_year"]))
    return f"{lead} {verb} from {money(first)} in {since} {to} {money(last)} in {until}."


def measure_empty(series: pd.DataFrame, *, measure: str) -> str | None:
    """Why there is no series to draw: no period of this measure has a figure that can be shown."""
    if series.empty or not series["value"].notna().any():
        return f"No figure for {measure} can be shown for any period, so there is no series to draw."
    return None


def _period_kind(quarter: Any, statement: Any) -> str:
    """What a figure counts over, so unlike figures never share a line: quarters, or what a year's figure says it is
    ('average per quarter' and 'per annum, as stated' are two figures for one year, 224 and 996)."""
    if pd.notna(quarter):
        return "quarterly"
    return str(statement) if isinstance(statement, str) and statement else "whole period"


def _in_period_order(series: pd.DataFrame) -> pd.DataFrame:
    """The series oldest first, a year after its fourth quarter, with each figure's `kind` (`_period_kind`)."""
    ordered = series.sort_values(["period_end", "period_start"], ascending=[True, False], kind="stable")
    return ordered.assign(kind=[_period_kind(q, v) for q, v in zip(ordered["quarter"], ordered["value_statement"], strict=True)])


# Services one measure chart draws at most: each is a line and a target line, and a national store's area has up to
# 72 services reporting one measure, whose legend alone was taller than the chart. More than this, a reader chooses one.
MAX_SERVICES_DRAWN = 6


def measure_figure(series: pd.DataFrame, *, title: str, axis_title: str) -> go.Figure:
    """One line per agreement and kind of figure (quarterly, or each kind of whole-period figure) across its periods,
    oldest first and a year after its fourth quarter; its targets as a dashed line; a period without a figure shown is
    a gap."""
    fig = go.Figure()
    ordered = _in_period_order(series)
    for i, (agreement, rows) in enumerate(ordered.groupby("agreement", sort=False)):
        colour = SEQUENCE[i % len(SEQUENCE)]
        several = rows["kind"].nunique() > 1
        for j, (kind, part) in enumerate(rows.groupby("kind", sort=False)):
            fig.add_trace(
                go.Scatter(
                    x=list(part["period"]),
                    y=[None if pd.isna(v) else float(v) for v in part["value"]],
                    name=plotly_text(f"{agreement} ({kind})" if several else str(agreement)),
                    mode="lines+markers" if len(part) > 1 else "markers",
                    connectgaps=False,
                    line={"color": colour, "width": 3},
                    marker={"size": 12, "symbol": (i + j) % 8, "color": colour},
                    text=[plotly_text(t) for t in part["text"]],
                    hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>",
                )
            )
        if rows["target"].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=list(rows["period"]),
                    y=[None if pd.isna(t) else float(t) for t in rows["target"]],
                    name=plotly_text(f"Target: {agreement}"),
                    mode="lines+markers",
                    line={"color": colour, "width": 2, "dash": "dash"},
                    marker={"size": 8, "symbol": "line-ew-open"},
                    text=[plotly_text(t) for t in rows["target_text"]],
                    hovertemplate="%{x}: target %{text}<extra></extra>",
                )
            )
    fig.update_yaxes(title_text=plotly_text(axis_title), rangemode="tozero")
    fig.update_xaxes(type="category", title_text="Period", categoryorder="array", categoryarray=list(dict.fromkeys(ordered["period"])))
    return base_layout(fig, title=title)


def measure_takeaway(series: pd.DataFrame, *, measure: str) -> str:
    """Each kind of figure's first and latest figures shown (naming the kind where there are several, so 224 a quarter
    and 996 a year are not read as a change), and whether the latest met its target where one is given."""
    shown = _in_period_order(series[series["value"].notna()])
    if shown.empty:
        return f"No figure for {measure} can be shown."
    several = shown["kind"].nunique() > 1
    parts = []
    for kind, rows in shown.groupby("kind", sort=False):
        first, last = rows.iloc[0], rows.iloc[-1]
        named = f" ({kind})" if several and kind not in str(first["text"]) else ""  # the staff's text says it already
        span = f"{first['text']} in {first['period']}" + (f" to {last['text']} in {last['period']}" if len(rows) > 1 else "")
        parts.append(span + named)
    text = f"{measure}: {'; '.join(parts)}" + ("." if several or len(shown) > 1 else ", the only period with a figure.")
    last = shown.iloc[-1]
    if pd.notna(last["target"]):
        text += f" Target for {last['period']}: {last['target_text']}."
    return text
