"""Fixtures for the unit tests: a store filled with the sample data, on every available backend.

- `engine` (session-scoped) is a store built by `data_access.db.open_store(url, load_sample_data=True)`:
  always on SQLite, in a file in a pytest temporary folder; and, when the environment variable
  TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test), also on that
  database. The fixture is parametrised over the backends (ids "sqlite" and "postgresql"), so every
  test that uses it runs once per backend.
- PostgreSQL starts from a clean schema: every table, alembic_version included, is dropped before
  the store is opened and again at teardown. Do not point TEST_DATABASE_URL at a database you keep.
- `session` is a sqlmodel Session on that engine, one per test.
- `fresh_sqlite_url` is the URL of a new, empty SQLite file for tests that build their own store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ["OPENPYXL_LXML"] = "False"  # before any test module imports openpyxl: see data_access/__init__.py

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

import data_access.models  # noqa: F401  (registers every table on SQLModel.metadata)
from data_access.db import make_engine, open_store

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def drop_everything(url: str) -> None:
    """Drop every table of the store, Alembic's version table, the store version's and the sums kept at it, so the next
    open starts from nothing."""
    engine = make_engine(url)
    try:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            connection.execute(text("DROP TABLE IF EXISTS store_version"))
            connection.execute(text("DROP TABLE IF EXISTS summed_spend_by_area_and_year"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated store holding the sample data, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'commissioning.sqlite3'}"
        store = open_store(url, load_sample_data=True)
        yield store
        store.dispose()
        return
    drop_everything(TEST_DATABASE_URL)
    store = open_store(TEST_DATABASE_URL, load_sample_data=True)
    try:
        yield store
    finally:
        store.dispose()
        drop_everything(TEST_DATABASE_URL)


@pytest.fixture
def backend(engine: Engine) -> str:
    """'sqlite' or 'postgresql': the backend this run of the test uses."""
    return engine.dialect.name


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the seeded store."""
    with Session(engine) as session:
        yield session


@pytest.fixture
def fresh_sqlite_url(tmp_path) -> str:
    """The URL of an SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
