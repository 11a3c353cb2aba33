"""Fixtures for the AppTest tests: the real app (`dashboard.py` and its pages) run in-process by
Streamlit's AppTest, against a fresh SQLite store that the app itself fills with the sample data.

- DATABASE_URL points at a SQLite file in a session temporary folder, so the tests never touch the
  developer's .data/ store; the first run of the session migrates it and loads sample_data/.
- Streamlit's caches are process-wide, so they are cleared around every test: `ui/cache.py` keeps
  the engine in st.cache_resource and query results in st.cache_data.
- AppTest sets `PagesManager.uses_pages_directory` afresh before every run, and because this project
  has a `pages/` folder next to the entry script, every AppTest run would start in Streamlit's old
  pages-folder mode: `switch_page("pages/spend.py")` would then run pages/spend.py on its own, without
  dashboard.py's filters (KeyError '_current_filters', or a stale Filters from the previous run).
  A running server leaves that mode for good the first time st.navigation is called, and serves
  /spend through dashboard.py (checked with `streamlit run` and Chromium); `_NavigationPagesManager`
  puts each AppTest run in that state, so the tests see what a visitor sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = PROJECT_ROOT / "dashboard.py"
# The first run of a session migrates the store and loads the sample data.
RUN_TIMEOUT_S = 60

PAGE_FILES = {
    "overview": "pages/overview.py",
    "spend": "pages/spend.py",
    "renewals": "pages/renewals.py",
    "performance": "pages/performance.py",
    "compare": "pages/compare.py",
    "trends": "pages/trends.py",
}


def shown(markdown: object) -> str:
    """What a reader sees of Markdown source whose punctuation is backslash-escaped (data_access.text.safe_text)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace("\u2060", "")  # and text.WORD_JOINER


class _NavigationPagesManager(PagesManager):
    """PagesManager as a running server has it once st.navigation has been called: no pages-folder mode."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite file for this test session; the app creates, migrates and fills it."""
    return f"sqlite:///{tmp_path_factory.mktemp('apptest_store') / 'commissioning.sqlite3'}"


def _clear_streamlit_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def app_environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """Every test: the test store, the project root as working folder, and empty Streamlit caches."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOAD_SAMPLE_DATA", "yes")
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
    _clear_streamlit_caches()  # the engine may have been opened on another DATABASE_URL
    yield
    _clear_streamlit_caches()
    PagesManager.uses_pages_directory = None


@pytest.fixture
def open_app() -> Callable[..., AppTest]:
    """`open_app(page, **query_params)`: the app as a fresh visit to that page's link, already run.

    `page` is a key of PAGE_FILES; query parameters are given as in the link (year="2016-17"); `audience`
    ("panel", "staff") views the page through the local demo switch, which needs LOCAL_DEMO=yes.
    """

    def _open(page: str = "overview", *, audience: str | None = None, **query_params: str) -> AppTest:
        at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
        if audience:  # view as panel or staff through the local demo switch (LOCAL_DEMO=yes, set by the caller)
            at.session_state["local_demo_audience"] = audience
        at.query_params.update(query_params)
        if page != "overview":
            # Before the first run AppTest finds a page by its file name, which is also each page's url_path here.
            at.switch_page(PAGE_FILES[page])
        return at.run()

    return _open
