"""A tour of every page for every audience, in one browser tab per audience, recording what the tests check.

Each audience gets one browser context, opened at the overview and switched to that audience with the
sidebar's 'LOCAL DEMO ONLY: view as' radio (the server runs with LOCAL_DEMO=yes); every page is then
reached by clicking its link in the menu, as a visitor would, so the session (and its audience) is kept.
A visit renders the page once and records everything the tests need from it, so axe-core runs once per
page and audience however many tests read its findings:

- the main heading, any exception shown;
- axe-core's violations and 'needs review' results (WCAG 2.0/2.1/2.2 A and AA tags);
- every chart: its text alternative, the sentence before it, the table after it;
- every widget: its label and whether the label is visible;
- the widgets reached by pressing Tab from the top of the page to the end;
- screenshots (first screen and full page) for the audience that shows the page to the widest public;
- what runs off the side of a window 320 CSS pixels wide (WCAG 1.4.10 Reflow: a phone, or 1280 pixels at 400% zoom).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_access.models import Audience
from ui.accessibility import AXE_TAGS
from ui.audience import AUDIENCE_NAMES
from ui.navigation import PAGES, PageSpec

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The tags the accessibility statement says were tested: one value, read by both.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": list(AXE_TAGS)}, "resultTypes": ["violations", "incomplete"]}
BLOCKING_IMPACTS = {"serious", "critical"}
AUDIENCE_ORDER = [Audience.PUBLIC, Audience.PANEL, Audience.STAFF]
DEMO_RADIO_LABEL = "LOCAL DEMO ONLY: view as"
MAX_TABS = 800

# Streamlit's widgets, by the data-testid of their container.
WIDGET_TESTIDS = [
    "stSelectbox",
    "stMultiSelect",
    "stDateInput",
    "stTimeInput",
    "stRadio",
    "stCheckbox",
    "stTextInput",
    "stTextArea",
    "stNumberInput",
    "stSlider",
    "stFileUploader",
    "stButton",
    "stDownloadButton",
    "stFormSubmitButton",
    "stColorPicker",
    "stButtonGroup",
    "stChatInput",
]
FILTER_LABELS = ("Policing area", "Financial year", "As at", "Plan priority")


def cases() -> list[tuple[Audience, PageSpec]]:
    """(audience, page) for every page in the registry and every audience that may reach it."""
    return [(audience, spec) for spec in PAGES for audience in AUDIENCE_ORDER if audience in spec.audiences]


def case_id(case: tuple[Audience, PageSpec]) -> str:
    audience, spec = case
    return f"{audience.value}-{Path(spec.file).stem}"


def screenshot_audience(spec: PageSpec) -> Audience:
    """The audience whose view of this page goes in docs/screenshots: the widest that may reach it."""
    return next(a for a in AUDIENCE_ORDER if a in spec.audiences)


@dataclass
class Chart:
    """One st.plotly_chart as rendered."""

    label: str  # aria-label of the role=figure element
    role: str
    before: str  # text of the element just before it
    after_kind: str  # 'expander', 'table', 'dataframe' or what else follows
    after_text: str
    after_has_table: bool


@dataclass
class Widget:
    """One widget as rendered."""

    index: int
    testid: str
    label: str
    label_visible: bool
    visible: bool
    disabled: bool
    in_sidebar: bool


@dataclass
class Visit:
    """What one page looked like to one audience."""

    audience: Audience
    spec: PageSpec
    url: str
    title: str  # the browser tab's title
    h1: list[str]
    text: str  # everything the main area says, as a reader sees it
    headings: list[tuple[int, str]]  # (level, text) of every heading in the main area, in order
    grids: int  # st.dataframe grids on the page
    exceptions: list[str]
    axe_version: str
    violations: list[dict[str, Any]]
    incomplete: list[dict[str, Any]]
    passes: int
    charts: list[Chart]
    widgets: list[Widget]
    reached: set[int]
    tab_stops: int
    timings: dict[str, float]  # seconds: navigate, read, keyboard, axe, screenshots
    screenshots: list[Path] = field(default_factory=list)
    overflowing: list[str] = field(default_factory=list)  # what runs off a window 320 CSS px wide

    @property
    def name(self) -> str:
        return f"{Path(self.spec.file).stem} as {AUDIENCE_NAMES[self.audience]}"


# --- JavaScript run in the page -------------------------------------------------------------------

_CHARTS_JS = """
() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(chart => {
  const box = chart.closest('[data-testid="stElementContainer"]');
  // Streamlit wraps some elements (expanders) in a layout wrapper: compare at the level of the vertical block.
  const outer = (el) => (el && el.parentElement && el.parentElement.getAttribute('data-testid') === 'stLayoutWrapper')
    ? el.parentElement : el;
  const prev = outer(box) ? outer(box).previousElementSibling : null;
  const next = outer(box) ? outer(box).nextElementSibling : null;
  let kind = 'nothing', text = '', hasTable = false;
  if (next) {
    const expander = next.querySelector('[data-testid="stExpander"]');
    if (expander) {
      kind = 'expander';
      const summary = expander.querySelector('summary');
      text = summary ? summary.innerText.replace(/keyboard_arrow_\\w+/g, '').trim() : '';
      hasTable = !!expander.querySelector('[data-testid="stDataFrame"], [data-testid="stTable"], table');
    } else if (next.querySelector('[data-testid="stTable"]')) {
      kind = 'table'; hasTable = true; text = next.innerText.slice(0, 80);
    } else if (next.querySelector('[data-testid="stDataFrame"]')) {
      kind = 'dataframe'; hasTable = true;
    } else {
      kind = (next.querySelector('[data-testid]') || next).getAttribute('data-testid') || next.tagName;
      text = next.innerText.slice(0, 80);
    }
  }
  return {
    label: chart.getAttribute('aria-label') || '',
    role: chart.getAttribute('role') || '',
    before: prev ? prev.innerText.trim() : '',
    after_kind: kind,
    after_text: text,
    after_has_table: hasTable,
  };
})
"""

_HEADINGS_JS = """
() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3, h4, h5, h6)')]
  .filter(h => h.offsetParent !== null)
  .map(h => [h.tagName.slice(1), h.innerText.trim()])
"""

_WIDGETS_JS = """
(testids) => {
  const selector = testids.map(t => `[data-testid="${t}"]`).join(',');
  const shown = (el) => {
    if (!el) return false;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.display !== 'none' && style.visibility !== 'hidden' && box.width > 0 && box.height > 0
      && el.offsetParent !== null;
  };
  const roots = [...document.querySelectorAll('[data-testid="stSidebar"], [data-testid="stMain"]')];
  const found = [];
  roots.forEach(root => root.querySelectorAll(selector).forEach(w => found.push([w, root])));
  return found.map(([w, root], index) => {
    w.setAttribute('data-a11y-widget', String(index));
    const testid = w.getAttribute('data-testid');
    const labelEl = w.querySelector('[data-testid="stWidgetLabel"]');
    const button = w.querySelector('button');
    let label = '', labelVisible = false;
    if (labelEl && labelEl.innerText.trim()) {
      label = labelEl.innerText.trim();
      labelVisible = shown(labelEl);
    } else if (button && ['stButton', 'stDownloadButton', 'stFormSubmitButton'].includes(testid)) {
      label = button.innerText.trim();
      labelVisible = shown(button) && label.length > 0;
    } else {
      const input = w.querySelector('input, textarea, [role="group"]');
      label = input ? (input.getAttribute('aria-label') || '') : '';
    }
    const focusable = w.querySelector('input, button, textarea, select, [tabindex], a[href]');
    return {
      index, testid, label, label_visible: labelVisible, visible: shown(w),
      disabled: !!(focusable && (focusable.disabled || focusable.getAttribute('aria-disabled') === 'true')),
      in_sidebar: root.getAttribute('data-testid') === 'stSidebar',
    };
  });
}
"""

_FOCUS_LOG_JS = """
(wanted) => {
  window.__a11yFocus = [];
  window.__a11yFirst = null;
  window.__a11yRepeat = false;
  window.__a11yWanted = new Set(wanted);
  if (window.__a11yListening) return;
  window.__a11yListening = true;
  document.addEventListener('focusin', (event) => {
    const target = event.target;
    if (window.__a11yFirst === null) window.__a11yFirst = target;
    else if (target === window.__a11yFirst) window.__a11yRepeat = true;
    if (window.__a11yRepeat) return;
    const widget = target.closest('[data-a11y-widget]');
    const index = widget ? Number(widget.getAttribute('data-a11y-widget')) : -1;
    window.__a11yFocus.push(index);
    window.__a11yWanted.delete(index);
  }, true);
}
"""

# Done when every widget wanted has had focus, focus came round to the first stop again, or left the page.
_FOCUS_STATE_JS = """
() => window.__a11yWanted.size === 0 || window.__a11yRepeat
  || (window.__a11yFocus.length > 0 && document.activeElement === document.body)
"""

_RESET_JS = """
() => {
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTo(0, 0);
  window.scrollTo(0, 0);
}
"""

_CONTENT_HEIGHT_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const sidebar = document.querySelector('[data-testid="stSidebarContent"]');
  return Math.max(document.documentElement.scrollHeight, main ? main.scrollHeight : 0, sidebar ? sidebar.scrollHeight : 0);
}
"""

# axe sees nothing behind a modal: Streamlit's 'Page not found' dialog makes the app inert.
_BLOCKED_JS = """
() => {
  const dialog = [...document.querySelectorAll('[role="dialog"]')].find(d => d.offsetParent !== null);
  const main = document.querySelector('[data-testid="stMain"]');
  return dialog ? dialog.innerText.slice(0, 300) : (main && main.closest('[inert]') ? 'the app is inert' : '');
}
"""

MAX_SCREENSHOT_HEIGHT = 12_000

# WCAG 1.4.10 Reflow: at 320 CSS px wide nothing may need scrolling sideways, except content whose meaning needs two
# dimensions (data tables and charts), which may scroll inside itself.
REFLOW_VIEWPORT = {"width": 320, "height": 256}
_REFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const exempt = '[data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stPlotlyChart"], table';
  const main = document.querySelector('[data-testid="stMain"]');
  const overflowing = [];
  main.querySelectorAll('*').forEach(el => {
    if (el.closest(exempt)) return;
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.right > width + 1 && getComputedStyle(el).visibility !== 'hidden') {
      overflowing.push(`${el.tagName.toLowerCase()} ${el.getAttribute('data-testid') || ''} ${Math.round(box.right)}px: `
        + (el.innerText || '').trim().slice(0, 60));
    }
  });
  if (document.documentElement.scrollWidth > width + 1) overflowing.push(`the page is ${document.documentElement.scrollWidth}px wide`);
  return overflowing;
}
"""
_NARROW_JS = "(width) => document.documentElement.clientWidth <= width"
_SIDEBAR_OPEN_JS = "() => document.querySelector('[data-testid=\"stSidebar\"]')?.getAttribute('data-collapsed') === 'false'"


_AXE_RUN_JS = """
async (options) => {
  const results = await axe.run(document, options);
  return {
    testEngine: results.testEngine,
    violations: results.violations,
    incomplete: results.incomplete,
    passes: results.passes.map(rule => rule.id),
  };
}
"""


def axe_script() -> str:
    """axe.min.js as shipped in the axe-playwright-python wheel: read from disk, nothing is fetched."""
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def run_axe(page: Page) -> dict[str, Any]:
    """axe-core's findings for the page as it stands (the script is injected once per browser tab)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate(_AXE_RUN_JS, AXE_OPTIONS)


def stretch(page: Page, viewport: dict[str, int]) -> None:
    """Make the viewport as tall as the content: Streamlit scrolls inside stMain, not the document."""
    height = min(int(page.evaluate(_CONTENT_HEIGHT_JS)), MAX_SCREENSHOT_HEIGHT)
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    page.wait_for_timeout(250)  # charts re-lay themselves out


def full_page_screenshot(page: Page, path: Path, viewport: dict[str, int]) -> None:
    """The whole page, however long, at the viewport's width."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stretch(page, viewport)
    try:
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(viewport)  # type: ignore[arg-type]


def reflow(page: Page, viewport: dict[str, int]) -> list[str]:
    """What runs off the side of the page in a window 320 CSS px wide; the window is put back and the menu open again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.set_viewport_size(REFLOW_VIEWPORT)  # type: ignore[arg-type]
    try:
        page.wait_for_function(_NARROW_JS, arg=REFLOW_VIEWPORT["width"])
        page.wait_for_timeout(300)  # Streamlit folds the sidebar away and lays the columns out again
        return page.evaluate(_REFLOW_JS)
    finally:
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        try:
            page.wait_for_function(_SIDEBAR_OPEN_JS, timeout=3_000)
        except PlaywrightTimeoutError:  # meeting mode keeps the sidebar closed for the projector: open it for the menu
            page.locator('[data-testid="stExpandSidebarButton"]').click()
            page.wait_for_function(_SIDEBAR_OPEN_JS)


def tab_through(page: Page, wanted: set[int]) -> tuple[set[int], int]:
    """Press Tab from the top of the page until every widget in `wanted` has had focus, or focus comes
    round again; return the widgets reached and the number of Tab stops on the way."""
    page.evaluate(_RESET_JS)
    page.evaluate(_FOCUS_LOG_JS, sorted(wanted))
    presses = 0
    while presses < MAX_TABS:
        for _ in range(5):
            page.keyboard.press("Tab")
        presses += 5
        if page.evaluate(_FOCUS_STATE_JS):
            break
    log: list[int] = page.evaluate("() => window.__a11yFocus")
    page.evaluate(_RESET_JS)
    return {i for i in log if i >= 0}, len(log)


def main_headings(page: Page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stMain"] h1').all_inner_texts()]


def shown_exceptions(page: Page) -> list[str]:
    texts = page.locator('[data-testid="stException"]').all_inner_texts()
    if page.locator('[data-testid="stApp"][data-test-script-state="compilationError"]').count():
        texts.append("script compilation error")
    if page.get_by_text("Traceback").count():
        texts.append("a traceback is shown")
    return texts


class AudienceTab:
    """One browser tab seen as one audience, moving from page to page by the menu."""

    def __init__(self, page: Page, base_url: str, audience: Audience, wait) -> None:
        self.page, self.base_url, self.audience, self._wait = page, base_url, audience, wait
        self.current: PageSpec | None = None
        self.last_navigation = 0.0
        self.restarts = 0  # sessions the server dropped and the tab had to start again

    def start(self, query: str = "?area=west-yorkshire") -> None:
        """Open the overview (a fresh session is the public) and switch to this tab's audience."""
        self.page.goto(self.base_url + "/" + query, wait_until="domcontentloaded")
        self._wait(self.page)
        self.current = next(p for p in PAGES if p.url_path == "")
        if self.audience is not Audience.PUBLIC:
            switch_audience(self.page, self.audience, self._wait)

    def still_our_audience(self) -> bool:
        """False when the server has dropped this tab's session: a tab left idle for minutes can come back as a
        new session, which is the public (Streamlit keeps a disconnected session for server.disconnectedSessionTTL)."""
        radio = self.page.locator('[data-testid="stRadio"]').filter(has_text=DEMO_RADIO_LABEL)
        return radio.get_by_role("radio", name=AUDIENCE_NAMES[self.audience]).is_checked()

    def go(self, spec: PageSpec) -> Page:
        """Click the page's link in the sidebar menu, unless already there (starting again if the session was dropped)."""
        self.page.bring_to_front()
        if not self.still_our_audience():
            self.restarts += 1
            self.start()
        if self.current != spec:
            started = time.monotonic()
            click_menu_link(self.page, spec, self.base_url)
            self._wait(self.page)
            self.last_navigation = time.monotonic() - started
            self.current = spec
        return self.page


def switch_audience(page: Page, audience: Audience, wait) -> None:
    """Choose the audience on the sidebar's local demo radio."""
    from playwright.sync_api import expect

    radio = page.locator('[data-testid="stRadio"]').filter(has_text=DEMO_RADIO_LABEL)
    radio.get_by_text(AUDIENCE_NAMES[audience], exact=True).click()
    wait(page)
    expect(radio.get_by_role("radio", name=AUDIENCE_NAMES[audience])).to_be_checked()


def choose(page: Page, label: str, option: str, wait) -> None:
    """Pick `option` in the selectbox labelled `label` by clicking, as a visitor would (no-op if already chosen)."""
    widget = page.locator('[data-testid="stSelectbox"]').filter(has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first
    if widget.locator('input[role="combobox"]').input_value() == option:
        return
    for attempt in range(3):  # a rerun that lands just after the click closes the list: open it again
        widget.locator('input[role="combobox"]').click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait(page)
    wait(page)


def click_menu_link(page: Page, spec: PageSpec, base_url: str) -> None:
    """Click the menu link to `spec` (opening 'View more' first if Streamlit has folded the menu) and wait for its address."""
    link = page.locator(f'[data-testid="stSidebarNavLink"][href="{base_url}/{spec.url_path}"]')
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.is_visible():  # meeting mode closes the sidebar for the projector; a visitor opens it to go elsewhere
        expand.click()
        page.wait_for_function(_SIDEBAR_OPEN_JS)
    if not link.is_visible():
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count() and "more" in more.inner_text().lower():
            more.click()
    link.click()
    page.wait_for_function("(path) => window.location.pathname === path", arg=f"/{spec.url_path}")


def visit(page: Page, audience: Audience, spec: PageSpec, *, viewport: dict[str, int], screenshots: Path | None) -> Visit:
    """Record everything the tests check on the page now shown."""
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(what: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[what] = round(now - clock, 2)
        clock = now

    blocked = page.evaluate(_BLOCKED_JS)
    if blocked:
        raise AssertionError(f"{spec.file} as {audience.value}: a dialog covers the page, so nothing can be checked: {blocked}")
    page.evaluate(_RESET_JS)
    shots: list[Path] = []
    if screenshots is not None:
        first = screenshots / f"{Path(spec.file).stem}-screen.png"
        page.screenshot(path=str(first), animations="disabled")
        shots.append(first)
    h1 = main_headings(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    headings = [(int(level), text) for level, text in page.evaluate(_HEADINGS_JS)]
    grids = page.locator('[data-testid="stDataFrame"]').count()
    exceptions = shown_exceptions(page)
    charts = [Chart(**c) for c in page.evaluate(_CHARTS_JS)]
    widgets = [Widget(**w) for w in page.evaluate(_WIDGETS_JS, WIDGET_TESTIDS)]
    lap("read")
    reached, stops = tab_through(page, {w.index for w in widgets if w.visible and not w.disabled})
    lap("keyboard")
    # axe with the viewport as tall as the page, so every element is on screen for the contrast checks.
    stretch(page, viewport)
    try:
        results = run_axe(page)
        lap("axe")
        if screenshots is not None:
            full = screenshots / f"{Path(spec.file).stem}.png"
            page.screenshot(path=str(full), full_page=True, animations="disabled")
            shots.append(full)
            lap("screenshots")
    finally:
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
    overflowing = reflow(page, viewport)
    lap("reflow")
    return Visit(
        audience=audience,
        spec=spec,
        url=page.url,
        title=page.title(),
        h1=h1,
        text=text,
        headings=headings,
        grids=grids,
        exceptions=exceptions,
        axe_version=results["testEngine"]["version"],
        violations=results["violations"],
        incomplete=results["incomplete"],
        passes=len(results["passes"]),  # rules passed: a page axe could not see passes few
        charts=charts,
        widgets=widgets,
        reached=reached,
        tab_stops=stops,
        timings=timings,
        screenshots=shots,
        overflowing=overflowing,
    )


def summarise(visits: list[Visit]) -> str:
    """Axe findings per page and audience: rule id, impact, count of elements."""
    lines = []
    for v in visits:
        found = [f"{r['id']} ({r['impact']}) x{len(r['nodes'])}" for r in v.violations]
        review = [f"{r['id']} ({r['impact']}) x{len(r['nodes'])}" for r in v.incomplete]
        lines.append(f"{v.name}: violations: {', '.join(found) or 'none'}; needs review: {', '.join(review) or 'none'}")
    return "\n".join(lines)
