"""AppTests of panel meeting mode and the briefing pack, through the real entry point.

Meeting mode is projected in a public meeting, so it must show what the public may see whoever is signed
in: a canary record visible to the panel (a 2017/18 payment linked to no priority) must never reach it,
while the briefing pack, for panel and staff, does show it (the positive control).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.findings import Scope, findings_frame
from data_access.models import Audience, Spend, Visibility
from data_access.public import plain_text
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, shown

MARKER = "CANARY-meeting-7c2d"
PANEL_ONLY = "This page is for Police and Crime Panel members or OPCC staff"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This module's own store: the sample data plus a payment only the panel (and staff) may see."""
    url = f"sqlite:///{tmp_path_factory.mktemp('meeting_store') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    with Session(engine) as session:
        session.add(
            Spend(id=MARKER, area_id="west-yorkshire", financial_year=2017, amount_pence=4_321_00, description=f"{MARKER} payment",
                  visibility=Visibility.PANEL, source_id="wy-2018", source_section="test", basis="illustrative", basis_note=MARKER)
        )  # fmt: skip
        session.commit()
    engine.dispose()
    return url


def open_page(monkeypatch: pytest.MonkeyPatch, page: str, audience: Audience = Audience.PUBLIC, **params: str) -> AppTest:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.query_params.update(params)
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)
    return at


def words(at: AppTest) -> str:
    """Every word on the page: headings, text, alerts, metrics, badges' neighbours and every table cell."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info", "success", "error"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in [t.value for t in at.table] + [d.value for d in at.dataframe]:
        parts += [str(v) for v in [*frame.columns, *frame.to_numpy().ravel()]]
    return "\n".join(parts).replace("\\", "")  # Markdown escapes


def everything_sent(at: AppTest) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def position(at: AppTest) -> tuple[int, int]:
    """The item shown and how many the topic has, from the screen's "Item 4 of 7"."""
    [(item, count)] = [found.groups() for h in at.header if (found := re.fullmatch(r".+: Item (\d+) of (\d+)", h.value))]
    return int(item), int(count)


def walk(at: AppTest, markdown: list[str] | None = None) -> list[str]:
    """Every item of the open topic, from the one shown to its last, by the Next button: each item's words (and each
    Markdown element as sent, into `markdown` when given)."""
    seen = [words(at)]
    markdown = [] if markdown is None else markdown
    markdown += [m.value for m in at.markdown]
    topic = at.session_state["meeting_topic"]
    while position(at)[0] < position(at)[1]:
        at.button(key="meeting_next").click().run()
        assert not at.exception and at.session_state["meeting_topic"] == topic
        seen.append(words(at))
        markdown += [m.value for m in at.markdown]
    return seen


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table of the open topic, walking its items by the Next button."""
    found = [t.value for t in at.table]
    while position(at)[0] < position(at)[1]:
        at.button(key="meeting_next").click().run()
        found += [t.value for t in at.table]
    return found


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


# --- meeting mode -------------------------------------------------------------------------------------


def test_meeting_red_flags_from_a_deep_link(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="flags")
    assert at.title[0].value == "West Yorkshire: Police and Crime Panel, 14 September 2018"  # the date of the report's figures
    assert (metric(at, "High flags"), metric(at, "Medium flags"), metric(at, "Low flags")) == ("0", "5", "5")
    assert position(at) == (1, 11)  # the counts, then one flag to a screen
    assert at.query_params["topic"] == "flags" and at.query_params["meeting"] == "2018-09-14"
    sent: list[str] = []
    screens = walk(at, sent)
    text = "\n".join(screens)
    assert "the 5 shares by referral source add up to 95%, not 100% (25% + 11% + 17% + 13% + 29%)" in text
    assert "Question to ask: What accounts for the missing 5% in the share of perpetrator referrals by source" in text
    # The report itself publishes 996 a year and 224 a quarter: shown as published, so 4 × 224 = 896 adds up on the projector.
    assert "the stated annual figure of 996 does not match 4 × the stated quarterly average of 224 (896)" in text
    findings = "\n".join(line for line in text.splitlines() if line.startswith("####"))
    assert "about 995" not in findings and "about 225" not in findings
    # The same findings as the engine gives for the public at the meeting date, in the same order.
    engine = open_store(None, load_sample_data=False)
    try:
        with Session(engine) as session:
            expected = findings_frame(
                session=session, area="west-yorkshire", as_at=date(2018, 9, 14), audience=Audience.PUBLIC, scope=Scope.SCRUTINY
            )
    finally:
        engine.dispose()
    shown = [m for m in sent if m.startswith("### ")]
    assert shown == [f"### {n}. {plain_text(s)}" for n, s in enumerate(expected["statement"], start=1)]
    assert all(sum(line.startswith("### ") for line in screen.splitlines()) <= 1 for screen in screens)  # one flag a screen
    assert at.query_params["item"] == "11"


def test_meeting_mode_shows_the_public_view_to_a_panel_member(monkeypatch: pytest.MonkeyPatch) -> None:
    # 31 March 2018 is in 2017/18, the canary payment's year; as panel data it would be 'spend linked to no priority'.
    for topic in ("flags", "spend", "since"):
        at = open_page(
            monkeypatch, "meeting.py", Audience.PANEL, area="west-yorkshire", meeting="2018-03-31", since="2017-04-01", topic=topic
        )
        assert MARKER not in everything_sent(at), topic
        while position(at)[0] < position(at)[1]:
            at.button(key="meeting_next").click().run()
            assert MARKER not in everything_sent(at), topic
    flags = "\n".join(
        walk(open_page(monkeypatch, "meeting.py", Audience.PANEL, area="west-yorkshire", meeting="2018-03-31", topic="flags"))
    )
    assert "£5,000 of 2017/18 spend is linked to no Plan priority: Honour based abuse advice project" in flags  # public: £5k only


def test_meeting_spend_renewals_and_performance(monkeypatch: pytest.MonkeyPatch) -> None:
    spend = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="spend")
    assert metric(spend, "Spend 2018/19 (illustrative)") == "£1.86m"
    assert metric(spend, "Budget 2018/19") == "not published"
    renewals = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="renewals")
    assert metric(renewals, "Ending within 12 months") == "1"
    assert "Independent Sexual Advisor Contract (ISVA): ends 31 March 2019" in "\n".join(walk(renewals))
    performance = "\n".join(walk(open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="performance")))
    assert "Enhanced victims contacted within 48 hours (Core Referral Service) was 93% against a target of 100%" in performance
    # West Yorkshire's report is published: its counts are shown as it gives them, labelled so (issue 10).
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="performance")
    table = pd.concat(tables(at)).map(lambda v: re.sub(r"\\(.)", r"\1", str(v)))
    counts = table[
        table["What is measured"].isin(["ISVA referrals", "Trials at which ISVAs supported victims", "Perpetrator programme referrals"])
    ]
    assert sorted(zip(counts["Figure"], counts["Why it is shown this way"], strict=True)) == [
        ("224", "as published"),  # referrals a quarter (2.3.2)
        ("5,023", "as published"),  # perpetrator programme referrals (2.3.1)
        ("89", "as published"),  # trials supported
        ("996", "as published"),  # referrals a year
    ]


def test_meeting_renewals_derbyshire_lists_the_2021_services_as_status_not_published(monkeypatch: pytest.MonkeyPatch) -> None:
    """Meeting on Derbyshire's default date (1 November 2025): the nine services only the November 2021 strategy lists
    are not running; the topic says their current status is not published and which document last listed them."""
    at = open_page(monkeypatch, "meeting.py", area="derbyshire", topic="renewals")
    text = "\n".join(walk(at))
    assert "9 agreements are not shown as running: current status not published on 1 November 2025." in text
    at = open_page(monkeypatch, "meeting.py", area="derbyshire", topic="renewals")
    timeline = pd.concat(t for t in tables(at) if "Last listed" in t.columns).map(lambda v: re.sub(r"\\(.)", r"\1", str(v)))
    assert set(timeline["Status"]) == {"Current status not published"}
    assert set(timeline["Last listed"]) == {
        "Last listed in Commissioning Strategy (External Policy), Police and Crime Commissioner for Derbyshire, November 2021; "
        "current status not published"
    }
    assert "Dates not published" not in text


def test_meeting_since_the_last_meeting(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="since", since="2018-03-01")
    text = "\n".join(walk(at))
    assert "Since 1 March 2018: 14 dated changes" in text
    assert "1 April 2018: Independent Sexual Advisor Contract (ISVA): extension period began, running to 31 March 2019" in text
    assert "7 September 2018: Bidder's event for the new West Yorkshire ISVA service" in text
    assert at.query_params["since"] == "2018-03-01"


def test_meeting_last_meeting_after_this_one(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="since", since="2018-10-01")
    assert [e.value for e in at.error] == [
        "The last meeting (1 October 2018) is after this meeting (14 September 2018): set it in the sidebar."
    ]


def test_meeting_bad_link_values(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="kent", topic="budget", meeting="2018-13-45")
    warnings = [shown(w.value) for w in at.warning]
    assert any("The link's area “kent” is not an area in this store" in w for w in warnings)
    assert any("The link's topic “budget” is not a topic" in w for w in warnings)
    assert any("The link's meeting “2018-13-45” is not a date" in w for w in warnings)
    assert at.title[0].value.startswith("Derbyshire: Police and Crime Panel")  # the first area, at its own default date


def test_meeting_item_from_the_link_and_in_the_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clerk's "item 4 of 11": the link opens on it, the screen says so, and Next and Previous keep the link in step."""
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="flags", item="4")
    assert position(at) == (4, 11)
    assert [m.value[:7] for m in at.markdown if m.value.startswith("### ")] == ["### 3. "]  # the third flag (item 1: the counts)
    assert not at.warning
    at.button(key="meeting_next").click().run()
    assert position(at) == (5, 11) and at.query_params["item"] == "5"
    at.button(key="meeting_previous").click().run()
    at.button(key="meeting_previous").click().run()
    assert position(at) == (3, 11) and at.query_params["item"] == "3"


def test_meeting_next_and_previous_cross_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="flags", item="11")
    assert at.button(key="meeting_previous").disabled is False and at.button(key="meeting_next").disabled is False
    at.button(key="meeting_next").click().run()  # past the last flag: the spend topic's first item
    assert at.query_params["topic"] == "spend" and position(at)[0] == 1 and at.query_params["item"] == "1"
    at.button(key="meeting_previous").click().run()  # back: the last flag, not the first
    assert at.query_params["topic"] == "flags" and position(at) == (11, 11)
    first = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="flags", item="1")
    assert first.button(key="meeting_previous").disabled  # nothing before the first item of the first topic
    last = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="since", since="2018-03-01", item="7")
    assert position(last) == (7, 7) and last.button(key="meeting_next").disabled  # 14 changes, two to a screen


@pytest.mark.parametrize("raw", ["12", "0", "four", "-1"])
def test_meeting_bad_item_warns_and_shows_the_first(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="flags", item=raw)
    assert [shown(w.value) for w in at.warning] == [
        f"The link's item “{raw}” is not an item of this topic (1 to 11); showing item 1 instead."
    ]
    assert position(at) == (1, 11) and at.query_params["item"] == "1"


def test_meeting_performance_is_charts_per_measure_against_target(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="west-yorkshire", topic="performance")
    charts = []
    while position(at)[0] < position(at)[1]:
        at.button(key="meeting_next").click().run()
        assert len(at.get("plotly_chart")) + len(at.table) <= 1  # one chart or one table to a screen
        charts += at.get("plotly_chart")
    assert len(charts) == 2, "West Yorkshire publishes two breakdowns (referral source, reoffending): one chart each"


# --- the briefing pack --------------------------------------------------------------------------------


def test_briefing_for_the_panel(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "briefing.py", Audience.PANEL, area="west-yorkshire")
    assert at.title[0].value == "Briefing pack: West Yorkshire"
    text = words(at)
    assert "In 2018/19, £1,860,000 (illustrative) is recorded as spent and no budget is published" in text
    assert "1 agreement ends within 12 months: Independent Sexual Advisor Contract (ISVA) on 31 March 2019" in text
    assert "the stated annual figure of 996 does not match 4 × the stated quarterly average of 224 (896)" in text  # exact for the panel
    assert metric(at, "Red flags") == "10"
    assert any("Not for publication" in w.value for w in at.warning)
    buttons = at.get("download_button")
    assert len(buttons) == 1 and "Download the briefing pack (PDF)" in str(buttons[0].proto)


def test_briefing_shows_panel_records_to_the_panel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The positive control for the meeting mode canary test: the same record does reach the panel's own briefing."""
    at = open_page(monkeypatch, "briefing.py", Audience.PANEL, area="west-yorkshire", as_at="2018-03-31", year="2017-18")
    assert MARKER in words(at)
    # £5,000 + the £4,321 canary, which is illustrative: the label stands beside the figure it qualifies.
    assert "£9,321 (illustrative) of 2017/18 spend is linked to no Plan priority" in words(at)


def test_briefing_for_staff_includes_restricted_spend(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "briefing.py", Audience.STAFF, area="west-yorkshire")
    assert "In 2018/19, £1,872,500 (illustrative) is recorded as spent" in words(at)  # with the restricted £12,500 contingency payment


def test_briefing_is_refused_to_the_public(monkeypatch: pytest.MonkeyPatch) -> None:
    # Through the menu: the public's navigation has no briefing page, so the link lands on the overview.
    at = open_page(monkeypatch, "briefing.py", Audience.PUBLIC, area="west-yorkshire")
    assert not at.title[0].value.startswith("Briefing pack")
    # A hand-typed link that runs the page file itself: a clear message, and no figures.
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    direct = AppTest.from_file(str(ENTRYPOINT.parent / "pages" / "briefing.py"), default_timeout=RUN_TIMEOUT_S)
    direct.session_state["local_demo_audience"] = Audience.PUBLIC.value
    direct.query_params.update({"area": "west-yorkshire"})
    direct.run()
    assert not direct.exception
    assert [e.value for e in direct.error] == [f"{PANEL_ONLY}. Sign-in is not configured here."]
    sent = everything_sent(direct)
    assert "£1,860,000" not in sent and "red flag" not in sent.lower() and not direct.title
