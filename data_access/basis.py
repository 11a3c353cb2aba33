"""How much of a figure is illustrative, in words: one home for "illustrative" and "partly illustrative".

A total is *illustrative* when every pound in it is, *partly illustrative* when some is, and plain when none is.
Tiles, chart labels, takeaways, narratives and the briefing all word a figure's basis through these two functions.
"""

from __future__ import annotations

ILLUSTRATIVE = "illustrative"
PARTLY_ILLUSTRATIVE = "partly illustrative"


def basis_word(total_pence: int, illustrative_pence: int) -> str:
    """'illustrative' when all of a non-zero total is illustrative, 'partly illustrative' when some is, else ''."""
    if not illustrative_pence:
        return ""
    return ILLUSTRATIVE if illustrative_pence >= total_pence else PARTLY_ILLUSTRATIVE


def marked(text: str, word: str) -> str:
    """`text (illustrative)` or `text (partly illustrative)`; `text` unchanged when the word is empty."""
    return f"{text} ({word})" if word else text
