"""Spend against priorities: is the money going where the Police and Crime Plan says it should?
Budget and spend by plan priority and by funding stream, spend linked to no priority, and the money's path."""

import streamlit as st

from charts.spend import (
    awards_note,
    budget_and_spend_empty,
    budget_and_spend_figure,
    budget_and_spend_takeaway,
    money_flow_empty,
    money_flow_figure,
    money_flow_takeaway,
    unsplit_note,
)
from data_access.periods import fy_label
from data_access.queries import NOT_LINKED
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import current_audience

f, audience = filters.current(), current_audience()
year = fy_label(f.year)
st.title(f"Spend against priorities: {safe_text(f.area_name)}, {year}")
if f.priority_name:
    st.caption(f"Showing one priority: {safe_text(f.priority_name)}.")

BASIS = {True: "illustrative", False: ""}

st.header("By Plan priority")
by_priority = cache.budget_and_spend_by_priority(area=f.area, year=f.year, audience=audience, priority=f.priority)
render.chart(
    budget_and_spend_figure(by_priority, category="priority", title=f"Budget and spend by priority, {year}"),
    alt=f"Bar chart of budget and spend by Police and Crime Plan priority for {f.area_name}, {year}.",
    takeaway=budget_and_spend_takeaway(by_priority, category="priority", unlinked=NOT_LINKED),
    data=render.money_columns(by_priority, {"budget_pence": "Budget", "spend_pence": "Spend"}).assign(
        Basis=by_priority["illustrative"].map(BASIS)
    ),
    columns={"priority": "Priority", "plan": "Plan", "Budget": "Budget", "Spend": "Spend", "Basis": "Basis"},
    key="spend_priority_chart",
    empty=budget_and_spend_empty(by_priority, subject=f.priority_name or f.area_name, year_label=year),
)
st.caption(
    "Spend reaches a priority through the shares of the agreement it pays for; spend with no such link is shown as "
    f"“{NOT_LINKED}”. Budget allocated to a funding stream rather than a priority is shown on its own row."
)

st.header("By funding stream")
by_stream = cache.budget_and_spend_by_funding_stream(area=f.area, year=f.year, audience=audience)
awarded = bool(by_stream["awards"].any())  # grants awarded from a stream this year: shown beside its budget
render.chart(
    budget_and_spend_figure(
        by_stream,
        category="funding_stream",
        title=f"Budget{', spend and grants awarded' if awarded else ' and spend'} by funding stream, {year}",
    ),
    alt=f"Bar chart of budget{', spend and grants awarded' if awarded else ' and spend'} by funding stream for {f.area_name}, {year}.",
    takeaway=budget_and_spend_takeaway(by_stream, category="funding_stream"),
    data=render.stream_money(by_stream).assign(Basis=by_stream["illustrative"].map(BASIS)),
    columns={"funding_stream": "Funding stream", "funder": "Funder", "Budget": "Budget", "Spend": "Spend"}
    | ({"Awarded in grants": "Awarded in grants", "Committed": "Committed against budget"} if awarded else {})
    | {"Basis": "Basis"},
    key="spend_stream_chart",
    empty=budget_and_spend_empty(by_stream, subject=f.area_name, year_label=year),
)
for note in (awards_note(by_stream), unsplit_note(cache.unsplit_budgets(area=f.area, year=f.year, audience=audience))):
    if note:
        st.caption(safe_text(note))

st.header("Where the money goes")
flows = cache.money_flow(area=f.area, year=f.year, audience=audience)
render.chart(
    money_flow_figure(flows, title=f"From funding stream to priority to provider, {year}"),
    alt=f"Flow diagram of {year} spend in {f.area_name} from funding stream, through Plan priority, to provider.",
    takeaway=money_flow_takeaway(flows),
    data=render.money_columns(flows, {"amount_pence": "Amount"}).assign(Basis=flows["illustrative"].map(BASIS), citations=""),
    columns={"funding_stream": "Funding stream", "priority": "Priority", "provider": "Provider", "Amount": "Amount", "Basis": "Basis"},
    key="spend_flow_chart",
    empty=money_flow_empty(flows, subject=f.area_name, year_label=year, by_stream=by_stream),
)
if not flows.empty:
    render.sources_footer(by_priority["citations"])
