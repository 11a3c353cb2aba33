"""How services perform: for a resident, the performance figures the Commissioner's office has published for the
services it pays for: counts from published documents as published, counts of people from internal returns
protected by disclosure control, and the rule stated in words.
Published facts only, whoever is looking: this is the public page."""

import streamlit as st

from data_access import disclosure, exporting, public
from data_access.models import Audience
from data_access.text import safe_text
from ui import cache, filters, render

PUBLIC = Audience.PUBLIC  # never the viewer's own audience: panel and staff see what a resident sees
f = filters.current()
st.title(f"How services perform: {safe_text(f.area_name)}")
st.markdown(
    f"The Police and Crime Commissioner for {safe_text(f.area_name)} pays for services such as support for victims of sexual "
    "violence and programmes that work with offenders. Below are the figures the Commissioner's office has published "
    "about how those services are doing: how many people they worked with, and how well."
)
st.info(f"**How we protect the people behind these figures.** {disclosure.rule_in_words()}", icon=":material/shield_person:")

figures = cache.published_performance(area=f.area, audience=PUBLIC)
if figures.empty:
    st.info(f"No performance figures are published for {safe_text(f.area_name)}.")
    st.stop()

table = public.performance_table(figures)
render.kpi_row(
    [
        ("Services with published figures", f"{figures['agreement'].nunique()}", None),
        ("Figures published", f"{len(figures)}", None),
        (
            "Counts as published",
            f"{(figures['disclosure_note'] == disclosure.AS_PUBLISHED).sum()}",
            "Counts taken from a published document, shown exactly as it gives them.",
        ),
        (
            "Counts rounded",
            f"{(figures['disclosure_note'] == disclosure.rounded_note()).sum()}",
            "Counts of people from returns that are not published: " + disclosure.rounded_note() + ".",
        ),
        ("Figures hidden", f"{(figures['shown_value'].isna() & (figures['disclosure_note'] != '')).sum()}", "Hidden to protect people."),
    ]
)

st.header("Published figures")
st.caption("Each figure with the period it covers and how the source states it. Percentages and rates are shown as published.")
render.text_table(
    table, key="transparency_services_figures", alt=f"Published performance figures for {f.area_name}, after disclosure control"
)

st.header("Download this data")
st.caption(
    "Free to reuse under the Open Government Licence. The downloads hold the same figures as this page: as published, rounded or hidden."
)
download = exporting.performance_download(figures)
render.download_row("Service performance", download, f"{f.area}-service-performance")

render.sources_footer(figures["citations"])
