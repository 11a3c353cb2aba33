"""Data quality: which figures do not add up, contradict each other or miss a link, and where can I see them?"""

from datetime import date

import streamlit as st

from data_access.findings import RULES, Scope, Severity, findings_csv, summarise
from data_access.models import Audience
from data_access.periods import format_date
from data_access.text import safe_text
from ui import cache, render
from ui.audience import require

audience = require(Audience.PANEL, Audience.STAFF)
CHECKS = {rule.id: rule.heading for rule in RULES.values() if Scope.QUALITY in rule.scopes}

st.title("Data quality")
st.caption(
    "Checks run over every figure you may see, in every area. They flag and never block: a figure kept as its source states it "
    "(such as shares that add up to 95%) is flagged here so that nobody quotes it without knowing. The same rules raise the "
    "red flags in meeting mode and the briefing, so the two never disagree. "
    "For panel members and OPCC staff: findings may describe exempt or restricted records, and are not for publication."
)

areas = cache.areas()
area_names = dict(zip(areas["id"], areas["name"], strict=True))
left, middle, right = st.columns(3)
check = left.selectbox("Check", [None, *CHECKS], format_func=lambda c: "All checks" if c is None else CHECKS[c], key="quality_check")
area = middle.selectbox("Area", [None, *area_names], format_func=lambda a: "All areas" if a is None else area_names[a], key="quality_area")
as_at = right.date_input("Figures known by", value=date.today(), format="DD/MM/YYYY", key="quality_as_at")

# Every check in every area is found once; the summary and the chosen check are read from it, not found again.
everything = cache.store_findings(as_at=as_at, audience=audience)
summary = summarise(everything)
# One area on its own: a finding shared by several areas (one provider under several names) is listed in each.
findings = cache.store_findings(as_at=as_at, audience=audience, area=area) if area else everything
if check:
    findings = findings[findings["rule"] == check].reset_index(drop=True)

st.caption(f"Every check, in every area, over the figures known by {format_date(as_at)}.")
render.kpi_row(
    [("All findings", f"{int(summary['findings'].sum())}", None)]
    + [
        (f"{severity.capitalize()} severity", f"{int(summary[severity].sum())}", help_text)
        for severity, help_text in zip(
            Severity,
            (
                "The records contradict each other or a rule.",
                "Probably wrong, or missing a link that scrutiny needs.",
                "A gap worth filling, or a rule that cannot be checked because a figure is not published.",
            ),
            strict=True,
        )
    ]
)

st.header("Findings by check")
render.table(summary, {"check": "Check", "high": "High", "medium": "Medium", "low": "Low", "findings": "Total"}, key="quality_summary")

st.header("Findings" + (f": {CHECKS[check]}" if check else "") + (f" in {safe_text(area_names[area])}" if area else ""))
if findings.empty:
    st.success("No findings for this choice: every check that applies found the figures consistent.")
else:
    st.caption("“Open” goes to the page that shows the records. Scroll the table sideways for the records' ids.")
    st.dataframe(
        render.plain_cells(findings[["severity", "heading", "area", "statement", "link", "record_ids"]]),
        hide_index=True,
        width="stretch",
        row_height=96,  # tall enough for a description to wrap onto four lines
        height=min(len(findings), 8) * 96 + 38,
        key="quality_findings",
        alt="Data-quality findings: severity, check, area, what looks wrong, a link to the page that shows the records, and the records.",
        column_config={
            "severity": st.column_config.TextColumn("Severity", width="small", pinned=True),
            "heading": st.column_config.TextColumn("Check", width="medium"),
            "area": st.column_config.TextColumn("Area", width=110),
            "statement": st.column_config.TextColumn("What looks wrong", width="large"),
            "link": st.column_config.LinkColumn("Page", display_text="Open", width="small"),
            "record_ids": st.column_config.TextColumn("Records (table:id)", width="medium"),
        },
    )
    st.download_button(
        "Download these findings (CSV)",
        data=findings_csv(findings),
        file_name="data-quality-findings.csv",
        mime="text/csv",
        key="quality_download",
        icon=":material/download:",
    )
    render.sources_footer(findings["citations"], illustrative=bool(findings["illustrative"].any()))
