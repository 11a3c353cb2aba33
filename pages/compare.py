"""Compare areas: how does this area compare with similar ones, on one indicator, each area at its latest figure?"""

from datetime import date

import streamlit as st

from charts.compare import compare_empty, compare_figure
from data_access import compare, disclosure
from data_access.models import Audience
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import current_audience

f, audience = filters.current(), current_audience()
st.title(f"Compare areas: {safe_text(f.area_name)}")
st.caption(
    "Every area in the store on one indicator, highest first, each at its latest figure: the year or date beside each "
    "name says which. Averages are weighted (the members' totals divided, not their figures averaged)."
)
names = {i.id: i.name for i in compare.INDICATORS.values()}
chosen_id = filters.choice(
    "Indicator",
    names,
    key="compare_indicator",
    param="indicator",
    default=compare.DEFAULT_INDICATOR,
    what="an indicator this page compares",
    per_area=False,
)
indicator = compare.INDICATORS[chosen_id]

frame = cache.compare_areas(indicator=chosen_id, audience=audience, today=date.today())
groups = compare.groups_of(cache.area_groups(), f.area)
peers = set(groups["area_id"]) - {f.area}
averages = compare.group_averages(frame, groups, indicator)
shown = compare.display(frame, indicator, chosen=f.area, peers=peers)
scale = 100 if indicator.unit == "money" else 1
lines = [
    (f"{a['name']} {compare.average_text(indicator, a)}", a["value"] / scale) for a in averages.to_dict("records") if a["value"] is not None
]

st.header(indicator.name)
render.chart(
    compare_figure(shown, title=indicator.name, axis_title=compare.axis_title(indicator), chosen=f.area, peers=peers, averages=lines),
    alt=f"Bar chart of {indicator.name} by area, highest first; {f.area_name} crossed and labelled 'chosen area', "
    "members of its groups dotted and labelled 'same group'; dashed lines at the weighted averages.",
    takeaway=compare.takeaway(frame, averages, indicator, f.area),
    data=shown,
    columns={
        "rank": "Rank",
        "area": "Area",
        "marked": "Marked",
        "text": indicator.name,
        "when": "Year or date",
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "status": "Why not shown",
    },
    key="compare_chart",
    empty=compare_empty(frame, indicator_name=indicator.name),
)

missing = shown[shown["status"] != ""]
if len(missing):
    st.subheader("Not published")
    st.markdown("\n".join(f"- {safe_text(r.area)}: {safe_text(r.status)}" for r in missing.itertuples()))

st.subheader("Averages")
render.table(
    averages.assign(
        figure=[compare.average_text(indicator, a) for a in averages.to_dict("records")],
        areas=[f"{w} of {m}" for w, m in zip(averages["with_figure"], averages["members"], strict=True)],
    ),
    {"name": "Group", "kind": "Kind", "areas": "Areas with the figure", "figure": "Weighted average", "years": "Years"},
    key="compare_averages",
)
if groups.empty:
    st.caption(f"{safe_text(f.area_name)} is in no peer group in the store: add it to area_groups.csv to compare it with its group.")

st.subheader("Definition")
st.markdown(safe_text(indicator.definition))
if indicator.counts_people and audience == Audience.PUBLIC:
    st.caption(safe_text(disclosure.rule_in_words()))
render.sources_footer([*frame["citations"], *groups["citations"]], illustrative=bool(shown["illustrative"].any()) if len(shown) else False)
