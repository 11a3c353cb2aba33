"""The engine, schema migrations, and filling an empty store with the sample data."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from alembic import command
from data_access import store_version
from data_access.models import Source
from data_access.settings import PROJECT_ROOT, SAMPLE_DATA_DIR, get_settings

# Any constant will do: it keeps two replicas that start together from loading the sample twice.
_PG_FIRST_START_LOCK = 4_617_201


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its folder, foreign keys on every connection, and WAL; PostgreSQL no JIT."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # PostgreSQL's JIT compiles a query its planner costs high (jit_above_cost): the app's queries are costed high for
    # their correlated subqueries (an agreement's standing) but run in milliseconds, and compiling took 200 ms each:
    # 2.5 s of the trends page's ten year ends on 43 areas. Off for the app's connections only.
    # Added to any options the URL gives (a search_path, say), which connect_args would replace.
    given = make_url(url).query.get("options", "")
    options = " ".join([*([given] if isinstance(given, str) else given), "-c jit=off"]).strip()
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


def migrate(engine: Engine) -> None:
    """Bring the schema up to the latest Alembic revision."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite alters a table by copying it; with foreign keys on, dropping the old copy fails. SQLite's
            # own procedure: keys off outside any transaction, migrate, check every key, keys on again.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end SQLAlchemy's implicit transaction; the pragma itself ran outside one
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("The migration left rows whose foreign keys point nowhere; nothing was changed.")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def is_empty(engine: Engine) -> bool:
    """True when the store holds no sources, and so no figures."""
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Source)) == 0


def open_store(url: str | None = None, *, load_sample_data: bool | None = None) -> Engine:
    """Engine for the configured store, migrated, and holding the sample data if it was empty."""
    settings = get_settings()
    engine = make_engine(url or settings.database_url)
    migrate(engine)
    if load_sample_data if load_sample_data is not None else settings.load_sample_data:
        from data_access.loading import load_folder

        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_FIRST_START_LOCK})
            if connection.execute(select(func.count()).select_from(Source)).scalar_one() == 0:
                load_folder(SAMPLE_DATA_DIR, connection=connection)
                store_version.bump(connection)
    return engine
