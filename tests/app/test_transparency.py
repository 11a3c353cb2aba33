"""AppTests of the public transparency pages: "What the Commissioner spends" and "How services perform".

They run the real app (dashboard.py and its navigation) on a store of their own: the sample data plus panel
and restricted "canary" records, so every test also checks that the public pages never show them, whoever
is looking. Figures asserted are the seed documents' own: Norfolk's paper to its Police and Crime Panel
(2016) and West Yorkshire's Commissioning and Granting Report (14 September 2018).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from sqlmodel import Session
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.models import Agreement, Amendment, Budget, Observation, Provider
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, shown

SPENDING = "pages/transparency_spending.py"
SERVICES = "pages/transparency_services.py"
CANARY = "CANARY"


# --- a store of our own, with canaries ------------------------------------------------------------


def add_canaries(url: str) -> None:
    """Panel and restricted records the public must never see, on West Yorkshire and Norfolk."""
    engine = open_store(url, load_sample_data=True)
    cited = {"source_id": "wy-2018", "source_section": "test record", "basis": "reported"}
    with Session(engine) as session:
        session.add(Provider(id="canary-provider", name=f"{CANARY} provider", **cited))
        session.flush()
        session.add_all(
            [
                Agreement(
                    id="canary-contract",
                    area_id="west-yorkshire",
                    title=f"{CANARY} panel contract",
                    kind="contract",
                    provider_id="canary-provider",
                    total_value_pence=1_234_567_800,
                    status="active",
                    visibility="panel",
                    **cited,
                ),
                Agreement(
                    id="canary-grant",
                    area_id="norfolk",
                    title=f"{CANARY} restricted grant",
                    kind="grant",
                    provider_id="canary-provider",
                    start_date=date(2016, 4, 1),
                    total_value_pence=4_444_400,
                    status="active",
                    visibility="restricted",
                    **cited,
                ),
            ]
        )
        session.flush()
        session.add_all(
            [
                Amendment(
                    id="canary-amendment",
                    agreement_id="wy-isva",
                    kind="extension",
                    new_end_date=date(2030, 3, 31),
                    rationale=f"{CANARY} extension",
                    visibility="restricted",
                    **cited,
                ),
                Budget(
                    id="canary-budget",
                    area_id="norfolk",
                    financial_year=2016,
                    funding_stream_id="nfk-moj",
                    amount_pence=77_777_700,
                    description=f"{CANARY} budget",
                    visibility="panel",
                    **cited,
                ),
                Observation(
                    id="canary-observation",
                    measure_id="isva-referrals",
                    area_id="west-yorkshire",
                    agreement_id="wy-isva",
                    period_start=date(2017, 4, 1),
                    period_end=date(2018, 3, 31),
                    financial_year=2017,
                    value=3,
                    dimension="gender",
                    dimension_value=f"{CANARY} part",
                    visibility="panel",
                    **cited,
                ),
            ]
        )
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides tests/app/conftest.py's store for this module: the sample data plus canaries."""
    url = f"sqlite:///{tmp_path_factory.mktemp('transparency_store') / 'commissioning.sqlite3'}"
    add_canaries(url)
    return url


class _RecordingStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media store, remembered so a test can read what a download button would send."""

    latest: _RecordingStorage | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _RecordingStorage.latest = self


@pytest.fixture(autouse=True)
def record_downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _RecordingStorage)
    yield
    _RecordingStorage.latest = None


def open_page(page: str, *, audience: str | None = None, **query_params: str) -> AppTest:
    """A fresh visit to a public page's link (its url_path is its file name, so AppTest finds it before the first run)."""
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    if audience:
        at.session_state["local_demo_audience"] = audience
    at.query_params.update(query_params)
    at.switch_page(page)
    return at.run()


# --- helpers ---------------------------------------------------------------------------------------


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)


def unescape(text: object) -> str:
    """A cell as the reader sees it: the pages backslash-escape punctuation so st.table cannot render store text as Markdown."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(text))


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [t.value.map(unescape) for t in at.table]


def find_table(at: AppTest, *columns: str) -> pd.DataFrame:
    for frame in tables(at):
        if set(columns) <= set(frame.columns):
            return frame
    raise AssertionError(f"no table with {columns}; tables: {[list(f.columns) for f in tables(at)]}")


def page_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info", "success", "error"):
        parts += [shown(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(v) for frame in tables(at) for v in [*frame.columns, *frame.to_numpy().ravel()]]
    parts += [b.label for b in at.download_button]
    return "\n".join(parts)


def download(at: AppTest, label: str) -> bytes:
    """What the download button labelled `label` sends."""
    buttons = [b for b in at.download_button if b.label == label]
    assert len(buttons) == 1, [b.label for b in at.download_button]
    assert _RecordingStorage.latest is not None
    return _RecordingStorage.latest.get_file(buttons[0].proto.url.rsplit("/", 1)[-1]).content


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, [(m.label, m.value) for m in at.metric]
    return values[0]


def shows_number(text: str, number: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,]|\.\d)", text) is not None


# --- What the Commissioner spends -------------------------------------------------------------------


def test_spending_norfolk_2016_17() -> None:
    at = open_page(SPENDING, area="norfolk", year="2016-17")
    assert_ran_cleanly(at)
    assert [t.value for t in at.title] == ["What the Commissioner spends: Norfolk"]
    streams = find_table(at, "Funding stream", "Budget", "Spend")
    budgets = dict(zip(streams["Funding stream"], streams["Budget"], strict=True))
    assert budgets == {"Ministry of Justice (MOJ) grant for victim's services": "£1,037,415", "Main police grant": "£1,018,000"}
    assert set(streams["Spend"]) == {"not published"}  # the paper gives no actual spend
    grants = find_table(at, "Recipient", "Amount")
    sue_lambert = grants[grants["Recipient"] == "Sue Lambert Trust"].iloc[0]
    assert sue_lambert["Amount"] == "£75,000 a year"  # '£75k', paper 1.13
    assert sue_lambert["Runs"] == "until 31 March 2018"
    assert sue_lambert["In the 360Giving file"].startswith("No. Not published")
    contracts = find_table(at, "Service", "Provider", "Value")
    idva = contracts[contracts["Service"] == "Independent Domestic Abuse Advocacy Service"].iloc[0]
    assert idva["Value"] == "£360,000 a year"
    text = page_text(at)
    assert "Budget published for 2016/17 £2,055,415" in text
    assert CANARY not in text and "£777,777" not in text and "£44,444" not in text


DERBYSHIRE_2021_SERVICES = 9  # the services only the November 2021 strategy lists, with no dates
LAST_LISTED_2021 = (
    "Last listed in Commissioning Strategy (External Policy), Police and Crime Commissioner for Derbyshire, November 2021; "
    "current status not published"
)


def test_spending_derbyshire_says_the_2021_services_status_is_not_published() -> None:
    """The page's date is Derbyshire's latest figures (the November 2025 strategy), which no longer lists the nine
    services of the November 2021 one: their status then is not published, not "Running"."""
    at = open_page(SPENDING, area="derbyshire")
    assert_ran_cleanly(at)
    contracts = find_table(at, "Service", "Status")
    assert len(contracts) == DERBYSHIRE_2021_SERVICES
    assert set(contracts["Status"]) == {LAST_LISTED_2021}
    text = page_text(at)
    assert "Status is as at 1 November 2025" in text
    assert "Running" not in text


def test_spending_west_yorkshire_status_is_unchanged() -> None:
    at = open_page(SPENDING, area="west-yorkshire", year="2018-19")
    assert_ran_cleanly(at)
    contracts = find_table(at, "Service", "Status")
    assert contracts[contracts["Service"] == "Independent Sexual Advisor Contract (ISVA)"].iloc[0]["Status"] == "Running"
    assert "current status not published" not in page_text(at)


def test_spending_downloads_exist_for_every_table_and_standard() -> None:
    at = open_page(SPENDING, area="west-yorkshire", year="2017-18")
    assert_ran_cleanly(at)
    labels = {b.label for b in at.download_button}
    for table in ("Money by funding stream", "Money by priority", "Contracts", "Grants"):
        assert {f"{table} (CSV)", f"{table} (Excel)"} <= labels
    assert "Contracts as open contracting data (OCDS 1.1 JSON)" in labels
    package = json.loads(download(at, "Contracts as open contracting data (OCDS 1.1 JSON)"))
    isva = next(r for r in package["releases"] if r["ocid"].endswith("-wy-isva"))
    assert isva["contracts"][0]["period"]["endDate"] == "2019-03-31T23:59:59Z"  # after its final one-year extension
    assert [a["id"] for a in isva["contracts"][0]["amendments"]] == ["wy-isva-final-extension"]
    contracts_csv = download(at, "Contracts (CSV)").decode("utf-8-sig")
    assert "Independent Sexual Advisor Contract (ISVA)" in contracts_csv
    for data in (json.dumps(package), contracts_csv, download(at, "Grants (CSV)").decode("utf-8-sig")):
        assert CANARY not in data
    # No grant here has a published award or start date, so no 360Giving file, and the page says why.
    assert not any("360Giving" in label for label in labels)
    assert "Left out, because the documents do not publish them: Victims Champion Project" in page_text(at)


def test_spending_sources_name_each_section_once() -> None:
    """Rows cite one section or several ("2.3 Future Intentions; 2.3.1 ..."): the footer lists each section once, and
    a "; " inside brackets (Norfolk's "1.9 (paragraph number not printed; between 1.8 and 1.10)") is not a break."""
    footer = lambda at: next(shown(c.value) for c in at.caption if str(c.value).startswith("**Sources**"))  # noqa: E731
    west_yorkshire = footer(open_page(SPENDING, area="west-yorkshire", year="2018-19"))
    assert west_yorkshire.count("2.3.1 Integrated Perpetrator and Victim Programme") == 1
    assert west_yorkshire.count("2.3.2 West Yorkshire ISVA service") == 1
    norfolk = footer(open_page(SPENDING, area="norfolk", year="2016-17"))
    assert norfolk.count("1.9 (paragraph number not printed; between 1.8 and 1.10)") == 1
    # The West Yorkshire report's title already names the panel and the date: each is said once.
    assert west_yorkshire.count("West Yorkshire Police and Crime Panel") == 1 and west_yorkshire.count("14 September 2018") == 1
    assert (
        "OPCCN Commissioning and Strategy 2016-20 Development (paper to the Police and Crime Panel), Office of the Police and Crime"
        in norfolk
    )


def test_spending_offers_360giving_when_a_grant_has_the_required_fields(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'with-grant.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    with Session(engine) as session:
        session.add(Provider(id="community-trust", name="Community Safety Trust", charity_number="01234567", **_norfolk()))
        session.flush()
        session.add(
            Agreement(
                id="nfk-community-grant",
                area_id="norfolk",
                title="Community safety grant",
                kind="grant",
                provider_id="community-trust",
                start_date=date(2016, 6, 1),
                total_value_pence=1_000_000,
                status="active",
                **_norfolk(),
            )
        )
        session.commit()
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page(SPENDING, area="norfolk", year="2016-17")
    assert_ran_cleanly(at)
    package = json.loads(download(at, "Grants as 360Giving data (JSON)"))
    assert [(g["recipientOrganization"][0]["id"], g["amountAwarded"], g["awardDate"]) for g in package["grants"]] == [
        ("GB-CHC-01234567", 10000, "2016-06-01T00:00:00Z")
    ]


def _norfolk() -> dict[str, str]:
    return {"source_id": "norfolk-2016", "source_section": "test record", "basis": "reported"}


def test_spending_is_the_public_page_for_panel_members_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = open_page(SPENDING, audience="panel", area="norfolk", year="2016-17")
    assert_ran_cleanly(at)
    streams = find_table(at, "Funding stream", "Budget")
    # The panel-only budget (£777,777) is not added to the public figure, even for a panel member.
    assert dict(zip(streams["Funding stream"], streams["Budget"], strict=True))[
        "Ministry of Justice (MOJ) grant for victim's services"
    ] == ("£1,037,415")
    assert CANARY not in page_text(at)


# --- How services perform ---------------------------------------------------------------------------


def test_services_west_yorkshire_shows_published_counts_as_published_with_the_rule_stated() -> None:
    """West Yorkshire's report is a published document: its counts are shown exactly, labelled as published
    (issue 9: 224 was shown as 225, 996 as 995, 89 as 90 and 5,023 as 5,025)."""
    at = open_page(SERVICES, area="west-yorkshire")
    assert_ran_cleanly(at)
    assert [t.value for t in at.title] == ["How services perform: West Yorkshire"]
    rule = " ".join(i.value for i in at.info)
    assert "shown exactly as that document published them" in rule and '"as published"' in rule
    assert "fewer than 10 people is not shown" in rule and "rounded to the nearest 5" in rule  # for internal returns
    figures = find_table(at, "What is measured", "Figure", "As stated", "Why it is shown this way")
    isva = figures[figures["What is measured"] == "ISVA referrals"]
    # '224 referrals per quarter (996 p.a.)' (2.3.2), as published.
    assert dict(zip(isva["As stated"], isva["Figure"], strict=True)) == {"average per quarter": "224", "per annum, as stated": "996"}
    assert set(isva["Why it is shown this way"]) == {"as published"}
    trials = figures[figures["What is measured"] == "Trials at which ISVAs supported victims"]
    assert list(trials["Figure"]) == ["89"] and list(trials["Why it is shown this way"]) == ["as published"]
    referrals = figures[figures["What is measured"] == "Perpetrator programme referrals"]
    assert list(referrals["Figure"]) == ["5,023"]  # 2.3.1
    for rounded in ("225", "995", "90", "5,025"):
        assert not shows_number("\n".join(figures["Figure"]), rounded), f"a published count shown rounded as {rounded}"
    assert metric(at, "Counts as published") == "4" and metric(at, "Counts rounded") == "0"
    text = page_text(at)
    assert CANARY not in text
    performance_csv = download(at, "Service performance (CSV)").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(performance_csv)))
    # The download says what the page says: the same figures, the same label.
    assert {r["As stated"]: (r["Figure"], r["Disclosure control"]) for r in rows if r["Measure"] == "ISVA referrals"} == {
        "average per quarter": ("224", "as published"),
        "per annum, as stated": ("996", "as published"),
    }
    assert CANARY not in performance_csv
    assert download(at, "Service performance (Excel)")[:2] == b"PK"  # a zip: an .xlsx workbook


def test_services_area_without_figures_says_so() -> None:
    at = open_page(SERVICES, area="derbyshire")
    assert_ran_cleanly(at)
    assert any("No performance figures are published for Derbyshire" in i.value for i in at.info)
