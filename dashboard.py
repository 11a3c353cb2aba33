"""Entry point: page set-up, who is looking, which pages they may reach, and the shared filters."""

import streamlit as st

from ui import entry, filters, navigation
from ui import print as print_view
from ui.accessibility import SITE_NAME
from ui.audience import current_audience, sidebar_account
from ui.render import page_styles

# An emoji favicon is drawn in the browser; a ':material/…:' one is fetched from Google's font servers, telling a
# third party who reads a public body's pages.
st.set_page_config(page_title=SITE_NAME, page_icon="⚖️", layout="wide")
page_styles()  # on every page, before any widget: WCAG 2.5.8 target size of date fields

audience = current_audience()
specs = navigation.pages_for(audience)
pages = {
    spec.file: st.Page(
        spec.path, title=spec.title, icon=spec.icon, default=spec.url_path == "", **({"url_path": spec.url_path} if spec.url_path else {})
    )
    for spec in specs
}
# One flat menu in the registry's order: Streamlit's sectioned menu nests list items in a way that
# axe-core reports as a serious WCAG failure (list, listitem) on every page.
page = st.navigation([pages[spec.file] for spec in specs])

entry.mark_entered()
entry.forward_deep_link(pages)

spec = next(s for s in specs if s.url_path == page.url_path)
st.set_page_config(page_title=f"{spec.title} · {SITE_NAME}")  # the browser tab names the page (WCAG 2.4.2)
if spec.with_area:
    st.sidebar.header("Show figures for")
    filters.render(with_year=spec.with_year, with_priority=spec.with_priority, with_as_at=spec.with_as_at)
sidebar_account()
print_view.footer(spec)  # shown only in print: live link and as-at date on every printed page
page.run()
