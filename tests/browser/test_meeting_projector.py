"""Meeting mode on a projector (issue 14): at 1280x720 and 1024x768, every item of every topic for West Yorkshire fits
one screen in type readable from the back of a room (body text at least 28 px), nothing is cut off at the right, and
the keys a presenter's remote sends (PageDown/PageUp) and the arrow keys move between items and keep the link in step.

Screenshots of every item go to PROJECTOR_SHOTS (default /tmp/projector) to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import StreamlitServer, wait_for_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PROJECTOR_SHOTS", "/tmp/projector"))
START = "/meeting?area=west-yorkshire&topic=flags&item=1&meeting=2018-09-14&since=2018-03-01"

# What is measured on the item shown: the smallest body text, whether the item ends inside the window, and anything
# wider than its box (text cut off or scrolled sideways). Captions (sources, notes) and the topic bar's label are not body text.
MEASURE_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const item = document.querySelector('.st-key-meeting_item');
  const body = [...main.querySelectorAll('[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li, td, th')]
    .filter(e => !e.closest('[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"]') && e.offsetParent !== null
      && e.textContent.trim() !== '');
  const sizes = body.map(e => parseFloat(getComputedStyle(e).fontSize));
  const clipped = [...main.querySelectorAll('*')]
    .filter(e => e.offsetParent !== null && !(e instanceof SVGElement) && !e.closest('.js-plotly-plot')
      && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => (e.getAttribute('data-testid') || e.tagName) + ': ' + e.textContent.trim().slice(0, 60));
  const metrics = [...main.querySelectorAll('[data-testid="stMetricValue"] *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent);
  // A chart's text (value labels, ticks, titles) inside the chart's own box: nothing drawn past its edge.
  const charts = [...main.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
    const edge = plot.getBoundingClientRect();
    return [...plot.querySelectorAll('svg text')].filter(t => {
      const r = t.getBoundingClientRect();
      return r.width > 0 && (r.right > edge.right + 1 || r.left < edge.left - 1);
    }).map(t => t.textContent);
  });
  const box = item.getBoundingClientRect();
  return {
    smallest: sizes.length ? Math.min(...sizes) : null,
    bottom: box.bottom + window.scrollY, right: box.right, height: window.innerHeight, width: window.innerWidth,
    scroll: document.scrollingElement.scrollHeight, mainScroll: main.scrollHeight, mainHeight: main.clientHeight,
    clipped, metrics, charts,
    position: (document.querySelector('.st-key-meeting_position') || {}).textContent || '',
  };
}
"""


@pytest.fixture(params=[(1280, 720), (1024, 768)], ids=["1280x720", "1024x768"])
def projector(request: pytest.FixtureRequest, chromium: Browser, app_server: StreamlitServer) -> Iterator[tuple[Page, str]]:
    width, height = request.param
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(app_server.url + START, wait_until="domcontentloaded")
        wait_for_app(page)
        yield page, f"{width}x{height}"
    finally:
        context.close()


def item_in_link(page: Page) -> tuple[str, int]:
    topic = re.search(r"[?&]topic=(\w+)", page.url)
    item = re.search(r"[?&]item=(\d+)", page.url)
    assert topic and item, page.url
    return topic.group(1), int(item.group(1))


def test_every_item_fits_one_projector_screen(projector: tuple[Page, str]) -> None:
    page, size = projector
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The sidebar closed: the item starts at the left edge and takes the window's width.
    left, width = page.evaluate(
        "() => { const r = document.querySelector('.st-key-meeting_item').getBoundingClientRect(); return [r.left, r.width]; }"
    )
    assert left < 64 and width > page.viewport_size["width"] - 128, (left, width)
    problems: list[str] = []
    seen = 0
    keys = ["ArrowRight", "PageDown"]
    while True:
        topic, item = item_in_link(page)
        m = page.evaluate(MEASURE_JS)
        name = f"{size} {topic} {item}"
        page.screenshot(path=str(SHOTS / f"{size}-{topic}-{item:02d}.png"))
        assert re.fullmatch(rf".+: Item {item} of \d+", m["position"].strip()), (name, m["position"])
        if m["smallest"] is not None and m["smallest"] < 28:
            problems.append(f"{name}: body text {m['smallest']} px")
        if m["bottom"] > m["height"] + 1:
            problems.append(f"{name}: the item ends at {m['bottom']:.0f} px, below the {m['height']} px screen")
        if m["right"] > m["width"] + 1:
            problems.append(f"{name}: the item is {m['right']:.0f} px wide in a {m['width']} px window")
        if m["clipped"]:
            problems.append(f"{name}: cut off: {m['clipped'][:3]}")
        if m["charts"]:
            problems.append(f"{name}: chart text past the chart's edge: {m['charts'][:3]}")
        if m["metrics"]:
            problems.append(f"{name}: metric cut off: {m['metrics']}")
        seen += 1
        if page.locator(".st-key-meeting_next button").is_disabled():
            break
        page.locator("body").press(keys[seen % 2])  # a remote's PageDown, then the keyboard's arrow
        wait_for_app(page)
        after = item_in_link(page)
        assert after != (topic, item), f"{name}: {keys[seen % 2]} did not move to the next item"
        assert after == (topic, item + 1) or after[1] == 1, (name, after)
    assert seen >= 20, f"only {seen} items walked"  # 11 flag screens alone
    assert not problems, "\n".join(problems)


def test_previous_by_page_up_and_arrow_left(projector: tuple[Page, str]) -> None:
    page, _ = projector
    page.locator("body").press("PageDown")
    wait_for_app(page)
    page.locator("body").press("ArrowRight")
    wait_for_app(page)
    assert item_in_link(page) == ("flags", 3)
    assert "Item 3 of 11" in page.locator(".st-key-meeting_position").inner_text()
    page.locator("body").press("PageUp")
    wait_for_app(page)
    assert item_in_link(page) == ("flags", 2)
    page.locator("body").press("ArrowLeft")
    wait_for_app(page)
    assert item_in_link(page) == ("flags", 1)
    page.locator(".st-key-meeting_next button").click()  # the buttons do the same
    wait_for_app(page)
    assert item_in_link(page) == ("flags", 2)
