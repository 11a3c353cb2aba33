"""AppTests of the data-quality page (panel and staff) and the audit trail page (staff), run through dashboard.py.

The store is the sample data plus an audit trail of three changes from two files, and two agreements
linked to no Plan priority that only the panel (one) or staff (both) may see.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access import findings
from data_access.db import open_store
from data_access.models import Agreement, Audience, AuditEntry, ImportRecord
from tests.app.conftest import ENTRYPOINT, PROJECT_ROOT, RUN_TIMEOUT_S, shown
from tests.app.test_audiences import everything_sent

MARKER = "QUALITY-CANARY-7d3a"
SPEND_SHA = "5e" * 32
BUDGET_SHA = "b0" * 32
ISVA = "Independent Sexual Advisor Contract (ISVA)"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This module's store (it replaces the session's, which every test in tests/app/conftest.py uses)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('quality_audit_store') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    at = datetime(2018, 9, 20, 14, 5, 9, tzinfo=UTC)  # 15:05:09 in the UK (British Summer Time)
    with Session(engine) as session:
        for visibility in ("panel", "restricted"):
            session.add(
                Agreement(id=f"canary-{visibility}", area_id="west-yorkshire", title=f"{MARKER} {visibility} agreement", kind="grant",
                          status="active", visibility=visibility, source_id="wy-2018", source_section="test", basis="illustrative")
            )  # fmt: skip
        session.add(ImportRecord(sha256=SPEND_SHA, file_name="spend-2018-q2.csv", imported_at=at, imported_by="ann@opcc.example",
                                 rows_added=1, rows_changed=1))  # fmt: skip
        session.add(ImportRecord(sha256=BUDGET_SHA, file_name="budgets.xlsx", imported_at=datetime(2018, 9, 1, 9, tzinfo=UTC),
                                 imported_by="bob@opcc.example", rows_added=0))  # fmt: skip
        session.add(AuditEntry(at=at, who="ann@opcc.example", action="insert", table_name="spend", record_key="wy-2018-isva-q2",
                               after=json.dumps({"amount_pence": 7_750_000, "description": "ISVA payments Q2"}),
                               file_name="spend-2018-q2.csv", file_sha256=SPEND_SHA))  # fmt: skip
        session.add(AuditEntry(at=at, who="ann@opcc.example", action="update", table_name="spend", record_key="wy-2018-isva",
                               before=json.dumps({"amount_pence": 31_000_000}), after=json.dumps({"amount_pence": 23_250_000}),
                               file_name="spend-2018-q2.csv", file_sha256=SPEND_SHA))  # fmt: skip
        session.add(AuditEntry(at=datetime(2018, 9, 1, 9, tzinfo=UTC), who="bob@opcc.example", action="delete", table_name="budget",
                               record_key="old-budget", before=json.dumps({"amount_pence": 100}), file_name="budgets.xlsx",
                               file_sha256=BUDGET_SHA))  # fmt: skip
        session.commit()
    engine.dispose()
    return url


def open_page(page: str, audience: Audience, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """The app as `audience` (local demo switch), on `page` (a file under pages/), already run."""
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.run()  # registers the audience's pages, so switch_page finds one by its file (its url_path differs)
    at.query_params.update(params)
    return at.switch_page(page).run()


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, [(m.label, m.value) for m in at.metric]
    return values[0]


# Each table by the columns only it has.
TABLES = {
    "quality_summary": {"Check", "High", "Medium", "Low", "Total"},
    "quality_findings": {"severity", "heading", "statement", "record_ids", "link"},
    "audit_entries": {"When (UK time)", "Record", "File SHA-256"},
    "audit_before_after": {"Field", "Before", "After"},
    "audit_imports": {"Imported (UK time)", "Changes in the trail"},
}


def table(at: AppTest, name: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if TABLES[name] <= set(d.value.columns)]
    assert len(frames) == 1, f"{len(frames)} tables look like {name}: {[list(d.value.columns) for d in at.dataframe]}"
    return frames[0]


# --- data quality -----------------------------------------------------------------------------


def test_quality_page_for_staff(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/data_quality.py", Audience.STAFF, monkeypatch, area="all")
    assert_ran_cleanly(at)
    assert [t.value for t in at.title] == ["Data quality"]
    # The sample's 12 findings and both canaries, each linked to no Plan priority.
    assert metric(at, "All findings") == "14"
    assert metric(at, "High severity") == "0"
    summary = table(at, "quality_summary").set_index("Check")
    assert summary.at["Shares do not add up to 100%", "Total"] == 1
    assert summary.at["Agreement linked to no Plan priority", "Medium"] == 5
    # Norfolk's main police grant has no published spend: counted under the heading that says so, not as a breach.
    assert summary.at["Spend does not match its budget", "Low"] == 3
    assert summary.at["Spend against budget cannot be checked: spend not published", "Low"] == 1
    found = table(at, "quality_findings")
    shares = found[found["heading"] == "Shares do not add up to 100%"].iloc[0]
    assert shares["statement"].endswith("the 5 shares by referral source add up to 95%, not 100% (25% + 11% + 17% + 13% + 29%)")
    assert shares["link"] == "performance?area=west-yorkshire"
    annual = found[found["heading"] == "Annual figure does not match its quarters"].iloc[0]
    assert "the stated annual figure of 996 does not match 4 × the stated quarterly average of 224 (896)" in annual["statement"]
    # Norfolk publishes no spend against its £1.018m main police grant: the page says the check cannot be made.
    police_grant = found[found["statement"].str.startswith("Main police grant")].iloc[0]
    assert police_grant["heading"] == "Spend against budget cannot be checked: spend not published"
    sources = "\n".join(shown(c.value) for c in at.caption)
    assert "Commissioning and Granting Report, West Yorkshire Police and Crime Panel, 14 September 2018" in sources
    assert "illustrative" in sources  # the quarters and the spend behind two findings are illustrative


def test_quality_download_is_the_findings_as_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/data_quality.py", Audience.STAFF, monkeypatch, area="all")
    button = at.get("download_button")
    assert len(button) == 1 and button[0].label == "Download these findings (CSV)"
    shown = table(at, "quality_findings")
    engine = open_store(None, load_sample_data=False)  # this module's store, from DATABASE_URL
    try:
        with Session(engine) as session:
            frame = findings.store_findings(session=session, as_at=at.date_input(key="quality_as_at").value, audience=Audience.STAFF)
            data = findings.findings_csv(frame)
    finally:
        engine.dispose()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["finding"] for r in rows] == list(shown["statement"])


def test_quality_page_filters_by_check_and_area(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/data_quality.py", Audience.STAFF, monkeypatch)
    at.selectbox(key="quality_check").set_value("no_priority").run()
    at.selectbox(key="quality_area").set_value("norfolk").run()
    assert_ran_cleanly(at)
    assert [h.value for h in at.header][-1] == "Findings: Agreement linked to no Plan priority in Norfolk"
    found = table(at, "quality_findings")
    assert list(found["record_ids"]) == ["agreement:nfk-rj"]
    assert list(found["link"]) == ["renewals?area=norfolk"]
    at.selectbox(key="quality_check").set_value("over_cap").run()
    assert any("No findings for this choice" in s.value for s in at.success)


def test_quality_page_shows_the_panel_only_what_the_panel_may_see(monkeypatch: pytest.MonkeyPatch) -> None:
    panel = everything_sent(open_page("pages/data_quality.py", Audience.PANEL, monkeypatch, area="all"))
    assert f"{MARKER} panel agreement" in panel
    assert f"{MARKER} restricted agreement" not in panel
    staff = everything_sent(open_page("pages/data_quality.py", Audience.STAFF, monkeypatch, area="all"))
    assert f"{MARKER} restricted agreement" in staff


def test_quality_page_opens_on_the_area_being_looked_at(monkeypatch: pytest.MonkeyPatch) -> None:
    """One area's checks by default (on a national store, under a second; every area takes ten), every area on request."""
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = Audience.STAFF.value
    at.query_params.update({"area": "norfolk"})
    at.run()  # the overview of Norfolk
    at.switch_page("pages/data_quality.py").run()
    assert_ran_cleanly(at)
    assert at.selectbox(key="quality_area").value == "norfolk" and at.query_params["area"] == "norfolk"
    assert "Every check, in Norfolk, over the figures known by" in "\n".join(c.value for c in at.caption)
    found = table(at, "quality_findings")
    assert set(found["area"]) == {"Norfolk"}
    assert metric(at, "All findings") == str(len(found))
    at.selectbox(key="quality_area").set_value("all").run()
    assert metric(at, "All findings") == "14" and at.query_params["area"] == "all"


def test_quality_page_bad_area_in_the_link_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/data_quality.py", Audience.STAFF, monkeypatch, area="atlantis")
    assert_ran_cleanly(at)
    assert any("atlantis" in w.value and "not an area in this store, or all" in w.value.replace("\\", "") for w in at.warning)
    assert at.selectbox(key="quality_area").value == "derbyshire"  # the overview's first area, which the visit opened on


def test_quality_page_refuses_the_public(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(PROJECT_ROOT / "pages" / "data_quality.py", default_timeout=RUN_TIMEOUT_S).run()
    assert_ran_cleanly(at)
    assert [e.value for e in at.error] == ["This page is for Police and Crime Panel members or OPCC staff. Sign-in is not configured here."]
    assert not at.dataframe and MARKER not in everything_sent(at)


# --- the audit trail --------------------------------------------------------------------------


def test_audit_page_lists_every_change_newest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/audit.py", Audience.STAFF, monkeypatch)
    assert_ran_cleanly(at)
    assert [t.value for t in at.title] == ["Audit trail"]
    assert (metric(at, "Changes shown"), metric(at, "People"), metric(at, "Files")) == ("3", "2", "2")
    entries = table(at, "audit_entries")
    assert list(entries["Record"]) == ["wy-2018-isva", "wy-2018-isva-q2", "old-budget"]
    assert next(iter(entries["When (UK time)"])) == "20 September 2018 15:05:09"  # one date style in every table (issue 14)
    assert list(entries["Action"]) == ["update", "insert", "delete"]
    # The change picked first (the newest) shows its values before and after.
    changes = table(at, "audit_before_after")
    assert changes.to_dict("records") == [{"Field": "amount_pence", "Before": "£310,000", "After": "£232,500", "Changed": True}]
    imports = table(at, "audit_imports")
    assert list(imports["File"]) == ["spend-2018-q2.csv", "budgets.xlsx"]
    assert list(imports["Changes in the trail"]) == [2, 1]


def test_audit_page_filters_by_who_table_and_days(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/audit.py", Audience.STAFF, monkeypatch)
    at.selectbox(key="audit_who").set_value("bob@opcc.example").run()
    assert list(table(at, "audit_entries")["Record"]) == ["old-budget"]
    at.selectbox(key="audit_who").set_value(None).run()
    at.selectbox(key="audit_table").set_value("spend").run()
    assert list(table(at, "audit_entries")["Record"]) == ["wy-2018-isva", "wy-2018-isva-q2"]
    at.selectbox(key="audit_table").set_value(None).run()
    at.date_input(key="audit_days").set_value((date(2018, 9, 1), date(2018, 9, 1))).run()
    assert_ran_cleanly(at)
    assert list(table(at, "audit_entries")["Record"]) == ["old-budget"]


def test_audit_page_link_to_one_file(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/audit.py", Audience.STAFF, monkeypatch, sha256=BUDGET_SHA[:8])
    assert_ran_cleanly(at)
    assert at.text_input(key="audit_sha256").value == BUDGET_SHA[:8]
    assert list(table(at, "audit_entries")["File SHA-256"]) == [BUDGET_SHA]
    changes = table(at, "audit_before_after")
    assert changes.to_dict("records") == [{"Field": "amount_pence", "Before": "£1", "After": "(none)", "Changed": True}]


def test_audit_page_explains_a_sha256_that_is_not_one(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("pages/audit.py", Audience.STAFF, monkeypatch)
    at.text_input(key="audit_sha256").set_value("not-a-hash").run()
    assert_ran_cleanly(at)
    assert [shown(w.value) for w in at.warning] == [
        "“not-a-hash” is not a SHA-256: use the characters 0-9 and a-f only. Showing changes from every file."
    ]
    assert len(table(at, "audit_entries")) == 3


@pytest.mark.parametrize("audience", [Audience.PUBLIC, Audience.PANEL])
def test_audit_page_refuses_all_but_staff(audience: Audience, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(PROJECT_ROOT / "pages" / "audit.py", default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.run()
    assert_ran_cleanly(at)
    assert [e.value for e in at.error] == ["This page is for OPCC staff. Sign-in is not configured here."]
    assert "ann@opcc.example" not in everything_sent(at)


def test_an_empty_audit_trail_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'sample-only.sqlite3'}")
    at = open_page("pages/audit.py", Audience.STAFF, monkeypatch)
    assert_ran_cleanly(at)
    assert [i.value for i in at.info] == [
        "No changes have been recorded yet: the audit trail is empty. Each import of a file adds the changes it made here.",
        "No files have been imported yet.",
    ]
    assert not at.dataframe
