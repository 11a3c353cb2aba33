"""Budget and spend figures: pure functions from a query's DataFrame to a plotly Figure or a sentence."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.palette import BLUE, ILLUSTRATIVE_PATTERN, ORANGE, SEQUENCE, base_layout, outline
from data_access.money import format_money
from data_access.text import plotly_text


def _label(name: str, budget_illustrative: bool, spend_illustrative: bool) -> str:
    name = plotly_text(name)
    if budget_illustrative and spend_illustrative:
        return f"{name} (illustrative)"
    if budget_illustrative or spend_illustrative:
        return f"{name} ({'budget' if budget_illustrative else 'spend'} illustrative)"
    return name


def budget_and_spend_figure(frame: pd.DataFrame, *, category: str, title: str) -> go.Figure:
    """Horizontal bars of budget and spend per category (priority or funding stream); illustrative bars hatched and labelled."""
    rows = frame.iloc[::-1]  # plotly draws the first category at the bottom
    labels = [
        _label(str(n), bool(b), bool(s))
        for n, b, s in zip(rows[category], rows["budget_illustrative"], rows["spend_illustrative"], strict=True)
    ]
    fig = go.Figure()
    for side, name, colour in (("budget", "Budget", BLUE), ("spend", "Spend", ORANGE)):
        illustrative = rows[f"{side}_illustrative"].astype(bool)
        fig.add_bar(
            y=labels,
            x=rows[f"{side}_pence"] / 100,
            name=name,
            orientation="h",
            marker={
                "color": colour,
                "pattern": {
                    "shape": [ILLUSTRATIVE_PATTERN if i else "" for i in illustrative],
                    "fgcolor": "#FFFFFF",
                    "fillmode": "overlay",
                },
            },
            text=[
                (format_money(int(v), short=True) + (" (illustrative)" if i else "")) if v else ""
                for v, i in zip(rows[f"{side}_pence"], illustrative, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>" + name + ": £%{x:,.0f}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    largest = max(int(rows["budget_pence"].max()), int(rows["spend_pence"].max()), 1) / 100 if len(rows) else 1
    # Room on the right for the value labels.
    fig.update_xaxes(tickprefix="£", separatethousands=True, title_text="Pounds", range=[0, largest * 1.35])
    return outline(base_layout(fig, title=title, height=max(320, 90 + 70 * len(rows))))


def budget_and_spend_takeaway(frame: pd.DataFrame, *, category: str, unlinked: str | None = None) -> str:
    """One sentence: the largest spend, its share, and spend linked to no priority when there is some."""
    spent = int(frame["spend_pence"].sum())
    budget = int(frame["budget_pence"].sum())
    if spent == 0 and budget == 0:
        return "No budget or spend is recorded for this selection."
    if spent == 0:
        return f"Budget of {format_money(budget)} is recorded, but no spend."
    top = frame.sort_values("spend_pence", ascending=False).iloc[0]
    share = top["spend_pence"] / spent
    sentence = f"{top[category]} had the largest spend, {format_money(int(top['spend_pence']))} ({share:.0%} of {format_money(spent)})."
    if unlinked:
        loose = int(frame.loc[frame[category].astype(str).str.startswith(unlinked), "spend_pence"].sum())
        if loose:
            sentence += f" {format_money(loose)} of spend is linked to no Plan priority."
    if frame["illustrative"].any():
        sentence += " Some figures are illustrative."
    return sentence


def money_flow_figure(flows: pd.DataFrame, *, title: str) -> go.Figure:
    """A Sankey diagram: funding stream -> priority -> provider, link widths in pounds."""
    streams = list(dict.fromkeys(flows["funding_stream"]))
    priorities = list(dict.fromkeys(flows["priority"]))
    providers = list(dict.fromkeys(flows["provider"]))
    nodes = [f"{s} " for s in streams] + [f"{p}  " for p in priorities] + [f"{p}   " for p in providers]
    index = {name: i for i, name in enumerate(nodes)}  # trailing spaces keep a name used at two stages apart
    first = flows.groupby(["funding_stream", "priority"], as_index=False, sort=False)[["amount_pence", "illustrative"]].agg(
        {"amount_pence": "sum", "illustrative": "max"}
    )
    second = flows.groupby(["priority", "provider"], as_index=False, sort=False)[["amount_pence", "illustrative"]].agg(
        {"amount_pence": "sum", "illustrative": "max"}
    )
    sources = [index[f"{s} "] for s in first["funding_stream"]] + [index[f"{p}  "] for p in second["priority"]]
    targets = [index[f"{p}  "] for p in first["priority"]] + [index[f"{p}   "] for p in second["provider"]]
    values = list(first["amount_pence"] / 100) + list(second["amount_pence"] / 100)
    notes = ["illustrative" if i else "" for i in list(first["illustrative"]) + list(second["illustrative"])]
    colours = [SEQUENCE[i % len(SEQUENCE)] for i in range(len(nodes))]
    fig = go.Figure(
        go.Sankey(
            node={"label": [plotly_text(n.strip()) for n in nodes], "color": colours, "pad": 18, "thickness": 18},
            link={
                "source": sources,
                "target": targets,
                "value": values,
                "customdata": notes,
                "color": "rgba(0, 114, 178, 0.25)",
                "hovertemplate": "%{source.label} → %{target.label}: £%{value:,.0f} %{customdata}<extra></extra>",
            },
        )
    )
    return outline(base_layout(fig, title=title, height=max(380, 60 * max(len(streams), len(priorities), len(providers)))))


def money_flow_takeaway(flows: pd.DataFrame) -> str:
    """One sentence: which stream funds most, and where most of it goes."""
    if flows.empty:
        return "No spend is recorded for this selection, so there is no money to follow."
    by_stream = flows.groupby("funding_stream")["amount_pence"].sum().sort_values(ascending=False)
    by_provider = flows.groupby("provider")["amount_pence"].sum().sort_values(ascending=False)
    total = int(flows["amount_pence"].sum())
    return (
        f"{by_stream.index[0]} pays for {by_stream.iloc[0] / total:.0%} of the {format_money(total)} followed; "
        f"the largest recipient is {by_provider.index[0]} ({format_money(int(by_provider.iloc[0]))})."
    )
