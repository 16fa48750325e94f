"""Cut a text into pieces so spans in it can be marked: evidence in a source, claims in a
checked article. Pure; the templates render the pieces (escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A span to mark: where, a link target (or ""), and a label (a verdict, a field)."""

    start: int
    end: int
    href: str = ""
    label: str = ""


@dataclass(frozen=True)
class Piece:
    text: str
    mark: Mark | None = None


def pieces(text: str, marks: Sequence[Mark]) -> list[Piece]:
    """The text in order, each marked span once; a span overlapping an earlier one is
    shortened to start after it (evidence spans may nest or overlap)."""
    out: list[Piece] = []
    at = 0
    for mark in sorted(marks, key=lambda m: (m.start, -m.end)):
        start, end = max(mark.start, at, 0), min(mark.end, len(text))
        if end <= start:
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], mark))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out
