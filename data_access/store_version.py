"""The store's version: one number that every change to the figures (an import, a restore, the first start's
sample data) adds one to, in the same transaction as the change.

Cached query results are keyed by it (`ui.cache`), so with several app replicas on one PostgreSQL, a change made on
one replica, or from the command line, shows on every replica's next page run, and results nothing has changed are
never computed again. It is kept out of the data model's metadata on purpose: like `alembic_version` it describes
the store, not a figure, so backups, fingerprints and "every table" checks leave it alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Connection, DateTime, Engine, Integer, MetaData, Table, insert, select, update

STORE_VERSION = Table(
    "store_version",
    MetaData(),
    Column("id", Integer, primary_key=True),  # one row, id 1
    Column("version", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=True),
)


def bump(connection: Connection) -> int:
    """Add one to the version inside the caller's transaction (so it commits or rolls back with the change), and sum
    ahead of time, at the new version, the figures kept summed (`data_access.summaries`); the new version."""
    from data_access import summaries  # which reads this module's table

    now = datetime.now(UTC)
    bumped = connection.execute(
        update(STORE_VERSION).where(STORE_VERSION.c.id == 1).values(version=STORE_VERSION.c.version + 1, changed_at=now)
    )
    if bumped.rowcount == 0:  # the migration adds the row; should it have been deleted by hand, a write still counts
        connection.execute(insert(STORE_VERSION).values(id=1, version=2, changed_at=now))
    version = current(connection)
    summaries.refresh(connection, version)
    return version


def current(connection: Connection) -> int:
    """The version as this connection sees it."""
    return int(connection.execute(select(STORE_VERSION.c.version).where(STORE_VERSION.c.id == 1)).scalar_one_or_none() or 1)


def of(engine: Engine) -> int:
    """The store's version now: one primary-key lookup, cheap enough to read before every cached query."""
    with engine.connect() as connection:
        return current(connection)
