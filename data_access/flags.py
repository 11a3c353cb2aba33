"""What a panel member should look at first: findings computed from the store, each with a question to ask.

Each rule is a small function over query results. `attention_items` runs the overview's short list;
`red_flags` runs the full set of red flags (ANCHORS.md, "Red flags worth computing"), each naming the
records involved, citing its sources and paired with a plain-English question for the Commissioner.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, literal, or_, select
from sqlmodel import Session

from data_access import disclosure, queries
from data_access.models import (
    VISIBLE_TO,
    Agreement,
    AgreementPriority,
    Audience,
    FundingStream,
    Observation,
    Provider,
    Spend,
)
from data_access.money import format_money
from data_access.periods import format_date, fy_label
from data_access.queries import CITATION_SEP

COLUMNS = ["severity", "finding", "question", "citations"]
_ORDER = {"high": 0, "medium": 1, "low": 2}


def _ending_without_successor(renewals: pd.DataFrame) -> list[dict]:
    rows = renewals[renewals["warning"].isin(["red", "amber"])]
    return [
        {
            "severity": "high" if r.warning == "red" else "medium",
            "finding": f"{r.title} ends on {r.end_text}"
            + (
                f"; re-procurement step recorded {format_date(r.reprocurement_recorded_on)}"
                if pd.notna(r.reprocurement_recorded_on)
                else "; no re-procurement is recorded"
            ),
            "question": f"What will replace {r.title} after {r.end_text}, and is it on time?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _options_exhausted(renewals: pd.DataFrame) -> list[dict]:
    rows = renewals[
        renewals["warning"].isin(["red", "amber", "ok"]) & (renewals["options_remaining"] == 0) & (renewals["extension_options_used"] > 0)
    ]
    return [
        {
            "severity": "medium",
            "finding": f"{r.title} has used all its extension options ({r.options_text})",
            "question": "Why extend rather than re-procure, and was each extension within the original option?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _undated(renewals: pd.DataFrame) -> list[dict]:
    rows = renewals[renewals["warning"] == "undated"]
    if rows.empty:
        return []
    names = ", ".join(rows["title"].head(3)) + (f" and {len(rows) - 3} more" if len(rows) > 3 else "")
    return [
        {
            "severity": "low",
            "finding": f"{len(rows)} agreement(s) have no published dates or value: {names}",
            "question": "When do these services end, what do they cost, and who provides them?",
            "citations": CITATION_SEP.join(dict.fromkeys(rows["citations"])),
        }
    ]


def _unlinked_spend(by_priority: pd.DataFrame, year: int) -> list[dict]:
    rows = by_priority[by_priority["priority_id"].isna() & (by_priority["spend_pence"] > 0)]
    return [
        {
            "severity": "medium",
            "finding": f"{format_money(int(r.spend_pence))} of {fy_label(year)} spend is linked to no Plan priority"
            + (" (illustrative)" if r.illustrative else ""),
            "question": "Which Police and Crime Plan priority does this spend deliver?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _unspent_budget(by_stream: pd.DataFrame, year: int) -> list[dict]:
    rows = by_stream[by_stream["budget_pence"] > by_stream["spend_pence"]]
    return [
        {
            "severity": "low",
            "finding": f"{r.funding_stream}: {format_money(int(r.budget_pence - r.spend_pence))} of the "
            f"{format_money(int(r.budget_pence))} {fy_label(year)} budget has no spend recorded against it"
            + (" (spend illustrative)" if r.illustrative else ""),
            "question": "What is the rest of this budget paying for, and will it be spent this year?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _performance(observations: pd.DataFrame) -> list[dict]:
    items = []
    plain = observations[observations["dimension"] == ""]
    for (measure, agreement), series in plain.groupby(["measure", "agreement"], sort=False):
        targeted = series[series["target"].notna()]
        if not targeted.empty:
            last = targeted.sort_values("period_end").iloc[-1]
            below = last["value"] < last["target"] if last["higher_is_better"] else last["value"] > last["target"]
            if below:
                items.append(
                    {
                        "severity": "medium",
                        "finding": f"{measure} ({agreement}) was {last['value']:g} against a target of {last['target']:g} "
                        "in the latest period" + (" (illustrative)" if last["basis"] == "illustrative" else ""),
                        "question": f"Why is {measure.lower()} below target, and what is being done about it?",
                        "citations": last["citations"],
                    }
                )
    parts = observations[(observations["dimension"] != "") & (observations["unit"] == "share")]
    for (measure, _dimension, _period), group in parts.groupby(["measure", "dimension", "period"], sort=False):
        total = group["value"].sum()
        if round(total) != 100:
            items.append(
                {
                    "severity": "low",
                    "finding": f"{measure} adds up to {total:g}%, not 100%",
                    "question": f"What accounts for the missing {100 - total:g}%, and which figure is right?",
                    "citations": CITATION_SEP.join(dict.fromkeys(group["citations"])),
                }
            )
    return items


def attention_items(
    *, session: Session, area: str, year: int, as_at: date, audience: Audience, red_months: int = 6, amber_months: int = 12
) -> pd.DataFrame:
    """Findings for the area at the as-at date, most serious first, each with a question for the Commissioner."""
    renewals = queries.renewals(
        session=session, area=area, as_at=as_at, audience=audience, red_months=red_months, amber_months=amber_months
    )
    by_priority = queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=audience)
    by_stream = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=audience)
    observations = queries.observations(session=session, area=area, audience=audience)
    items = (
        _ending_without_successor(renewals)
        + _options_exhausted(renewals)
        + _unlinked_spend(by_priority, year)
        + _performance(observations)
        + _unspent_budget(by_stream, year)
        + _undated(renewals)
    )
    frame = pd.DataFrame(items, columns=COLUMNS)
    return frame.sort_values("severity", key=lambda s: s.map(_ORDER), kind="stable").reset_index(drop=True)


# --- Red flags ------------------------------------------------------------------------------------
#
# Each rule returns rows of RED_FLAG_COLUMNS. `records` names the records involved (one per line) and
# `record_ids` holds their ids, so a page can list them and a test can check exactly which were found.

RED_FLAG_COLUMNS = ["flag", "flag_name", "severity", "finding", "question", "records", "record_ids", "citations", "illustrative"]
FLAG_NAMES = {
    "extensions": "Extended beyond its term",
    "ending": "Ending with no re-procurement recorded",
    "value_growth": "Value growth through amendments",
    "cap": "Grants above a round's cap",
    "unlinked": "Spend linked to no Plan priority",
    "arithmetic": "Figures that do not add up",
    "below_target": "Below target",
    "no_measures": "No performance measures",
    "award_route": "Direct or limited award",
}
_FLAG_ORDER = {name: i for i, name in enumerate(FLAG_NAMES)}
VALUE_GROWTH_PERCENT = 20  # amendments adding more than this share of the awarded value are flagged
LIVE_WARNINGS = ("red", "amber", "ok", "undated")  # running on the as-at date (undated ones count as running)


def _flag(flag: str, severity: str, finding: str, question: str, records: list[str], ids: list[str], citations, illustrative=False) -> dict:
    cited = citations if isinstance(citations, str) else CITATION_SEP.join(dict.fromkeys(c for c in citations if c))
    return {
        "flag": flag,
        "flag_name": FLAG_NAMES[flag],
        "severity": severity,
        "finding": finding,
        "question": question,
        "records": "\n".join(records),
        "record_ids": "\n".join(ids),
        "citations": cited,
        "illustrative": bool(illustrative),
    }


def _names(titles: list[str], limit: int = 4) -> str:
    """'A, B and C'; past `limit`, 'A, B, C, D and 5 more'."""
    shown = titles[:limit]
    rest = len(titles) - len(shown)
    comma = "; " if any("," in t for t in shown) else ", "  # names with commas in them need a stronger separator
    if rest:
        return comma.join(shown) + f" and {rest} more"
    return shown[0] if len(shown) == 1 else comma.join(shown[:-1]) + " and " + shown[-1]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _on(text: str, precision: str) -> str:
    """'on 31 March 2019', or 'in March 2018' for a month or year."""
    return f"{'on' if precision == 'day' else 'in'} {text}"


def _lower_first(name: str) -> str:
    """A measure's name inside a sentence: 'Share of …' -> 'share of …', but 'ISVA referrals' stays."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _day(value) -> date | None:
    return None if value is None or pd.isna(value) else value


def _known_by(amendments: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """Amendments made by the as-at date: agreed by then, or (no agreed date published) whose previous end had passed."""
    when = [_day(a) or _day(p) for a, p in zip(amendments["agreed_on"], amendments["previous_end_date"], strict=True)]
    return amendments.loc[pd.Series([w is not None and w <= as_at for w in when], index=amendments.index, dtype=bool)]


def _extends_end(amendments: pd.DataFrame) -> pd.DataFrame:
    keep = [
        k in ("extension", "variation") and _day(p) is not None and _day(n) is not None and n > p
        for k, p, n in zip(amendments["kind"], amendments["previous_end_date"], amendments["new_end_date"], strict=True)
    ]
    return amendments.loc[pd.Series(keep, index=amendments.index, dtype=bool)]


def _extension_flags(renewals: pd.DataFrame, amendments: pd.DataFrame, as_at: date) -> list[dict]:
    """Repeated extensions; a current end past the latest possible end (or options used past those available);
    or an extension past the original end where no extension option was ever recorded."""
    extensions = _extends_end(_known_by(amendments, as_at))
    items = []
    for r in renewals[renewals["warning"] != "planned"].itertuples():
        own = extensions[extensions["agreement_id"] == r.id]
        original, current, latest = _day(r.original_end_date), _day(r.current_end_date), _day(r.latest_end_date)
        live = r.warning in LIVE_WARNINGS
        ended = "" if live else f" (it ended {_on(r.end_text, r.end_precision)})"
        citations = [r.citations, *own["citations"]]
        beyond_latest = current is not None and latest is not None and current > latest
        options_exceeded = pd.notna(r.extension_options_available) and r.extension_options_used > r.extension_options_available
        if len(own) >= 2 or beyond_latest or options_exceeded:
            if len(own) >= 2:
                finding = f"{r.title} has been extended {len(own)} times, to {r.end_text}"
                question = f"Why has {r.title} been extended {len(own)} times rather than re-procured?"
            elif beyond_latest:
                finding = f"{r.title} now ends on {r.end_text}, beyond the latest possible end of {r.latest_text} set when it was let"
                question = f"Under what authority was {r.title} extended beyond its latest possible end, and why was it not re-procured?"
            else:
                available = int(r.extension_options_available)
                finding = f"{r.title} has used {r.extension_options_used} extension options, more than the {available} it was let with"
                question = f"Under what authority was {r.title} extended beyond the options it was let with?"
            items.append(_flag("extensions", "high" if live else "medium", finding + ended, question, [r.title], [r.id], citations))
        elif (
            original is not None
            and current is not None
            and current > original
            and latest is None
            and pd.isna(r.extension_options_available)
            and (len(own) > 0 or as_at > original)
        ):
            how = " by variation" if len(own) == 1 and own["kind"].iloc[0] == "variation" else ""
            finding = (
                f"{r.title} was extended{how} from its original end of {format_date(original)} to {r.end_text}, "
                "and no extension option in the original agreement is recorded"
            )
            question = (
                f"Was the extension of {r.title} within an option in the original agreement, "
                "and why was it extended rather than re-procured?"
            )
            items.append(_flag("extensions", "medium" if live else "low", finding + ended, question, [r.title], [r.id], citations))
    return items


def _ending_flags(renewals: pd.DataFrame, red_months: int, amber_months: int) -> list[dict]:
    """Live agreements ending within the red or amber window with no re-procurement step recorded."""
    rows = renewals[renewals["warning"].isin(["red", "amber"]) & renewals["reprocurement_recorded_on"].isna()]
    items = []
    for r in rows.sort_values("current_end_date").itertuples():
        months = red_months if r.warning == "red" else amber_months
        items.append(
            _flag(
                "ending",
                "high" if r.warning == "red" else "medium",
                f"{r.title} ends {_on(r.end_text, r.end_precision)}, within {months} months, and no re-procurement step is recorded",
                f"What happens to {r.title} after {r.end_text}: will it be re-procured, extended or ended, and when will the panel know?",
                [r.title],
                [r.id],
                r.citations,
                illustrative="current_end_date" in r.illustrative_fields,
            )
        )
    return items


def _value_growth_flags(renewals: pd.DataFrame, amendments: pd.DataFrame, as_at: date) -> list[dict]:
    """Amendments adding more than VALUE_GROWTH_PERCENT% to the awarded value; and extensions whose cost is not published."""
    known = _known_by(amendments, as_at)
    items = []
    priced = known[known["value_change_pence"].notna()]
    for agreement_id, changes in priced.groupby("agreement_id", sort=False):
        agreement = renewals[renewals["id"] == agreement_id].iloc[0]
        base_field = "total_value_pence" if pd.notna(agreement["total_value_pence"]) else "annual_value_pence"
        if pd.isna(agreement[base_field]) or not agreement[base_field]:
            continue
        base, growth = int(agreement[base_field]), sum(int(v) for v in changes["value_change_pence"])
        if growth * 100 > base * VALUE_GROWTH_PERCENT:
            percent = (growth * 200 + base) // (2 * base)  # whole percent, halves up
            what = "awarded value" if base_field == "total_value_pence" else "annual value"
            items.append(
                _flag(
                    "value_growth",
                    "high" if growth > base else "medium",
                    f"Amendments to {agreement['title']} add {format_money(growth)}, {percent}% of its {what} of {format_money(base)}",
                    f"Why has {agreement['title']} grown by {percent}% since it was awarded, and was the increase competed or approved?",
                    [agreement["title"]],
                    [agreement_id],
                    [agreement["citations"], *changes["citations"]],
                    illustrative="value" in agreement["illustrative_fields"],
                )
            )
    unpriced = _extends_end(known[known["value_change_pence"].isna()])
    if not unpriced.empty:
        titles = [f"{t} (to {format_date(n)})" for t, n in zip(unpriced["agreement"], unpriced["new_end_date"], strict=True)]
        items.append(
            _flag(
                "value_growth",
                "low",
                f"{_plural(len(unpriced), 'extension or variation', 'extensions or variations')} "
                f"{'has' if len(unpriced) == 1 else 'have'} no published change in value: {_names(titles)}",
                "What did each of these extensions cost, and where is that published?",
                titles,
                list(unpriced["agreement_id"]),
                list(unpriced["citations"]),
            )
        )
    return items


def _capped_streams(session: Session, area: str) -> pd.DataFrame:
    result = session.execute(
        select(
            FundingStream.id,
            FundingStream.name,
            FundingStream.cap_per_award_pence,
            (FundingStream.source_id + literal("|") + FundingStream.source_section).label("citations"),
        ).where(FundingStream.area_id == area, FundingStream.cap_per_award_pence.is_not(None))
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _over_cap(session: Session, area: str, audience: Audience) -> pd.DataFrame:
    awarded = func.coalesce(Agreement.total_value_pence, Agreement.annual_value_pence)
    result = session.execute(
        select(
            Agreement.id,
            Agreement.title,
            func.coalesce(Provider.name, "").label("provider"),
            awarded.label("awarded_pence"),
            FundingStream.name.label("stream"),
            FundingStream.cap_per_award_pence.label("cap_pence"),
            Agreement.illustrative_fields,
            (Agreement.source_id + literal("|") + Agreement.source_section).label("citations"),
            (FundingStream.source_id + literal("|") + FundingStream.source_section).label("stream_citations"),
        )
        .join(FundingStream, Agreement.funding_stream_id == FundingStream.id)
        .outerjoin(Provider, Agreement.provider_id == Provider.id)
        .where(
            Agreement.area_id == area,
            Agreement.kind == "grant",
            Agreement.visibility.in_([v.value for v in VISIBLE_TO[Audience(audience)]]),
            FundingStream.cap_per_award_pence.is_not(None),
            awarded > FundingStream.cap_per_award_pence,
        )
        .order_by(awarded.desc())
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _awards_in_stream(session: Session, stream: str, audience: Audience) -> int:
    visible = [v.value for v in VISIBLE_TO[Audience(audience)]]
    return int(
        session.execute(
            select(func.count()).where(Agreement.funding_stream_id == stream, Agreement.kind == "grant", Agreement.visibility.in_(visible))
        ).scalar_one()
    )


def _cap_flags(session: Session, area: str, year: int, audience: Audience, by_stream: pd.DataFrame) -> list[dict]:
    """Grants above their round's cap per award; and capped rounds with money but no individual awards published."""
    items = [
        _flag(
            "cap",
            "high",
            f"{r.title}{f' ({r.provider})' if r.provider else ''} was awarded {format_money(int(r.awarded_pence))}, "
            f"above the {format_money(int(r.cap_pence))} cap per award of {r.stream}",
            f"Why did {r.provider or r.title} receive more than the {format_money(int(r.cap_pence))} cap for {r.stream}, "
            "and who approved it?",
            [r.title],
            [r.id],
            [r.citations, r.stream_citations],
            illustrative="value" in r.illustrative_fields,
        )
        for r in _over_cap(session, area, audience).itertuples()
    ]
    for stream in _capped_streams(session, area).itertuples():
        money = by_stream[by_stream["funding_stream_id"] == stream.id]
        if money.empty or _awards_in_stream(session, stream.id, audience):
            continue
        row = money.iloc[0]
        amount = (
            f"{format_money(int(row.budget_pence))} set aside for {fy_label(year)}"
            if row.budget_pence
            else f"{format_money(int(row.spend_pence))} spent in {fy_label(year)}"
        )
        cap = format_money(int(stream.cap_per_award_pence))
        items.append(
            _flag(
                "cap",
                "low",
                f"{stream.name}: individual awards are not published, so its {cap} cap per award cannot be checked ({amount})",
                f"Who received {stream.name} awards, how much did each get, and did any exceed {cap}?",
                [stream.name],
                [stream.id],
                [stream.citations, row.citations],
                illustrative=bool(row.spend_illustrative) and not row.budget_pence,
            )
        )
    return items


def _unlinked_spend_rows(session: Session, area: str, year: int, audience: Audience) -> pd.DataFrame:
    """Spend in the year that reaches no priority: no priority of its own, and no agreement with a priority share."""
    visible = [v.value for v in VISIBLE_TO[Audience(audience)]]
    shared = select(AgreementPriority.agreement_id).where(AgreementPriority.agreement_id == Spend.agreement_id).exists()
    result = session.execute(
        select(
            Spend.id,
            Spend.description,
            func.coalesce(Agreement.title, "").label("agreement"),
            Spend.amount_pence,
            Spend.basis,
            (Spend.source_id + literal("|") + Spend.source_section).label("citations"),
        )
        .outerjoin(Agreement, Spend.agreement_id == Agreement.id)
        .where(
            Spend.area_id == area,
            Spend.financial_year == year,
            Spend.visibility.in_(visible),
            or_(Agreement.id.is_(None), Agreement.visibility.in_(visible)),
            Spend.priority_id.is_(None),
            ~shared,
        )
        .order_by(Spend.amount_pence.desc())
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _unlinked_flags(rows: pd.DataFrame, year: int) -> list[dict]:
    if rows.empty or int(rows["amount_pence"].sum()) <= 0:
        return []
    illustrative = bool((rows["basis"] == "illustrative").any())
    names = [a or d for a, d in zip(rows["agreement"], rows["description"], strict=True)]
    return [
        _flag(
            "unlinked",
            "medium",
            f"{format_money(int(rows['amount_pence'].sum()))} of {fy_label(year)} spend is linked to no Plan priority"
            + (" (illustrative)" if illustrative else "")
            + f": {_names(names)}",
            "Which Police and Crime Plan priority does this spend deliver?",
            names,
            list(rows["id"]),
            list(rows["citations"]),
            illustrative=illustrative,
        )
    ]


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _arithmetic_flags(observations: pd.DataFrame, people) -> list[dict]:
    """Shares of a whole that do not add up to 100%; an annual count that does not match its quarters."""
    items = []
    shares = observations[(observations["dimension"] != "") & (observations["unit"] == "share")]
    for (measure, agreement, _dimension, period), parts in shares.groupby(["measure", "agreement", "dimension", "period"], sort=False):
        total = float(parts["value"].sum())
        if round(total, 6) != 100:
            listed = " + ".join(f"{v:g}%" for v in parts["value"])
            items.append(
                _flag(
                    "arithmetic",
                    "medium",
                    f"{measure} for {agreement}, {period}: the parts add up to {total:g}%, not 100% ({listed})",
                    f"What accounts for the missing {100 - total:g}% in the {_lower_first(measure)}, and which figure is right?",
                    [f"{measure}: {agreement}, {period}"],
                    list(parts["id"]),
                    list(parts["citations"]),
                    illustrative=(parts["basis"] == "illustrative").any(),
                )
            )
    counts = observations[(observations["dimension"] == "") & (observations["unit"] == "count") & observations["financial_year"].notna()]
    for (measure, agreement, year), rows in counts.groupby(["measure", "agreement", "financial_year"], sort=False):
        n = people if rows["counts_people"].any() else _count
        whole_year = rows[rows["quarter"].isna()]
        average = whole_year[whole_year["value_statement"].str.lower().str.startswith("average")]
        annual = whole_year[~whole_year.index.isin(average.index)]
        quarters = rows[rows["quarter"].notna()].drop_duplicates("quarter")
        for stated in annual.itertuples():
            problems, used, alternatives = [], [stated], {}
            for avg in average.itertuples():
                if stated.value != 4 * avg.value:
                    problems.append(f"4 × the stated quarterly average of {n(avg.value)} ({n(4 * avg.value)})")
                    alternatives.setdefault(4 * avg.value, f"{n(4 * avg.value)} (4 × {n(avg.value)})")
                    used.append(avg)
            if len(quarters) == 4 and stated.value != quarters["value"].sum():
                label = ", illustrative" if (quarters["basis"] == "illustrative").any() else ""
                total = quarters["value"].sum()
                problems.append(f"the sum of the four quarters ({n(total)}{label})")
                alternatives.setdefault(total, f"{n(total)} (the four quarters{label})")
                used += list(quarters.itertuples())
            if not problems:
                continue
            period = fy_label(int(year))
            items.append(
                _flag(
                    "arithmetic",
                    "medium",
                    f"{measure} for {agreement}, {period}: the stated annual figure of {n(stated.value)} does not match "
                    + ", nor ".join(problems),
                    f"Which is right for {_lower_first(measure)} in {period}: {n(stated.value)} a year, "
                    f"or {' or '.join(alternatives.values())}?",
                    [f"{measure}: {agreement}, {period}"],
                    [u.id for u in used],
                    [u.citations for u in used],
                    illustrative=any(u.basis == "illustrative" for u in used),
                )
            )
    return items


def _below(value: float, target: float, higher_is_better: bool) -> bool:
    return value < target if higher_is_better else value > target


def _below_target_flags(observations: pd.DataFrame, figure) -> list[dict]:
    """The latest period of each measure below its target; two periods running below is the stronger flag."""
    items = []
    plain = observations[(observations["dimension"] == "") & observations["target"].notna()]
    for (measure, agreement), series in plain.groupby(["measure", "agreement"], sort=False):
        series = series.sort_values("period_end")
        last = series.iloc[-1]
        if not _below(last["value"], last["target"], last["higher_is_better"]):
            continue
        previous = series.iloc[-2] if len(series) > 1 else None
        running = previous is not None and _below(previous["value"], previous["target"], previous["higher_is_better"])
        shown = [s for s in (previous, last) if s is not None] if running else [last]
        illustrative = any(s["basis"] == "illustrative" for s in shown)
        label = " (illustrative)" if illustrative else ""
        if running:
            finding = (
                f"{measure} ({agreement}) has been below its target of {figure(last, 'target')} for two periods running: "
                f"{figure(previous, 'value')} in {previous['period']} and {figure(last, 'value')} in {last['period']}{label}"
            )
            question = f"Why has {_lower_first(measure)} been below target for two periods running, and what is the recovery plan?"
        else:
            finding = (
                f"{measure} ({agreement}) was {figure(last, 'value')} against a target of {figure(last, 'target')} "
                f"in {last['period']}{label}"
            )
            question = f"Why was {_lower_first(measure)} below target in {last['period']}, and what is being done about it?"
        items.append(
            _flag(
                "below_target",
                "high" if running else "medium",
                finding,
                question,
                [f"{measure}: {agreement}"],
                [s["id"] for s in shown],
                [s["citations"] for s in shown],
                illustrative=illustrative,
            )
        )
    return items


def _measured_agreements(session: Session, area: str, audience: Audience) -> set[str]:
    visible = [v.value for v in VISIBLE_TO[Audience(audience)]]
    query = select(Observation.agreement_id).where(
        Observation.area_id == area, Observation.agreement_id.is_not(None), Observation.visibility.in_(visible)
    )
    return set(session.execute(query.distinct()).scalars())


def _no_measures_flags(renewals: pd.DataFrame, measured: set[str]) -> list[dict]:
    """Services running on the as-at date with no performance figure of any kind recorded."""
    rows = renewals[renewals["warning"].isin(LIVE_WARNINGS) & ~renewals["id"].isin(measured)]
    if rows.empty:
        return []
    titles = list(rows["title"])
    one = len(rows) == 1
    return [
        _flag(
            "no_measures",
            "medium",
            f"{_plural(len(rows), 'live service')} {'has' if one else 'have'} no performance measures recorded: {_names(titles)}",
            f"How does the Commissioner know whether {'this service is' if one else 'these services are'} working: "
            "what does each report, and how often?",
            titles,
            list(rows["id"]),
            list(rows["citations"]),
        )
    ]


def _award_route_rows(session: Session, area: str, audience: Audience) -> pd.DataFrame:
    visible = [v.value for v in VISIBLE_TO[Audience(audience)]]
    result = session.execute(
        select(
            Agreement.id,
            Agreement.title,
            Agreement.procurement_route,
            Agreement.number_of_tenderers,
            Agreement.status,
            (Agreement.source_id + literal("|") + Agreement.source_section).label("citations"),
        )
        .where(
            Agreement.area_id == area,
            Agreement.visibility.in_(visible),
            or_(Agreement.procurement_route.in_(["direct", "limited"]), Agreement.number_of_tenderers == 1),
        )
        .order_by(Agreement.title)
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _award_route_flags(rows: pd.DataFrame, renewals: pd.DataFrame) -> list[dict]:
    """Direct or limited awards, or a single bidder: live or planned agreements are the stronger flag."""
    items = []
    current = dict(zip(renewals["id"], renewals["warning"], strict=True))
    for r in rows.itertuples():
        how = (
            f"was awarded by {r.procurement_route} award"
            if r.procurement_route in ("direct", "limited")
            else "was awarded with a single bid"
        )
        if r.procurement_route in ("direct", "limited") and r.number_of_tenderers == 1:
            how += " (one bidder)"
        live = current.get(r.id) in (*LIVE_WARNINGS, "planned")
        items.append(
            _flag(
                "award_route",
                "medium" if live else "low",
                f"{r.title} {how}",
                f"Why was {r.title} not openly competed, and how was value for money tested?",
                [r.title],
                [r.id],
                r.citations,
            )
        )
    return items


def red_flags(
    *,
    session: Session,
    area: str,
    as_at: date,
    audience: Audience,
    year: int | None = None,
    red_months: int = 6,
    amber_months: int = 12,
    disclose: bool = False,
) -> pd.DataFrame:
    """Every red flag for the area at the as-at date (and financial year, by default the as-at date's), most serious first.

    Figures whose period ended after the as-at date are left out: the panel could not have had them.
    With `disclose`, counts of people in the findings follow the public pages' disclosure rule
    (`data_access.disclosure`): fewer than its threshold is not given, and the rest are rounded.
    """
    year = year if year is not None else queries.default_financial_year(session=session, area=area, audience=audience, as_at=as_at)
    renewals = queries.renewals(
        session=session, area=area, as_at=as_at, audience=audience, red_months=red_months, amber_months=amber_months
    )
    amendments = queries.amendments(session=session, area=area, audience=audience)
    observations = queries.observations(session=session, area=area, audience=audience)
    observations = observations.loc[pd.Series([end <= as_at for end in observations["period_end"]], index=observations.index, dtype=bool)]
    by_stream = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=audience)

    def people(value: float) -> str:
        if not disclose:
            return _count(value)
        if value < disclosure.DISCLOSURE_THRESHOLD:
            return f"fewer than {disclosure.DISCLOSURE_THRESHOLD}"
        return f"about {disclosure.round_count(value):,}"

    def figure(row, field: str) -> str:
        return people(row[field]) if row["counts_people"] and row["unit"] == "count" else value_text(row[field], row["unit"])

    items = (
        _extension_flags(renewals, amendments, as_at)
        + _ending_flags(renewals, red_months, amber_months)
        + _value_growth_flags(renewals, amendments, as_at)
        + _cap_flags(session, area, year, audience, by_stream)
        + _unlinked_flags(_unlinked_spend_rows(session, area, year, audience), year)
        + _arithmetic_flags(observations, people)
        + _below_target_flags(observations, figure)
        + _no_measures_flags(renewals, _measured_agreements(session, area, audience))
        + _award_route_flags(_award_route_rows(session, area, audience), renewals)
    )
    frame = pd.DataFrame(items, columns=RED_FLAG_COLUMNS)
    frame["illustrative"] = frame["illustrative"].astype(bool)
    order = frame["severity"].map(_ORDER) * 100 + frame["flag"].map(_FLAG_ORDER)
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def value_text(value: float, unit: str) -> str:
    """A measure's value as written in a finding: 1,234 or 80%."""
    return f"{value:,.0f}%" if unit in ("percent", "share") else _count(value)
