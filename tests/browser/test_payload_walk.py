"""Store text and link values are data, never markup (issue 10), checked on every page in a real Chromium.

A fresh store with the sample data has every free-text column of every table overwritten with a payload (a Markdown
link and image, raw HTML, a `:red[]` colour directive, LaTeX, bidi overrides, bare addresses; one agreement title is
100,000 characters long), and every link parameter is given the same payload. Every page is then walked for every
audience that may reach it, for every area, and fails on any link, image, colour, formula or HTML element that came
from the data, on any chart text that plotly would read as a tag, on a bidi control shown, on a traceback, and on any
request to a host other than the app's. The payload shown as plain text is what should happen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import CheckConstraint, String, select, update
from sqlmodel import SQLModel

from data_access.db import open_store
from data_access.models import Agreement, Area, AuditEntry, ImportRecord
from tests.browser.conftest import VIEWPORT, StreamlitServer, serve, wait_for_app
from tests.browser.tour import AUDIENCE_ORDER, AudienceTab, shown_exceptions
from ui.navigation import PAGES, pages_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PAYLOAD = (
    "[continue](https://evil.example/login) ![t](http://example.invalid/p.png) "
    '<a href="https://evil.example">x</a><img src="http://example.invalid/i.png"><b>bold</b> '
    ":red[Security notice] $\\frac{1}{2}$ \u202eevil\u202c \u2066isolated\u2069 https://evil.example/bare www.evil.example"
)
LONG_LENGTH = 100_000
# Free text only: ids, foreign keys, vocabulary columns (CHECK ... IN) and these machine-read columns keep their values.
MACHINE_READ = {
    ("agreement", "illustrative_fields"),  # comma-separated column names
    ("source", "file"),  # the seed file's name
    ("source", "published_precision"),  # a DatePrecision word (the database has no CHECK on it)
    ("audit_entry", "table_name"),
    ("audit_entry", "record_key"),
    ("audit_entry", "file_sha256"),
    ("audit_entry", "before"),  # JSON, given the payload as a value below
    ("audit_entry", "after"),
}
KEEP_EMPTY = {("observation", "dimension"), ("observation", "dimension_value")}  # empty means "the whole, not a breakdown"
URL_PARAMS = ("area", "year", "as_at", "priority", "topic", "meeting", "since", "sha256")

# Whatever the page shows that the data made into markup: links, images, colour, formulas, emphasis, plotly tags.
_LEAKS_JS = r"""
([markers, RAW_TAGS]) => {
  const found = [];
  const fromData = (t) => markers.some(m => t.includes(m)) && !t.includes('[continue](');  // a fragment, not the whole text
  const place = (el) => {
    const box = el.closest('[data-testid]');
    return `${box ? box.getAttribute('data-testid') : 'page'} <${el.tagName.toLowerCase()}>`;
  };
  const say = (el, why) => found.push(`${place(el)} ${why}: ${(el.textContent || '').slice(0, 80)}`);
  document.querySelectorAll('a').forEach(a => {
    const href = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    if (/evil\.example|example\.invalid/i.test(href)) say(a, `link to ${href}`);
    else if (fromData(a.textContent || '')) say(a, 'link made of store text');
  });
  document.querySelectorAll('img, image, source, video, audio, iframe, object, embed').forEach(img => {
    const src = img.getAttribute('src') || img.getAttribute('href') || img.getAttribute('xlink:href') || '';
    if (/example\.invalid|evil\.example/i.test(src)) say(img, `image from ${src}`);
  });
  document.querySelectorAll('span.stMarkdownColoredText, span.stMarkdownColoredBackground').forEach(span => {
    if (fromData(span.textContent || '')) say(span, 'coloured by a directive in the data');
  });
  document.querySelectorAll('.katex, .katex-display').forEach(k => say(k, 'formula rendered'));
  document.querySelectorAll('b, strong, em, i, del, s, code, h1, h2, h3, h4, h5, h6').forEach(el => {
    if (fromData(el.textContent || '')) say(el, 'element made by markup in the data');
  });
  document.querySelectorAll('svg tspan[style*="bold"], svg tspan[style*="italic"]').forEach(el => {
    if (fromData(el.textContent || '')) say(el, 'chart text styled by a tag in the data');
  });
  // Plotly reads a subset of HTML in every text property (labels, titles, hover text): none may hold a raw tag.
  const walk = (value, path, chart) => {
    if (typeof value === 'string') {
      const tag = RAW_TAGS.some(t => value.includes(t));  // the payload's own tags, not written as entities
      if (tag) found.push(`chart ${chart} ${path}: ${value.slice(0, 60)}`);
    } else if (Array.isArray(value)) {
      value.slice(0, 500).forEach((v, i) => walk(v, `${path}[${i}]`, chart));
    } else if (value && typeof value === 'object') {
      Object.entries(value).forEach(([k, v]) => { if (!k.startsWith('_')) walk(v, `${path}.${k}`, chart); });
    }
  };
  document.querySelectorAll('.js-plotly-plot').forEach((gd, n) => {
    walk(gd.data || [], 'data', n);
    walk(gd.layout || {}, 'layout', n);
  });
  // Bidi overrides and isolates can make a line read backwards: the seam removes them.
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (/[\u202a-\u202e\u2066-\u2069]/.test(node.textContent)) say(node.parentElement, 'bidi control shown');
  }
  return found;
}
"""
RAW_TAGS = ['<a href="https://evil.example"', '<img src="http://example.invalid', "<b>bold</b>"]
MARKERS = ["Security notice", "evil.example", "example.invalid", "bold", "continue", "isolated", "frac"]


def _is_text(kind: object) -> bool:
    return isinstance(kind, String) or isinstance(getattr(kind, "impl", None), String) or getattr(kind, "impl", None) is String


def free_text_columns() -> list[tuple[str, str]]:
    """(table, column) for every free-text column of every table."""
    chosen = []
    for table in SQLModel.metadata.sorted_tables:
        checked = " ".join(str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint))
        for column in table.columns:
            if not _is_text(column.type) or column.primary_key or column.foreign_keys:
                continue
            if f"{column.name} IN (" in checked or (table.name, column.name) in MACHINE_READ:
                continue
            chosen.append((table.name, column.name))
    return chosen


def seed_payload(database_url: str) -> None:
    """The sample data, with the payload in every free-text column (each value keeps its own tail, so stays distinct)."""
    engine = open_store(database_url, load_sample_data=True)
    tables = SQLModel.metadata.tables
    with engine.begin() as connection:
        now = datetime.now(UTC)
        connection.execute(
            ImportRecord.__table__.insert().values(sha256="ab" * 32, file_name="f.xlsx", imported_at=now, imported_by="x", rows_added=1)
        )
        connection.execute(
            AuditEntry.__table__.insert().values(
                at=now,
                who="x",
                action="update",
                table_name="agreement",
                record_key="wy-1",
                before=json.dumps({"title": PAYLOAD}),
                after=json.dumps({"title": PAYLOAD + " after"}),
                file_name="f.xlsx",
                file_sha256="ab" * 32,
            )
        )
        for table_name, column_name in free_text_columns():
            table = tables[table_name]
            column = table.c[column_name]
            key = list(table.primary_key.columns)
            for row in connection.execute(select(column, *key)).all():
                original, ids = row[0], row[1:]
                if not original and (table_name, column_name) in KEEP_EMPTY:
                    continue
                tail = original or "-".join(str(i) for i in ids)
                where = [k == v for k, v in zip(key, ids, strict=True)]
                connection.execute(update(table).where(*where).values({column_name: f"{PAYLOAD} {tail}"}))
        # One value 100,000 characters long: the first public agreement's title.
        first = connection.execute(
            select(Agreement.__table__.c.id).where(Agreement.__table__.c.visibility == "public").limit(1)
        ).scalar_one()
        filler = ("a very long title " * (LONG_LENGTH // 18 + 1))[: LONG_LENGTH - len(PAYLOAD) - 1]
        connection.execute(update(Agreement.__table__).where(Agreement.__table__.c.id == first).values(title=f"{PAYLOAD} {filler}"))
    engine.dispose()


@pytest.fixture(scope="module")
def payload_server(browser_prerequisites: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    work = tmp_path_factory.mktemp("payload-store")
    database_url = f"sqlite:///{(work / 'payload.sqlite3').resolve()}"
    seed_payload(database_url)
    with serve(work, database_url, env={"LOCAL_DEMO": "yes"}) as server:
        yield server


def test_payload_columns_cover_the_stores_free_text() -> None:
    """The walk's store: the columns the brief names are among those given the payload."""
    columns = set(free_text_columns())
    for named in [
        ("area", "name"),
        ("area", "office"),
        ("source", "title"),
        ("source", "publisher"),
        ("source", "as_at_note"),
        ("source", "url"),
        ("provider", "name"),
        ("funding_stream", "name"),
        ("agreement", "title"),
        ("agreement", "purpose"),
        ("agreement", "basis_note"),
        ("agreement", "source_section"),
        ("amendment", "rationale"),
        ("milestone", "title"),
        ("observation", "dimension"),
        ("observation", "dimension_value"),
        ("observation", "value_statement"),
        ("measure", "name"),
        ("measure", "description"),
        ("plan", "title"),
        ("priority", "name"),
        ("spend", "description"),
        ("budget", "description"),
    ]:
        assert named in columns, named
    assert ("agreement", "kind") not in columns and ("agreement", "visibility") not in columns


def _check(page: Page, where: str, problems: list[str]) -> None:
    problems.extend(f"{where}: {p}" for p in page.evaluate(_LEAKS_JS, [MARKERS, RAW_TAGS]))
    problems.extend(f"{where}: exception shown: {e[:200]}" for e in shown_exceptions(page))


def test_no_markup_from_the_data_on_any_page(chromium: Browser, payload_server: StreamlitServer) -> None:
    started = time.monotonic()
    app_host = urlsplit(payload_server.url).netloc
    requested: list[str] = []
    problems: list[str] = []
    visited = 0
    with open_store(payload_server.database_url, load_sample_data=False).connect() as connection:
        areas = [row[0] for row in connection.execute(select(Area.__table__.c.id).order_by(Area.__table__.c.id))]
    for audience in AUDIENCE_ORDER:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(60_000)
        context.on("request", lambda request: requested.append(request.url))
        try:
            tab = AudienceTab(context.new_page(), payload_server.url, audience, wait_for_app)
            for n, area in enumerate(areas):
                tab.start(f"?area={area}")
                for spec in pages_for(audience):
                    if not spec.with_area and n > 0 and spec.file != "meeting.py":
                        continue  # the same on every area
                    page = tab.go(spec)
                    _check(page, f"{spec.file} as {audience.value} for {area}", problems)
                    visited += 1
                    if spec.file == "audit.py":  # the link's sha256 lands in this field
                        page.get_by_label("File SHA-256 (all of it or its first characters)").fill(PAYLOAD)
                        page.keyboard.press("Enter")
                        wait_for_app(page)
                        _check(page, f"audit.py as {audience.value} with the payload as sha256", problems)
                tab.current = None
            if audience is AUDIENCE_ORDER[0]:
                # Every link parameter given the payload, on every page a fresh (public) visit reaches.
                query = "&".join(f"{name}={quote(PAYLOAD)}" for name in URL_PARAMS)
                for spec in pages_for(audience):
                    tab.page.goto(f"{payload_server.url}/{spec.url_path}?{query}", wait_until="domcontentloaded")
                    wait_for_app(tab.page)
                    _check(tab.page, f"{spec.file} with the payload in every link parameter", problems)
                    visited += 1
        finally:
            context.close()
    elsewhere = sorted({u for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != app_host})
    problems.extend(f"request to another host: {u}" for u in elsewhere)
    seconds = time.monotonic() - started
    print(f"payload walk: {visited} page views in {seconds:.0f} s")
    (payload_server.log_path.parent / "leaks.txt").write_text("\n".join(sorted(set(problems))))
    assert visited >= len(PAGES), visited
    assert not problems, f"{len(problems)} leaks:\n" + "\n".join(sorted(set(problems)))
