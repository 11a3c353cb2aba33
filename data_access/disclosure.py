"""Disclosure control: counts of people on public outputs, so that no victim can be picked out.

The rule (trusted practice: NHS Digital since 2018, and UK research environments, use a threshold of 10):

1. **Small counts are hidden.** A count of people (a measure with `counts_people`) below
   `DISCLOSURE_THRESHOLD` is not shown.
2. **The rest are rounded** to the nearest `ROUND_TO`, so an exact figure cannot be recovered by
   comparing two published tables.
3. **Secondary suppression.** Where figures add up to a published total (the parts of a breakdown, the
   quarters of a year, shares of 100%), hiding just one of them would not hide it: the total minus
   the others gives it back. So whenever exactly one figure of such a set is hidden, the smallest
   figure still shown in the set is hidden too, and this repeats until no set has exactly one hidden
   figure (hiding one figure can expose another set it belongs to).
4. **Percentages follow their counts.** A percentage of a count of people is hidden when that count is
   hidden, or when the number of people it stands for is below the threshold.

To change the rule, change `DISCLOSURE_THRESHOLD` and `ROUND_TO` below: they are the only place it is
set, and the sentence the public pages show (`rule_in_words`) is written from them. They are
constants in code, not settings, on purpose: a change to what may be published should be reviewed and
tested like any other change.

Money is not personal data: spending, contracts and grants are published in full and never pass
through here. Zero counts are treated like any other small count (hidden).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

DISCLOSURE_THRESHOLD = 10
"""Counts of people below this are hidden on public outputs. 10 is the threshold UK research environments use."""

ROUND_TO = 5
"""Counts of people at or above the threshold are rounded to the nearest multiple of this."""

SHOWN = "shown_value"
NOTE = "disclosure_note"
SECONDARY_NOTE = "suppressed so a hidden figure cannot be worked out"


def small_note(threshold: int = DISCLOSURE_THRESHOLD) -> str:
    """The note on a count hidden because it is small."""
    return f"suppressed: fewer than {threshold}"


def rounded_note(round_to: int = ROUND_TO) -> str:
    """The note on a count that is shown rounded."""
    return f"rounded to the nearest {round_to}"


def rule_in_words(threshold: int = DISCLOSURE_THRESHOLD, round_to: int = ROUND_TO) -> str:
    """The rule, in plain English, for the page that shows the figures."""
    return (
        f"To protect the people these services support, counts of people are never shown exactly. "
        f"A count of fewer than {threshold} people is not shown at all, and every other count is rounded to the "
        f"nearest {round_to} (so 224 is shown as 225). Where a hidden count could be worked out from a total "
        f"and the other figures that make it up, another figure is hidden as well, and a percentage of a hidden "
        f"count is hidden too. Percentages and rates are otherwise shown as published."
    )


@dataclass(frozen=True)
class Breakdown:
    """Figures that add up to a published total, by row label; `total` is None when no total is published.

    One part with a total also describes a figure stated two ways (a year's count and its average per
    quarter): either gives the other away, so if one is hidden the other is hidden too.
    """

    parts: tuple[Hashable, ...]
    total: Hashable | None = None


@dataclass(frozen=True)
class Shares:
    """Percentages of one whole, by row label. They add up to 100, so the whole is always known; `of` is the
    row label of the count of people they are percentages of, where one is published."""

    parts: tuple[Hashable, ...]
    of: Hashable | None = None


def round_count(value: float, round_to: int = ROUND_TO) -> int:
    """`value` rounded to the nearest multiple of `round_to`, halves away from zero: 224 -> 225, 996 -> 995."""
    step = Decimal(round_to)
    return int((Decimal(str(value)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step)


@dataclass(frozen=True)
class PublicCount:
    """A count of people as the public may see it: `shown` is None when it is hidden."""

    shown: int | None
    text: str


def public_count(value: float | None, *, published: bool, threshold: int = DISCLOSURE_THRESHOLD, round_to: int = ROUND_TO) -> PublicCount:
    """The one disclosure step for a public count of people. A count its source itself published is shown as
    published; any other is hidden below the threshold (checked before rounding) and otherwise rounded."""
    if value is None or pd.isna(value):
        return PublicCount(None, "not published")
    if published:
        return PublicCount(int(value), f"{value:,.0f}")
    if value < threshold:
        return PublicCount(None, f"fewer than {threshold}")
    rounded = round_count(value, round_to)
    return PublicCount(rounded, f"about {rounded:,}")


def control(
    frame: pd.DataFrame,
    *,
    value: str = "value",
    counts_people: str = "counts_people",
    breakdowns: Iterable[Breakdown] = (),
    shares: Iterable[Shares] = (),
    threshold: int = DISCLOSURE_THRESHOLD,
    round_to: int = ROUND_TO,
) -> pd.DataFrame:
    """A copy of `frame` with `shown_value` (None where hidden or not published) and `disclosure_note`.

    Rows are identified by the frame's index labels, which `breakdowns` and `shares` refer to. A count of
    people is hidden or rounded; a percentage in `shares` is shown as published unless hidden; any other
    figure is shown as published with an empty note.
    """
    breakdowns, shares = list(breakdowns), list(shares)
    raw = {label: (None if pd.isna(v) else float(v)) for label, v in frame[value].items()}
    people = {label: bool(p) for label, p in frame[counts_people].items()}
    hidden: dict[Hashable, str] = {}

    for label, v in raw.items():
        if people[label] and v is not None and v < threshold:
            hidden[label] = small_note(threshold)
    for group in shares:
        whole = raw.get(group.of) if group.of is not None else None
        if whole is None:
            continue
        for label in group.parts:
            if raw[label] is not None and raw[label] / 100 * whole < threshold:
                hidden[label] = small_note(threshold)

    def hide_smallest(candidates: list[Hashable]) -> bool:
        shown = [c for c in candidates if c not in hidden and raw[c] is not None]
        if not shown:
            return False
        hidden[min(shown, key=lambda c: (raw[c], str(c)))] = SECONDARY_NOTE
        return True

    changed = True
    while changed:
        changed = False
        for group in shares:
            if group.of is not None and group.of in hidden:
                for label in group.parts:
                    if label not in hidden and raw[label] is not None:
                        hidden[label] = SECONDARY_NOTE
                        changed = True
            if sum(label in hidden for label in group.parts) == 1:
                changed |= hide_smallest(list(group.parts))
        for group in breakdowns:
            if group.total is None or raw.get(group.total) is None:
                continue  # with no published total, the parts do not give each other away
            if sum(label in hidden for label in (*group.parts, group.total)) == 1:
                changed |= hide_smallest(list(group.parts)) or hide_smallest([group.total])

    in_shares = {label for group in shares for label in group.parts}
    shown_values: list[float | int | None] = []
    notes: list[str] = []
    for label, v in raw.items():
        if label in hidden:
            shown_values.append(None)
            notes.append(hidden[label])
        elif v is None:
            shown_values.append(None)
            notes.append("")
        elif people[label] and label not in in_shares:
            shown_values.append(round_count(v, round_to))
            notes.append(rounded_note(round_to))
        else:
            shown_values.append(v)
            notes.append("")
    result = frame.copy()
    result[SHOWN] = pd.Series(shown_values, index=frame.index, dtype="object")
    result[NOTE] = notes
    return result
