"""Data quality: which figures do not add up, contradict each other or miss a link, and where can I see them?"""

from datetime import date

import streamlit as st

from data_access.findings import RULES, Scope, Severity, findings_csv, summarise
from data_access.models import Audience
from data_access.periods import format_date
from data_access.text import safe_text
from ui import cache, filters, render
from ui.audience import require

audience = require(Audience.PANEL, Audience.STAFF)
CHECKS = {rule.id: rule.heading for rule in RULES.values() if Scope.QUALITY in rule.scopes}

st.title("Data quality")
st.caption(
    "Checks run over every figure you may see, in one area or in every area. They flag and never block: a figure kept "
    "as its source states it (such as shares that add up to 95%) is flagged here so that nobody quotes it without "
    "knowing. The same rules raise the red flags in meeting mode and the briefing, so the two never disagree. "
    "For panel members and OPCC staff: findings may describe exempt or restricted records, and are not for publication."
)

areas = cache.areas()
area_names = dict(zip(areas["id"], areas["name"], strict=True))
ALL_AREAS = "all"
left, middle, right = st.columns(3)
check = left.selectbox("Check", [None, *CHECKS], format_func=lambda c: "All checks" if c is None else CHECKS[c], key="quality_check")
# The area the visitor was looking at (as every page opens), or every area: a national store's every area takes ten
# seconds, one area under one.
looking_at = st.session_state.get("filter_area")
area = filters.choice(
    "Area",
    {**area_names, ALL_AREAS: "All areas"},
    key="quality_area",
    param="area",
    default=looking_at if looking_at in area_names else next(iter(area_names), ALL_AREAS),
    what="an area in this store, or all",
    per_area=False,
    container=middle,
)
as_at = right.date_input("Figures known by", value=date.today(), format="DD/MM/YYYY", key="quality_as_at")

# Every check is found once for the choice; the summary and the chosen check are read from it, not found again. One
# area on its own: a finding shared by several areas (one provider under several names) is listed in each.
everything = cache.store_findings(as_at=as_at, audience=audience, area=None if area == ALL_AREAS else area)
summary = summarise(everything)
findings = everything[everything["rule"] == check].reset_index(drop=True) if check else everything
where = "every area" if area == ALL_AREAS else safe_text(area_names[area])

st.caption(f"Every check, in {where}, over the figures known by {format_date(as_at)}.")
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

st.header("Findings" + (f": {CHECKS[check]}" if check else "") + (f" in {where}" if area != ALL_AREAS else ""))
if findings.empty:
    st.success("No findings for this choice: every check that applies found the figures consistent.")
else:
    render.screen_only_caption("“Open” goes to the page that shows the records.", key="quality_open")
    with render.printable(key="quality_findings"):
        st.dataframe(
            render.plain_cells(findings[["severity", "heading", "area", "statement", "link", "record_ids"]]),
            hide_index=True,
            width="stretch",
            row_height=96,  # tall enough for a description to wrap onto four lines
            height=min(len(findings), 8) * 96 + 38,
            key="quality_findings",
            alt="Data-quality findings: severity, check, area, what looks wrong, a link to the page that shows the records, "
            "and the records.",
            column_config={
                "severity": st.column_config.TextColumn("Severity", width="small", pinned=True),
                # 75 + 180 + 110 + 300 + 75 + 150 px: within the main column beside the sidebar at 1366 px (904 px), so
                # no column is cut off at the right; long cells wrap.
                "heading": st.column_config.TextColumn("Check", width=180),
                "area": st.column_config.TextColumn("Area", width=110),
                "statement": st.column_config.TextColumn("What looks wrong", width=300),
                "link": st.column_config.LinkColumn("Page", display_text="Open", width="small"),
                "record_ids": st.column_config.TextColumn("Records (table:id)", width=150),
            },
        )
        # On paper: the rows as text, without the links ("Open" cannot be followed from paper).
        render.print_copy(
            findings[["severity", "heading", "area", "statement", "record_ids"]],
            ["Severity", "Check", "Area", "What looks wrong", "Records (table:id)"],
            key="quality_findings",
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
