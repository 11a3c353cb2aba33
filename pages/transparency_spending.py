"""What the Commissioner spends: for a resident, where one year's money comes from and what it is for, and every
contract over £10,000 and every grant, as the Elected Local Policing Bodies (Specified Information) Order 2011
asks. Published facts only, whoever is looking: this is the public page."""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from charts.spend import awards_note, budget_and_spend_figure, unsplit_note
from data_access import exporting, public
from data_access.models import Audience
from data_access.periods import format_date, fy_label
from data_access.settings import get_settings
from data_access.text import safe_text
from ui import cache, filters, render

PUBLIC = Audience.PUBLIC  # never the viewer's own audience: panel and staff see what a resident sees
f = filters.current()
year = fy_label(f.year)
st.title(f"What the Commissioner spends: {safe_text(f.area_name)}")
st.markdown(
    f"The Police and Crime Commissioner for {safe_text(f.area_name)} pays charities, companies and public bodies to support "
    f"victims of crime and to reduce crime. This page shows the money for the financial year {year} (1 April to "
    "31 March) and every contract and grant we have a record of, from documents the Commissioner's office published."
)
st.markdown(public.TERMS)

by_stream = cache.budget_and_spend_by_funding_stream(area=f.area, year=f.year, audience=PUBLIC, published_only=True)
by_priority = cache.budget_and_spend_by_priority(area=f.area, year=f.year, audience=PUBLIC, published_only=True)
left_out = cache.illustrative_left_out(area=f.area, year=f.year, audience=PUBLIC)
agreements = cache.published_agreements(area=f.area, audience=PUBLIC, as_at=f.as_at)
amendments = cache.amendments(area=f.area, audience=PUBLIC, published_only=True)
grants, contracts = agreements[agreements["kind"] == "grant"], agreements[agreements["kind"] != "grant"]
listed, not_in_360 = contracts[contracts["over_threshold"]], exporting.grants_left_out(agreements)

render.kpi_row(
    [
        (f"Budget published for {year}", public.published_total(by_stream["budget_pence"], by_stream["budget_up_to"]), None),
        (f"Spend published for {year}", public.published_total(by_stream["spend_pence"], by_stream["spend_up_to"]), None),
        ("Contracts listed", f"{len(listed)}", "Contracts over £10,000, and those whose value is not published."),
        ("Grants listed", f"{len(grants)}", None),
    ]
)
if left_out:
    st.caption(f"{left_out} budget or spend figures for {year} in this demonstration are illustrative (made up), so are not shown here.")


def show(table: pd.DataFrame, alt: str, key: str) -> None:
    """A table in large clear type, 50 rows at a time; store text escaped so it is never read as Markdown."""
    render.text_table(table, key=f"transparency_spending_{key}", alt=alt)


st.header(f"Where the money comes from, {year}")
if by_stream.empty:
    st.info(f"No budget or spend figures for {year} are published for {safe_text(f.area_name)}.")
else:
    st.markdown(f"**{safe_text(public.money_takeaway(by_stream, name='funding_stream'))}**")
    st.plotly_chart(
        budget_and_spend_figure(by_stream.fillna(0), category="funding_stream", title=f"Budget and spend by funding stream, {year}"),
        alt=f"Bar chart of published budget and spend by funding stream for {f.area_name}, {year}. The table below has the same figures.",
        key="public_spend_stream_chart",
        config={"displaylogo": False, "responsive": True},
    )
    show(
        public.money_table(by_stream, name="funding_stream", heading="Funding stream"),
        f"Budget and spend by funding stream, {year}",
        "streams",
    )
for note in (awards_note(by_stream), unsplit_note(cache.unsplit_budgets(area=f.area, year=f.year, audience=PUBLIC, published_only=True))):
    if note:
        st.caption(safe_text(note))

st.header(f"What the money is for, {year}")
if by_priority.empty:
    st.info(f"No budget or spend figures for {year} are published for {safe_text(f.area_name)}.")
else:
    show(
        public.money_table(by_priority, name="priority", heading="Police and Crime Plan priority"),
        f"Budget and spend by priority, {year}",
        "priorities",
    )

st.header("Contracts over £10,000")
smaller = len(contracts) - len(listed)
st.caption(
    "All years. The law asks the Commissioner to publish every contract over £10,000; contracts whose value is not published "
    f"are listed too, as they may be over it. Status is as at {format_date(f.as_at)}, {safe_text(f.as_at_reason.rstrip('.'))}."
    + (f" {smaller} contract(s) of £10,000 or less are in the contracts download." if smaller else "")
)
if len(listed):
    show(public.contracts_table(listed, amendments), "Contracts over £10,000", "contracts")
else:
    st.info(f"No contracts over £10,000, or of unpublished value, are recorded for {safe_text(f.area_name)}.")

st.header("Grants")
st.caption("All years. The law also asks for each grant's conditions and the reasons for it; the documents used here do not publish them.")
if len(grants):
    show(public.grants_table(grants, not_in_360), "Grants", "grants")
else:
    st.info(f"No grants are recorded for {safe_text(f.area_name)}.")

st.header("Download this data")
st.caption("Free to reuse under the Open Government Licence. Blank cells mean not published.")
now = datetime.now(UTC).replace(microsecond=0)


for title, slug, table in exporting.spending_tables(by_stream, by_priority, agreements, amendments, area_name=f.area_name, year=year):
    render.download_row(title, table, f"{f.area}-{slug}")
settings = get_settings()
packages = exporting.spending_packages(
    agreements,
    amendments,
    published=now,
    ocid_prefix=settings.ocds_ocid_prefix,
    org_id=settings.opcc_org_id,
    grants_prefix=settings.grants_360_prefix,
)
ocds_column, grants_column = st.columns(2)
for column, (label, file_name, package) in zip((ocds_column, grants_column), packages, strict=True):
    if package:  # None when there is nothing the standard can hold
        column.download_button(
            label, exporting.json_bytes(package), f"{f.area}-{file_name}", exporting.JSON_MIME, key=f"dl_{file_name}", on_click="ignore"
        )
if len(not_in_360):
    grants_column.caption(
        "The 360Giving standard needs each grant's recipient, amount and award date. Left out, because the documents do not "
        "publish them: " + "; ".join(safe_text(f"{r.title} ({r.reason.lower()})") for r in not_in_360.itertuples()) + "."
    )

render.sources_footer([*by_stream["citations"], *by_priority["citations"], *agreements["citations"], *amendments["citations"]])
