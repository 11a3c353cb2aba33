"""The spend pages on a store holding a fund's grant list (tests/fixtures/fund_awards): the grants awarded from a
stream are shown beside its budget, "no spend" never reads as "no money", and money the source qualifies ("up to",
"of which", over two years) is written as the source wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.loading import load_folder
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, shown
from tests.fixtures import FUND_AWARDS

FUND = "Community Safety Fund 2019/20"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides tests/app/conftest.py's store for this module: the sample data plus the fund-awards fixture."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fund_awards_store') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    with engine.begin() as connection:
        load_folder(Path(FUND_AWARDS), connection=connection)
    engine.dispose()
    return url


def open_page(page: str, **query_params: str) -> AppTest:
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.query_params.update(query_params)
    at.switch_page(page)
    at.run()
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [shown(e.value) for e in at.get(kind)]


def test_the_spend_page_shows_the_awards_beside_the_budget() -> None:
    at = open_page("pages/spend.py", area="fixtureshire", year="2019-20")
    assert [t.value for t in at.title] == ["Spend against priorities: Fixtureshire, 2019/20"]
    table = next(d.value for d in at.dataframe if "Awarded in grants" in d.value.columns)
    rows = table.set_index("Funding stream")
    assert list(table.columns) == ["Funding stream", "Funder", "Budget", "Spend", "Awarded in grants", "Committed against budget", "Basis"]
    assert rows.loc[FUND, ["Budget", "Spend", "Awarded in grants", "Committed against budget"]].tolist() == [
        "£400,000",
        "not published",
        "£397,638",
        "£397,638",
    ]
    assert rows.loc["Ministry of Justice victims grant", "Budget"] == "£1,120,000 (of which £200,000 for ISVAs)"
    assert rows.loc["Ministry of Justice victims grant", ["Awarded in grants", "Committed against budget"]].tolist() == [
        "none listed",
        "not published",
    ]
    assert rows.loc["Innovation fund", "Budget"] == "up to £50,000"
    info = texts(at, "info")
    assert not any("no money to follow" in i for i in info)
    assert (
        "No spend is recorded for Fixtureshire in 2019/20, so no payment can be followed from funding stream to provider. "
        f"Money has been awarded, not yet shown as spent: 10 grants awarded from {FUND} add up to £397,638 "
        "(shown against the budget above)."
    ) in info
    captions = texts(at, "caption")
    assert any(c.endswith(f"{FUND}: 10 grants awarded, £397,638; committed against the budget: £397,638.") for c in captions)
    assert (
        "Not in any one year's figures, because the source does not split it by year: "
        "Serious violence fund: £469,363 over 2018/19–2019/20, not split by year."
    ) in captions
    markdown = texts(at, "markdown")
    assert "**Budget of up to £1,570,000 is recorded, but no spend; £397,638 has been awarded in grants.**" in markdown


def test_the_two_year_budget_is_listed_whole_in_its_first_year_too() -> None:
    at = open_page("pages/spend.py", area="fixtureshire", year="2018-19")
    assert (
        "Not in any one year's figures, because the source does not split it by year: "
        "Serious violence fund: £469,363 over 2018/19–2019/20, not split by year."
    ) in texts(at, "caption")


def test_the_public_spending_page_shows_the_awards_in_plain_words() -> None:
    at = open_page("pages/transparency_spending.py", area="fixtureshire", year="2019-20")
    assert {m.label: m.value for m in at.metric}["Budget published for 2019/20"] == "up to £1,570,000"
    table = next(t.value for t in at.table if "Awarded in grants" in t.value.columns).map(shown)
    rows = table.set_index("Funding stream")
    assert rows.loc[FUND, ["Budget", "Spend", "Awarded in grants"]].tolist() == ["£400,000", "not published", "£397,638"]
    assert rows.loc["Innovation fund", "Awarded in grants"] == "none listed"
    assert rows.loc["Ministry of Justice victims grant", "Budget"] == "£1,120,000 (of which £200,000 for ISVAs)"
    assert (
        "**Ministry of Justice victims grant is the largest budget published, £1,120,000 of up to £1,570,000 in all. "
        "£397,638 has been awarded in grants. How much was actually spent is not published.**"
    ) in texts(at, "markdown")
    assert any("£469,363 over 2018/19–2019/20, not split by year" in c for c in texts(at, "caption"))


def test_the_sample_spend_page_has_no_awards_column() -> None:
    at = open_page("pages/spend.py", area="norfolk", year="2016-17")
    table = next(d.value for d in at.dataframe if "Funding stream" in d.value.columns)
    assert list(table.columns) == ["Funding stream", "Funder", "Budget", "Spend", "Basis"]
    assert not any("awarded" in c for c in texts(at, "caption"))
