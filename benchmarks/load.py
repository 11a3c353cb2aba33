"""Issue 12, item 6: a bounded load test. N sessions at once on one app server, for a fixed time.

    python -m benchmarks.load [sqlite:////tmp/benchmark_stores/43_areas.sqlite3] [--sessions 25] [--seconds 120]
    python -m benchmarks.load [URL] [--think 0] [--servers 1]
    python -m benchmarks.load [URL] --client browser --sessions 5 [--staff] [--think 0]

Loopback only: it starts its own `streamlit run dashboard.py` on 127.0.0.1 (a free port, LOCAL_DEMO=yes,
DATABASE_URL = the store; see benchmarks/browser.py) and talks to nothing else; it stops by itself after --seconds
(visits under way then are finished or abandoned within the page timeout) and ends the server it started.

Each session loops: a page (every page the public may reach, in turn) for an area (every area of the store, in turn,
each session starting at a different one), opened by its address, so each visit is a new Streamlit session, as a
visitor arriving from a link; then it waits --think seconds (default 0: visits back to back, so N sessions keep N
page runs in flight all the time, far more than N people reading pages would). Two clients (--client):

- **protocol** (the default): what the browser does on the wire, without a browser. GET the page's address, then
  `/_stcore/health` and `/_stcore/host-config` (as Streamlit's frontend does before it connects), open the websocket
  `/_stcore/stream` (subprotocols `streamlit` and the XSRF cookie or the frontend's placeholder) and send the BackMsg
  the frontend sends on a first visit (`rerun_message`: rerun_script with the query string, page_script_hash "" and
  page_name from the address, and the browser's context); then read ForwardMsgs until the run's script_finished
  (FINISHED_SUCCESSFULLY; a rerun's FINISHED_EARLY_FOR_RERUN is waited out). A visit succeeds when that arrives
  within --timeout seconds, the page that ran is the one asked for (the Navigation message), and no delta holds an
  exception element or the store-fault message. Time: from the GET to script_finished; bytes: the websocket
  messages' payloads, uncompressed (as benchmarks/browser.py counts them). Nothing is rendered, so this
  measures the server (and the bytes it sends), not the time a browser then takes to draw them. --servers N starts N
  server processes on the one store (as replicas would be) and shares the sessions out among them.
- **browser**: one headless Chromium, one browser context per session (Playwright's async API). A visit succeeds when
  the page becomes usable (as benchmarks/browser.py defines it) within --timeout seconds without an exception or the
  store-fault message; with --staff every other session is OPCC staff instead, switching with the local demo radio on
  the overview and then moving by the menu to every page (the staff-only ones too), changing area by a new visit.
  On a 2-core machine the browser's rendering competes with the server for the same cores: with many sessions this
  measures the client as much as the app.

Reported: visits, success rate, p50 and p95 page time (successful visits, and for each page), KB received per visit
(protocol), CPU seconds used by the server and by the client (this process and its other descendants: Chromium and
Playwright's driver in browser mode), and the server's memory: resident set size of the streamlit process and
its children (/proc), after one visit to the overview (before) and at the end (after), and the highest seen (sampled
every second). Aims (issue 12): 100% success, p95 < 3 s, < 200 MB growth.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.browser import (
    _SETTLED_JS,
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    DEMO_RADIO_LABEL,
    PROJECT_ROOT,
    SETTLE_MS,
    STORE_FAULT,
    VIEWPORT,
    Frames,
    first_area,
    serve,
)
from data_access.models import Audience
from ui.audience import AUDIENCE_NAMES
from ui.navigation import PAGES

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page
    from streamlit.proto.BackMsg_pb2 import BackMsg

P95_TARGET_S, GROWTH_TARGET_MB = 3.0, 200


# --- the server's memory ----------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4, after the command name in parentheses
                found.append(int(entry.name))
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident set size of `pid` and all its descendants, in MB (VmRSS from /proc)."""
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
        todo += _children(current)
    return total_kb / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of `pid` and its live descendants, with the children each has reaped (utime, stime, cutime and
    cstime from /proc: a Chromium renderer that has exited counts in its parent's cutime)."""
    ticks, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(n) for n in fields[11:15])  # fields 14 to 17 of the line
        todo += _children(current)
    return ticks / os.sysconf("SC_CLK_TCK")


# --- the sessions -------------------------------------------------------------------------------


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)  # seconds of successful visits
    failures: list[str] = field(default_factory=list)
    received: list[int] = field(default_factory=list)  # bytes of successful visits (protocol client)
    pages: list[str] = field(default_factory=list)  # the page (file) of each successful visit

    @property
    def visits(self) -> int:
        return len(self.times) + len(self.failures)


async def wait_usable(page: Page, frames: Frames, start: float, timeout_s: float) -> float:
    """As benchmarks.browser.wait_usable, with the async API."""
    deadline = start + timeout_s
    since = start
    while True:
        while not any(t >= since for t in frames.runs_finished):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"not usable within {timeout_s:g} s")
            await asyncio.sleep(0.02)
        await page.wait_for_function(_SETTLED_JS, timeout=max(1.0, deadline - time.perf_counter()) * 1000, polling=50)
        usable = time.perf_counter()
        await asyncio.sleep(SETTLE_MS / 1000)
        last_finish = frames.runs_finished[-1]
        rerun = [t for t in frames.runs_started if t > last_finish]
        if not rerun and await page.evaluate(_SETTLED_JS):
            return usable - start
        since = rerun[-1] if rerun else time.perf_counter()


async def problem(page: Page) -> str | None:
    shown = await page.locator('[data-testid="stException"]').all_inner_texts()
    if shown:
        return "exception: " + shown[0].splitlines()[0][:100]
    if await page.get_by_text(STORE_FAULT).count():
        return "store fault shown"
    return None


async def timed(tally: Tally, label: str, page: Page, frames: Frames, action: Awaitable[object], timeout_s: float) -> bool:
    """Run `action` (a coroutine that navigates), wait until usable, and count the visit; False if it failed."""
    start = time.perf_counter()
    try:
        await action
        seconds = await wait_usable(page, frames, start, timeout_s)
        fault = await problem(page)
    except Exception as error:
        tally.failures.append(f"{label}: {type(error).__name__}: {str(error).splitlines()[0][:80]}")
        return False
    if fault:
        tally.failures.append(f"{label}: {fault}")
        return False
    tally.times.append(seconds)
    tally.pages.append(label.split()[0])
    return True


async def public_session(
    browser: Browser, base: str, areas: list[str], index: int, stop: float, timeout_s: float, tally: Tally, think_s: float = 0.0
) -> None:
    specs = [p for p in PAGES if Audience.PUBLIC in p.audiences]
    context = await browser.new_context(viewport=VIEWPORT, locale="en-GB")  # type: ignore[arg-type]
    page = await context.new_page()
    frames = Frames()
    page.on("websocket", frames.attach)
    step = index
    try:
        while time.perf_counter() < stop:
            spec, area = specs[step % len(specs)], areas[step % len(areas)]
            step += 1
            await timed(
                tally, f"{spec.file} {area}", page, frames, page.goto(f"{base}/{spec.url_path}?area={area}", wait_until="commit"), timeout_s
            )
            await asyncio.sleep(min(think_s, max(0.0, stop - time.perf_counter())))
    finally:
        await context.close()


async def staff_session(browser: Browser, base: str, areas: list[str], index: int, stop: float, timeout_s: float, tally: Tally) -> None:
    context = await browser.new_context(viewport=VIEWPORT, locale="en-GB")  # type: ignore[arg-type]
    page = await context.new_page()
    frames = Frames()
    page.on("websocket", frames.attach)
    step = index
    try:
        while time.perf_counter() < stop:
            area = areas[step % len(areas)]
            step += 1
            if not await timed(tally, f"overview {area}", page, frames, page.goto(f"{base}/?area={area}", wait_until="commit"), timeout_s):
                continue
            radio = page.locator('[data-testid="stRadio"]').filter(has_text=DEMO_RADIO_LABEL)
            if not await timed(
                tally, "switch to staff", page, frames, radio.get_by_text(AUDIENCE_NAMES[Audience.STAFF], exact=True).click(), timeout_s
            ):
                continue
            for spec in PAGES[1:]:
                if time.perf_counter() >= stop:
                    break
                link = page.locator(f'[data-testid="stSidebarNavLink"][href="{base}/{spec.url_path}"]')
                if not await link.is_visible():
                    more = page.locator('[data-testid="stSidebarNavViewButton"]')
                    if await more.count() and "more" in (await more.inner_text()).lower():
                        await more.click()
                if not await timed(tally, f"{spec.file} {area} (staff)", page, frames, link.click(), timeout_s):
                    break
    finally:
        await context.close()


# --- the protocol client ------------------------------------------------------------------------

TIMEZONE, LOCALE, COLOR_SCHEME = "Europe/London", "en-GB", "light"  # the browser's context, as the frontend reports it
XSRF_COOKIE = "_streamlit_xsrf"
PLACEHOLDER_AUTH_TOKEN = "PLACEHOLDER_AUTH_TOKEN"  # what the frontend sends when it has neither host token nor XSRF cookie


def rerun_message(base: str, url_path: str, query_string: str) -> BackMsg:
    """The BackMsg Streamlit's frontend (1.67, App.sendRerunBackMsg) sends when a page is opened by its address: no
    page is current yet, so page_script_hash is "" and page_name is the address's path after the base (the page's
    url_path, "" for the default page); the query string without its "?"; no widget states; the browser's context."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    rerun = message.rerun_script
    rerun.query_string = query_string
    rerun.page_script_hash = ""
    rerun.page_name = url_path
    context = rerun.context_info
    context.timezone, context.timezone_offset, context.locale, context.color_scheme = TIMEZONE, 0, LOCALE, COLOR_SCHEME
    context.url = f"{base}/{url_path}" + (f"?{query_string}" if query_string else "")
    context.is_embedded = False
    return message


class VisitFailed(Exception):
    pass


@dataclass
class Received:
    """What the server sent for one run of a page, read from its ForwardMsgs."""

    bytes: int = 0
    messages: int = 0
    runs: int = 0  # new_session messages: more than one when the script reran (st.rerun, a query-parameter change)
    page_url_path: str | None = None  # the page the last Navigation message says is running
    problem: str | None = None


def read_forward_msg(data: bytes, received: Received) -> bool:
    """Count one websocket message from the server; True when it ends the page's run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    received.bytes += len(data)
    received.messages += 1
    message = ForwardMsg.FromString(data)
    kind = message.WhichOneof("type")
    if kind == "new_session":
        received.runs += 1
    elif kind == "navigation":
        current = message.navigation.page_script_hash
        for page in message.navigation.app_pages:
            if page.page_script_hash == current:
                received.page_url_path = "" if page.is_default else page.url_pathname
    elif kind == "page_not_found":
        received.problem = received.problem or "page not found"  # (st.navigation leaves its page_name empty)
    elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
        element = message.delta.new_element
        if element.WhichOneof("type") == "exception":
            received.problem = received.problem or f"exception: {element.exception.type}: {element.exception.message[:100]}"
    elif kind == "script_finished":
        if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            received.problem = received.problem or "compile error"
            return True
        return bool(message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY)
    if kind == "delta" and STORE_FAULT.encode() in data:  # protobuf keeps strings as UTF-8
        received.problem = received.problem or "store fault shown"
    return False


def _http_get(url: str, timeout_s: float) -> tuple[int, dict[str, str]]:
    """GET `url` (loopback, no proxy): bytes of the body and the cookies set."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout_s) as response:
        body = response.read()
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return len(body), cookies


async def protocol_visit(base: str, url_path: str, query_string: str, timeout_s: float) -> Received:
    """Open a page as a browser does on the wire (see the module's docstring); raise VisitFailed if it fails."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    address = f"{base}/{url_path}" + (f"?{query_string}" if query_string else "")

    async def visit() -> Received:
        _, cookies = await asyncio.to_thread(_http_get, address, timeout_s)
        for core in ("health", "host-config"):
            await asyncio.to_thread(_http_get, f"{base}/_stcore/{core}", timeout_s)
        received = Received()
        token = cookies.get(XSRF_COOKIE, PLACEHOLDER_AUTH_TOKEN)
        stream = base.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Cookie": f"{XSRF_COOKIE}={token}"} if XSRF_COOKIE in cookies else None
        protocols = [Subprotocol("streamlit"), Subprotocol(token)]
        async with connect(stream, subprotocols=protocols, origin=base, additional_headers=headers, proxy=None, max_size=None) as websocket:  # type: ignore[arg-type]
            await websocket.send(rerun_message(base, url_path, query_string).SerializeToString())
            async for data in websocket:
                if read_forward_msg(data if isinstance(data, bytes) else data.encode(), received):
                    return received
        raise VisitFailed("the server closed the websocket before the run finished")

    try:
        received = await asyncio.wait_for(visit(), timeout_s)
    except TimeoutError as error:
        raise VisitFailed(f"no script_finished within {timeout_s:g} s") from error
    if received.problem:
        raise VisitFailed(received.problem)
    if received.page_url_path != url_path:
        raise VisitFailed(f"the page that ran was {received.page_url_path!r}, not {url_path!r}")
    return received


async def protocol_timed(tally: Tally, label: str, base: str, url_path: str, query_string: str, timeout_s: float) -> None:
    start = time.perf_counter()
    try:
        received = await protocol_visit(base, url_path, query_string, timeout_s)
    except Exception as error:
        tally.failures.append(f"{label}: {type(error).__name__}: {(str(error).splitlines() or [''])[0][:100]}")
        return
    tally.times.append(time.perf_counter() - start)
    tally.received.append(received.bytes)
    tally.pages.append(label.split()[0])


async def protocol_session(
    base: str, areas: list[str], index: int, stop: float, timeout_s: float, tally: Tally, think_s: float = 0.0
) -> None:
    specs = [p for p in PAGES if Audience.PUBLIC in p.audiences]
    step = index
    while time.perf_counter() < stop:
        spec, area = specs[step % len(specs)], areas[step % len(areas)]
        step += 1
        await protocol_timed(tally, f"{spec.file} {area}", base, spec.url_path, f"area={area}", timeout_s)
        await asyncio.sleep(min(think_s, max(0.0, stop - time.perf_counter())))


def servers_rss_mb(pids: list[int]) -> float:
    return sum(tree_rss_mb(pid) for pid in pids)


def servers_cpu_s(pids: list[int]) -> float:
    return sum(tree_cpu_s(pid) for pid in pids)


async def hold(sessions: list[Awaitable[None]], pids: list[int]) -> tuple[float, float, list[BaseException]]:
    """Run the sessions to their end, sampling the servers' memory each second: (peak MB, after MB, errors)."""
    tasks = [asyncio.ensure_future(session) for session in sessions]
    peak = servers_rss_mb(pids)
    while not all(t.done() for t in tasks):
        peak = max(peak, servers_rss_mb(pids))
        await asyncio.sleep(1)
    errors = [error for t in tasks if (error := t.exception()) is not None]
    after = servers_rss_mb(pids)
    return max(peak, after), after, errors


async def run_protocol_load(
    bases: list[str], areas: list[str], *, sessions: int, seconds: float, timeout_s: float, think_s: float, pids: list[int]
) -> dict[str, object]:
    """Session i talks to server i modulo the number of servers (each a process of its own on the one store)."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=sessions + 1))  # the HTTP GETs
    first = Tally()
    for base in bases:
        await protocol_timed(first, "first visit", base, "", f"area={areas[0]}", 300)
    before, cpu_before = servers_rss_mb(pids), servers_cpu_s(pids)
    client_before = tree_cpu_s(os.getpid()) - cpu_before  # the servers are this process's children
    tally = Tally()
    stop = time.perf_counter() + seconds
    visitors = [protocol_session(bases[i % len(bases)], areas, i, stop, timeout_s, tally, think_s) for i in range(sessions)]
    peak, after, errors = await hold(visitors, pids)  # type: ignore[arg-type]
    server_cpu = servers_cpu_s(pids)
    cpu = {"server": server_cpu - cpu_before, "client": tree_cpu_s(os.getpid()) - server_cpu - client_before}
    return {"tally": tally, "before": before, "after": after, "peak": max(peak, before), "errors": errors, "first": first, "cpu": cpu}


async def run_browser_load(
    base: str, areas: list[str], *, sessions: int, seconds: float, timeout_s: float, think_s: float, staff: bool, pid: int
) -> dict[str, object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            first = Tally()
            context = await browser.new_context()
            page = await context.new_page()
            frames = Frames()
            page.on("websocket", frames.attach)
            await timed(first, "first visit", page, frames, page.goto(f"{base}/?area={areas[0]}", wait_until="commit"), 300)
            await context.close()
            before, cpu_before = tree_rss_mb(pid), tree_cpu_s(pid)
            client_before = tree_cpu_s(os.getpid()) - cpu_before  # Chromium, Playwright's driver and this process
            tally = Tally()
            stop = time.perf_counter() + seconds
            peak, after, errors = await hold(
                [
                    staff_session(browser, base, areas, i, stop, timeout_s, tally)
                    if staff and i % 2
                    else public_session(browser, base, areas, i, stop, timeout_s, tally, think_s)
                    for i in range(sessions)
                ],
                [pid],
            )
            server_cpu = tree_cpu_s(pid)
            cpu = {"server": server_cpu - cpu_before, "client": tree_cpu_s(os.getpid()) - server_cpu - client_before}
        finally:
            await browser.close()
    return {"tally": tally, "before": before, "after": after, "peak": max(peak, before), "errors": errors, "first": first, "cpu": cpu}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    default_store = f"sqlite:///{Path(tempfile.gettempdir()) / 'benchmark_stores' / '43_areas.sqlite3'}"
    parser.add_argument("database_url", nargs="?", default=default_store, help=f"a loaded store (default {default_store})")
    parser.add_argument("--client", choices=["protocol", "browser"], default="protocol", help="protocol (default) or browser")
    parser.add_argument("--sessions", type=int, default=25, help="sessions at once (default 25)")
    parser.add_argument("--seconds", type=float, default=120, help="how long to hold the load (default 120)")
    parser.add_argument("--timeout", type=float, default=60, help="a visit not done within this many seconds fails (default 60)")
    parser.add_argument("--think", type=float, default=0, help="seconds a public session waits after each visit (default 0)")
    parser.add_argument(
        "--servers", type=int, default=1, help="protocol: this many server processes on the store, sessions shared out (default 1)"
    )
    parser.add_argument("--staff", action="store_true", help="browser: every other session is OPCC staff, by the menu")
    args = parser.parse_args(argv)
    if args.staff and args.client != "browser":
        parser.error("--staff needs --client browser (staff switch with the local demo radio, in the page)")
    if args.servers != 1 and args.client != "protocol":
        parser.error("--servers needs --client protocol")
    areas = all_areas(args.database_url)
    log = Path(tempfile.mkdtemp(prefix="benchmark_load_")) / "app.log"
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(serve(PROJECT_ROOT / "dashboard.py", args.database_url, log.with_name(f"app{n or ''}.log")))
            for n in range(args.servers)
        ]
        assert all(server.url.startswith("http://127.0.0.1:") for server in servers)  # loopback only
        common: dict[str, Any] = {"sessions": args.sessions, "seconds": args.seconds, "timeout_s": args.timeout, "think_s": args.think}
        if args.client == "protocol":
            bases, pids = [server.url for server in servers], [server.process.pid for server in servers]
            result = asyncio.run(run_protocol_load(bases, areas, pids=pids, **common))
        else:
            result = asyncio.run(run_browser_load(servers[0].url, areas, staff=args.staff, pid=servers[0].process.pid, **common))
    report(result, args, areas, started=started, load_before=load_before, log=log)
    return 0


def report(result: dict[str, object], args: argparse.Namespace, areas: list[str], *, started: str, load_before: float, log: Path) -> None:
    tally: Tally = result["tally"]  # type: ignore[assignment]
    cpu: dict[str, float] = result["cpu"]  # type: ignore[assignment]
    before, after, peak = (float(result[k]) for k in ("before", "after", "peak"))  # type: ignore[arg-type]
    who = " (every other one OPCC staff)" if args.staff else " (the public)"
    who += f", {args.think:g} s between a session's visits" if args.think else ", no pause between a session's visits"
    who += f", shared out over {args.servers} server processes" if args.servers > 1 else ""
    print(f"\nLoad test of {started}: {args.database_url}, {len(areas)} areas, {args.sessions} {args.client} sessions for "
          f"{args.seconds:g} s{who}; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
          f"{os.cpu_count()} CPUs; server log {log}\n")  # fmt: skip
    success = len(tally.times) / tally.visits if tally.visits else 0.0
    p50 = statistics.median(tally.times) if tally.times else float("nan")
    p95 = percentile(tally.times, 0.95) if tally.times else float("nan")
    growth = after - before
    print("| figure | value | aim |\n|---|---|---|")
    first: Tally = result["first"]  # type: ignore[assignment]
    first_text = f"{first.times[0]:.2f} s" if first.times else f"failed: {first.failures[0]}"
    print(f"| first visit (overview, cold caches, alone, before the load) | {first_text} | |")
    print(f"| visits | {tally.visits} ({tally.visits / args.seconds * 60:.0f} a minute) | |")
    print(f"| success | {success:.1%} ({len(tally.failures)} failed) | 100% |")
    print(f"| page time p50 / p95 | {p50:.2f} s / {p95:.2f} s | p95 < {P95_TARGET_S:g} s |")
    if tally.received:
        kb = [n / 1024 for n in tally.received]
        print(f"| KB received per visit, median / largest | {statistics.median(kb):.0f} KB / {max(kb):.0f} KB | |")
    busy = " / ".join(f"{who} {seconds:.1f} s" for who, seconds in cpu.items())
    cores = os.cpu_count() or 1
    print(f"| CPU seconds used during the load (of {cores} CPUs × {args.seconds:g} s = {cores * args.seconds:.0f} s) | {busy} | |")
    memory = f"{before:.0f} MB before, {after:.0f} MB after, {peak:.0f} MB peak: {growth:+.0f} MB"
    summed = f", the {args.servers} servers together" if args.servers > 1 else ""
    print(f"| server memory (RSS, with children{summed}) | {memory} | < {GROWTH_TARGET_MB} MB growth |")
    if tally.pages:
        print("\n| page | visits | p50 | p95 | largest |\n|---|---|---|---|---|")
        for page in dict.fromkeys(tally.pages):
            times = [t for t, p in zip(tally.times, tally.pages, strict=True) if p == page]
            print(f"| {page} | {len(times)} | {statistics.median(times):.2f} s | {percentile(times, 0.95):.2f} s | {max(times):.2f} s |")
    missed = [
        name for name, bad in [("success", success < 1), ("p95", not p95 < P95_TARGET_S), ("memory", growth >= GROWTH_TARGET_MB)] if bad
    ]
    print(f"\nAims missed: {', '.join(missed) or 'none'}.")
    if tally.failures:
        print("Failures (first 10):\n" + "\n".join(f"- {f}" for f in tally.failures[:10]))
    if result["errors"]:
        print(f"Sessions that broke: {result['errors']}")


def all_areas(database_url: str) -> list[str]:
    from sqlmodel import Session, col, select

    from data_access.db import make_engine
    from data_access.models import Area

    first_area(database_url)  # says so if the store has none
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(col(Area.id)).order_by(col(Area.id))))
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
