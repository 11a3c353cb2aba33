"""Every page runs through `dashboard.py`.

Until some session has called `st.navigation`, Streamlit's legacy discovery of the `pages/` folder
answers a link to a page by running the page file on its own: no audience's menu, no shared filters.
A page that finds itself run that way is sent through the entry point, which forwards to it with
the link's query intact. `ui.filters.current()` and `ui.audience.require()` do this for their pages;
a page that calls neither calls `through_entry_point()` itself.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit as st

_ENTERED_KEY = "_entered_through_dashboard"
_DEEP_LINK_KEY = "_deep_link_before_navigation"


def mark_entered() -> None:
    """Called by dashboard.py on every run."""
    st.session_state[_ENTERED_KEY] = True


def through_entry_point() -> None:
    """Send a page run on its own through dashboard.py, remembering which page and query it was asked for."""
    if st.session_state.get(_ENTERED_KEY):
        return
    page_file = next((Path(f.filename).name for f in inspect.stack() if Path(f.filename).parent.name == "pages"), None)
    st.session_state[_DEEP_LINK_KEY] = (page_file, st.query_params.to_dict())
    st.switch_page("dashboard.py")


def forward_deep_link(pages: dict) -> None:
    """In dashboard.py: go on to the page a link asked for before the entry point had run (pages: file name -> st.Page)."""
    deep_link = st.session_state.pop(_DEEP_LINK_KEY, None)
    if deep_link and deep_link[0] in pages:
        st.switch_page(pages[deep_link[0]], query_params=deep_link[1])
