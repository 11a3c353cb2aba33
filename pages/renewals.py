"""Contract renewals: which agreements end soon, what options are left, and what decision falls due."""

import pandas as pd
import streamlit as st

from charts.renewals import drawn_on_timeline, renewal_takeaway, renewal_timeline_empty, renewal_timeline_figure, undated_count
from data_access.basis import marked
from data_access.periods import format_date
from data_access.settings import get_settings
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import current_audience

f, audience, settings = filters.current(), current_audience(), get_settings()
red, amber = settings.expiry_red_months, settings.expiry_amber_months
st.title(f"Contract renewals: {safe_text(f.area_name)}")
st.caption(filters.as_at_caption(f))

renewals = cache.renewals(area=f.area, as_at=f.as_at, audience=audience, red_months=red, amber_months=amber)
amendments = cache.amendments(area=f.area, audience=audience)
milestones = cache.milestones(area=f.area, audience=audience)

counts = renewals["warning"].value_counts()
undated, undated_note = undated_count(renewals)  # every agreement with no end date, running or not
# Agreements whose status on the as-at date is not published (a later document of the area no longer lists them):
# listed on their own, not charted as running.
unknown = renewals[renewals["warning"] == "unknown"]
charted = renewals[renewals["warning"] != "unknown"]
unknown_sentence = (
    f" {len(unknown)} agreement{'s are' if len(unknown) != 1 else ' is'} not shown as running: "
    f"current status not published on {format_date(f.as_at)}."
    if len(unknown)
    else ""
)
render.kpi_row(
    [
        (f"Ending within {red} months (red)", f"{counts.get('red', 0)}", None),
        (f"Ending within {amber} months (amber)", f"{counts.get('amber', 0)}", None),
        ("Planned", f"{counts.get('planned', 0)}", "Agreements the source says are being commissioned."),
        ("No dates published", f"{undated}", undated_note),
        (
            "Current status not published",
            f"{counts.get('unknown', 0)}",
            "Listed only in an earlier document than the latest for this area, or not yet listed on the as-at date.",
        ),
    ]
)

drawn, not_drawn_sentence = drawn_on_timeline(charted, as_at=f.as_at)
st.header("Timeline")
render.chart(
    renewal_timeline_figure(
        drawn,
        amendments,
        milestones,
        as_at=f.as_at,
        red_months=red,
        amber_months=amber,
        title=f"Agreements in {f.area_name} by start and end",
    ),
    alt=f"Timeline of {f.area_name}'s contracts and grants: bars from start to current end, dotted to the latest possible end, "
    "diamonds for amendments, triangles for re-procurement steps, and a dashed line at the as-at date.",
    takeaway=renewal_takeaway(charted, as_at=f.as_at, red_months=red, amber_months=amber) + unknown_sentence + not_drawn_sentence,
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
    empty=(nothing + unknown_sentence) if (nothing := renewal_timeline_empty(renewals, area_name=f.area_name)) else None,
)

st.header("Decisions due")
st.caption("Sorted by current end date. The months left count from the as-at date.")
render.screen_only_caption("Click a column heading to sort by it.", key="renewals_sort")
due = renewals[renewals["warning"].isin(["red", "amber", "ok", "undated"])]
values = render.money_columns(due, {"annual_value_pence": "v"})["v"]
made_up = due["illustrative_fields"].map(lambda fields: "illustrative" if "annual_value" in str(fields or "") else "")
# Seven columns, not nine, so that the table fits the page at 1366 px: the months left go with the current end and the
# options used with the latest possible end. No end date: no months, never "None".
ends = [
    text if pd.isna(m) else f"{text} ({int(m)} month{'' if int(m) == 1 else 's'} left)"
    for text, m in zip(due["end_text"], due["months_to_end"], strict=True)
]
latest = [f"{text} (options used: {used})" for text, used in zip(due["latest_text"], due["options_text"], strict=True)]
due = due.assign(ends=ends, latest=latest, value=[marked(v, w) for v, w in zip(values, made_up, strict=True)])
render.table(
    due,
    {
        "title": "Agreement",
        "provider": "Provider",
        "timing": "Warning",
        "ends": "Current end",
        "latest": "Latest possible end",
        "value": "Annual value",
        "next_step": "Decision due",
    },
    key="renewals_due",
)

if len(unknown):
    st.header("Current status not published")
    st.caption(
        "Agreements with no published dates whose document a later one for this area has replaced: "
        "what happened to them is not published, so they are not counted as running."
    )
    render.table(unknown, {"title": "Agreement", "provider": "Provider", "next_step": "What is known"}, key="renewals_unknown")

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
