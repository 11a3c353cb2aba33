"""The Commissioner's briefing pack: the narrative carries the real numbers, and the PDF builds as a tagged,
accessible document (PDF/UA-1) with charts where Chromium is there, and with tables and a note where it is not."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlmodel import Session

from charts import static
from charts.briefing import briefing_chart_images, briefing_figures
from data_access import briefing
from data_access.db import open_store
from data_access.models import Audience
from tests import heavy_area

SEPTEMBER_2018 = date(2018, 9, 14)
HAS_CHROMIUM = static.chromium_path() is not None


def summary(session: Session, area: str, as_at: date, audience: Audience = Audience.PANEL) -> briefing.Briefing:
    return briefing.briefing_summary(session=session, area=area, as_at=as_at, audience=audience)


def figure(pack: briefing.Briefing, label: str) -> str:
    return next(k.value for k in pack.key_figures if k.label == label)


# --- the narrative ----------------------------------------------------------------------------------


def test_west_yorkshire_narrative_carries_the_real_numbers(session: Session) -> None:
    pack = summary(session, "west-yorkshire", SEPTEMBER_2018)
    agreements, money, largest, ending, targets, red_flags = pack.narrative
    assert agreements == (
        "On 14 September 2018, West Yorkshire has 3 live agreements (contracts and grants running that day), "
        "and none of them has a published annual value."
    )
    # ISVA £310,000 + Core Referral £1,250,000 + Restorative Justice £300,000 (all illustrative) in 2018/19.
    assert money == "In 2018/19, £1,860,000 (illustrative) is recorded as spent and no budget is published."  # every pound illustrative
    assert largest.startswith("The largest share of that spend, £1,710,000 (92%), serves the priority")
    assert ending == (
        "1 agreement ends within 12 months: Independent Sexual Advisor Contract (ISVA) on 31 March 2019 "
        "(a re-procurement step is recorded on 7 September 2018)."
    )
    assert "93% against a target of 100% (as published) in Q1 2018/19" in targets
    assert red_flags.startswith("10 red flags are raised (5 medium and 5 low); the most serious: ")
    assert figure(pack, "Spend recorded, 2018/19 (illustrative)") == "£1,860,000"
    assert figure(pack, "Annual value of live agreements") == "not published"
    assert figure(pack, "Red flags") == "10"


def test_a_total_that_is_only_partly_illustrative_says_so(session: Session) -> None:
    # West Yorkshire 2017/18: ISVA £310,000, perpetrator programme £96,000 and Victims Champion £20,000 are illustrative;
    # the Honour based abuse advice project's £5,000 is derived from the report's stated £5k. £431,000 in all.
    pack = summary(session, "west-yorkshire", date(2018, 3, 31))
    assert pack.year == 2017
    assert figure(pack, "Spend recorded, 2017/18 (partly illustrative)") == "£431,000"
    assert next(k.note for k in pack.key_figures if k.label.startswith("Spend recorded")) == "spend partly illustrative"
    assert "£431,000 (partly illustrative) is recorded as spent" in pack.narrative[1]
    # The PDF's table: no budget is "not published" (never "none" or £0), and each row its own basis.
    (table,) = [t for t in briefing._pack_data(pack, [], "")["tables"] if t.get("title", "").startswith("Budget and spend")]
    assert ["Linked to no priority", "not published", "£5,000", ""] in table["rows"]
    assert ["Reducing Re-offending", "not published", "£96,000", "spend illustrative"] in table["rows"]
    # Every pound of 2018/19 spend is illustrative: the label says "illustrative", not "partly".
    labels = [k.label for k in summary(session, "west-yorkshire", SEPTEMBER_2018).key_figures]
    assert "Spend recorded, 2018/19 (illustrative)" in labels
    assert not [label for label in labels if "partly" in label]


def test_staff_see_the_restricted_payment_in_the_total(session: Session) -> None:
    # The £12,500 ISVA contingency payment is restricted (OPCC staff only): £1,860,000 + £12,500.
    pack = summary(session, "west-yorkshire", SEPTEMBER_2018, Audience.STAFF)
    assert figure(pack, "Spend recorded, 2018/19 (illustrative)") == "£1,872,500"
    assert "£1,872,500 (illustrative) is recorded as spent" in pack.narrative[1]


def test_norfolk_narrative_six_months_before_the_agreements_end(session: Session) -> None:
    pack = summary(session, "norfolk", date(2017, 10, 1))
    text = " ".join(pack.narrative)
    # £360k + £360k + £114k + £75k a year; budgets £1.018m (main police grant) + £1,037,415 (MoJ) for 2016/17.
    assert "4 live agreements" in text and "their published annual values come to £909,000 a year" in text
    assert "In 2016/17, £2,055,415 is budgeted and £909,000 (illustrative) is recorded as spent" in text
    assert "3 agreements end within 12 months (3 of them within 6 months)" in text
    assert text.count("on 31 March 2018 (no re-procurement is recorded)") == 3
    assert "No performance measure has a target recorded" in text
    assert figure(pack, "Budget, 2016/17") == "£2,055,415"  # both budgets are in the paper: no mark
    assert figure(pack, "Spend recorded, 2016/17 (illustrative)") == "£909,000"  # the paper gives no spend


def test_derbyshire_narrative_with_nothing_ending(session: Session) -> None:
    pack = summary(session, "derbyshire", date(2025, 11, 1))
    text = " ".join(pack.narrative)
    assert "In 2025/26, £275,000 is budgeted and £195,000 (illustrative) is recorded as spent" in text
    assert "No live agreement ends within 12 months of 1 November 2025." in text
    assert pack.ending.empty
    # No agreement known to be running: the overview's "none known", never £0 "all published".
    value = next(k for k in pack.key_figures if k.label.startswith("Annual value of live agreements"))
    assert (value.value, value.note) == ("none known", "no agreement is known to be running on this date")


def test_an_unknown_area_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="no area 'kent'"):
        summary(session, "kent", SEPTEMBER_2018)


# --- the PDF -----------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def struct_elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element of the tagged PDF, depth first."""
    found: list[DictionaryObject] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject):
            if node.get("/S") is not None:
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"])
    return found


def assert_accessible(reader: PdfReader, title: str) -> None:
    root = reader.trailer["/Root"]
    assert reader.metadata.title == title
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part(>|=\")1", xmp), "no PDF/UA-1 identifier in the XMP metadata"
    kinds = {str(e["/S"]) for e in struct_elements(reader)}
    assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI"} <= kinds, kinds


@pytest.fixture
def west_yorkshire(session: Session) -> briefing.Briefing:
    return briefing.briefing_summary(
        session=session, area="west-yorkshire", as_at=SEPTEMBER_2018, audience=Audience.PANEL, as_at_reason="the meeting date"
    )


def test_pdf_without_chromium_has_tables_and_says_why(west_yorkshire: briefing.Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(static, "DEBIAN_CHROMIUM", "/nonexistent/chromium")  # as on a machine without the chromium package
    assert static.chromium_path() is None
    images, note = briefing_chart_images(west_yorkshire)
    assert images == [] and note.startswith("Charts are not included in this copy: no Chromium browser was found")
    # The tables and the note on charts are in the appendix, which is built only when asked for.
    reader, text = pdf_text(briefing.briefing_pdf(west_yorkshire, charts=images, charts_note=note, appendix=True))
    assert_accessible(reader, "Commissioning briefing: West Yorkshire, as at 14 September 2018")
    flat = " ".join(text.split())
    assert "Charts are not included in this copy: no Chromium browser was found" in flat
    for number in ("£1,860,000", "996", "224", "95%", "31 March 2019", "7 September 2018", "93%"):
        assert number in flat, number
    assert "Not for publication" in flat
    assert "Every red flag, with the question to ask" in flat
    assert "Budget and spend by Plan priority, 2018/19" in flat and "£1,710,000" in flat  # the chart's figures, as a table
    assert not any(str(e["/S"]) == "/Figure" for e in struct_elements(reader))


@pytest.mark.skipif(not HAS_CHROMIUM, reason="needs Chromium at /usr/bin/chromium (apt-get install chromium) to draw the charts")
def test_pdf_with_charts_drawn_in_chromium(west_yorkshire: briefing.Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    import choreographer.cli
    import kaleido

    def no_download(*_args, **_kwargs):
        raise AssertionError("a browser download was attempted")

    for module in (kaleido, choreographer.cli):
        for name in ("get_chrome", "get_chrome_sync"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, no_download)
    images, note = briefing_chart_images(west_yorkshire)
    assert note == ""
    assert len(images) == len(briefing_figures(west_yorkshire)) == 2
    assert all(image.png.startswith(b"\x89PNG") for image in images)
    reader, text = pdf_text(briefing.briefing_pdf(west_yorkshire, charts=images, charts_note=note, appendix=True))  # charts: appendix
    assert_accessible(reader, "Commissioning briefing: West Yorkshire, as at 14 September 2018")
    figures = [e for e in struct_elements(reader) if str(e["/S"]) == "/Figure"]
    alts = [str(e.get("/Alt", "")) for e in figures]
    assert any(a.startswith("Bar chart of budget and spend by Police and Crime Plan priority for West Yorkshire, 2018/19") for a in alts), (
        alts
    )
    assert any(a.startswith("Timeline of West Yorkshire's contracts and grants") for a in alts), alts
    flat = " ".join(text.split())
    assert "Charts are not included" not in flat
    assert "Further developing the support available to victims and witnesses had the largest spend, £1,710,000" in flat


def test_chromium_path_honours_browser_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    monkeypatch.setattr(static, "DEBIAN_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("BROWSER_PATH", str(not_executable))
    assert static.chromium_path() is None  # not executable: ignored
    os.chmod(not_executable, 0o755)
    assert static.chromium_path() == str(not_executable)


def test_a_broken_browser_gives_tables_not_a_failure(west_yorkshire: briefing.Briefing, tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    os.chmod(fake, 0o755)
    images, note = briefing_chart_images(west_yorkshire, browser=str(fake))
    assert images == [] and note.startswith(f"Charts are not included in this copy: the browser at {fake} could not draw the charts")


def test_pack_text_is_data_not_markup(west_yorkshire: briefing.Briefing) -> None:
    # A title full of Typst markup characters is printed as written, not interpreted.
    tricky = "#set page(fill: red) *bold* $x$ <label> @ref [link] \\ = heading"
    west_yorkshire.narrative = [*west_yorkshire.narrative, tricky]
    _reader, text = pdf_text(briefing.briefing_pdf(west_yorkshire, charts=[], charts_note="No charts."))
    assert tricky.replace("\\", "").split()[0] in " ".join(text.split())
    assert "*bold* $x$ <label> @ref [link]" in " ".join(text.split())


def test_file_name(west_yorkshire: briefing.Briefing) -> None:
    assert briefing.file_name(west_yorkshire) == "briefing-west-yorkshire-2018-09-14.pdf"
    assert isinstance(west_yorkshire.flags, pd.DataFrame)


# --- one page, and the appendix when asked for --------------------------------------------------------

SAMPLE_AREAS = [("west-yorkshire", SEPTEMBER_2018), ("norfolk", date(2017, 10, 1)), ("derbyshire", date(2025, 11, 1))]
LIVE = "http://localhost:8501/briefing?area=west-yorkshire&as_at=2018-09-14"


def flat_text(pdf: bytes) -> tuple[int, str]:
    reader, text = pdf_text(pdf)
    return len(reader.pages), " ".join(text.replace("-\n", "-").split())  # "re-" at a line's end: "re-procurement"


@pytest.mark.parametrize(("area", "as_at"), SAMPLE_AREAS, ids=[a for a, _ in SAMPLE_AREAS])
def test_the_default_pack_is_one_a4_page(session: Session, area: str, as_at: date) -> None:
    pack = summary(session, area, as_at)
    pdf = briefing.briefing_pdf(pack, charts=[], charts_note="No charts.", live_link=LIVE)
    reader, _text = pdf_text(pdf)
    pages, flat = flat_text(pdf)
    assert pages == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4, in millimetres
    assert_accessible(reader, pack.title)
    assert "…" not in flat and "..." not in flat  # nothing cut short
    assert f"Live view: {LIVE}" in flat and f"Figures as at {briefing.format_date(as_at)}" in flat and "Sources" in flat
    for k in pack.key_figures:  # every key figure whole, with its label and its "illustrative" mark
        assert k.label in flat and k.value in flat, k
    for sentence in pack.narrative:  # what ends soon, what is off target and the red flags: each sentence whole
        assert " ".join(sentence.split()) in flat, sentence
    for source in pack.sources:
        assert " ".join(source.split()) in flat, source
    assert "Every red flag, with the question to ask" not in flat  # the appendix only when asked for


def test_west_yorkshire_page_one_has_the_real_figures_whole(west_yorkshire: briefing.Briefing) -> None:
    pages, flat = flat_text(briefing.briefing_pdf(west_yorkshire, charts=[], charts_note="No charts."))
    assert pages == 1
    for text in (
        "Spend recorded, 2018/19 (illustrative) £1,860,000",
        "In 2018/19, £1,860,000 (illustrative) is recorded as spent and no budget is published.",
        "The largest share of that spend, £1,710,000 (92%), serves the priority",
        "Independent Sexual Advisor Contract (ISVA) on 31 March 2019 (a re-procurement step is recorded on 7 September 2018)",
        "93% against a target of 100% (as published) in Q1 2018/19 (illustrative)",
        "10 red flags are raised (5 medium and 5 low)",
        "Annual value of live agreements not published",
        "Live view: the dashboard's Briefing pack page, area West Yorkshire, as at 14 September 2018.",
    ):
        assert text in flat, text
    # Five red flags with their questions on the page, and the other five counted, with where to find them.
    assert "5 more red flags, each with its question: see the live view and the appendix" in flat
    assert flat.count("Question to ask:") == 5


def test_the_appendix_has_every_agreement_and_table(west_yorkshire: briefing.Briefing) -> None:
    one_page = flat_text(briefing.briefing_pdf(west_yorkshire, charts=[], charts_note="No charts."))[1]
    pages, flat = flat_text(briefing.briefing_pdf(west_yorkshire, charts=[], charts_note="No charts.", appendix=True))
    assert pages > 1
    assert one_page.split("Questions to put")[0] in flat  # page one comes first, as in the default pack
    for name in west_yorkshire.renewals["title"]:
        assert " ".join(name.split()) in flat, name
    for heading in ("Every agreement", "Every red flag, with the question to ask", "Latest performance figures", "Appendix: charts"):
        assert heading in flat, heading
    assert "£1,710,000" in flat and "996" in flat and "224" in flat


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> briefing.Briefing:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('heavy') / 'store.sqlite3'}", load_sample_data=True)
    try:
        heavy_area.add_heavy_area(engine)
        with Session(engine) as session:
            return briefing.briefing_summary(session=session, area=heavy_area.AREA, as_at=heavy_area.AS_AT, audience=Audience.PANEL)
    finally:
        engine.dispose()


def test_a_heavy_area_is_summarised_on_one_page(heavy: briefing.Briefing) -> None:
    assert len(heavy.renewals) == heavy_area.AGREEMENTS and len(heavy.ending) == heavy_area.ENDING
    pages, flat = flat_text(briefing.briefing_pdf(heavy, charts=[], charts_note="No charts."))
    assert pages == 1
    assert "…" not in flat and "..." not in flat
    assert "150 live agreements" in flat and "Ending within 12 months 40" in flat
    # Five named, the rest counted; three measures below target named, the rest counted; the red flags counted.
    assert "40 agreements end within 12 months" in flat and "and 35 more ending within 12 months." in flat
    assert "12 measures were below target in the latest period" in flat and "and 9 more below target." in flat
    assert heavy_area.title(0) in flat and heavy_area.title(39) not in flat
    assert f"{len(heavy.flags)} red flags are raised" in flat
    assert "each with its question: see the live view and the appendix" in flat
    assert "Live view:" in flat and "Heavyshire contracts register 2025, Heavyshire OPCC, 1 June 2025" in flat


def test_a_heavy_area_appendix_lists_every_agreement(heavy: briefing.Briefing) -> None:
    pages, flat = flat_text(briefing.briefing_pdf(heavy, charts=[], charts_note="No charts.", appendix=True))
    assert pages > 1
    for n in range(heavy_area.AGREEMENTS):
        assert heavy_area.title(n) in flat, n
    for statement in heavy.flags["statement"]:
        assert " ".join(statement.split()) in flat, statement


def test_a_long_list_of_sources_is_counted_on_page_one_and_listed_in_the_appendix(heavy: briefing.Briefing) -> None:
    # The heavy area's one source, as if its register had been published in 40 parts: page one names the first few,
    # counts the rest and says where they are; the appendix lists every one.
    parts = [f"{heavy.sources[0]}, part {n} of 40 (contracts {n * 4:03d} to {n * 4 + 3:03d})" for n in range(1, 41)]
    heavy = dataclasses.replace(heavy, sources=parts)  # a copy: the fixture is shared by the module's tests
    pages, flat = flat_text(briefing.briefing_pdf(heavy, charts=[], charts_note="No charts."))
    assert pages == 1
    assert re.search(r"And (\d+) more sources: see the live view and the appendix", flat)
    assert heavy.sources[0] in flat and heavy.sources[-1] not in flat
    assert flat.count("Question to ask:") >= 3  # the sources are shortened before the questions are
    pages, flat = flat_text(briefing.briefing_pdf(heavy, charts=[], charts_note="No charts.", appendix=True))
    assert pages > 1 and all(source in flat for source in heavy.sources)
