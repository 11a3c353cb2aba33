"""Overlapping periods already in the store (`data_access.overlaps`): the sample's own pair, seen by staff only,
and an overlap loaded by going round the importer (a direct insert, as an old store or a backup might hold)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from sqlmodel import Session

from data_access.models import Audience, Budget, Spend
from data_access.overlaps import Overlap, overlapping_periods
from tests.conftest import BACKENDS
from tests.test_importing import new_store, postgres_template, sqlite_template  # noqa: F401


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    yield from new_store(request.param, request, tmp_path)


def test_the_sample_holds_no_overlap(store: Engine) -> None:
    # West Yorkshire's 2018/19 ISVA payments and the (restricted) contingency payment are two lines of the same year
    # with different descriptions: separate money, not one figure recorded twice.
    with Session(store) as session:
        for audience in Audience:
            assert overlapping_periods(session=session, audience=audience) == []


def test_a_quarter_inside_a_year_inserted_directly_is_found(store: Engine) -> None:
    with store.begin() as connection:
        connection.execute(
            insert(Spend.__table__).values(
                id="wy-2018-q2-isva",
                area_id="west-yorkshire",
                financial_year=2018,
                quarter=2,
                funding_stream_id="wy-moj",
                agreement_id="wy-isva",
                amount_pence=7_873_450,
                is_credit=False,
                description="Q2 ISVA payments",
                visibility="public",
                source_id="wy-2018",
                source_section="2.3.2 West Yorkshire ISVA service",
                basis="illustrative",
                basis_note="test",
            )
        )
        connection.execute(
            insert(Budget.__table__).values(
                id="nfk-2016-moj-again",
                area_id="norfolk",
                financial_year=2016,
                funding_stream_id="nfk-moj",
                amount_pence=103_741_500,
                description="",
                visibility="public",
                source_id="norfolk-2016",
                source_section="1.9",
                basis="reported",
                basis_note="",
            )
        )
    with Session(store) as session:
        public = overlapping_periods(session=session, audience=Audience.PUBLIC)
        staff = overlapping_periods(session=session, audience=Audience.STAFF, area="west-yorkshire")
    assert public == [  # spend first, then budgets
        Overlap(
            area_id="west-yorkshire",
            table="spend",
            record_ids=("wy-2018-isva", "wy-2018-q2-isva"),
            label="Independent Sexual Advisor Contract (ISVA) (wy-isva)",
            periods=("2018/19", "Q2 2018/19"),
            amounts_pence=(31_000_000, 7_873_450),
            citations="wy-2018|2.2.3 Independent Sexual Advisor Contract (ISVA)\nwy-2018|2.3.2 West Yorkshire ISVA service",
            bases=("illustrative", "illustrative"),
        ),
        Overlap(
            area_id="norfolk",
            table="budgets",
            record_ids=("nfk-2016-moj", "nfk-2016-moj-again"),
            label="funding stream nfk-moj, no priority",
            periods=("2016/17", "2016/17"),
            amounts_pence=(103_741_500, 103_741_500),
            citations="norfolk-2016|1.9 (paragraph number not printed; between 1.8 and 1.10)\nnorfolk-2016|1.9",
            bases=("reported", "reported"),
        ),
    ]
    # Staff also see the restricted contingency: the quarter lies inside its year too. The contingency and the ISVA
    # payments, both for the whole year with different descriptions, do not clash with each other.
    assert [o.record_ids for o in staff] == [("wy-2018-isva", "wy-2018-q2-isva"), ("wy-2018-isva-contingency", "wy-2018-q2-isva")]
