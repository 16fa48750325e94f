"""Numbers as reporters write them: counts of people, ages, sentence lengths.

Pure functions from a short string to a value; the extractor decides which string to
pass. Everything here is English-only and deliberately strict: a phrase that is not
wholly a number expression gives None rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

LIFE = 9999.0  # sentence_months for life imprisonment: longer than any term, never summed

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_SCALE_SUFFIXES = {**_SCALES, "k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9}
_NUMBER_WORD = "|".join(
    sorted([*_UNITS, *_TENS, *_SCALES, "hundred", "dozen", "a", "an"], key=len, reverse=True)
)
_NUMBER = rf"\d[\d,]*(?:\.\d+)?|(?:(?:{_NUMBER_WORD})\b[\s-]+(?:and\s+)?)*(?:{_NUMBER_WORD})\b"

# Spelling → the qualifier recorded, and how it bounds the stated number n:
# (lower is n, upper is n) — None where the phrase leaves that side open.
QUALIFIERS: dict[str, tuple[str, bool, bool]] = {
    "at least": ("at least", True, False),
    "no fewer than": ("at least", True, False),
    "no less than": ("at least", True, False),
    "more than": ("more than", True, False),
    "in excess of": ("more than", True, False),
    "upwards of": ("more than", True, False),
    "over": ("over", True, False),
    "just over": ("over", True, False),
    "about": ("about", True, True),
    "around": ("about", True, True),
    "approximately": ("about", True, True),
    "roughly": ("about", True, True),
    "an estimated": ("about", True, True),
    "estimated": ("about", True, True),
    "some": ("some", True, True),
    "nearly": ("nearly", False, True),
    "almost": ("nearly", False, True),
    "close to": ("nearly", False, True),
    "just under": ("nearly", False, True),
    "up to": ("up to", False, True),
    "at most": ("up to", False, True),
    "no more than": ("up to", False, True),
    "as many as": ("as many as", False, True),
    "fewer than": ("fewer than", False, True),
    "less than": ("fewer than", False, True),
    "under": ("fewer than", False, True),
}
# Vague amounts → (lower, upper) they imply; value stays None.
VAGUE: dict[str, tuple[int | None, int | None]] = {
    "a handful": (2, 9),
    "handful": (2, 9),
    "a few": (2, 9),
    "a couple": (2, 2),
    "several": (3, None),
    "a number": (2, None),
    "dozens": (24, None),
    "scores": (40, None),
    "hundreds": (200, None),
    "thousands": (2000, None),
    "tens of thousands": (20_000, None),
    "hundreds of thousands": (200_000, None),
}
_FILLER = re.compile(r"^(?:another|a further|an additional|a total of|the|all|total)\s+")
_QUALIFIER = re.compile(rf"^({'|'.join(sorted(QUALIFIERS, key=len, reverse=True))})\s+(.+)$")
_RANGE = re.compile(rf"^(?:between\s+)?({_NUMBER})\s*(?:-|–|—|to|and)\s*({_NUMBER})$")
_MIXED = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*([a-z]+)$")
_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+$")


@dataclass(frozen=True)
class Quantity:
    """A stated number of people (or things) and what the wording implies about it."""

    value: int | None  # the number as stated; None for ranges and vague amounts
    lower: int | None  # bounds the wording implies; "more than 100" keeps lower=100
    upper: int | None
    qualifier: str | None  # canonical, from QUALIFIERS; "more than"/"over"/"fewer than" are strict
    exact: bool  # True only for a plain number


def number_words_to_int(text: str) -> int | None:
    """'fifty-three' → 53, 'one hundred and twelve' → 112, 'two dozen' → 24; else None."""
    tokens = [t for t in re.split(r"[\s-]+", text.lower().strip()) if t]
    if len(tokens) > 1 and tokens[0] in {"a", "an"}:
        tokens[0] = "one"
    if not tokens or "and" in (tokens[0], tokens[-1]):
        return None
    total, group, last_scale = 0, 0, 10**12
    for token in (t for t in tokens if t != "and"):
        if token in _UNITS:
            tail = group % 100
            if tail and not (tail >= 20 and tail % 10 == 0 and _UNITS[token] < 10):
                return None
            group += _UNITS[token]
        elif token in _TENS:
            if group % 100:
                return None
            group += _TENS[token]
        elif token in {"hundred", "dozen"}:
            if not 0 < group < 100:
                return None
            group *= 100 if token == "hundred" else 12
        elif token in _SCALES and group > 0 and _SCALES[token] < last_scale:
            total, group, last_scale = total + group * _SCALES[token], 0, _SCALES[token]
        else:
            return None
    return total + group


def parse_number(text: str) -> int | None:
    """A whole number written in digits, words or both: '10,279', '1.2 million', 'a dozen'."""
    text = text.strip().lower()
    if _DIGITS.match(text):
        return int(text.replace(",", ""))
    mixed = _MIXED.match(text)
    if mixed and mixed.group(2) in _SCALE_SUFFIXES and _DIGITS.match(mixed.group(1).split(".")[0]):
        number = Decimal(mixed.group(1).replace(",", "")) * _SCALE_SUFFIXES[mixed.group(2)]
        return int(number) if number == number.to_integral_value() else None
    return number_words_to_int(text)


def parse_quantity(text: str) -> Quantity | None:
    """A count phrase → Quantity; None for what is not a count (ordinals, bare years, prose)."""
    phrase = _FILLER.sub("", _normalise(text))
    if phrase in VAGUE:
        return Quantity(None, *VAGUE[phrase], None, False)
    if re.fullmatch(r"(?:19|20)\d\d", phrase):
        return None  # a bare year; "2,020" with a comma is still a number
    value = parse_number(phrase)
    if value is not None:
        return Quantity(value, value, value, None, True)
    qualified = _QUALIFIER.match(phrase)
    if qualified:
        return _qualified(qualified.group(1), qualified.group(2))
    ranged = _RANGE.match(phrase)
    return _ranged(ranged.group(1), ranged.group(2)) if ranged else None


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").strip(" \t\n.,;:()\"'")
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\s+of$", "", text)  # "dozens of", "a number of"


def _qualified(spelling: str, rest: str) -> Quantity | None:
    qualifier, has_lower, has_upper = QUALIFIERS[spelling]
    value = parse_number(rest)
    if value is None:
        return None
    return Quantity(
        value, value if has_lower else None, value if has_upper else None, qualifier, False
    )


def _ranged(first: str, second: str) -> Quantity | None:
    lower, upper = parse_number(first), parse_number(second)
    if lower is None or upper is None or lower >= upper:
        return None
    return Quantity(None, lower, upper, None, False)


_AGE_WORD = "|".join(sorted([*_TENS, *_UNITS], key=len, reverse=True))
_AGE_NUMBER = rf"(\d{{1,3}}|(?:{_AGE_WORD})(?:-(?:{_AGE_WORD}))?)"
_AGE_RANGE = re.compile(
    rf"\baged\s+(?:between\s+|from\s+)?{_AGE_NUMBER}\s*(?:-|–|to|and)\s*{_AGE_NUMBER}\b"
)
_AGE_SINGLE = re.compile(
    rf"\b{_AGE_NUMBER}[\s-]+years?[\s-]+old\b"
    rf"|\baged\s+{_AGE_NUMBER}\b(?!\s*(?:-|–|to|and)\s*{_AGE_NUMBER}\b)"  # not a range's start
)
_AGE_EXTREME = re.compile(rf"\bas\s+(young|old)\s+as\s+{_AGE_NUMBER}\b")
_AGE_DECADE = re.compile(
    r"\bin\s+(?:his|her|their)\s+(early|mid|late)?[\s-]*(\d0)'?s\b"
    r"|\bin\s+(?:his|her|their)\s+(early|mid|late)?[\s-]*"
    r"(twen|thir|for|fif|six|seven|eigh|nine)ties\b"
)
_DECADE_WORDS = {"twen": 20, "thir": 30, "for": 40, "fif": 50, "six": 60, "seven": 70,
                 "eigh": 80, "nine": 90}  # fmt: skip
_DECADE_PART = {None: (0, 9), "early": (0, 3), "mid": (4, 6), "late": (7, 9)}
_AGE_GROUPS = (
    (re.compile(r"\b(?:teenagers?|teens|teenage)\b"), (13, 19)),
    (re.compile(r"\b(?:minors|a minor|juveniles|a juvenile)\b"), (0, 17)),
    (re.compile(r"\b(?:aged\s+)?under\s+(?:the\s+age\s+of\s+)?18\b"), (0, 17)),
)


def _age_value(text: str) -> int | None:
    value = int(text) if text.isdigit() else number_words_to_int(text)
    return value if value is not None and 0 <= value <= 120 else None


def parse_age(text: str) -> tuple[int | None, int | None] | None:
    """The (youngest, oldest) ages a phrase or sentence states; an open side is None.

    Stated ages ("a 15-year-old", "aged 16 to 19") win and are combined to their
    min and max; then "as young as 12" → (12, None), "as old as 80" → (None, 80);
    then decades ("in his 60s" → (60, 69)); then groups ("teenagers" → (13, 19),
    "minors" → (0, 17)).
    """
    text = text.lower()
    ages = [_age_value(n) for m in _AGE_RANGE.finditer(text) for n in m.groups()]
    ages += [_age_value(n) for m in _AGE_SINGLE.finditer(text) for n in m.groups() if n]
    known = [age for age in ages if age is not None]
    if known:
        return min(known), max(known)
    extreme = _AGE_EXTREME.search(text)
    if extreme and (age := _age_value(extreme.group(2))) is not None:
        return (age, None) if extreme.group(1) == "young" else (None, age)
    return _decade_age(text) or next((span for rx, span in _AGE_GROUPS if rx.search(text)), None)


def _decade_age(text: str) -> tuple[int, int] | None:
    match = _AGE_DECADE.search(text)
    if not match:
        return None
    part = match.group(1) or match.group(3)
    base = int(match.group(2)) if match.group(2) else _DECADE_WORDS[match.group(4)]
    low, high = _DECADE_PART[part]
    return base + low, base + high


def age_from_appositive(text: str) -> int | None:
    """'73' or '73,' beside a name → 73; only two-digit numbers 10–99 count as ages."""
    text = text.strip(" ,()")
    return int(text) if re.fullmatch(r"[1-9]\d", text) else None


_DURATION_UNITS = {"year": 12.0, "month": 1.0, "week": 0.25, "day": 1 / 30}
_DURATION = re.compile(
    rf"\b(?P<number>{_NUMBER})(?P<half>\s+and\s+a\s+half)?[\s-]+"
    rf"(?P<unit>year|month|week|day)s?\b(?:'|’)?(?P<half_after>\s+and\s+a\s+half)?"
)
_JOINER = re.compile(r"[\s,]*(?:and\s+)?")
_LIFE = re.compile(
    r"\blife\s+(?:imprisonment|sentences?|terms?|in\s+(?:prison|jail))\b|\b(?:for|to)\s+life\b"
)


def parse_sentence_months(text: str) -> float | None:
    """A prison term in months, one decimal: 'four years and two months' → 50.0.

    A week counts as a quarter of a month and a day as 1/30 of one, so 'six weeks'
    → 1.5 and '14 days' → 0.5. Life terms give LIFE. None if no term is stated.
    """
    text = re.sub(r"\bhalf\s+an?\s+", "0.5 ", text.lower().replace("’", "'"))
    if _LIFE.search(text):
        return LIFE
    total, end = 0.0, None
    for match in _DURATION.finditer(text):
        number = _duration_number(match.group("number"))
        if number is None:
            continue
        if end is not None and not _JOINER.fullmatch(text[end : match.start()]):
            break  # only the first term counts: "10 years, two days after…" is 120
        if match.group("half") or match.group("half_after"):
            number += 0.5
        total, end = total + number * _DURATION_UNITS[match.group("unit")], match.end()
    return None if end is None else round(total, 1)


def _duration_number(text: str) -> float | None:
    if text in {"a", "an"}:
        return 1.0
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    value = number_words_to_int(text)
    if value is None:  # "a five-year sentence": the article is not part of the number
        value = number_words_to_int(re.sub(r"^an?\s+", "", text))
    return None if value is None else float(value)
