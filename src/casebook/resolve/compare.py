"""Compare two names, then two mentions, as an ordered list of labelled levels (Splink-style).

The first level whose test passes decides the name comparison, so a reviewer reads one label
and its reasons ("jyutping_match: Cantonese sound 'lai|ci ying' is shared …"). Context
(age at a date, organisations, cases) then raises or lowers the score; ages that imply birth
years too far apart veto the link whatever the names say, since two people can share a name.

Each level is a cheap yes/no test (`matches`) and the reason it gives once it has matched
(`reason`), so `compare` and `name_score` walk the one list, `LEVELS`, and bulk resolution,
which wants only the score, never builds a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
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
# Romanised names whose syllable bag is kept: about the distinct ones of a million mentions.
_BAG_CACHE = 1 << 18


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why two names (or mentions) look alike: the level, a score in [0, 1], the reasons."""

    level: str
    score: float
    reasons: list[str] = field(default_factory=list)


Match = Callable[[PersonName, PersonName], bool]
Reason = Callable[[PersonName, PersonName], str]


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level: its label, its score, whether a pair of names is at this level,
    and why (`reason` is asked only of a pair that `matches`)."""

    name: str
    score: float
    matches: Match
    reason: Reason
    by_similarity: bool = False  # the score is scaled by how alike the two spellings are

    def score_of(self, a: PersonName, b: PersonName) -> float:
        """The score of a pair that `matches` this level."""
        if self.by_similarity:
            return round(self.score * _similarity(a, b), 4)
        return self.score


def compare(a: PersonName, b: PersonName) -> Comparison:
    """The first level in LEVELS whose test passes; `different` when none does."""
    for level in _CHARACTER_LEVELS if a.chinese and b.chinese else _SPELLING_LEVELS:
        if level.matches(a, b):
            return Comparison(level.name, level.score_of(a, b), [level.reason(a, b)])
    return Comparison("different", 0.0, [_difference(a, b)])


def name_score(a: PersonName, b: PersonName) -> float:
    """`compare(a, b).score` without its reasons: bulk resolution scores ~800,000 pairs of
    names per million mentions and reads nothing else."""
    # Each Python call costs about a tenth of a microsecond here, a few percent of the whole:
    # hence `score_of` only for the one level that needs it.
    for level in _CHARACTER_LEVELS if a.chinese and b.chinese else _SPELLING_LEVELS:
        if level.matches(a, b):
            return level.score_of(a, b) if level.by_similarity else level.score
    return 0.0


# --- The levels: a test, then the reason it gives ------------------------------------------


def _exact_chinese(a: PersonName, b: PersonName) -> bool:
    if not a.chinese:
        return False
    return a.chinese == b.chinese


def _exact_chinese_reason(a: PersonName, b: PersonName) -> str:
    return f"same Chinese characters {a.chinese}"


def _same_chinese_after_conversion(a: PersonName, b: PersonName) -> bool:
    if not (a.chinese and b.chinese):
        return False
    return to_traditional(a.chinese) == to_traditional(b.chinese)


def _same_chinese_after_conversion_reason(a: PersonName, b: PersonName) -> str:
    return f"{a.chinese} and {b.chinese} are one name in Traditional and Simplified script"


def _different_chinese(a: PersonName, b: PersonName) -> bool:
    return bool(a.chinese and b.chinese)


def _different_chinese_reason(a: PersonName, b: PersonName) -> str:
    return f"different Chinese characters {a.chinese} and {b.chinese}"


def _exact_romanised(a: PersonName, b: PersonName) -> bool:
    if not (a.family and a.given) or a.family != b.family or a.given != b.given:
        return False
    return a.english == b.english or set(a.english) == set(b.english)


def _exact_romanised_reason(a: PersonName, b: PersonName) -> str:
    return (
        f"same family name '{a.family}' and given syllables '{' '.join(a.given)}' once case, "
        "hyphens, spacing, word order and titles are normalised"
    )


def _english_name_added_or_dropped(a: PersonName, b: PersonName) -> bool:
    if not (a.family and a.given) or a.family != b.family or a.given != b.given:
        return False
    return bool(a.english) != bool(b.english)


def _english_name_added_or_dropped_reason(a: PersonName, b: PersonName) -> str:
    english = ", ".join(a.english or b.english)
    return f"same Chinese name '{a.romanised}'; English name '{english}' only in one"


def _same_english_and_family_name(a: PersonName, b: PersonName) -> bool:
    if not a.family or a.family != b.family or a.given or b.given:
        return False
    return _share_english(a, b)


def _same_english_and_family_name_reason(a: PersonName, b: PersonName) -> str:
    return f"same family name '{a.family}' and English name '{_shared_english(a, b)}'"


def _jyutping_match(a: PersonName, b: PersonName) -> bool:
    return _english_compatible(a, b) and _share_sound(sounds(a), sounds(b))


def _jyutping_match_reason(a: PersonName, b: PersonName) -> str:
    shared = _shared_sound(sounds(a), sounds(b))
    return f"same Cantonese sound '{shared}' (HK-government spelling, Jyutping or characters)"


def _pinyin_match(a: PersonName, b: PersonName) -> bool:
    return _is_pinyin_of(a, b) or _is_pinyin_of(b, a)


def _pinyin_match_reason(a: PersonName, b: PersonName) -> str:
    latin, chinese = (a, b) if _is_pinyin_of(a, b) else (b, a)
    return f"'{latin.romanised}' is the Mandarin pinyin of {chinese.chinese}"


def _same_syllables_reordered(a: PersonName, b: PersonName) -> bool:
    if not (a.family and a.given and b.family and b.given) or len(a.given) != len(b.given):
        return False
    if not _english_compatible(a, b):
        return False
    return _syllable_bag(a.family, a.given) == _syllable_bag(b.family, b.given)


def _same_syllables_reordered_reason(a: PersonName, b: PersonName) -> str:
    return "same syllables with family and given name in a different order"


def _given_name_added_or_dropped(a: PersonName, b: PersonName) -> bool:
    if not _share_english(a, b) or _has_given(a) == _has_given(b):
        return False
    return _families_meet(a, b)


def _given_name_added_or_dropped_reason(a: PersonName, b: PersonName) -> str:
    return f"same family and English name '{_shared_english(a, b)}'; given name in one only"


def _fuzzy(a: PersonName, b: PersonName) -> bool:
    if not (a.given and b.given and len(a.given) == len(b.given)) or not _families_meet(a, b):
        return False
    if not _english_compatible(a, b) or _similarity(a, b) < FUZZY_THRESHOLD:
        return False
    inventory = syllable_inventory()
    differing = [(x, y) for x, y in zip(a.given, b.given, strict=True) if x != y]
    return all(x not in inventory or y not in inventory for x, y in differing)


def _fuzzy_reason(a: PersonName, b: PersonName) -> str:
    similarity = _similarity(a, b)
    return f"'{a.romanised}' and '{b.romanised}' differ by a likely misspelling ({similarity:.2f})"


def _english_name_differs(a: PersonName, b: PersonName) -> bool:
    return bool(a.english and b.english) and _share_sound(sounds(a), sounds(b))


def _english_name_differs_reason(a: PersonName, b: PersonName) -> str:
    return (
        f"same Chinese name but English names differ: "
        f"{', '.join(a.english)} / {', '.join(b.english)}"
    )


def _family_name_only(a: PersonName, b: PersonName) -> bool:
    if _has_given(a) and _has_given(b):
        return False
    return _english_compatible(a, b) and _families_meet(a, b)


def _family_name_only_reason(a: PersonName, b: PersonName) -> str:
    return "only the family name can be compared; the rest is missing on one side"


# The order is the rule: the first level in LEVELS that matches decides. Names both written in
# characters are decided by them alone, as `different_chinese` takes every such pair the two
# levels before it do not; so `compare` and `name_score` try a pair on one group of levels only.
_CHARACTER_LEVELS: tuple[Level, ...] = (
    Level("exact_chinese", 0.99, _exact_chinese, _exact_chinese_reason),
    Level(
        "same_chinese_after_conversion",
        0.98,
        _same_chinese_after_conversion,
        _same_chinese_after_conversion_reason,
    ),
    Level("different_chinese", 0.0, _different_chinese, _different_chinese_reason),
)
# Every other pair (characters on one side at most): the spelling decides.
_SPELLING_LEVELS: tuple[Level, ...] = (
    Level("exact_romanised", 0.97, _exact_romanised, _exact_romanised_reason),
    Level(
        "english_name_added_or_dropped",
        0.95,
        _english_name_added_or_dropped,
        _english_name_added_or_dropped_reason,
    ),
    Level("jyutping_match", 0.93, _jyutping_match, _jyutping_match_reason),
    Level("pinyin_match", 0.9, _pinyin_match, _pinyin_match_reason),
    Level(
        "same_syllables_reordered",
        0.88,
        _same_syllables_reordered,
        _same_syllables_reordered_reason,
    ),
    Level(
        "same_english_and_family_name",
        0.82,
        _same_english_and_family_name,
        _same_english_and_family_name_reason,
    ),
    Level(
        "given_name_added_or_dropped",
        0.82,
        _given_name_added_or_dropped,
        _given_name_added_or_dropped_reason,
    ),
    Level("fuzzy", 0.85, _fuzzy, _fuzzy_reason, by_similarity=True),
    Level("english_name_differs", 0.6, _english_name_differs, _english_name_differs_reason),
    Level("family_name_only", 0.3, _family_name_only, _family_name_only_reason),
)
LEVELS: tuple[Level, ...] = _CHARACTER_LEVELS + _SPELLING_LEVELS
LEVEL_NAMES: tuple[str, ...] = (*(level.name for level in LEVELS), "different")


# --- Helpers -----------------------------------------------------------------------------


def _shared_english(a: PersonName, b: PersonName) -> str:
    return ", ".join(sorted(set(a.english) & set(b.english)))


def _share_english(a: PersonName, b: PersonName) -> bool:
    return bool(a.english and b.english) and not set(a.english).isdisjoint(b.english)


def _english_compatible(a: PersonName, b: PersonName) -> bool:
    """No English names that differ: none on one side, or one shared."""
    return not (a.english and b.english) or not set(a.english).isdisjoint(b.english)


def _has_given(name: PersonName) -> bool:
    return any(given for _, given in sounds(name))


def _families_meet(a: PersonName, b: PersonName) -> bool:
    return any(not fa.isdisjoint(fb) for fa, _ in sounds(a) for fb, _ in sounds(b))


def _is_pinyin_of(latin: PersonName, chinese: PersonName) -> bool:
    """Is `latin`'s family and given name the Mandarin pinyin of `chinese`'s characters?"""
    if not (chinese.chinese and latin.family and latin.given):
        return False
    spelt = chinese_pinyin(chinese)
    if spelt is None or len(spelt[1]) != len(latin.given):  # neither order can then match
        return False
    families, given = spelt
    if latin.family in families and given == latin.given:
        return True
    # a pinyin name may be written family-last, and pinyin surnames are not in the table
    written = sorted([latin.family, *latin.given])
    return any(sorted([family, *given]) == written for family in families)


def _share_sound(left: Iterable[Sound], right: Iterable[Sound]) -> bool:
    """Do both sides share a sound? `_shared_sound`'s test, without spelling the sound out."""
    for family_a, given_a in left:
        if not given_a:
            continue
        for family_b, given_b in right:
            if len(given_a) != len(given_b) or family_a.isdisjoint(family_b):
                continue
            # map() over the unbound method runs in C; a generator here doubled this test's time
            if not any(map(frozenset.isdisjoint, given_a, given_b)):
                return True
    return False


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


# Cached by the romanised name: in bulk resolution one name meets many others at this level.
@lru_cache(maxsize=_BAG_CACHE)
def _syllable_bag(family: str | None, given: tuple[str, ...]) -> tuple[str, ...]:
    """The folded syllables of a romanised name in sorted order, whichever was the family."""
    folded_family = min(fold_family(family)) if family else ""
    return tuple(sorted([folded_family, *(min(fold_syllable(s)) for s in given)]))


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
