"""Import data: is this spreadsheet right, what would it change, and can it go in? (OPCC staff only)"""

import functools

import streamlit as st

from data_access import importing
from data_access.loading import MAX_FILE_BYTES
from data_access.models import Audience
from ui import navigation, render
from ui.audience import require, signed_in_claims
from ui.cache import engine
from ui.import_sources import BUNDLE_SOURCES, Prepared

require(Audience.STAFF)


def show(frame, key: str) -> None:
    """A table with the importer's own headings; a File or Sheet column that says the same on every row is left to the heading above.
    Every row in the grid on screen; printed, the grid's plain copy (render.print_copy: a grid prints as a picture)."""
    shown = [c for c in frame.columns if c not in ("File", "Sheet") or frame[c].nunique() > 1]
    narrow = {c: st.column_config.Column(c, width="small") for c in ("Row", "Cell")}
    with render.printable(key=key):
        st.dataframe(render.plain_cells(frame[shown]), hide_index=True, width="stretch", key=key, column_config=narrow)
        render.print_copy(frame[shown], shown, key=key)


claims = signed_in_claims()
who = str(claims.get("email") or "signed-in user") if claims else "local demo"

st.title("Import data")
st.caption(
    "Load figures from a CSV or Excel file. The whole file is checked and every problem listed at once; then you see what "
    "would be added and changed before anything is written. Applying writes every change or none, and records who, when "
    "and from which file in the audit trail. Importing the same file again changes nothing."
)
if done := st.session_state.pop("import_done", None):
    st.success(done)

labels = importing.KIND_LABELS | {choice: label for choice, (label, _) in BUNDLE_SOURCES.items()}
kind = st.selectbox("Kind of record", [*importing.KINDS, *BUNDLE_SOURCES], format_func=labels.get, key="import_kind")
if kind in importing.KINDS:
    st.caption(f"Columns: {', '.join(importing.file_columns(kind))}. The formats are described in sample_data/README.md.")
    csv_column, xlsx_column = st.columns(2)
    csv_column.download_button("Template: CSV", importing.template_csv(kind), f"{kind}.csv", "text/csv", key="import_template_csv")
    xlsx_column.download_button(
        "Template: Excel",
        importing.template_xlsx(kind),
        f"{kind}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="import_template_xlsx",
    )

upload = st.file_uploader(
    f"File to import (CSV, Excel .xlsx or, for open data, JSON; up to {MAX_FILE_BYTES // 1024 // 1024} MB)",
    type=["csv", "xlsx", "txt", "json"],
    key="import_file",
)
if upload is None:
    st.info("Choose the kind of record, then a file. Nothing is written until you press Apply.")
    st.stop()

data = upload.getvalue()
sheets = importing.sheet_names(data)
sheet = st.selectbox("Sheet", sheets, key="import_sheet") if len(sheets) > 1 else None
named = upload.name.lower().rsplit(".", 1)[0]
if kind in importing.KINDS:
    if named in importing.KINDS and named != kind:
        st.warning(f"The file is called {upload.name} but you chose {importing.KIND_LABELS[kind]}. Is that the right kind of record?")
    prepared = Prepared(functools.partial(importing.import_file, engine(), data, file_name=upload.name, kind=kind, sheet=sheet))
else:  # a bundle of several kinds, made from the upload by its own few widgets
    prepared = BUNDLE_SOURCES[kind][1](data, upload.name, sheet, who)
report = prepared.run()

place = upload.name + (f", sheet {report.sheet}" if report.sheet else "")
for note in report.notes:
    st.info(f"{place}{f', row {note.row}' if note.row else ''}: {note.rule}")
replace = False
if report.replaceable:
    # Only overlaps with records already in the store: the person may confirm replacing them, never adding to them.
    st.warning(f"{place}: {report.summary} Every one is a period that overlaps a record already in the store.")
    show(importing.problems_frame(report.problems), "import_overlaps")
    replace = st.checkbox(report.replace_text, key="import_replace_overlapping")
    if not replace:
        st.stop()
    report = prepared.run(replace_overlapping=True)
confirm_shared = False
if report.shared_to_confirm:
    # Organisations other areas' records use: changed only when the person says so.
    st.warning(f"{place}: {report.summary} Each changes an organisation that other areas' records use.")
    show(importing.problems_frame(report.problems), "import_shared")
    confirm_shared = st.checkbox(report.shared_text, key="import_confirm_shared")
    if not confirm_shared:
        st.stop()
    report = prepared.run(replace_overlapping=replace, confirm_shared=True)
if report.problems:
    st.error(f"{place}: {report.summary}")
    show(importing.problems_frame(report.problems), "import_problems")
    st.download_button(
        "Download the problems (CSV)", importing.report_csv(report.problems), f"problems-{named}.csv", "text/csv", key="import_problems_csv"
    )
    st.stop()

added, changed, alone, replaced = report.of("insert"), report.of("update"), report.of("unchanged"), report.of("delete")
st.header("What this file would do")
render.kpi_row(
    [
        ("To add", f"{len(added)}", None),
        ("To change", f"{len(changed)}", None),
        ("Left alone", f"{len(alone)}", "Already in the store as the file has them."),
    ]
)
if previous := importing.previous_import_text(report):
    st.info(previous)
kinds = importing.kinds_changed(report)
for changed_kind in kinds:
    of_kind = f": {importing.KIND_LABELS[changed_kind]}" if len(kinds) > 1 else ""  # a bundle: one table per kind of record
    if not (kind_added := importing.added_frame(report, changed_kind)).empty:
        st.subheader(f"To add{of_kind}")
        show(kind_added, f"import_added_{changed_kind}")
    if not (kind_changed := importing.changed_frame(report, changed_kind)).empty:
        st.subheader(f"To change{of_kind}: before → after")
        show(kind_changed, f"import_changed_{changed_kind}")
if replaced:
    st.subheader("To replace: deleted, because this file's rows overlap their periods")
    show(importing.replaced_frame(report), "import_replaced")
if alone:
    with st.expander(f"Left alone ({len(alone)})"):
        show(importing.unchanged_frame(report), "import_unchanged")
st.caption(
    "Records in the store that this file does not mention are left as they are: importing deletes only the records you confirmed replacing."
)

if not added and not changed and not replaced:
    st.success("Nothing to change: the store already holds this file's records exactly.")
elif st.button(
    f"Apply: add {len(added)} and change {len(changed)}" + (f", replacing {len(replaced)}" if replaced else ""),
    type="primary",
    key="import_apply",
):
    result = prepared.run(apply=True, who=who, replace_overlapping=replace, confirm_shared=confirm_shared)
    if result.applied:
        prepared.after_apply(who)
        st.session_state["import_done"] = (
            f"Imported {place}: {result.summary} Every change is in the audit trail, recorded as made by {who}."
        )
        st.rerun()
    st.error(f"{place}: {result.summary}")
    show(importing.problems_frame(result.problems), "import_apply_problems")

if (audit := navigation.by_file("audit.py")) and report.previous_import:
    st.page_link(audit.path, label="See every change in the audit trail", icon=":material/history:", query_params={"sha256": report.sha256})
