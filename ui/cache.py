"""The one place for caching. The engine is shared by every session; query results are cached per
arguments, and every query takes the audience, so one audience's results never serve another."""

from __future__ import annotations

from typing import Any, NoReturn

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import audit, briefing, changes, findings, public, queries, store_faults
from data_access.db import open_store

QUERY_TTL_SECONDS = 300

# Only these may be called through `cached`; the name is part of the cache key.
_QUERIES = {
    name: getattr(module, name)
    for module, names in (
        (
            queries,
            [
                "areas",
                "sources",
                "default_as_at",
                "financial_years",
                "default_financial_year",
                "priorities",
                "agreement_totals",
                "budget_and_spend_by_priority",
                "budget_and_spend_by_funding_stream",
                "money_flow",
                "renewals",
                "amendments",
                "milestones",
                "observations",
                "cost_per_unit",
            ],
        ),
        (findings, ["findings_frame", "store_findings", "quality_summary"]),
        (changes, ["changes_between"]),
        (briefing, ["briefing_summary"]),
        (audit, ["audit_choices", "audit_entries", "import_records"]),
        (
            public,
            [
                "published_money_by_funding_stream",
                "published_money_by_priority",
                "illustrative_left_out",
                "published_agreements",
                "published_amendments",
                "published_performance",
                "published_cost_per_unit",
            ],
        ),
    )
    for name in names
}


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


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False)
def _run(name: str, arguments: tuple[tuple[str, Any], ...]) -> Any:
    with Session(engine()) as session:
        return _QUERIES[name](session=session, **dict(arguments))


def cached(name: str, **arguments: Any) -> Any:
    """Run query `name` with keyword `arguments` (including `audience` where it takes one), cached."""
    try:
        result = _run(name, tuple(sorted(arguments.items())))
    except store_faults.STORE_ERRORS as error:
        store_fault(error)
    # Callers may add columns for display; never let that touch the cached object.
    return result.copy() if isinstance(result, pd.DataFrame) else result


def clear_queries() -> None:
    """Forget every cached query result, after the store has changed (an import was applied)."""
    _run.clear()
