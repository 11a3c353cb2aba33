"""The one text-safety step: text from the store or from a link, made safe to show.

Streamlit renders Markdown in titles, captions, alerts, `st.markdown` and table cells, with its own extensions
(`:red[...]` colours, `:material/...:` icons, `$...$` LaTeX); plotly renders a subset of HTML in chart text
(`<a href>` in a Sankey node label is a live link). Store text and URL values are data, never markup, so:

- `safe_text` for anything that reaches Streamlit's Markdown: every ASCII punctuation mark is backslash-escaped
  (CommonMark), so no link, image, HTML tag, colour directive, icon, emphasis or formula can form; bidi override
  characters are removed (they can make a harmless-looking line read backwards), control characters become spaces,
  and with `limit` the text is cut to that many characters with an ellipsis.
- `cell_text` for a cell of an interactive table (st.dataframe), which draws text as text: bidi controls removed and
  control characters made spaces, as above; values that are not text are left as they are.
- `plotly_text` for anything that reaches a plotly figure as a label, title or hover text: `&`, `<` and `>` are
  written as entities, which plotly shows as the characters themselves.

A test (tests/test_text_safety.py) renders each kind of payload and finds only plain text.
"""

from __future__ import annotations

import re

URL_VALUE_LIMIT = 200  # characters of a link's value echoed in a message
ELLIPSIS = "…"

_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Bidi embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the invisible direction marks.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# C0 and C1 control characters (newlines and tabs included): one line of text stays one line.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# GFM turns bare addresses into links *after* backslash escapes are resolved (https://evil.example, www.evil.example,
# someone@evil.example), so escaping alone is not enough: an invisible WORD JOINER inside "://", "www." and before "@"
# breaks the pattern and leaves the text looking the same.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?<=[wW]{3})(?=\.)|(?=@)")


def _plain(value: object, limit: int | None) -> str:
    text = _CONTROLS.sub(" ", _BIDI_CONTROLS.sub("", str(value)))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + ELLIPSIS
    return text


def safe_text(value: object, *, limit: int | None = None) -> str:
    """`value` as Markdown that renders exactly as the text itself: no link, image, HTML, colour, icon or formula."""
    text = _AUTOLINK_STARTS.sub(WORD_JOINER, _plain(value, limit))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def url_value(value: object) -> str:
    """A value from the page's link, echoed in a message: safe_text cut to URL_VALUE_LIMIT characters."""
    return safe_text(value, limit=URL_VALUE_LIMIT)


def cell_text(value: object) -> object:
    """A cell for st.dataframe: text without bidi or control characters (the grid shows no Markdown); other values unchanged."""
    return _plain(value, None) if isinstance(value, str) else value


def plotly_text(value: object) -> str:
    """`value` for a plotly label, title or hover text: shown as written, never as a tag or link."""
    return _plain(value, None).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def numbered_apart(labels: list[str]) -> list[str]:
    """Labels with any repeat numbered ("Outreach", "Outreach (2)"), so that two never read the same: two choices in a
    list, or two rows of a chart (plotly draws rows of one name on one line, their bars and labels over each other)."""
    seen: set[str] = set()
    unique = []
    for text in labels:
        candidate, n = text, 1
        while candidate in seen:
            n += 1
            candidate = f"{text} ({n})"
        seen.add(candidate)
        unique.append(candidate)
    return unique
