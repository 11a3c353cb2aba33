"""Figures summed ahead of time: every area's spend per financial year, for each audience, kept at the store's version.

/compare ranks every area, so it sums every spend line of the store: a million on a national store, 0.35 s in SQLite
and 0.8 s in PostgreSQL, against a few milliseconds for the sample. `store_version.bump` refreshes these sums in the
same transaction as the import or restore that changed the figures, so a change and its sums commit together, and the
page reads 430 rows instead of a million lines.

The sums are only read at the version they were made for: a store migrated since its last change, or whose sums were
made at another version, is summed on the spot (`queries.spend_by_area_and_year`), the same figures, more slowly. Like
the store version's own table this one stays out of the data model's metadata: backups and "every table" checks leave
it alone, and a restore makes it again.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    insert,
    literal,
    select,
    true,
)
from sqlmodel import Session

from data_access import queries
from data_access.models import Audience
from data_access.store_version import STORE_VERSION

SPEND_BY_AREA_AND_YEAR = Table(
    "summed_spend_by_area_and_year",
    MetaData(),
    Column("store_version", BigInteger, nullable=False),
    Column("audience", String, nullable=False),
    Column("area_id", String, nullable=False),
    Column("financial_year", Integer, nullable=False),
    Column("spend_pence", BigInteger, nullable=False),
    Column("linked_pence", BigInteger, nullable=False),
    Column("illustrative_pence", BigInteger, nullable=False),
    Column("citations", Text, nullable=True),
    PrimaryKeyConstraint("audience", "area_id", "financial_year"),
)
_FIGURES = ["area_id", "financial_year", "spend_pence", "linked_pence", "illustrative_pence", "citations"]


def refresh(connection: Connection, version: int) -> None:
    """Sum every area's spend per year again for each audience, as the store now stands in `connection`'s transaction,
    and mark the sums as those of `version`."""
    connection.execute(delete(SPEND_BY_AREA_AND_YEAR))
    for audience in Audience:
        summed = queries.spend_by_area_and_year_query(connection.dialect.name, audience).subquery()
        connection.execute(
            insert(SPEND_BY_AREA_AND_YEAR).from_select(
                ["store_version", "audience", *_FIGURES],
                select(literal(version), literal(audience.value), *(summed.c[name] for name in _FIGURES)),
            )
        )


def spend_by_area_and_year(*, session: Session, audience: Audience, areas: Sequence[str] | None = None) -> pd.DataFrame:
    """`queries.spend_by_area_and_year`, read from the sums kept at the store's current version where there are any."""
    kept = SPEND_BY_AREA_AND_YEAR.c
    current = select(STORE_VERSION.c.version).where(STORE_VERSION.c.id == 1).scalar_subquery()
    result = session.execute(
        select(*(kept[name] for name in _FIGURES))
        .where(kept.store_version == current, kept.audience == Audience(audience).value)
        .where(kept.area_id.in_(areas) if areas is not None else true())
        .order_by(kept.area_id, kept.financial_year)
    )
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:  # not summed at this version (or nothing to sum, which is as quick to find out by summing)
        return queries.spend_by_area_and_year(session=session, audience=audience, areas=areas)
    return frame
