"""Schema migrations build the models' schema, and the database itself refuses bad rows, on every backend."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, MetaData, insert, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from alembic import command
from data_access.db import make_engine, migrate
from data_access.models import Agreement, AgreementPriority, Budget, Source, Spend
from data_access.settings import PROJECT_ROOT
from data_access.store_version import STORE_VERSION
from data_access.summaries import SPEND_BY_AREA_AND_YEAR
from tests.conftest import TEST_DATABASE_URL

# Tables the migrations make that describe the store rather than hold figures: the schema revision, the store version
# and the figures summed at it.
BESIDE_THE_MODEL = {"alembic_version", "store_version", "summed_spend_by_area_and_year"}


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list:
    """What the migrated database has that the models (and the store version's table) do not, or the other way round."""
    expected = MetaData()
    for table in [*SQLModel.metadata.tables.values(), STORE_VERSION, SPEND_BY_AREA_AND_YEAR]:
        table.to_metadata(expected)
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), expected)


# --- migrating -------------------------------------------------------------------------------


@pytest.fixture
def migrated_sqlite(fresh_sqlite_url: str) -> Engine:
    engine = make_engine(fresh_sqlite_url)
    assert inspect(engine).get_table_names() == []  # an empty file
    migrate(engine)
    yield engine
    engine.dispose()


def test_migrate_creates_every_table_on_an_empty_sqlite_file(migrated_sqlite: Engine) -> None:
    tables = set(inspect(migrated_sqlite).get_table_names())
    assert tables == set(SQLModel.metadata.tables) | BESIDE_THE_MODEL
    assert len(SQLModel.metadata.tables) == 19  # the 16 of the data model, plus import_record, audit_entry and column_mapping


def test_migrate_leaves_sqlite_at_head(migrated_sqlite: Engine) -> None:
    assert head() == "0014"
    assert current_revision(migrated_sqlite) == head()


def test_the_migrated_schema_matches_the_models_on_sqlite(migrated_sqlite: Engine) -> None:
    assert schema_differences(migrated_sqlite) == []
    inspector = inspect(migrated_sqlite)
    for name, table in SQLModel.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == set(table.columns.keys()), name


def test_migrate_twice_is_harmless(migrated_sqlite: Engine) -> None:
    migrate(migrated_sqlite)
    assert current_revision(migrated_sqlite) == head()
    assert set(inspect(migrated_sqlite).get_table_names()) == set(SQLModel.metadata.tables) | BESIDE_THE_MODEL


def test_downgrade_to_base_and_back(migrated_sqlite: Engine) -> None:
    config = alembic_config()
    with migrated_sqlite.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(migrated_sqlite).get_table_names()) == {"alembic_version"}
    assert current_revision(migrated_sqlite) is None
    migrate(migrated_sqlite)
    assert current_revision(migrated_sqlite) == head()
    assert set(inspect(migrated_sqlite).get_table_names()) == set(SQLModel.metadata.tables) | BESIDE_THE_MODEL


def test_the_store_is_at_head_with_the_models_schema(engine: Engine) -> None:
    """On every backend: the store open_store built from an empty database."""
    assert current_revision(engine) == head()
    assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables) | BESIDE_THE_MODEL
    assert schema_differences(engine) == []


def test_every_named_check_constraint_is_in_the_database(engine: Engine) -> None:
    inspector = inspect(engine)
    expected_total = 0
    for name, table in SQLModel.metadata.tables.items():
        expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint) and isinstance(c.name, str)}
        expected_total += len(expected)
        reflected = {c["name"] for c in inspector.get_check_constraints(name)}
        assert expected <= reflected, (name, expected - reflected)
    assert expected_total >= 18  # the loop found the models' constraints: not a vacuous check


# --- the database refuses bad rows (both backends) -------------------------------------------

CITED = {"source_section": "test", "basis": "illustrative", "basis_note": "made up by a test; always rolled back", "visibility": "public"}
SPEND = {
    "id": "test-spend",
    "area_id": "west-yorkshire",
    "financial_year": 2018,
    "quarter": None,
    "funding_stream_id": "wy-moj",
    "agreement_id": "wy-isva",
    "priority_id": None,
    "amount_pence": 100,
    "is_credit": False,
    "description": "",
    "source_id": "wy-2018",
    **CITED,
}
AGREEMENT = {
    "id": "test-agreement",
    "area_id": "west-yorkshire",
    "title": "Test agreement",
    "kind": "contract",
    "provider_id": None,
    "funding_stream_id": None,
    "procurement_route": "not stated",
    "number_of_tenderers": None,
    "start_date": date(2018, 4, 1),
    "start_precision": "day",
    "original_end_date": None,
    "current_end_date": date(2021, 3, 31),
    "end_precision": "day",
    "latest_end_date": None,
    "extension_options_available": None,
    "extension_options_used": 0,
    "annual_value_pence": None,
    "total_value_pence": None,
    "status": "active",
    "purpose": "",
    "illustrative_fields": "",
    "source_id": "wy-2018",
    **CITED,
}
BUDGET = {
    "id": "test-budget",
    "area_id": "norfolk",
    "financial_year": 2016,
    "funding_stream_id": "nfk-moj",
    "priority_id": None,
    "amount_pence": 0,
    "description": "",
    "source_id": "norfolk-2016",
    **CITED,
}
AGREEMENT_PRIORITY = {
    "agreement_id": "wy-core-referral",
    "priority_id": "wy-drugs",
    "share_percent": 50,
    "source_id": "wy-2018",
    **{k: v for k, v in CITED.items() if k != "visibility"},
}


def insert_and_roll_back(engine: Engine, model, values: dict) -> None:
    """Insert one row in a transaction that is always rolled back; raises what the database raises."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(insert(model.__table__).values(**values))
        finally:
            transaction.rollback()


@pytest.mark.parametrize(
    ("model", "good"),
    [(Spend, SPEND), (Agreement, AGREEMENT), (Budget, BUDGET), (AgreementPriority, AGREEMENT_PRIORITY)],
)
def test_the_good_rows_are_accepted(engine: Engine, model, good: dict) -> None:
    """The rows the tests below spoil are themselves acceptable, so each refusal is down to the one change."""
    insert_and_roll_back(engine, model, good)


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError) as error:
        insert_and_roll_back(engine, Spend, {**SPEND, "agreement_id": "no-such-agreement"})
    assert "foreign key" in str(error.value.orig).lower()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("area_id", "no-such-area"),
        ("source_id", "no-such-source"),
        ("funding_stream_id", "no-such-stream"),
        ("priority_id", "no-such-priority"),
    ],
)
def test_other_foreign_keys_of_spend_are_enforced(engine: Engine, column: str, value: str) -> None:
    with pytest.raises(IntegrityError):
        insert_and_roll_back(engine, Spend, {**SPEND, column: value})


@pytest.mark.parametrize(
    ("model", "good", "change", "constraint"),
    [
        (Agreement, AGREEMENT, {"current_end_date": date(2018, 3, 31)}, "agreement_end_not_before_start"),
        (Agreement, AGREEMENT, {"kind": "loan"}, "agreement_kind"),
        (Agreement, AGREEMENT, {"status": "live"}, "agreement_status"),
        (Agreement, AGREEMENT, {"visibility": "secret"}, "agreement_visibility"),
        (Agreement, AGREEMENT, {"annual_value_pence": -1}, "agreement_annual_value_not_negative"),
        (Agreement, AGREEMENT, {"extension_options_used": -1}, "agreement_options_used_not_negative"),
        (Budget, BUDGET, {"amount_pence": -1}, "budget_amount_not_negative"),
        (Spend, SPEND, {"amount_pence": -500000}, "spend_not_negative_unless_credit"),
        (Spend, SPEND, {"quarter": 5}, "spend_quarter_range"),
        (AgreementPriority, AGREEMENT_PRIORITY, {"share_percent": 0}, "agreement_priority_share_range"),
        (AgreementPriority, AGREEMENT_PRIORITY, {"share_percent": 101}, "agreement_priority_share_range"),
    ],
)
def test_check_constraints_are_enforced(engine: Engine, model, good: dict, change: dict, constraint: str) -> None:
    with pytest.raises(IntegrityError) as error:
        insert_and_roll_back(engine, model, {**good, **change})
    assert constraint in str(error.value.orig)


def test_a_credit_may_be_negative(engine: Engine) -> None:
    insert_and_roll_back(engine, Spend, {**SPEND, "amount_pence": -500000, "is_credit": True})


def test_an_agreement_may_end_on_the_day_it_starts(engine: Engine) -> None:
    insert_and_roll_back(engine, Agreement, {**AGREEMENT, "current_end_date": date(2018, 4, 1)})


def test_refused_rows_leave_nothing_behind(engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        insert_and_roll_back(engine, Budget, {**BUDGET, "amount_pence": -1})
    with engine.connect() as connection:
        assert connection.execute(Budget.__table__.select().where(Budget.__table__.c.id == "test-budget")).first() is None


def test_a_store_with_data_upgrades_to_head_keeping_its_rows(tmp_path) -> None:
    """SQLite rebuilds a table to add a constraint; with data in it and foreign keys on, that must still work."""
    from alembic import command as alembic_command
    from data_access.db import make_engine, migrate
    from data_access.loading import load_folder
    from data_access.settings import SAMPLE_DATA_DIR

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config()
    # Loaded at head (the loader writes today's columns), then taken back to 0002 with the rows in it: an old store.
    migrate(engine)
    with engine.begin() as connection:
        load_folder(SAMPLE_DATA_DIR, connection=connection)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # as migrate() does: SQLite copies a table to alter it
        connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            alembic_command.downgrade(config, "0002")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    assert current_revision(engine) == "0002"
    assert "kind" not in {c["name"] for c in inspect(engine).get_columns("source")}
    before = {t: engine.connect().exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in ("agreement", "spend", "observation")}
    migrate(engine)
    with engine.connect() as connection:
        assert current_revision(engine) == head()
        assert (
            {t: connection.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in before}
            == before
            == {
                "agreement": 24,
                "spend": 18,
                "observation": 18,
            }
        )
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # 0004: the sources already in the store are the seed documents, all published.
        kinds = dict(connection.exec_driver_sql("SELECT id, kind FROM source ORDER BY id").all())
        assert kinds == {
            "derbyshire-2021": "published",
            "derbyshire-2025": "published",
            "norfolk-2016": "published",
            "wy-2018": "published",
        }
        # 0006: existing money keeps its meaning: amounts as stated, parts of nothing, budgets for one year.
        assert connection.exec_driver_sql(
            "SELECT qualifier, part_of_id, last_financial_year, apportionment, COUNT(*) FROM budget GROUP BY 1, 2, 3, 4"
        ).all() == [("", None, None, "", 4)]
        assert connection.exec_driver_sql("SELECT qualifier, part_of_id, COUNT(*) FROM spend GROUP BY 1, 2").all() == [("", None, 18)]
        assert connection.exec_driver_sql("SELECT value_qualifier, value_part_of_id, COUNT(*) FROM agreement GROUP BY 1, 2").all() == [
            ("", None, 24)
        ]
        assert connection.exec_driver_sql("SELECT COUNT(stated_awards_total_pence) FROM funding_stream").scalar() == 0
    engine.dispose()


def test_a_source_written_without_a_kind_is_refused_or_internal_after_0004(migrated_sqlite: Engine) -> None:
    """The database default that filled existing rows is gone: SQL that leaves out the kind is refused, and rows
    written through the models default to internal (the safe side for disclosure control)."""
    row = {"id": "s", "title": "t", "publisher": "p", "published": date(2020, 1, 1), "published_precision": "day", "file": "", "url": "",
           "figures_as_at": date(2020, 1, 1), "as_at_note": ""}  # fmt: skip
    columns = ", ".join(row)
    with migrated_sqlite.connect() as connection, pytest.raises(IntegrityError, match="NOT NULL"):
        connection.exec_driver_sql(f"INSERT INTO source ({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    with migrated_sqlite.connect() as connection:
        connection.execute(insert(Source.__table__).values(**row))
        assert connection.exec_driver_sql("SELECT kind FROM source WHERE id = 's'").scalar() == "internal"
        connection.rollback()


def test_0005_keeps_old_rows_whole_dates_and_blanks_unknown(migrated_sqlite: Engine) -> None:
    """Going back to 0004 and up again: dates stored before 0005 were whole (precision 'day'); a blank count of
    options used goes back as 0 (what 0004 stored) and comes up again as 0 (0005 cannot tell it was blank)."""
    from data_access.loading import load_folder
    from data_access.settings import SAMPLE_DATA_DIR

    with migrated_sqlite.begin() as connection:
        load_folder(SAMPLE_DATA_DIR, connection=connection)
        blank_used = connection.exec_driver_sql("SELECT COUNT(*) FROM agreement WHERE extension_options_used IS NULL").scalar()
    assert blank_used == 21  # the sample agreements whose source does not say how many options were used
    config = alembic_config()
    with migrated_sqlite.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    assert "award_date" not in {c["name"] for c in inspect(migrated_sqlite).get_columns("agreement")}
    migrate(migrated_sqlite)
    with migrated_sqlite.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM agreement WHERE extension_options_used = 0").scalar() == 23
        precisions = connection.exec_driver_sql("SELECT DISTINCT on_precision FROM milestone").scalars().all()
        assert precisions == ["day"]
        # the four seed documents: the ONS list of regions went with the area groups, the only records citing it
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM source WHERE figures_as_at_precision = 'day'").scalar() == 4


def test_0005_will_not_go_back_while_a_status_is_not_stated(migrated_sqlite: Engine) -> None:
    """0004 has no word for 'not stated' and no date to invent: going back is refused, and nothing changes."""
    with migrated_sqlite.begin() as connection:
        connection.execute(insert(Source.__table__).values(id="s", kind="published"))
        connection.exec_driver_sql("INSERT INTO area (id, name, office) VALUES ('a', 'An area', '')")
        connection.execute(insert(Agreement.__table__).values(id="g", area_id="a", title="A grant", kind="grant", source_id="s"))
    config = alembic_config()
    with migrated_sqlite.begin() as connection:  # the later revisions first, which go back freely
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with migrated_sqlite.begin() as connection, pytest.raises(RuntimeError, match="1 agreements with status 'not stated', 1 sources"):
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert current_revision(migrated_sqlite) == "0005"


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_postgresql_connections_have_no_jit_and_keep_the_links_options() -> None:
    """JIT compiling took 200 ms a query the planner costs high (an agreement's standing), 2.5 s of the trends page on
    43 areas; the URL's own options (a search_path) still apply beside it."""
    assert TEST_DATABASE_URL
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    engine = make_engine(f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3Dpg_catalog")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
            assert connection.execute(text("SHOW search_path")).scalar() == "pg_catalog"
    finally:
        engine.dispose()
