"""Trends (`queries.*_trend`): one area's budget and spend for every financial year, by priority and by funding stream.

The trend is the spend page's one-year queries grouped by year in one SQL query; a year's figure on it must be the
figure the spend page (staff, panel) or the transparency page (the public, `published_only`) shows for that year. The
several-year fixture below is made up by the test:
- area "tau", plan 2017-2020 with priority "victims"; stream "grant".
- budget £300 split evenly over 2017/18-2019/20 (£100 a year) to victims; £1,000 over 2017/18-2018/19 not split (in no
  one year); £50 in 2018/19, "up to", of which £20 (a part: never added); £7 illustrative budget in 2019/20.
- spend £40 in 2017/18 to victims; £60 in 2019/20 to victims, of which £10 (a part); none in 2018/19.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import queries
from data_access.db import open_store
from data_access.models import Area, Audience, Budget, FundingStream, Plan, Priority, Source, Spend
from data_access.queries import NOT_ASSIGNED, NOT_LINKED

AREAS = ("derbyshire", "norfolk", "west-yorkshire")


def _per_year(frame: pd.DataFrame, key: str, published_only: bool) -> dict[Any, tuple[Any, Any]]:
    """{key: (budget, spend)} of a one-year query, None where not published (the staff frames say 0 and a flag)."""
    out = {}
    for row in frame.to_dict("records"):
        if published_only:
            budget, spend = row["budget_pence"], row["spend_pence"]
        else:
            budget = int(row["budget_pence"]) if row["budget_published"] else None
            spend = int(row["spend_pence"]) if row["spend_published"] else None
        out[row[key]] = (budget, spend)
    return out


@pytest.mark.parametrize("audience", list(Audience))
def test_trend_equals_the_spend_pages_figures_for_every_sample_area_and_year(session: Session, audience: Audience) -> None:
    published_only = audience == Audience.PUBLIC
    checked = 0
    for area in AREAS:
        by_priority = queries.budget_and_spend_by_priority_trend(
            session=session, area=area, audience=audience, published_only=published_only
        )
        by_stream = queries.budget_and_spend_by_funding_stream_trend(
            session=session, area=area, audience=audience, published_only=published_only
        )
        for year in queries.financial_years(session=session, area=area, audience=audience):
            page = queries.budget_and_spend_by_priority(
                session=session, area=area, year=year, audience=audience, published_only=published_only
            )
            trend = by_priority[by_priority["financial_year"] == year]
            assert _per_year(trend, "priority", True) == _per_year(page, "priority", published_only), (area, year)
            assert list(trend["budget_up_to"]) == [bool(u) for u in page.set_index("priority").loc[trend["priority"], "budget_up_to"]]
            page_s = queries.budget_and_spend_by_funding_stream(
                session=session, area=area, year=year, audience=audience, published_only=published_only
            )
            page_s = page_s[page_s["budget_pence"].notna() | page_s["spend_pence"].notna()] if published_only else page_s
            # The stream page also lists streams with only grants awarded that year; the trend has budget and spend.
            page_money = {k: v for k, v in _per_year(page_s, "funding_stream", published_only).items() if v != (None, None)}
            if not published_only:
                page_money = {k: v for k, v in page_money.items() if v != (None, None)}
            trend_s = by_stream[by_stream["financial_year"] == year]
            assert _per_year(trend_s, "funding_stream", True) == page_money, (area, year)
            checked += 1
    assert checked == 5  # Derbyshire 2021/22 and 2025/26, Norfolk 2016/17, West Yorkshire 2017/18 and 2018/19


def test_sample_trends_exact(session: Session) -> None:
    wy = queries.budget_and_spend_by_priority_trend(session=session, area="west-yorkshire", audience=Audience.STAFF)
    victims = wy[wy["priority_id"] == "wy-victims"].set_index("financial_year")
    # Illustrative spend in the sample data (the report gives no spend by priority): £330,000 then £1,722,500.
    assert victims["spend_pence"].to_dict() == {2017: 33_000_000, 2018: 172_250_000}
    assert list(victims["budget_pence"]) == [None, None]  # not published, never 0
    assert victims["illustrative"].all()
    norfolk = queries.budget_and_spend_by_funding_stream_trend(
        session=session, area="norfolk", audience=Audience.PUBLIC, published_only=True
    ).set_index("funding_stream_id")
    assert norfolk.loc["nfk-police-grant", "budget_pence"] == 101_800_000  # the Norfolk paper's £1.018m
    assert norfolk.loc["nfk-police-grant", "spend_pence"] is None
    # The public never see illustrative spend: West Yorkshire's published spend by priority is only the unlinked £5,000.
    public = queries.budget_and_spend_by_priority_trend(
        session=session, area="west-yorkshire", audience=Audience.PUBLIC, published_only=True
    )
    assert public[["financial_year", "priority", "spend_pence"]].to_dict("records") == [
        {"financial_year": 2017, "priority": NOT_LINKED, "spend_pence": 500_000}
    ]


def _cited() -> dict[str, Any]:
    return {"source_id": "test", "source_section": "made up", "basis": "reported"}


@pytest.fixture(scope="module")
def tau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('trends') / 'tau.sqlite3'}", load_sample_data=False)
    records: list[list[Any]] = [
        [Source(id="test", title="Made up by a test", kind="published"), Area(id="tau", name="Tau")],
        [
            Plan(id="tau-plan", area_id="tau", title="Plan", first_year=2017, last_year=2020, **_cited()),
            FundingStream(id="grant", area_id="tau", name="Grant", **_cited()),
        ],
        [Priority(id="victims", plan_id="tau-plan", position=1, name="Victims", **_cited())],
        [
            Budget(
                id="even",
                area_id="tau",
                financial_year=2017,
                last_financial_year=2019,
                apportionment="even",
                funding_stream_id="grant",
                priority_id="victims",
                amount_pence=30_000,
                **_cited(),
            ),
            Budget(
                id="unsplit",
                area_id="tau",
                financial_year=2017,
                last_financial_year=2018,
                funding_stream_id="grant",
                amount_pence=100_000,
                **_cited(),
            ),
            Budget(
                id="ceiling",
                area_id="tau",
                financial_year=2018,
                funding_stream_id="grant",
                amount_pence=5_000,
                qualifier="up to",
                **_cited(),
            ),
            Budget(
                id="guess",
                area_id="tau",
                financial_year=2019,
                funding_stream_id="grant",
                amount_pence=700,
                **(_cited() | {"basis": "illustrative"}),
            ),
            Spend(
                id="s17",
                area_id="tau",
                financial_year=2017,
                amount_pence=4_000,
                priority_id="victims",
                funding_stream_id="grant",
                **_cited(),
            ),
            Spend(
                id="s19",
                area_id="tau",
                financial_year=2019,
                amount_pence=6_000,
                priority_id="victims",
                funding_stream_id="grant",
                **_cited(),
            ),
        ],
        [
            Budget(
                id="ceiling-part",
                area_id="tau",
                financial_year=2018,
                funding_stream_id="grant",
                amount_pence=2_000,
                part_of_id="ceiling",
                **_cited(),
            ),
            Spend(id="s19-part", area_id="tau", financial_year=2019, amount_pence=1_000, part_of_id="s19", **_cited()),
        ],
    ]
    with Session(engine) as session:
        for batch in records:
            session.add_all(batch)
            session.flush()
        session.commit()
    yield engine
    engine.dispose()


def test_several_years_fixture(tau: Engine) -> None:
    with Session(tau) as session:
        assert queries.financial_years(session=session, area="tau", audience=Audience.STAFF) == [2017, 2018, 2019]
        frame = queries.budget_and_spend_by_priority_trend(session=session, area="tau", audience=Audience.STAFF)
        rows = frame[["financial_year", "priority", "budget_pence", "spend_pence", "budget_up_to", "illustrative"]].to_dict("records")
        assert rows == [
            {
                "financial_year": 2017,
                "priority": "Victims",
                "budget_pence": 10_000,
                "spend_pence": 4_000,
                "budget_up_to": False,
                "illustrative": False,
            },
            {
                "financial_year": 2018,
                "priority": "Victims",
                "budget_pence": 10_000,
                "spend_pence": None,
                "budget_up_to": False,
                "illustrative": False,
            },
            # The "up to" £50 (its £20 part never added); the £1,000 not split by year is in no year.
            {
                "financial_year": 2018,
                "priority": NOT_ASSIGNED,
                "budget_pence": 5_000,
                "spend_pence": None,
                "budget_up_to": True,
                "illustrative": False,
            },
            {
                "financial_year": 2019,
                "priority": "Victims",
                "budget_pence": 10_000,
                "spend_pence": 6_000,
                "budget_up_to": False,
                "illustrative": False,
            },
            {
                "financial_year": 2019,
                "priority": NOT_ASSIGNED,
                "budget_pence": 700,
                "spend_pence": None,
                "budget_up_to": False,
                "illustrative": True,
            },
        ]
        public = queries.budget_and_spend_by_funding_stream_trend(
            session=session, area="tau", audience=Audience.PUBLIC, published_only=True
        )
        assert public[["financial_year", "budget_pence", "spend_pence"]].to_dict("records") == [
            {"financial_year": 2017, "budget_pence": 10_000, "spend_pence": 4_000},
            {"financial_year": 2018, "budget_pence": 15_000, "spend_pence": None},
            {"financial_year": 2019, "budget_pence": 10_000, "spend_pence": 6_000},  # the illustrative £7 left out
        ]
        for year in (2017, 2018, 2019):
            page = queries.budget_and_spend_by_priority(session=session, area="tau", year=year, audience=Audience.STAFF)
            trend = frame[frame["financial_year"] == year]
            assert _per_year(trend, "priority", True) == _per_year(page, "priority", False)


@pytest.mark.parametrize("audience", list(Audience))
def test_live_at_year_ends_uses_the_overviews_rule(session: Session, audience: Audience) -> None:
    """Running plus undated at each 31 March is the overview's live count at that date: the same `_standing` rule."""
    for area in AREAS:
        ends = queries.live_agreements_at_year_ends(session=session, area=area, audience=audience)
        for row in ends.to_dict("records"):
            totals = queries.agreement_totals(session=session, area=area, as_at=row["year_end"], audience=audience)
            assert row["live"] + row["undated"] == int(totals["live"].iloc[0]), (area, row["year_end"])


def test_live_at_year_ends_exact(session: Session) -> None:
    wy = queries.live_agreements_at_year_ends(session=session, area="west-yorkshire", audience=Audience.PUBLIC, published_only=True)
    assert wy[["financial_year", "live", "annual_value_pence", "value_not_published", "undated"]].to_dict("records") == [
        {"financial_year": 2017, "live": 3, "annual_value_pence": 2_000_000, "value_not_published": 2, "undated": 0},
        {"financial_year": 2018, "live": 3, "annual_value_pence": None, "value_not_published": 3, "undated": 0},  # not £0
    ]
    derbyshire = queries.live_agreements_at_year_ends(session=session, area="derbyshire", audience=Audience.STAFF)
    assert list(derbyshire["undated"]) == [9, 0]  # the 2021 strategy's services, listed with no end date
    assert list(derbyshire["live"]) == [0, 0]
