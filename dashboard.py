"""Entry point: page set-up, who is looking, which pages they may reach, and the shared filters."""

import streamlit as st

from ui import filters

st.set_page_config(page_title="Police commissioning scrutiny", page_icon=":material/account_balance:", layout="wide")

# Each page with the filters it uses; the others stay out of its sidebar and its links.
PAGES = {
    "overview.py": (
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        dict(with_year=True, with_priority=False, with_as_at=True),
    ),
    "spend.py": (
        st.Page("pages/spend.py", title="Spend against priorities", icon=":material/payments:", url_path="spend"),
        dict(with_year=True, with_priority=True, with_as_at=False),
    ),
    "renewals.py": (
        st.Page("pages/renewals.py", title="Contract renewals", icon=":material/event_repeat:", url_path="renewals"),
        dict(with_year=False, with_priority=False, with_as_at=True),
    ),
    "performance.py": (
        st.Page("pages/performance.py", title="Provider performance", icon=":material/monitoring:", url_path="performance"),
        dict(with_year=False, with_priority=False, with_as_at=False),
    ),
}

page = st.navigation([p for p, _ in PAGES.values()])
deep_link = st.session_state.pop(filters.DEEP_LINK_KEY, None)
if deep_link and deep_link[0] in PAGES:
    st.switch_page(PAGES[deep_link[0]][0], query_params=deep_link[1])  # see ui.filters.current
st.sidebar.header("Show figures for")
filters.render(**next(options for p, options in PAGES.values() if p.url_path == page.url_path))
page.run()
