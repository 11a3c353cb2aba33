"""Links whose chart has nothing to draw show the chart builder's sentence saying why, and no chart at all: never an
axis of invented dates (January to November 2000) or values (£0 to £1.2)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, shown

OpenApp = Callable[..., AppTest]


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]


def infos(at: AppTest) -> list[str]:
    """Each info box as the reader sees it (store text in it is escaped for Markdown)."""
    return [shown(str(i.value)) for i in at.info]


def says(at: AppTest, sentence: str) -> bool:
    return any(sentence in info for info in infos(at))


def test_renewals_for_derbyshire_say_no_agreement_has_dates(open_app: OpenApp) -> None:
    at = open_app("renewals", area="derbyshire")
    assert not at.exception
    assert says(at, "None of Derbyshire's 9 agreements has published dates, so there is no timeline to draw.")
    assert chart_titles(at) == []


def test_meeting_renewals_for_derbyshire_say_no_agreement_has_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.query_params.update({"area": "derbyshire", "topic": "renewals"})
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception
    # One item at a time: the counts, then the timeline (no agreement ends soon), then the agreements' table.
    said = says(at, "None of Derbyshire's 9 agreements has published dates, so there is no timeline to draw.")
    titles = chart_titles(at)
    while at.query_params["topic"] == "renewals" and not at.button(key="meeting_next").disabled:
        at.button(key="meeting_next").click().run()
        assert not at.exception
        said = said or says(at, "None of Derbyshire's 9 agreements has published dates, so there is no timeline to draw.")
        titles += chart_titles(at)
    assert said
    assert titles == []


def test_spend_for_a_priority_with_no_money_that_year_says_so(open_app: OpenApp) -> None:
    at = open_app("spend", area="derbyshire", year="2025-26", priority="dby21-road-safety")
    assert not at.exception
    assert says(at, "No budget or spend is published for Road safety (Police and Crime Plan for Derbyshire 2021-25) in 2025/26.")
    # The priority chart is not drawn; the funding-stream chart (not filtered by priority) still is.
    titles = chart_titles(at)
    assert not [t for t in titles if "by priority" in t], titles
    assert "Budget and spend by funding stream, 2025/26" in titles
