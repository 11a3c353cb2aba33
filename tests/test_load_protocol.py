"""The load test's protocol client (benchmarks/load.py): the BackMsg it sends is the one the frontend sends on a first
visit, a real server runs the page it names, and the ForwardMsgs it reads fail a visit that shows an exception.

One short-lived `streamlit run dashboard.py` on loopback with the sample store; no browser."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.browser import PROJECT_ROOT, STORE_FAULT, serve
from benchmarks.load import Received, VisitFailed, protocol_visit, read_forward_msg, rerun_message
from data_access.db import open_store


def test_rerun_message_is_the_frontends_first_visit() -> None:
    message = rerun_message("http://127.0.0.1:8501", "renewals", "area=norfolk")

    assert message.WhichOneof("type") == "rerun_script"
    rerun = message.rerun_script
    assert (rerun.query_string, rerun.page_name, rerun.page_script_hash) == ("area=norfolk", "renewals", "")
    assert rerun.context_info.url == "http://127.0.0.1:8501/renewals?area=norfolk"
    assert (rerun.context_info.timezone, rerun.context_info.locale) == ("Europe/London", "en-GB")
    assert len(rerun.widget_states.widgets) == 0


def _delta_with(kind: str) -> ForwardMsg:
    message = ForwardMsg()
    element = message.delta.new_element
    if kind == "exception":
        element.exception.type = "KeyError"
        element.exception.message = "'area'"
    else:
        element.alert.body = f"**The {STORE_FAULT} just now.** The server is busy."
    return message


def test_forward_msgs_end_the_run_and_fail_on_an_exception_or_the_store_fault() -> None:
    received = Received()
    assert read_forward_msg(_delta_with("exception").SerializeToString(), received) is False
    assert received.problem == "exception: KeyError: 'area'"

    faulted = Received()
    read_forward_msg(_delta_with("fault").SerializeToString(), faulted)
    assert faulted.problem == "store fault shown"

    rerun, finished = ForwardMsg(), ForwardMsg()
    rerun.script_finished = ForwardMsg.FINISHED_EARLY_FOR_RERUN
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    clean = Received()
    assert read_forward_msg(rerun.SerializeToString(), clean) is False  # a rerun follows: keep reading
    assert read_forward_msg(finished.SerializeToString(), clean) is True
    assert clean.problem is None
    assert clean.messages == 2


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("load_protocol")
    url = f"sqlite:///{folder / 'sample.sqlite3'}"
    open_store(url, load_sample_data=True).dispose()
    with serve(PROJECT_ROOT / "dashboard.py", url, folder / "app.log") as server:
        yield server.url


def visit(server_url: str, page: str) -> Received:
    """One protocol visit, in a thread of its own: Playwright's sync API (the browser tests, earlier in the same
    pytest run) leaves an event loop running in this one, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, protocol_visit(server_url, page, "area=norfolk", 60)).result()


def test_the_server_runs_the_page_the_backmsg_names(server_url: str) -> None:
    overview = visit(server_url, "")
    renewals = visit(server_url, "renewals")

    assert (overview.page_url_path, renewals.page_url_path) == ("", "renewals")
    assert overview.problem is None and renewals.problem is None
    assert overview.runs >= 1 and renewals.runs >= 1
    assert renewals.bytes > 5_000  # the page's elements, not just the session's opening messages


def test_a_page_that_does_not_exist_fails_the_visit(server_url: str) -> None:
    with pytest.raises(VisitFailed, match=r"^page not found$"):
        visit(server_url, "no-such-page")
