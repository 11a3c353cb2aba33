"""Overview: for the chosen area and year, what is commissioned, what ends soon, where the money goes,
and the few things a panel member should look at first."""

import streamlit as st

from charts.spend import budget_and_spend_empty, budget_and_spend_figure, budget_and_spend_takeaway
from data_access.basis import agreement_values_word, marked
from data_access.findings import Scope
from data_access.periods import fy_label
from data_access.queries import NOT_LINKED, annual_value_text
from data_access.settings import get_settings
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import current_audience

f, audience, settings = filters.current(), current_audience(), get_settings()
red, amber = settings.expiry_red_months, settings.expiry_amber_months
FIRST_FINDINGS = 6
st.title(f"Commissioning overview: {safe_text(f.area_name)}")
st.caption(filters.as_at_caption(f))

totals = cache.agreement_totals(area=f.area, as_at=f.as_at, audience=audience, red_months=red, amber_months=amber).iloc[0]
unpublished = int(totals["value_not_published"])
live = int(totals["live"])
no_value_published = live > 0 and unpublished == live
render.kpi_row(
    [
        (
            marked("Annual value of live agreements", "" if no_value_published else agreement_values_word(totals)),
            # With no agreement known to be running, there is nothing to add up: a sum of nothing is not £0 of services.
            "none known" if live == 0 else "not published" if no_value_published else annual_value_text(totals),
            "No agreement is known to be running on this date."
            if live == 0
            else f"Sum of published annual values; {unpublished} live agreement(s) have no published value."
            if unpublished
            else "Sum of published annual values.",
        ),
        (
            "Live agreements",
            f"{live}",
            "Contracts and grants running on the as-at date (undated ones count as running while the document that lists "
            "them is the latest for this area).",
        ),
        (f"Ending within {red} months", f"{int(totals['ending_within_red'])}", None),
        (f"Ending within {amber} months", f"{int(totals['ending_within_amber'])}", None),
    ]
)
if unpublished:
    st.caption(f"{unpublished} live agreement(s) have no published value, so the total above leaves them out.")
if not_known := int(totals["status_not_published"]):
    st.caption(
        f"{not_known} agreement(s) with no published dates are not counted as live: a later document for this area no longer "
        "lists them (or none listed them yet on this date), so their current status is not published. See Contract renewals."
    )

render.group_standing(f.area, audience)

st.header("Look at these first")
found = cache.findings_frame(
    area=f.area, year=f.year, as_at=f.as_at, audience=audience, scope=Scope.SCRUTINY, red_months=red, amber_months=amber
)
if found.empty:
    st.success("Nothing stands out in the figures for this area, year and date.")
else:
    render.finding_list(found.head(FIRST_FINDINGS))
    if len(found) > FIRST_FINDINGS:
        st.caption(f"The {FIRST_FINDINGS} most serious of {len(found)} findings; meeting mode and the briefing list them all.")
    render.sources_footer(found["citations"], illustrative=bool(found.head(FIRST_FINDINGS)["illustrative"].any()))

st.header(f"Spend by Plan priority, {fy_label(f.year)}")
by_priority = cache.budget_and_spend_by_priority(area=f.area, year=f.year, audience=audience)
render.chart(
    budget_and_spend_figure(by_priority, category="priority", title=f"Budget and spend by priority, {f.area_name}, {fy_label(f.year)}"),
    alt=f"Bar chart of budget and spend by Police and Crime Plan priority for {f.area_name}, {fy_label(f.year)}.",
    takeaway=budget_and_spend_takeaway(by_priority, category="priority", unlinked=NOT_LINKED),
    data=render.money_columns(by_priority, {"budget_pence": "Budget", "spend_pence": "Spend"}).assign(
        Illustrative=by_priority["illustrative"].map({True: "illustrative", False: ""})
    ),
    columns={"priority": "Priority", "plan": "Plan", "Budget": "Budget", "Spend": "Spend", "Illustrative": "Basis"},
    key="overview_priority_chart",
    empty=budget_and_spend_empty(by_priority, subject=f.area_name, year_label=fy_label(f.year)),
)
