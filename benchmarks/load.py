"""Issue 12, item 6: a bounded load test. N browser sessions at once on one app server, for a fixed time.

    python -m benchmarks.load [sqlite:////tmp/benchmark_stores/43_areas.sqlite3] [--sessions 25] [--seconds 120]

Loopback only: it starts its own `streamlit run dashboard.py` on 127.0.0.1 (a free port, LOCAL_DEMO=yes,
DATABASE_URL = the store; see benchmarks/browser.py) and talks to nothing else; it stops by itself after --seconds
(visits under way then are finished or abandoned within the page timeout) and ends the server it started.

One headless Chromium, one browser context per session. Each session loops: a page (every page the public may
reach, in turn) for an area (every area of the store, in turn, each session starting at a different one), opened by
its address, so each visit is a new Streamlit session, as a visitor arriving from a link; with --staff every other
session is OPCC staff instead, switching with the local demo radio on the overview and then moving by the menu to
every page (the staff-only ones too), changing area by a new visit. A visit succeeds when the page becomes usable
(as benchmarks/browser.py defines it) within --timeout seconds without an exception or the store-fault message.

Reported: visits, success rate, p50 and p95 page time (successful visits), and the server's memory: resident set
size of the streamlit process and its children (/proc), after one visit to the overview (before) and at the end
(after), and the highest seen (sampled every second). Aims (issue 12): 100% success, p95 < 3 s, < 200 MB growth.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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


# --- the sessions -------------------------------------------------------------------------------


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)  # seconds of successful visits
    failures: list[str] = field(default_factory=list)

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
    return True


async def public_session(browser: Browser, base: str, areas: list[str], index: int, stop: float, timeout_s: float, tally: Tally) -> None:
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


async def run_load(
    base: str, areas: list[str], *, sessions: int, seconds: float, timeout_s: float, staff: bool, pid: int
) -> dict[str, object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            warm = Tally()
            context = await browser.new_context()
            page = await context.new_page()
            frames = Frames()
            page.on("websocket", frames.attach)
            await timed(warm, "first visit", page, frames, page.goto(f"{base}/?area={areas[0]}", wait_until="commit"), 300)
            await context.close()
            before = tree_rss_mb(pid)
            peak = before
            tally = Tally()
            stop = time.perf_counter() + seconds
            tasks = [
                asyncio.create_task((staff_session if staff and i % 2 else public_session)(browser, base, areas, i, stop, timeout_s, tally))
                for i in range(sessions)
            ]
            while not all(t.done() for t in tasks):
                peak = max(peak, tree_rss_mb(pid))
                await asyncio.sleep(1)
            errors = [t.exception() for t in tasks if t.exception()]
            after = tree_rss_mb(pid)
        finally:
            await browser.close()
    return {"tally": tally, "before": before, "after": after, "peak": peak, "errors": errors, "first": warm}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    default_store = f"sqlite:///{Path(tempfile.gettempdir()) / 'benchmark_stores' / '43_areas.sqlite3'}"
    parser.add_argument("database_url", nargs="?", default=default_store, help=f"a loaded store (default {default_store})")
    parser.add_argument("--sessions", type=int, default=25, help="browser sessions at once (default 25)")
    parser.add_argument("--seconds", type=float, default=120, help="how long to hold the load (default 120)")
    parser.add_argument("--timeout", type=float, default=60, help="a visit not usable within this many seconds fails (default 60)")
    parser.add_argument("--staff", action="store_true", help="every other session is OPCC staff moving by the menu over every page")
    args = parser.parse_args(argv)
    areas = all_areas(args.database_url)
    log = Path(tempfile.mkdtemp(prefix="benchmark_load_")) / "app.log"
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load_before = os.getloadavg()[0]
    with serve(PROJECT_ROOT / "dashboard.py", args.database_url, log) as server:
        assert server.url.startswith("http://127.0.0.1:")  # loopback only
        result = asyncio.run(
            run_load(
                server.url,
                areas,
                sessions=args.sessions,
                seconds=args.seconds,
                timeout_s=args.timeout,
                staff=args.staff,
                pid=server.process.pid,
            )
        )
    tally: Tally = result["tally"]  # type: ignore[assignment]
    before, after, peak = (float(result[k]) for k in ("before", "after", "peak"))  # type: ignore[arg-type]
    print(f"\nLoad test of {started}: {args.database_url}, {len(areas)} areas, {args.sessions} sessions for {args.seconds:g} s"
          f"{' (every other one OPCC staff)' if args.staff else ' (the public)'}; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs; server log {log}\n")  # fmt: skip
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
    memory = f"{before:.0f} MB before, {after:.0f} MB after, {peak:.0f} MB peak: {growth:+.0f} MB"
    print(f"| server memory (RSS, with children) | {memory} | < {GROWTH_TARGET_MB} MB growth |")
    missed = [
        name for name, bad in [("success", success < 1), ("p95", not p95 < P95_TARGET_S), ("memory", growth >= GROWTH_TARGET_MB)] if bad
    ]
    print(f"\nAims missed: {', '.join(missed) or 'none'}.")
    if tally.failures:
        print("Failures (first 10):\n" + "\n".join(f"- {f}" for f in tally.failures[:10]))
    if result["errors"]:
        print(f"Sessions that broke: {result['errors']}")
    return 0


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
