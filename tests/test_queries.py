"""The page queries, on the store seeded with the sample data, on every backend.

Every expected figure comes from the seed documents (shared/seeds/) by way of sample_data/; where a
figure is illustrative in the sample data, the comment says so.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session

from data_access import queries
from data_access.db import open_store
from data_access.loading import load_folder
from data_access.models import Audience
from data_access.money import parse_money
from data_access.queries import NO_PROVIDER, NO_STREAM, NOT_ASSIGNED, NOT_LINKED
from data_access.settings import SAMPLE_DATA_DIR
from tests.fixtures import load_fund_awards

TODAY = date(2026, 11, 22)
WY_AS_AT = date(2018, 9, 14)  # the West Yorkshire report's date
NORFOLK_AS_AT = date(2016, 4, 1)  # the first day of 2016/17, which the Norfolk paper's figures describe
DERBYSHIRE_AS_AT = date(2025, 11, 1)
PUBLIC, PANEL, STAFF = Audience.PUBLIC, Audience.PANEL, Audience.STAFF


def only(frame: pd.DataFrame, **match) -> pd.Series:
    """The one row of `frame` whose columns equal `match`."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in match.items():
        mask &= (frame[column] == value).to_numpy()
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {match}"
    return rows.iloc[0]


def is_whole_pence(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


# --- areas, dates and years ------------------------------------------------------------------


def test_areas(session: Session) -> None:
    frame = queries.areas(session=session)
    assert list(frame["id"]) == ["derbyshire", "norfolk", "west-yorkshire"]
    assert list(frame["name"]) == ["Derbyshire", "Norfolk", "West Yorkshire"]
    assert only(frame, id="norfolk")["office"] == "Office of the Police and Crime Commissioner for Norfolk (OPCCN)"


def test_sources_are_the_four_seed_documents(session: Session) -> None:
    frame = queries.sources(session=session)
    assert sorted(frame["file"]) == [
        "",  # the ONS list of regions, which the area groups cite: a web page, no seed file
        "000_fc6a4ce9b9a32b68.txt",
        "001_48baff0836ff3a7c.txt",
        "002_aa8dc047766e7edc.txt",
        "003_1d55a00a0d24ffbf.txt",
    ]
    assert (
        only(frame, id="ons-regions")["url"] == "https://www.ons.gov.uk/methodology/geography/ukgeographies/administrativegeography/england"
    )
    assert only(frame, id="wy-2018")["figures_as_at"] == WY_AS_AT


def test_default_as_at_west_yorkshire_is_the_reports_date(session: Session) -> None:
    as_at, reason = queries.default_as_at(session=session, area="west-yorkshire", today=TODAY, audience=Audience.PUBLIC)
    assert as_at == date(2018, 9, 14)
    assert "Commissioning and Granting Report, West Yorkshire Police and Crime Panel, 14 September 2018" in reason


def test_default_as_at_norfolk_is_the_start_of_2016_17(session: Session) -> None:
    as_at, reason = queries.default_as_at(session=session, area="norfolk", today=TODAY, audience=Audience.PUBLIC)
    assert as_at == date(2016, 4, 1)
    assert "The paper carries no date" in reason  # the source's as-at note explains the choice


def test_default_as_at_derbyshire_is_the_latest_strategy(session: Session) -> None:
    as_at, _ = queries.default_as_at(session=session, area="derbyshire", today=TODAY, audience=Audience.PUBLIC)
    assert as_at == date(2025, 11, 1)  # the November 2025 strategy, not the November 2021 one


@pytest.mark.parametrize("today", [date(2018, 1, 1), date(2018, 9, 14)])
def test_default_as_at_is_today_when_the_figures_do_not_stop_earlier(session: Session, today: date) -> None:
    assert queries.default_as_at(session=session, area="west-yorkshire", today=today, audience=Audience.PUBLIC) == (today, "today's date")


def test_default_as_at_ignores_documents_the_audience_may_not_see(session: Session) -> None:
    """A restricted document's title and note must not reach the public through the as-at caption."""
    from data_access.models import Agreement, Source

    session.add(
        Source(id="t-secret-doc", title="SECRET tender evaluation", publisher="OPCC", published=date(2019, 6, 1),
               figures_as_at=date(2019, 6, 1), as_at_note="SECRET note")
    )  # fmt: skip
    session.flush()
    session.add(
        Agreement(id="t-secret", area_id="west-yorkshire", title="Restricted helpline", kind="contract", status="active",
                  visibility="restricted", source_id="t-secret-doc", source_section="1", basis="reported")
    )  # fmt: skip
    session.flush()
    public = queries.default_as_at(session=session, area="west-yorkshire", today=TODAY, audience=PUBLIC)
    panel = queries.default_as_at(session=session, area="west-yorkshire", today=TODAY, audience=PANEL)
    staff = queries.default_as_at(session=session, area="west-yorkshire", today=TODAY, audience=STAFF)
    assert public == panel and public[0] == date(2018, 9, 14) and "SECRET" not in public[1]
    assert staff[0] == date(2019, 6, 1) and "SECRET tender evaluation" in staff[1]  # the positive control
    session.rollback()


def test_default_as_at_for_an_area_with_no_figures_is_today(session: Session) -> None:
    assert queries.default_as_at(session=session, area="nowhere", today=TODAY, audience=Audience.PUBLIC) == (TODAY, "today's date")


def test_financial_years(session: Session) -> None:
    assert queries.financial_years(session=session, area="west-yorkshire", audience=PUBLIC) == [2017, 2018]
    assert queries.financial_years(session=session, area="norfolk", audience=PUBLIC) == [2016]
    assert queries.financial_years(session=session, area="derbyshire", audience=PUBLIC) == [2021, 2025]


@pytest.mark.parametrize(
    ("area", "as_at", "year"),
    [
        ("west-yorkshire", WY_AS_AT, 2018),
        ("norfolk", NORFOLK_AS_AT, 2016),
        ("derbyshire", DERBYSHIRE_AS_AT, 2025),
        ("derbyshire", date(2023, 1, 1), 2021),  # the latest year with figures that has started
        ("norfolk", date(2015, 6, 1), 2015),  # no figures yet: the as-at date's own year
    ],
)
def test_default_financial_year(session: Session, area: str, as_at: date, year: int) -> None:
    assert queries.default_financial_year(session=session, area=area, audience=PUBLIC, as_at=as_at) == year


def test_priorities_newest_plan_first_in_plan_order(session: Session) -> None:
    frame = queries.priorities(session=session, area="derbyshire")
    assert len(frame) == 12  # six priorities in each of the 2021-25 and 2024-29 plans
    assert list(frame["plan"].head(6)) == ["Police and Crime Plan for Derbyshire 2024-29"] * 6
    assert list(frame["position"].head(6)) == [1, 2, 3, 4, 5, 6]
    assert frame["name"].iloc[0] == "Serious Violence Including Violence Against Women and Girls (VAWG)"
    assert list(queries.priorities(session=session, area="norfolk")["name"]) == [
        "Victims and witnesses",
        "Domestic abuse and sexual violence",
        "Mental health, drugs and alcohol",
        "Rehabilitations of offenders",
    ]


# --- agreement totals ------------------------------------------------------------------------


def test_agreement_totals_norfolk_2016(session: Session) -> None:
    totals = queries.agreement_totals(session=session, area="norfolk", as_at=NORFOLK_AS_AT, audience=PUBLIC).iloc[0]
    assert totals["live"] == 4  # VARSS, IDVA, YOT and Sue Lambert Trust; the restorative justice re-commissioning is planned
    assert totals["annual_value_pence"] == 90900000  # £360k + £360k + £114k + £75k = £909,000
    assert totals["value_not_published"] == 0
    assert (totals["ending_within_red"], totals["ending_within_amber"]) == (0, 0)


def test_agreement_totals_norfolk_six_months_before_31_march_2018(session: Session) -> None:
    totals = queries.agreement_totals(session=session, area="norfolk", as_at=date(2017, 10, 1), audience=PUBLIC).iloc[0]
    assert totals["live"] == 4
    # VARSS, IDVA and Sue Lambert Trust end on 31 March 2018; the YOT grant runs 'until 2018' (the year's end).
    assert (totals["ending_within_red"], totals["ending_within_amber"]) == (3, 3)


def test_agreement_totals_west_yorkshire(session: Session) -> None:
    totals = queries.agreement_totals(session=session, area="west-yorkshire", as_at=WY_AS_AT, audience=PUBLIC).iloc[0]
    assert totals["live"] == 3  # core referral, restorative justice, ISVA
    assert totals["annual_value_pence"] == 0  # none of their values is published
    assert totals["value_not_published"] == 3
    assert (totals["ending_within_red"], totals["ending_within_amber"]) == (0, 1)  # the ISVA contract, 31 March 2019


def test_agreement_totals_annual_value_is_whole_pence(session: Session) -> None:
    # Regression: on PostgreSQL SUM over BIGINT is NUMERIC, which once came back as Decimal rather than int pence.
    totals = queries.agreement_totals(session=session, area="norfolk", as_at=NORFOLK_AS_AT, audience=PUBLIC).iloc[0]
    assert is_whole_pence(totals["annual_value_pence"]), type(totals["annual_value_pence"])
    assert not isinstance(totals["annual_value_pence"], Decimal)


# --- budget and spend ------------------------------------------------------------------------


def test_budget_and_spend_by_funding_stream_norfolk_2016(session: Session) -> None:
    frame = queries.budget_and_spend_by_funding_stream(session=session, area="norfolk", year=2016, audience=PUBLIC)
    assert len(frame) == 3
    moj = only(frame, funding_stream_id="nfk-moj")
    assert moj["budget_pence"] == 103741500  # MoJ grant for 2016/17, £1,037,415
    assert moj["spend_pence"] == 79500000  # illustrative: VARSS £360k + IDVA £360k + Sue Lambert Trust £75k
    assert bool(moj["illustrative"]) is True
    police = only(frame, funding_stream_id="nfk-police-grant")
    assert police["budget_pence"] == 101800000  # £1.018m from the main police grant
    assert police["spend_pence"] == 0
    assert bool(police["illustrative"]) is False
    assert police["funder"] == "Home Office"
    not_stated = only(frame, funding_stream=NO_STREAM)
    assert (not_stated["budget_pence"], not_stated["spend_pence"]) == (0, 11400000)  # YOT grant, stream not stated
    assert list(frame["budget_pence"]) == sorted(frame["budget_pence"], reverse=True)  # largest budget first


def test_budget_and_spend_of_every_area_and_year_is_each_years_figures(session: Session) -> None:
    """The data-quality report's one query for the store gives, for each area and year, the spend page's figures."""
    for audience in (PUBLIC, PANEL, STAFF):
        years_by_area = queries.financial_years_by_area(session=session, audience=audience)
        assert years_by_area["norfolk"] == queries.financial_years(session=session, area="norfolk", audience=audience)
        every_year = sorted({y for years in years_by_area.values() for y in years})
        for published_only in (False, True):
            store = queries.budget_and_spend_by_year_and_funding_stream(
                session=session, area=None, years=every_year, audience=audience, published_only=published_only
            )
            compared = 0
            for area, years in years_by_area.items():
                for year in years:
                    one = queries.budget_and_spend_by_funding_stream(
                        session=session, area=area, year=year, audience=audience, published_only=published_only
                    )
                    part = store[(store["area_id"] == area) & (store["financial_year"] == year)]
                    part = part.drop(columns=["area_id", "financial_year"]).reset_index(drop=True)
                    pd.testing.assert_frame_equal(part, one, check_dtype=False)
                    compared += len(one)
            assert compared == len(store) > 0


def test_budget_and_spend_by_funding_stream_derbyshire(session: Session) -> None:
    grants_2021 = only(
        queries.budget_and_spend_by_funding_stream(session=session, area="derbyshire", year=2021, audience=PUBLIC),
        funding_stream_id="dby-community-grants-2021",
    )
    assert grants_2021["budget_pence"] == 30000000  # £300,000 set aside
    assert grants_2021["spend_pence"] == 28745000  # illustrative rounds: £98,750 + £96,200 + £92,500
    ssc = only(
        queries.budget_and_spend_by_funding_stream(session=session, area="derbyshire", year=2025, audience=PUBLIC),
        funding_stream_id="dby-safer-stronger",
    )
    assert ssc["budget_pence"] == 27500000  # £275,000 Safer and Stronger Communities Grant
    assert ssc["spend_pence"] == 19500000  # illustrative: £120,000 + £60,000 + £15,000


def test_budget_and_spend_by_priority_norfolk_2016(session: Session) -> None:
    frame = queries.budget_and_spend_by_priority(session=session, area="norfolk", year=2016, audience=PUBLIC)
    assert list(frame["priority"]) == [
        "Victims and witnesses",
        "Domestic abuse and sexual violence",
        "Rehabilitations of offenders",
        NOT_ASSIGNED,
    ]
    assert list(frame["spend_pence"]) == [36000000, 43500000, 11400000, 0]  # VARSS; IDVA + Sue Lambert Trust; YOT
    # Neither Norfolk budget is assigned to a priority: £1,037,415 + £1,018,000.
    assert list(frame["budget_pence"]) == [0, 0, 0, 103741500 + 101800000]


def test_spend_linked_to_no_priority_and_budget_not_assigned_are_separate_rows(session: Session) -> None:
    frame = queries.budget_and_spend_by_priority(session=session, area="derbyshire", year=2025, audience=PUBLIC)
    not_linked = only(frame, priority=NOT_LINKED)
    not_assigned = only(frame, priority=NOT_ASSIGNED)
    assert (not_linked["budget_pence"], not_linked["spend_pence"]) == (0, 1500000)  # £15,000 of grants not yet linked
    assert (not_assigned["budget_pence"], not_assigned["spend_pence"]) == (27500000, 0)  # the £275,000 pot
    assert pd.isna(not_linked["priority_id"]) and pd.isna(not_assigned["priority_id"])
    asb = only(frame, priority_id="dby24-asb")
    assert asb["spend_pence"] == 12000000
    assert only(frame, priority_id="dby24-serious-violence")["spend_pence"] == 6000000
    assert list(frame["priority"].tail(2)) == [NOT_LINKED, NOT_ASSIGNED]  # after the plan's priorities


def test_spend_is_apportioned_by_an_agreements_shares(session: Session) -> None:
    # Restorative justice serves two priorities 50/50 (an illustrative split); its £300,000 is halved.
    frame = queries.budget_and_spend_by_priority(session=session, area="west-yorkshire", year=2018, audience=PUBLIC)
    assert only(frame, priority_id="wy-reoffending")["spend_pence"] == 15000000
    # Core referral £1,250,000 + ISVA £310,000 + half of restorative justice £150,000 (all illustrative).
    assert only(frame, priority_id="wy-victims")["spend_pence"] == 171000000
    assert frame["illustrative"].all()


def test_budget_and_spend_by_priority_filter(session: Session) -> None:
    frame = queries.budget_and_spend_by_priority(session=session, area="west-yorkshire", year=2018, audience=PUBLIC, priority="wy-victims")
    assert list(frame["priority_id"]) == ["wy-victims"]
    assert list(frame["spend_pence"]) == [171000000]


@pytest.mark.parametrize(
    ("area", "year"), [("norfolk", 2016), ("west-yorkshire", 2017), ("west-yorkshire", 2018), ("derbyshire", 2021), ("derbyshire", 2025)]
)
@pytest.mark.parametrize("audience", list(Audience))
def test_every_penny_of_spend_appears_once_in_each_view(session: Session, area: str, year: int, audience: Audience) -> None:
    by_stream = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=audience)
    by_priority = queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=audience)
    flows = queries.money_flow(session=session, area=area, year=year, audience=audience)
    total = int(by_stream["spend_pence"].sum())
    assert total > 0
    assert int(by_priority["spend_pence"].sum()) == total
    assert int(flows["amount_pence"].sum()) == total
    assert int(by_priority["budget_pence"].sum()) == int(by_stream["budget_pence"].sum())


def test_money_columns_are_whole_pence(session: Session) -> None:
    frames = [
        queries.budget_and_spend_by_funding_stream(session=session, area="norfolk", year=2016, audience=PUBLIC)[
            ["budget_pence", "spend_pence"]
        ],
        queries.budget_and_spend_by_priority(session=session, area="west-yorkshire", year=2018, audience=PUBLIC)[
            ["budget_pence", "spend_pence"]
        ],
        queries.money_flow(session=session, area="west-yorkshire", year=2018, audience=PUBLIC)[["amount_pence"]],
    ]
    for frame in frames:
        for column in frame.columns:
            assert frame[column].dtype == np.int64, column


@pytest.mark.parametrize("query", ["budget_and_spend_by_priority", "budget_and_spend_by_funding_stream"])
def test_a_year_with_no_figures_gives_no_rows(session: Session, query: str) -> None:
    # Regression: these once raised AttributeError (DataFrame.agg over zero rows returns a DataFrame).
    # Norfolk has figures for 2016/17 only; default_financial_year falls back to a year like this one.
    frame = getattr(queries, query)(session=session, area="norfolk", year=2017, audience=PUBLIC)
    assert frame.empty
    assert {"budget_pence", "spend_pence", "illustrative", "citations"} <= set(frame.columns)


def test_money_flow_west_yorkshire_2018(session: Session) -> None:
    flows = queries.money_flow(session=session, area="west-yorkshire", year=2018, audience=PUBLIC)
    got = sorted((r.funding_stream, r.priority, r.provider, r.amount_pence) for r in flows.itertuples())
    moj = "Ministry of Justice (MOJ) victims grant"
    victims = "Further developing the support available to victims and witnesses"
    assert got == sorted(
        [
            (moj, victims, NO_PROVIDER, 125000000),  # core referral, provider not stated
            (moj, victims, "Victim Support", 31000000),  # ISVA
            (moj, victims, "Restorative Solutions", 15000000),  # half of restorative justice
            (moj, "Reducing Re-offending", "Restorative Solutions", 15000000),  # the other half
        ]
    )
    assert list(flows["amount_pence"]) == sorted(flows["amount_pence"], reverse=True)


def test_money_flow_grants_without_an_agreement(session: Session) -> None:
    flows = queries.money_flow(session=session, area="derbyshire", year=2025, audience=PUBLIC)
    assert set(flows["provider"]) == {"Grants and other payments"}
    assert only(flows, priority=NOT_LINKED)["amount_pence"] == 1500000
    assert set(flows["funding_stream"]) == {"Safer and Stronger Communities Grant"}


# --- audiences -------------------------------------------------------------------------------


def restricted_spend() -> dict[str, str]:
    with (SAMPLE_DATA_DIR / "spend.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["visibility"] == "restricted"]
    assert len(rows) == 1
    return rows[0]


def test_the_sample_has_one_restricted_spend_row() -> None:
    row = restricted_spend()
    assert (row["id"], row["area_id"], row["period"], row["agreement_id"]) == (
        "wy-2018-isva-contingency",
        "west-yorkshire",
        "2018/19",
        "wy-isva",
    )
    assert parse_money(row["amount"]) == 1250000


@pytest.mark.parametrize(("audience", "extra"), [(PUBLIC, 0), (PANEL, 0), (STAFF, 1250000)])
def test_restricted_spend_is_seen_only_by_staff(session: Session, audience: Audience, extra: int) -> None:
    row = restricted_spend()
    assert parse_money(row["amount"]) == 1250000
    by_stream = queries.budget_and_spend_by_funding_stream(session=session, area="west-yorkshire", year=2018, audience=audience)
    # Public spend through the MoJ victims grant in 2018/19: £1,250,000 + £310,000 + £300,000 (illustrative).
    assert only(by_stream, funding_stream_id="wy-moj")["spend_pence"] == 186000000 + extra
    by_priority = queries.budget_and_spend_by_priority(session=session, area="west-yorkshire", year=2018, audience=audience)
    assert only(by_priority, priority_id="wy-victims")["spend_pence"] == 171000000 + extra
    assert int(by_priority["spend_pence"].sum()) == 186000000 + extra
    flows = queries.money_flow(session=session, area="west-yorkshire", year=2018, audience=audience)
    assert only(flows, provider="Victim Support")["amount_pence"] == 31000000 + extra


# --- renewals --------------------------------------------------------------------------------


@pytest.fixture
def wy_renewals(session: Session) -> pd.DataFrame:
    return queries.renewals(session=session, area="west-yorkshire", as_at=WY_AS_AT, audience=PUBLIC)


def test_isva_contract_is_amber_with_its_options_used(wy_renewals: pd.DataFrame) -> None:
    isva = only(wy_renewals, id="wy-isva")
    assert isva["warning"] == "amber"
    assert isva["current_end_date"] == date(2019, 3, 31)  # after the final one-year extension
    assert isva["end_text"] == "31 March 2019"
    assert isva["months_to_end"] == 6.5
    assert isva["options_text"] == "1 of 1"
    assert isva["options_remaining"] == 0
    assert isva["reprocurement_recorded_on"] == date(2018, 9, 7)  # the bidder's event
    assert isva["next_step"] == "No extension options left: re-procure or end; re-procurement step recorded 7 September 2018"
    assert isva["timing"] == "Ends within 12 months"
    assert isva["amendments"] == 1
    assert isva["label"] == "Independent Sexual Advisor Contract (ISVA) (Victim Support)"


def test_core_referral_contract_is_ok_with_two_options_left(wy_renewals: pd.DataFrame) -> None:
    core = only(wy_renewals, id="wy-core-referral")
    assert core["warning"] == "ok"
    assert (core["start_text"], core["end_text"], core["latest_text"]) == ("1 April 2018", "31 March 2021", "31 March 2023")
    assert core["months_to_end"] == 30.5
    assert core["options_remaining"] == 2
    assert core["options_text"] == "0 of 2"
    assert core["next_step"] == "Extend (2 options left) or re-procure"
    assert core["label"] == "Core Referral Service"  # provider not named, so not shown


def test_restorative_justice_has_one_option_left(wy_renewals: pd.DataFrame) -> None:
    rj = only(wy_renewals, id="wy-rj")
    assert (rj["warning"], rj["options_remaining"], rj["latest_text"]) == ("ok", 1, "31 March 2022")
    assert rj["next_step"] == "Extend (1 option left) or re-procure"


def test_ended_and_planned_agreements(wy_renewals: pd.DataFrame) -> None:
    perpetrator = only(wy_renewals, id="wy-perpetrator")
    assert (perpetrator["warning"], perpetrator["end_text"], perpetrator["next_step"]) == ("ended", "30 November 2017", "Ended")
    champion = only(wy_renewals, id="wy-victims-champion")
    assert (champion["warning"], champion["end_text"]) == ("ended", "March 2018")  # 'came to an end in March 2018'
    new_isva = only(wy_renewals, id="wy-isva-2019")
    assert (new_isva["warning"], new_isva["next_step"]) == ("planned", "Planned to start 1 April 2019")
    assert only(wy_renewals, id="wy-equality-consultant")["next_step"] == "Planned; no start date published"
    assert set(wy_renewals["warning"]) == {"ended", "amber", "ok", "planned"}
    assert len(wy_renewals) == 10


@pytest.mark.parametrize(
    ("as_at", "warning"), [(date(2018, 3, 1), "ok"), (date(2018, 9, 30), "amber"), (date(2018, 10, 1), "red"), (date(2019, 4, 1), "ended")]
)
def test_the_isva_warning_moves_with_the_as_at_date(session: Session, as_at: date, warning: str) -> None:
    frame = queries.renewals(session=session, area="west-yorkshire", as_at=as_at, audience=PUBLIC)
    assert only(frame, id="wy-isva")["warning"] == warning


def test_renewals_with_partial_and_missing_dates(session: Session) -> None:
    norfolk = queries.renewals(session=session, area="norfolk", as_at=NORFOLK_AS_AT, audience=PUBLIC)
    yot = only(norfolk, id="nfk-yot")
    assert (yot["end_text"], yot["latest_text"], yot["start_text"]) == ("2018", "not published", "not published")
    # While the November 2021 strategy is Derbyshire's latest document, the services it names with no dates are running.
    derbyshire = queries.renewals(session=session, area="derbyshire", as_at=DERBYSHIRE_2022, audience=PUBLIC)
    assert (derbyshire["warning"] == "undated").sum() == 9  # the services the 2021 strategy names, with no dates
    willow = only(derbyshire, id="dby21-willow")
    assert (willow["warning"], willow["timing"]) == ("undated", "Dates not published")
    assert willow["next_step"] == "No dates published: ask when it ends and what follows"
    assert willow["last_listed"] == ""


# --- status honest to the as-at date ------------------------------------------------------------

DERBYSHIRE_2022 = date(2022, 6, 1)  # after the November 2021 strategy, before the November 2025 one
# The nine services only the November 2021 strategy lists, with no dates (Priorities & Delivery Plan).
DERBYSHIRE_2021_SERVICES = {
    "1625 Substance Misuse service",
    "City Medium risk Domestic Abuse Service",
    "High Risk Domestic Abuse IDVA service in Derby City",
    "High risk offenders accommodation and support project",
    "Restorative Justice Service",
    "Rural Domestic Abuse Outreach service (Willow project)",
    "The Adult Independent Sexual Violence Advocacy service",
    "The Children's Independent Sexual Violence Advocacy service",
    "Young Victims of Crime Service",
}
LAST_LISTED_2021 = (
    "Last listed in Commissioning Strategy (External Policy), Police and Crime Commissioner for Derbyshire, November 2021; "
    "current status not published"
)


@pytest.mark.parametrize("audience", list(Audience))
def test_derbyshire_2021_only_services_are_not_live_once_the_2025_strategy_is_out(session: Session, audience: Audience) -> None:
    totals = queries.agreement_totals(session=session, area="derbyshire", as_at=DERBYSHIRE_AS_AT, audience=audience).iloc[0]
    # The November 2025 strategy does not list the nine services of the 2021 one, and no other agreement is recorded.
    assert totals["live"] == 0
    assert totals["value_not_published"] == 0
    assert totals["status_not_published"] == 9
    frame = queries.renewals(session=session, area="derbyshire", as_at=DERBYSHIRE_AS_AT, audience=audience)
    assert set(frame["title"]) == DERBYSHIRE_2021_SERVICES
    assert set(frame["warning"]) == {"unknown"}
    assert set(frame["timing"]) == {"Current status not published"}
    assert set(frame["next_step"]) == {LAST_LISTED_2021}
    assert set(frame["last_listed"]) == {LAST_LISTED_2021}
    live = frame[frame["warning"].isin(["red", "amber", "ok", "undated"])]
    assert list(live["title"]) == []


def test_derbyshire_2021_services_are_live_while_the_2021_strategy_is_the_latest(session: Session) -> None:
    totals = queries.agreement_totals(session=session, area="derbyshire", as_at=DERBYSHIRE_2022, audience=PUBLIC).iloc[0]
    assert totals["live"] == 9
    assert totals["value_not_published"] == 9  # the strategy gives no values
    assert totals["status_not_published"] == 0
    frame = queries.renewals(session=session, area="derbyshire", as_at=DERBYSHIRE_2022, audience=PUBLIC)
    assert set(frame["title"]) == DERBYSHIRE_2021_SERVICES
    assert set(frame["warning"]) == {"undated"}
    assert set(frame["last_listed"]) == {""}
    # On the day the 2025 strategy describes, not before: the day before, the 2021 services still count.
    day_before = queries.agreement_totals(session=session, area="derbyshire", as_at=date(2025, 10, 31), audience=PUBLIC).iloc[0]
    assert (day_before["live"], day_before["status_not_published"]) == (9, 0)


def test_derbyshire_services_are_not_live_before_the_2021_strategy_listed_them(session: Session) -> None:
    totals = queries.agreement_totals(session=session, area="derbyshire", as_at=date(2021, 1, 1), audience=PUBLIC).iloc[0]
    assert (totals["live"], totals["status_not_published"]) == (0, 9)
    willow = only(queries.renewals(session=session, area="derbyshire", as_at=date(2021, 1, 1), audience=PUBLIC), id="dby21-willow")
    assert willow["warning"] == "unknown"
    assert willow["next_step"] == (
        "Not yet listed on this date: first listed in Commissioning Strategy (External Policy), "
        "Police and Crime Commissioner for Derbyshire, November 2021"
    )
    assert willow["last_listed"] == ""  # it was never last listed before this date


def test_one_source_areas_are_unchanged_at_their_default_dates(session: Session) -> None:
    """West Yorkshire and Norfolk have one document each: nothing replaces it, so nothing becomes unknown."""
    wy = queries.renewals(session=session, area="west-yorkshire", as_at=WY_AS_AT, audience=PUBLIC)
    assert set(wy["warning"]) == {"ended", "amber", "ok", "planned"}
    assert only(wy, id="wy-isva")["warning"] == "amber"
    assert set(wy["last_listed"]) == {""}
    norfolk = queries.renewals(session=session, area="norfolk", as_at=NORFOLK_AS_AT, audience=PUBLIC)
    assert set(norfolk["warning"]) == {"ok", "planned"}
    assert only(norfolk, id="nfk-rj")["next_step"] == "Planned; no start date published"
    for area, as_at, live in (("west-yorkshire", WY_AS_AT, 3), ("norfolk", NORFOLK_AS_AT, 4)):
        totals = queries.agreement_totals(session=session, area=area, as_at=as_at, audience=PUBLIC).iloc[0]
        assert (totals["live"], totals["status_not_published"]) == (live, 0)


def test_a_later_document_of_another_area_replaces_nothing(session: Session) -> None:
    """Derbyshire's 2021 and 2025 strategies are later than West Yorkshire's and Norfolk's documents, but say nothing of them."""
    wy = queries.renewals(session=session, area="west-yorkshire", as_at=DERBYSHIRE_AS_AT, audience=PUBLIC)
    assert only(wy, id="wy-da-specialist")["warning"] == "planned"  # undated, and West Yorkshire's report is still its latest
    assert "unknown" not in set(wy["warning"])
    norfolk = queries.renewals(session=session, area="norfolk", as_at=DERBYSHIRE_AS_AT, audience=PUBLIC)
    assert only(norfolk, id="nfk-rj")["warning"] == "planned"
    assert "unknown" not in set(norfolk["warning"])


def test_live_count_and_renewals_agree(session: Session) -> None:
    """The overview's live count and the renewals warnings come from the one judgement (`queries._standing`)."""
    for area, as_at in (
        ("derbyshire", DERBYSHIRE_AS_AT),
        ("derbyshire", DERBYSHIRE_2022),
        ("west-yorkshire", WY_AS_AT),
        ("west-yorkshire", date(2019, 4, 1)),
        ("norfolk", NORFOLK_AS_AT),
    ):
        totals = queries.agreement_totals(session=session, area=area, as_at=as_at, audience=STAFF).iloc[0]
        frame = queries.renewals(session=session, area=area, as_at=as_at, audience=STAFF)
        assert totals["live"] == frame["warning"].isin(["red", "amber", "ok", "undated"]).sum(), (area, as_at)
        assert totals["status_not_published"] == (frame["warning"] == "unknown").sum(), (area, as_at)


def test_amendments(session: Session) -> None:
    frame = queries.amendments(session=session, area="west-yorkshire", audience=PUBLIC)
    assert list(frame["id"]) == ["wy-victims-champion-extension", "wy-perpetrator-variation", "wy-isva-final-extension"]
    isva = only(frame, id="wy-isva-final-extension")
    assert (isva["kind"], isva["previous_end_date"], isva["new_end_date"]) == ("extension", date(2018, 3, 31), date(2019, 3, 31))
    assert pd.isna(isva["agreed_on"])  # not stated
    variation = only(frame, id="wy-perpetrator-variation")
    assert (variation["kind"], variation["previous_end_date"], variation["new_end_date"]) == (
        "variation",
        date(2017, 8, 31),
        date(2017, 11, 30),
    )
    assert queries.amendments(session=session, area="norfolk", audience=PUBLIC).empty


def test_milestones(session: Session) -> None:
    frame = queries.milestones(session=session, area="west-yorkshire", audience=PUBLIC)
    assert [(r.on, r.kind, r.agreement_id) for r in frame.itertuples()] == [
        (date(2018, 9, 3), "reprocurement", "wy-da-specialist"),  # closing date of the advert
        (date(2018, 9, 7), "reprocurement", "wy-isva"),  # bidder's event
        (date(2018, 11, 9), "decision", "wy-da-specialist"),  # options paper
        (date(2019, 4, 1), "delivery", "wy-isva-2019"),
        (date(2019, 4, 1), "delivery", "wy-perpetrator-2019"),
    ]


# --- performance -----------------------------------------------------------------------------


@pytest.fixture
def wy_observations(session: Session) -> pd.DataFrame:
    return queries.observations(session=session, area="west-yorkshire", audience=PUBLIC)


def test_isva_referrals_as_stated(wy_observations: pd.DataFrame) -> None:
    average = only(wy_observations, id="wy-isva-referrals-2017-avg")
    assert (average["value"], average["value_statement"], average["period"]) == (224, "average per quarter", "2017/18")
    annual = only(wy_observations, id="wy-isva-referrals-2017-pa")
    assert (annual["value"], annual["period"]) == (996, "2017/18")  # kept as stated, though 4 x 224 = 896
    trials = only(wy_observations, id="wy-isva-trials-2017")
    assert (trials["value"], trials["measure"]) == (89, "Trials at which ISVAs supported victims")


def test_perpetrator_referrals_and_their_sources(wy_observations: pd.DataFrame) -> None:
    referrals = only(wy_observations, id="wy-perpetrator-referrals")
    assert referrals["value"] == 5023
    assert referrals["period"] == "1 April 2016 to 30 November 2017"
    assert referrals["provider"] == "CHOICES"
    shares = wy_observations[wy_observations["dimension"] == "referral source"]
    assert dict(zip(shares["dimension_value"], shares["value"], strict=True)) == {
        "Conditional cautions": 11,
        "Children's social care": 25,
        "Integrated offender management (IOM)": 17,
        "MESMAC": 13,
        "Other agencies": 29,
    }
    assert shares["value"].sum() == 95  # as stated: the five shares do not reach 100%


def test_compliance_and_reoffending(wy_observations: pd.DataFrame) -> None:
    assert only(wy_observations, id="wy-cc-compliance")["value"] == 80
    assert only(wy_observations, dimension_value="complied")["value"] == 78
    assert only(wy_observations, dimension_value="did not comply")["value"] == 58


def test_observations_for_one_measure_in_period_order(session: Session) -> None:
    frame = queries.observations(session=session, area="west-yorkshire", audience=PUBLIC, measure="isva-referrals")
    quarterly = frame[frame["quarter"].notna()]
    assert list(quarterly["period"]) == ["Q1 2017/18", "Q2 2017/18", "Q3 2017/18", "Q4 2017/18", "Q1 2018/19"]
    assert list(quarterly["value"]) == [212, 229, 218, 237, 231]  # illustrative quarterly split
    assert set(quarterly["basis"]) == {"illustrative"}
    assert list(quarterly["target"]) == [225] * 5
    assert len(frame) == 7  # plus the stated average and the stated annual figure
    assert set(frame["measure_id"]) == {"isva-referrals"}


def test_cost_per_unit_uses_the_stated_annual_count(session: Session) -> None:
    # Regression: on PostgreSQL this once raised TypeError (Decimal spend divided by float units).
    frame = queries.cost_per_unit(session=session, area="west-yorkshire", audience=PUBLIC)
    referrals = only(frame, measure="ISVA referrals", financial_year=2017)
    assert referrals["units"] == 996  # the stated 996 p.a., not the quarters' 896
    assert referrals["spend_pence"] == 31000000  # illustrative ISVA spend, 2017/18
    assert referrals["cost_per_unit_pence"] == 31124  # £310,000 / 996 = £311.24
    assert bool(referrals["illustrative"]) is True
    trials = only(frame, measure="Trials at which ISVAs supported victims", financial_year=2017)
    assert (trials["units"], trials["cost_per_unit_pence"]) == (89, 348315)  # £310,000 / 89 = £3,483.15
    assert len(frame) == 2
    assert is_whole_pence(referrals["cost_per_unit_pence"]) and is_whole_pence(referrals["spend_pence"])


def test_apportioning_an_odd_penny_keeps_the_total(tmp_path) -> None:
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DATA_DIR, folder)
    spend_csv = folder / "spend.csv"
    text = spend_csv.read_text(encoding="utf-8")
    assert text.count('wy-2018-rj,west-yorkshire,2018/19,wy-moj,wy-rj,,"£300,000",') == 1
    spend_csv.write_text(text.replace('wy-rj,,"£300,000",', 'wy-rj,,"£300,000.01",'), encoding="utf-8")
    engine = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", load_sample_data=False)
    try:
        with engine.begin() as connection:
            load_folder(folder, connection=connection)
        with Session(engine) as session:
            args = {"session": session, "area": "west-yorkshire", "year": 2018, "audience": PUBLIC}
            total = int(queries.budget_and_spend_by_funding_stream(**args)["spend_pence"].sum())
            assert total == 186000001  # £1,860,000.01
            assert int(queries.budget_and_spend_by_priority(**args)["spend_pence"].sum()) == total
            assert int(queries.money_flow(**args)["amount_pence"].sum()) == total
    finally:
        engine.dispose()


# --- grants awarded from a fund, money the source qualifies (the fund-awards fixture) -------------------


def test_grants_awarded_from_a_stream_are_shown_beside_its_budget(session: Session) -> None:
    load_fund_awards(session)
    frame = queries.budget_and_spend_by_funding_stream(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    assert list(frame["funding_stream_id"]) == ["fx-victims", "fx-community-fund", "fx-innovation"]  # largest budget first
    fund = only(frame, funding_stream_id="fx-community-fund")
    assert (fund["budget_pence"], fund["spend_pence"], bool(fund["spend_published"])) == (40_000_000, 0, False)  # no spend published
    # The ten awards of 2019/20: £49,850 + £48,000 + £45,500 + £44,988 + £42,300 + £40,000 + £38,750 + £35,000 + £30,000 + £23,250.
    assert (fund["awards"], fund["awards_valued"], fund["awarded_pence"], fund["committed_pence"]) == (10, 10, 39_763_800, 39_763_800)
    assert bool(fund["awarded_published"]) and not bool(fund["awarded_up_to"]) and is_whole_pence(fund["awarded_pence"])
    assert "fx-grants-2020|Community Safety Fund awards table row 1" in fund["citations"].split("\n")
    victims = only(frame, funding_stream_id="fx-victims")
    # £1,120,000 of which £200,000 for ISVAs: the part is beside its whole, never added to it.
    assert (victims["budget_pence"], victims["budget_of_which"], victims["awards"]) == (112_000_000, "of which £200,000 for ISVAs", 0)
    assert not bool(victims["awarded_published"])
    innovation = only(frame, funding_stream_id="fx-innovation")
    assert (innovation["budget_pence"], bool(innovation["budget_up_to"])) == (5_000_000, True)  # up to £50,000
    assert not frame["budget_up_to"].iloc[:2].any()
    # The two-year serious violence allocation is in no one year's totals.
    assert "fx-violence" not in set(frame["funding_stream_id"])
    # The awards start in 2019/20, so 2018/19 has none.
    earlier = queries.budget_and_spend_by_funding_stream(session=session, area="fixtureshire", year=2018, audience=PUBLIC)
    assert earlier.empty
    session.rollback()


def test_the_public_sees_awards_as_not_published_where_there_are_none(session: Session) -> None:
    load_fund_awards(session)
    frame = queries.budget_and_spend_by_funding_stream(
        session=session, area="fixtureshire", year=2019, audience=PUBLIC, published_only=True
    ).set_index("funding_stream_id")
    assert frame.loc["fx-community-fund", "awarded_pence"] == 39_763_800
    assert frame.loc["fx-community-fund", "committed_pence"] == 39_763_800
    assert frame.loc["fx-victims", "awarded_pence"] is None and frame.loc["fx-victims", "committed_pence"] is None
    assert frame.loc["fx-victims", "spend_pence"] is None  # not published, never 0
    assert frame.loc["fx-victims", "budget_of_which"] == "of which £200,000 for ISVAs"
    assert bool(frame.loc["fx-innovation", "budget_up_to"])
    session.rollback()


def test_spend_paying_an_award_is_not_counted_twice_and_a_spend_part_is_not_added(session: Session) -> None:
    from data_access.models import Spend

    load_fund_awards(session)
    cited = {"source_id": "fx-grants-2020", "source_section": "test", "basis": "reported"}
    session.add_all(
        [
            # £49,850 paid to Safer Streets youth outreach, one of the awards: the same money as the award.
            Spend(id="t-pay-award", area_id="fixtureshire", financial_year=2019, funding_stream_id="fx-community-fund",
                  agreement_id="fx-cs-01", amount_pence=4_985_000, **cited),
            # £2,000 of the fund spent on something that is not an award (publicity, say).
            Spend(id="t-publicity", area_id="fixtureshire", financial_year=2019, funding_stream_id="fx-community-fund",
                  amount_pence=200_000, **cited),
            # Victims' services: £1,050,000 spent, of which £180,000 on ISVAs.
            Spend(id="t-victims", area_id="fixtureshire", financial_year=2019, funding_stream_id="fx-victims",
                  amount_pence=105_000_000, **cited),
            Spend(id="t-victims-isva", area_id="fixtureshire", financial_year=2019, funding_stream_id="fx-victims",
                  amount_pence=18_000_000, description="ISVAs", part_of_id="t-victims", **cited),
        ]
    )  # fmt: skip
    session.flush()
    frame = queries.budget_and_spend_by_funding_stream(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    fund = only(frame, funding_stream_id="fx-community-fund")
    assert fund["spend_pence"] == 4_985_000 + 200_000
    assert fund["committed_pence"] == 39_763_800 + 200_000  # the awards, and the spend on anything else
    victims = only(frame, funding_stream_id="fx-victims")
    assert (victims["spend_pence"], victims["spend_of_which"]) == (105_000_000, "of which £180,000 for ISVAs")
    flows = queries.money_flow(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    assert int(flows["amount_pence"].sum()) == 4_985_000 + 200_000 + 105_000_000  # the part is not a second payment
    session.rollback()


def test_a_budget_over_two_years_is_split_only_when_the_user_says_how(session: Session) -> None:
    from data_access.models import Budget

    load_fund_awards(session)
    unsplit = queries.unsplit_budgets(session=session, area="fixtureshire", year=2019, audience=PUBLIC)
    assert list(unsplit["text"]) == ["£469,363 over 2018/19–2019/20, not split by year"]
    assert list(unsplit["funding_stream"]) == ["Serious violence fund"]
    assert list(queries.unsplit_budgets(session=session, area="fixtureshire", year=2018, audience=PUBLIC)["id"]) == ["fx-violence"]
    assert queries.unsplit_budgets(session=session, area="fixtureshire", year=2020, audience=PUBLIC).empty
    assert queries.financial_years(session=session, area="fixtureshire", audience=PUBLIC) == [2018, 2019]

    budget = session.get(Budget, "fx-violence")
    budget.apportionment = "even"
    session.flush()
    assert queries.unsplit_budgets(session=session, area="fixtureshire", year=2019, audience=PUBLIC).empty
    for year in (2018, 2019):
        frame = queries.budget_and_spend_by_funding_stream(session=session, area="fixtureshire", year=year, audience=PUBLIC)
        assert only(frame, funding_stream_id="fx-violence")["budget_pence"] == 46_936_300 // 2  # £234,681.50 a year

    # Over three years, the shares add up to the penny: 33p, 33p and 34p of £1.
    budget.amount_pence, budget.last_financial_year = 100, 2020
    session.flush()
    shares = [
        only(
            queries.budget_and_spend_by_funding_stream(session=session, area="fixtureshire", year=year, audience=PUBLIC),
            funding_stream_id="fx-violence",
        )["budget_pence"]
        for year in (2018, 2019, 2020)
    ]
    assert shares == [33, 33, 34]
    assert queries.financial_years(session=session, area="fixtureshire", audience=PUBLIC) == [2018, 2019, 2020]
    session.rollback()


def test_a_part_of_another_agreements_value_is_not_added_to_the_live_total(session: Session) -> None:
    from data_access.models import Agreement

    def totals() -> pd.Series:
        return queries.agreement_totals(session=session, area="norfolk", as_at=NORFOLK_AS_AT, audience=PUBLIC).iloc[0]

    # Norfolk's four live agreements: £360k + £360k + £114k + £75k a year (paper, 1.13).
    assert (totals()["live"], totals()["annual_value_pence"], queries.annual_value_text(totals())) == (4, 90_900_000, "£909,000")
    # "Of which £50k for the Great Yarmouth hub", recorded as its own agreement: live, but its value is in VARSS's already.
    session.add(
        Agreement(id="t-lot", area_id="norfolk", title="VARSS: Great Yarmouth hub", kind="grant", annual_value_pence=5_000_000,
                  status="active", value_part_of_id="nfk-varss", source_id="norfolk-2016", source_section="test", basis="reported")
    )  # fmt: skip
    session.flush()
    assert (totals()["live"], totals()["annual_value_pence"], bool(totals()["annual_value_up_to"])) == (5, 90_900_000, False)
    session.get(Agreement, "t-lot").value_qualifier = "up to"  # a ceiling on a part is not one on the sum
    session.flush()
    assert queries.annual_value_text(totals()) == "£909,000"
    session.get(Agreement, "nfk-idva").value_qualifier = "up to"  # "up to £360k a year"
    session.flush()
    assert queries.annual_value_text(totals()) == "up to £909,000"
    session.rollback()


def test_the_sample_data_has_no_awards_in_any_year(session: Session) -> None:
    # Sample grants have no start date (Norfolk's) or no funding stream (West Yorkshire's Victims Champion): none is
    # placed in a year, so the spend views are as they were.
    for area in ("norfolk", "west-yorkshire", "derbyshire"):
        for year in queries.financial_years(session=session, area=area, audience=STAFF):
            frame = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=STAFF)
            assert (frame["awards"] == 0).all() and (frame["committed_pence"] == frame["spend_pence"]).all()
            assert not frame["budget_up_to"].any() and (frame["budget_of_which"] == "").all()


def test_an_agreement_value_that_is_a_ceiling_is_marked_for_the_pages(session: Session) -> None:
    from data_access.models import Agreement
    from ui.render import money_columns

    session.get(Agreement, "nfk-idva").value_qualifier = "up to"  # "up to £360k a year"
    session.flush()
    frame = queries.renewals(session=session, area="norfolk", as_at=NORFOLK_AS_AT, audience=PUBLIC).set_index("id")
    assert bool(frame.loc["nfk-idva", "annual_value_up_to"]) and not bool(frame.loc["nfk-varss", "annual_value_up_to"])
    shown = money_columns(frame.loc[["nfk-idva", "nfk-varss"]], {"annual_value_pence": "Value"})["Value"]
    assert list(shown) == ["up to £360,000", "£360,000"]
    session.rollback()
