"""The benchmark of issue 12: load time, every page's server time (cold and warm), the data-quality report, the
exports and the briefing PDF, for the sample store, the 5-area store and (with --national) the 43-area store.

    python -m benchmarks.run [--repeat 3] [--national] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The generated stores (benchmarks/generate.py) are written once under --work (default /tmp/benchmark_stores) and
reused; each run loads them into new SQLite files there (and, with --postgres, into new databases bench_sample,
bench_5_areas, bench_43_areas on that server, dropped and made again) with `data_access.backup.load_backup`.

Pages run in this process through Streamlit's AppTest, as tests/app do, viewed by OPCC staff (LOCAL_DEMO=yes) for
one area (the sample's West Yorkshire, the generated stores' first area). Cold: Streamlit's caches emptied first
(st.cache_data and st.cache_resource, as a new process has them); warm: the same visit run again at once. Each
figure is the median of --repeat runs. The table is Markdown, with issue 12's targets beside the figures;
the targets are for the 43-area store, and one already missed on a smaller store is reported as missed. Under it,
for each page that misses a time target, where a further cold visit's time went on the largest store: the time spent
running SQL statements (executing them and fetching their rows) against the rest, and the statement that cost most
with the tables it reads.

With --browser, each store is also served by `streamlit run` and every page opened in headless Chromium
(benchmarks/browser.py): the KB each page sends over the websocket and its time to usable, against an empty
Streamlit app in the same run. With --plans, the query plans of every statement over 50 ms (benchmarks/plans.py).
The load test is benchmarks/load.py.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col, func, select
from streamlit import logger as streamlit_logger
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from benchmarks.browser import BrowserResults, Figure, measure_browser, verdict
from benchmarks.generate import write_store
from benchmarks.plans import Statement, statement_timer
from data_access.backup import load_backup
from data_access.db import make_engine, migrate, open_store
from data_access.models import Area, Audience
from ui.navigation import PAGES, by_file

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = PROJECT_ROOT / "dashboard.py"
RUN_TIMEOUT_S = 1800  # the data-quality page took nine minutes on 43 areas (issue 12)
SAMPLE_AREA = "west-yorkshire"
TODAY = date(2026, 11, 28)  # fixed, so every run measures the same as-at date

# Issue 12's targets (43 areas, one area): (cold, warm) seconds for every page.
PAGE_COLD_S, PAGE_WARM_S, RATIO = 1.0, 0.3, 3.0
QUALITY_AREA_S, QUALITY_ALL_S, EXPORT_S, BRIEFING_S, LOAD_ROWS_S = 1.0, 10.0, 2.0, 5.0, 20_000


class _NavigationPagesManager(PagesManager):
    """As tests/app/conftest.py: AppTest runs the pages through dashboard.py's st.navigation, as a server does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@dataclass
class Store:
    name: str  # "sample", "5 areas", "43 areas"
    url: str
    area: str = SAMPLE_AREA
    areas: list[str] = field(default_factory=list)
    load_s: float | None = None
    rows: int = 0
    figures: dict[str, tuple[float | str | None, float | str | None]] = field(default_factory=dict)  # item -> (cold, warm)
    browser: BrowserResults | None = None
    split: dict[str, ColdSplit] = field(default_factory=dict)  # page item -> one more cold visit, its database time


@dataclass
class ColdSplit:
    """One cold visit to a page with every SQL statement timed: where its time went, for a target it misses."""

    seconds: float
    statements: dict[str, Statement]

    @property
    def database_s(self) -> float:
        return sum(s.total_s for s in self.statements.values())

    def why(self) -> str:
        runs = sum(s.runs for s in self.statements.values())
        slowest = max(self.statements.values(), key=lambda s: s.total_s, default=None)
        where = ""
        if slowest is not None:
            tables = dict.fromkeys(re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", slowest.sql, flags=re.IGNORECASE))
            where = f"; the costliest statement {slowest.total_s:.2f} s in {slowest.runs} run(s), reading {', '.join(tables) or 'no table'}"
        return (
            f"a cold visit {self.seconds:.2f} s: {self.database_s:.2f} s running SQL and fetching rows ({runs} statements{where}), "
            f"{max(self.seconds - self.database_s, 0):.2f} s in Python (the page's own work on the rows, and Streamlit)"
        )


def clear_caches() -> None:
    """Cold: no query result cached, as in a new process (the engine, st.cache_resource, is kept: it is opened once per process)."""
    st.cache_data.clear()


def clear_all_caches() -> None:
    """Before another store: the engine too, which belongs to the previous DATABASE_URL."""
    st.cache_data.clear()
    st.cache_resource.clear()


def median_time(action: Callable[[], object], repeat: int, *, before: Callable[[], None] | None = None) -> float:
    """Median seconds of `repeat` runs of `action` (after `before`, untimed, each time); one run if the first takes over a minute."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
        if times[0] > 60:
            break
    return statistics.median(times)


# --- stores ----------------------------------------------------------------------------------


def _postgres_database(server_url: str, name: str) -> str:
    """A new, empty database `name` on the server of `server_url` (dropped first if it exists); its URL."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def prepare_stores(
    work: Path, *, national: bool, postgres: str | None, db_prefix: str = "bench_", sqlite: bool = True, analyze: bool = False
) -> list[Store]:
    """The stores to measure, loaded; generated folders are made once and reused. `analyze`: planner statistics
    gathered after each load (the loader does not; PostgreSQL's autovacuum would, some time later, where it is on)."""
    sizes = [("5 areas", 5)] + ([("43 areas", 43)] if national else [])
    stores: list[Store] = []
    backends = ([("SQLite", None)] if sqlite else []) + ([("PostgreSQL", postgres)] if postgres else [])
    for backend, server in backends:
        for name, areas in [("sample", 0), *sizes]:
            slug = name.replace(" ", "_")
            if server:
                url = _postgres_database(server, f"{db_prefix}{slug}")
            else:
                path = work / f"{slug}.sqlite3"
                path.unlink(missing_ok=True)
                url = f"sqlite:///{path}"
            store = Store(f"{name}, {backend}", url)
            if areas == 0:
                start = time.perf_counter()
                open_store(url, load_sample_data=True).dispose()
                store.load_s = time.perf_counter() - start
            else:
                folder = work / f"generated_{areas}"
                if not (folder / "manifest.json").exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    start = time.perf_counter()
                    write_store(folder, areas)
                    print(f"generated {name} in {time.perf_counter() - start:.1f} s", flush=True)
                engine = make_engine(url)
                migrate(engine)
                start = time.perf_counter()
                counts = load_backup(engine, folder)
                store.load_s = time.perf_counter() - start
                engine.dispose()
                store.rows = sum(counts.values())
            engine = make_engine(url)
            if analyze:
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
            with Session(engine) as session:
                store.areas = list(session.scalars(select(col(Area.id)).order_by(col(Area.id))))
                if not areas:
                    store.rows = sum(session.scalar(select(func.count()).select_from(t)) or 0 for t in SQLModel.metadata.sorted_tables)
            engine.dispose()
            store.area = SAMPLE_AREA if areas == 0 else store.areas[0]
            print(f"loaded {store.name}: {store.rows:,} rows in {store.load_s:.1f} s ({store.rows / store.load_s:,.0f} rows/s)", flush=True)
            stores.append(store)
    return stores


# --- measurements ----------------------------------------------------------------------------


_COMPONENTS: list[Any] = []


def shared_components() -> Any:
    """Streamlit's registry of custom components, discovered once. A server scans the installed packages for them
    once, at start; a new AppTest does it on its first run, which read the metadata of every installed package (463
    files, 2.4 s of a 20 s visit on the loaded machine, cProfile) and was counted in every page's time."""
    if not _COMPONENTS:
        from streamlit.components.v2.component_manager import BidiComponentManager

        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        _COMPONENTS.append(manager)
    return _COMPONENTS[0]


def page_visit(file: str, area: str) -> Callable[[], AppTest]:
    """A fresh visit to a page as OPCC staff, for one area; raises when the page shows an exception."""

    spec = by_file(file)
    url_path = spec.url_path if spec else Path(file).stem

    def visit() -> AppTest:
        at = AppTest.from_file(str(ENTRYPOINT), default_timeout=RUN_TIMEOUT_S)
        at._bidi_component_manager = shared_components()  # as a server: discovered once, not on every visit
        at.session_state["local_demo_audience"] = "staff"
        at.query_params["area"] = area
        if file != "overview.py":
            at.switch_page(f"pages/{file}")
            # Before its first run AppTest names a page by its file ("data_quality"), but st.Page hashes the url_path
            # ("data-quality"): where the two differ, it silently ran the overview instead (data quality, import).
            at._page_hash = calc_hash(url_path)
        at.run()
        if at.exception:
            raise RuntimeError(str(at.exception[0].value).splitlines()[0] if at.exception[0].value else "exception")
        if file != "overview.py" and any(str(t.value).startswith("Commissioning overview") for t in at.title):
            raise RuntimeError(f"AppTest showed the overview instead of {file}")
        faults = [str(e.value) for e in at.error if "data store cannot be used" in str(e.value)]
        if faults:  # ui.cache.store_fault: the page stopped with a message instead of its figures
            raise RuntimeError(faults[0].splitlines()[0][:100])
        return at

    return visit


def measure_pages(store: Store, repeat: int) -> None:
    os.environ["DATABASE_URL"] = store.url
    # One untimed visit first, as a running server has opened its engine (st.cache_resource) and read the store before
    # anyone asks: otherwise the first page's cold runs time the migration check and the file's first reads (the
    # 43-area overview 0.66 s in one run, 0.40 s visited after the others).
    page_visit(PAGES[0].file, store.area)()
    clear_caches()
    for spec in PAGES:
        visit = page_visit(spec.file, store.area)
        try:
            cold = median_time(visit, repeat, before=clear_caches)
            clear_caches()
            visit()
            warm = median_time(visit, repeat)
            store.figures[f"page: {spec.title}"] = (cold, warm)
            clear_caches()
            statements: dict[str, Statement] = {}
            with statement_timer(statements, [spec.file]):
                start = time.perf_counter()
                visit()
                store.split[f"page: {spec.title}"] = ColdSplit(time.perf_counter() - start, statements)
        except Exception as error:  # a page that fails is a result to report, not a reason to stop
            store.figures[f"page: {spec.title}"] = (f"error: {type(error).__name__}: {error}"[:120], None)
        print(f"  {store.name} {spec.file}: {store.figures[f'page: {spec.title}']}", flush=True)


def _function_item(label: str, url: str, area: str) -> Callable[[], object]:
    """The action timed for one of the non-page items, on its own engine."""
    from charts.briefing import briefing_chart_images
    from data_access.briefing import briefing_pdf, briefing_summary
    from data_access.findings import store_findings
    from data_access.scheduled_export import export_area
    from data_access.settings import get_settings

    engine = make_engine(url)

    def quality(one_area: str | None) -> Callable[[], object]:
        def run() -> object:
            with Session(engine) as session:
                return store_findings(session=session, as_at=TODAY, audience=Audience.STAFF, area=one_area)

        return run

    def export() -> object:
        with tempfile.TemporaryDirectory() as out:
            return export_area(engine, area=area, out=Path(out), settings=get_settings(), today=TODAY)

    def pdf() -> bytes:
        with Session(engine) as session:
            pack = briefing_summary(session=session, area=area, as_at=TODAY, audience=Audience.PANEL)
        images, note = briefing_chart_images(pack)
        return briefing_pdf(pack, charts=images, charts_note=note, appendix=True)  # the whole pack: page one, charts, tables

    items: dict[str, Callable[[], object]] = {
        "data quality report, one area": quality(area),
        "data quality report, all areas": quality(None),
        "exports (all files), one area": export,
        "briefing PDF, one area": pdf,
    }
    return items[label]


FUNCTION_ITEMS = [
    "data quality report, one area",
    "data quality report, all areas",
    "exports (all files), one area",
    "briefing PDF, one area",
]


def _measure_in_child(label: str, url: str, area: str, repeat: int, sender: Connection) -> None:
    try:
        sender.send(median_time(_function_item(label, url, area), repeat))
    except Exception as error:  # reported in the table
        sender.send(f"error: {type(error).__name__}: {error}"[:120])


def measure_functions(store: Store, repeat: int, limit_s: float) -> None:
    """Each item in a child process, stopped after `limit_s` seconds (one SQL statement cannot be interrupted otherwise)."""
    context = multiprocessing.get_context("fork")
    for label in FUNCTION_ITEMS:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_measure_in_child, args=(label, store.url, store.area, repeat, sender))
        child.start()
        if receiver.poll(limit_s):
            store.figures[label] = (receiver.recv(), None)
        else:
            store.figures[label] = (f"over {limit_s:g} s: stopped", None)
        child.kill()
        child.join()
        print(f"  {store.name} {label}: {store.figures[label]}", flush=True)


# --- report ----------------------------------------------------------------------------------


def _s(value: float | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else f"{value:.2f} s"


def _target(label: str) -> tuple[float | None, float | None, str]:
    """(cold limit, warm limit, text) of issue 12 for a row of the table."""
    if label.startswith("page:"):
        return PAGE_COLD_S, PAGE_WARM_S, f"cold ≤ {PAGE_COLD_S:g} s, warm ≤ {PAGE_WARM_S:g} s, ≤ {RATIO:g}× sample cold"
    limits = {
        "data quality report, one area": QUALITY_AREA_S,
        "data quality report, all areas": QUALITY_ALL_S,
        "exports (all files), one area": EXPORT_S,
        "briefing PDF, one area": BRIEFING_S,
    }
    return limits[label], None, f"≤ {limits[label]:g} s"


def _browser_cell(figure: Figure | None, baseline: Figure | None = None) -> str:
    if figure is None:
        return ""
    if figure.seconds is None or figure.kb is None:
        return f"error: {figure.problem}"
    ratio = f", {figure.seconds / baseline.seconds:.1f}×" if baseline and baseline.seconds else ""
    return f"{figure.seconds:.2f} s, {figure.kb:,.0f} KB{ratio}" + (f" ({figure.problem})" if figure.problem else "")


def report(stores: list[Store]) -> str:
    """The Markdown table for the stores of one database (the first one the sample store)."""
    sample = stores[0]
    big = stores[1:]
    browsed = [s for s in stores if s.browser]
    lines = [
        "| item | "
        + " | ".join(f"{s.name} cold / warm" for s in stores)
        + "".join(f" | {s.name} browser: staff menu click; public first load (time, KB, × empty)" for s in browsed)
        + " | target (43 areas) | missed |",
        "|---|" + "---|" * (len(stores) + len(browsed)) + "---|---|",
    ]
    if browsed:
        empty = [f"{_browser_cell(s.browser.empty_click)}; {_browser_cell(s.browser.empty_first)}" for s in browsed if s.browser]
        lines.append("| empty Streamlit page (baseline) | " + " | " * len(stores) + " | ".join(empty) + " | | |")
    missed_all: list[str] = []
    why: list[str] = []
    for label in sample.figures:
        cold_limit, warm_limit, target = _target(label)
        cells, missed = [], []
        for store in stores:
            cold, warm = store.figures.get(label, (None, None))
            cells.append(_s(cold) + (f" / {_s(warm)}" if warm is not None else ""))
            if store is sample:
                continue
            if isinstance(cold, str):
                missed.append(f"{'not finished' if cold.startswith('over') else 'fails'} on {store.name}")
                continue
            if cold is not None and cold_limit is not None and cold > cold_limit:
                missed.append(f"cold on {store.name}")
            if warm_limit is not None and isinstance(warm, float) and warm > warm_limit:
                missed.append(f"warm on {store.name}")
            sample_cold = sample.figures[label][0]
            if label.startswith("page:") and isinstance(sample_cold, float) and cold is not None and cold / sample_cold > RATIO:
                missed.append(f"{cold / sample_cold:.1f}× sample on {store.name}")
        title = label.removeprefix("page: ")
        for store in browsed:
            assert store.browser is not None
            click, first = store.browser.click.get(title), store.browser.first.get(title)
            if not label.startswith("page:"):
                cells.append("")
                continue
            b = store.browser
            cells.append(f"{_browser_cell(click, b.empty_click)}; {_browser_cell(first, b.empty_first) if first else 'not for the public'}")
            missed += [f"browser {m} on {store.name}" for m in verdict(click, store.browser.empty_click)]
            missed += [f"browser first load {m} on {store.name}" for m in verdict(first, store.browser.empty_first)]
        if browsed and label.startswith("page:"):
            target += ", browser ≤ 300 KB and ≤ 1.5× empty page"
        lines.append(f"| {title} | " + " | ".join(cells) + f" | {target} | {'; '.join(missed) or 'met'} |")
        if missed:
            missed_all.append(f"{label.removeprefix('page: ')} ({'; '.join(missed)})")
            # Why, for the time targets: where a further cold visit's time went on the largest store.
            if big and label in big[-1].split and any(not m.startswith("browser") for m in missed):
                why.append(f"- {title}, {big[-1].name}: {big[-1].split[label].why()}.")
    load_cells = [f"{s.rows:,} rows in {s.load_s:.1f} s = {s.rows / s.load_s:,.0f} rows/s" if s.load_s else "" for s in stores]
    load_cells += [""] * len(browsed)
    load_missed = [s.name for s in big if "SQLite" in s.name and s.load_s and s.rows / s.load_s < LOAD_ROWS_S]
    load_verdict = "below on " + ", ".join(load_missed) if load_missed else "met"
    lines.append(f"| loading (backup load, once) | {' | '.join(load_cells)} | ≥ {LOAD_ROWS_S:,} rows/s on SQLite | {load_verdict} |")
    if load_missed:
        missed_all.append(f"loading ({', '.join(load_missed)})")
    lines += ["", "Targets missed: " + ("; ".join(missed_all) if missed_all else "none") + "."]
    if why:
        lines += ["", "Where the time of the pages that miss a time target goes:", "", *why]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown (default 3)")
    parser.add_argument("--national", action="store_true", help="also the 43-area store (about a million spend lines)")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server (databases bench_* are dropped and made)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "benchmark_stores", help="where stores are kept")
    parser.add_argument("--limit", type=float, default=600, help="stop a data-quality, export or PDF item after this many seconds")
    parser.add_argument("--only", choices=["pages", "functions"], help="measure only the pages, or only the rest")
    parser.add_argument("--no-sqlite", action="store_true", help="only the --postgres server")
    parser.add_argument("--analyze", action="store_true", help="ANALYZE each store after loading it (planner statistics)")
    parser.add_argument("--db-prefix", default="bench_", help="PostgreSQL database names start with this (default bench_)")
    parser.add_argument("--browser", action="store_true", help="also KB sent and time to usable in headless Chromium (minutes per store)")
    parser.add_argument("--plans", action="store_true", help="also the query plans of statements over 50 ms (benchmarks/plans.py)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    streamlit_logger.set_log_level("error")  # AppTest outside a server warns on every run
    os.chdir(PROJECT_ROOT)
    os.environ["LOCAL_DEMO"] = "yes"
    os.environ["LOAD_SAMPLE_DATA"] = "no"  # each store is loaded here, timed
    app_test_module.PagesManager = _NavigationPagesManager  # type: ignore[attr-defined]

    started = time.strftime("%Y-%m-%d %H:%M %Z")
    stores = prepare_stores(
        args.work, national=args.national, postgres=args.postgres, db_prefix=args.db_prefix, sqlite=not args.no_sqlite, analyze=args.analyze
    )
    plans: dict[str, str] = {}
    for store in stores:
        clear_all_caches()
        if args.only != "functions":
            measure_pages(store, args.repeat)
            if args.browser:
                store.browser = measure_browser(store.url, store.area, repeat=args.repeat)
        if args.only != "pages":
            measure_functions(store, args.repeat, args.limit)
        if args.plans:
            from benchmarks.plans import capture, plans_report

            plans[store.name] = plans_report(store.url, capture(store.url, store.area, PAGES), 50)
    clear_all_caches()
    print()
    analyzed = "; ANALYZE after loading" if args.analyze else ""
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}"
    print(f"Benchmark of {started}, medians of {args.repeat}{analyzed}; {machine}")
    for backend in ("SQLite", "PostgreSQL"):
        group = [s for s in stores if s.name.endswith(backend)]
        if group:
            print(f"\n{backend}:\n")
            print(report(group))
    for name, text_ in plans.items():
        print(f"\nQuery plans, {name}:\n\n{text_}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
