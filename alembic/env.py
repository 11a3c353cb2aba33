"""Alembic environment: migrates the connection the app hands over, or DATABASE_URL when run by hand."""

from sqlmodel import SQLModel

import data_access.models  # noqa: F401  (registers every table on SQLModel.metadata)
from alembic import context
from data_access.db import make_engine
from data_access.settings import get_settings

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        with make_engine(get_settings().database_url).begin() as own:
            _run(own)
    else:
        _run(connection)


def _run(connection) -> None:
    # render_as_batch lets SQLite alter tables by copying them.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
