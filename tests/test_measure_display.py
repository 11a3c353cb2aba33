"""Imported figures as published: a percentage keeps the decimals it was published with (99.8% is never 100%, 11.5%
never 12%) in every text, chart label and hover; a missing target reads "no target published"; a breakdown's
dimension can be any name. The store is the sample data plus `tests.imported_performance` (Testshire)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from charts.performance import breakdown_figure, breakdown_takeaway, measure_takeaway, measure_trend_figure, value_text
from data_access import briefing, public, queries
from data_access.db import open_store
from data_access.findings import Context
from data_access.measures import format_measure, format_target
from data_access.models import Audience
from data_access.public import figure_text
from tests.imported_performance import AREA, ISVA, OUTREACH, REPEAT, SATISFIED, add_imported_performance
from ui.render import breakdown_heading, unique_headings

AS_AT = date(2024, 3, 31)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('imported') / 'store.sqlite3'}", load_sample_data=True)
    add_imported_performance(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def observations(imported: Engine) -> pd.DataFrame:
    with Session(imported) as session:
        return queries.observations(session=session, area=AREA, audience=Audience.STAFF)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (99.8, "percent", "99.8%"),
        (11.5, "share", "11.5%"),
        (12.0, "percent", "12%"),
        (97.25, "percent", "97.25%"),
        (1234.0, "count", "1,234"),
        (5023, "count", "5,023"),
        (33.3 + 33.3 + 33.3, "percent", "99.9%"),  # a sum's float noise is not a published decimal
        (None, "percent", "not published"),
        (float("nan"), "count", "not published"),
        (pd.NA, "count", "not published"),
    ],
)
def test_format_measure_keeps_the_published_decimals(value: object, unit: str, text: str) -> None:
    assert format_measure(value, unit) == text


def test_format_measure_labels_a_percentage_as_published_on_request() -> None:
    assert format_measure(99.8, "percent", labelled=True) == "99.8% (as published)"
    assert format_measure(120, "count", labelled=True) == "120"
    assert format_target(None, "percent") == "no target published"
    assert format_target(float("nan"), "count") == "no target published"
    assert format_target(95.5, "percent") == "95.5%"


def test_chart_and_public_texts_keep_the_decimals() -> None:
    assert [value_text(v, "percent") for v in (99.8, 11.5, 12.0)] == ["99.8%", "11.5%", "12%"]
    assert value_text(None, "count") == "hidden"  # withheld by disclosure control
    assert figure_text(99.8, "percent", "", False) == "99.8%"
    assert figure_text(11.5, "share", "", False) == "11.5%"


def test_quarterly_rates_with_no_target(observations: pd.DataFrame) -> None:
    """No target anywhere in the area: the target column holds None, not NaN, which once crashed the page's format."""
    repeat = observations[(observations["measure"] == REPEAT) & observations["quarter"].notna()]
    assert repeat["target"].isna().all()
    fig = measure_trend_figure(repeat, title="Repeat victims")
    (bars,) = fig.data  # no target, no target trace
    assert list(bars.text) == ["12%", "11.5%"]
    assert list(bars.hovertext) == ["12% (as published)", "11.5% (as published)"]
    assert fig.layout.yaxis.title.text == "Per cent (as published)"
    assert measure_takeaway(repeat) == "Repeat victims: 11.5% (as published) in Q2 2023/24, down 4% on Q1 2023/24."
    assert [format_target(t, u) for t, u in zip(repeat["target"], repeat["unit"], strict=True)] == ["no target published"] * 2


def test_breakdown_by_service_of_each_agreement(observations: pd.DataFrame) -> None:
    parts = observations[(observations["dimension"] == "service") & (observations["agreement"] == OUTREACH)]
    parts = parts[parts["financial_year"] == 2023]
    fig = breakdown_figure(parts, title="Referrals by service")
    (bars,) = fig.data
    assert list(bars.text) == ["11.5%", "88.5%"]
    assert list(bars.hovertext) == ["11.5% (as published)", "88.5% (as published)"]
    assert breakdown_takeaway(parts) == "The largest share is Helpline: 88.5% (as published)."


def test_public_table_keeps_the_decimals_and_says_no_target(imported: Engine) -> None:
    with Session(imported) as session:
        figures = public.published_performance(session=session, area=AREA, audience=Audience.PUBLIC)
    table = public.performance_table(figures)
    satisfied = table[(table["What is measured"] == SATISFIED) & (table["Service"] == ISVA)]
    assert list(satisfied["Figure"]) == ["99.8%"]
    assert set(table["Target"]) == {"no target published"}
    assert "100%" not in set(table["Figure"])


def test_a_finding_writes_a_percentage_as_published(imported: Engine) -> None:
    with Session(imported) as session:
        ctx = Context(session=session, area=AREA, as_at=AS_AT, audience=Audience.STAFF, years=(2023,))
        row = pd.Series(
            {"value": 99.8, "target": 100.0, "unit": "percent", "basis": "reported", "target_basis": "", "counts_people": False}
        )
        assert ctx.measure_text(row, "value") == "99.8% (as published)"
        assert ctx.measure_text(row, "target") == "100% (as published)"
        made_up = row.copy()
        made_up["basis"] = "illustrative"
        assert ctx.measure_text(made_up, "value") == "99.8%"  # an illustrative figure is not published: the finding says so


def test_briefing_lists_the_latest_figures_as_published(imported: Engine) -> None:
    with Session(imported) as session:
        pack = briefing.briefing_summary(session=session, area=AREA, as_at=AS_AT, audience=Audience.PANEL)
    latest = pack.performance.set_index(["agreement", "measure"])
    assert latest.loc[(ISVA, SATISFIED), "value_text"] == "99.8%"
    assert latest.loc[(ISVA, REPEAT), "value_text"] == "11.5%"
    assert latest.loc[(OUTREACH, SATISFIED), "value_text"] == "97.25%"
    assert set(latest["target_text"]) == {"no target published"}
    tables = {t["title"]: t for t in briefing._pack_data(pack, [], "")["tables"]}
    rows = tables["Latest performance figures"]["rows"]
    assert [ISVA, REPEAT, "Q2 2023/24", "11.5%", "", "no target published"] in rows
    json.dumps(rows)  # the PDF's data is plain JSON


def test_headings_are_unique_whatever_the_data() -> None:
    assert breakdown_heading("service", ["Value (as published)", "Service", "Basis"]) == "Service (breakdown)"
    assert breakdown_heading("referral source", ["Value", "Service"]) == "Referral source"
    assert breakdown_heading("IOM cohort", ["Value"]) == "IOM cohort"
    assert unique_headings(["Service", "Value", "service", "Service"]) == ["Service", "Value", "service (2)", "Service (3)"]
