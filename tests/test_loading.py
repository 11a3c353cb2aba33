"""Loading a folder of CSV files: the sample data loads cleanly and idempotently; a folder with mistakes
reports every one of them (file, row, column, value, rule) and writes nothing."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from data_access import loading
from data_access.db import open_store
from data_access.loading import FILES, ImportFailed, Problem, load_folder, read_folder
from data_access.models import Agreement, Budget, FundingStream, Measure, Observation, Source, Spend
from data_access.settings import SAMPLE_DATA_DIR
from tests.fixtures import FUND_AWARDS

# --- helpers ---------------------------------------------------------------------------------


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def sample_row_counts() -> dict[str, int]:
    """Table name -> data rows in its sample CSV file."""
    return {model.__tablename__: len(csv_rows(SAMPLE_DATA_DIR / name)) for name, model in FILES}


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one() for _, model in FILES}


def rewrite(path: Path, change, *, drop_column: str | None = None, add_column: str | None = None, append: list[dict] | None = None) -> None:
    """Rewrite a CSV file, applying `change(row)` to every row (it may edit the row in place)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        change(row)
    rows += append or []
    if drop_column:
        header.remove(drop_column)
        for row in rows:
            del row[drop_column]
    if add_column:
        header.append(add_column)
        for row in rows:
            row[add_column] = "1"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def set_value(row_id: str, column: str, value: str):
    def change(row: dict) -> None:
        if row["id"] == row_id:
            row[column] = value

    return change


def row_number(path: Path, row_id: str) -> int:
    """The row a person sees in a spreadsheet (the header is row 1), checked against the file's own lines."""
    index = next(i for i, row in enumerate(csv_rows(path)) if row["id"] == row_id)
    number = index + 2
    assert path.read_text(encoding="utf-8").splitlines()[number - 1].startswith(f"{row_id},")
    return number


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "import"
    shutil.copytree(SAMPLE_DATA_DIR, folder)
    return folder


# --- the sample folder -----------------------------------------------------------------------


def test_sample_folder_reads_without_a_problem() -> None:
    records, problems = read_folder(SAMPLE_DATA_DIR)
    assert problems == []
    counts = sample_row_counts()
    assert len(records) == sum(counts.values())
    by_table: dict[str, int] = dict.fromkeys(counts, 0)  # populations.csv ships with no rows: the seeds give none
    for record in records:
        by_table[record.__tablename__] += 1
    assert by_table == counts
    assert counts["population"] == 0 and counts["area_group"] == 3


def test_every_sample_file_is_loaded() -> None:
    assert sorted(name for name, _ in FILES) == sorted(p.name for p in SAMPLE_DATA_DIR.glob("*.csv"))


def test_seeded_store_holds_every_sample_row(engine: Engine) -> None:
    counts = table_counts(engine)
    assert counts == sample_row_counts()
    assert counts["source"] == 5  # one per seed document, and the ONS list of regions (the area groups cite it)
    assert counts["area"] == 3  # Derbyshire, Norfolk, West Yorkshire


def test_loading_the_sample_again_changes_no_row_counts(engine: Engine) -> None:
    before = table_counts(engine)
    with engine.begin() as connection:
        written = load_folder(SAMPLE_DATA_DIR, connection=connection)
    assert written == sum(sample_row_counts().values())
    assert table_counts(engine) == before
    with Session(engine) as session:
        assert session.get(Budget, "nfk-2016-moj").amount_pence == 103741500


def test_loading_into_an_empty_store_twice_is_idempotent(fresh_sqlite_url: str) -> None:
    engine = open_store(fresh_sqlite_url, load_sample_data=False)
    try:
        assert set(table_counts(engine).values()) == {0}
        for _ in range(2):
            with engine.begin() as connection:
                load_folder(SAMPLE_DATA_DIR, connection=connection)
            assert table_counts(engine) == sample_row_counts()
    finally:
        engine.dispose()


def test_open_store_does_not_reload_a_store_that_has_data(fresh_sqlite_url: str) -> None:
    """Staff corrections survive a restart: the sample is loaded into an empty store only."""
    engine = open_store(fresh_sqlite_url, load_sample_data=True)
    with Session(engine) as session:
        budget = session.get(Budget, "nfk-2016-moj")
        budget.amount_pence = 100000000  # a correction made after the first start
        session.add(budget)
        session.commit()
    engine.dispose()
    engine = open_store(fresh_sqlite_url, load_sample_data=True)
    try:
        assert table_counts(engine) == sample_row_counts()
        with Session(engine) as session:
            assert session.get(Budget, "nfk-2016-moj").amount_pence == 100000000
    finally:
        engine.dispose()


def test_a_folder_may_refer_to_rows_already_in_the_store(sample_copy: Path, tmp_path: Path) -> None:
    """Staff can load just this quarter's spend against agreements already in the store."""
    folder = tmp_path / "spend_only"
    folder.mkdir()
    header = list(csv_rows(sample_copy / "spend.csv")[0].keys())
    new = dict.fromkeys(header, "")
    new.update(
        id="wy-2018-isva-q3",
        area_id="west-yorkshire",
        period="Q3 2018/19",
        funding_stream_id="wy-moj",
        agreement_id="wy-isva",
        amount="£1,234.50",
        is_credit="no",
        source_id="wy-2018",
        source_section="2.2.3",
        basis="illustrative",
    )
    with (folder / "spend.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerow(new)
    engine = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", load_sample_data=True)
    try:
        with engine.begin() as connection:
            assert load_folder(folder, connection=connection) == 1
        assert table_counts(engine)["spend"] == sample_row_counts()["spend"] + 1
        with Session(engine) as session:
            spend = session.get(Spend, "wy-2018-isva-q3")
            assert (spend.amount_pence, spend.financial_year, spend.quarter) == (123450, 2018, 3)
    finally:
        engine.dispose()


# --- values as the loader stores them (both backends) ----------------------------------------


def test_money_is_stored_as_whole_pence(session: Session) -> None:
    assert session.get(Budget, "nfk-2016-moj").amount_pence == 103741500  # £1,037,415
    assert session.get(Budget, "nfk-2016-police-grant").amount_pence == 101800000  # £1.018m
    assert session.get(Budget, "dby-2021-community-grants").amount_pence == 30000000  # £300,000
    assert session.get(Budget, "dby-2025-safer-stronger").amount_pence == 27500000  # £275,000
    assert session.get(FundingStream, "dby-safer-stronger").cap_per_award_pence == 500000  # up to £5,000
    assert session.get(FundingStream, "dby-community-grants-2021").cap_per_award_pence is None  # no cap stated
    assert [session.get(Agreement, i).annual_value_pence for i in ("nfk-varss", "nfk-idva", "nfk-yot", "nfk-slt")] == [
        36000000,
        36000000,
        11400000,
        7500000,
    ]
    assert session.get(Agreement, "wy-hba-advice").total_value_pence == 500000  # £5k
    assert session.get(Agreement, "wy-core-referral").annual_value_pence is None  # not published, not zero


def test_agreement_terms_are_stored_as_the_report_gives_them(session: Session) -> None:
    isva = session.get(Agreement, "wy-isva")
    assert isva.current_end_date == date(2019, 3, 31)  # 'the final one year extension ... up to 31 March 2019'
    assert isva.original_end_date == date(2018, 3, 31)
    assert (isva.extension_options_available, isva.extension_options_used) == (1, 1)
    core = session.get(Agreement, "wy-core-referral")
    assert (core.start_date, core.current_end_date, core.latest_end_date) == (date(2018, 4, 1), date(2021, 3, 31), date(2023, 3, 31))
    assert (core.extension_options_available, core.extension_options_used) == (2, 0)
    perpetrator = session.get(Agreement, "wy-perpetrator")
    assert (perpetrator.start_date, perpetrator.original_end_date, perpetrator.current_end_date) == (
        date(2015, 9, 1),
        date(2017, 8, 31),
        date(2017, 11, 30),
    )


def test_partial_dates_keep_their_precision(session: Session) -> None:
    yot = session.get(Agreement, "nfk-yot")  # 'grant agreement until 2018'
    assert (yot.current_end_date, yot.end_precision) == (date(2018, 12, 31), "year")
    champion = session.get(Agreement, "wy-victims-champion")  # 'came to an end in March 2018'
    assert (champion.current_end_date, champion.end_precision) == (date(2018, 3, 31), "month")
    assert session.get(Agreement, "wy-isva").end_precision == "day"
    norfolk = session.get(Source, "norfolk-2016")
    assert (norfolk.published, norfolk.published_precision, norfolk.figures_as_at) == (date(2016, 1, 1), "year", date(2016, 4, 1))
    derbyshire = session.get(Source, "derbyshire-2025")
    assert (derbyshire.published, derbyshire.published_precision) == (date(2025, 11, 1), "month")


def test_periods_become_dates_years_and_quarters(session: Session) -> None:
    referrals = session.get(Observation, "wy-perpetrator-referrals")
    assert (referrals.period_start, referrals.period_end, referrals.financial_year, referrals.quarter) == (
        date(2016, 4, 1),
        date(2017, 11, 30),
        None,
        None,
    )
    assert referrals.value == 5023
    q4 = session.get(Observation, "wy-isva-referrals-2017-q4")
    assert (q4.period_start, q4.period_end, q4.financial_year, q4.quarter) == (date(2018, 1, 1), date(2018, 3, 31), 2017, 4)
    annual = session.get(Observation, "wy-isva-referrals-2017-pa")
    assert (annual.period_start, annual.period_end, annual.financial_year, annual.quarter, annual.value) == (
        date(2017, 4, 1),
        date(2018, 3, 31),
        2017,
        None,
        996,
    )
    contingency = session.get(Spend, "wy-2018-isva-contingency")
    assert (contingency.financial_year, contingency.quarter, contingency.amount_pence, contingency.visibility) == (
        2018,
        None,
        1250000,
        "restricted",
    )


def test_yes_no_columns_are_booleans(session: Session) -> None:
    share = session.get(Measure, "perpetrator-referral-share")
    assert (share.higher_is_better, share.counts_people) == (False, False)
    referrals = session.get(Measure, "isva-referrals")
    assert (referrals.higher_is_better, referrals.counts_people) == (True, True)
    assert session.get(Spend, "nfk-2016-varss").is_credit is False


# --- a folder with mistakes ------------------------------------------------------------------


def break_sample(folder: Path) -> dict[tuple[str, int, str, str], str]:
    """Put deliberate mistakes in several files; returns (file, row, column, value) -> words the rule must contain."""
    expected: dict[tuple[str, int, str, str], str] = {}

    rewrite(folder / "spend.csv", set_value("wy-2017-hba-advice", "amount", "£5,00"))
    expected[("spend.csv", row_number(folder / "spend.csv", "wy-2017-hba-advice"), "amount", "£5,00")] = "is not an amount of money"
    rewrite(folder / "spend.csv", set_value("dby-2021-grants-asb", "is_credit", "maybe"))
    expected[("spend.csv", row_number(folder / "spend.csv", "dby-2021-grants-asb"), "is_credit", "maybe")] = "is not yes or no"
    rewrite(folder / "spend.csv", set_value("wy-2017-victims-champion", "period", "2017-04-01..2017-12-31"))
    expected[("spend.csv", row_number(folder / "spend.csv", "wy-2017-victims-champion"), "period", "2017-04-01..2017-12-31")] = (
        "is not a financial year or a quarter, which spend needs"
    )

    rewrite(folder / "agreements.csv", set_value("wy-equality-consultant", "start_date", "2019-02-30"))
    expected[("agreements.csv", row_number(folder / "agreements.csv", "wy-equality-consultant"), "start_date", "2019-02-30")] = (
        "day is out of range"
    )
    rewrite(folder / "agreements.csv", set_value("nfk-rj", "kind", "loan"))
    rewrite(folder / "agreements.csv", set_value("nfk-rj", "number_of_tenderers", "three"))
    nfk_rj = row_number(folder / "agreements.csv", "nfk-rj")
    expected[("agreements.csv", nfk_rj, "kind", "loan")] = "must be one of: contract, grant"
    expected[("agreements.csv", nfk_rj, "number_of_tenderers", "three")] = "must be a whole number"

    rewrite(folder / "observations.csv", set_value("wy-isva-trials-2017", "period", "2017/19"))
    expected[("observations.csv", row_number(folder / "observations.csv", "wy-isva-trials-2017"), "period", "2017/19")] = "is not a period"

    rewrite(folder / "amendments.csv", set_value("wy-victims-champion-extension", "agreement_id", "wy-no-such-agreement"))
    expected[
        ("amendments.csv", row_number(folder / "amendments.csv", "wy-victims-champion-extension"), "agreement_id", "wy-no-such-agreement")
    ] = "refers to an unknown agreement id"

    rewrite(folder / "budgets.csv", set_value("dby-2021-community-grants", "visibility", "secret"))
    expected[("budgets.csv", row_number(folder / "budgets.csv", "dby-2021-community-grants"), "visibility", "secret")] = (
        "must be one of: public, panel, restricted"
    )

    # A required column missing: reported once for the header and once for every row that needs it.
    milestone_rows = len(csv_rows(folder / "milestones.csv"))
    rewrite(folder / "milestones.csv", lambda row: None, drop_column="title")
    expected[("milestones.csv", 1, "title", "")] = "missing column"
    for number in range(2, milestone_rows + 2):
        expected[("milestones.csv", number, "title", "")] = "required"

    # A column the file does not take.
    rewrite(folder / "areas.csv", lambda row: None, add_column="population")
    expected[("areas.csv", 1, "population", "")] = "unexpected column"

    # The same id twice: the second one is the problem.
    choices = next(dict(r) for r in csv_rows(folder / "providers.csv") if r["id"] == "choices")
    rewrite(folder / "providers.csv", lambda row: None, append=[choices])
    expected[("providers.csv", len(csv_rows(folder / "providers.csv")) + 1, "id", "choices")] = "appears more than once in this file"
    return expected


def test_every_mistake_is_reported_with_file_row_column_value_and_rule(sample_copy: Path) -> None:
    expected = break_sample(sample_copy)
    _, problems = read_folder(sample_copy)
    found = {(p.file, p.row, p.column, p.value): p.rule for p in problems}
    assert len(found) == len(problems)  # each problem once
    assert set(found) == set(expected)  # every mistake, and nothing else
    for key, words in expected.items():
        assert words in found[key], (key, found[key])
        value = key[3]
        assert not value or value not in found[key], ("the rule repeats the value", key, found[key])  # said once, as the value


@pytest.mark.parametrize(
    ("file", "row_id", "column", "value", "words"),
    [
        ("spend.csv", "wy-2017-hba-advice", "amount", "£5,00", "is not an amount of money"),
        ("spend.csv", "wy-2017-hba-advice", "amount", "£22.955", "has a fraction of a penny"),
        ("budgets.csv", "nfk-2016-moj", "financial_year", "2016/18", "2016 must be followed by 2017"),
    ],
)
def test_bad_money_or_year_is_reported_with_the_parsers_rule(
    sample_copy: Path, file: str, row_id: str, column: str, value: str, words: str
) -> None:
    rewrite(sample_copy / file, set_value(row_id, column, value))
    _, problems = read_folder(sample_copy)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [(file, row_number(sample_copy / file, row_id), column, value)]
    assert words in problems[0].rule
    assert value not in problems[0].rule  # the value is the Problem's value: the rule does not repeat it


def test_a_folder_with_mistakes_writes_nothing_to_an_empty_store(sample_copy: Path, fresh_sqlite_url: str) -> None:
    expected = break_sample(sample_copy)
    engine = open_store(fresh_sqlite_url, load_sample_data=False)
    try:
        with pytest.raises(ImportFailed) as failure, engine.begin() as connection:
            load_folder(sample_copy, connection=connection)
        assert {(p.file, p.row, p.column, p.value) for p in failure.value.problems} == set(expected)
        assert all(isinstance(p, Problem) and p.rule for p in failure.value.problems)
        assert f"{len(expected)} problem(s)" in str(failure.value)
        # Most files have no mistake at all, yet none of their rows were written.
        assert table_counts(engine) == dict.fromkeys(sample_row_counts(), 0)
    finally:
        engine.dispose()


def test_a_folder_with_mistakes_changes_nothing_in_a_filled_store(sample_copy: Path, fresh_sqlite_url: str) -> None:
    break_sample(sample_copy)
    # A good row whose value differs from the store's: it must not be written either.
    rewrite(sample_copy / "budgets.csv", set_value("nfk-2016-moj", "amount", "£1"))
    engine = open_store(fresh_sqlite_url, load_sample_data=True)
    try:
        before = table_counts(engine)
        with pytest.raises(ImportFailed), engine.begin() as connection:
            load_folder(sample_copy, connection=connection)
        assert table_counts(engine) == before
        with Session(engine) as session:
            assert session.get(Budget, "nfk-2016-moj").amount_pence == 103741500
    finally:
        engine.dispose()


def break_database_rules(folder: Path) -> dict[tuple[str, int, str, str], str]:
    """Rows that would break the database's CHECK constraints; returns (file, row, column, value) -> words the rule must contain."""
    rewrite(folder / "spend.csv", set_value("wy-2017-hba-advice", "amount", "(£5,000)"))  # negative, but not marked as a credit
    rewrite(folder / "agreements.csv", set_value("wy-equality-consultant", "start_date", "2019-04-01"))
    rewrite(folder / "agreements.csv", set_value("wy-equality-consultant", "current_end_date", "2019-03-31"))  # ends before it starts
    rewrite(folder / "agreements.csv", set_value("nfk-rj", "annual_value", "(£1,000)"))
    rewrite(folder / "budgets.csv", set_value("nfk-2016-police-grant", "amount", "(£1)"))
    return {
        ("spend.csv", row_number(folder / "spend.csv", "wy-2017-hba-advice"), "amount", "(£5,000)"): "credit",
        ("agreements.csv", row_number(folder / "agreements.csv", "wy-equality-consultant"), "current_end_date", "2019-03-31"): "start",
        ("agreements.csv", row_number(folder / "agreements.csv", "nfk-rj"), "annual_value", "(£1,000)"): "negative",
        ("budgets.csv", row_number(folder / "budgets.csv", "nfk-2016-police-grant"), "amount", "(£1)"): "negative",
    }


def test_rows_the_database_refuses_roll_back_everything(fresh_sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a row pass the importer's checks but break a CHECK constraint, the load fails and writes nothing."""
    records, problems = read_folder(SAMPLE_DATA_DIR)
    assert problems == []
    bad = Budget(
        id="test-negative-budget",
        area_id="norfolk",
        financial_year=2016,
        funding_stream_id="nfk-moj",
        amount_pence=-1,
        source_id="norfolk-2016",
        source_section="test",
        basis="illustrative",
    )
    monkeypatch.setattr(loading, "read_folder", lambda folder, known_ids=None: ([*records, bad], []))
    engine = open_store(fresh_sqlite_url, load_sample_data=False)
    try:
        with pytest.raises(ImportFailed) as failure, engine.begin() as connection:
            load_folder(SAMPLE_DATA_DIR, connection=connection)
        assert len(failure.value.problems) == 1
        assert "the database refused the rows" in failure.value.problems[0].rule
        assert "budget_amount_not_negative" in failure.value.problems[0].rule
        # Every good row was flushed before the database refused the bad one; the transaction undid it all.
        assert table_counts(engine) == dict.fromkeys(sample_row_counts(), 0)
    finally:
        engine.dispose()


def test_rows_the_database_would_refuse_are_reported_row_by_row(sample_copy: Path) -> None:
    # Regression: these once passed the row checks and failed the whole load as one problem at row 0.
    expected = break_database_rules(sample_copy)
    _, problems = read_folder(sample_copy)
    found = {(p.file, p.row, p.column, p.value): p.rule for p in problems}
    assert set(found) == set(expected)
    for key, words in expected.items():
        assert words in found[key], (key, found[key])
        value = key[3]
        assert not value or value not in found[key], ("the rule repeats the value", key, found[key])  # said once, as the value


def test_a_negative_amount_marked_as_a_credit_is_accepted(sample_copy: Path) -> None:
    rewrite(sample_copy / "spend.csv", set_value("wy-2017-hba-advice", "amount", "(£5,000)"))
    rewrite(sample_copy / "spend.csv", set_value("wy-2017-hba-advice", "is_credit", "yes"))
    records, problems = read_folder(sample_copy)
    assert problems == []
    refund = next(r for r in records if isinstance(r, Spend) and r.id == "wy-2017-hba-advice")
    assert (refund.amount_pence, refund.is_credit) == (-500000, True)


# --- files as people save them, and rules across rows ----------------------------------------


def test_a_file_saved_by_a_spreadsheet_loads(sample_copy: Path) -> None:
    """Excel writes UTF-8 with a byte-order mark and Windows line endings."""
    path = sample_copy / "sources.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    records, problems = read_folder(sample_copy)
    assert problems == []
    assert len(records) == sum(sample_row_counts().values())


def change_share(folder: Path, agreement_id: str, priority_id: str, share: str) -> None:
    def change(row: dict) -> None:
        if (row["agreement_id"], row["priority_id"]) == (agreement_id, priority_id):
            row["share_percent"] = share

    rewrite(folder / "agreement_priorities.csv", change)


def test_shares_of_an_agreement_that_do_not_add_up_to_100_are_reported(sample_copy: Path) -> None:
    change_share(sample_copy, "wy-rj", "wy-victims", "40")  # wy-rj/wy-reoffending stays at 50
    _, problems = read_folder(sample_copy)
    assert [(p.file, p.column) for p in problems] == [("agreement_priorities.csv", "share_percent")]
    assert "100" in problems[0].rule


def test_a_duplicated_link_is_reported_in_columns_the_file_has(sample_copy: Path) -> None:
    path = sample_copy / "agreement_priorities.csv"
    link = next(r for r in csv_rows(path) if (r["agreement_id"], r["priority_id"]) == ("wy-rj", "wy-victims"))
    rewrite(path, lambda row: None, append=[dict(link)])
    header = list(csv_rows(path)[0])
    _, problems = read_folder(sample_copy)
    assert [(p.file, p.row, p.rule) for p in problems] == [
        ("agreement_priorities.csv", len(csv_rows(path)) + 1, "appears more than once in this file")
    ]
    assert all(name.strip() in header for name in problems[0].column.split(","))


def test_a_mistake_is_not_repeated_as_a_false_unknown_id(sample_copy: Path) -> None:
    rewrite(sample_copy / "agreements.csv", set_value("wy-hba-advice", "status", "finished"))
    _, problems = read_folder(sample_copy)
    assert ("agreements.csv", row_number(sample_copy / "agreements.csv", "wy-hba-advice"), "status", "finished") in {
        (p.file, p.row, p.column, p.value) for p in problems
    }
    # spend.csv's wy-2017-hba-advice refers to wy-hba-advice, which agreements.csv does have.
    assert [p for p in problems if "unknown" in p.rule] == []


# --- a source's kind: published document or internal return ----------------------------------


def test_the_seed_sources_are_published_documents() -> None:
    records, _ = read_folder(SAMPLE_DATA_DIR)
    assert {r.id: r.kind for r in records if isinstance(r, Source)} == {
        "derbyshire-2021": "published",
        "derbyshire-2025": "published",
        "norfolk-2016": "published",
        "wy-2018": "published",
        "ons-regions": "published",  # the list of regions the area groups cite
    }


def _sources(folder: Path) -> tuple[dict[str, str], list[Problem]]:
    table = loading.read_csv_bytes((folder / "sources.csv").read_bytes(), "sources.csv")
    checked = loading.check_table(table, Source, known={})
    assert checked.problems == []
    return {r.id: r.kind for r in checked.records}, checked.notes


def test_a_blank_source_kind_is_internal_with_a_note(sample_copy: Path) -> None:
    """The safe side: a blank must never turn off disclosure control for a private return."""
    rewrite(sample_copy / "sources.csv", set_value("wy-2018", "kind", ""))
    kinds, notes = _sources(sample_copy)
    assert kinds["wy-2018"] == "internal" and kinds["norfolk-2016"] == "published"
    assert [(n.row, n.column) for n in notes] == [(row_number(sample_copy / "sources.csv", "wy-2018"), "kind")]
    assert notes[0].rule.startswith("blank: taken as internal") and "write published" in notes[0].rule


def test_a_sources_file_without_the_kind_column_loads_as_internal_with_a_note(sample_copy: Path) -> None:
    rewrite(sample_copy / "sources.csv", lambda row: None, drop_column="kind")
    kinds, notes = _sources(sample_copy)
    assert set(kinds.values()) == {"internal"} and len(kinds) == 5
    assert [(n.row, n.column) for n in notes] == [(1, "kind")] and notes[0].rule.startswith(
        "optional, not in the file: every row's value is blank: taken as internal"
    )


def test_an_unknown_source_kind_is_refused(sample_copy: Path) -> None:
    rewrite(sample_copy / "sources.csv", set_value("wy-2018", "kind", "private"))
    _, problems = read_folder(sample_copy)
    assert [(p.file, p.column, p.value, p.rule) for p in problems] == [
        ("sources.csv", "kind", "private", "must be one of: published, internal")
    ]


# --- money as the source qualifies it (qualifier, part_of_id, budgets over several years, stated totals) ---


def test_files_written_before_the_money_qualifiers_load_as_they_did(sample_copy: Path) -> None:
    """The new columns may be left out, silently: blank means an amount as stated, a part of nothing, one year."""
    for name, columns in (
        ("budgets.csv", ["last_financial_year", "apportionment", "qualifier", "part_of_id"]),
        ("spend.csv", ["qualifier", "part_of_id"]),
        ("agreements.csv", ["value_qualifier", "value_part_of_id"]),
        ("funding_streams.csv", ["stated_awards_total"]),
    ):
        for column in columns:
            rewrite(sample_copy / name, lambda row: None, drop_column=column)
    records, problems = read_folder(sample_copy)
    assert problems == []
    budgets = [r for r in records if isinstance(r, Budget)]
    assert {(b.qualifier, b.part_of_id, b.last_financial_year, b.apportionment) for b in budgets} == {("", None, None, "")}
    for name, model in (("budgets.csv", Budget), ("spend.csv", Spend)):
        table = loading.read_csv_bytes((sample_copy / name).read_bytes(), name)
        assert loading.check_table(table, model, known={"funding_stream": {"x"}}).notes == [], name


def test_the_fixture_funds_qualified_money_is_stored_as_written() -> None:
    records, problems = read_folder(FUND_AWARDS)
    assert problems == []
    by_id = {r.id: r for r in records if isinstance(r, Budget | FundingStream)}
    assert by_id["fx-community-fund"].stated_awards_total_pence == 40_000_000  # "£400,000"
    assert by_id["fx-community-fund"].cap_per_award_pence == 5_000_000
    violence = by_id["fx-violence"]
    assert (violence.amount_pence, violence.financial_year, violence.last_financial_year, violence.apportionment) == (
        46_936_300,
        2018,
        2019,
        "",
    )
    assert (by_id["fx-2019-innovation"].qualifier, by_id["fx-2019-innovation"].amount_pence) == ("up to", 5_000_000)
    assert (by_id["fx-2019-victims-isva"].part_of_id, by_id["fx-2019-victims-isva"].amount_pence) == ("fx-2019-victims", 20_000_000)


def test_qualified_money_mistakes_are_reported_with_what_is_accepted(sample_copy: Path) -> None:
    rewrite(sample_copy / "budgets.csv", set_value("nfk-2016-moj", "qualifier", "about"))
    rewrite(sample_copy / "budgets.csv", set_value("nfk-2016-police-grant", "apportionment", "by quarter"))
    rewrite(sample_copy / "budgets.csv", set_value("dby-2021-community-grants", "last_financial_year", "2020/21"))
    rewrite(sample_copy / "budgets.csv", set_value("dby-2025-safer-stronger", "part_of_id", "dby-2025-safer-stronger"))
    rewrite(sample_copy / "spend.csv", set_value("nfk-2016-varss", "part_of_id", "no-such-spend"))
    rewrite(sample_copy / "agreements.csv", set_value("nfk-yot", "value_qualifier", "of which"))
    rewrite(sample_copy / "funding_streams.csv", set_value("nfk-moj", "stated_awards_total", "(1,000)"))
    _, problems = read_folder(sample_copy)
    assert sorted((p.file, p.column, p.value, p.rule) for p in problems) == sorted(
        [
            ("budgets.csv", "qualifier", "about", "must be one of: up to"),
            ("budgets.csv", "apportionment", "by quarter", "must be one of: even"),
            (
                "budgets.csv",
                "last_financial_year",
                "2020/21",
                "is before financial_year: a budget over several years runs from financial_year to last_financial_year",
            ),
            ("budgets.csv", "part_of_id", "dby-2025-safer-stronger", "is the row's own id"),
            ("spend.csv", "part_of_id", "no-such-spend", "refers to an unknown spend id: check the spelling, or import that spend first"),
            ("agreements.csv", "value_qualifier", "of which", "must be one of: up to"),
            ("funding_streams.csv", "stated_awards_total", "(1,000)", "must not be negative"),
        ]
    )


# --- comparing areas: service types, peer groups, populations -----------------------------------


def test_the_sample_agreements_say_what_service_each_buys() -> None:
    records, _ = read_folder(SAMPLE_DATA_DIR)
    types = {r.id: r.service_type for r in records if isinstance(r, Agreement)}
    assert (types["wy-isva"], types["dby21-isva-adult"], types["dby21-chisva"]) == ("isva", "isva", "isva")
    assert (types["nfk-idva"], types["dby21-idva-city"]) == ("idva", "idva")
    assert types["nfk-varss"] == types["wy-core-referral"] == "victim assessment and referral"
    assert sorted(t for t in set(types.values()) if t) == [
        "idva",
        "isva",
        "other",
        "perpetrator programme",
        "restorative justice",
        "substance misuse",
        "victim assessment and referral",
        "young victims",
    ]


def test_an_agreements_file_from_before_service_types_loads_as_not_stated(sample_copy: Path) -> None:
    rewrite(sample_copy / "agreements.csv", lambda row: None, drop_column="service_type")
    records, problems = read_folder(sample_copy)
    assert problems == []
    agreements = [r for r in records if isinstance(r, Agreement)]
    assert len(agreements) == 24 and {r.service_type for r in agreements} == {None}
    table = loading.read_csv_bytes((sample_copy / "agreements.csv").read_bytes(), "agreements.csv")
    notes = loading.check_table(table, Agreement, known={}).notes
    assert not any("service_type" in n.column for n in notes)  # a column added later: left out without a note


def test_an_unknown_service_type_is_refused_naming_the_choices(sample_copy: Path) -> None:
    rewrite(sample_copy / "agreements.csv", set_value("wy-isva", "service_type", "counselling"))
    rewrite(sample_copy / "agreements.csv", set_value("nfk-idva", "service_type", "IDVA"))  # any case: stored as idva
    records, problems = read_folder(sample_copy)
    assert [(p.row, p.column, p.value, p.rule) for p in problems] == [
        (
            row_number(sample_copy / "agreements.csv", "wy-isva"),
            "service_type",
            "counselling",
            "must be one of: isva, idva, restorative justice, victim assessment and referral, young victims, "
            "perpetrator programme, substance misuse, other",
        )
    ]
    assert next(r for r in records if isinstance(r, Agreement) and r.id == "nfk-idva").service_type == "idva"


def test_groups_and_populations_are_checked_like_any_file(sample_copy: Path) -> None:
    with (sample_copy / "populations.csv").open("a", encoding="utf-8") as handle:
        handle.write("norfolk,2016/17,0,norfolk-2016,,illustrative,made up by a test\n")
        handle.write("kent,2016/17,1000,norfolk-2016,,illustrative,made up by a test\n")
    with (sample_copy / "area_groups.csv").open("a", encoding="utf-8") as handle:
        handle.write("msg-1,Most similar group 1,county,norfolk,ons-regions,,reported,\n")
    _, problems = read_folder(sample_copy)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("area_groups.csv", 5, "kind", "county"),
        ("populations.csv", 2, "population", "0"),
        ("populations.csv", 3, "area_id", "kent"),
    ]
