"""The performance page's choice of service and measure when names collide, and long tables drawn a page at a time.

The store is the sample data plus `tests.imported_performance` (Testshire, made up for these tests), with its outreach
grant renamed to the ISVA contract's title: two agreements of one area then share a title AND report the same
breakdown measure ("Referrals by service"), the case that once broke the page with a duplicate element key. Sixty more
made-up grants give the public spending page's grants table more than one page of rows.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.models import Agreement
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, shown
from tests.imported_performance import AREA, AREA_NAME, ISVA, REFERRAL_SHARES, SOURCE, add_imported_performance

EXTRA_GRANTS = 60
# Testshire's grants before the extra ones: the outreach grant and two undated ones (tests.imported_performance).
GRANTS = EXTRA_GRANTS + 3


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('choice_store') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    add_imported_performance(engine)
    with Session(engine) as session:
        outreach = session.get(Agreement, "ts-outreach")
        assert outreach is not None
        outreach.title = ISVA  # the same title as ts-isva, which reports the same breakdown measure
        session.add(outreach)
        for n in range(EXTRA_GRANTS):
            grant = Agreement(
                id=f"ts-grant-{n:02}", area_id=AREA, title=f"Made-up grant {n:02}", kind="grant", status="active", source_id=SOURCE
            )
            session.add(grant)
        session.commit()
    engine.dispose()
    return url


def visit(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.query_params.update({"area": AREA, **params})
    at.switch_page(page)
    at.run()
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)
    return at


def chart_titles(at: AppTest) -> list[str]:
    return [str(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_deep_link_chooses_a_service_that_shares_its_title_and_its_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = visit("pages/performance.py", service="ts-outreach", measure="ts-referral-shares")
    assert at.selectbox(key="performance_service").value == "ts-outreach"
    assert at.selectbox(key="performance_measure").value == "ts-referral-shares"
    assert not at.warning or all("link's" not in w.value for w in at.warning)
    specs = chart_titles(at)
    assert specs, "the chosen measure's breakdown is charted"
    assert all(f"{REFERRAL_SHARES}, {ISVA}" in spec for spec in specs), specs
    # The outreach grant's 2023-24 shares (88.5 / 11.5), not the ISVA contract's (60.2 / 39.8) under the same names.
    assert any("88.5" in spec for spec in specs) and not any("60.2" in spec for spec in specs)


def test_a_link_to_an_unknown_service_says_so_and_shows_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = visit("pages/performance.py", service="nope")
    assert any("service “nope” is not a service with performance figures for " + AREA_NAME in shown(w.value) for w in at.warning), [
        w.value for w in at.warning
    ]
    assert at.selectbox(key="performance_service").value == "ts-isva"  # the one with the most to chart, first on a tie
    assert chart_titles(at)


def grants_table(at: AppTest) -> list[str]:
    (table,) = [t.value for t in at.table if "Recipient" in t.value.columns]
    return [shown(v) for v in table["What it is for"]]


def test_a_long_table_is_drawn_fifty_rows_at_a_time() -> None:
    at = visit("pages/transparency_spending.py")
    first = grants_table(at)
    assert len(first) == 50
    assert any(f"Rows 1–50 of {GRANTS}." == c.value for c in at.caption), [c.value for c in at.caption]
    at.number_input(key="transparency_spending_grants_page").set_value(2).run()
    assert not at.exception
    second = grants_table(at)
    assert len(second) == GRANTS - 50
    assert any(f"Rows 51–{GRANTS} of {GRANTS}." == c.value for c in at.caption), [c.value for c in at.caption]
    expected = {f"Made-up grant {n:02}" for n in range(EXTRA_GRANTS)} | {ISVA}
    assert expected <= set(first) | set(second) and not set(first) & set(second)
