"""Cutting a text into marked and unmarked pieces (evidence spans, claims)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casebook.web.highlight import Mark, pieces


def test_highlight_marks_each_span_once_in_order() -> None:
    cut = pieces("Police arrested Chan on Tuesday.", [Mark(21, 31, "/e/2"), Mark(7, 15, "/e/1")])
    assert [(p.text, p.mark.href if p.mark else None) for p in cut] == [
        ("Police ", None),
        ("arrested", "/e/1"),
        (" Chan ", None),
        ("on Tuesday", "/e/2"),
        (".", None),
    ]


def test_highlight_overlapping_span_starts_after_the_earlier_one() -> None:
    cut = pieces("abcdefgh", [Mark(0, 5, "x"), Mark(3, 8, "y")])
    assert [(p.text, p.mark.href if p.mark else None) for p in cut] == [("abcde", "x"),
                                                                        ("fgh", "y")]  # fmt: skip


def test_highlight_span_beyond_the_text_is_clipped() -> None:
    assert [p.text for p in pieces("abc", [Mark(2, 99), Mark(50, 60)])] == ["ab", "c"]


@given(
    st.text(max_size=60),
    st.lists(st.tuples(st.integers(-5, 70), st.integers(-5, 70)), max_size=8),
)
def test_highlight_pieces_put_back_together_are_the_text(
    text: str, spans: list[tuple[int, int]]
) -> None:
    cut = pieces(text, [Mark(a, b) for a, b in spans])
    assert "".join(p.text for p in cut) == text
    assert all(p.text for p in cut)
