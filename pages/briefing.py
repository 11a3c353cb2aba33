"""Briefing pack: for the Commissioner and OPCC officers before the panel meets, a one-page summary of an area at
a date (key totals, what ends soon, what is off target, the red flags and the questions they raise), written
from the figures and downloadable as an accessible one-page PDF, with an appendix of charts and full tables on
request. For panel members and OPCC staff only."""

import streamlit as st

from charts.briefing import briefing_chart_images
from data_access.briefing import LATEST_FIGURE_COLUMNS, NOT_FOR_PUBLICATION, briefing_pdf, file_name
from data_access.models import Audience
from data_access.periods import fy_label
from data_access.public import plain_text
from data_access.settings import get_settings
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import require
from ui.print import live_link

audience = require(Audience.PANEL, Audience.STAFF)
f, settings = filters.current(), get_settings()


st.title(f"Briefing pack: {safe_text(f.area_name)}")
st.caption(f"{filters.as_at_caption(f)} Financial year {fy_label(f.year)}.")
st.warning(NOT_FOR_PUBLICATION, icon=":material/lock:")
pack = cache.briefing_summary(
    area=f.area,
    as_at=f.as_at,
    audience=audience,
    year=f.year,
    red_months=settings.expiry_red_months,
    amber_months=settings.expiry_amber_months,
    as_at_reason=f.as_at_reason,
)

for row in (pack.key_figures[:3], pack.key_figures[3:]):
    render.kpi_row([(k.label, k.value, k.note or None) for k in row])


appendix = st.checkbox(
    "Add the appendix: charts and every table in full",
    key="briefing_appendix",
    help="Without it the pack is one A4 page: the key figures, what ends soon, what is off target and the first red flags, "
    "with the rest counted. The appendix adds further pages listing every agreement and every red flag.",
)
link = live_link()


def build_pdf() -> bytes:
    """Drawn on request: the charts (appendix only) start a browser, which takes a few seconds."""
    images, note = briefing_chart_images(pack) if appendix else ([], "")
    return briefing_pdf(pack, charts=images, charts_note=note, appendix=appendix, live_link=link)


st.download_button(
    "Download the briefing pack (PDF)",
    build_pdf,
    file_name(pack, appendix=appendix),
    "application/pdf",
    key="briefing_pdf",
    on_click="ignore",
    type="primary",
    icon=":material/picture_as_pdf:",
    help="A tagged, accessible PDF: one A4 page, with the appendix (charts, tables and sources in full) when ticked above.",
)

st.header("Summary")
for sentence in pack.narrative:
    st.markdown(plain_text(sentence))
if pack.illustrative:
    st.caption(render.ILLUSTRATIVE_NOTE)

st.header("Questions to put to the Commissioner first")
if pack.flags.empty:
    st.success("No red flags are raised by the figures for this area and date.")
render.finding_list(pack.flags.head(5))

# Plain tables, not interactive grids: a short pack read once, by screen readers too. st.table renders Markdown in
# cells, so every value goes through plain_text and a provider's name is shown exactly as written.
st.header(f"Ending within {pack.amber_months} months")
if pack.ending.empty:
    st.info(f"No live agreement ends within {pack.amber_months} months of the as-at date.")
else:
    ending = {
        "title": "Agreement",
        "provider": "Provider",
        "end_text": "Current end",
        "options_text": "Options used",
        "next_step": "Decision due",
    }
    render.text_table(pack.ending[list(ending)].rename(columns=ending), key="briefing_ending")

st.header("Latest performance figures")
st.caption("Each measure's latest figure for each service, as published: percentages keep the decimals the source gives.")
if pack.performance.empty:
    st.info("No performance figure is recorded for this area up to the as-at date.")
else:
    render.text_table(pack.performance[list(LATEST_FIGURE_COLUMNS)].rename(columns=LATEST_FIGURE_COLUMNS), key="briefing_performance")

st.header("Every red flag")
flags = {"severity": "Severity", "heading": "Flag", "statement": "Finding", "question": "Question to ask", "basis": "Basis"}
render.text_table(
    pack.flags.assign(basis=pack.flags["illustrative"].map({True: "illustrative", False: ""}))[list(flags)].rename(columns=flags),
    key="briefing_flags",
)
render.sources_footer(
    [*pack.ending["citations"], *pack.spend["citations"], *pack.performance["citations"], *pack.flags["citations"]],
    illustrative=pack.illustrative,
)
