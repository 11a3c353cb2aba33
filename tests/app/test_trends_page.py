"""The trends page (`/trends`): deep links (area and view), bad link values, the public's published figures only."""

from __future__ import annotations

import json

import pytest

from tests.app.test_pages import OpenApp, assert_ran_cleanly, find_table, page_text, title, warnings


def test_west_yorkshire_spend_by_priority_over_two_years_for_staff(open_app: OpenApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = open_app("trends", audience="staff", area="west-yorkshire", view="priority")
    assert_ran_cleanly(at)
    assert title(at) == "Trends: West Yorkshire"
    text = page_text(at)
    assert (
        "Spend on priority Further developing the support available to victims and witnesses rose from £330,000 (illustrative) "
        "in 2017/18 to £1,722,500 (illustrative) in 2018/19." in text
    )
    numbers = find_table(at, ["Year", "Priority", "Budget", "Spend", "Basis"])
    victims = numbers[numbers["Priority"].str.startswith("Further developing")]
    assert list(zip(victims["Year"], victims["Spend"], victims["Budget"], strict=True)) == [
        ("2017/18", "£330,000 (illustrative)", "not published"),
        ("2018/19", "£1,722,500 (illustrative)", "not published"),
    ]


def test_norfolk_by_funding_stream_for_the_public(open_app: OpenApp) -> None:
    at = open_app("trends", area="norfolk", view="stream")
    assert_ran_cleanly(at)
    assert at.selectbox(key="trends_view").value == "stream"
    numbers = find_table(at, ["Year", "Funding stream", "Budget", "Spend"])
    assert dict(zip(numbers["Funding stream"], numbers["Budget"], strict=True))["Main police grant"] == "£1,018,000"
    text = page_text(at)
    assert "Budget on funding stream Ministry of Justice (MOJ) grant for victim's services was £1,037,415 in 2016/17" in text
    assert "No spend is published for Norfolk in any year" in text  # never £0
    assert "illustrative" not in text.replace("illustrative)", "")  # the public see no illustrative figure


def test_a_bad_view_in_the_link_warns_and_falls_back(open_app: OpenApp) -> None:
    at = open_app("trends", area="derbyshire", view="sideways")
    assert_ran_cleanly(at)
    assert any("sideways" in w for w in warnings(at))
    assert at.selectbox(key="trends_view").value == "priority"


def test_a_measure_in_the_link_charts_its_series_with_targets(open_app: OpenApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = open_app("trends", audience="panel", area="west-yorkshire", measure="isva-referrals")
    assert_ran_cleanly(at)
    assert at.selectbox(key="trends_measure").value == "isva-referrals"
    numbers = find_table(at, ["Period", "Agreement", "Figure", "Target"])
    rows = list(zip(numbers["Period"], numbers["Figure"], numbers["Target"], strict=True))
    assert ("Q1 2017/18", "212 (illustrative)", "225 (illustrative)") in rows  # the sample's illustrative quarterly split and target
    assert ("2017/18", "996 (per annum, as stated)", "not published") in rows


def test_a_bad_measure_in_the_link_warns_and_falls_back(open_app: OpenApp) -> None:
    at = open_app("trends", area="west-yorkshire", measure="no-such-measure")
    assert_ran_cleanly(at)
    assert any("no-such-measure" in w for w in warnings(at))


def test_unlike_figures_of_one_year_are_never_one_line(open_app: OpenApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """West Yorkshire's ISVA referrals for 2017/18 are stated twice, as 224 a quarter on average and 996 a year: each is
    its own series beside the quarters, and the year comes after its fourth quarter."""
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = open_app("trends", audience="panel", area="west-yorkshire", measure="isva-referrals")
    assert_ran_cleanly(at)
    [spec] = [s for c in at.get("plotly_chart") if "by period" in str((s := json.loads(c.proto.spec))["layout"]["title"])]
    values = {t["name"]: list(zip(t["x"], t["y"], strict=True)) for t in spec["data"] if not t["name"].startswith("Target")}
    isva = "Independent Sexual Advisor Contract (ISVA)"
    assert values == {
        f"{isva} (quarterly)": [("Q1 2017/18", 212), ("Q2 2017/18", 229), ("Q3 2017/18", 218), ("Q4 2017/18", 237), ("Q1 2018/19", 231)],
        f"{isva} (average per quarter)": [("2017/18", 224)],
        f"{isva} (per annum, as stated)": [("2017/18", 996)],
    }
    assert spec["layout"]["xaxis"]["categoryarray"] == ["Q1 2017/18", "Q2 2017/18", "Q3 2017/18", "Q4 2017/18", "2017/18", "Q1 2018/19"]


def test_money_axes_are_in_pounds(open_app: OpenApp) -> None:
    at = open_app("trends", area="norfolk", view="stream")
    axes = [json.loads(chart.proto.spec)["layout"]["yaxis"] for chart in at.get("plotly_chart")]
    money = [(a["title"]["text"], a["tickprefix"], a["separatethousands"]) for a in axes if "£" in a["title"]["text"]]
    assert money == [("Budget (£)", "£", True)]  # Norfolk publishes no spend: only the budget is charted


def test_the_takeaway_names_each_kind_of_figure_for_the_public(open_app: OpenApp) -> None:
    at = open_app("trends", area="west-yorkshire", measure="isva-referrals")
    assert "ISVA referrals: 224 in 2017/18 (average per quarter); 996 in 2017/18 (per annum, as stated)." in page_text(at)
