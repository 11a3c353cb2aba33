"""Provider performance: are commissioned services delivering? Each measure per period against its target,
breakdowns such as referrals by source, and cost per referral where spend and referrals are both known."""

import streamlit as st

from charts.performance import (
    breakdown_empty,
    breakdown_figure,
    breakdown_periods,
    breakdown_takeaway,
    charted_figures,
    in_period,
    measure_choices,
    measure_takeaway,
    measure_trend_empty,
    measure_trend_figure,
    service_choices,
    value_text,
    without_period,
)
from data_access.disclosure import AS_PUBLISHED, rule_in_words
from data_access.measures import format_target
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


def shown_values(rows):
    """Each value as written on screen, with the decimals it was published with; the public's after disclosure control."""
    if public:
        return [
            figure_text(v, u, t, bool(p))
            for v, u, t, p in zip(rows["value"], rows["unit"], rows["shown_text"], rows["counts_people"], strict=True)
        ]
    return [value_text(v, u) for v, u in zip(rows["value"], rows["unit"], strict=True)]


# Public: a blank note is a figure shown as the source gives it.
notes = {"disclosure_note": "Disclosure control"} if public else {}
if public:
    observations = observations.assign(disclosure_note=observations["disclosure_note"].replace("", AS_PUBLISHED))
value_heading = "Value" if public else f"Value ({AS_PUBLISHED})"  # the public's counts of people may be rounded: see the note
plain = observations[observations["dimension"] == ""]
stated = plain[(plain["basis"] != "illustrative") & plain["quarter"].isna()]
st.header("Figures as published")
st.caption("Each figure as the source states it, with the period it covers. Percentages keep the decimals they were published with.")
render.table(
    stated.assign(shown=shown_values(stated)),
    {
        "measure": "Measure",
        "shown": value_heading,
        "value_statement": "As stated",
        "period": "Period",
        "agreement": "Service",
        "provider": "Provider",
    }
    | notes,
    key="performance_published",
)
render.sources_footer(stated["citations"])

# --- the charts, one service at a time ----------------------------------------------------------------------------
# A store of many services would otherwise draw hundreds of charts on one page (264 for one area of the 5-area
# benchmark store), so a reader chooses a service, and one of its measures or all of them, kept in the link.
charted = charted_figures(observations)
st.header("Per quarter, and broken down")
if charted.empty:
    st.info("None of these figures is a quarterly series or a breakdown, so there is nothing to chart: each is in the table above.")
else:
    st.caption("One service at a time: choose it, and one of its measures or all of them. The link keeps the choice.")
    service_column, measure_column, period_column = st.columns(3)
    services, most = service_choices(charted)
    service = filters.choice(
        "Service",
        services,
        key="performance_service",
        param="service",
        default=most,  # the service with the most to chart
        what=f"a service with performance figures for {f.area_name}",
        container=service_column,
    )
    mine = charted[charted["service"] == service]
    measures = measure_choices(mine)
    every = next(iter(measures))
    measure = filters.choice(
        "Measure",
        measures,
        key="performance_measure",
        param="measure",
        default=every,
        what=f"a measure charted for {services[service]}",
        in_link=False,
        container=measure_column,
    )
    if measure != every:
        mine = mine[mine["measure_id"] == measure]
    quarterly = mine[(mine["dimension"] == "") & mine["quarter"].notna()]
    breakdowns = mine[mine["dimension"] != ""]
    # One period at a time, the latest first: a service may publish a breakdown for every quarter of ten years.
    periods = breakdown_periods(breakdowns)
    not_in_period: list[str] = []
    if len(periods) > 1:
        period = filters.choice(
            "Breakdown period",
            periods,
            key="performance_period",
            param="period",
            default=next(iter(periods)),
            what=f"a period with a breakdown for {services[service]}",
            in_link=False,
            container=period_column,
        )
        not_in_period = without_period(breakdowns, period)
        breakdowns = in_period(breakdowns, period)
    else:
        st.query_params.pop("period", None)  # no choice of period here: a link's, from another choice, means nothing

    if not quarterly.empty:
        st.subheader("Per quarter against target")
    # Keys are numbered, not built from the data: two series or breakdowns can share every name a page could use.
    for n, (_, series) in enumerate(quarterly.groupby("measure_id", sort=False)):
        measure_name, agreement = series["measure"].iloc[0], series["agreement"].iloc[0]
        render.chart(
            measure_trend_figure(series, title=f"{measure_name}: {agreement}"),
            alt=f"Bar chart of {measure_name.lower()} per quarter for {agreement}, with the target marked where one is published.",
            takeaway=measure_takeaway(series),
            data=series.assign(
                shown=shown_values(series),
                target_shown=[format_target(t, u) for t, u in zip(series["target"], series["unit"], strict=True)],
            ),
            columns={"period": "Quarter", "shown": value_heading, "target_shown": "Target", "basis": "Basis", "basis_note": "Note"} | notes,
            key=f"performance_trend_{n}",
            empty=measure_trend_empty(series, name=f"{measure_name} ({agreement})"),
        )

    if not breakdowns.empty or not_in_period:
        st.subheader("Breakdowns")
    for n, (_, parts) in enumerate(breakdowns.groupby(["measure_id", "dimension"], sort=False)):
        measure_name, agreement, dimension, period_label = (parts[c].iloc[0] for c in ("measure", "agreement", "dimension", "period"))
        columns = {"value_shown": value_heading, "agreement": "Service", "basis": "Basis"} | notes
        render.chart(
            breakdown_figure(parts, title=f"{measure_name}, {agreement}, {period_label}"),
            alt=f"Bar chart of {measure_name.lower()} by {dimension} for {agreement}, {period_label}.",
            takeaway=breakdown_takeaway(parts),
            data=parts.assign(value_shown=shown_values(parts)),
            columns={"dimension_value": render.breakdown_heading(dimension, columns.values())} | columns,
            key=f"performance_breakdown_{n}",
            empty=breakdown_empty(parts, name=f"{measure_name.lower()} by {dimension} for {agreement}, {period_label}"),
        )
    for name in not_in_period:
        st.info(safe_text(f"{name}: not published for this period; choose another breakdown period above."), icon=":material/info:")

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
