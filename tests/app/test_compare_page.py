"""The compare page (`/compare`): deep links, bad link values, every audience, and the sample's three areas with their
differing years (issue 13)."""

from __future__ import annotations

import json

import pytest

from data_access.models import Audience
from tests.app.test_meeting_briefing import open_page, position, words
from tests.app.test_pages import OpenApp, assert_ran_cleanly, find_table, page_text, title, warnings
from tests.test_compare import several_areas


def test_the_sample_areas_appear_with_their_differing_years(open_app: OpenApp) -> None:
    at = open_app("compare", area="norfolk", indicator="linked-share")
    assert_ran_cleanly(at)
    assert title(at) == "Compare areas: Norfolk"
    numbers = find_table(at, ["Rank", "Area", "Year or date"])
    assert sorted(zip(numbers["Area"], numbers["Year or date"], strict=True)) == [
        ("Derbyshire", "2025/26"),
        ("Norfolk", "2016/17"),
        ("West Yorkshire", "2018/19"),
    ]
    assert dict(zip(numbers["Area"], numbers["Marked"], strict=True))["Norfolk"] == "chosen area"
    # Every sample spend figure is illustrative: labelled so in every cell that shows one.
    assert set(numbers["Share of spend linked to a Plan priority"]) == {"100% (illustrative)", "92% (illustrative)"}
    averages = find_table(at, ["Group", "Weighted average"])
    assert list(averages["Group"]) == ["East of England", "All areas"]
    assert list(averages["Areas with the figure"]) == ["1 of 1", "3 of 3"]
    text = page_text(at)
    assert "Office for National Statistics" in text  # the region's source, beneath


def test_a_link_to_west_yorkshire_isva_cost_per_referral_for_the_panel(open_app: OpenApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = open_app("compare", audience="panel", area="west-yorkshire", indicator="cost-per-referral-isva")
    assert_ran_cleanly(at)
    assert at.selectbox(key="compare_indicator").value == "cost-per-referral-isva"
    assert at.query_params["indicator"] == "cost-per-referral-isva"
    text = page_text(at)
    assert "West Yorkshire: £311.24 (illustrative) (2017/18), the only area with the figure" in text
    numbers = find_table(at, ["Area", "Why not shown"])
    reasons = dict(zip(numbers["Area"], numbers["Why not shown"], strict=True))
    assert reasons["Norfolk"] == reasons["Derbyshire"] == "cost per unit not published (spend and a full year's referrals are needed)"
    assert dict(zip(numbers["Area"], numbers["Spend"], strict=True))["West Yorkshire"] == "£310,000 (illustrative)"


def test_the_public_see_no_illustrative_cost_and_every_area_listed_as_not_published(open_app: OpenApp) -> None:
    at = open_app("compare", area="west-yorkshire", indicator="cost-per-referral-isva")
    assert_ran_cleanly(at)
    text = page_text(at)
    assert "£311" not in text
    assert "No area in the store has the figure for Cost per referral: ISVA" in text
    assert "nearest 5" in text  # the disclosure rule, for a cost per person


def test_per_head_says_population_not_published(open_app: OpenApp) -> None:
    at = open_app("compare", area="derbyshire", indicator="spend-per-head")
    assert_ran_cleanly(at)
    text = page_text(at)
    for area in ("Derbyshire", "Norfolk", "West Yorkshire"):
        assert f"{area}: population not published" in text


@pytest.mark.parametrize("bad", ["cost-per-widget", "<script>", ""])
def test_a_bad_indicator_in_the_link_warns_and_shows_the_default(open_app: OpenApp, bad: str) -> None:
    at = open_app("compare", area="west-yorkshire", indicator=bad)
    assert_ran_cleanly(at)
    assert any("indicator" in w and "not an indicator this page compares" in w for w in warnings(at)), warnings(at)
    assert at.selectbox(key="compare_indicator").value == "linked-share"
    assert at.query_params["indicator"] == "linked-share"


def test_choosing_an_indicator_updates_the_link(open_app: OpenApp) -> None:
    at = open_app("compare", area="west-yorkshire")
    at.selectbox(key="compare_indicator").set_value("extended-beyond-options").run()
    assert_ran_cleanly(at)
    assert at.query_params["indicator"] == "extended-beyond-options"
    assert "West Yorkshire: 33% (as at 14 September 2018), the highest of 3" in page_text(at)


# --- where an area stands against its group, on the overview (issue 13 item 4) -----------------------------------------


@pytest.fixture(scope="module")
def several_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """tests/test_compare.py's four areas: Alpha, Bravo and Charlie make a most similar group with figures to compare."""
    url = f"sqlite:///{tmp_path_factory.mktemp('several_areas') / 'several.sqlite3'}"
    several_areas(url).dispose()
    return url


@pytest.fixture
def several(monkeypatch: pytest.MonkeyPatch, several_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", several_url)
    monkeypatch.setenv("LOAD_SAMPLE_DATA", "no")


@pytest.mark.usefixtures("several")
def test_the_overview_says_where_the_area_stands_against_its_group_and_links_to_the_comparison(open_app: OpenApp) -> None:
    at = open_app("overview", area="alpha")
    assert_ran_cleanly(at)
    text = page_text(at)
    assert (
        "**Against its group:** Share of spend linked to a Plan priority, Alpha 75% (2018/19); Most similar 1 average 62% "
        "(3 areas, 2018/19 to 2019/20)." in text
    )
    assert "Far from its peer group" not in text  # 75% against 62% is within a ratio of 1.25
    [link] = [e for e in at.get("page_link") if e.proto.label == "Compare areas on this figure"]
    assert (link.proto.page, link.proto.query_string) == ("compare", "area=alpha&indicator=linked-share")


@pytest.mark.usefixtures("several")
def test_an_area_far_from_its_group_is_a_finding_with_a_question_on_the_overview(open_app: OpenApp) -> None:
    at = open_app("overview", area="charlie")
    assert_ran_cleanly(at)
    text = page_text(at)
    assert (
        "**Far from its peer group (low).** Share of spend linked to a Plan priority, Charlie 90% (2018/19); Most similar 1 "
        "average 62% (3 areas, 2018/19 to 2019/20)." in text
    )
    assert "Why is Charlie's share of spend linked to a Plan priority so far above the Most similar 1 average" in text


@pytest.mark.usefixtures("several")
def test_an_area_in_no_group_with_figures_has_no_line(open_app: OpenApp) -> None:
    at = open_app("overview", area="delta")
    assert_ran_cleanly(at)
    assert "Against its group" not in page_text(at)


@pytest.mark.usefixtures("several")
def test_meeting_mode_shows_the_area_against_its_group_one_chart_to_a_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", Audience.PANEL, area="charlie", topic="comparison")
    assert position(at) == (1, 1)  # the public's figures: Charlie's 8 referrals are withheld, so no ISVA cost to compare
    assert (
        "**Share of spend linked to a Plan priority, Charlie 90% (2018/19); Most similar 1 average 62% (3 areas, 2018/19 to "
        "2019/20).**" in words(at)
    )
    assert "Far from its group" in words(at)  # st.badge is sent as Markdown
    [chart] = at.get("plotly_chart")
    bars = {trace["name"]: trace["y"] for trace in json.loads(chart.proto.spec)["data"] if trace["type"] == "bar"}
    assert bars == {"Chosen area": ["Charlie (2018/19)"], "Same group": ["Alpha (2018/19)", "Bravo (2019/20)"]}


@pytest.mark.usefixtures("several")
def test_meeting_mode_says_when_no_group_can_be_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "meeting.py", area="delta", topic="comparison")
    assert "No peer group of Delta in the store has two more areas with a published figure" in words(at)


@pytest.mark.usefixtures("several")
def test_the_briefing_says_where_the_area_stands_against_its_group(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, "briefing.py", Audience.PANEL, area="alpha")
    text = words(at)
    # The panel sees Alpha's ISVA cost: £250 against the group's £559.21, far from it, so a flag as well.
    line = "Cost per referral: ISVA, Alpha £250 (2018/19); Most similar 1 average £559.21 (3 areas, 2018/19)"
    assert f"Against its group: {line}." in text
    assert "Why is Alpha's cost per referral for ISVA so far below the Most similar 1 average" in text
