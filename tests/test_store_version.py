"""The store version goes up by one with every change to the figures, in the change's own transaction, and never
otherwise: query caches are keyed by it (ui/cache.py), so a page never shows figures from before a change.

Each test has its own store holding the sample data (fixtures of tests/test_importing.py), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from data_access import store_version
from data_access.backup import export_store, load_backup
from data_access.db import open_store
from data_access.importing import import_file
from tests.conftest import BACKENDS
from tests.test_importing import csv_text, new_store, postgres_template, sample, sample_row, sqlite_template  # noqa: F401


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    yield from new_store(request.param, request, tmp_path)


def agreements_file(**changes: str) -> bytes:
    header, _ = sample("agreements")
    return csv_text(header, [sample_row("agreements", "nfk-slt", id="nfk-new", title="New service", **changes)]).encode()


def test_a_new_store_is_at_version_one_and_loading_the_sample_data_makes_it_two(tmp_path: Path) -> None:
    empty = open_store(f"sqlite:///{tmp_path / 'empty.sqlite3'}", load_sample_data=False)
    filled = open_store(f"sqlite:///{tmp_path / 'filled.sqlite3'}", load_sample_data=True)
    assert (store_version.of(empty), store_version.of(filled)) == (1, 2)
    reopened = open_store(f"sqlite:///{tmp_path / 'filled.sqlite3'}", load_sample_data=True)  # nothing to load the second time
    assert store_version.of(reopened) == 2
    for engine in (empty, filled, reopened):
        engine.dispose()


def test_only_an_applied_import_moves_the_version(store: Engine) -> None:
    start = store_version.of(store)
    assert import_file(store, agreements_file(), file_name="a.csv", kind="agreements").ok
    assert store_version.of(store) == start  # a preview writes nothing
    refused = import_file(store, agreements_file(funding_stream_id="nope"), file_name="b.csv", kind="agreements", apply=True, who="t")
    assert not refused.applied and store_version.of(store) == start
    assert import_file(store, agreements_file(), file_name="a.csv", kind="agreements", apply=True, who="t").applied
    assert store_version.of(store) == start + 1
    again = import_file(store, agreements_file(), file_name="a.csv", kind="agreements", apply=True, who="t")
    assert not again.applied and store_version.of(store) == start + 1  # the same file again changes nothing


def test_a_restore_moves_the_version_and_the_version_is_not_part_of_a_backup(store: Engine, tmp_path: Path) -> None:
    export_store(store, tmp_path / "backup")
    assert "store_version" not in SQLModel.metadata.tables
    assert not any("version" in p.name for p in (tmp_path / "backup").iterdir())
    target = open_store(f"sqlite:///{tmp_path / 'restored.sqlite3'}", load_sample_data=False)
    load_backup(target, tmp_path / "backup")
    assert store_version.of(target) == 2
    target.dispose()
