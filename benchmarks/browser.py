"""Issue 12, items 1 and 2: what each page sends to the browser and how long it takes to become usable there.

    python -m benchmarks.browser sqlite:////tmp/store_5.sqlite3 [--area avon-and-somerset] [--repeat 3]

Starts `streamlit run dashboard.py` (headless, a free loopback port, LOCAL_DEMO=yes, DATABASE_URL = the store)
and, in the same run, an empty Streamlit app of two one-line pages, and drives headless Chromium (the Debian
package at /usr/bin/chromium, through Playwright) against both. Two ways of reaching a page are measured, each
in a fresh browser context (no cookies, no cached scripts):

- **first load**: the page's address typed in (`/renewals?area=…`), as the public: from `goto` until usable.
  Includes fetching the app's JavaScript. Pages the public may not reach are skipped. Compared with the empty app's
  first load.
- **menu click**: the overview opened, the local demo switch set to OPCC staff (untimed), then the page's menu link
  clicked: from the click until usable. This is how staff move around, and the staff view shows the most. Compared
  with a menu click between the empty app's two pages.

Usable: the server's `script_finished` message of the page's run has arrived (read from the websocket: Streamlit's
ForwardMsg protobuf), and the page has settled in the DOM as tests/browser/conftest.py waits for it (connected,
script not running, no skeletons left, status widget gone) with an h1 in the main area; checked again 200 ms later
so a rerun straight after the first (query parameters, st.rerun) is waited out. Bytes: the payloads of every websocket
frame received from the navigation until usable (uncompressed: what Streamlit sends; HTTP requests for the app's
static scripts are not counted). Each figure is the median of --repeat visits after one untimed visit per page, so
the server's query cache is warm: this is the browser's share, not the cold query time that benchmarks/run.py shows.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_access.models import Audience
from ui.audience import AUDIENCE_NAMES
from ui.navigation import PAGES, PageSpec

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
DEMO_RADIO_LABEL = "LOCAL DEMO ONLY: view as"
START_TIMEOUT_S = 90
PAGE_TIMEOUT_MS = int(os.environ.get("BENCHMARK_PAGE_TIMEOUT_S", "120")) * 1000  # then the page is reported as timed out
SETTLE_MS = 200  # a rerun straight after a run starts within this (tests/browser/conftest.py waits 150 ms)
KB_TARGET, RATIO_TARGET = 300, 1.5  # issue 12: ≤ 300 KB sent per page; usable within 1.5× an empty page
STORE_FAULT = "data store cannot be used"

# Two one-line pages: the least Streamlit can draw, with a menu to click (the baseline for both ways of arriving).
EMPTY_APP = """import streamlit as st
def empty(): st.title("Empty page")
def other(): st.title("Other empty page")
st.navigation([st.Page(empty, title="Empty", default=True), st.Page(other, title="Other", url_path="other")]).run()
"""

# As tests/browser/conftest.py's _APP_IDLE_JS, plus an h1 shown in the main area.
_SETTLED_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (document.querySelector('[data-testid="stAppSkeleton"], [data-testid="stSkeleton"]')) return false;
  const connection = app.getAttribute('data-test-connection-state');
  if (connection !== null && connection !== 'CONNECTED') return false;
  const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
  if (running && running.offsetParent !== null) return false;
  const state = app.getAttribute('data-test-script-state');
  if (state === null) {
    const widget = document.querySelector('[data-testid="stStatusWidget"]');
    if (widget && widget.offsetParent !== null) return false;
  } else if (state !== 'notRunning') return false;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  return !!h1 && h1.offsetParent !== null;
}
"""


# --- the servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def serve(script: Path, database_url: str, log: Path, *, cwd: Path = PROJECT_ROOT) -> Iterator[Server]:
    """`streamlit run script` on a free loopback port (LOCAL_DEMO=yes, DATABASE_URL), ended (its process group) afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "LOCAL_DEMO": "yes", "LOAD_SAMPLE_DATA": "no", "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start ({log}):\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.25)
        yield Server(url, process, log)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM_PATH.exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM_PATH}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- one visit -------------------------------------------------------------------------------


class Frames:
    """Every websocket frame the page receives: when, how many bytes, and the runs started and finished."""

    def __init__(self) -> None:
        self.received: list[tuple[float, int]] = []
        self.runs_started: list[float] = []
        self.runs_finished: list[float] = []

    def attach(self, ws: Any) -> None:  # a sync or async playwright WebSocket
        ws.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        now = time.perf_counter()
        data = payload.encode() if isinstance(payload, str) else payload
        self.received.append((now, len(data)))
        try:
            message = ForwardMsg.FromString(data)
        except Exception:  # not a ForwardMsg: counted, not read
            return
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.runs_started.append(now)
        elif kind == "script_finished" and message.script_finished in (
            ForwardMsg.FINISHED_SUCCESSFULLY,
            ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
        ):
            self.runs_finished.append(now)

    def bytes_since(self, start: float, end: float) -> int:
        return sum(n for t, n in self.received if start <= t <= end)


def wait_usable(page: Page, frames: Frames, start: float) -> float:
    """Seconds from `start` until the page is usable (see the module's docstring)."""
    deadline = start + PAGE_TIMEOUT_MS / 1000
    since = start  # a run that finishes after this counts
    while True:
        while not any(t >= since for t in frames.runs_finished):
            if time.perf_counter() > deadline:
                raise TimeoutError("no script_finished from the server")
            page.wait_for_timeout(20)
        page.wait_for_function(_SETTLED_JS, timeout=PAGE_TIMEOUT_MS, polling=20)
        usable = time.perf_counter()
        page.wait_for_timeout(SETTLE_MS)
        last_finish = frames.runs_finished[-1]
        rerun = [t for t in frames.runs_started if t > last_finish]
        if not rerun and page.evaluate(_SETTLED_JS):
            return usable - start
        since = rerun[-1] if rerun else time.perf_counter()


def page_problem(page: Page) -> str | None:
    """An exception or the store-fault message shown: the visit failed."""
    shown = page.locator('[data-testid="stException"]').all_inner_texts()
    if shown:
        return "exception: " + shown[0].splitlines()[0][:100]
    if page.get_by_text(STORE_FAULT).count():
        return "store fault shown"
    return None


@dataclass
class Visit:
    seconds: float
    bytes: int
    problem: str | None = None


def _new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")  # type: ignore[arg-type]
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context


def first_load(browser: Browser, url: str) -> Visit:
    """A fresh context, the address typed in: goto until usable."""
    context = _new_context(browser)
    try:
        page = context.new_page()
        frames = Frames()
        page.on("websocket", frames.attach)
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        seconds = wait_usable(page, frames, start)
        return Visit(seconds, frames.bytes_since(start, start + seconds), page_problem(page))
    finally:
        context.close()


def switch_to_staff(page: Page, frames: Frames) -> None:
    radio = page.locator('[data-testid="stRadio"]').filter(has_text=DEMO_RADIO_LABEL)
    start = time.perf_counter()
    radio.get_by_text(AUDIENCE_NAMES[Audience.STAFF], exact=True).click()
    wait_usable(page, frames, start)


def click_link(page: Page, href: str) -> None:
    """The menu link to `href` (opening Streamlit's 'View more' if the menu is folded)."""
    link = page.locator(f'[data-testid="stSidebarNavLink"][href="{href}"]')
    if not link.is_visible():
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count() and "more" in more.inner_text().lower():
            more.click()
    link.click()


def menu_click(browser: Browser, base: str, start_query: str, target: str, *, staff: bool, via: str | None = None) -> Visit:
    """A fresh context at `start_query`, as staff if `staff` (untimed, as is going `via` a page first); then the
    menu link to `target` (a url path) clicked: from the click until usable."""
    context = _new_context(browser)
    try:
        page = context.new_page()
        frames = Frames()
        page.on("websocket", frames.attach)
        start = time.perf_counter()
        page.goto(base + "/" + start_query, wait_until="commit")
        wait_usable(page, frames, start)
        if staff:
            switch_to_staff(page, frames)
        if via is not None:
            start = time.perf_counter()
            click_link(page, f"{base}/{via}")
            wait_usable(page, frames, start)
        start = time.perf_counter()
        click_link(page, f"{base}/{target}")
        seconds = wait_usable(page, frames, start)
        return Visit(seconds, frames.bytes_since(start, start + seconds), page_problem(page))
    finally:
        context.close()


# --- every page ------------------------------------------------------------------------------


@dataclass
class Figure:
    """Medians of the timed visits of one page one way; `problem` if any visit failed."""

    seconds: float | None = None
    kb: float | None = None
    problem: str | None = None
    runs: list[Visit] = field(default_factory=list)

    @classmethod
    def of(cls, visits: list[Visit]) -> Figure:
        problems = [v.problem for v in visits if v.problem]
        return cls(
            statistics.median(v.seconds for v in visits),
            statistics.median(v.bytes for v in visits) / 1000,
            problems[0] if problems else None,
            visits,
        )


@dataclass
class BrowserResults:
    empty_first: Figure
    empty_click: Figure
    first: dict[str, Figure]  # page title -> first load as the public (pages the public may reach)
    click: dict[str, Figure]  # page title -> menu click as staff


def _measure(visit: Any, repeat: int) -> Figure:
    try:
        visit()  # untimed: warms the server's query cache for this page
        return Figure.of([visit() for _ in range(repeat)])
    except Exception as error:  # a page that fails is a result to report
        return Figure(problem=f"{type(error).__name__}: {str(error).splitlines()[0][:100]}")


def measure_browser(
    database_url: str, area: str, *, repeat: int = 3, pages: list[PageSpec] | None = None, log_dir: Path | None = None
) -> BrowserResults:
    """Every page (or `pages`) of the app on the store at `database_url`, for `area`, and the empty app, in one run."""
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="benchmark_browser_"))
    empty_script = log_dir / "empty_app.py"
    empty_script.write_text(EMPTY_APP)
    specs = pages or PAGES
    overview = next(p for p in PAGES if p.url_path == "")
    query = f"?area={area}"
    first: dict[str, Figure] = {}
    click: dict[str, Figure] = {}
    with chromium() as browser:
        with serve(empty_script, "sqlite://", log_dir / "empty.log", cwd=log_dir) as empty:
            empty_first = _measure(lambda: first_load(browser, empty.url + "/"), repeat)
            empty_click = _measure(lambda: menu_click(browser, empty.url, "", "other", staff=False), repeat)
        print(f"  empty page: first load {_fig(empty_first)}; menu click {_fig(empty_click)}", flush=True)
        remaining = list(specs)
        while remaining:  # a page that times out leaves its query running: the rest get a new server
            with serve(PROJECT_ROOT / "dashboard.py", database_url, log_dir / f"app_{len(remaining)}.log") as app:
                while remaining:
                    spec = remaining.pop(0)
                    if Audience.PUBLIC in spec.audiences:
                        url = f"{app.url}/{spec.url_path}{query}"
                        first[spec.title] = _measure(lambda url=url: first_load(browser, url), repeat)
                    via = "accessibility" if spec is overview else None  # the start page: leave it, then come back
                    click[spec.title] = _measure(
                        lambda spec=spec, via=via: menu_click(browser, app.url, query, spec.url_path, staff=True, via=via),
                        repeat,
                    )
                    print(
                        f"  {spec.title}: first load {_fig(first.get(spec.title))}; menu click as staff {_fig(click[spec.title])}",
                        flush=True,
                    )
                    if any("Timeout" in (f.problem or "") for f in (first.get(spec.title), click[spec.title]) if f):
                        break
    return BrowserResults(empty_first, empty_click, first, click)


def _fig(figure: Figure | None) -> str:
    if figure is None:
        return "—"
    if figure.seconds is None:
        return f"error: {figure.problem}"
    text = f"{figure.seconds:.2f} s, {figure.kb:,.0f} KB"
    return text + (f" ({figure.problem})" if figure.problem else "")


def verdict(figure: Figure | None, baseline: Figure) -> list[str]:
    """Which of issue 12's browser targets this figure misses."""
    if figure is None:
        return []
    if figure.seconds is None:
        return ["fails"]
    missed = []
    if figure.problem:
        missed.append(figure.problem)
    if figure.kb is not None and figure.kb > KB_TARGET:
        missed.append(f"{figure.kb:,.0f} KB > {KB_TARGET} KB")
    if baseline.seconds and figure.seconds / baseline.seconds > RATIO_TARGET:
        missed.append(f"{figure.seconds / baseline.seconds:.1f}× empty")
    return missed


def report(results: BrowserResults, store_name: str) -> str:
    """A Markdown table: each page's first load (public) and menu click (staff), KB, and the ratio to the empty app."""
    b1, b2 = results.empty_first, results.empty_click
    lines = [
        f"Browser, {store_name}: empty app first load {_fig(b1)}, menu click {_fig(b2)}.",
        "",
        "| page | first load (public): time, KB, × empty | menu click (staff): time, KB, × empty | missed (≤ 300 KB, ≤ 1.5× empty) |",
        "|---|---|---|---|",
    ]

    def cell(figure: Figure | None, baseline: Figure) -> str:
        if figure is None:
            return "not for the public"
        if figure.seconds is None:
            return f"error: {figure.problem}"
        ratio = f"{figure.seconds / baseline.seconds:.1f}×" if baseline.seconds else "?"
        return f"{figure.seconds:.2f} s, {figure.kb:,.0f} KB, {ratio}"

    for title, click in results.click.items():
        first = results.first.get(title)
        missed = [f"first load: {m}" for m in verdict(first, b1)] + [f"menu click: {m}" for m in verdict(click, b2)]
        lines.append(f"| {title} | {cell(first, b1)} | {cell(click, b2)} | {'; '.join(missed) or 'met'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser", description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="a loaded store, e.g. sqlite:////tmp/store_5.sqlite3")
    parser.add_argument("--area", help="the area to show (default: the store's first)")
    parser.add_argument("--repeat", type=int, default=3, help="timed visits per page and way; the median is shown")
    parser.add_argument("--page", action="append", help="only this page file (e.g. renewals.py); repeatable")
    args = parser.parse_args(argv)
    area = args.area or first_area(args.database_url)
    pages = [p for p in PAGES if p.file in args.page] if args.page else None
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load = os.getloadavg()
    results = measure_browser(args.database_url, area, repeat=args.repeat, pages=pages)
    print(f"\nBrowser benchmark of {started}, area {area}, medians of {args.repeat}; load {load[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(report(results, args.database_url))
    return 0


def first_area(database_url: str) -> str:
    from sqlmodel import Session, col, select

    from data_access.db import make_engine
    from data_access.models import Area

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            first = session.scalars(select(col(Area.id)).order_by(col(Area.id))).first()
    finally:
        engine.dispose()
    if first is None:
        raise SystemExit(f"{database_url} has no areas")
    return first


if __name__ == "__main__":
    sys.exit(main())
