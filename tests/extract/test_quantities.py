"""Counts, ages and prison terms as reporters write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebook.extract.quantities import (
    LIFE,
    Quantity,
    age_from_appositive,
    number_words_to_int,
    parse_age,
    parse_quantity,
    parse_sentence_months,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10,279", 10279),
        ("1,000", 1000),
        ("47", 47),
        ("0", 0),
        ("2,020", 2020),
        ("fifty-three", 53),
        ("one hundred and twelve", 112),
        ("One Hundred Twelve", 112),
        ("a dozen", 12),
        ("two dozen", 24),
        ("a hundred", 100),
        ("a thousand", 1000),
        ("1.2 million", 1_200_000),
        ("3 thousand", 3000),
        ("10k", 10_000),
        ("another 53", 53),
        ("53,", 53),
    ],
)
def test_quantities_plain_number_is_exact(text: str, value: int) -> None:
    assert parse_quantity(text) == Quantity(value, value, value, None, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("more than 100", Quantity(100, 100, None, "more than", False)),
        ("at least 47", Quantity(47, 47, None, "at least", False)),
        ("over 10,000", Quantity(10_000, 10_000, None, "over", False)),
        ("about 50", Quantity(50, 50, 50, "about", False)),
        ("around 30", Quantity(30, 30, 30, "about", False)),
        ("approximately 1.2 million", Quantity(1_200_000, 1_200_000, 1_200_000, "about", False)),
        ("nearly 300", Quantity(300, None, 300, "nearly", False)),
        ("almost 20", Quantity(20, None, 20, "nearly", False)),
        ("some 200", Quantity(200, 200, 200, "some", False)),
        ("as many as 12", Quantity(12, None, 12, "as many as", False)),
        ("up to 7", Quantity(7, None, 7, "up to", False)),
        ("fewer than 10", Quantity(10, None, 10, "fewer than", False)),
        ("less than 10", Quantity(10, None, 10, "fewer than", False)),
        ("more than a dozen", Quantity(12, 12, None, "more than", False)),
        ("At least fifty-three", Quantity(53, 53, None, "at least", False)),
    ],
)
def test_quantities_qualifier_keeps_value_and_bounds(text: str, expected: Quantity) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("between 10 and 20", 10, 20),
        ("10 to 20", 10, 20),
        ("10-20", 10, 20),
        ("10–20", 10, 20),
        ("ten to twenty", 10, 20),
        ("between 1,000 and 2,000", 1000, 2000),
    ],
)
def test_quantities_range_has_bounds_and_no_value(text: str, lower: int, upper: int) -> None:
    assert parse_quantity(text) == Quantity(None, lower, upper, None, False)


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("dozens", 24, None),
        ("dozens of", 24, None),
        ("scores", 40, None),
        ("hundreds", 200, None),
        ("thousands", 2000, None),
        ("tens of thousands", 20_000, None),
        ("several", 3, None),
        ("a handful", 2, 9),
        ("a handful of", 2, 9),
        ("a number of", 2, None),
    ],
)
def test_quantities_vague_amount_has_no_value(text: str, lower: int, upper: int | None) -> None:
    assert parse_quantity(text) == Quantity(None, lower, upper, None, False)


@pytest.mark.parametrize(
    "text",
    ["first", "second", "1st", "2020", "1999", "one of the", "a", "", "police", "1.5",
     "20 to 10", "more than", "three fifty"],
)  # fmt: skip
def test_quantities_not_a_count_is_none(text: str) -> None:
    assert parse_quantity(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("fifty-three", 53),
        ("one hundred and twelve", 112),
        ("zero", 0),
        ("nineteen", 19),
        ("twenty one", 21),
        ("a hundred thousand", 100_000),
        ("two million three hundred thousand and five", 2_300_005),
        ("twelve hundred", 1200),
        ("half", None),
        ("three fifty", None),
        ("thousand million", None),
        ("and one", None),
        ("one thousand two thousand", None),
    ],
)
def test_quantities_number_words(text: str, value: int | None) -> None:
    assert number_words_to_int(text) == value


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("a 15-year-old", (15, 15)),
        ("15-year-old", (15, 15)),
        ("a fifteen-year-old boy", (15, 15)),
        ("aged 16", (16, 16)),
        ("aged sixteen", (16, 16)),
        ("aged 16 to 19", (16, 19)),
        ("aged 16-19", (16, 19)),
        ("aged between 16 and 19", (16, 19)),
        ("as young as 12", (12, None)),
        ("as old as 80", (None, 80)),
        ("in his 60s", (60, 69)),
        ("in her early sixties", (60, 63)),
        ("in their late 20s", (27, 29)),
        ("teenagers", (13, 19)),
        ("minors", (0, 17)),
        ("those under 18", (0, 17)),
        ("seven people aged 15 to 17 and a 20-year-old", (15, 20)),
        ("three teenagers aged 16 to 18", (16, 18)),
        ("aged 16 and his brother", (16, 16)),
    ],
)
def test_quantities_age_phrase(text: str, ages: tuple[int | None, int | None]) -> None:
    assert parse_age(text) == ages


@pytest.mark.parametrize("text", ["a five-year sentence", "73", "police arrested him", ""])
def test_quantities_no_age_stated_is_none(text: str) -> None:
    assert parse_age(text) is None


@pytest.mark.parametrize(
    ("text", "age"), [("73", 73), ("73,", 73), ("(34)", 34), ("10", 10), ("99", 99),
                      ("9", None), ("100", None), ("07", None), ("2020", None), ("", None)]
)  # fmt: skip
def test_quantities_age_from_appositive(text: str, age: int | None) -> None:
    assert age_from_appositive(text) == age


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("four years and two months", 50.0),
        ("4 years 2 months", 50.0),
        ("21 months", 21.0),
        ("nine years", 108.0),
        ("10 years' imprisonment", 120.0),
        ("a year and a half", 18.0),
        ("one and a half years", 18.0),
        ("two and a half years", 30.0),
        ("half a year", 6.0),
        ("a five-year sentence", 60.0),
        ("sentenced to 18 months in jail", 18.0),
        ("4 years, 2 months", 50.0),
        ("10 years in prison, two days after his arrest", 120.0),
        ("six weeks", 1.5),
        ("14 days", 0.5),
        ("life imprisonment", LIFE),
        ("life in prison", LIFE),
        ("jailed for life", LIFE),
        ("sentenced to life", LIFE),
    ],
)
def test_quantities_sentence_length_in_months(text: str, months: float) -> None:
    assert parse_sentence_months(text) == months


@pytest.mark.parametrize("text", ["", "he was jailed", "many years", "a life of activism"])
def test_quantities_no_sentence_length_is_none(text: str) -> None:
    assert parse_sentence_months(text) is None


@given(st.integers(0, 10**7))
def test_quantities_digits_round_trip_with_separators(n: int) -> None:
    assert parse_quantity(f"{n:,}") == Quantity(n, n, n, None, True)


@given(st.integers(0, 10**7).filter(lambda n: not 1900 <= n <= 2099))
def test_quantities_digits_round_trip_without_separators(n: int) -> None:
    # Bare 1900–2099 read as years, so they are left out here (see the not-a-count test).
    assert parse_quantity(str(n)) == Quantity(n, n, n, None, True)


_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _below_thousand(n: int, hyphen: bool, use_and: bool) -> str:
    hundreds, rest = divmod(n, 100)
    words = [f"{_SMALL[hundreds]} hundred"] if hundreds else []
    if rest and hundreds and use_and:
        words.append("and")
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_TENS[tens] + (("-" if hyphen else " ") + _SMALL[units] if units else ""))
    elif rest:
        words.append(_SMALL[rest])
    return " ".join(words)


def to_words(n: int, hyphen: bool = True, use_and: bool = True) -> str:
    """English words for 0 ≤ n < 10**9, the way the test wants them spelt."""
    if n == 0:
        return "zero"
    parts = []
    for scale, name in ((10**6, "million"), (10**3, "thousand"), (1, "")):
        chunk, n = divmod(n, scale)
        if chunk:
            parts.append(f"{_below_thousand(chunk, hyphen, use_and)} {name}".strip())
    return " ".join(parts)


@given(st.integers(0, 10**9 - 1), st.booleans(), st.booleans())
def test_quantities_number_words_round_trip(n: int, hyphen: bool, use_and: bool) -> None:
    assert number_words_to_int(to_words(n, hyphen, use_and)) == n
