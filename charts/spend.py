"""Budget and spend figures: pure functions from a query's DataFrame to a plotly Figure or a sentence."""

from __future__ import annotations

import textwrap
from collections import Counter

import pandas as pd
import plotly.graph_objects as go

from charts.palette import BLUE, GREEN, ILLUSTRATIVE_PATTERN, ORANGE, SEQUENCE, base_layout, outline, room_for_value_labels
from data_access.basis import basis_word, illustrative_pence, marked, side_word
from data_access.money import format_money
from data_access.text import numbered_apart, plotly_text


def _published(frame: pd.DataFrame, side: str) -> pd.Series:
    """Which rows have a published `side` figure: the query's `<side>_published`, else any non-zero, non-missing amount."""
    if f"{side}_published" in frame:
        return frame[f"{side}_published"].astype(bool)
    return frame[f"{side}_pence"].fillna(0) != 0


def _row_words(rows: pd.DataFrame, side: str) -> list[str]:
    return [basis_word(int(t), int(i)) for t, i in zip(rows[f"{side}_pence"].fillna(0), illustrative_pence(rows, side), strict=True)]


def _up_to(frame: pd.DataFrame, side: str) -> pd.Series:
    """Which rows' `side` sums hold an amount the source gives as a ceiling ("up to"): those are written "up to £X"."""
    column = f"{side}_up_to"
    return frame[column].fillna(False).astype(bool) if column in frame else pd.Series(False, index=frame.index)


def _money(pence: int, up_to: bool, *, short: bool = False) -> str:
    text = format_money(pence, short=short)
    return f"up to {text}" if up_to else text


def _sides(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The bars to draw: budget and spend, and grants awarded where the frame has any (the funding-stream view)."""
    sides = [("budget", "Budget", BLUE), ("spend", "Spend", ORANGE)]
    if "awarded_pence" in frame and frame["awarded_pence"].fillna(0).astype("int64").any():
        sides.append(("awarded", "Awarded in grants", GREEN))
    return sides


def _label(name: str, budget_word: str, spend_word: str) -> str:
    name = plotly_text(name)
    if budget_word and budget_word == spend_word:
        return f"{name} ({budget_word})"
    parts = [f"{side} {word}" for side, word in (("budget", budget_word), ("spend", spend_word)) if word]
    return f"{name} ({'; '.join(parts)})" if parts else name


# A bar's category name is wrapped to lines of this many characters (about 300 px at the charts' font size).
CATEGORY_LABEL_CHARS = 40


def _distinct_names(rows: pd.DataFrame, category: str) -> list[str]:
    """Each row's name as drawn, no two alike (`numbered_apart`): a priority of the same name in two Plans (an agreement
    let under the old Plan still paid in the new one's years) gets its Plan's title."""
    names = [str(n) for n in rows[category]]
    plans = [str(p) if isinstance(p, str) and p else "" for p in rows["plan"]] if "plan" in rows else [""] * len(names)
    repeated = {n for n, count in Counter(names).items() if count > 1}
    return numbered_apart([f"{n} ({plan})" if n in repeated and plan else n for n, plan in zip(names, plans, strict=True)])


def budget_and_spend_empty(frame: pd.DataFrame, *, subject: str, year_label: str) -> str | None:
    """Why there is no budget-and-spend chart to draw (no non-zero budget or spend in the frame), or None when there is one."""
    sides = [side for side, _, _ in _sides(frame)]
    if frame.empty or not any(frame[f"{side}_pence"].fillna(0).any() for side in sides):
        return f"No budget or spend is published for {subject} in {year_label}."
    return None


def budget_and_spend_figure(frame: pd.DataFrame, *, category: str, title: str) -> go.Figure:
    """Horizontal bars of budget and spend per category (priority or funding stream); illustrative bars hatched and labelled."""
    rows = frame.iloc[::-1]  # plotly draws the first category at the bottom
    words = {side: _row_words(rows, side) for side in ("budget", "spend")}
    labels = [_label(n, b, s) for n, b, s in zip(_distinct_names(rows, category), words["budget"], words["spend"], strict=True)]
    fig = go.Figure()
    for side, name, colour in _sides(rows):
        published = _published(rows, side)
        amounts = rows[f"{side}_pence"].fillna(0).astype("int64")
        up_to = _up_to(rows, side)
        side_words = words.get(side) or _row_words(rows, side)
        fig.add_bar(
            y=labels,
            x=amounts / 100,
            name=name,
            orientation="h",
            marker={
                "color": colour,
                "pattern": {
                    "shape": [ILLUSTRATIVE_PATTERN if w else "" for w in side_words],
                    "fgcolor": "#FFFFFF",
                    "fillmode": "overlay",
                },
            },
            text=[marked(_money(int(v), u, short=True), w) if v else "" for v, w, u in zip(amounts, side_words, up_to, strict=True)],
            customdata=[
                marked(_money(int(v), u), w) if p else "not published"
                for v, w, p, u in zip(amounts, side_words, published, up_to, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>" + name + ": %{customdata}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    # Long names (a priority with its Plan's title) written on several lines, so they do not take the plot's width;
    # the categories themselves stay whole, so each row is still known by its full name.
    lines = [textwrap.wrap(label, CATEGORY_LABEL_CHARS, break_long_words=False) or [label] for label in labels]
    tallest = max((len(wrapped) for wrapped in lines), default=1)
    if tallest > 1:
        fig.update_yaxes(tickmode="array", tickvals=labels, ticktext=["<br>".join(wrapped) for wrapped in lines])
    largest = max([int(rows[f"{side}_pence"].fillna(0).max()) for side, _, _ in _sides(rows)] + [1]) / 100 if len(rows) else 1
    fig.update_xaxes(tickprefix="£", separatethousands=True, title_text="Pounds", range=[0, largest * 1.02])
    fig = base_layout(fig, title=title, height=max(320, 90 + max(70, 10 + 20 * tallest) * len(rows)))
    return outline(room_for_value_labels(fig))


def budget_and_spend_takeaway(frame: pd.DataFrame, *, category: str, unlinked: str | None = None) -> str:
    """One sentence: the largest spend, its share, and spend linked to no priority when there is some; each sum marked with its basis."""
    spent = int(frame["spend_pence"].fillna(0).sum())
    budget = int(frame["budget_pence"].fillna(0).sum())
    budget_text = marked(_money(budget, bool(_up_to(frame, "budget").any())), side_word(frame, "budget"))
    awarded = int(frame["awarded_pence"].fillna(0).sum()) if "awarded_pence" in frame else 0
    awarded_text = marked(_money(awarded, bool(_up_to(frame, "awarded").any())), side_word(frame, "awarded")) if awarded else ""
    if spent == 0 and budget == 0:
        if awarded:
            return f"No budget or spend is recorded for this selection, but {awarded_text} has been awarded in grants."
        return "No budget or spend is recorded for this selection."
    if spent == 0:
        if awarded:
            return f"Budget of {budget_text} is recorded, but no spend; {awarded_text} has been awarded in grants."
        return f"Budget of {budget_text} is recorded, but no spend."
    ordered = frame.assign(_illustrative=illustrative_pence(frame, "spend")).sort_values("spend_pence", ascending=False)
    top = ordered.iloc[0]
    share = top["spend_pence"] / spent
    top_money = marked(format_money(int(top["spend_pence"])), basis_word(int(top["spend_pence"]), int(top["_illustrative"])))
    sentence = (
        f"{top[category]} had the largest spend, {top_money}: {share:.0%} of {marked(format_money(spent), side_word(frame, 'spend'))}."
    )
    if unlinked:
        loose_rows = frame[frame[category].astype(str).str.startswith(unlinked)]
        loose = int(loose_rows["spend_pence"].fillna(0).sum())
        if loose:
            sentence += f" {marked(format_money(loose), side_word(loose_rows, 'spend'))} of spend is linked to no Plan priority."
    if awarded:
        sentence += f" {awarded_text} has also been awarded in grants."
    return sentence


def money_flow_empty(flows: pd.DataFrame, *, subject: str, year_label: str, by_stream: pd.DataFrame | None = None) -> str | None:
    """Why there is no money-flow diagram to draw (no spend), or None when there is one; grants awarded from a stream
    (`by_stream`, the funding-stream view) are named, so "no spend" is never read as "no money"."""
    if not flows.empty and flows["amount_pence"].any():
        return None
    has_awards = by_stream is not None and "awarded_pence" in by_stream
    awarded = by_stream[by_stream["awarded_pence"].fillna(0) > 0] if by_stream is not None and has_awards else pd.DataFrame()
    if awarded.empty:
        return f"No spend is recorded for {subject} in {year_label}, so there is no money to follow."
    grants = "; ".join(
        f"{r.awards} grant{'s' if r.awards != 1 else ''} awarded from {r.funding_stream} add up to "
        + marked(_money(int(r.awarded_pence), bool(r.awarded_up_to)), basis_word(int(r.awarded_pence), int(r.awarded_illustrative_pence)))
        for r in awarded.itertuples()
    )
    return (
        f"No spend is recorded for {subject} in {year_label}, so no payment can be followed from funding stream to provider. "
        f"Money has been awarded, not yet shown as spent: {grants} (shown against the budget above)."
    )


# A node's name is wrapped to lines of this many characters: the middle column's names run right and the last
# column's run left, into one gap, so a long pair ran together ("Rehabilitations of offendersNorfolk Youth ...").
NODE_LABEL_CHARS = 16


def _lines(name: str) -> list[str]:
    """A node's name as lines of at most NODE_LABEL_CHARS characters; a longer word ("Re-offending", a web address)
    stays whole."""
    return textwrap.wrap(name, NODE_LABEL_CHARS, break_long_words=False, break_on_hyphens=False) or [name]


def _wrapped(name: str) -> str:
    return "<br>".join(plotly_text(line) for line in _lines(name))


def money_flow_figure(flows: pd.DataFrame, *, title: str) -> go.Figure:
    """A Sankey diagram: funding stream -> priority -> provider, link widths in pounds."""
    streams = list(dict.fromkeys(flows["funding_stream"]))
    priorities = list(dict.fromkeys(flows["priority"]))
    providers = list(dict.fromkeys(flows["provider"]))
    nodes = [f"{s} " for s in streams] + [f"{p}  " for p in priorities] + [f"{p}   " for p in providers]
    index = {name: i for i, name in enumerate(nodes)}  # trailing spaces keep a name used at two stages apart
    flows = flows.assign(illustrative_pence=illustrative_pence(flows, ""))
    first = flows.groupby(["funding_stream", "priority"], as_index=False, sort=False)[["amount_pence", "illustrative_pence"]].sum()
    second = flows.groupby(["priority", "provider"], as_index=False, sort=False)[["amount_pence", "illustrative_pence"]].sum()
    sources = [index[f"{s} "] for s in first["funding_stream"]] + [index[f"{p}  "] for p in second["priority"]]
    targets = [index[f"{p}  "] for p in first["priority"]] + [index[f"{p}   "] for p in second["provider"]]
    values = list(first["amount_pence"] / 100) + list(second["amount_pence"] / 100)
    links = pd.concat([first, second])
    notes = [basis_word(int(t), int(i)) for t, i in zip(links["amount_pence"], links["illustrative_pence"], strict=True)]
    node_notes = []
    for column, names in (("funding_stream", streams), ("priority", priorities), ("provider", providers)):
        sums = flows.groupby(column, sort=False)[["amount_pence", "illustrative_pence"]].sum()
        node_notes += [basis_word(int(sums.loc[n, "amount_pence"]), int(sums.loc[n, "illustrative_pence"])) for n in names]
    colours = [SEQUENCE[i % len(SEQUENCE)] for i in range(len(nodes))]
    fig = go.Figure(
        go.Sankey(
            node={
                "label": [_wrapped(n.strip()) for n in nodes],
                "color": colours,
                "pad": 18,
                "thickness": 18,
                "customdata": node_notes,
                "hovertemplate": "%{label}: £%{value:,.0f} %{customdata}<extra></extra>",
            },
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
    # Room for every wrapped name in the busiest column: its lines, and the gap between nodes.
    lines = [sum(len(_lines(n)) for n in names) for names in (streams, priorities, providers)]
    height = max(380, 80 + max(22 * count + 30 * len(names) for count, names in zip(lines, (streams, priorities, providers), strict=True)))
    return outline(base_layout(fig, title=title, height=height))


def money_flow_takeaway(flows: pd.DataFrame) -> str:
    """One sentence: which stream funds most, and where most of it goes."""
    if flows.empty:
        return "No spend is recorded for this selection, so there is no money to follow."
    flows = flows.assign(illustrative_pence=illustrative_pence(flows, ""))
    by_stream = flows.groupby("funding_stream")[["amount_pence", "illustrative_pence"]].sum().sort_values("amount_pence", ascending=False)
    by_provider = flows.groupby("provider")[["amount_pence", "illustrative_pence"]].sum().sort_values("amount_pence", ascending=False)
    total = int(flows["amount_pence"].sum())
    largest = by_provider.iloc[0]
    total_money = marked(format_money(total), basis_word(total, int(flows["illustrative_pence"].sum())))
    largest_money = marked(
        format_money(int(largest["amount_pence"])), basis_word(int(largest["amount_pence"]), int(largest["illustrative_pence"]))
    )
    return (
        f"{by_stream.index[0]} pays for {by_stream['amount_pence'].iloc[0] / total:.0%} of the {total_money} followed; "
        f"the largest recipient is {by_provider.index[0]}, with {largest_money}."
    )


def awards_note(by_stream: pd.DataFrame) -> str | None:
    """How grants awarded from a stream count against its budget, with what is committed, or None when the year has none."""
    if "awards" not in by_stream:
        return None
    rows = by_stream[by_stream["awards"].fillna(0) > 0]
    if rows.empty:
        return None
    parts = []
    for r in rows.itertuples():
        unvalued = int(r.awards) - int(r.awards_valued)
        awarded = _money(int(r.awarded_pence or 0), bool(r.awarded_up_to)) if r.awards_valued else "no published value"
        missing = f", {unvalued} of them with no published value" if unvalued and r.awards_valued else ""
        committed = (
            "" if r.committed_pence is None else f"; committed against the budget: {_money(int(r.committed_pence), bool(r.awarded_up_to))}"
        )
        parts.append(f"{r.funding_stream}: {r.awards} grant{'s' if r.awards != 1 else ''} awarded, {awarded}{missing}{committed}")
    return (
        "Grants awarded from a funding stream count against its budget in the year they start: awarded, not spent. "
        "Committed is the awards plus spend on anything else; a payment of one of those grants is the same money, so it is "
        "counted once. " + ". ".join(parts) + "."
    )


def unsplit_note(unsplit: pd.DataFrame) -> str | None:
    """Budgets over several years that are not split by year, so in no one year's figures, or None when there are none."""
    if unsplit.empty:
        return None
    listed = "; ".join(f"{r.funding_stream}: {r.text}" for r in unsplit.itertuples())
    return f"Not in any one year's figures, because the source does not split {'it' if len(unsplit) == 1 else 'them'} by year: {listed}."
