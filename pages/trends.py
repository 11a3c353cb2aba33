"""Trends: how has this area's money changed? Budget and spend for every financial year side by side, by Plan priority
or by funding stream, on the spend page's own definitions (`queries.*_trend`)."""

import pandas as pd
import streamlit as st

from charts.performance import service_choices, with_service
from charts.trends import (
    MAX_SERVICES_DRAWN,
    amount_text,
    measure_empty,
    measure_figure,
    measure_takeaway,
    trend_empty,
    trend_figure,
    trend_table,
    trend_takeaway,
)
from data_access import disclosure
from data_access.models import Audience
from data_access.periods import fy_label
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import current_audience

f, audience = filters.current(), current_audience()
public = audience == Audience.PUBLIC
st.title(f"Trends: {safe_text(f.area_name)}")
years = cache.financial_years(area=f.area, audience=audience)
VIEWS = {"priority": "By Plan priority", "stream": "By funding stream"}
view = filters.choice("View", VIEWS, key="trends_view", param="view", default="priority", what="a view this page shows", per_area=False)
# An area may have performance figures and no money recorded: its measures below are still drawn.
if not years:
    st.info(f"No budget or spend is recorded for {safe_text(f.area_name)} in any financial year.")
else:
    st.caption(
        f"Every financial year with figures for {safe_text(f.area_name)}: {', '.join(fy_label(y) for y in years)}. Each year's "
        "figure is the one the spend page shows for that year: parts (“of which”) are never added to their whole, a budget "
        "over several years counts in a year only where the source splits it evenly, and a year with no figure is a gap, "
        "never 0." + (" Published figures only." if public else "")
    )
    if view == "priority":
        frame = cache.budget_and_spend_by_priority_trend(area=f.area, audience=audience, published_only=public)
        category, what, heading = "priority", "priority", "Priority"
    else:
        frame = cache.budget_and_spend_by_funding_stream_trend(area=f.area, audience=audience, published_only=public)
        category, what, heading = "funding_stream", "funding stream", "Funding stream"
    table = trend_table(frame, category=category)
    span = f"{fy_label(years[0])} to {fy_label(years[-1])}" if len(years) > 1 else fy_label(years[0])
    for side, word in (("spend", "Spend"), ("budget", "Budget")):
        st.header(f"{word} {VIEWS[view][0].lower()}{VIEWS[view][1:]}")
        render.chart(
            trend_figure(frame, category=category, side=side, years=years, title=f"{word} by {what}, {span}"),
            alt=f"Line chart of {word.lower()} by {what} for {f.area_name}, one line per {what}, one point per financial year.",
            takeaway=trend_takeaway(frame, category=category, side=side, what=what),
            data=table,
            columns={"year": "Year", "category": heading, "budget": "Budget", "spend": "Spend", "basis": "Basis"},
            key=f"trends_{side}_chart",
            empty=trend_empty(frame, side=side, subject=f.area_name),
        )

    st.header("Live agreements at each year end")
    ends = cache.live_agreements_at_year_ends(area=f.area, audience=audience, published_only=public)
    ends_table = ends.assign(
        year=[fy_label(int(y)) for y in ends["financial_year"]],
        on=[render.short_date(d) for d in ends["year_end"]],
        value=[
            amount_text(v, illustrative=i > 0, up_to=bool(u))
            for v, i, u in zip(ends["annual_value_pence"], ends["illustrative_pence"], ends["up_to"], strict=True)
        ],
        illustrative=ends["illustrative_pence"] > 0,
    )
    render.table(
        ends_table,
        {
            "year": "Financial year",
            "on": "Year end",
            "live": "Live agreements",
            "value": "Published annual value",
            "value_not_published": "Live with no published value",
            "undated": "Undated (not counted as live)",
        },
        key="trends_live_table",
    )
    st.caption(
        "Live: running on 31 March by its published dates, the overview's and renewals page's rule. An agreement with no "
        "published end date is not counted as live at a year end; the last column says how many there were."
    )
    render.sources_footer(ends["citations"])  # the charts above list their own sources

st.header("Measures across years and quarters")
if public:
    performance = cache.published_performance(area=f.area, audience=audience)
    performance = performance.assign(value=performance["shown_value"], text=performance["shown_text"])
else:
    performance = cache.observations(area=f.area, audience=audience)
    performance = performance.assign(
        text=[
            f"{v:,.10g}" + (f" ({s})" if isinstance(s, str) and s else "") + (" (illustrative)" if b == "illustrative" else "")
            for v, s, b in zip(performance["value"], performance["value_statement"], performance["basis"], strict=True)
        ]
    )
performance = performance[performance["dimension"].fillna("") == ""]  # whole figures: breakdowns are on the performance page
measures = dict(zip(performance["measure_id"], performance["measure"], strict=True))
if not measures:
    st.info(f"No performance figure is recorded for {safe_text(f.area_name)}.")
else:
    chosen = filters.choice(
        "Measure", measures, key="trends_measure", param="measure", default=next(iter(measures)), what="a measure of this area"
    )
    series = with_service(performance[performance["measure_id"] == chosen].sort_values(["agreement", "period_start", "period_end"]))
    if series["service"].nunique() > MAX_SERVICES_DRAWN:
        services, most = service_choices(series)
        service = filters.choice(
            "Service", services, key="trends_service", param="service", default=most, what=f"a service reporting {measures[chosen]}"
        )
        st.caption(
            f"{len(services)} services report {safe_text(measures[chosen])}, more lines than one chart can show: one service "
            "at a time, the one with the most figures first. The link keeps the choice."
        )
        series = series[series["service"] == service]
    series = series.assign(
        target_text=[
            (f"{t:,.10g}" + (" (illustrative)" if b == "illustrative" else "")) if pd.notna(t) else "not published"
            for t, b in zip(series["target"], series["target_basis"], strict=True)
        ]
    )
    render.chart(
        measure_figure(series, title=f"{measures[chosen]}, by period", axis_title=measures[chosen]),
        alt=f"Line chart of {measures[chosen]} for {f.area_name} by period, one line per agreement, targets dashed.",
        takeaway=measure_takeaway(series, measure=measures[chosen]),
        data=series,
        columns={"period": "Period", "agreement": "Agreement", "text": "Figure", "target_text": "Target"},
        key="trends_measure_chart",
        empty=measure_empty(series, measure=measures[chosen]),
    )
    if public:
        st.caption(safe_text(disclosure.rule_in_words()))
