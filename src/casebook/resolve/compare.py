"""Compare two names, then two mentions, as an ordered list of labelled levels (Splink-style).

The first level whose test passes decides the name comparison, so a reviewer reads one label
and its reasons ("jyutping_match: Cantonese sound 'lai|ci ying' is shared …"). Context
(age at a date, organisations, cases) then raises or lowers the score; ages that imply birth
years too far apart veto the link whatever the names say, since two people can share a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz.distance import JaroWinkler

from casebook.resolve.names import (
    PersonName,
    Sound,
    chinese_pinyin,
    fold_family,
    fold_syllable,
    parse_name,
    sounds,
    syllable_inventory,
    to_traditional,
)

COMPARISON = "resolve.compare.v1"
FUZZY_THRESHOLD = 0.92
BIRTH_YEAR_TOLERANCE = 2  # ages implying births further apart than this veto a link
VETO_SCORE = 0.02
ORGANISATION_FACTOR = 3.0
CASE_FACTOR = 6.0
BIRTH_FACTOR = 3.0


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why two names (or mentions) look alike: the level, a score in [0, 1], the reasons."""

    level: str
    score: float
    reasons: list[str] = field(default_factory=list)


Test = Callable[[PersonName, PersonName], str | None]


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level: its label, its score, and the test that returns a reason or None."""

    name: str
    score: float
    test: Test


def compare(a: PersonName, b: PersonName) -> Comparison:
    """The first level in LEVELS whose test passes; `different` when none does."""
    for level in LEVELS:
        reason = level.test(a, b)
        if reason is not None:
            score = level.score
            if level.name == "fuzzy":
                score = round(level.score * _similarity(a, b), 4)
            return Comparison(level.name, score, [reason])
    return Comparison("different", 0.0, [_difference(a, b)])


# --- The level tests ---------------------------------------------------------------------


def _exact_chinese(a: PersonName, b: PersonName) -> str | None:
    if a.chinese and a.chinese == b.chinese:
        return f"same Chinese characters {a.chinese}"
    return None


def _same_chinese_after_conversion(a: PersonName, b: PersonName) -> str | None:
    if a.chinese and b.chinese and to_traditional(a.chinese) == to_traditional(b.chinese):
        return f"{a.chinese} and {b.chinese} are one name in Traditional and Simplified script"
    return None


def _different_chinese(a: PersonName, b: PersonName) -> str | None:
    if a.chinese and b.chinese:
        return f"different Chinese characters {a.chinese} and {b.chinese}"
    return None


def _exact_romanised(a: PersonName, b: PersonName) -> str | None:
    if a.family and a.given and _latin(a) == _latin(b):
        return (
            f"same family name '{a.family}' and given syllables '{' '.join(a.given)}' once case, "
            "hyphens, spacing, word order and titles are normalised"
        )
    return None


def _english_name_added_or_dropped(a: PersonName, b: PersonName) -> str | None:
    if not (a.family and a.given) or (a.family, a.given) != (b.family, b.given):
        return None
    if bool(a.english) != bool(b.english):
        english = ", ".join(a.english or b.english)
        return f"same Chinese name '{a.romanised}'; English name '{english}' only in one"
    return None


def _same_english_and_family_name(a: PersonName, b: PersonName) -> str | None:
    if a.family and a.family == b.family and not a.given and not b.given:
        shared = set(a.english) & set(b.english)
        if shared:
            return f"same family name '{a.family}' and English name '{', '.join(sorted(shared))}'"
    return None


def _jyutping_match(a: PersonName, b: PersonName) -> str | None:
    if not _english_compatible(a, b):
        return None
    shared = _shared_sound(sounds(a), sounds(b))
    if shared is None:
        return None
    return f"same Cantonese sound '{shared}' (HK-government spelling, Jyutping or characters)"


def _pinyin_match(a: PersonName, b: PersonName) -> str | None:
    for latin, chinese in ((a, b), (b, a)):
        spelt = chinese_pinyin(chinese)
        if not (spelt and latin.family and latin.given):
            continue
        in_order = latin.family in spelt[0] and spelt[1] == latin.given
        # a pinyin name may be written family-last, and pinyin surnames are not in the table
        reordered = any(
            sorted([family, *spelt[1]]) == sorted([latin.family, *latin.given])
            for family in spelt[0]
        )
        if in_order or reordered:
            return f"'{latin.romanised}' is the Mandarin pinyin of {chinese.chinese}"
    return None


def _same_syllables_reordered(a: PersonName, b: PersonName) -> str | None:
    if not (a.family and a.given and b.family and b.given) or not _english_compatible(a, b):
        return None
    if _syllable_bag(a) == _syllable_bag(b):
        return "same syllables with family and given name in a different order"
    return None


def _given_name_added_or_dropped(a: PersonName, b: PersonName) -> str | None:
    shared = set(a.english) & set(b.english)
    if not shared or _has_given(a) == _has_given(b):
        return None
    if _families_meet(a, b):
        return f"same family and English name '{', '.join(sorted(shared))}'; given name in one only"
    return None


def _fuzzy(a: PersonName, b: PersonName) -> str | None:
    if not (a.given and b.given and len(a.given) == len(b.given)) or not _families_meet(a, b):
        return None
    if not _english_compatible(a, b):
        return None
    similarity = _similarity(a, b)
    inventory = syllable_inventory()
    differing = [(x, y) for x, y in zip(a.given, b.given, strict=True) if x != y]
    typo_like = all(x not in inventory or y not in inventory for x, y in differing)
    if similarity >= FUZZY_THRESHOLD and typo_like:
        return (
            f"'{a.romanised}' and '{b.romanised}' differ by a likely misspelling ({similarity:.2f})"
        )
    return None


def _english_name_differs(a: PersonName, b: PersonName) -> str | None:
    if a.english and b.english and _shared_sound(sounds(a), sounds(b)) is not None:
        return (
            f"same Chinese name but English names differ: "
            f"{', '.join(a.english)} / {', '.join(b.english)}"
        )
    return None


def _family_name_only(a: PersonName, b: PersonName) -> str | None:
    if _has_given(a) and _has_given(b):
        return None
    if _english_compatible(a, b) and _families_meet(a, b):
        return "only the family name can be compared; the rest is missing on one side"
    return None


LEVELS: tuple[Level, ...] = (
    Level("exact_chinese", 0.99, _exact_chinese),
    Level("same_chinese_after_conversion", 0.98, _same_chinese_after_conversion),
    Level("different_chinese", 0.0, _different_chinese),
    Level("exact_romanised", 0.97, _exact_romanised),
    Level("english_name_added_or_dropped", 0.95, _english_name_added_or_dropped),
    Level("jyutping_match", 0.93, _jyutping_match),
    Level("pinyin_match", 0.9, _pinyin_match),
    Level("same_syllables_reordered", 0.88, _same_syllables_reordered),
    Level("same_english_and_family_name", 0.82, _same_english_and_family_name),
    Level("given_name_added_or_dropped", 0.82, _given_name_added_or_dropped),
    Level("fuzzy", 0.85, _fuzzy),
    Level("english_name_differs", 0.6, _english_name_differs),
    Level("family_name_only", 0.3, _family_name_only),
)
LEVEL_NAMES: tuple[str, ...] = (*(level.name for level in LEVELS), "different")


# --- Helpers -----------------------------------------------------------------------------


def _latin(name: PersonName) -> tuple[str | None, tuple[str, ...], frozenset[str]]:
    return name.family, name.given, frozenset(name.english)


def _english_compatible(a: PersonName, b: PersonName) -> bool:
    return not (a.english and b.english and not set(a.english) & set(b.english))


def _has_given(name: PersonName) -> bool:
    return any(given for _, given in sounds(name))


def _families_meet(a: PersonName, b: PersonName) -> bool:
    return any(fa & fb for fa, _ in sounds(a) for fb, _ in sounds(b))


def _shared_sound(left: Iterable[Sound], right: Iterable[Sound]) -> str | None:
    """The first sound both sides share: same family sound, same given syllables in order."""
    for family_a, given_a in left:
        for family_b, given_b in right:
            family = family_a & family_b
            if not family or not given_a or len(given_a) != len(given_b):
                continue
            pairs = [x & y for x, y in zip(given_a, given_b, strict=True)]
            if all(pairs):
                return f"{min(family)}|{' '.join(min(p) for p in pairs)}"
    return None


def _syllable_bag(name: PersonName) -> list[str]:
    family = min(fold_family(name.family)) if name.family else ""
    return sorted([family, *(min(fold_syllable(s)) for s in name.given)])


def _similarity(a: PersonName, b: PersonName) -> float:
    return float(JaroWinkler.normalized_similarity(a.romanised, b.romanised))


def _difference(a: PersonName, b: PersonName) -> str:
    return f"no level matched: '{a.text or a.display()}' vs '{b.text or b.display()}'"


# --- Mentions: a name in its context -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionContext:
    """A person mention with what the report says around it."""

    name: PersonName
    age: int | None = None
    age_date: date | None = None
    organisations: frozenset[str] = frozenset()
    cases: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MentionContext:
        """From {"name", "age", "age_date" (ISO), "organisations": [...], "cases": [...]}."""
        when = data.get("age_date")
        return cls(
            name=parse_name(str(data["name"])),
            age=int(data["age"]) if data.get("age") is not None else None,
            age_date=date.fromisoformat(when) if when else None,
            organisations=frozenset(o.casefold() for o in data.get("organisations") or ()),
            cases=frozenset(str(c) for c in data.get("cases") or ()),
        )

    def birth_years(self) -> tuple[int, int] | None:
        """Earliest and latest birth year the age implies: age A on D means born D.year-A-1 or
        D.year-A."""
        if self.age is None or self.age_date is None:
            return None
        latest = self.age_date.year - self.age
        return latest - 1, latest


def birth_year_gap(a: MentionContext, b: MentionContext) -> int | None:
    """Years between the two birth-year ranges (0 when they overlap); None when unknown."""
    left, right = a.birth_years(), b.birth_years()
    if left is None or right is None:
        return None
    return max(right[0] - left[1], left[0] - right[1], 0)


def compare_mentions(a: MentionContext, b: MentionContext) -> Comparison:
    """Name comparison adjusted by context; conflicting ages veto the link."""
    name = compare(a.name, b.name)
    reasons = list(name.reasons)
    gap = birth_year_gap(a, b)
    if gap is not None and gap > BIRTH_YEAR_TOLERANCE:
        reasons.append(f"ages imply birth years {gap} years apart: different people")
        return Comparison("context_conflict", min(name.score, VETO_SCORE), reasons)
    if name.score == 0.0:
        return Comparison(name.level, 0.0, reasons)
    factor = 1.0
    if gap == 0:
        factor *= BIRTH_FACTOR
        reasons.append("ages agree on the birth year")
    shared = a.organisations & b.organisations
    if shared:
        factor *= ORGANISATION_FACTOR
        reasons.append(f"same organisation: {', '.join(sorted(shared))}")
    if a.cases & b.cases:
        factor *= CASE_FACTOR
        reasons.append(f"same case: {', '.join(sorted(a.cases & b.cases))}")
    return Comparison(name.level, _rescale(name.score, factor), reasons)


def _rescale(score: float, factor: float) -> float:
    """Multiply the odds of a link by `factor` (a Bayes factor) and return the probability."""
    if score >= 1.0:
        return 1.0
    odds = score / (1.0 - score) * factor
    return round(odds / (1.0 + odds), 4)
