"""Date expressions → FuzzyDate: absolute, relative to publication, relative to an event."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.extract.dates import bounds, resolve_date, shift, within
from casebook.model import DatePrecision, FuzzyDate

PUBLISHED = date(2024, 5, 29)  # a Wednesday
DAY, MONTH, YEAR, APPROX = (
    DatePrecision.DAY,
    DatePrecision.MONTH,
    DatePrecision.YEAR,
    DatePrecision.APPROX,
)


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("30 June 2020", date(2020, 6, 30), DAY),
        ("June 30, 2020", date(2020, 6, 30), DAY),
        ("2020-06-30", date(2020, 6, 30), DAY),
        ("30/06/2020", date(2020, 6, 30), DAY),
        ("30.06.2020", date(2020, 6, 30), DAY),
        ("on 1 July 2021", date(2021, 7, 1), DAY),
        ("Jan. 5, 2021", date(2021, 1, 5), DAY),
        ("January 2021", date(2021, 1, 1), MONTH),
        ("June '20", date(2020, 6, 1), MONTH),
        ("2021", date(2021, 1, 1), YEAR),
        ("in 2019", date(2019, 1, 1), YEAR),
        ("since 2020", date(2020, 1, 1), YEAR),
        ("late 2020", date(2020, 10, 1), APPROX),
        ("early 2021", date(2021, 2, 1), APPROX),
        ("mid-2022", date(2022, 6, 15), APPROX),
        ("the end of 2020", date(2020, 10, 1), APPROX),
        ("early June 2021", date(2021, 6, 5), APPROX),
        ("around 5 June 2020", date(2020, 6, 5), APPROX),
    ],
)
def test_dates_absolute_expression_resolves(
    text: str, expected: date, precision: DatePrecision
) -> None:
    assert resolve_date(text, PUBLISHED) == FuzzyDate(expected, precision)
    assert resolve_date(text, None) == FuzzyDate(expected, precision)


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("last July", date(2023, 7, 1), MONTH),
        ("in March", date(2024, 3, 1), MONTH),
        ("March", date(2024, 3, 1), MONTH),
        ("July", date(2023, 7, 1), MONTH),
        ("in May", date(2024, 5, 1), MONTH),
        ("last month", date(2024, 4, 1), MONTH),
        ("since January", date(2024, 1, 1), MONTH),
        ("earlier this month", date(2024, 5, 1), MONTH),
        ("earlier this year", date(2024, 1, 1), YEAR),
        ("last year", date(2023, 1, 1), YEAR),
        ("late last year", date(2023, 10, 1), APPROX),
        ("on Wednesday", date(2024, 5, 29), DAY),
        ("Wednesday", date(2024, 5, 29), DAY),
        ("on Monday", date(2024, 5, 27), DAY),
        ("last Friday", date(2024, 5, 24), DAY),
        ("last Wednesday", date(2024, 5, 22), DAY),
        ("on Thursday", date(2024, 5, 23), DAY),
        ("on Tuesday night", date(2024, 5, 28), DAY),
        ("at 7am on Tuesday", date(2024, 5, 28), DAY),
        ("yesterday", date(2024, 5, 28), DAY),
        ("last night", date(2024, 5, 28), DAY),
        ("today", PUBLISHED, DAY),
        ("this morning", PUBLISHED, DAY),
        ("earlier today", PUBLISHED, DAY),
        ("3 days ago", date(2024, 5, 26), DAY),
        ("5 June", date(2023, 6, 5), DAY),
        ("about two weeks ago", date(2024, 5, 15), APPROX),
        ("last week", date(2024, 5, 22), APPROX),
    ],
)
def test_dates_relative_expression_resolves_against_publication(
    text: str, expected: date, precision: DatePrecision
) -> None:
    assert resolve_date(text, PUBLISHED) == FuzzyDate(expected, precision)


@pytest.mark.parametrize(
    "text", ["last July", "in March", "last month", "on Wednesday", "yesterday", "5 June"]
)
def test_dates_relative_expression_without_publication_is_none(text: str) -> None:
    assert resolve_date(text, None) is None


def test_dates_absolute_future_date_is_kept_as_written() -> None:
    assert resolve_date("on 5 June 2024", PUBLISHED) == FuzzyDate(date(2024, 6, 5), DAY)


@pytest.mark.parametrize("text", ["tomorrow", "next week", "late this year", "in June"])
def test_dates_relative_expression_never_lands_after_publication(text: str) -> None:
    found = resolve_date(text, PUBLISHED)
    assert found is None or found.value <= PUBLISHED


@pytest.mark.parametrize(
    "text",
    [
        "a month later",
        "two days later",
        "the following week",
        "the next day",
        "that day",
        "73",
        "10,279",
        "1.5",
        "aged 16",
        "a 15-year-old",
        "four years",
        "21 months",
        "three decades",
        "for two years",
        "7am",
        "at 10:30 pm",
        "the 5th",
        "in the 1990s",
        "",
        "   ",
        "police",
    ],
)
def test_dates_non_date_or_event_relative_expression_is_none(text: str) -> None:
    assert resolve_date(text, PUBLISHED) is None


ANCHOR_DAY = FuzzyDate(date(2020, 6, 30), DAY)
ANCHOR_MONTH = FuzzyDate(date(2020, 6, 1), MONTH)
APPROX_ANCHOR = FuzzyDate(date(2020, 10, 1), APPROX)


@pytest.mark.parametrize(
    ("anchor", "text", "expected"),
    [
        (ANCHOR_DAY, "a month later", FuzzyDate(date(2020, 7, 1), MONTH)),
        (ANCHOR_DAY, "two days later", FuzzyDate(date(2020, 7, 2), DAY)),
        (ANCHOR_DAY, "a week after", FuzzyDate(date(2020, 7, 7), DAY)),
        (ANCHOR_DAY, "three months afterwards", FuzzyDate(date(2020, 9, 1), MONTH)),
        (ANCHOR_DAY, "the following week", FuzzyDate(date(2020, 7, 7), APPROX)),
        (ANCHOR_DAY, "the next day", FuzzyDate(date(2020, 7, 1), DAY)),
        (ANCHOR_DAY, "the day before", FuzzyDate(date(2020, 6, 29), DAY)),
        (ANCHOR_DAY, "two weeks earlier", FuzzyDate(date(2020, 6, 16), DAY)),
        (ANCHOR_DAY, "about ten days later", FuzzyDate(date(2020, 7, 10), APPROX)),
        (ANCHOR_DAY, "a year later", FuzzyDate(date(2021, 1, 1), YEAR)),
        (ANCHOR_DAY, "the following month", FuzzyDate(date(2020, 7, 1), MONTH)),
        (ANCHOR_MONTH, "a month later", FuzzyDate(date(2020, 7, 1), MONTH)),
        (ANCHOR_MONTH, "two days later", FuzzyDate(date(2020, 6, 17), APPROX)),
        (FuzzyDate(date(2020, 1, 1), YEAR), "a month later", FuzzyDate(date(2020, 1, 1), YEAR)),
        (APPROX_ANCHOR, "two months later", FuzzyDate(date(2020, 12, 1), APPROX)),
    ],
)
def test_dates_shift_moves_anchor_with_coarser_precision(
    anchor: FuzzyDate, text: str, expected: FuzzyDate
) -> None:
    assert shift(anchor, text) == expected


@pytest.mark.parametrize("text", ["later", "in June", "many days later", "the same day", ""])
def test_dates_shift_unknown_offset_is_none(text: str) -> None:
    assert shift(ANCHOR_DAY, text) is None


@pytest.mark.parametrize(
    ("fuzzy", "start", "end", "expected"),
    [
        (FuzzyDate(date(2020, 6, 30), DAY), date(2020, 6, 30), date(2020, 6, 30), True),
        (FuzzyDate(date(2020, 6, 30), DAY), date(2020, 7, 1), date(2020, 12, 31), False),
        (FuzzyDate(date(2020, 6, 1), MONTH), date(2020, 6, 20), date(2020, 7, 31), True),
        (FuzzyDate(date(2020, 6, 1), MONTH), date(2020, 7, 1), date(2020, 7, 31), False),
        (FuzzyDate(date(2020, 1, 1), YEAR), date(2020, 12, 31), date(2021, 3, 1), True),
        (FuzzyDate(date(2020, 1, 1), YEAR), date(2019, 1, 1), date(2019, 12, 31), False),
        (FuzzyDate(date(2020, 10, 1), APPROX), date(2020, 12, 1), date(2020, 12, 31), True),
        (FuzzyDate(date(2020, 10, 1), APPROX), date(2021, 3, 1), date(2021, 3, 31), False),
    ],
)
def test_dates_within_checks_the_span_overlaps(
    fuzzy: FuzzyDate, start: date, end: date, expected: bool
) -> None:
    assert within(fuzzy, start, end) is expected


def test_dates_bounds_of_a_month_run_to_its_last_day() -> None:
    assert bounds(FuzzyDate(date(2024, 2, 1), MONTH)) == (date(2024, 2, 1), date(2024, 2, 29))


@settings(deadline=None, max_examples=300)
@given(text=st.text(max_size=40), published=st.one_of(st.none(), st.dates()))
def test_dates_resolve_never_raises(text: str, published: date | None) -> None:
    found = resolve_date(text, published)
    assert found is None or isinstance(found, FuzzyDate)


@settings(deadline=None, max_examples=300)
@given(text=st.text(max_size=40), published=st.dates(date(1950, 1, 1), date(2100, 1, 1)))
def test_dates_text_without_digits_never_resolves_after_publication(
    text: str, published: date
) -> None:
    # With no digits a text states no year, so whatever it names is relative.
    found = resolve_date(text, published)
    assert found is None or any(c.isdigit() for c in text) or found.value <= published


_RELATIVE_PHRASES = [
    "today", "yesterday", "this morning", "last night", "last week", "last month", "last year",
    "this year", "this month", "earlier this year", "tomorrow", "next month", "late this year",
    "mid-this year",
]  # fmt: skip
_RELATIVE_NAMES = [
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "March", "May", "June", "July", "December", "5 June", "31 December",
]  # fmt: skip
_RELATIVE = st.one_of(
    st.sampled_from(_RELATIVE_PHRASES),
    st.builds(
        lambda prefix, name: f"{prefix}{name}",
        st.sampled_from(["", "on ", "last ", "in ", "since ", "early ", "late ", "about "]),
        st.sampled_from(_RELATIVE_NAMES),
    ),
    st.builds(
        lambda n, unit: f"{n} {unit} ago",
        st.integers(1, 40),
        st.sampled_from(["days", "weeks", "months", "years"]),
    ),
)


@settings(deadline=None, max_examples=300)
@given(text=_RELATIVE, published=st.dates(date(1950, 1, 1), date(2100, 1, 1)))
def test_dates_relative_expression_is_never_after_publication(text: str, published: date) -> None:
    found = resolve_date(text, published)
    assert found is None or found.value <= published
