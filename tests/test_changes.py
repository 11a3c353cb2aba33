"""'Since the last meeting': what the seeded store dates between two meetings, from West Yorkshire's report of
14 September 2018 (and an audit trail added inside the test's own session, never committed)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlmodel import Session

from data_access import changes
from data_access.models import Audience, AuditEntry, Milestone

CITED = {"source_id": "wy-2018", "source_section": "test record", "basis": "illustrative", "basis_note": "added by a test"}


def between(session: Session, since: date, until: date, audience: Audience = Audience.PUBLIC, area: str = "west-yorkshire") -> pd.DataFrame:
    frame = changes.changes_between(session=session, area=area, since=since, until=until, audience=audience)
    assert list(frame.columns) == [*changes.COLUMNS, "when"]
    assert list(frame["on"]) == sorted(frame["on"])  # oldest first
    return frame


def row(frame: pd.DataFrame, record_id: str, kind: str) -> pd.Series:
    rows = frame[(frame["record_id"] == record_id) & (frame["kind"] == kind)]
    assert len(rows) == 1, f"{len(rows)} rows for {record_id} / {kind}: {list(zip(frame['record_id'], frame['kind'], strict=True))}"
    return rows.iloc[0]


@pytest.fixture
def spring_to_september(session: Session) -> pd.DataFrame:
    return between(session, date(2018, 3, 1), date(2018, 9, 14))


def test_isva_extension_period_start_and_bidders_event(spring_to_september: pd.DataFrame) -> None:
    extension = row(spring_to_september, "wy-isva-final-extension", "Amendment took effect")
    assert extension["on"] == date(2018, 4, 1)  # the day after the end it extends (31 March 2018)
    assert extension["what"] == "Independent Sexual Advisor Contract (ISVA): extension period began, running to 31 March 2019"
    assert extension["citations"] == "wy-2018|2.2.3 Independent Sexual Advisor Contract (ISVA)"
    event = row(spring_to_september, "wy-isva-bidders-event", "Re-procurement step")
    assert event["when"] == "7 September 2018"
    assert event["what"].startswith("Bidder's event for the new West Yorkshire ISVA service")


def test_agreements_starting_and_ending_in_the_window(spring_to_september: pd.DataFrame) -> None:
    assert row(spring_to_september, "wy-core-referral", "Agreement started")["on"] == date(2018, 4, 1)
    assert row(spring_to_september, "wy-rj", "Agreement started")["what"] == "Restorative Justice started (Restorative Solutions)"
    ended = row(spring_to_september, "wy-victims-champion", "Agreement ended")
    assert ended["when"] == "March 2018"  # the report gives the month only
    assert row(spring_to_september, "wy-hba-advice", "Agreement ended")["when"] == "31 March 2018"
    # The planned 2019 services do not start until 1 April 2019.
    assert not spring_to_september["record_id"].isin(["wy-isva-2019", "wy-perpetrator-2019"]).any()


def test_new_figures_and_the_source_published_in_the_window(spring_to_september: pd.DataFrame) -> None:
    figures = spring_to_september[spring_to_september["kind"] == "New figure"]
    year = figures[figures["what"] == "Figures for ISVA referrals, 2017/18 (Independent Sexual Advisor Contract (ISVA))"].iloc[0]
    assert set(year["record_id"].split("\n")) == {"wy-isva-referrals-2017-avg", "wy-isva-referrals-2017-pa"}  # 224 a quarter, 996 a year
    assert year["on"] == date(2018, 3, 31) and not year["illustrative"]
    quarter = figures[figures["record_id"] == "wy-enhanced-48h-2018-q1"].iloc[0]
    assert quarter["on"] == date(2018, 6, 30) and quarter["illustrative"]  # the 93% is illustrative
    spend = figures[figures["record_id"] == "spend 2017/18"].iloc[0]
    assert spend["what"] == "Spend for 2017/18: 4 payment totals recorded" and spend["illustrative"]
    source = row(spring_to_september, "wy-2018", "Source published")
    assert source["when"] == "14 September 2018"  # the last day of the window is included


def test_outside_the_window_is_left_out(spring_to_september: pd.DataFrame) -> None:
    ids = set(spring_to_september["record_id"])
    assert "wy-da-specialist-options-paper" not in ids  # 9 November 2018
    assert "wy-victims-champion-extension" not in ids  # took effect 1 April 2016
    assert "wy-perpetrator" not in ids  # ended 30 November 2017
    assert len(spring_to_september) == 14


def test_both_days_of_the_window_are_included(session: Session) -> None:
    day = between(session, date(2018, 9, 7), date(2018, 9, 7))
    assert list(day["record_id"]) == ["wy-isva-bidders-event"]
    assert between(session, date(2018, 9, 8), date(2018, 9, 13)).empty


def test_a_window_that_ends_before_it_starts_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match=r"ends .*14 September 2018.* before it starts .*1 October 2018"):
        changes.changes_between(
            session=session, area="west-yorkshire", since=date(2018, 10, 1), until=date(2018, 9, 14), audience=Audience.PUBLIC
        )


def test_restricted_milestones_only_for_staff(session: Session) -> None:
    session.add(Milestone(id="t-restricted-step", agreement_id="wy-isva", on=date(2018, 8, 1), kind="decision", title="Contingency agreed",
                          visibility="restricted", **CITED))  # fmt: skip
    session.flush()
    for audience, seen in ((Audience.PUBLIC, False), (Audience.PANEL, False), (Audience.STAFF, True)):
        frame = between(session, date(2018, 3, 1), date(2018, 9, 14), audience)
        assert ("t-restricted-step" in set(frame["record_id"])) is seen, audience
    session.rollback()


def test_audit_entries_in_the_window_for_staff_only(session: Session) -> None:
    audit = {"who": "analyst@opcc.example", "file_name": "agreements.csv", "file_sha256": "ab" * 32}
    session.add(AuditEntry(at=datetime(2018, 6, 1, 9, 30, tzinfo=UTC), action="update", table_name="agreement", record_key="wy-rj",
                           before='{"status": "planned"}', after='{"status": "active"}', **audit))  # fmt: skip
    session.add(AuditEntry(at=datetime(2018, 6, 2, 9, 30, tzinfo=UTC), action="insert", table_name="milestone",
                           record_key="wy-isva-bidders-event",
                           after='{"title": "Bidder\'s event"}', **audit))  # fmt: skip
    session.add(AuditEntry(at=datetime(2018, 6, 3, 9, 30, tzinfo=UTC), action="delete", table_name="spend", record_key="gone",
                           before='{"area_id": "norfolk", "amount_pence": 100}', **audit))  # fmt: skip
    session.add(AuditEntry(at=datetime(2018, 12, 1, 9, 30, tzinfo=UTC), action="update", table_name="agreement", record_key="wy-isva",
                           before="{}", after="{}", **audit))  # fmt: skip
    session.flush()
    staff = between(session, date(2018, 3, 1), date(2018, 9, 14), Audience.STAFF)
    audited = staff[staff["kind"] == "Record changed"]
    # West Yorkshire's agreement and milestone changes, in the window; not Norfolk's deleted spend, nor the December change.
    assert list(audited["what"]) == [
        "Agreement wy-rj: update by analyst@opcc.example from agreements.csv",
        "Milestone wy-isva-bidders-event: insert by analyst@opcc.example from agreements.csv",
    ]
    assert list(audited["on"]) == [date(2018, 6, 1), date(2018, 6, 2)]
    norfolk = between(session, date(2018, 3, 1), date(2018, 9, 14), Audience.STAFF, area="norfolk")
    assert list(norfolk.loc[norfolk["kind"] == "Record changed", "record_id"]) == ["gone"]
    for audience in (Audience.PUBLIC, Audience.PANEL):
        assert not (between(session, date(2018, 3, 1), date(2018, 9, 14), audience)["kind"] == "Record changed").any()
    session.rollback()
