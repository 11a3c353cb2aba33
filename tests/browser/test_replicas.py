"""Two app replicas on one PostgreSQL, as the documented deployment runs: a change made from the command line
shows on both replicas' next page run, with no cache to wait out (the store version, data_access/store_version.py).

Needs PostgreSQL (TEST_DATABASE_URL); skipped, saying so, without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access.db import open_store
from tests.browser.conftest import PROJECT_ROOT, VIEWPORT, serve, wait_for_app
from tests.conftest import TEST_DATABASE_URL
from tests.test_importing import csv_text, sample, sample_row

pytestmark = pytest.mark.browser

NEW_TITLE = "Rape crisis counselling for Norfolk"


@pytest.fixture
def shared_store() -> Iterator[str]:
    """A PostgreSQL database of its own holding the sample data; dropped afterwards."""
    if not TEST_DATABASE_URL:
        pytest.skip("the two-replica test needs PostgreSQL: set TEST_DATABASE_URL (.ci/run does when one answers)")
    name = f"replicas_{os.getpid()}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    open_store(url, load_sample_data=True).dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_import_from_the_command_line_shows_on_every_replicas_next_run(
    browser_prerequisites: None, chromium, shared_store: str, tmp_path: Path
) -> None:
    header, _ = sample("agreements")
    agreement = sample_row("agreements", "nfk-slt", id="nfk-rape-crisis", title=NEW_TITLE)
    register = tmp_path / "agreements.csv"
    register.write_text(csv_text(header, [agreement]), encoding="utf-8")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    with serve(tmp_path / "a", shared_store) as first, serve(tmp_path / "b", shared_store) as second:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-GB")
        pages = {server.url: context.new_page() for server in (first, second)}

        def shown(url: str) -> str:
            page = pages[url]
            page.goto(f"{url}/renewals?area=norfolk", wait_until="domcontentloaded")
            wait_for_app(page)
            return page.inner_text('[data-testid="stMain"]')

        # Both replicas have run the page, so its queries are cached on each.
        assert all("Support for Survivors of Sexual Abuse" in shown(url) and NEW_TITLE not in shown(url) for url in pages)
        imported = subprocess.run(
            [sys.executable, "-m", "data_access.importing", "--kind", "agreements", "--file", str(register), "--apply", "--who", "test"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": shared_store},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert imported.returncode == 0, imported.stdout + imported.stderr
        for url in pages:
            assert NEW_TITLE in shown(url), f"{url} still shows the store from before the import"
        context.close()
