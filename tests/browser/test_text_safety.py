"""The attacker's link (issue 10) in a real Chromium: the warning shows the link's text as written, with no link,
no image, no red text, and the browser asks no host but the app's.

AppTest sees the Markdown source (tests/app/test_link_injection.py); this sees what Streamlit's Markdown renderer
(with its colour directives) actually draws.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import pytest

from data_access.text import WORD_JOINER
from tests.browser.conftest import StreamlitServer, wait_for_app
from tests.test_text_safety import ATTACK

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

LINKS = {"area": "/?area={}", "topic": "/meeting?area=west-yorkshire&topic={}"}

# The colour of each element holding "Security notice" inside the warning, and the warning's own text colour.
_COLOURS_JS = """
() => {
  const alert = [...document.querySelectorAll('[data-testid="stAlert"]')].find(a => a.innerText.includes('Security notice'));
  if (!alert) return null;
  const base = getComputedStyle(alert.querySelector('p') || alert).color;
  const holders = [...alert.querySelectorAll('*')].filter(e => [...e.childNodes].some(
    n => n.nodeType === Node.TEXT_NODE && n.textContent.includes('Security notice')));
  return {base, colours: holders.map(e => getComputedStyle(e).color), text: alert.innerText};
}
"""


@pytest.mark.parametrize("param", list(LINKS))
def test_the_attack_link_renders_as_plain_text(param: str, page: Page, app_server: StreamlitServer, tmp_path: Path) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(app_server.url + LINKS[param].format(quote(ATTACK)), wait_until="domcontentloaded")
    wait_for_app(page)
    page.screenshot(path=str(tmp_path / f"{param}.png"), full_page=True)

    assert page.locator('a[href*="evil.example"]').count() == 0
    assert page.locator('img[src*="example.invalid"]').count() == 0
    found = page.evaluate(_COLOURS_JS)
    assert found is not None, "no warning names the link's value"
    text = found["text"].replace(WORD_JOINER, "")  # the invisible joiner that stops GFM linking bare addresses
    assert "[continue to the new site](https://evil.example/login)" in text
    assert ":red[Security notice]" in text  # shown as written, not as a colour
    assert found["colours"] and all(colour == found["base"] for colour in found["colours"]), found
    app_host = urlsplit(app_server.url).netloc
    elsewhere = [url for url in requested if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != app_host]
    assert not elsewhere, elsewhere
