"""Disclosure control: counts of people on public outputs, so that no victim can be picked out.

One rule, applied in one place (`public_count` for a single figure, `control` for a table of figures that
may give each other away). It turns on where a count came from (`Source.kind`):

- **A count from a published document** (`published`) is shown exactly as the document published it,
  labelled "as published": it is public already, and rounding it would only make the page disagree with
  the document (224 referrals a quarter shown as 225).
- **A count of people from an internal return** (`internal`, e.g. providers' quarterly returns the office
  loads) is controlled (trusted practice: NHS Digital since 2018, and UK research environments, use a
  threshold of 10):

  1. **Small counts are hidden.** Below `DISCLOSURE_THRESHOLD` it is not shown: "fewer than 10". The
     threshold is checked on the exact count, *before* rounding, so 8 is never shown as "about 10".
  2. **The rest are rounded** to the nearest `ROUND_TO` ("about 225"), so an exact figure cannot be
     recovered by comparing two tables.
  3. **Secondary suppression.** Where figures add up to a total (the parts of a breakdown, the quarters of
     a year, shares of 100%), hiding just one of them would not hide it: the total minus the others gives
     it back. So whenever exactly one figure of such a set is hidden, the smallest internal figure still
     shown in the set is hidden too, and this repeats until no set has exactly one hidden figure.
     Published figures are never hidden this way: they are public whatever this page does.
  4. **Percentages follow their counts.** A percentage of a count of people from an internal return is
     hidden when that count is hidden, or when the number of people it stands for is below the threshold.

  Anything worked out from a controlled count for the public (a cost per person, a sum in a sentence) is
  worked out from the *shown* count, or not shown at all when the count is hidden.

To change the rule, change `DISCLOSURE_THRESHOLD` and `ROUND_TO` below: they are the only place it is
set, and the sentence the public pages show (`rule_in_words`) is written from them. They are
constants in code, not settings, on purpose: a change to what may be published should be reviewed and
tested like any other change.

Money is not personal data: spending, contracts and grants are published in full and never pass
through here. Zero counts from an internal return are treated like any other small count (hidden).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from data_access.basis import NOT_PUBLISHED

DISCLOSURE_THRESHOLD = 10
"""Counts of people below this are hidden on public outputs. 10 is the threshold UK research environments use."""

ROUND_TO = 5
"""Counts of people at or above the threshold are rounded to the nearest multiple of this."""

SHOWN = "shown_value"
NOTE = "disclosure_note"
SHOWN_TEXT = "shown_text"
PUBLISHED = "published_source"
"""The column of a frame given to `control` that says a row's source is a published document (True) or not."""
SECONDARY_NOTE = "suppressed so a hidden figure cannot be worked out"
AS_PUBLISHED = "as published"


def small_note(threshold: int = DISCLOSURE_THRESHOLD) -> str:
    """The note on a count hidden because it is small."""
    return f"suppressed: fewer than {threshold}"


def rounded_note(round_to: int = ROUND_TO) -> str:
    """The note on a count that is shown rounded."""
    return f"rounded to the nearest {round_to}"


def rule_in_words(threshold: int = DISCLOSURE_THRESHOLD, round_to: int = ROUND_TO) -> str:
    """The rule, in plain English, for the page that shows the figures."""
    return (
        f"Counts taken from a published document are shown exactly as that document published them, and labelled "
        f'"as published" (so 224 stays 224). To protect the people these services support, counts of people that '
        f"come from returns the office receives but which are not published as they stand are never shown exactly: "
        f'a count of fewer than {threshold} people is not shown at all ("fewer than {threshold}"), and every other '
        f'such count is rounded to the nearest {round_to} (so 12 is shown as "about 10"). Where a hidden count '
        f"could be worked out from a total, the other figures that make it up or a cost per person, that figure is "
        f"hidden as well, and a percentage of a hidden count is hidden too. Percentages and rates are otherwise "
        f"shown as published."
    )


@dataclass(frozen=True)
class PublicCount:
    """A count of people as the public may see it.

    `shown` is the number shown (exact when published, rounded when from an internal return), None when
    hidden or not published; `text` is what the screen says ("224", "about 225", "fewer than 10",
    "not published"); `note` says why it is shown so ("as published", "rounded to the nearest 5",
    "suppressed: fewer than 10", or "" when there is no figure).
    """

    shown: int | None
    text: str
    note: str

    @property
    def hidden(self) -> bool:
        """True when a figure exists but is withheld."""
        return self.shown is None and self.note != ""


def public_count(
    value: float | None,
    *,
    published: bool,
    threshold: int = DISCLOSURE_THRESHOLD,
    round_to: int = ROUND_TO,
) -> PublicCount:
    """One count of people as the public may see it: exact when its source is a published document; from an
    internal return, hidden below `threshold` (checked on the exact count, before rounding), else rounded."""
    if value is None or pd.isna(value):
        return PublicCount(None, NOT_PUBLISHED, "")
    if published:
        exact = int(value) if float(value).is_integer() else round(value)
        return PublicCount(exact, f"{value:,.0f}" if float(value).is_integer() else f"{value:,}", AS_PUBLISHED)
    if value < threshold:
        return PublicCount(None, f"fewer than {threshold}", small_note(threshold))
    rounded = round_count(value, round_to)
    return PublicCount(rounded, f"about {rounded:,}", rounded_note(round_to))


def secondarily_hidden() -> PublicCount:
    """A count withheld because, with the figures around it, it would give a hidden count away."""
    return PublicCount(None, "hidden", SECONDARY_NOTE)


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


def counts_people_of(stated: object) -> bool:
    """Whether a measure counts people: blank (None, NaN: not stated) is taken as yes, the safe side, until someone
    says no. Only a stated no turns disclosure control off."""
    if stated is None or stated is pd.NA or (isinstance(stated, float) and stated != stated):  # NaN is not itself
        return True
    return bool(stated)


def round_count(value: float, round_to: int = ROUND_TO) -> int:
    """`value` rounded to the nearest multiple of `round_to`, halves away from zero: 224 -> 225, 996 -> 995."""
    step = Decimal(round_to)
    return int((Decimal(str(value)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step)


def control(
    frame: pd.DataFrame,
    *,
    value: str = "value",
    counts_people: str = "counts_people",
    published: str = PUBLISHED,
    breakdowns: Iterable[Breakdown] = (),
    shares: Iterable[Shares] = (),
    threshold: int = DISCLOSURE_THRESHOLD,
    round_to: int = ROUND_TO,
) -> pd.DataFrame:
    """A copy of `frame` with `shown_value` (None where hidden or not published), `disclosure_note` and
    `shown_text` (what the screen says: "224", "about 225", "fewer than 10", "hidden", "not published").

    Rows are identified by the frame's index labels, which `breakdowns` and `shares` refer to. The
    `published` column says which rows come from a published document; a frame without it is treated as
    all internal (the safe side). A count of people follows `public_count`; a percentage in `shares` is
    shown as published unless hidden; any other figure is shown as published with an empty note.
    """
    breakdowns, shares = list(breakdowns), list(shares)
    raw = {label: (None if pd.isna(v) else float(v)) for label, v in frame[value].items()}
    people = {label: counts_people_of(p) for label, p in frame[counts_people].items()}
    public = {label: bool(p) for label, p in frame[published].items()} if published in frame else dict.fromkeys(raw, False)
    hidden: dict[Hashable, str] = {}

    for label, v in raw.items():
        if people[label] and v is not None and public_count(v, published=public[label], threshold=threshold).shown is None:
            hidden[label] = small_note(threshold)
    for group in shares:
        whole = raw.get(group.of) if group.of is not None else None
        if whole is None or public.get(group.of, False):
            continue
        for label in group.parts:
            part = raw[label]
            if not public[label] and part is not None and part / 100 * whole < threshold:
                hidden[label] = small_note(threshold)

    def hide_smallest(candidates: list[Hashable]) -> bool:
        # Published figures are public already: hiding them here would protect nobody.
        shown = [c for c in candidates if c not in hidden and raw[c] is not None and not public[c]]
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
                    if label not in hidden and raw[label] is not None and not public[label]:
                        hidden[label] = SECONDARY_NOTE
                        changed = True
            if sum(label in hidden for label in group.parts) == 1:
                changed |= hide_smallest(list(group.parts))
        for breakdown in breakdowns:
            if breakdown.total is None or raw.get(breakdown.total) is None:
                continue  # with no published total, the parts do not give each other away
            if sum(label in hidden for label in (*breakdown.parts, breakdown.total)) == 1:
                changed |= hide_smallest(list(breakdown.parts)) or hide_smallest([breakdown.total])

    in_shares = {label for group in shares for label in group.parts}
    shown_values: list[float | int | None] = []
    notes: list[str] = []
    texts: list[str] = []
    for label, v in raw.items():
        if label in hidden:
            count = secondarily_hidden() if hidden[label] == SECONDARY_NOTE else public_count(v, published=False, threshold=threshold)
            shown_values.append(None)
            notes.append(hidden[label])
            texts.append(count.text if people[label] and label not in in_shares else "hidden")
        elif v is None:
            shown_values.append(None)
            notes.append("")
            texts.append(NOT_PUBLISHED)
        elif people[label] and label not in in_shares:
            count = public_count(v, published=public[label], threshold=threshold, round_to=round_to)
            shown_values.append(v if public[label] and not v.is_integer() else count.shown)  # a published 22.5 stays 22.5
            notes.append(count.note)
            texts.append(count.text)
        else:
            shown_values.append(v)
            notes.append("")
            texts.append(f"{v:,g}")
    result = frame.copy()
    result[SHOWN] = pd.Series(shown_values, index=frame.index, dtype="object")
    result[NOTE] = notes
    result[SHOWN_TEXT] = texts
    return result
