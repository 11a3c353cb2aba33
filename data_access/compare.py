"""How does an area compare with its peers? One indicator, every area in the store, each at its latest figure.

Each indicator is a ratio of two sums (spend / residents, linked spend / spend, spend / referrals, flagged agreements /
agreements, measures on target / measures with a target), so every average is weighted: the sum of the members'
numerators over the sum of their denominators, never a mean of their ratios. An area without the figure is a row
saying why (*population not published*), never 0 and never dropped.

The definitions are the rest of the app's, not copies: spend and budget as the spend page counts them
(`queries.spend_by_area_and_year`, kept summed at the store's version by `summaries`; `queries.budget_by_area_and_year`),
cost per unit as the performance page works it out (`queries.cost_per_unit`; `public.published_cost_per_unit` for the
public, whose counts pass disclosure control), and renewals and targets as the findings engine judges them
(`findings.ending`, `findings.extensions`, `findings.below_target`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from data_access import findings, public, queries, summaries
from data_access.basis import ILLUSTRATIVE, NOT_PUBLISHED, PARTLY_ILLUSTRATIVE, basis_word
from data_access.models import SERVICE_TYPE_NAMES, Audience, ServiceType
from data_access.money import format_money
from data_access.periods import financial_year_of, format_date, fy_label

# A count measure is a number of referrals, or of people supported, by its name: the store has no vocabulary for
# what a measure counts, and these are the two the panels ask about ("cost per ISVA referral").
REFERRALS = re.compile(r"\breferrals?\b", re.IGNORECASE)
PEOPLE_SUPPORTED = re.compile(r"\b(people|persons|victims|clients|individuals|service users) supported\b", re.IGNORECASE)

COLUMNS = ["area_id", "area", "financial_year", "as_at", "numerator", "denominator", "value", "status", "basis", "citations"]


@dataclass(frozen=True)
class Indicator:
    """What is compared: a ratio, how it is written, what it means and where its figures come from."""

    id: str
    name: str
    unit: str  # "money" (pence: per head, per unit) or "percent"
    definition: str
    numerator: str  # what the numerator counts, for the table's heading
    denominator: str
    by_date: bool = False  # judged at an as-at date (renewals, targets) rather than for a financial year
    counts_people: bool = False  # the denominator is a count of people: disclosure control for the public
    service_type: str = ""
    measure: str = ""  # "referrals" or "people supported"


def _money_indicators() -> list[Indicator]:
    return [
        Indicator(
            "spend-per-head",
            "Commissioning spend per head of population",
            "money",
            "Spend recorded in the area's latest financial year with both spend and a population, as the spend page "
            "totals it (parts of other lines left out), divided by the area's residents that year.",
            "Spend",
            "Population",
        ),
        Indicator(
            "budget-per-head",
            "Commissioning budget per head of population",
            "money",
            "Budget for the area's latest financial year with both a budget and a population, as the spend page "
            "totals it (a budget over several years counts only where it is split by year), divided by its residents.",
            "Budget",
            "Population",
        ),
        Indicator(
            "linked-share",
            "Share of spend linked to a Plan priority",
            "percent",
            "Of the spend recorded in the area's latest financial year with spend, the share that reaches a Police and "
            "Crime Plan priority through its agreement's shares or its own priority, as on the spend page.",
            "Spend linked to a priority",
            "Spend",
        ),
    ]


def _service_indicators() -> list[Indicator]:
    made = []
    for service in ServiceType:
        name = SERVICE_TYPE_NAMES[service]
        short = name.split(" (")[0]
        for measure, pattern in (("referrals", "referral"), ("people supported", "person supported")):
            made.append(
                Indicator(
                    f"cost-per-{'referral' if measure == 'referrals' else 'person'}-{service.value.replace(' ', '-')}",
                    f"Cost per {pattern}: {short}",
                    "money",
                    f"Spend on the area's agreements for {short} services in its latest financial year with both spend "
                    f"and a full year's count of {measure} (a stated annual figure, else four quarters), divided by that "
                    "count, as the performance page works out cost per unit. Agreements whose service type is not "
                    "stated are not counted.",
                    "Spend",
                    measure.capitalize(),
                    counts_people=True,
                    service_type=service.value,
                    measure=measure,
                )
            )
    return made


def _renewal_indicators() -> list[Indicator]:
    return [
        Indicator(
            "ending-no-reprocurement",
            "Agreements ending within 12 months with no re-procurement step",
            "percent",
            "Of the agreements running at the as-at date, the share ending within 12 months with no re-procurement step "
            "recorded (the findings rule 'Ending with no re-procurement recorded').",
            "Ending, no step recorded",
            "Running agreements",
            by_date=True,
        ),
        Indicator(
            "extended-beyond-options",
            "Agreements extended beyond their term or options",
            "percent",
            "Of the agreements let by the as-at date, the share the findings rule 'Extended beyond its term or options' "
            "flags: extended past the latest end set when let, using more options than it had, extended repeatedly, or "
            "extended with no option recorded.",
            "Flagged",
            "Agreements let",
            by_date=True,
        ),
        Indicator(
            "measures-on-target",
            "Measures on target",
            "percent",
            "Of the measures with a target and a stated direction, the share whose latest figure by the as-at date meets "
            "its target (the findings rule 'Below target' judges the rest).",
            "On target",
            "Measures with a target",
            by_date=True,
        ),
    ]


INDICATORS: dict[str, Indicator] = {i.id: i for i in (*_money_indicators(), *_renewal_indicators(), *_service_indicators())}
DEFAULT_INDICATOR = "linked-share"  # every sample area has the figure, for every audience


def value_text(indicator: Indicator, value: float | None) -> str:
    """An indicator's value as the page writes it: £311, £12.34 per head, 45%; not published where there is none."""
    if value is None or pd.isna(value):
        return NOT_PUBLISHED
    if indicator.unit == "percent":
        return f"{value:.0f}%"
    pence = round(value)
    return format_money(pence) if pence >= 10_000 else f"£{pence / 100:,.2f}"


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def _row(area_id: str, area: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update({"area_id": area_id, "area": area, "status": "", "basis": "", "citations": "", **values})
    return row


def _ratio(numerator: float, denominator: float, unit: str) -> float:
    return (100 if unit == "percent" else 1) * numerator / denominator


def _by_area(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each area's rows, split once: a mask over every area's rows for each of 43 areas took 2-3 ms an area."""
    return {str(a): part for a, part in frame.groupby("area_id", sort=False)}


def _per_head(indicator: Indicator, money: pd.DataFrame, people: pd.DataFrame, amount: str, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    money_of, people_of = _by_area(money[money[amount].notna()]), _by_area(people)
    for area_id, area in names.items():
        own = money_of.get(area_id, money.iloc[0:0])
        residents = people_of.get(area_id, people.iloc[0:0]).set_index("financial_year")
        what = indicator.numerator.lower()
        if own.empty:
            rows.append(_row(area_id, area, status=f"{what} not published"))
            continue
        both = own[own["financial_year"].isin(residents.index)]
        if both.empty:
            latest = own.sort_values("financial_year").iloc[-1]
            rows.append(_row(area_id, area, financial_year=int(latest["financial_year"]), status="population not published"))
            continue
        latest = both.sort_values("financial_year").iloc[-1]
        year = int(latest["financial_year"])
        population = int(residents.loc[year, "population"])
        pence = int(latest[amount])
        word = basis_word(pence, int(latest["illustrative_pence"] or 0))
        if word == "" and residents.loc[year, "basis"] == "illustrative":
            word = "illustrative"
        rows.append(
            _row(
                area_id,
                area,
                financial_year=year,
                numerator=pence,
                denominator=population,
                value=_ratio(pence, population, indicator.unit),
                basis=word,
                citations=f"{latest['citations']}{queries.CITATION_SEP}{residents.loc[year, 'citations']}",
            )
        )
    return rows


def _linked_share(indicator: Indicator, spend: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    spend_of = _by_area(spend[spend["spend_pence"] > 0])
    for area_id, area in names.items():
        own = spend_of.get(area_id, spend.iloc[0:0])
        if own.empty:
            rows.append(_row(area_id, area, status="spend not published"))
            continue
        latest = own.sort_values("financial_year").iloc[-1]
        total, linked = int(latest["spend_pence"]), int(latest["linked_pence"])
        rows.append(
            _row(
                area_id,
                area,
                financial_year=int(latest["financial_year"]),
                numerator=linked,
                denominator=total,
                value=_ratio(linked, total, indicator.unit),
                basis=basis_word(total, int(latest["illustrative_pence"] or 0)),
                citations=str(latest["citations"]),
            )
        )
    return rows


@dataclass(frozen=True)
class UnitCosts:
    """An area's costs per unit (as the performance page works them out, disclosure-controlled for the public), each row
    by the kind of service its agreement buys and what its measure counts ("referrals", "people supported"): read and
    sorted once for every cost-per-unit indicator. Rows as dicts: a group's few rows are summed in Python, where pandas
    took 2 ms a time over the 86 sums of one area's standing against a group of five."""

    by_kind: dict[tuple[str, str], list[dict[str, Any]]]


def _counts(measure: str) -> str:
    return "referrals" if REFERRALS.search(measure) else "people supported" if PEOPLE_SUPPORTED.search(measure) else ""


def unit_costs(session: Session, audience: Audience, area_id: str) -> UnitCosts:
    if audience == Audience.PUBLIC:
        costs = public.published_cost_per_unit(session=session, area=area_id, audience=audience)
    else:
        costs = queries.cost_per_unit(session=session, area=area_id, audience=audience)
    agreements = queries.agreement_service_types(session=session, area=area_id, audience=audience)
    # cost_per_unit names agreements by title: a title two agreements share cannot say which service it is.
    unique = agreements.drop_duplicates("title", keep=False)
    kind_of = dict(zip(unique["title"], unique["service_type"], strict=True))
    by_kind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in costs.to_dict("records"):
        kind = (kind_of.get(row["agreement"]) or "", _counts(row["measure"]))
        if all(kind):
            by_kind.setdefault(kind, []).append(row)
    return UnitCosts(by_kind)


def _cost_per_unit(indicator: Indicator, found: UnitCosts, area_id: str, area: str) -> dict[str, Any]:
    own = found.by_kind.get((indicator.service_type, indicator.measure))
    if not own:
        return _row(area_id, area, status=f"cost per unit not published (spend and a full year's {indicator.measure} are needed)")
    year = int(max(r["financial_year"] for r in own))
    shown = [r for r in own if r["financial_year"] == year and pd.notna(r["units"]) and r["units"] != 0]
    if not shown:
        return _row(area_id, area, financial_year=year, status=f"number of {indicator.measure} withheld (disclosure control)")
    spend, units = int(sum(r["spend_pence"] for r in shown)), float(sum(r["units"] for r in shown))
    illustrative = int(sum(r["spend_pence"] for r in shown if r["illustrative"]))
    return _row(
        area_id,
        area,
        financial_year=year,
        numerator=spend,
        denominator=units,
        value=_ratio(spend, units, indicator.unit),
        basis=basis_word(spend, illustrative) if illustrative or not any(r["illustrative"] for r in shown) else "illustrative",
        citations=queries.CITATION_SEP.join(r["citations"] for r in shown),
    )


def _judged(indicator: Indicator, session: Session, audience: Audience, area_id: str, area: str, as_at: date) -> dict[str, Any]:
    ctx = findings.Context(session, area_id, as_at, Audience(audience), ())
    when = {"as_at": as_at, "financial_year": financial_year_of(as_at)}
    if indicator.id == "measures-on-target":
        obs = ctx.observations
        plain = obs[(obs["dimension"] == "") & obs["target"].notna() & obs["higher_is_better"].notna()]
        judged = plain.groupby(["measure", "agreement"]).ngroups if len(plain) else 0
        if not judged:
            return _row(area_id, area, status="no measure with a target and a stated direction", **when)
        below = sum(f.outcome == findings.Outcome.BREACH for f in findings.below_target(ctx))
        return _row(
            area_id,
            area,
            numerator=judged - below,
            denominator=judged,
            value=_ratio(judged - below, judged, indicator.unit),
            citations=queries.CITATION_SEP.join(plain["citations"]),
            **when,
        )
    renewals = ctx.renewals
    if indicator.id == "ending-no-reprocurement":
        pool = renewals[renewals["warning"].isin(findings.LIVE_WARNINGS)]
        flagged = findings.ending(ctx)
        none_text = f"no agreement running on {format_date(as_at)}"
    else:
        pool = renewals[renewals["warning"] != "planned"]
        flagged = findings.extensions(ctx)
        none_text = f"no agreement let by {format_date(as_at)}"
    if pool.empty:
        return _row(area_id, area, status=none_text, **when)
    count = len({f.records[0].id for f in flagged})
    return _row(
        area_id,
        area,
        numerator=count,
        denominator=len(pool),
        value=_ratio(count, len(pool), indicator.unit),
        citations=queries.CITATION_SEP.join(pool["citations"]),
        **when,
    )


def compare_areas(
    *, session: Session, indicator: str, audience: Audience, today: date, as_at: date | None = None, areas: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every area's (or the named `areas'`) figure for `indicator`, highest first, then the areas without it (with
    `status` saying why).

    Money and cost indicators use each area's latest financial year with the figure (`financial_year`); renewal and
    target indicators are judged at `as_at`, or where none is given at each area's own default as-at date (the date
    of its latest figures, as every page chooses it), shown in `as_at`.
    """
    chosen = INDICATORS[indicator]
    names = _names(session, areas)
    if not chosen.by_date:
        return _figures(session, audience, names, (chosen,), areas)[chosen.id]
    default = {} if as_at else {a: queries.default_as_at(session=session, area=a, today=today, audience=audience)[0] for a in names}
    return _ranked([_judged(chosen, session, audience, area_id, area, as_at or default[area_id]) for area_id, area in names.items()])


def _figures(
    session: Session,
    audience: Audience,
    names: dict[str, str],
    wanted: Sequence[Indicator],
    areas: Sequence[str] | None,
    costs_read: dict[str, UnitCosts] | None = None,
) -> dict[str, pd.DataFrame]:
    """The ranked rows of each money and cost indicator `wanted`, for the areas `names` (every area where `areas` is
    None), each store read once however many indicators use it (`costs_read`: areas' unit costs read already)."""
    ids = {i.id for i in wanted}
    frames: dict[str, pd.DataFrame] = {}
    if ids & {"spend-per-head", "budget-per-head"}:
        people = queries.populations(session=session)
    if ids & {"spend-per-head", "linked-share"}:
        spend = summaries.spend_by_area_and_year(session=session, audience=audience, areas=areas)
        if "spend-per-head" in ids:
            frames["spend-per-head"] = _ranked(_per_head(INDICATORS["spend-per-head"], spend, people, "spend_pence", names))
        if "linked-share" in ids:
            frames["linked-share"] = _ranked(_linked_share(INDICATORS["linked-share"], spend, names))
    if "budget-per-head" in ids:
        budget = queries.budget_by_area_and_year(session=session, audience=audience, areas=areas)
        frames["budget-per-head"] = _ranked(_per_head(INDICATORS["budget-per-head"], budget, people, "budget_pence", names))
    services = [i for i in wanted if i.service_type]
    known = costs_read or {}
    costs = {a: known[a] if a in known else unit_costs(session, audience, a) for a in names} if services else {}
    for indicator in services:
        frames[indicator.id] = _ranked([_cost_per_unit(indicator, costs[a], a, n) for a, n in names.items()])
    return frames


def _names(session: Session, areas: Sequence[str] | None) -> dict[str, str]:
    every = queries.areas(session=session)
    return {a: n for a, n in zip(every["id"], every["name"], strict=True) if areas is None or a in areas}


def _ranked(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows highest first, then those without the figure; `rank` numbers those with it."""
    frame = pd.DataFrame(rows, columns=COLUMNS) if rows else _empty()
    frame["value"] = frame["value"].astype("float64")
    frame = frame.sort_values(["value", "area"], ascending=[False, True], na_position="last", kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", [i + 1 if pd.notna(v) else None for i, v in enumerate(frame["value"])])
    return frame


def weighted_average(frame: pd.DataFrame, indicator: Indicator) -> float | None:
    """Sum of numerators over sum of denominators of the rows with the figure; None where no row has it."""
    known = frame[frame["value"].notna()]
    denominator = float(known["denominator"].astype("float64").sum()) if len(known) else 0.0
    if not denominator:
        return None
    return _ratio(float(known["numerator"].astype("float64").sum()), denominator, indicator.unit)


def years_text(frame: pd.DataFrame) -> str:
    """The financial years the rows with the figure come from: '2018/19', or '2016/17 to 2021/22'."""
    years = sorted({int(y) for y in frame.loc[frame["value"].notna(), "financial_year"].dropna()})
    if not years:
        return ""
    return fy_label(years[0]) if len(years) == 1 else f"{fy_label(years[0])} to {fy_label(years[-1])}"


def average_basis(frame: pd.DataFrame) -> str:
    """An average's basis from its members': illustrative when every figure in it is, partly when some are."""
    bases = [str(b) for b in frame.loc[frame["value"].notna(), "basis"]]
    if not any(bases):
        return ""
    return ILLUSTRATIVE if all(b == ILLUSTRATIVE for b in bases) else PARTLY_ILLUSTRATIVE


def group_averages(frame: pd.DataFrame, groups: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Each peer group's weighted average over its members with the figure, then all areas'.

    Columns: group_id, name, kind, members, with_figure, value, basis, years, citations. The last row is 'All areas'."""
    rows = []
    for group_id, members in groups.groupby("group_id", sort=False):
        own = frame[frame["area_id"].isin(members["area_id"])]
        rows.append(
            {
                "group_id": group_id,
                "name": str(members["name"].iloc[0]),
                "kind": str(members["kind"].iloc[0]),
                "members": len(members),
                "with_figure": int(own["value"].notna().sum()),
                "value": weighted_average(own, indicator),
                "basis": average_basis(own),
                "years": years_text(own),
                "citations": queries.CITATION_SEP.join(members["citations"]),
            }
        )
    rows.append(
        {
            "group_id": "",
            "name": "All areas",
            "kind": "",
            "members": len(frame),
            "with_figure": int(frame["value"].notna().sum()),
            "value": weighted_average(frame, indicator),
            "basis": average_basis(frame),
            "years": years_text(frame),
            "citations": "",
        }
    )
    return pd.DataFrame(rows)


def groups_of(groups: pd.DataFrame, area: str) -> pd.DataFrame:
    """The peer groups `area` belongs to, with every member of each."""
    return groups[groups["group_id"].isin(groups.loc[groups["area_id"] == area, "group_id"])]


def _labelled(text: str, basis: str) -> str:
    return f"{text} ({basis})" if basis else text


def average_text(indicator: Indicator, average: Any) -> str:
    """An average (a row of `group_averages`) as written, with its basis: '£311.24 (illustrative)'."""
    return _labelled(value_text(indicator, average["value"]), str(average["basis"]))


def takeaway(frame: pd.DataFrame, averages: pd.DataFrame, indicator: Indicator, area: str) -> str:
    """One sentence from the data: where the chosen area stands, against its groups and all areas."""
    known = frame[frame["value"].notna()]
    missing = len(frame) - len(known)
    tail = f" {missing} of {len(frame)} areas: not published." if missing else ""
    mine = frame[frame["area_id"] == area]
    name = str(mine["area"].iloc[0]) if len(mine) else area
    if known.empty:
        return f"No area has the figure for {indicator.name}.{tail}"
    overall = averages.iloc[-1]
    everyone = f"the {_areas(int(overall['with_figure']))} with the figure {average_text(indicator, overall)}"
    if mine.empty or pd.isna(mine["value"].iloc[0]):
        why = str(mine["status"].iloc[0]) if len(mine) else NOT_PUBLISHED
        return f"{name}: {why}. Weighted average of {everyone} ({overall['years']}).{tail}"
    row = mine.iloc[0]
    when = f"as at {format_date(row['as_at'])}" if indicator.by_date and row["as_at"] is not None else fy_label(int(row["financial_year"]))
    rank = int(row["rank"])
    position = (
        "the only area with the figure"
        if len(known) == 1
        else f"the highest of {len(known)}"
        if rank == 1
        else f"{_ordinal(rank)} highest of {len(known)}"
    )
    peers = [
        f"{g['name']} average {average_text(indicator, g)} ({_areas(int(g['with_figure']))}, {g['years']})"
        for g in averages.iloc[:-1].to_dict("records")
        if g["value"] is not None and not pd.isna(g["value"])
    ]
    return (
        f"{name}: {_labelled(value_text(indicator, row['value']), row['basis'])} ({when}), {position}; "
        + "; ".join([*peers, f"weighted average of {everyone}"])
        + "."
        + tail
    )


# A group's average needs the area and at least two others with the figure: against one other area, "the group" is a
# pair, and the area's own figure is half its average.
MIN_WITH_FIGURE = 3
# An area at least a quarter above its group's weighted average, or a fifth below it (the same ratio, 1.25, either
# way), is far enough from it for a panel to ask why: whether the service differs, or the way it is counted.
FAR_RATIO = 1.25
STANDING_COLUMNS = [
    *("indicator", "name", "area", "group_id", "group", "value", "basis", "average", "average_basis", "area_text", "average_text"),
    *("with_figure", "years", "ratio", "far", "citations"),
]


def standing(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Where `area` stands against each of its peer groups, on every money and cost indicator it and at least two
    more of the group have, the furthest from its group first (`far`: at least FAR_RATIO either way).

    The figures and weighted averages are /compare's (each area's latest figure, the group's average including the
    area), read for the group's members only, so a national store costs one group's reads. Renewal and target
    indicators are left out: judged at the page's date, they are the area's own findings already. Columns:
    STANDING_COLUMNS; `ratio` is the area's figure over the group's average."""
    groups = groups_of(queries.area_groups(session=session), area)
    members = sorted(set(groups["area_id"]))
    if len(members) < MIN_WITH_FIGURE:
        return pd.DataFrame(columns=STANDING_COLUMNS)
    names = _names(session, members)
    # The members' costs per unit only where the area has a cost of its own to compare: reading them is most of the work.
    own_costs = unit_costs(session, audience, area)
    has_cost = [i for i in INDICATORS.values() if i.service_type and _cost_per_unit(i, own_costs, area, names[area])["value"] is not None]
    wanted = [i for i in INDICATORS.values() if not i.by_date and not i.service_type] + has_cost
    rows = []
    for indicator_id, frame in _figures(session, audience, names, wanted, members, {area: own_costs}).items():
        indicator = INDICATORS[indicator_id]
        mine = frame[(frame["area_id"] == area) & frame["value"].notna()]
        if mine.empty:
            continue
        own = mine.iloc[0].to_dict()
        shown = f"{value_text(indicator, own['value'])} ({', '.join(filter(None, [own['basis'], _when(indicator, own)]))})"
        for group in group_averages(frame, groups, indicator).iloc[:-1].to_dict("records"):
            in_group = frame["area_id"].isin(groups.loc[groups["group_id"] == group["group_id"], "area_id"])
            average = group["value"]
            if group["with_figure"] < MIN_WITH_FIGURE or average is None or not average:
                continue  # too few figures, or an average of nothing (0%) that no ratio can be taken against
            ratio = float(own["value"]) / average
            rows.append(
                {
                    "indicator": indicator.id,
                    "name": indicator.name,
                    "area": names[area],
                    "group_id": group["group_id"],
                    "group": group["name"],
                    "value": float(own["value"]),
                    "basis": str(own["basis"] or ""),
                    "average": float(average),
                    "average_basis": str(group["basis"]),
                    "area_text": shown,
                    "average_text": average_text(indicator, group),
                    "with_figure": int(group["with_figure"]),
                    "years": group["years"],
                    "ratio": ratio,
                    "far": not 1 / FAR_RATIO < ratio < FAR_RATIO,
                    "citations": queries.CITATION_SEP.join([*frame.loc[in_group, "citations"], group["citations"]]),
                }
            )
    found = pd.DataFrame(rows, columns=STANDING_COLUMNS)
    distance = [float("inf") if r == 0 else max(r, 1 / r) for r in found["ratio"]]
    found = found.assign(distance=distance).sort_values(["distance", "name"], ascending=[False, True], kind="stable")
    return found.drop(columns="distance")


def standing_text(row: Any) -> str:
    """One row of `standing` in words: 'Cost per referral: ISVA, West Yorkshire £311.24 (illustrative, 2017/18);
    Yorkshire and the Humber average £240.00 (3 areas, 2018/19)'."""
    return (
        f"{row['name']}, {row['area']} {row['area_text']}; "
        f"{row['group']} average {row['average_text']} ({_areas(int(row['with_figure']))}, {row['years']})"
    )


def _areas(count: int) -> str:
    return f"{count} area" if count == 1 else f"{count} areas"


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


# The indicators by the kind of question, for the page's choice (services listed by name).
SECTIONS: dict[str, Callable[[Indicator], bool]] = {
    "Money": lambda i: i.id in ("spend-per-head", "budget-per-head", "linked-share"),
    "Renewals and performance": lambda i: i.by_date,
    "Cost by service": lambda i: bool(i.service_type),
}


def _count_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _when(indicator: Indicator, row: dict[str, Any]) -> str:
    if indicator.by_date and row["as_at"] is not None and not pd.isna(row["as_at"]):
        return f"as at {format_date(row['as_at'])}"
    year = row["financial_year"]
    return fy_label(int(year)) if year is not None and not pd.isna(year) else ""


def display(frame: pd.DataFrame, indicator: Indicator, *, chosen: str, peers: set[str]) -> pd.DataFrame:
    """The rows as the page shows them: label (area and year), shown (the value in the chart's units: pounds or
    percent), text (the value with its basis), when, numerator and denominator as written, marked (chosen area /
    same group), and the status of an area without the figure. Illustrative money is labelled in every cell it is in."""
    money_numerator = not indicator.by_date
    money_denominator = indicator.id == "linked-share"
    records = []
    for row in frame.to_dict("records"):
        known = row["value"] is not None and not pd.isna(row["value"])
        basis = str(row["basis"] or "")
        when = _when(indicator, row)

        def written(amount: Any, money: bool, _basis: str = basis) -> str:
            if amount is None or pd.isna(amount):
                return ""
            return _labelled(format_money(int(amount)), _basis) if money else _count_text(float(amount))

        records.append(
            {
                "area_id": row["area_id"],
                "rank": "" if row["rank"] is None or pd.isna(row["rank"]) else str(int(row["rank"])),
                "area": row["area"],
                "marked": "chosen area" if row["area_id"] == chosen else "same group" if row["area_id"] in peers else "",
                "label": f"{row['area']} ({when})" if when else str(row["area"]),
                "shown": (float(row["value"]) / (100 if indicator.unit == "money" else 1)) if known else None,
                "text": _labelled(value_text(indicator, row["value"]), basis) if known else NOT_PUBLISHED,
                "when": when,
                "numerator": written(row["numerator"], money_numerator),
                "denominator": written(row["denominator"], money_denominator),
                "status": row["status"] or "",
                "illustrative": bool(basis),
                "citations": row["citations"] or "",
            }
        )
    return pd.DataFrame(records)


def axis_title(indicator: Indicator) -> str:
    """The value axis's title: pounds or percent."""
    return "Percent" if indicator.unit == "percent" else "Pounds"
