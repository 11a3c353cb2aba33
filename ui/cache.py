"""The one place for caching. The engine is shared by every session; query results are cached per
arguments and per store version, and every query takes the audience, so one audience's results never serve another.

The store version (`data_access.store_version`) goes up by one in the same transaction as every import and restore,
on whichever replica or command line made it. Reading it before each cached query (one primary-key lookup) means a
page never shows figures from before a change, on any replica, and results nothing has changed are never computed
again: there is no time limit to wait out. Old versions' results age out of the bounded cache."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import audit, briefing, changes, compare, exporting, findings, public, queries, store_faults, store_version
from data_access.db import open_store
from data_access.models import Audience

MAX_CACHED_RESULTS = 2_000  # bounds memory; results of older store versions are the first to go
MAX_CACHED_WORKBOOKS = 500  # a few tables for each area's transparency pages, tens of KB each
R = TypeVar("R")


@st.cache_resource(show_spinner="Opening the store…")
def _engine() -> Engine:
    return open_store()


def store_fault(error: BaseException) -> NoReturn:
    """Say in the app's own words what is wrong with the store and that nothing was written, then stop the page.

    Not Streamlit's error box, which shows a traceback and talks about Streamlit Cloud. An exception is not cached,
    so the next rerun tries the store again.
    """
    fault = store_faults.describe(error)
    st.error(f"**The data store cannot be used just now.** {fault.message()}", icon=":material/database:")
    st.stop()


def engine() -> Engine:
    """The store's engine, migrated and (on first start) filled with the sample data; a store fault stops the page."""
    try:
        return _engine()
    except store_faults.STORE_ERRORS as error:
        store_fault(error)


@st.cache_data(max_entries=MAX_CACHED_RESULTS, show_spinner=False)
def _run(name: str, arguments: tuple[tuple[str, Any], ...], version: int) -> Any:
    """A query's result for one version of the store: `version` is part of the cache key, not used in the body."""
    with Session(engine()) as session:
        return _QUERIES[name](session=session, **dict(arguments))


def _cached(query: Callable[..., R]) -> Callable[..., R]:
    """`query` through the cache: called with the query's own keyword arguments, less the session.

    The query's name is part of the cache key, and every query takes the audience where it has one, so one
    audience's results never serve another. Pages call these functions, never a query by a string name."""
    name = f"{query.__module__}.{query.__name__}"
    _QUERIES[name] = query
    signature = inspect.signature(query)

    @functools.wraps(query)
    def run(**arguments: Any) -> R:
        signature.bind(session=None, **arguments)  # a misspelt argument fails here, not as a silent cache miss
        try:
            result = _run(name, tuple(sorted(arguments.items())), store_version.of(engine()))
        except store_faults.STORE_ERRORS as error:
            store_fault(error)
        # Callers may add columns for display; never let that touch the cached object.
        return result.copy() if isinstance(result, pd.DataFrame) else result  # type: ignore[no-any-return]

    return run


_QUERIES: dict[str, Callable[..., Any]] = {}

areas = _cached(queries.areas)
sources = _cached(queries.sources)
default_as_at = _cached(queries.default_as_at)
financial_years = _cached(queries.financial_years)
default_financial_year = _cached(queries.default_financial_year)
priorities = _cached(queries.priorities)
agreement_totals = _cached(queries.agreement_totals)
budget_and_spend_by_priority = _cached(queries.budget_and_spend_by_priority)
budget_and_spend_by_funding_stream = _cached(queries.budget_and_spend_by_funding_stream)
budget_and_spend_by_priority_trend = _cached(queries.budget_and_spend_by_priority_trend)
budget_and_spend_by_funding_stream_trend = _cached(queries.budget_and_spend_by_funding_stream_trend)
live_agreements_at_year_ends = _cached(queries.live_agreements_at_year_ends)
money_flow = _cached(queries.money_flow)
unsplit_budgets = _cached(queries.unsplit_budgets)
renewals = _cached(queries.renewals)
amendments = _cached(queries.amendments)
milestones = _cached(queries.milestones)
observations = _cached(queries.observations)
cost_per_unit = _cached(queries.cost_per_unit)
compare_standing = _cached(compare.standing)


@functools.wraps(findings.findings_frame)
def _findings_frame(*, session: Session, area: str, audience: Audience, **arguments: Any) -> pd.DataFrame:
    """The findings, the peer-group rule reading the area's standing through this cache: the overview and meeting mode
    show it as their line "Against its group", so its reads (most of the findings' time on a national store) are done once."""
    return findings.findings_frame(
        session=session, area=area, audience=audience, peer_standing=compare_standing(area=area, audience=audience), **arguments
    )


findings_frame = _cached(_findings_frame)
store_findings = _cached(findings.store_findings)
quality_summary = _cached(findings.quality_summary)
changes_between = _cached(changes.changes_between)
briefing_summary = _cached(briefing.briefing_summary)
audit_choices = _cached(audit.audit_choices)
audit_entries = _cached(audit.audit_entries)
import_records = _cached(audit.import_records)
illustrative_left_out = _cached(public.illustrative_left_out)
published_agreements = _cached(public.published_agreements)
published_performance = _cached(public.published_performance)
published_cost_per_unit = _cached(public.published_cost_per_unit)
compare_areas = _cached(compare.compare_areas)
area_groups = _cached(queries.area_groups)


# Streamlit hashes a DataFrame argument whole below this many rows, and only a sample of rows above it.
HASHED_WHOLE_BELOW_ROWS = 50_000


def xlsx_bytes(table: pd.DataFrame, sheet: str) -> bytes:
    """`exporting.xlsx_bytes`, built once for each table and sheet name: a page offers its downloads' files on every
    run, and building a workbook was a twentieth of the app server's time under load. Keyed by the table's content,
    so a table with any other figure is another workbook; a table too long to be hashed whole is built every time."""
    if len(table) >= HASHED_WHOLE_BELOW_ROWS:
        return exporting.xlsx_bytes(table, sheet=sheet)
    return _xlsx_bytes(table, sheet)


@st.cache_data(max_entries=MAX_CACHED_WORKBOOKS, show_spinner=False)
def _xlsx_bytes(table: pd.DataFrame, sheet: str) -> bytes:
    return exporting.xlsx_bytes(table, sheet=sheet)
