"""The line that heads every printed page: where the live view is, and the date the figures are as at.

Chromium repeats a `position: fixed` element on every printed page, so this is one small container that the
print stylesheet (ui.render.PAGE_CSS) pins to the foot of each A4 page and hides on screen. Its text goes
through st.caption and safe_text like any other text, so nothing here reaches st.html.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from data_access.text import cell_text
from ui import filters as shared_filters
from ui.navigation import PageSpec

# The container's key: Streamlit gives it the class `st-key-print_footer`, which PAGE_CSS targets.
FOOTER_KEY = "print_footer"


def live_link() -> str:
    """The address of this view with its filters, as the browser shows it (the page's path plus its query)."""
    base = str(st.context.url or "").split("?", 1)[0]
    if base.count("/") == 2:  # "http://host" for the default page: written as browsers show it, "http://host/"
        base += "/"
    query = urlencode({key: st.query_params[key] for key in st.query_params})
    return f"{base}?{query}" if query else base


def footer(spec: PageSpec) -> None:
    """Where the live view is and, on pages with figures, the date they are as at; shown only when printed."""
    lines = []
    if spec.with_area:
        lines.append(shared_filters.as_at_caption(shared_filters.current()))  # already safe_text
    lines.append("Sources are listed under *Sources* on the page.")
    with st.container(key=FOOTER_KEY):
        # Plain text (st.text shows no Markdown, so no link): safe_text would break the address after "http:" to stop
        # Markdown making a link of it, and a printed address must read as typed.
        st.text(f"Live view: {cell_text(live_link())}")
        st.caption("  \n".join(lines))
