"""Comparison levels for names and mentions (casebook.resolve.compare)."""

from __future__ import annotations

import json
from datetime import date
from itertools import permutations
from pathlib import Path

import pytest
from hypothesis import given

from casebook.resolve.compare import (
    LEVEL_NAMES,
    LEVELS,
    MentionContext,
    compare,
    compare_mentions,
    name_score,
)
from casebook.resolve.names import PersonName, parse_name
from tests.resolve.test_names import written_names

# One case per name phenomenon of issue 4 item 1, with the level a reviewer should see.
PHENOMENA = [
    ("hyphen_vs_space", "Lai Chee-ying", "Lai Chee Ying", "exact_romanised"),
    ("run_together", "Lai Chee-ying", "Lai Cheeying", "exact_romanised"),
    ("case", "LAI Chee-ying", "Lai Chee-ying", "exact_romanised"),
    ("family_last", "Chee-ying Lai", "Lai Chee-ying", "exact_romanised"),
    ("honorific", "Mr Lai Chee-ying", "Lai Chee-ying", "exact_romanised"),
    ("title", "former lawmaker Leung Kwok-hung", "Leung Kwok-hung", "exact_romanised"),
    ("english_dropped", "Jimmy Lai Chee-ying", "Lai Chee-ying", "english_name_added_or_dropped"),
    ("chinese_given_dropped", "Jimmy Lai", "Jimmy Lai Chee-ying", "given_name_added_or_dropped"),
    ("english_name_only", "Jimmy Lai", "Mr Jimmy Lai", "same_english_and_family_name"),
    ("same_characters", "黎智英", "黎智英 (Jimmy Lai)", "exact_chinese"),
    ("traditional_simplified", "黄之锋", "黃之鋒", "same_chinese_after_conversion"),
    ("characters_vs_hk_spelling", "黎智英", "Lai Chee-ying", "jyutping_match"),
    ("jyutping_vs_hk_spelling", "Lai Zi-jing", "Lai Chee-ying", "jyutping_match"),
    ("hk_spelling_variant", "Lai Chi-ying", "Lai Chee-ying", "jyutping_match"),
    ("pinyin_vs_characters", "Li Zhiying", "黎智英", "pinyin_match"),
    ("characters_with_english", "黎智英 (Jimmy Lai)", "Jimmy Lai", "same_english_and_family_name"),
    ("order_ambiguous", "Ting Chow", "Chow Ting", "same_syllables_reordered"),
    ("typo", "Chan Ka-yan", "Chan Ka-yna", "fuzzy"),
    ("english_only_vs_given_only", "Jimmy Lai", "Lai Chee-ying", "family_name_only"),
    ("different_characters", "黎智英", "賴智英", "different_chinese"),
    ("different_given", "Chan Ka-yan", "Chan Ka-yin", "different"),
]  # fmt: skip


# Every level with one pair that reaches it, for checking `name_score` level by level.
EVERY_LEVEL = [
    *((left, right, level) for _, left, right, level in PHENOMENA),
    ("Jimmy Lai Chee-ying", "Peter Lai Chi-ying", "english_name_differs"),
]

DATA = Path(__file__).resolve().parent.parent / "data" / "resolve"


@pytest.mark.parametrize(("phenomenon", "left", "right", "level"), PHENOMENA)
def test_compare_names_level_per_phenomenon(
    phenomenon: str, left: str, right: str, level: str
) -> None:
    result = compare(parse_name(left), parse_name(right))
    assert result.level == level, f"{phenomenon}: {result.reasons}"
    assert result.reasons


def test_compare_scores_are_probabilities() -> None:
    scores = [compare(parse_name(a), parse_name(b)).score for _, a, b, _ in PHENOMENA]
    assert all(0.0 <= s <= 1.0 for s in scores)


def _mention(
    name: str, age: int | None = None, when: str | None = None, **kw: object
) -> MentionContext:
    return MentionContext.from_dict({"name": name, "age": age, "age_date": when, **kw})


def test_compare_mentions_same_name_different_ages_is_vetoed() -> None:
    result = compare_mentions(
        _mention("Chan Ka-yan", 23, "2021-06-01"), _mention("Chan Ka-yan", 58, "2021-06-01")
    )
    assert result.level == "context_conflict"
    assert result.score < 0.1
    assert any("birth years" in reason for reason in result.reasons)


def test_compare_mentions_same_characters_different_ages_is_vetoed() -> None:
    result = compare_mentions(
        _mention("陳嘉欣", 30, "2020-01-01"), _mention("陈嘉欣", 61, "2024-01-01")
    )
    assert result.level == "context_conflict"


def test_compare_mentions_ages_a_year_apart_do_not_veto() -> None:
    result = compare_mentions(
        _mention("Chan Ka-yan", 23, "2021-06-01"), _mention("Chan Ka-yan", 25, "2022-12-01")
    )
    assert result.level == "exact_romanised"


def test_compare_mentions_context_raises_a_weak_name_match() -> None:
    bare = compare_mentions(_mention("Jimmy Lai"), _mention("Lai Chee-ying"))
    backed = compare_mentions(
        _mention("Jimmy Lai", 72, "2020-08-10", organisations=["Next Digital"], cases=["c1"]),
        _mention("Lai Chee-ying", 73, "2021-04-16", organisations=["next digital"], cases=["c1"]),
    )
    assert backed.score > bare.score
    assert backed.level == "family_name_only"
    assert any("same case" in reason for reason in backed.reasons)


def test_compare_mentions_context_cannot_rescue_different_names() -> None:
    result = compare_mentions(
        _mention("Chan Ka-yan", organisations=["union"], cases=["c1"]),
        _mention("Chan Wing-sze", organisations=["union"], cases=["c1"]),
    )
    assert result.score == 0.0


def test_compare_mention_birth_years_follow_the_age_date() -> None:
    assert MentionContext(parse_name("x"), 30, date(2020, 5, 1)).birth_years() == (1989, 1990)


@given(written_names())
def test_compare_a_name_with_itself_is_the_top_level(text: str) -> None:
    name = parse_name(text)
    result = compare(name, name)
    if name.chinese:
        assert result.level == "exact_chinese"
    elif name.given:
        assert result.level == "exact_romanised"
    else:
        assert result.level == "same_english_and_family_name" or not name.english


@given(written_names(), written_names())
def test_compare_is_symmetric(left: str, right: str) -> None:
    a, b = parse_name(left), parse_name(right)
    forward, backward = compare(a, b), compare(b, a)
    assert (forward.level, forward.score) == (backward.level, backward.score)
    assert forward.level in LEVEL_NAMES


# --- name_score: compare(a, b).score without the reasons ---------------------------------


def _same_score(a: PersonName, b: PersonName) -> bool:
    return name_score(a, b) == compare(a, b).score


def _labelled_pairs() -> list[tuple[PersonName, PersonName]]:
    rows = [json.loads(line) for line in (DATA / "pairs.jsonl").read_text("utf-8").splitlines()]
    return [(parse_name(row["a"]["name"]), parse_name(row["b"]["name"])) for row in rows]


def _first_matching_level(a: PersonName, b: PersonName) -> str:
    """The rule as written: every level in order, none skipped."""
    return next((level.name for level in LEVELS if level.matches(a, b)), "different")


def test_compare_every_level_has_a_name_score_example() -> None:
    assert {level for _, _, level in EVERY_LEVEL} == set(LEVEL_NAMES)


@pytest.mark.parametrize(("left", "right", "level"), EVERY_LEVEL)
def test_compare_name_score_is_the_score_at_each_level(left: str, right: str, level: str) -> None:
    a, b = parse_name(left), parse_name(right)
    assert compare(a, b).level == level
    assert name_score(a, b) == compare(a, b).score
    assert name_score(b, a) == compare(b, a).score


def test_compare_name_score_is_the_score_on_labelled_pairs() -> None:
    differing = [
        (a.text, b.text)
        for a, b in _labelled_pairs()
        if not (_same_score(a, b) and _same_score(b, a))
    ]
    assert differing == []


def test_compare_name_score_is_the_score_among_cluster_names() -> None:
    lines = (DATA / "clusters.jsonl").read_text("utf-8").splitlines()
    # ~350 distinct names, ~120,000 ordered pairs: about a second; capped should the file grow
    texts = sorted({json.loads(line)["name"] for line in lines})[:400]
    names = [parse_name(text) for text in texts]
    differing = [(a.text, b.text) for a, b in permutations(names, 2) if not _same_score(a, b)]
    assert differing == []


def test_compare_level_is_the_first_in_levels_that_matches() -> None:
    names = _labelled_pairs()
    names += [(parse_name(left), parse_name(right)) for left, right, _ in EVERY_LEVEL]
    assert [compare(a, b).level for a, b in names] == [
        _first_matching_level(a, b) for a, b in names
    ]


@given(written_names(), written_names())
def test_compare_level_is_the_first_in_levels_that_matches_any_names(left: str, right: str) -> None:
    a, b = parse_name(left), parse_name(right)
    assert compare(a, b).level == _first_matching_level(a, b)


@given(written_names(), written_names())
def test_compare_name_score_is_the_score_on_any_names(left: str, right: str) -> None:
    a, b = parse_name(left), parse_name(right)
    assert name_score(a, b) == compare(a, b).score
