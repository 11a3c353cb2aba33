"""Who reaches what: every page for every audience, and a canary that proves records marked panel or
restricted never reach the public.

The canary records carry a unique marker string. Each test renders pages through the real entry point
and searches everything the page sent to the browser (every element's message, including table data
and chart specifications) for the marker.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.db import open_store
from data_access.models import Agreement, Amendment, Audience, Observation, Provider, Source, Spend, Visibility
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S
from ui import navigation

MARKER = "CANARY-5e1f0c"
AREAS = ["derbyshire", "norfolk", "west-yorkshire"]


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This module's own store: the sample data plus canary records that only panel or staff may see."""
    url = f"sqlite:///{tmp_path_factory.mktemp('canary_store') / 'commissioning.sqlite3'}"
    engine = open_store(url, load_sample_data=True)
    with Session(engine) as session:
        # The restricted records cite a document of their own, later than the report, with an as-at note, and name a
        # provider no other record uses: its title, note and name must never reach the public or the panel.
        restricted = f"{MARKER}-restricted"
        session.add(
            Source(id="canary-doc", title=f"{restricted} document", publisher=f"{restricted} publisher", published=date(2018, 12, 31),
                   figures_as_at=date(2018, 12, 31), as_at_note=f"{restricted} note", kind="internal")
        )  # fmt: skip
        session.flush()
        session.add(Provider(id="canary-provider", name=f"{restricted} provider", source_id="canary-doc", source_section="1",
                             basis="reported"))  # fmt: skip
        session.flush()
        for visibility in (Visibility.PANEL, Visibility.RESTRICTED):
            tag = f"{MARKER}-{visibility.value}"
            source = "canary-doc" if visibility == Visibility.RESTRICTED else "wy-2018"
            cited = {"source_id": source, "source_section": f"{tag} section", "basis": "illustrative", "basis_note": tag}
            session.add(
                Agreement(
                    id=tag,
                    area_id="west-yorkshire",
                    title=f"{tag} agreement",
                    kind="contract",
                    provider_id="canary-provider" if visibility == Visibility.RESTRICTED else "victim-support",
                    funding_stream_id="wy-moj",
                    start_date=date(2018, 4, 1),
                    original_end_date=date(2019, 1, 31),
                    current_end_date=date(2019, 1, 31),
                    annual_value_pence=1_234_567_00,
                    status="active",
                    visibility=visibility,
                    **cited,
                )
            )
            session.flush()
            session.add(
                Amendment(
                    id=f"{tag}-amendment",
                    agreement_id="wy-isva",
                    kind="variation",
                    previous_end_date=date(2019, 3, 31),
                    new_end_date=date(2019, 6, 30),
                    rationale=f"{tag} rationale",
                    visibility=visibility,
                    **cited,
                )
            )
            session.add(
                Spend(
                    id=f"{tag}-spend",
                    area_id="west-yorkshire",
                    financial_year=2018,
                    agreement_id="wy-isva",
                    amount_pence=7_654_321,
                    description=f"{tag} spend",
                    visibility=visibility,
                    **cited,
                )
            )
            session.add(
                Observation(
                    id=f"{tag}-observation",
                    measure_id="isva-referrals",
                    area_id="west-yorkshire",
                    agreement_id="wy-isva",
                    period_start=date(2018, 7, 1),
                    period_end=date(2018, 9, 30),
                    financial_year=2018,
                    quarter=2,
                    value=7,
                    dimension="referral source",
                    dimension_value=f"{tag} source",
                    visibility=visibility,
                    **cited,
                )
            )
        session.commit()
    engine.dispose()
    return url


def everything_sent(at: AppTest) -> str:
    """The text of every element message the page produced, table data and chart specifications included."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    sent = "\n".join(parts)
    # Store text reaches Markdown escaped (data_access.text.safe_text: "CANARY\\-…" in the message): read it as shown too.
    return sent + "\n" + re.sub(r"\\\\([!-/:-@\[-`{-~])", r"\1", sent)


def open_as(audience: Audience, spec: navigation.PageSpec, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = audience.value
    at.query_params.update(params)
    at.run()  # registers this audience's pages, so switch_page finds one whose link differs from its file name
    return at.switch_page(spec.path).run() if spec.url_path else at


PUBLIC_PAGES = navigation.pages_for(Audience.PUBLIC)


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("spec", PUBLIC_PAGES, ids=[p.file for p in PUBLIC_PAGES])
def test_no_canary_reaches_a_public_page(spec: navigation.PageSpec, area: str, monkeypatch: pytest.MonkeyPatch) -> None:
    params = {"area": area} if spec.with_area else {}
    if spec.with_as_at and area == "west-yorkshire":
        params["as_at"] = "2018-09-14"  # the canary agreements are live then
    at = open_as(Audience.PUBLIC, spec, monkeypatch, **params)
    assert not at.exception
    assert MARKER not in everything_sent(at)


PANEL_PAGES = navigation.pages_for(Audience.PANEL)


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("spec", PANEL_PAGES, ids=[p.file for p in PANEL_PAGES])
def test_no_restricted_canary_reaches_a_panel_page(spec: navigation.PageSpec, area: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Restricted records, their document's title and as-at note, and a provider only they name, never reach a panel member."""
    params = {"area": area} if spec.with_area else {}
    at = open_as(Audience.PANEL, spec, monkeypatch, **params)
    assert not at.exception
    assert f"{MARKER}-restricted" not in everything_sent(at)


def test_the_restricted_canary_is_seen_by_staff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The positive control for the two tests above: staff see the restricted document's title, note and provider."""
    sent = everything_sent(open_as(Audience.STAFF, navigation.by_file("renewals.py"), monkeypatch, area="west-yorkshire"))
    for text in ("document", "note", "provider"):
        assert f"{MARKER}-restricted {text}" in sent, text


@pytest.mark.parametrize(("audience", "visible"), [(Audience.PANEL, ["panel"]), (Audience.STAFF, ["panel", "restricted"])])
def test_the_canary_is_seen_by_those_allowed(audience: Audience, visible: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The positive control: without it, a search that never matches would pass every test above."""
    renewals = navigation.by_file("renewals.py")
    sent = everything_sent(open_as(audience, renewals, monkeypatch, area="west-yorkshire", as_at="2018-09-14"))
    for visibility in ("panel", "restricted"):
        assert (f"{MARKER}-{visibility} agreement" in sent) is (visibility in visible)


def grid() -> list[tuple[Audience, navigation.PageSpec]]:
    return [(audience, spec) for spec in navigation.PAGES for audience in Audience]


@pytest.mark.parametrize(("audience", "spec"), grid(), ids=[f"{a.value}-{s.file}" for a, s in grid()])
def test_page_by_audience_grid(audience: Audience, spec: navigation.PageSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each audience reaches exactly its pages; a page outside its set is refused by the page itself, with a clear message."""
    assert (spec in navigation.pages_for(audience)) is (audience in spec.audiences)
    if audience in spec.audiences:
        at = open_as(audience, spec, monkeypatch, **({"area": "west-yorkshire"} if spec.with_area else {}))
        assert not at.exception
        assert at.title, f"{spec.file} shows no title to {audience.value}"
        reached_overview = at.title[0].value.startswith("Commissioning overview")
        assert reached_overview is (spec.file == "overview.py"), f"{audience.value} asked for {spec.file} but got {at.title[0].value}"
    else:
        # A hand-typed link that bypasses the menu runs the page file itself: it must refuse on its own.
        monkeypatch.setenv("LOCAL_DEMO", "yes")
        at = AppTest.from_file(ENTRYPOINT.parent / spec.path, default_timeout=RUN_TIMEOUT_S)
        at.session_state["local_demo_audience"] = audience.value
        at.run()
        assert not at.exception
        assert any("This page is for" in e.value for e in at.error), f"{spec.file} did not refuse {audience.value}"
        assert MARKER not in everything_sent(at)


def test_demo_switch_is_absent_where_sign_in_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOCAL_DEMO cannot widen the audience once an identity provider is configured."""
    import ui.audience

    monkeypatch.setenv("LOCAL_DEMO", "yes")
    monkeypatch.setattr(ui.audience, "sign_in_configured", lambda: True)
    assert ui.audience.local_demo_enabled() is False
