"""The data-quality checks made fast for large stores (issue 12) find exactly what the plain definitions find.

`data_access.overlaps` pairs spend records with two indexed queries (same agreement; or no agreement and the same
area, funding stream and priority) instead of one join on an OR, and `findings.similar_name_pairs` lets RapidFuzz pick
the candidate provider names that difflib then decides. Both are checked here against brute force over every pair,
on a store of a few thousand spend lines generated in the test, built so that every kind of near miss occurs: the
same agreement in another year, a quarter inside a year, two quarters, the same description written differently,
another priority or none, parts ("of which"), and records some audiences may not see.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlmodel import Session, col

from data_access.findings import NAME_SIMILARITY, _pairs_around, normalised_name, similar_name_pairs
from data_access.models import VISIBLE_TO, Agreement, Audience, FundingStream, Priority, Source, Spend
from data_access.overlaps import overlapping_periods
from tests.conftest import BACKENDS
from tests.test_importing import new_store, postgres_template, sqlite_template  # noqa: F401

AREAS = ("west-yorkshire", "norfolk")
SPEND: Any = Spend.__table__  # type: ignore[attr-defined]  # SQLModel declares the table at run time
LINES = 3_000
DESCRIPTIONS = ("Quarterly payment", " quarterly PAYMENT ", "Contingency", "Grant instalment", "")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from new_store(request.param, request, tmp_path)


def _generate_spend(engine: Engine, lines: int, seed: int = 12) -> None:
    """`lines` spend records in the sample's areas, drawn so that many share a line and a year."""
    rng = random.Random(seed)
    with Session(engine) as session:
        pick: dict[str, dict[str, list[Any]]] = {}
        for area in AREAS:
            pick[area] = {
                "agreements": list(
                    session.execute(select(col(Agreement.id)).where(col(Agreement.area_id) == area).order_by(Agreement.id)).scalars()
                ),
                "streams": list(
                    session.execute(
                        select(col(FundingStream.id)).where(col(FundingStream.area_id) == area).order_by(FundingStream.id)
                    ).scalars()
                ),
                "sources": list(session.execute(select(col(Source.id)).order_by(Source.id)).scalars()),
            }
        priorities = list(session.execute(select(col(Priority.id)).order_by(Priority.id)).scalars())
    rows: list[dict[str, Any]] = []
    for n in range(lines):
        area = rng.choice(AREAS)
        own = pick[area]
        with_agreement = rng.random() < 0.4
        part_of = rng.choice(rows)["id"] if rows and rng.random() < 0.03 else None
        if part_of is not None:
            whole = next(r for r in rows if r["id"] == part_of)
            area = whole["area_id"]
            own = pick[area]
        rows.append(
            {
                "id": f"scale-{n:05d}",
                "area_id": area,
                "financial_year": rng.choice((2018, 2019, 2020)),
                "quarter": rng.choice((None, None, 1, 2, 3, 4)),
                "funding_stream_id": rng.choice([None, *own["streams"][:3]]),
                "agreement_id": rng.choice(own["agreements"][:6]) if with_agreement and own["agreements"] else None,
                # Priorities of any area: the overlap rule compares ids, never where they belong.
                "priority_id": rng.choice([None, None, *priorities[:3]]),
                "amount_pence": rng.randrange(1, 10_000) * 100,
                "is_credit": False,
                "description": rng.choice(DESCRIPTIONS),
                "visibility": rng.choice(("public", "public", "panel", "restricted")),
                "source_id": own["sources"][0],
                "source_section": f"s{n % 7}",
                "basis": "illustrative",
                "basis_note": "generated for the test",
                "part_of_id": part_of,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(SPEND), rows)


def _brute_force(engine: Engine, audience: Audience) -> set[tuple[str, frozenset[str]]]:
    """Every pair of spend records, compared in Python by the rule's definition (see `data_access.overlaps`)."""
    allowed = {v.value for v in VISIBLE_TO[audience]}
    with Session(engine) as session:
        agreements = {a.id: a.visibility for a in session.execute(select(col(Agreement.id), col(Agreement.visibility))).all()}
        spend = session.execute(select(SPEND)).mappings().all()
    seen = [
        s
        for s in spend
        if s["visibility"] in allowed
        and s["part_of_id"] is None
        and (s["agreement_id"] is None or agreements.get(s["agreement_id"]) in allowed)
    ]
    found = set()
    for a, b in combinations(seen, 2):
        if a["agreement_id"] is not None:
            same_line = a["agreement_id"] == b["agreement_id"]
        else:
            same_line = (
                b["agreement_id"] is None
                and a["funding_stream_id"] is not None
                and (a["area_id"], a["funding_stream_id"], a["priority_id"] or "")
                == (b["area_id"], b["funding_stream_id"], b["priority_id"] or "")
            )
        if not same_line or a["financial_year"] != b["financial_year"]:
            continue
        quarters = a["quarter"], b["quarter"]
        if None not in quarters and quarters[0] != quarters[1]:
            continue
        one_inside_other = (quarters[0] is None) != (quarters[1] is None)
        same_description = a["description"].strip(" ").lower() == b["description"].strip(" ").lower()
        if one_inside_other or same_description:
            first = min((a, b), key=lambda s: s["id"])  # the pair's area is its first record's (both share it here)
            found.add((first["area_id"], frozenset((a["id"], b["id"]))))
    return found


def test_overlaps_are_exactly_the_brute_force_pairs(store: Engine) -> None:
    _generate_spend(store, LINES)
    with Session(store) as session:
        for audience in Audience:
            found = [o for o in overlapping_periods(session=session, audience=audience) if o.table == "spend"]
            expected = _brute_force(store, audience)
            assert len(expected) > 200, "the generated store should hold many overlaps of every kind"
            assert {(o.area_id, frozenset(o.record_ids)) for o in found} == expected
            assert len(found) == len(expected)  # each pair once
            # One area asked for on its own gives that area's pairs.
            wy = overlapping_periods(session=session, audience=audience, area="west-yorkshire")
            assert {(o.area_id, frozenset(o.record_ids)) for o in wy if o.table == "spend"} == {
                e for e in expected if e[0] == "west-yorkshire"
            }


def test_overlaps_of_each_kind_are_found(store: Engine) -> None:
    """The brute force above is only a check if both kinds of line give pairs: by agreement, and by stream."""
    _generate_spend(store, LINES)
    with Session(store) as session:
        found = [o for o in overlapping_periods(session=session, audience=Audience.STAFF) if o.table == "spend"]
    by_stream = [o for o in found if o.label.startswith("funding stream ")]
    assert len(by_stream) > 50
    assert len(found) - len(by_stream) > 50


def _names(count: int, seed: int = 3) -> list[str]:
    """Provider names with near twins: a letter dropped or doubled, 'The' and 'Ltd' added, numbers changed."""
    rng = random.Random(seed)
    words = ["Helping", "Hand", "Victim", "Support", "Trust", "Women's", "Aid", "Safe", "Lives", "Project", "Centre", "North", "Leeds"]
    names: list[str] = []
    while len(names) < count:
        if names and rng.random() < 0.4:
            base = rng.choice(names)
            cut = rng.randrange(len(base))
            twin = rng.choice((base[:cut] + base[cut + 1 :], base[:cut] + base[cut] + base[cut:], f"The {base} Ltd", base + " 2"))
            names.append(twin)
        else:
            names.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + rng.choice(("", "", " 1", " 12", " (VS)")))
    return [normalised_name(n) for n in names] + ["", ""]  # blank names are never alike


def test_similar_names_are_exactly_the_pairs_difflib_finds() -> None:
    names = _names(600)
    expected = [
        (i, j)
        for i, j in combinations(range(len(names)), 2)
        if names[i] and names[j] and SequenceMatcher(None, names[i], names[j]).ratio() >= NAME_SIMILARITY
    ]
    assert len(expected) > 100, "the generated names should hold many near twins"
    assert similar_name_pairs(names) == expected


def test_the_pairs_around_some_providers_are_every_pair_of_their_groups_and_no_other() -> None:
    """One area's report finds its providers' groups by comparing only the names those groups reach
    (`findings._pairs_around`): the pairs must be exactly the full search's pairs within those groups."""
    rng = random.Random(12)
    names = _names(600)
    numbered = {tuple(sorted(rng.sample(range(len(names)), 2))) for _ in range(40)}  # the same charity or company number
    every = set(similar_name_pairs(names)) | numbered
    group = {i: {i} for i in range(len(names))}
    for i, j in sorted(every):
        merged = group[i] | group[j]
        for member in merged:
            group[member] = merged
    for seeds in ({0}, set(rng.sample(range(len(names)), 30)), {len(names) - 1}, set(range(len(names)))):
        wanted = set().union(*(group[s] for s in seeds))
        expected = {(i, j) for i, j in every if i in wanted}
        assert _pairs_around(names, numbered, seeds) == expected, sorted(seeds)[:5]
    assert any(len(g) > 2 for g in group.values()), "the names should chain into groups larger than a pair"
