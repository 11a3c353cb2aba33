"""Smoke tests in a real browser: every page renders without an exception, with its heading,
and the filters in the query string work; each page leaves a screenshot in docs/screenshots/.

Run only these with `pytest -m browser`; leave them out with `pytest -m "not browser"`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import PROJECT_ROOT, VIEWPORT, StreamlitServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
# Each page with the area whose seed document gives it the most to show, and a figure from that document.
PAGES = [
    ("overview", "/?area=west-yorkshire", "31 March 2019"),
    ("spend", "/spend?area=norfolk&year=2016-17", "£1.04m"),
    ("renewals", "/renewals?area=west-yorkshire&as_at=2018-09-14", "Ends within 12 months"),
    ("performance", "/performance?area=west-yorkshire", "Other agencies (29%)"),
]
# Streamlit scrolls inside <main data-testid="stMain">, not the document, so Playwright's
# full_page=True alone only captures one viewport: the viewport is stretched to the content first.
_CONTENT_HEIGHT_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const sidebar = document.querySelector('[data-testid="stSidebarContent"]');
  return Math.max(
    document.documentElement.scrollHeight,
    main ? main.scrollHeight : 0,
    sidebar ? sidebar.scrollHeight : 0,
  );
}
"""
MAX_SCREENSHOT_HEIGHT = 12_000


def full_page_screenshot(page: Page, path: Path) -> None:
    """A screenshot of the whole page, however long, at the test's viewport width."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = min(int(page.evaluate(_CONTENT_HEIGHT_JS)), MAX_SCREENSHOT_HEIGHT)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    try:
        page.wait_for_timeout(500)  # charts re-lay themselves out to the new size
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(VIEWPORT)


def assert_no_exception(page: Page, server: StreamlitServer, tmp_path: Path, what: str) -> None:
    """No Streamlit exception box and no traceback text; on failure, show the server's log."""
    exceptions = page.locator('[data-testid="stException"]')
    traceback_text = page.get_by_text("Traceback")
    # A syntax error shows a "Script execution error" dialog instead of an stException box.
    compile_error = page.locator('[data-testid="stApp"][data-test-script-state="compilationError"]')
    if exceptions.count() or traceback_text.count() or compile_error.count():
        shot = tmp_path / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        shown = (
            "\n".join(exceptions.all_inner_texts())
            or "\n".join(traceback_text.all_inner_texts())
            or "\n".join(page.get_by_role("dialog").all_inner_texts())
        )
        pytest.fail(
            f"{what} shows an exception (screenshot: {shot}):\n{shown}\n--- server output (tail) ---\n{server.log_tail()}",
            pytrace=False,
        )


def assert_visible_text(page: Page, text: str, what: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(text).filter(visible=True).first, f"{what}: no visible text containing {text!r}").to_be_visible()


@pytest.mark.parametrize(("name", "path", "figure"), PAGES, ids=[name for name, _, _ in PAGES])
def test_page_renders(name: str, path: str, figure: str, open_app: Callable[[str], Page], app_server: StreamlitServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = open_app(path)
    assert_no_exception(page, app_server, tmp_path, f"page {path}")
    heading = page.locator('[data-testid="stMain"] h1').first
    expect(heading, f"page {path} has no visible main heading (h1)").to_be_visible()
    assert_visible_text(page, figure, path)
    full_page_screenshot(page, SCREENSHOTS / f"{name}.png")


def test_renewals_filtered_by_area_and_date(open_app: Callable[[str], Page], app_server: StreamlitServer, tmp_path: Path) -> None:
    path = "/renewals?area=west-yorkshire&as_at=2018-09-14"
    page = open_app(path)
    assert_no_exception(page, app_server, tmp_path, path)
    assert_visible_text(page, "West Yorkshire", path)


def test_unknown_area_is_named_not_a_crash(open_app: Callable[[str], Page], app_server: StreamlitServer, tmp_path: Path) -> None:
    path = "/?area=nowhere"
    page = open_app(path)
    assert_no_exception(page, app_server, tmp_path, path)
    assert_visible_text(page, "nowhere", path)
