"""How much of a figure is illustrative, in words: one home for "illustrative" and "partly illustrative".

A total is *illustrative* when every pound in it is, *partly illustrative* when some is, and plain when none is.
Tiles, chart labels, takeaways, narratives and the briefing all word a figure's basis through these two functions.
"""

from __future__ import annotations

import pandas as pd

ILLUSTRATIVE = "illustrative"
NOT_PUBLISHED = "not published"  # a figure the sources do not give: never shown as 0
PARTLY_ILLUSTRATIVE = "partly illustrative"


def basis_word(total_pence: int, illustrative_pence: int) -> str:
    """'illustrative' when all of a non-zero total is illustrative, 'partly illustrative' when some is, else ''."""
    if not illustrative_pence:
        return ""
    return ILLUSTRATIVE if illustrative_pence >= total_pence else PARTLY_ILLUSTRATIVE


def marked(text: str, word: str) -> str:
    """`text (illustrative)` or `text (partly illustrative)`; `text` unchanged when the word is empty."""
    return f"{text} ({word})" if word else text


def illustrative_pence(frame: pd.DataFrame, side: str) -> pd.Series:
    """Pence of each row's `side` ('budget', 'spend' or '' for a flow's amount) that are illustrative.

    Read from the query's `<side>_illustrative_pence` where it has one; otherwise a row flagged illustrative counts whole.
    """
    amount, flag, part = (
        (f"{side}_pence", f"{side}_illustrative", f"{side}_illustrative_pence")
        if side
        else ("amount_pence", "illustrative", "illustrative_pence")
    )
    if part in frame:
        return frame[part].fillna(0).astype("int64")
    return frame[amount].fillna(0).astype("int64").where(frame[flag].fillna(False).astype(bool), 0)


def side_word(frame: pd.DataFrame, side: str) -> str:
    """'illustrative', 'partly illustrative' or '' for the total of one side ('budget', 'spend', or '' for flows) of a frame."""
    amount = "amount_pence" if not side else f"{side}_pence"
    return basis_word(int(frame[amount].fillna(0).sum()), int(illustrative_pence(frame, side).sum()))


def agreement_values_word(totals: pd.Series) -> str:
    """The basis of the live agreements' summed annual value (`queries.agreement_totals`): how many published values are illustrative."""
    published = int(totals["live"]) - int(totals["value_not_published"])
    made_up = int(totals.get("illustrative_values", 0) or 0)
    if not published or not made_up:
        return ""
    return ILLUSTRATIVE if made_up >= published else PARTLY_ILLUSTRATIVE
