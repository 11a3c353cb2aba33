"""The store version goes up by one with every change to the figures, in the change's own transaction, and never
otherwise: query caches are keyed by it (ui/cache.py), so a page never shows figures from before a change.

Each test has its own store holding the sample data (fixtures of tests/test_importing.py), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, SQLModel

from data_access import queries, store_version, summaries
from data_access.backup import export_store, load_backup
from data_access.db import open_store
from data_access.importing import import_file
from data_access.models import Audience
from data_access.summaries import SPEND_BY_AREA_AND_YEAR
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


# --- the sums kept at the version (data_access.summaries) ---------------------------------------------------------


def kept_and_summed(store: Engine) -> list[tuple[Audience, pd.DataFrame, pd.DataFrame]]:
    """For each audience: every area's spend per year as kept at the store's version, and as summed over every line."""
    with Session(store) as session:
        version = store_version.of(store)
        return [
            (
                audience,
                pd.read_sql(
                    select(SPEND_BY_AREA_AND_YEAR)
                    .where(SPEND_BY_AREA_AND_YEAR.c.store_version == version, SPEND_BY_AREA_AND_YEAR.c.audience == audience.value)
                    .order_by(SPEND_BY_AREA_AND_YEAR.c.area_id, SPEND_BY_AREA_AND_YEAR.c.financial_year),
                    session.connection(),
                ).drop(columns=["store_version", "audience"]),
                queries.spend_by_area_and_year(session=session, audience=audience),
            )
            for audience in Audience
        ]


def assert_kept_as_summed(store: Engine) -> None:
    for audience, kept, summed in kept_and_summed(store):
        assert len(kept) == len(summed) > 0, audience
        for column in ("area_id", "financial_year", "spend_pence", "linked_pence", "illustrative_pence"):
            assert kept[column].tolist() == summed[column].tolist(), (audience, column)
        # Each citation once, in any order: the sources footer lists the set.
        assert [set(c.split(queries.CITATION_SEP)) for c in kept["citations"]] == [
            set(c.split(queries.CITATION_SEP)) for c in summed["citations"]
        ], audience


def norfolk_2016(store: Engine, audience: Audience) -> int:
    with Session(store) as session:
        frame = summaries.spend_by_area_and_year(session=session, audience=audience, areas=["norfolk"])
    return int(frame.set_index("financial_year").loc[2016, "spend_pence"])


def test_an_import_sums_every_areas_spend_again_in_its_own_transaction(store: Engine) -> None:
    """The sample data's load kept the sums; an import of one restricted payment (staff only) moves Norfolk's 2016/17 for staff
    alone, and the sums kept at the new version are those summed over every line, for every audience."""
    assert_kept_as_summed(store)
    # Norfolk 2016/17 (its Police and Crime Plan's victims' services, sample_data/spend.csv): the VARSS and IDVA
    # contracts' £360k each, illustrative, with the rest of the year's lines.
    before = {audience: norfolk_2016(store, audience) for audience in Audience}
    header, _ = sample("spend")
    line = sample_row("spend", "nfk-2016-varss", id="nfk-2016-new", agreement_id="", amount="£1,000", visibility="restricted")
    report = import_file(store, csv_text(header, [line]).encode(), file_name="s.csv", kind="spend", apply=True, who="t")
    assert report.applied, report.problems
    assert_kept_as_summed(store)
    assert {audience: norfolk_2016(store, audience) - before[audience] for audience in Audience} == {
        Audience.PUBLIC: 0,
        Audience.PANEL: 0,
        Audience.STAFF: 100_000,
    }


def test_a_restore_sums_the_restored_figures(store: Engine, tmp_path: Path) -> None:
    export_store(store, tmp_path / "backup")
    target = open_store(f"sqlite:///{tmp_path / 'restored.sqlite3'}", load_sample_data=False)
    try:
        load_backup(target, tmp_path / "backup")
        assert_kept_as_summed(target)
        assert [norfolk_2016(target, a) for a in Audience] == [norfolk_2016(store, a) for a in Audience]
    finally:
        target.dispose()


def test_sums_kept_at_another_version_are_never_read(store: Engine) -> None:
    """The page reads the kept sums only at the store's version; at any other it sums every line again (a store
    migrated since its last change, or sums left by a change made some other way)."""
    summed = norfolk_2016(store, Audience.STAFF)
    kept = SPEND_BY_AREA_AND_YEAR.c
    norfolk = (kept.area_id == "norfolk", kept.financial_year == 2016, kept.audience == Audience.STAFF.value)
    with store.begin() as connection:
        connection.execute(update(SPEND_BY_AREA_AND_YEAR).where(*norfolk).values(spend_pence=1))
    assert norfolk_2016(store, Audience.STAFF) == 1  # read from the table, not summed: the test sees which is used
    with store.begin() as connection:
        connection.execute(update(SPEND_BY_AREA_AND_YEAR).values(store_version=kept.store_version - 1))
    assert norfolk_2016(store, Audience.STAFF) == summed
    with store.begin() as connection:
        connection.execute(delete(SPEND_BY_AREA_AND_YEAR))
    assert norfolk_2016(store, Audience.STAFF) == summed
