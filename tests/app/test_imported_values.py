"""Imported figures shown honestly, on every page that shows performance, for every audience: a percentage with the
decimals it was published with (99.8% never 100%, 11.5% never 12%), labelled "as published"; a breakdown whose
dimension is "service" and a breakdown measure reported by two agreements never break a page; quarterly figures with
no target read "no target published"; "No dates published" counts every undated agreement.

The store is the sample data plus `tests.imported_performance` (Testshire, made up for these tests)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.models import Audience
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, shown
from tests.imported_performance import AREA, AREA_NAME, add_imported_performance

ALL = (Audience.PUBLIC, Audience.PANEL, Audience.STAFF)
# What a whole-percent format made of 99.8 and 97.25 (11.5 became 12%, but 12.0 is published too, and is 12%).
ROUNDED_AWAY = ("100%", "97%")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This module's own store: the sample data plus Testshire's imported performance table."""
    url = f"sqlite:///{tmp_path_factory.mktemp('imported_store') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    add_imported_performance(engine)
    engine.dispose()
    return url


def open_page(monkeypatch: pytest.MonkeyPatch, page: str, audience: Audience, **params: str) -> AppTest:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.query_params.update({"area": AREA, **params})
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)
    return at


def words(at: AppTest) -> str:
    """Every word on the page: headings, text, alerts, metrics, table cells and chart labels and hovers."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info", "success", "error"):
        parts += [shown(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in [t.value for t in at.table] + [d.value for d in at.dataframe]:
        parts += [shown(v) for v in [*frame.columns, *frame.to_numpy().ravel()]]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    return "\n".join(parts)


def cells(at: AppTest) -> list[str]:
    return [shown(v) for frame in [t.value for t in at.table] + [d.value for d in at.dataframe] for v in frame.to_numpy().ravel()]


def assert_rates_as_published(*visits: AppTest) -> None:
    """The rates are on the page (across `visits` of it, where a page shows one choice at a time), never rounded."""
    text, table_cells = "\n".join(words(at) for at in visits), [c for at in visits for c in cells(at)]
    for rate in ("99.8%", "11.5%", "97.25%"):
        assert rate in text, f"{rate} is not on the page"
    for rounded in ROUNDED_AWAY:
        assert rounded not in table_cells, f"{rounded} (a published rate rounded) is in a table"
    assert "as published" in text


@pytest.mark.parametrize("audience", ALL, ids=[a.value for a in ALL])
def test_performance_page_shows_imported_rates_as_published(monkeypatch: pytest.MonkeyPatch, audience: Audience) -> None:
    # The page charts one service at a time: a reader choosing each of Testshire's two services in turn (by the link).
    visits = [open_page(monkeypatch, "performance.py", audience, service=service) for service in ("ts-isva", "ts-outreach")]
    for at in visits:
        assert at.title[0].value == f"Provider performance: {AREA_NAME}"
        assert "no target published" in cells(at)  # each service's quarterly rates have none
    assert_rates_as_published(*visits)


@pytest.mark.parametrize("audience", ALL, ids=[a.value for a in ALL])
def test_meeting_performance_shows_imported_rates_as_published(monkeypatch: pytest.MonkeyPatch, audience: Audience) -> None:
    # Meeting mode shows one item at a time: the clerk's links to each item of the topic in turn.
    first = open_page(monkeypatch, "meeting.py", audience, topic="performance")
    [count] = [int(h.value.rsplit(" ", 1)[1]) for h in first.header if " of " in h.value]
    visits = [first] + [open_page(monkeypatch, "meeting.py", audience, topic="performance", item=str(n)) for n in range(2, count + 1)]
    assert_rates_as_published(*visits)
    assert "no target published" in [c for at in visits for c in cells(at)]


@pytest.mark.parametrize("audience", ALL, ids=[a.value for a in ALL])
def test_public_performance_page_shows_imported_rates_as_published(monkeypatch: pytest.MonkeyPatch, audience: Audience) -> None:
    at = open_page(monkeypatch, "transparency_services.py", audience)
    assert_rates_as_published(at)
    assert "no target published" in cells(at)


@pytest.mark.parametrize("audience", (Audience.PANEL, Audience.STAFF), ids=["panel", "staff"])
def test_briefing_shows_imported_rates_as_published(monkeypatch: pytest.MonkeyPatch, audience: Audience) -> None:
    at = open_page(monkeypatch, "briefing.py", audience)
    assert_rates_as_published(at)
    assert "no target published" in cells(at)


def test_briefing_is_still_refused_to_the_public(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "briefing.py", Audience.PUBLIC)
    assert "99.8%" not in words(at)


@pytest.mark.parametrize(
    ("as_at", "note"),
    [
        # All three running: the helpline has a start but no end, the other two neither.
        ("2024-03-31", "Agreements whose end date is not published, whatever their status: 3 counted as running. "
                       "1 of them has a published start date."),
        # Before their document's date they are not yet listed, so not running: still undated.
        ("2020-06-01", "Agreements whose end date is not published, whatever their status: 3 current status not published. "
                       "1 of them has a published start date."),
    ],
)  # fmt: skip
def test_no_dates_published_counts_every_undated_agreement(monkeypatch: pytest.MonkeyPatch, as_at: str, note: str) -> None:
    at = open_page(monkeypatch, "renewals.py", Audience.PUBLIC, as_at=as_at)
    (tile,) = [m for m in at.metric if m.label == "No dates published"]
    assert (tile.value, tile.help) == ("3", note)
