"""Ways into the import page other than a file in the import format: each turns an upload into a bundle of
import-format tables, and hands the page a `Prepared` import to preview and apply like any other.

To add another: write a function `(data, file_name, sheet, who) -> Prepared`
that shows its own few widgets (calling st.stop() until it is ready), and add it to BUNDLE_SOURCES.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from data_access import loading, mapping, open_data
from data_access.importing import Report, import_tables
from data_access.text import safe_text
from ui import render
from ui.cache import engine


@dataclass
class Prepared:
    """An import ready to preview: `run(apply=..., who=..., replace_overlapping=..., confirm_shared=...)` gives its report."""

    run: Callable[..., Report]
    after_apply: Callable[[str], None] = lambda who: None  # e.g. remember the confirmed mapping


def own_spreadsheet(data: bytes, file_name: str, sheet: str | None, who: str) -> Prepared:
    """A contract register, grant list or performance table with its own headings: the person confirms the mapping."""
    table = loading.read_file(data, file_name, sheet=sheet)
    if table.problems:
        st.error(f"{safe_text(file_name)}: {safe_text(table.problems[0].rule)}")
        st.stop()
    with engine().connect() as connection:
        areas = mapping.area_choices(connection)
    area_column, holds_column = st.columns(2)
    holds = holds_column.radio("What the sheet holds", list(mapping.HOLDS), format_func=mapping.HOLDS.get, key="import_own_holds")
    with engine().connect() as connection:
        proposal = mapping.propose_for(connection, table, holds)
    named = mapping.area_named(table, proposal, areas)  # offered first when the sheet's own area column names one area
    first = list(areas).index(named) if named in areas else None
    area = area_column.selectbox("Area the sheet is for", list(areas), index=first, format_func=areas.get, key="import_own_area")
    if area is None:
        st.info("Choose the area the sheet is for.")
        st.stop()
    st.subheader("Your columns, and where each goes")
    st.caption(
        "Proposed from each column's heading and what its cells hold; change any that are wrong. A column marked "
        "'not imported' is left out. Ids, providers and sources are made from your rows: you never write ids."
        + (f" This mapping is {safe_text(proposal.remembered)}." if proposal.remembered else "")
    )
    choices = [t.name for t in mapping.targets(holds)] + [mapping.NOT_IMPORTED]
    # Printed, each grid is its plain copy (a grid prints as a picture); the mapping's copy holds the choices as edited.
    with render.printable(key=f"import_own_mapping_{holds}"):
        edited = st.data_editor(
            mapping.mapping_frame(proposal),
            hide_index=True,
            width="stretch",
            disabled=["Your column", "Example", "Why"],
            column_config={"Imported as": st.column_config.SelectboxColumn("Imported as", options=choices, required=True)},
            key=f"import_own_mapping_{holds}",
        )
        render.print_copy(edited, list(edited.columns), key=f"import_own_mapping_{holds}")
    with st.expander("What each place in the format means"), render.printable(key="import_own_targets"):
        targets = mapping.targets_frame(holds)
        st.dataframe(targets, hide_index=True, width="stretch", key="import_own_targets")
        render.print_copy(targets, list(targets.columns), key="import_own_targets")
    chosen = mapping.chosen_from_frame(proposal, edited)
    if not st.checkbox("The mapping is right: check my rows with it", key=f"import_own_confirmed_{holds}"):
        st.info("Check where each column goes, then tick the box. Nothing is written until you press Apply.")
        st.stop()
    with engine().connect() as connection:
        bundle = mapping.to_bundle(table, chosen, area, connection=connection)
    for note in bundle.notes:
        st.info(safe_text(note))
    sha256 = hashlib.sha256(data).hexdigest()

    def remember(person: str) -> None:
        with engine().begin() as connection:
            mapping.remember(connection, chosen, table.header, who=person)

    return Prepared(run=lambda **options: mapping.import_bundle(engine(), bundle, sha256=sha256, **options), after_apply=remember)


def _open_data(kind: str) -> Callable[[bytes, str, str | None, str], Prepared]:
    """An OCDS package (releases or records, as Find a Tender and Contracts Finder publish them) or a 360Giving file
    (JSON, or the spreadsheet GrantNav exports) for one area: agreements, amendments, milestones, providers, sources."""

    def prepare(data: bytes, file_name: str, sheet: str | None, who: str) -> Prepared:
        with engine().connect() as connection:
            areas = mapping.area_choices(connection)
        area = st.selectbox("Area the file is for", list(areas), index=None, format_func=areas.get, key=f"import_{kind}_area")
        if area is None:
            st.info("Choose the area the file is for: its office must be the file's buyer or funder.")
            st.stop()
        with engine().connect() as connection:
            tables, problems = open_data.read_for_area(connection, data, file_name, kind=kind, area_id=area)
        sha256 = hashlib.sha256(data).hexdigest()
        if problems:
            return Prepared(run=lambda **_: Report(kind=kind, file_name=file_name, sha256=sha256, problems=problems))
        return Prepared(run=lambda **options: import_tables(engine(), tables, file_name=file_name, sha256=sha256, label=kind, **options))

    return prepare


# Choice on the import page -> (label, the function that prepares it).
BUNDLE_SOURCES: dict[str, tuple[str, Callable[[bytes, str, str | None, str], Prepared]]] = {
    "own_spreadsheet": ("My own spreadsheet: a contract register, grant list or performance table with its own headings", own_spreadsheet),
    "ocds": ("Open contracting data (OCDS JSON): a release or record package, as Find a Tender publishes", _open_data("ocds")),
    "360giving": ("360Giving grants: JSON, or the spreadsheet GrantNav exports", _open_data("360giving")),
}
