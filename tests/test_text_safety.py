"""The one text-safety step (data_access.text): each kind of payload comes out as plain text.

Streamlit's Markdown and plotly's label HTML are rendered in a real browser by tests/browser/test_text_safety.py;
here each payload is checked on the string: every Markdown-significant character is backslash-escaped (CommonMark
turns `\\x` into a literal x, so nothing can open a link, image, tag, directive or formula), and undoing the escapes
gives back the text as written, less bidi controls.
"""

from __future__ import annotations

import re

import pytest

from data_access import public
from data_access.text import ELLIPSIS, URL_VALUE_LIMIT, WORD_JOINER, cell_text, plotly_text, safe_text, url_value

ATTACK = (
    "x ![t](http://example.invalid/p.png) **The OPCC has moved this dashboard: "
    "[continue to the new site](https://evil.example/login)** :red[Security notice]"
)
PAYLOADS = {
    "link": "[continue](https://evil.example/login)",
    "autolink": "<https://evil.example/login>",
    "image": "![t](http://example.invalid/p.png)",
    "reference link": "[x][1]\n\n[1]: https://evil.example/",
    "html": '<a href="https://evil.example/">x</a><img src="http://example.invalid/p.png">',
    "colour directive": ":red[Security notice]",
    "background directive": ":red-background[notice]",
    "icon": ":material/warning: look",
    "emoji shortcode": ":rotating_light:",
    "latex": "$\\color{red}{\\text{alert}}$ and $$x$$",
    "emphasis": "**bold** _it_ ~~gone~~ `code`",
    "heading": "# Heading",
    "list and quote": "- item\n> quoted",
    "table": "| a | b |\n|---|---|",
    "bare address": "see https://evil.example/login or HTTP://EVIL.EXAMPLE",
    "www address": "go to www.evil.example now",
    "email address": "write to someone@evil.example",
    "the attack": ATTACK,
}
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Any ASCII punctuation mark: CommonMark's backslash-escapable set.
_PUNCT = r"!-/:-@\[-`{-~"


def unescape(markdown: str) -> str:
    """What CommonMark shows for text in which every punctuation mark is escaped."""
    return re.sub(rf"\\([{_PUNCT}])", r"\1", markdown).replace(WORD_JOINER, "")


def every_mark_escaped(markdown: str) -> bool:
    """True when no ASCII punctuation mark stands unescaped (so none can start Markdown, HTML or a directive)."""
    stripped = re.sub(rf"\\[{_PUNCT}]", "", markdown)
    return re.search(rf"[{_PUNCT}]", stripped) is None


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_each_payload_kind_is_plain_text(kind: str) -> None:
    payload = PAYLOADS[kind]
    shown = safe_text(payload)
    assert every_mark_escaped(shown), shown
    assert "\n" not in shown  # one line stays one line: no heading, list, quote or table can start
    assert unescape(shown) == payload.replace("\n", " ")


def test_the_attack_reads_as_written() -> None:
    shown = safe_text(ATTACK)
    assert "](" not in shown and ":red[" not in shown
    assert "\\[continue to the new site\\]\\(https\\:" in shown
    assert unescape(shown) == ATTACK


@pytest.mark.parametrize("address", ["https://evil.example/login", "HTTP://EVIL.EXAMPLE", "www.evil.example", "a@evil.example"])
def test_bare_addresses_cannot_become_links(address: str) -> None:
    # GFM links bare addresses after escapes are resolved: the pattern itself must be broken, invisibly.
    shown = unescape(safe_text(address).replace(WORD_JOINER, "|"))
    assert not re.search(r"(?i)https?://|www\.|\w@", shown), shown


def test_bidi_overrides_are_removed() -> None:
    assert safe_text(f"abc{BIDI}def") == "abcdef"
    assert plotly_text("\u202eabc\u2069") == "abc"


def test_url_values_are_capped_with_an_ellipsis() -> None:
    long = "a" * 5000
    shown = url_value(long)
    assert len(shown) == URL_VALUE_LIMIT and shown.endswith(ELLIPSIS)
    assert url_value("a" * URL_VALUE_LIMIT) == "a" * URL_VALUE_LIMIT  # at the limit: untouched
    # The cut comes before escaping, so an escape is never split from its mark.
    assert every_mark_escaped(url_value("[" * 1000))


def test_public_plain_text_is_the_same_escaper() -> None:
    assert public.plain_text(ATTACK) == safe_text(ATTACK)
    assert public.plain_text("St Giles Trust (SOVA)") == "St Giles Trust \\(SOVA\\)"


def test_plotly_text_escapes_tags_and_entities() -> None:
    assert plotly_text('<a href="https://evil.example/">x</a>') == '&lt;a href="https://evil.example/"&gt;x&lt;/a&gt;'
    assert plotly_text("Victims & witnesses <br>") == "Victims &amp; witnesses &lt;br&gt;"
    assert plotly_text("&lt;") == "&amp;lt;"  # an entity in the data stays text too
    assert plotly_text(12) == "12"


def test_sankey_and_bar_labels_are_escaped() -> None:
    import pandas as pd

    from charts.spend import budget_and_spend_figure, money_flow_figure

    evil = '<a href="https://evil.example/">Provider</a>'
    flows = pd.DataFrame(
        {"funding_stream": ["Grant"], "priority": ["Victims"], "provider": [evil], "amount_pence": [100_00], "illustrative": [False]}
    )
    sankey = money_flow_figure(flows, title="<b>Flow</b>")
    labels = [label.replace("<br>", " ") for label in sankey.data[0].node.label]  # a long name wraps at its spaces
    assert plotly_text(evil) in labels and all("<a" not in label for label in sankey.data[0].node.label)
    assert sankey.layout.title.text == "&lt;b&gt;Flow&lt;/b&gt;"
    spend = pd.DataFrame({"priority": [evil], "budget_pence": [1], "spend_pence": [1]})
    spend["budget_illustrative"] = spend["spend_illustrative"] = spend["illustrative"] = False
    bars = budget_and_spend_figure(spend, category="priority", title="t")
    assert all("<a" not in str(y) for trace in bars.data for y in trace.y)


def test_table_cells_lose_bidi_and_control_characters_only() -> None:
    from ui.render import plain_cells

    frame = plain_cells(pd_frame := __import__("pandas").DataFrame({"name": [f"a{BIDI}b\nc"], "n": [3]}))
    assert frame["name"].tolist() == ["ab c"] and frame["n"].tolist() == [3]
    assert pd_frame["name"].iloc[0] != "ab c"  # a copy: the frame given is left as it was
    assert cell_text("[x](https://evil.example/)") == "[x](https://evil.example/)"  # the grid shows text as text
    assert cell_text(1.5) == 1.5
