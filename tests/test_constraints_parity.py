"""The database itself refuses bad rows, the same on SQLite and on PostgreSQL.

Rows go in with plain SQLAlchemy inserts, past the loader and the importer, on the migrated store (the
`engine` fixture: SQLite, and PostgreSQL when TEST_DATABASE_URL is set), each in a transaction that is
rolled back. Every table's good row is first shown to be accepted, so each refusal is down to the one
value a test spoils.

The cases built with `missing(...)` were rules the models once lacked; migration 0003 added them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from data_access.models import (
    Agreement,
    AgreementPriority,
    Amendment,
    Apportionment,
    AreaGroup,
    Budget,
    FundingStream,
    Milestone,
    MoneyQualifier,
    Observation,
    Plan,
    Population,
    Priority,
    Provider,
    Source,
    Spend,
    values_of,
)

CITED = {"source_id": "wy-2018", "source_section": "test", "basis": "illustrative", "basis_note": "made up by a test; always rolled back"}

# One acceptable row per table that refers to others, pointing at sample data records.
GOOD: dict[type[SQLModel], dict[str, Any]] = {
    Plan: {"id": "parity-plan", "area_id": "west-yorkshire", "title": "Plan", "first_year": 2018, "last_year": 2020, **CITED},
    Priority: {"id": "parity-priority", "plan_id": "wy-2018-intentions", "position": 99, "name": "Priority", "description": "", **CITED},
    Provider: {"id": "parity-provider", "name": "Provider", "charity_number": "", "company_number": "", **CITED},
    FundingStream: {"id": "parity-stream", "area_id": "west-yorkshire", "name": "Stream", "funder": "MoJ", "cap_per_award_pence": 500_000,
                    **CITED},
    Agreement: {
        "id": "parity-agreement", "area_id": "west-yorkshire", "title": "Agreement", "kind": "contract", "provider_id": "victim-support",
        "funding_stream_id": "wy-moj", "procurement_route": "open", "number_of_tenderers": 3, "start_date": date(2018, 4, 1),
        "start_precision": "day", "original_end_date": date(2020, 3, 31), "current_end_date": date(2021, 3, 31), "end_precision": "day",
        "latest_end_date": date(2022, 3, 31), "extension_options_available": 2, "extension_options_used": 1, "annual_value_pence": 100,
        "total_value_pence": 300, "status": "active", "purpose": "", "illustrative_fields": "", "visibility": "public", **CITED,
    },
    Amendment: {
        "id": "parity-amendment", "agreement_id": "wy-isva", "kind": "variation", "agreed_on": date(2018, 6, 1),
        "previous_end_date": date(2019, 3, 31), "new_end_date": date(2019, 6, 30), "value_change_pence": 100, "rationale": "",
        "visibility": "public", **CITED,
    },
    Milestone: {"id": "parity-milestone", "agreement_id": "wy-isva", "on": date(2018, 10, 1), "kind": "decision", "title": "Decision",
                "visibility": "public", **CITED},
    AgreementPriority: {"agreement_id": "wy-core-referral", "priority_id": "wy-drugs", "share_percent": 50, **CITED},
    Budget: {"id": "parity-budget", "area_id": "west-yorkshire", "financial_year": 2018, "funding_stream_id": "wy-moj",
             "priority_id": "wy-victims", "amount_pence": 100, "description": "", "visibility": "public", **CITED},
    Spend: {"id": "parity-spend", "area_id": "west-yorkshire", "financial_year": 2018, "quarter": 2, "funding_stream_id": "wy-moj",
            "agreement_id": "wy-isva", "priority_id": None, "amount_pence": 100, "is_credit": False, "description": "",
            "visibility": "public", **CITED},
    Observation: {
        "id": "parity-observation", "measure_id": "isva-referrals", "area_id": "west-yorkshire", "agreement_id": "wy-isva",
        "provider_id": "victim-support",
        "period_start": date(2018, 7, 1), "period_end": date(2018, 9, 30), "financial_year": 2018, "quarter": 2, "value": 5.0,
        "target": None, "target_basis": "", "dimension": "", "dimension_value": "", "value_statement": "", "visibility": "public", **CITED,
    },
    AreaGroup: {"group_id": "parity-group", "name": "Group", "kind": "region", "area_id": "west-yorkshire", **CITED},
    Population: {"area_id": "west-yorkshire", "financial_year": 2018, "population": 2_300_000, **CITED},
}  # fmt: skip


def insert_and_roll_back(engine: Engine, model: type[SQLModel], values: dict[str, Any]) -> None:
    """Insert one row in a transaction that is always rolled back; raises what the database raises."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(insert(model.__table__).values(**values))
        finally:
            transaction.rollback()


def refused(engine: Engine, model: type[SQLModel], change: dict[str, Any]) -> str:
    """The database's refusal of the good row with `change`, as text; fails the test if the row is accepted."""
    with pytest.raises(IntegrityError) as error:
        insert_and_roll_back(engine, model, {**GOOD[model], **change})
    return str(error.value.orig)


def missing(param_id: str, *values: Any) -> Any:
    # Once reported missing; migration 0003 added them all, so these are ordinary cases now.
    return pytest.param(*values, id=param_id)


# --- the good rows ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", GOOD, ids=[m.__tablename__ for m in GOOD])
def test_the_good_row_is_accepted(engine: Engine, model: type[SQLModel]) -> None:
    insert_and_roll_back(engine, model, GOOD[model])


# --- a foreign key to a missing row, for every foreign key of every table -----------------------

FOREIGN_KEYS = [(model, column.name) for model in GOOD for column in model.__table__.columns if column.foreign_keys]


def test_every_foreign_key_is_covered() -> None:
    tables_with_keys = {t.name for t in SQLModel.metadata.sorted_tables if any(c.foreign_keys for c in t.columns)}
    assert tables_with_keys == {m.__tablename__ for m, _ in FOREIGN_KEYS}
    # 31, observation.provider_id (migration 0005), the three "of which" self-references (0006), and the area and
    # source of area_group and population (0013)
    assert len(FOREIGN_KEYS) == 39


@pytest.mark.parametrize(("model", "column"), FOREIGN_KEYS, ids=[f"{m.__tablename__}.{c}" for m, c in FOREIGN_KEYS])
def test_a_foreign_key_to_a_missing_row_is_refused(engine: Engine, model: type[SQLModel], column: str) -> None:
    assert "foreign key" in refused(engine, model, {column: "no-such-row"}).lower()


# --- an end before its start ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "change", "constraint"),
    [
        pytest.param(Agreement, {"current_end_date": date(2018, 3, 31)}, "agreement_end_not_before_start", id="agreement-current-end"),
        pytest.param(Observation, {"period_end": date(2018, 6, 30)}, "observation_period_in_order", id="observation-period"),
        pytest.param(Plan, {"last_year": 2017}, "plan_years_in_order", id="plan-years"),
        missing("agreement-original-end", Agreement, {"original_end_date": date(2018, 3, 31)}, "original_end"),
        missing("agreement-latest-end", Agreement, {"latest_end_date": date(2018, 3, 31)}, "latest_end"),
    ],
)
def test_an_end_before_its_start_is_refused(engine: Engine, model: type[SQLModel], change: dict, constraint: str) -> None:
    assert constraint in refused(engine, model, change)


def test_an_agreement_may_end_on_the_day_it_starts(engine: Engine) -> None:
    insert_and_roll_back(engine, Agreement, {**GOOD[Agreement], "current_end_date": date(2018, 4, 1)})


# --- negative money ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "column", "constraint"),
    [
        pytest.param(Agreement, "annual_value_pence", "agreement_annual_value_not_negative", id="agreement.annual_value_pence"),
        pytest.param(Agreement, "total_value_pence", "agreement_total_value_not_negative", id="agreement.total_value_pence"),
        pytest.param(Budget, "amount_pence", "budget_amount_not_negative", id="budget.amount_pence"),
        pytest.param(Spend, "amount_pence", "spend_not_negative_unless_credit", id="spend.amount_pence"),
        missing("funding_stream.cap_per_award_pence", FundingStream, "cap_per_award_pence", "cap"),
        pytest.param(
            FundingStream,
            "stated_awards_total_pence",
            "funding_stream_stated_awards_total_not_negative",
            id="funding_stream.stated_awards_total_pence",
        ),
    ],
)
def test_negative_money_is_refused(engine: Engine, model: type[SQLModel], column: str, constraint: str) -> None:
    assert constraint in refused(engine, model, {column: -1})


def test_every_money_column_is_covered() -> None:
    money = {f"{t.name}.{c.name}" for t in SQLModel.metadata.sorted_tables for c in t.columns if c.name.endswith("_pence")}
    # amendment.value_change_pence may be negative: a variation can take money off an agreement.
    assert money == {
        "agreement.annual_value_pence",
        "agreement.total_value_pence",
        "budget.amount_pence",
        "spend.amount_pence",
        "funding_stream.cap_per_award_pence",
        "funding_stream.stated_awards_total_pence",
        "amendment.value_change_pence",
    }


def test_a_spend_credit_may_be_negative(engine: Engine) -> None:
    insert_and_roll_back(engine, Spend, {**GOOD[Spend], "amount_pence": -500_000, "is_credit": True})


def test_an_amendment_may_reduce_the_value(engine: Engine) -> None:
    insert_and_roll_back(engine, Amendment, {**GOOD[Amendment], "value_change_pence": -1_234_56})


# --- quarters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("quarter", [0, 5, -1])
@pytest.mark.parametrize(("model", "constraint"), [(Spend, "spend_quarter_range"), (Observation, "observation_quarter_range")])
def test_a_quarter_out_of_range_is_refused(engine: Engine, model: type[SQLModel], constraint: str, quarter: int) -> None:
    assert constraint in refused(engine, model, {"quarter": quarter})


@pytest.mark.parametrize("quarter", [1, 4, None])
@pytest.mark.parametrize("model", [Spend, Observation])
def test_quarters_one_to_four_or_none_are_accepted(engine: Engine, model: type[SQLModel], quarter: int | None) -> None:
    insert_and_roll_back(engine, model, {**GOOD[model], "quarter": quarter})


# --- unknown visibility and basis -------------------------------------------------------------

VISIBILITY = [m for m in GOOD if "visibility" in m.__table__.c]
BASIS = [m for m in GOOD if "basis" in m.__table__.c]
ENFORCED_VISIBILITY = {Agreement, Amendment}
ENFORCED_BASIS = {Agreement, AreaGroup, Population}


def _cases(models: list[type[SQLModel]], enforced: set[type[SQLModel]]) -> list:
    return [pytest.param(m, id=m.__tablename__) if m in enforced else missing(m.__tablename__, m) for m in models]


def test_every_table_with_visibility_or_basis_is_covered() -> None:
    tables = SQLModel.metadata.tables.values()
    assert {t.name for t in tables if "visibility" in t.c} == {m.__tablename__ for m in VISIBILITY}
    assert {t.name for t in tables if "basis" in t.c} == {m.__tablename__ for m in BASIS}
    assert len(VISIBILITY) == 6 and len(BASIS) == 13


@pytest.mark.parametrize("model", _cases(VISIBILITY, ENFORCED_VISIBILITY))
def test_an_unknown_visibility_is_refused(engine: Engine, model: type[SQLModel]) -> None:
    assert f"{model.__tablename__}_visibility" in refused(engine, model, {"visibility": "secret"})


@pytest.mark.parametrize("model", _cases(BASIS, ENFORCED_BASIS))
def test_an_unknown_basis_is_refused(engine: Engine, model: type[SQLModel]) -> None:
    assert f"{model.__tablename__}_basis" in refused(engine, model, {"basis": "guessed"})


@pytest.mark.parametrize("model", VISIBILITY, ids=[m.__tablename__ for m in VISIBILITY])
@pytest.mark.parametrize("visibility", ["public", "panel", "restricted"])
def test_each_known_visibility_is_accepted(engine: Engine, model: type[SQLModel], visibility: str) -> None:
    insert_and_roll_back(engine, model, {**GOOD[model], "visibility": visibility})


# --- a source's kind (migration 0004) ------------------------------------------------------------

SOURCE = {"id": "parity-source", "title": "Quarterly returns", "publisher": "A provider", "published": date(2018, 7, 1),
          "published_precision": "day", "file": "", "url": "", "figures_as_at": date(2018, 6, 30), "as_at_note": ""}  # fmt: skip


@pytest.mark.parametrize("kind", ["published", "internal"])
def test_each_source_kind_is_accepted(engine: Engine, kind: str) -> None:
    insert_and_roll_back(engine, Source, {**SOURCE, "kind": kind})


@pytest.mark.parametrize("kind", ["private", "", None])
def test_an_unknown_or_missing_source_kind_is_refused(engine: Engine, kind: str | None) -> None:
    with pytest.raises(IntegrityError) as error:
        insert_and_roll_back(engine, Source, {**SOURCE, "kind": kind})
    if kind is not None:
        assert "source_kind" in str(error.value.orig)


# --- blanks where sources are silent, partial dates everywhere (migration 0005) ------------------------

PRECISION_CHECKS = [
    (Source, "published_precision", "source_published_precision"),
    (Source, "figures_as_at_precision", "source_figures_as_at_precision"),
    (Agreement, "start_precision", "agreement_start_precision"),
    (Agreement, "end_precision", "agreement_end_precision"),
    (Agreement, "original_end_precision", "agreement_original_end_precision"),
    (Agreement, "latest_end_precision", "agreement_latest_end_precision"),
    (Agreement, "award_precision", "agreement_award_precision"),
    (Amendment, "agreed_on_precision", "amendment_agreed_on_precision"),
    (Amendment, "previous_end_precision", "amendment_previous_end_precision"),
    (Amendment, "new_end_precision", "amendment_new_end_precision"),
    (Milestone, "on_precision", "milestone_on_precision"),
]


def _good(model: type[SQLModel]) -> dict[str, Any]:
    return {**SOURCE, "kind": "published"} if model is Source else GOOD[model]


def test_every_precision_column_is_covered() -> None:
    columns = {(t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns if c.name.endswith("_precision")}
    assert columns == {(m.__tablename__, c) for m, c, _ in PRECISION_CHECKS}


@pytest.mark.parametrize(
    ("model", "column", "constraint"), PRECISION_CHECKS, ids=[f"{m.__tablename__}.{c}" for m, c, _ in PRECISION_CHECKS]
)
def test_an_unknown_date_precision_is_refused_and_month_is_accepted(
    engine: Engine, model: type[SQLModel], column: str, constraint: str
) -> None:
    insert_and_roll_back(engine, model, {**_good(model), column: "month"})
    with pytest.raises(IntegrityError) as error:
        insert_and_roll_back(engine, model, {**_good(model), column: "week"})
    assert constraint in str(error.value.orig)


@pytest.mark.parametrize(
    ("model", "change"),
    [
        pytest.param(Agreement, {"status": "not stated"}, id="agreement-status-not-stated"),
        pytest.param(Agreement, {"extension_options_used": None}, id="agreement-options-used-not-published"),
        pytest.param(Agreement, {"award_date": date(2018, 3, 1), "award_precision": "month", "financial_year": 2018,
                                 "extension_terms": "one year plus up to 2 x 12 months"}, id="agreement-award-and-terms"),
        pytest.param(Source, {"published": None, "figures_as_at": None, "title": "", "publisher": ""}, id="source-undated-untitled"),
        pytest.param(Observation, {"provider_id": None}, id="observation-provider-not-named"),
        pytest.param(Plan, {"source_section": ""}, id="plan-no-section"),
    ],
)  # fmt: skip
def test_blanks_where_sources_are_silent_are_accepted(engine: Engine, model: type[SQLModel], change: dict[str, Any]) -> None:
    insert_and_roll_back(engine, model, {**_good(model), **change})


def test_a_blank_counts_people_is_accepted(engine: Engine) -> None:
    from data_access.models import Measure

    insert_and_roll_back(engine, Measure, {"id": "parity-measure", "name": "Referrals", "unit": "count", "higher_is_better": True,
                                           "counts_people": None, "description": ""})  # fmt: skip


def test_a_negative_count_of_options_used_is_still_refused(engine: Engine) -> None:
    assert "agreement_options_used_not_negative" in refused(engine, Agreement, {"extension_options_used": -1})


def test_a_status_outside_the_vocabulary_is_still_refused(engine: Engine) -> None:
    assert "agreement_status" in refused(engine, Agreement, {"status": "unknown"})


# --- money as the source qualifies it (migration 0006) --------------------------------------------

QUALIFIED = [(Agreement, "value_qualifier"), (Budget, "qualifier"), (Spend, "qualifier")]


@pytest.mark.parametrize(("model", "column"), QUALIFIED, ids=[f"{m.__tablename__}.{c}" for m, c in QUALIFIED])
@pytest.mark.parametrize("qualifier", values_of(MoneyQualifier))
def test_each_money_qualifier_is_accepted(engine: Engine, model: type[SQLModel], column: str, qualifier: str) -> None:
    insert_and_roll_back(engine, model, {**GOOD[model], column: qualifier})


@pytest.mark.parametrize(("model", "column"), QUALIFIED, ids=[f"{m.__tablename__}.{c}" for m, c in QUALIFIED])
@pytest.mark.parametrize("qualifier", ["about", "of which", "Up to"])
def test_an_unknown_money_qualifier_is_refused(engine: Engine, model: type[SQLModel], column: str, qualifier: str) -> None:
    assert f"{model.__tablename__}_{column}" in refused(engine, model, {column: qualifier})


def test_the_vocabularies_are_the_ones_the_checks_hold() -> None:
    assert values_of(MoneyQualifier) == ("", "up to")
    assert values_of(Apportionment) == ("", "even")


@pytest.mark.parametrize("apportionment", values_of(Apportionment))
def test_a_budget_over_two_years_is_accepted_split_or_not(engine: Engine, apportionment: str) -> None:
    insert_and_roll_back(engine, Budget, {**GOOD[Budget], "last_financial_year": 2019, "apportionment": apportionment})


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        pytest.param({"last_financial_year": 2017}, "budget_years_in_order", id="last-year-before-first"),
        pytest.param({"apportionment": "by quarter"}, "budget_apportionment", id="unknown-apportionment"),
        pytest.param({"part_of_id": "parity-budget"}, "budget_not_part_of_itself", id="part-of-itself"),
    ],
)
def test_a_budget_with_years_out_of_order_or_part_of_itself_is_refused(engine: Engine, change: dict, constraint: str) -> None:
    assert constraint in refused(engine, Budget, change)


@pytest.mark.parametrize(
    ("model", "column", "constraint"),
    [
        pytest.param(Spend, "part_of_id", "spend_not_part_of_itself", id="spend"),
        pytest.param(Agreement, "value_part_of_id", "agreement_value_not_part_of_itself", id="agreement"),
    ],
)
def test_a_row_that_is_part_of_itself_is_refused(engine: Engine, model: type[SQLModel], column: str, constraint: str) -> None:
    assert constraint in refused(engine, model, {column: GOOD[model]["id"]})


@pytest.mark.parametrize(
    ("model", "column", "whole"),
    [
        pytest.param(Budget, "part_of_id", "nfk-2016-moj", id="budget"),
        pytest.param(Spend, "part_of_id", "nfk-2016-varss", id="spend"),
        pytest.param(Agreement, "value_part_of_id", "wy-core-referral", id="agreement"),
    ],
)
def test_a_part_of_another_row_is_accepted(engine: Engine, model: type[SQLModel], column: str, whole: str) -> None:
    insert_and_roll_back(engine, model, {**GOOD[model], column: whole})


# --- comparing areas (migration 0013) ---------------------------------------------------------


@pytest.mark.parametrize("service_type", ["ISVA", "counselling", ""])
def test_an_unknown_service_type_is_refused(engine: Engine, service_type: str) -> None:
    assert "agreement_service_type" in refused(engine, Agreement, {"service_type": service_type})


@pytest.mark.parametrize("service_type", [None, "isva", "victim assessment and referral", "other"])
def test_a_known_or_not_stated_service_type_is_accepted(engine: Engine, service_type: str | None) -> None:
    insert_and_roll_back(engine, Agreement, {**GOOD[Agreement], "service_type": service_type})


def test_an_unknown_group_kind_is_refused(engine: Engine) -> None:
    assert "area_group_kind" in refused(engine, AreaGroup, {"kind": "county"})


@pytest.mark.parametrize("population", [0, -5])
def test_a_population_of_none_or_less_is_refused(engine: Engine, population: int) -> None:
    assert "population_positive" in refused(engine, Population, {"population": population})
