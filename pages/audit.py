"""Audit trail: who changed which records, when, and from which file?"""

import re

import streamlit as st

from data_access.audit import AUDIT_LIMIT, audit_changes
from data_access.models import Audience
from data_access.text import url_value
from ui import cache, render
from ui.audience import require

audience = require(Audience.STAFF)

st.title("Audit trail")
st.caption(
    "Every change an import made to the store: who, when (UK time), which record, "
    "its values before and after, and the file it came from (by its SHA-256)."
)

choices = cache.audit_choices(audience=audience)
imports = cache.import_records(audience=audience)

if choices["first"] is None:
    st.info("No changes have been recorded yet: the audit trail is empty. Each import of a file adds the changes it made here.")
else:
    # A link such as /audit?sha256=ab12… (from an import's receipt) opens the trail filtered to that file.
    st.session_state.setdefault("audit_sha256", st.query_params.get("sha256", ""))
    days_column, who_column, table_column, sha_column = st.columns([2, 1, 1, 2])
    days = days_column.date_input(
        "Changed between (first and last day)",
        value=(choices["first"], choices["last"]),
        format="DD/MM/YYYY",
        key="audit_days",
    )
    who = who_column.selectbox("Who", [None, *choices["who"]], format_func=lambda w: w or "Anyone", key="audit_who")
    table = table_column.selectbox("Table", [None, *choices["tables"]], format_func=lambda t: t or "Any table", key="audit_table")
    sha = sha_column.text_input("File SHA-256 (all of it or its first characters)", key="audit_sha256").strip().lower()
    if sha and not re.fullmatch(r"[0-9a-f]{1,64}", sha):
        st.warning(f"“{url_value(sha)}” is not a SHA-256: use the characters 0-9 and a-f only. Showing changes from every file.")
        sha = ""
    first_day, last_day = ((*tuple(days), None, None))[:2] if isinstance(days, tuple | list) else (days, days)
    entries = cache.audit_entries(audience=audience, first_day=first_day, last_day=last_day, who=who, table=table, file_sha256=sha or None)
    render.kpi_row(
        [
            ("Changes shown", f"{len(entries)}", f"At most {AUDIT_LIMIT:,}, newest first." if len(entries) >= AUDIT_LIMIT else None),
            ("People", f"{entries['who'].nunique()}", None),
            ("Files", f"{entries['file_sha256'].nunique()}", None),
        ]
    )
    if entries.empty:
        st.info("No recorded change matches these filters.")
    else:
        shown = entries.assign(when=entries["at"].map(render.date_time_text))
        render.table(
            shown,
            {
                "when": "When (UK time)",
                "who": "Who",
                "action": "Action",
                "table_name": "Table",
                "record_key": "Record",
                "file_name": "File",
                "file_sha256": "File SHA-256",
            },
            key="audit_entries",
        )
        st.subheader("Before and after")
        labels = {r.id: f"{r.when} · {r.who} · {r.action} {r.table_name} {r.record_key}" for r in shown.itertuples()}
        picked = st.selectbox("Change", list(labels), format_func=labels.get, key="audit_entry")
        entry = entries[entries["id"] == picked].iloc[0]
        render.table(
            audit_changes(entry["before"], entry["after"]),
            {"field": "Field", "before": "Before", "after": "After", "changed": "Changed"},
            key="audit_before_after",
        )

st.header("Files imported")
if imports.empty:
    st.info("No files have been imported yet.")
else:
    render.table(
        imports.assign(when=imports["imported_at"].map(render.date_time_text)),
        {
            "when": "Imported (UK time)",
            "file_name": "File",
            "imported_by": "By",
            "rows_added": "Rows added",
            "rows_changed": "Rows changed",
            "changes_recorded": "Changes in the trail",
            "sha256": "SHA-256",
        },
        key="audit_imports",
    )
