"""Where text sits on a printed PDF page, read with pypdf: each run of text with its height on the page.

pypdf's `visitor_text` gives a run's text matrix and the graphics matrix as pypdf tracks it, but pypdf starts each
form XObject (Chromium paints layers as forms) at the identity matrix: the form's own /Matrix and the matrix in force
where the page calls it are lost, and text inside a form would be placed wrongly. `runs` keeps that missing part
itself, from the operators pypdf reports before and after each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pypdf import PageObject

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# A glyph's box from its baseline, in ems: the descent below it and the ascent above it (Source Sans: 0.27 and 0.96).
DESCENT, ASCENT = 0.27, 0.96


@dataclass(frozen=True)
class Run:
    """A piece of text as one operator shows it: its text, and its bottom and top in points from the page's foot."""

    text: str
    bottom: float
    top: float


def times(m: Any, n: Any) -> Matrix:
    """m × n for PDF's 3×3 matrices written as six numbers (a b c d e f)."""
    a, b, c, d, e, f = (float(x) for x in m)
    p, q, r, s, t, u = (float(x) for x in n)
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def runs(page: PageObject) -> list[Run]:
    """Every run of text on `page` in the order it is painted, placed on the page."""
    found: list[Run] = []
    # The matrix that takes a form's own space to the page's, one per form being read; a form called but not yet
    # entered (pypdf reports the text before the call first) waits in `entering`.
    bases: list[Matrix] = [IDENTITY]
    resources: list[Any] = [page.get("/Resources", {})]
    entering: list[tuple[Matrix, Any] | None] = [None]

    def enter() -> None:
        if (pending := entering[0]) is not None:
            bases.append(pending[0])
            resources.append(pending[1])
            entering[0] = None

    def before(operator: bytes, operands: list[Any], cm: Any, tm: Any) -> None:
        enter()  # the first operator inside a form: the form has been entered
        if operator == b"Do":
            xobjects = resources[-1].get("/XObject", {})
            form = xobjects[operands[0]].get_object() if operands[0] in xobjects else None
            if form is not None and form.get("/Subtype") == "/Form":
                at = times(cm, bases[-1])
                entering[0] = (times(form.get("/Matrix", IDENTITY), at), form.get("/Resources", resources[-1]))

    def after(operator: bytes, operands: list[Any], cm: Any, tm: Any) -> None:
        if operator == b"Do":
            if entering[0] is not None:  # an image, or a form with nothing in it
                entering[0] = None
            elif len(bases) > 1:
                bases.pop()
                resources.pop()

    def text(shown: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if shown.strip():
            m = times(tm, times(cm, bases[-1]))
            em = size * (m[2] ** 2 + m[3] ** 2) ** 0.5
            found.append(Run(shown, m[5] - DESCENT * em, m[5] + ASCENT * em))

    page.extract_text(visitor_operand_before=before, visitor_operand_after=after, visitor_text=text)
    return found
