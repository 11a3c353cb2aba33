"""Provider performance: are commissioned services delivering? Each measure per period against its target,
breakdowns such as referrals by source, and cost per referral where spend and referrals are both known."""

import streamlit as st

from charts.performance import (
    breakdown_empty,
    breakdown_figure,
    breakdown_takeaway,
    measure_takeaway,
    measure_trend_empty,
    measure_trend_figure,
    value_text,
)
from data_access.disclosure import rule_in_words
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import fy_label
from data_access.public import figure_text
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import current_audience

f, audience = filters.current(), current_audience()
st.title(f"Provider performance: {safe_text(f.area_name)}")

public = audience is Audience.PUBLIC
if public:
    # Only published figures, with counts of people under the disclosure rule (as published from a public document).
    observations = cache.published_performance(area=f.area, audience=audience).rename(columns={"shown_value": "value"})
    st.info(rule_in_words(), icon=":material/shield_person:")
else:
    observations = cache.observations(area=f.area, audience=audience)
    st.warning("Exact figures, including small counts of people: not for publication.", icon=":material/lock:")
if observations.empty:
    st.info(
        f"No performance figures are published for {safe_text(f.area_name)}. Ask which measures the Commissioner receives for each service."
    )
    st.stop()

plain = observations[observations["dimension"] == ""]
stated = plain[(plain["basis"] != "illustrative") & plain["quarter"].isna()]
st.header("Figures as published")
st.caption("Each figure as the source states it, with the period it covers.")
render.table(
    stated.assign(
        shown=[
            figure_text(v, u, t, bool(p))
            for v, u, t, p in zip(stated["value"], stated["unit"], stated["shown_text"], stated["counts_people"], strict=True)
        ]
        if public
        else [value_text(v, u) for v, u in zip(stated["value"], stated["unit"], strict=True)]
    ),
    {
        "measure": "Measure",
        "shown": "Value",
        "value_statement": "As stated",
        "period": "Period",
        "agreement": "Service",
        "provider": "Provider",
    }
    | ({"disclosure_note": "Disclosure control"} if public else {}),
    key="performance_published",
)
render.sources_footer(stated["citations"])

series_list = [(key, s) for key, s in plain[plain["quarter"].notna()].groupby(["measure", "agreement"], sort=False)]
if series_list:
    st.header("Per quarter against target")
for (measure, agreement), series in series_list:
    render.chart(
        measure_trend_figure(series, title=f"{measure}: {agreement}"),
        alt=f"Bar chart of {measure.lower()} per quarter for {agreement}, with the target marked.",
        takeaway=measure_takeaway(series),
        data=series.assign(target_shown=series["target"].map(lambda t: f"{t:g}" if t == t else "none set")),
        columns={"period": "Quarter", "value": "Value", "target_shown": "Target", "basis": "Basis", "basis_note": "Note"},
        key=f"performance_{series['measure_id'].iloc[0]}_{agreement}",
        empty=measure_trend_empty(series, name=f"{measure} ({agreement})"),
    )

breakdowns = observations[observations["dimension"] != ""]
if not breakdowns.empty:
    st.header("Breakdowns")
for (measure, dimension, period), parts in breakdowns.groupby(["measure", "dimension", "period"], sort=False):
    render.chart(
        breakdown_figure(parts, title=f"{measure}, {period}"),
        alt=f"Bar chart of {measure.lower()} by {dimension}, {period}.",
        takeaway=breakdown_takeaway(parts),
        data=parts,
        columns={"dimension_value": dimension.capitalize(), "value": "Value", "agreement": "Service", "basis": "Basis"},
        key=f"performance_breakdown_{parts['measure_id'].iloc[0]}_{dimension}",
        empty=breakdown_empty(parts, name=f"{measure.lower()} by {dimension}, {period}"),
    )

st.header("Cost per unit")
costs = (cache.published_cost_per_unit if public else cache.cost_per_unit)(area=f.area, audience=audience)
if costs.empty:
    st.info("Cost per referral needs a service's spend and its referrals for the same year; no service here has both.")
else:
    costs = costs.assign(
        year=costs["financial_year"].map(fy_label),
        spend=costs["spend_pence"].map(format_money),
        # Public: from the shown count, and hidden with it (public.published_cost_per_unit).
        per_unit=costs["cost_per_unit_pence"].map(lambda p: "hidden with its count" if p is None or p != p else format_money(int(p))),
        units_shown=costs["units_text"] if public else costs["units"].map(lambda u: f"{u:,.0f}"),
        basis=costs["illustrative"].map({True: "illustrative", False: ""}),
    )
    render.table(
        costs,
        {
            "agreement": "Service",
            "measure": "Per",
            "year": "Year",
            "spend": "Spend",
            "units_shown": "Number",
            "per_unit": "Cost each",
            "basis": "Basis",
        },
        key="performance_costs",
    )
    render.sources_footer(costs["citations"], illustrative=bool(costs["illustrative"].any()))
