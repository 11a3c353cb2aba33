"""The trends page's measure chart draws one service at a time when more report the measure than one chart can show.

On the 43-area benchmark store up to 72 services of one area reported one measure: 144 lines, and a legend taller than
the chart. The store here is the sample data plus `tests.imported_performance` (Testshire, made up for these tests) and
eight more made-up grants reporting Testshire's satisfaction measure, so ten services report it (with the ISVA contract's
year and the outreach grant's two quarters).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from charts.trends import MAX_SERVICES_DRAWN
from data_access.db import open_store
from data_access.models import Agreement, Observation
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S
from tests.imported_performance import AREA, OUTREACH, SOURCE, add_imported_performance

MEASURE = "ts-satisfied"  # reported by Testshire's ISVA contract for 2023/24 and its outreach grant for two quarters
MORE = 8
BUSIEST = "ts-survey-07"  # three quarters; every other made-up grant two, as the outreach grant


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('trends_services') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    add_imported_performance(engine)
    cited = {"source_id": SOURCE, "source_section": "Performance table"}
    quarters = [
        (date(2023, 4, 1), date(2023, 6, 30), 1),
        (date(2023, 7, 1), date(2023, 9, 30), 2),
        (date(2023, 10, 1), date(2023, 12, 31), 3),
    ]
    with Session(engine) as session:
        for n in range(MORE):
            agreement = f"ts-survey-{n:02}"
            session.add(Agreement(id=agreement, area_id=AREA, title=f"Made-up survey grant {n:02}", kind="grant", status="active", **cited))
            session.flush()
            for start, end, quarter in quarters[: 3 if agreement == BUSIEST else 2]:
                session.add(
                    Observation(
                        id=f"{agreement}-q{quarter}",
                        measure_id=MEASURE,
                        area_id=AREA,
                        agreement_id=agreement,
                        period_start=start,
                        period_end=end,
                        financial_year=2023,
                        quarter=quarter,
                        value=90.0 + n,
                        **cited,
                    )
                )
        session.commit()
    engine.dispose()
    return url


def visit(monkeypatch: pytest.MonkeyPatch, database_url: str, **params: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = "staff"
    at.query_params.update({"area": AREA, **params})
    at.switch_page("pages/trends.py")
    at.run()
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)
    return at


def measure_chart(at: AppTest) -> dict:
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(c for c in charts if "by period" in c["layout"]["title"]["text"])


def test_ten_services_of_one_measure_are_drawn_one_at_a_time(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    assert MORE + 2 > MAX_SERVICES_DRAWN
    at = visit(monkeypatch, database_url, measure=MEASURE)
    choice = at.selectbox(key="trends_service")
    assert len(choice.options) == MORE + 2
    assert choice.value == BUSIEST  # the one with the most figures
    lines = [trace["name"] for trace in measure_chart(at)["data"]]
    assert lines == ["Made-up survey grant 07"]
    assert any("10 services report" in c.value for c in at.caption)
    # Testshire has no money recorded: the page says so and still draws its measures (it used to stop there).
    assert any(i.value == "No budget or spend is recorded for Testshire in any financial year." for i in at.info)


def test_a_link_chooses_the_service(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    at = visit(monkeypatch, database_url, measure=MEASURE, service="ts-outreach")
    assert at.selectbox(key="trends_service").value == "ts-outreach"
    chart = measure_chart(at)
    assert [trace["name"] for trace in chart["data"]] == [OUTREACH]
    assert [trace["y"] for trace in chart["data"]] == [[99.8, 97.25]]  # the outreach grant's two quarters, as imported


def test_a_measure_few_services_report_is_drawn_whole_with_no_choice(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    at = visit(monkeypatch, database_url, measure="ts-repeat")
    assert not [s for s in at.selectbox if s.key == "trends_service"]
    assert measure_chart(at)["data"]
