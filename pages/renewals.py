"""Contract renewals: which agreements end soon, what options are left, and what decision falls due."""

import streamlit as st

from charts.renewals import renewal_takeaway, renewal_timeline_empty, renewal_timeline_figure
from data_access.basis import marked
from data_access.settings import get_settings
from ui import filters, render
from ui.audience import current_audience
from ui.cache import cached

f, audience, settings = filters.current(), current_audience(), get_settings()
red, amber = settings.expiry_red_months, settings.expiry_amber_months
st.title(f"Contract renewals: {f.area_name}")
st.caption(filters.as_at_caption(f))

renewals = cached("renewals", area=f.area, as_at=f.as_at, audience=audience, red_months=red, amber_months=amber)
amendments = cached("amendments", area=f.area, audience=audience)
milestones = cached("milestones", area=f.area, audience=audience)

counts = renewals["warning"].value_counts()
render.kpi_row(
    [
        (f"Ending within {red} months (red)", f"{counts.get('red', 0)}", None),
        (f"Ending within {amber} months (amber)", f"{counts.get('amber', 0)}", None),
        ("Planned", f"{counts.get('planned', 0)}", "Agreements the source says are being commissioned."),
        ("No dates published", f"{counts.get('undated', 0)}", None),
    ]
)

st.header("Timeline")
render.chart(
    renewal_timeline_figure(
        renewals,
        amendments,
        milestones,
        as_at=f.as_at,
        red_months=red,
        amber_months=amber,
        title=f"Agreements in {f.area_name} by start and end",
    ),
    alt=f"Timeline of {f.area_name}'s contracts and grants: bars from start to current end, dotted to the latest possible end, "
    "diamonds for amendments, triangles for re-procurement steps, and a dashed line at the as-at date.",
    takeaway=renewal_takeaway(renewals, as_at=f.as_at, red_months=red, amber_months=amber),
    data=renewals,
    columns={
        "title": "Agreement",
        "provider": "Provider",
        "start_text": "Start",
        "end_text": "Current end",
        "latest_text": "Latest possible end",
        "options_text": "Options used",
        "timing": "Status",
    },
    key="renewals_timeline",
    empty=renewal_timeline_empty(renewals, area_name=f.area_name),
)

st.header("Decisions due")
st.caption("Sorted by current end date; click a column heading to sort by it. “Months left” counts from the as-at date.")
due = renewals[renewals["warning"].isin(["red", "amber", "ok", "undated"])]
values = render.money_columns(due, {"annual_value_pence": "v"})["v"]
made_up = due["illustrative_fields"].map(lambda fields: "illustrative" if "annual_value" in str(fields or "") else "")
due = due.assign(months=due["months_to_end"], value=[marked(v, w) for v, w in zip(values, made_up, strict=True)])
render.table(
    due,
    {
        "title": "Agreement",
        "provider": "Provider",
        "timing": "Warning",
        "end_text": "Current end",
        "months": "Months left",
        "options_text": "Options used",
        "latest_text": "Latest possible end",
        "value": "Annual value",
        "next_step": "Decision due",
    },
    key="renewals_due",
)

st.header("Amendments")
if amendments.empty:
    st.info("No extensions, variations or terminations are recorded for this area.")
else:
    render.table(
        amendments.assign(
            agreed=amendments["agreed_on"].map(render.short_date),
            before=amendments["previous_end_date"].map(render.short_date),
            after=amendments["new_end_date"].map(render.short_date),
        ),
        {"agreement": "Agreement", "kind": "Kind", "agreed": "Agreed", "before": "End before", "after": "End after", "rationale": "Why"},
        key="renewals_amendments",
    )
    render.sources_footer(amendments["citations"])
if not milestones.empty:
    st.header("Re-procurement and decision steps")
    render.table(
        milestones.assign(date=milestones["on"].map(render.short_date)),
        {"agreement": "Agreement", "date": "Date", "kind": "Kind", "title": "Step"},
        key="renewals_milestones",
    )
    render.sources_footer(milestones["citations"])
