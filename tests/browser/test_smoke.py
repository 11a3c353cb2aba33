"""Smoke tests in a real browser: every page renders without an exception, with its heading,
and the filters in the query string work; each page leaves screenshots in docs/screenshots/:
<page>-screen.png (the first screen, 1366x768) and <page>.png (the full page, 1366 wide).

Run only these with `pytest -m browser`; leave them out with `pytest -m "not browser"`.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import SCREENSHOTS, SHOWCASE, VIEWPORT, StreamlitServer
from tests.browser.tour import full_page_screenshot, screenshot_audience
from ui.navigation import PAGES as REGISTRY

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PAGES = SHOWCASE


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
def test_page_renders(
    name: str, path: str, figure: str, open_app: Callable[[str], Page], app_server: StreamlitServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = open_app(path)
    assert_no_exception(page, app_server, tmp_path, f"page {path}")
    heading = page.locator('[data-testid="stMain"] h1').first
    expect(heading, f"page {path} has no visible main heading (h1)").to_be_visible()
    assert_visible_text(page, figure, path)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-screen.png"), animations="disabled")  # the first screen, 1366x768
    full_page_screenshot(page, SCREENSHOTS / f"{name}.png", dict(VIEWPORT))


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


# --- screenshots --------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_every_page_has_its_screenshots(tours) -> None:
    """Run after test_page_renders (same module, later): <page>-screen.png at 1366x768 and <page>.png, 1366 wide."""
    showcase = {name for name, _, _ in SHOWCASE}
    problems = []
    for spec in REGISTRY:
        stem = Path(spec.file).stem
        if stem not in showcase:  # test_smoke.py takes these, from the links that show them best
            tours.visit(screenshot_audience(spec), spec)
        for name, height in ((f"{stem}-screen.png", VIEWPORT["height"]), (f"{stem}.png", None)):
            path = SCREENSHOTS / name
            if not path.exists():
                problems.append(f"{name} is missing")
                continue
            width, tall = _png_size(path)
            if width != VIEWPORT["width"] or (height and tall != height) or tall < VIEWPORT["height"]:
                problems.append(f"{name} is {width}x{tall}")
    assert not problems, problems
