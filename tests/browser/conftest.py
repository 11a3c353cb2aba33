"""Fixtures for the browser tests: one Streamlit server per session, headless Debian Chromium.

The server runs `streamlit run dashboard.py` from the project root on a free loopback port, with
DATABASE_URL pointing at a fresh SQLite file in a pytest temporary folder, so the tests never touch
the developer's .data/ store and always start from the sample data. It runs with LOCAL_DEMO=yes, so
a test can view the app as a panel member or OPCC staff with the sidebar's 'LOCAL DEMO ONLY: view as'
radio (a fresh visit is always the public, as on a real site).

One browser serves the whole session; `tours` keeps one tab per audience that walks the menu page by
page and records each page once (tests/browser/tour.py), so axe-core runs once per page and audience.

Chromium is the Debian package at /usr/bin/chromium (override with CHROMIUM_PATH); nothing here
downloads a browser. When Chromium or the playwright package is missing the browser tests are
skipped, with a reason that says how to install it (shown by pytest's -ra summary).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
SERVER_START_TIMEOUT_S = float(os.environ.get("STREAMLIT_START_TIMEOUT", "60"))
# The first page view opens the store: migrations plus loading the sample data.
APP_RUN_TIMEOUT_MS = 90_000

INSTALL_CHROMIUM = "apt-get install -y chromium"
INSTALL_PLAYWRIGHT = "pip install -r requirements-test.txt"


@dataclass
class StreamlitServer:
    """A running `streamlit run dashboard.py`, and where its output goes."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    database_url: str

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the server's stdout/stderr: where tracebacks go (showErrorDetails = none)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:  # pragma: no cover - only when the tmp dir vanished
            return f"(server log unreadable: {exc})"
        return text[-chars:] if text else "(server printed nothing)"


@pytest.fixture(scope="session")
def browser_prerequisites() -> None:
    """Skip (never silently) when the browser or the playwright package is missing."""
    if not CHROMIUM_PATH.exists():
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM_PATH}, which is missing: "
            f"install it with `{INSTALL_CHROMIUM}` (Debian package; never `playwright install`)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"browser tests need the playwright package ({exc}): install it with `{INSTALL_PLAYWRIGHT}`")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _end_with_parent() -> None:
    """In the server's process: ask Linux to end it if pytest dies without its teardown (killed, or a crash)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server we started (its own process group, by id), politely first."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def run_streamlit(
    work: Path, *, port: int | None = None, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[StreamlitServer]:
    """`streamlit run dashboard.py` on a free loopback port with a fresh SQLite store in `work`; stopped afterwards.

    `port` when the caller must know it first (a redirect URI); `env` adds to (or overrides) the environment;
    `args` are further `streamlit run` options (e.g. `--secrets.files`).
    """
    database_url = f"sqlite:///{(work / 'commissioning.sqlite3').resolve()}"  # sqlite:////abs/path
    with serve(work, database_url, port=port, env=env, args=args) as server:
        yield server


@contextlib.contextmanager
def serve(
    work: Path, database_url: str, *, port: int | None = None, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[StreamlitServer]:
    """`streamlit run dashboard.py` on a free port over the store at `database_url`, logging into `work` (see run_streamlit)."""
    log_path = work / "server.log"
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard.py",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        *args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_end_with_parent,
        )
    server = StreamlitServer(url=url, process=process, log_path=log_path, database_url=database_url)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {process.returncode} before {url}/_stcore/health answered.\n"
                    f"command: {' '.join(command)}\n--- server output ---\n{server.log_tail()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{url}/_stcore/health did not answer 'ok' within {SERVER_START_TIMEOUT_S:.0f} s.\n"
                    f"command: {' '.join(command)}\n--- server output ---\n{server.log_tail()}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def app_server(browser_prerequisites: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """`streamlit run dashboard.py` on a free port with a fresh SQLite store and LOCAL_DEMO=yes; stopped afterwards."""
    with run_streamlit(tmp_path_factory.mktemp("streamlit-server"), env={"LOCAL_DEMO": "yes"}) as server:
        yield server


@pytest.fixture(scope="session")
def chromium(browser_prerequisites: None) -> Iterator[Browser]:
    """Headless Debian Chromium, driven by playwright's bundled (offline) driver."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def visitors(chromium: Browser) -> Iterator[BrowserContext]:
    """One browser context for the tests' fresh visits: each page in it is a new Streamlit session (the public),
    while the browser's cache of the app's scripts is shared, so each visit starts quicker."""
    context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(visitors: BrowserContext) -> Iterator[Page]:
    """A fresh page (a new visitor, so a new session) at 1366x768, per test."""
    page = visitors.new_page()
    try:
        yield page
    finally:
        page.close()


# Done when the script is not running (or failed to compile, which the tests then report) and the
# websocket is connected. Falls back to "no status widget shown" if a future Streamlit drops the
# data-test-* attributes on stApp.
_APP_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (document.querySelector('[data-testid="stAppSkeleton"]')) return false;
  // Elements not delivered yet (and charts whose library is still loading) are drawn as skeletons.
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const connection = app.getAttribute('data-test-connection-state');
  if (connection !== null && connection !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
  if (running && running.offsetParent !== null) return false;
  if (state === null) {
    const widget = document.querySelector('[data-testid="stStatusWidget"]');
    return !widget || widget.offsetParent === null;
  }
  return state === 'notRunning' || state === 'compilationError';
}
"""


def wait_for_app(page: Page, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the page's script and the page has settled."""
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    # Twice, a moment apart: a first run can be followed at once by a rerun (query params, st.rerun).
    # Charts load their library on demand; until then they are skeletons, which _APP_IDLE_JS waits out.
    for _ in range(2):
        page.wait_for_function(_APP_IDLE_JS, timeout=timeout_ms, polling=50)
        page.wait_for_timeout(150)
    page.wait_for_function(_APP_IDLE_JS, timeout=timeout_ms, polling=50)
    page.wait_for_timeout(100)  # let Plotly finish drawing


@pytest.fixture
def open_app(page: Page, app_server: StreamlitServer) -> Callable[[str], Page]:
    """open_app("/renewals?area=norfolk") -> the page, after Streamlit has finished running it."""

    def _open(path: str) -> Page:
        page.goto(app_server.url + path, wait_until="domcontentloaded")
        wait_for_app(page)
        return page

    return _open


# The README's screenshots are refreshed on request (REFRESH_SCREENSHOTS=1); an ordinary run writes them to a
# temporary folder, so a test run leaves the git tree as it found it.
SCREENSHOTS = (
    PROJECT_ROOT / "docs" / "screenshots"
    if os.environ.get("REFRESH_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="commissioning-screenshots-"))
)
# The four core pages, each with the area whose seed document gives it the most to show, and a figure
# from that document: test_smoke.py screenshots these; the tour screenshots every other page.
SHOWCASE = [
    ("overview", "/?area=west-yorkshire", "31 March 2019"),
    ("spend", "/spend?area=norfolk&year=2016-17", "£1.04m"),
    ("renewals", "/renewals?area=west-yorkshire&as_at=2018-09-14", "Ends within 12 months"),
    ("performance", "/performance?area=west-yorkshire", "Other agencies: 29% (as published)"),
]


class Tours:
    """One tab per audience, opened on first use, and every page visit recorded once."""

    def __init__(self, browser: Browser, server: StreamlitServer) -> None:
        self.browser, self.server = browser, server
        self.tabs: dict = {}
        self.visits: dict = {}
        self.contexts: list = []
        self.requests: list[str] = []  # every address the tour's tabs asked for
        self.downloads: dict[str, dict[str, str]] = {}  # page file -> {button label: what the file held}

    def tab(self, audience):
        from tests.browser.tour import AudienceTab

        if audience not in self.tabs:
            context = self.browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
            context.set_default_timeout(30_000)
            context.on("request", lambda request: self.requests.append(request.url))
            self.contexts.append(context)
            tab = AudienceTab(context.new_page(), self.server.url, audience, wait_for_app)
            tab.start()
            self.tabs[audience] = tab
        return self.tabs[audience]

    def visit(self, audience, spec):
        """The recorded visit of `spec` as `audience` (the page is opened and checked on first request)."""
        from tests.browser.tour import screenshot_audience, visit

        key = (audience, spec.file)
        if key not in self.visits:
            tab = self.tab(audience)
            page = tab.go(spec)
            stem = Path(spec.file).stem
            shots = SCREENSHOTS if screenshot_audience(spec) is audience and stem not in {n for n, _, _ in SHOWCASE} else None
            recorded = visit(page, audience, spec, viewport=dict(VIEWPORT), screenshots=shots)
            recorded.timings = {"navigate": round(tab.last_navigation, 2), **recorded.timings}
            self.visits[key] = recorded
        return self.visits[key]

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()


_TOURS: list[Tours] = []


@pytest.fixture(scope="session")
def tours(chromium: Browser, app_server: StreamlitServer) -> Iterator[Tours]:
    """Every page as every audience that may reach it, each visited once per session."""
    keeper = Tours(chromium, app_server)
    _TOURS.append(keeper)
    try:
        yield keeper
    finally:
        keeper.close()


def pytest_terminal_summary(terminalreporter) -> None:
    """After a run that toured the pages: axe-core's findings per page and audience, and where the time went."""
    from tests.browser.tour import summarise

    for keeper in _TOURS:
        visits = list(keeper.visits.values())
        if not visits:
            continue
        totals: dict[str, float] = {}
        for visit in visits:
            for step, seconds in visit.timings.items():
                totals[step] = round(totals.get(step, 0.0) + seconds, 1)
        restarts = sum(tab.restarts for tab in keeper.tabs.values())
        terminalreporter.section("browser tour")
        terminalreporter.write_line(summarise(visits))
        terminalreporter.write_line(f"{len(visits)} page visits; seconds spent: {totals}; sessions the server dropped: {restarts}")
