"""AppTest of the import page: only OPCC staff reach it; staff see the uploader and a template for every
kind of record; a file with mistakes gets every problem listed; a good file gets a preview with values
before and after, and Apply writes it with an audit entry; the same file again changes nothing.

Streamlit 1.67's AppTest can upload files (`file_uploader(...).set_value`), so the page is driven
here exactly as a person would drive it. This module has its own store, because applying an import
changes it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.importing import KINDS
from data_access.models import Agreement, Audience, AuditEntry, Budget, ImportRecord
from data_access.public import plain_text
from data_access.settings import SAMPLE_DATA_DIR
from tests.app.conftest import ENTRYPOINT, PROJECT_ROOT, RUN_TIMEOUT_S
from ui import navigation

SPEC = navigation.by_file("import_data.py")
REFUSAL = "This page is for OPCC staff. Sign-in is not configured here."


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This module's own store: applying an import here must not change what the other AppTests read."""
    return f"sqlite:///{tmp_path_factory.mktemp('import_page_store') / 'commissioning.sqlite3'}"


def open_import(audience: Audience, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app, viewed as `audience` through the local demo switch, at the import page's link."""
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.run()  # the page's url_path is not its file name, so AppTest must see st.navigation register it first
    at.switch_page(SPEC.path)
    return at.run()


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)


def budgets_csv(**amounts: str) -> bytes:
    """The sample budgets file, with some amounts changed (id -> amount)."""
    with (SAMPLE_DATA_DIR / "budgets.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    for row in rows:
        row["amount"] = amounts.get(row["id"], row["amount"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def table_with(at: AppTest, columns: list[str]):
    """The one table on the page with exactly these columns (st.dataframe keys are not visible to AppTest)."""
    found = [d.value for d in at.dataframe if list(d.value.columns) == columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def test_the_page_is_registered_for_staff_only() -> None:
    assert SPEC is not None and SPEC.audiences == frozenset({Audience.STAFF}) and not SPEC.with_area
    assert SPEC not in navigation.pages_for(Audience.PUBLIC) and SPEC not in navigation.pages_for(Audience.PANEL)


@pytest.mark.parametrize("audience", [Audience.PUBLIC, Audience.PANEL])
def test_public_and_panel_cannot_reach_the_page_through_the_app(audience: Audience, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"Could not find a navigation page for .*import_data.py") as refused:
        open_import(audience, monkeypatch)  # the app never registers the page for them
    assert "Known pages: [" in str(refused.value) and "import_data" not in str(refused.value).split("Known pages:")[1]


@pytest.mark.parametrize("audience", [Audience.PUBLIC, Audience.PANEL])
def test_the_page_itself_refuses_public_and_panel_with_a_clear_message(audience: Audience, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run on its own, as if a link had got past the navigation, the page still refuses."""
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(PROJECT_ROOT / SPEC.path, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.run()
    assert_ran_cleanly(at)
    assert texts(at, "error") == [REFUSAL]
    assert not at.title and not at.file_uploader and not at.get("download_button") and not at.selectbox


def test_staff_see_the_uploader_and_a_template_for_every_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    assert_ran_cleanly(at)
    assert texts(at, "title") == ["Import data"]
    kind = at.selectbox(key="import_kind")
    assert kind.label == "Kind of record" and kind.options[0].startswith("Sources")
    assert len(KINDS) == 16 and kind.options[15].startswith("Populations")  # the 14 of the first format, area groups and populations
    assert kind.options[len(KINDS) :] == [
        "My own spreadsheet: a contract register, grant list or performance table with its own headings",
        "Open contracting data (OCDS JSON): a release or record package, as Find a Tender publishes",
        "360Giving grants: JSON, or the spreadsheet GrantNav exports",
    ]
    assert [u.label for u in at.file_uploader] == ["File to import (CSV, Excel .xlsx or, for open data, JSON; up to 10 MB)"]
    assert sorted(u.allowed_type for u in at.file_uploader)[0] == [".csv", ".xlsx", ".txt", ".json"]
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["Template: CSV", "Template: Excel"]
    kind.set_value("spend").run()
    assert_ran_cleanly(at)
    assert any(
        "Columns: id, area_id, period, funding_stream_id, agreement_id, priority_id, amount, is_credit" in c for c in texts(at, "caption")
    )


def test_a_file_with_mistakes_lists_every_problem_and_offers_them_as_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("budgets")
    bad = budgets_csv(**{"nfk-2016-moj": "£1,037,41.5", "nfk-2016-police-grant": "=1018000"})
    at.file_uploader(key="import_file").set_value(("budgets.csv", bad, "text/csv")).run()
    assert_ran_cleanly(at)
    assert texts(at, "error") == ["budgets.csv: 2 problem(s) found: nothing can be imported until every one is fixed."]
    problems = table_with(at, ["Row", "Cell", "Column", "Value", "Rule"])  # one file, no sheets: said in the heading
    assert problems[["Row", "Cell", "Column", "Value"]].values.tolist() == [
        ["2", "F2", "amount", "=1018000"],
        ["3", "F3", "amount", "£1,037,41.5"],
    ]
    assert [d.proto.label for d in at.get("download_button")][-1] == "Download the problems (CSV)"
    assert not [b for b in at.button if b.key == "import_apply"]


def test_preview_then_apply_then_the_same_file_changes_nothing(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("budgets")
    good = budgets_csv(**{"nfk-2016-moj": "£1,100,000"})
    at.file_uploader(key="import_file").set_value(("budgets.csv", good, "text/csv")).run()
    assert_ran_cleanly(at)
    assert {m.label: m.value for m in at.metric} == {"To add": "0", "To change": "1", "Left alone": "3"}
    changed = table_with(at, ["Row", "Record", "Column", "Before", "After"])
    assert changed.values.tolist() == [[3, "nfk-2016-moj", "amount", "£1,037,415", "£1,100,000"]]

    at.button(key="import_apply").click().run()
    assert_ran_cleanly(at)
    assert texts(at, "success")[0] == (
        "Imported budgets.csv: 0 record(s) added, 1 changed, 3 left alone. "
        "Every change is in the audit trail, recorded as made by local demo."
    )
    engine = open_store(database_url, load_sample_data=False)
    try:
        with Session(engine) as session:
            assert session.get(Budget, "nfk-2016-moj").amount_pence == 110000000
            entries = session.execute(select(AuditEntry)).scalars().all()
            assert [(e.who, e.action, e.record_key, json.loads(e.before), json.loads(e.after)) for e in entries] == [
                ("local demo", "update", "nfk-2016-moj", {"amount_pence": 103741500}, {"amount_pence": 110000000})
            ]
            assert session.execute(select(ImportRecord.file_name, ImportRecord.imported_by)).all() == [("budgets.csv", "local demo")]
        # The page as it stands after Apply: the same file is already in, so there is nothing to do.
        assert {m.label: m.value for m in at.metric} == {"To add": "0", "To change": "0", "Left alone": "4"}
        assert "Nothing to change: the store already holds this file's records exactly." in texts(at, "success")
        assert any(t.startswith("This exact file (SHA-256 ") for t in texts(at, "info"))
        assert not [b for b in at.button if b.key == "import_apply"]
        with Session(engine) as session:
            assert len(session.execute(select(AuditEntry)).scalars().all()) == 1
    finally:
        engine.dispose()


def test_a_file_named_for_another_kind_gets_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    at.file_uploader(key="import_file").set_value(("budgets.csv", budgets_csv(), "text/csv")).run()
    assert_ran_cleanly(at)
    assert texts(at, "warning") == [
        "The file is called budgets.csv but you chose Sources: the documents figures come from. Is that the right kind of record?"
    ]


def spend_quarter_csv() -> bytes:
    """West Yorkshire ISVA spend for Q2 2018/19 (£78,734.50): inside the sample's 2018/19 figure for the same agreement."""
    with (SAMPLE_DATA_DIR / "spend.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    row = dict(next(r for r in rows if r["id"] == "wy-2018-isva"), id="wy-2018-q2-isva", period="Q2 2018/19", amount="£78,734.50")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def test_an_overlapping_quarter_is_shown_and_replacing_it_needs_the_checkbox(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("spend")
    at.file_uploader(key="import_file").set_value(("q2.csv", spend_quarter_csv(), "text/csv")).run()
    assert_ran_cleanly(at)
    assert texts(at, "warning") == [
        "q2.csv: 2 problem(s) found: nothing can be imported until every one is fixed. "
        "Every one is a period that overlaps a record already in the store."
    ]
    problems = table_with(at, ["Row", "Cell", "Column", "Value", "Rule"])
    assert (
        problems["Rule"]
        .tolist()[0]
        .startswith("Q2 2018/19 lies inside 2018/19 already recorded as spend wy-2018-isva (£310,000) for agreement wy-isva: ")
    )
    box = at.checkbox(key="import_replace_overlapping")
    assert box.label == (
        "Replace: delete spend wy-2018-isva (2018/19, £310,000); spend wy-2018-isva-contingency (2018/19, £12,500), "
        "and add this file's overlapping row instead"
    )
    assert not box.value and not [b for b in at.button if b.key == "import_apply"]  # nothing to apply until confirmed
    box.check().run()
    assert_ran_cleanly(at)
    assert {m.label: m.value for m in at.metric} == {"To add": "1", "To change": "0", "Left alone": "0"}
    assert table_with(at, ["Row", "Record", "Period", "Amount"]).values.tolist() == [
        [2, "wy-2018-isva", "2018/19", "£310,000"],
        [2, "wy-2018-isva-contingency", "2018/19", "£12,500"],
    ]
    assert [b.label for b in at.button if b.key == "import_apply"] == ["Apply: add 1 and change 0, replacing 2"]


def test_a_good_file_shows_no_replace_checkbox(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("budgets")
    at.file_uploader(key="import_file").set_value(("budgets.csv", budgets_csv(), "text/csv")).run()
    assert_ran_cleanly(at)
    assert not at.checkbox


REGISTER_CSV = (
    "area,service,provider,start_date,end_date,annual_value_gbp,source_url,status,section\r\n"
    "norfolk,Independent Domestic Abuse Advocacy Service,Leeway Domestic Violence and Abuse Services,2019-04-01,March 2025,"
    '"£360,000",,active,Contracts register\r\n'
    "norfolk,Support for Survivors of Sexual Abuse,The Sue Lambert Trust,,31/03/2021,£22.955,,active,Contracts register\r\n"
).encode()


def test_my_own_spreadsheet_is_mapped_then_checked_in_its_own_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("own_spreadsheet").run()
    assert not at.get("download_button")  # no template: the sheet keeps its own headings
    at.file_uploader(key="import_file").set_value(("register.csv", REGISTER_CSV, "text/csv")).run()
    assert_ran_cleanly(at)
    assert at.selectbox(key="import_own_area").value == "norfolk"  # offered first: the sheet's own area column names it
    mapping = table_with(at, ["Your column", "Example", "Imported as", "Why"])
    assert dict(zip(mapping["Your column"], mapping["Imported as"], strict=True)) == {
        "area": "area",
        "service": "title",
        "provider": "provider",
        "start_date": "start_date",
        "end_date": "current_end_date",
        "annual_value_gbp": "annual_value",
        "source_url": "source",
        "status": "status",
        "section": "source_section",
    }
    assert texts(at, "info")[-1].startswith("Check where each column goes, then tick the box.")
    assert not at.metric and not [b for b in at.button if b.key == "import_apply"]
    at.checkbox(key="import_own_confirmed_contracts").check().run()
    assert_ran_cleanly(at)
    # Row 3's money with a fraction of a penny: named by the user's row, cell, own column and value, once.
    problems = table_with(at, ["Row", "Cell", "Column", "Value", "Rule"])
    assert problems.values.tolist() == [
        ["3", "F3", "annual_value_gbp", "£22.955", "has a fraction of a penny (read as annual_value of agreements)"]
    ]
    assert not [b for b in at.button if b.key == "import_apply"]


def test_an_ocds_package_is_previewed_for_the_chosen_area_then_applied(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """Find a Tender's releases for Norfolk's office: refused for another area's office, previewed and applied for Norfolk."""
    from tests.test_open_data import FIND_A_TENDER

    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("ocds").run()
    at.file_uploader(key="import_file").set_value(("fts.json", json.dumps(FIND_A_TENDER).encode(), "application/json")).run()
    assert_ran_cleanly(at)
    assert texts(at, "info")[-1].startswith("Choose the area the file is for")
    at.selectbox(key="import_ocds_area").set_value("derbyshire").run()
    assert_ran_cleanly(at)
    problems = table_with(at, ["Row", "Cell", "Column", "Value", "Rule"])
    assert any("not this area's office" in rule for rule in problems["Rule"])
    at.selectbox(key="import_ocds_area").set_value("norfolk").run()
    assert_ran_cleanly(at)
    assert {m.label: m.value for m in at.metric} == {"To add": "5", "To change": "0", "Left alone": "0"}
    at.button(key="import_apply").click().run()
    assert_ran_cleanly(at)
    assert texts(at, "success")[0].startswith("Imported fts.json: 5 record(s) added, 0 changed, 0 left alone.")
    engine = open_store(database_url, load_sample_data=False)
    try:
        with Session(engine) as session:
            assert session.get(Agreement, "ocds-h6vhtk-04a1b2").latest_end_date == date(2029, 3, 31)
    finally:
        engine.dispose()


def print_copy_of(at: AppTest, columns: list[str]):
    """The plain copy (render.print_copy, an st.table shown only in print) of the one grid with these columns."""
    found = [t.value for t in at.table if list(t.value.columns) == columns]
    assert len(found) == 1, [list(t.value.columns) for t in at.table]
    return found[0]


def test_every_grid_has_a_print_copy_of_its_rows_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A grid prints as a picture of the rows in view: each of the page's grids has its plain copy beside it, the
    same rows written as text (escaped for st.table, which renders Markdown)."""
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("budgets")
    bad = budgets_csv(**{"nfk-2016-moj": "£1,037,41.5", "nfk-2016-police-grant": "=1018000"})
    at.file_uploader(key="import_file").set_value(("budgets.csv", bad, "text/csv")).run()
    assert_ran_cleanly(at)
    columns = ["Row", "Cell", "Column", "Value", "Rule"]
    grid, copy = table_with(at, columns), print_copy_of(at, columns)
    assert copy[["Row", "Cell", "Column"]].values.tolist() == [["2", "F2", "amount"], ["3", "F3", "amount"]]
    assert copy.values.tolist() == [[plain_text(str(v)) for v in row] for row in grid.values.tolist()]
    assert copy["Value"].tolist() == [plain_text("=1018000"), plain_text("£1,037,41.5")]

    # The preview's grids too: here the one table of changes (what it changes from depends on whether this module's
    # other test has applied its file already; nothing is applied here).
    at.file_uploader(key="import_file").set_value(("budgets.csv", budgets_csv(**{"nfk-2016-moj": "£1,234,567"}), "text/csv")).run()
    assert_ran_cleanly(at)
    columns = ["Row", "Record", "Column", "Before", "After"]
    grid, copy = table_with(at, columns), print_copy_of(at, columns)
    assert grid[["Record", "After"]].values.tolist() == [["nfk-2016-moj", "£1,234,567"]]
    assert copy.values.tolist() == [[plain_text(str(v)) for v in row] for row in grid.values.tolist()]
    left_alone = [t.value for t in at.table if "Record" in t.value.columns and len(t.value) == 3]
    assert len(left_alone) == 1  # the three records left alone, in the expander that prints open

    # My own spreadsheet: the mapping (an editable grid; its copy is made from the grid as edited) and the format's places.
    at = open_import(Audience.STAFF, monkeypatch)
    at.selectbox(key="import_kind").set_value("own_spreadsheet").run()
    at.file_uploader(key="import_file").set_value(("register.csv", REGISTER_CSV, "text/csv")).run()
    assert_ran_cleanly(at)
    columns = ["Your column", "Example", "Imported as", "Why"]
    mapping, copy = table_with(at, columns), print_copy_of(at, columns)
    assert copy["Imported as"].tolist() == [plain_text(v) for v in mapping["Imported as"]] and len(copy) == 9
    targets = [d.value for d in at.dataframe if list(d.value.columns) not in (columns,)]
    assert len(targets) == 1 and len(print_copy_of(at, list(targets[0].columns))) == len(targets[0])
