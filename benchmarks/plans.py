"""Query plans of the hot queries: the statements each page actually runs, caught as it runs, not a hand-kept list.

    python -m benchmarks.plans sqlite:////tmp/store_5.sqlite3 [--area avon-and-somerset] [--threshold-ms 50] [--page spend.py]

Every page is visited once, cold (Streamlit's query cache emptied first), through AppTest as benchmarks/run.py
visits it (OPCC staff, one area). A SQLAlchemy `before_cursor_execute` / `after_cursor_execute` listener times every
statement sent to the database. Each distinct statement that took more than --threshold-ms (default 50 ms) is then
explained with the parameters of its slowest run: SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN` (the plan
only, not run: `--analyze` runs it for `EXPLAIN (ANALYZE, BUFFERS)`). Printed per statement: the page that ran it
first, how often and how long it ran, the SQL (shortened) and the plan. In SQLite's plans, `SCAN <table>` without an
index over a large table, and `USE TEMP B-TREE` on many rows, are what to look at; in PostgreSQL's, `Seq Scan` on
the large tables (spend, observation) and the estimated rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.cursor import CursorFetchStrategy

from ui.navigation import PAGES, PageSpec


@dataclass
class Statement:
    sql: str
    page: str
    runs: int = 0
    total_s: float = 0.0
    slowest_s: float = 0.0
    slowest_parameters: Any = None
    pages: set[str] = field(default_factory=set)


@contextmanager
def statement_timer(statements: dict[str, Statement], current_page: list[str]) -> Iterator[None]:
    """Time every statement any engine runs while inside (keyed by its SQL text): its execution and the fetching of
    its rows."""

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault("benchmark_started", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seconds = time.perf_counter() - conn.info["benchmark_started"].pop()
        entry = statements.setdefault(statement, Statement(statement, current_page[0]))
        entry.runs += 1
        entry.total_s += seconds
        entry.pages.add(current_page[0])
        if seconds > entry.slowest_s and not executemany:
            entry.slowest_s, entry.slowest_parameters = seconds, parameters

    # SQLite hands a statement's rows over as they are fetched, doing the work then (a GROUP BY over a million spend
    # lines runs in fetchall, not in execute): each fetch's time goes to its statement too.
    originals = {name: getattr(CursorFetchStrategy, name) for name in ("fetchone", "fetchmany", "fetchall")}

    def timed(fetch: Any) -> Any:
        def run(self: Any, result: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fetch(self, result, *args, **kwargs)
            finally:
                entry = statements.get(getattr(result.context, "statement", None) or "")
                if entry is not None:
                    entry.total_s += time.perf_counter() - started

        return run

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    for name, fetch in originals.items():
        setattr(CursorFetchStrategy, name, timed(fetch))
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "after_cursor_execute", after)
        for name, fetch in originals.items():
            setattr(CursorFetchStrategy, name, fetch)


def explain(url: str, statement: Statement, *, analyze: bool = False) -> list[str]:
    """The plan of one statement, with the parameters of its slowest run, as lines."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, statement.slowest_parameters or ())
                # (id, parent, notused, detail): indent each step under its parent, as the sqlite3 shell does.
                depth: dict[int, int] = {0: 0}
                lines = []
                for node, parent, _, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append("  " * (depth[node] - 1) + str(detail))
                return lines
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
            rows = connection.exec_driver_sql(prefix + statement.sql, statement.slowest_parameters or {})
            return [str(row[0]) for row in rows]
    except Exception as error:  # a statement that cannot be explained on its own is reported, not fatal
        return [f"(not explained: {type(error).__name__}: {str(error).splitlines()[0][:160]})"]
    finally:
        engine.dispose()


def capture(url: str, area: str, pages: list[PageSpec]) -> dict[str, Statement]:
    """Every statement each page runs on one cold visit, timed."""
    from streamlit import logger as streamlit_logger
    from streamlit.testing.v1 import app_test as app_test_module

    from benchmarks.run import PROJECT_ROOT, _NavigationPagesManager, clear_all_caches, clear_caches, page_visit

    streamlit_logger.set_log_level("error")
    os.chdir(PROJECT_ROOT)
    os.environ.update({"LOCAL_DEMO": "yes", "LOAD_SAMPLE_DATA": "no", "DATABASE_URL": url})
    app_test_module.PagesManager = _NavigationPagesManager  # type: ignore[attr-defined]
    clear_all_caches()
    statements: dict[str, Statement] = {}
    current = [""]
    with statement_timer(statements, current):
        for spec in pages:
            current[0] = spec.file
            clear_caches()
            start = time.perf_counter()
            try:
                page_visit(spec.file, area)()
                outcome = "ok"
            except Exception as error:  # the statements it ran are still of interest
                outcome = f"error: {error}"[:100]
            print(f"  visited {spec.file} in {time.perf_counter() - start:.2f} s ({outcome})", flush=True)
    clear_all_caches()
    return statements


def plans_report(url: str, statements: dict[str, Statement], threshold_ms: float, *, analyze: bool = False) -> str:
    slow = sorted((s for s in statements.values() if s.slowest_s * 1000 > threshold_ms), key=lambda s: -s.slowest_s)
    total = sum(s.total_s for s in statements.values())
    runs = sum(s.runs for s in statements.values())
    lines = [
        f"{len(statements)} distinct statements, {runs} runs, {total:.2f} s in the database in all; "
        f"{len(slow)} took more than {threshold_ms:g} ms at least once:",
    ]
    for number, statement in enumerate(slow, 1):
        sql = " ".join(statement.sql.split())
        lines += [
            "",
            f"### {number}. slowest {statement.slowest_s * 1000:,.0f} ms, {statement.runs} runs, {statement.total_s:.2f} s in all;"
            f" pages: {', '.join(sorted(statement.pages))}",
            "",
            "    " + (sql if len(sql) <= 600 else sql[:600] + " …"),
            "",
            *("    | " + line for line in explain(url, statement, analyze=analyze)),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plans", description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="a loaded store")
    parser.add_argument("--area", help="the area to show (default: the store's first)")
    parser.add_argument("--threshold-ms", type=float, default=50, help="explain statements slower than this (default 50)")
    parser.add_argument("--page", action="append", help="only this page file (e.g. spend.py); repeatable")
    parser.add_argument("--analyze", action="store_true", help="PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), which runs each statement")
    args = parser.parse_args(argv)
    from benchmarks.browser import first_area

    area = args.area or first_area(args.database_url)
    pages = [p for p in PAGES if p.file in args.page] if args.page else PAGES
    print(f"Query plans, {time.strftime('%Y-%m-%d %H:%M %Z')}: {args.database_url}, area {area}, one cold visit per page")
    statements = capture(args.database_url, area, pages)
    print()
    print(plans_report(args.database_url, statements, args.threshold_ms, analyze=args.analyze))
    return 0


if __name__ == "__main__":
    sys.exit(main())
