"""Finding claims in a text: quantities, qualifiers, ages, dates, laws; hostile input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.check.claims import (
    Claim,
    ClaimFinder,
    Measure,
    Scope,
    TextTooLongError,
    dated_at,
    qualifier_before,
)

PUBLISHED = dt.date(2024, 5, 29)


@pytest.fixture(scope="module")
def finder() -> ClaimFinder:
    return ClaimFinder.default()


def _only(finder: ClaimFinder, text: str, measure: Measure = Measure.COUNT) -> Claim:
    found = [c for c in finder.find(text, PUBLISHED) if c.measure is measure]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "phrase", "qualifier", "quantity"),
    [
        ("At least 290 people have been arrested under the NSL.", "At least 290", "at least", 290),
        (
            "More than 10,000 people have been arrested under the national security law.",
            "More than 10,000",
            "more than",
            10_000,
        ),
        ("Police have arrested about 300 people under the NSL.", "about 300", "about", 300),
        ("Over 100 people have been charged under the NSL.", "Over 100", "over", 100),
        ("Fewer than 200 have been convicted of subversion.", "Fewer than 200", "fewer than", 200),
        ("Nearly 60 groups have disbanded since the law took effect.", "Nearly 60", "nearly", 60),
        ("Up to 30 organisations have closed their offices.", "Up to 30", "up to", 30),
        ("Some 47 democrats have been charged with subversion.", "Some 47", "some", 47),
        ("310 people have been arrested under the national security law.", "310", None, 310),
    ],
)
def test_claims_read_the_quantity_and_its_qualifier(
    finder: ClaimFinder, text: str, phrase: str, qualifier: str | None, quantity: int
) -> None:
    claim = _only(finder, text)
    assert (claim.text, claim.qualifier, claim.quantity) == (phrase, qualifier, quantity)
    assert text[claim.start : claim.end] == claim.text


def test_claims_vague_amount_has_no_quantity_but_keeps_its_bounds(finder: ClaimFinder) -> None:
    claim = _only(finder, "Hundreds of people have been arrested under the security law.")
    assert (claim.quantity, claim.qualifier, claim.lower, claim.type) == (
        None,
        "hundreds",
        200,
        "arrest",
    )


def test_claims_as_young_as_is_an_age_claim_about_the_same_people(finder: ClaimFinder) -> None:
    text = "Police have arrested about 300 people under the security law, some as young as 15."
    age = _only(finder, text, Measure.AGE)
    assert (age.text, age.quantity, age.qualifier) == ("as young as 15", 15, "as young as")
    assert (age.type, age.law) == ("arrest", "hk.nsl")


def test_claims_age_in_a_generality_still_says_what_happened(finder: ClaimFinder) -> None:
    age = _only(finder, "Children as young as 12 have been arrested since 2019.", Measure.AGE)
    assert (age.quantity, age.type, age.upper) == (12, "arrest", 12)


@pytest.mark.parametrize(
    ("text", "law", "series"),
    [
        ("At least 290 people have been arrested under the national security law.", "hk.nsl", None),
        ("291 people have been arrested for endangering national security so far.", "hk.nsl", None),
        ("Fewer than 200 have been convicted of national security offences.", "hk.nsl", None),
        ("More than 20 people have been charged with sedition so far.", "hk.crimes", None),
        (
            "More than 10,000 people have been arrested in connection with the 2019 protests.",
            None,
            "hk.series.protest_2019_arrests",
        ),
        # A law named beside the protests is still a claim about that law.
        (
            "Over 10,000 people have been arrested under the national security law since the "
            "2019 protests.",
            "hk.nsl",
            "hk.series.protest_2019_arrests",
        ),
    ],
)
def test_claims_say_which_law_or_series_they_are_about(
    finder: ClaimFinder, text: str, law: str | None, series: str | None
) -> None:
    claim = _only(finder, text)
    assert (claim.law, claim.series) == (law, series)


def test_claims_count_organisations(finder: ClaimFinder) -> None:
    claim = _only(finder, "At least 50 civil society groups have disbanded since 2021.")
    assert (claim.type, claim.quantity, claim.scope) == ("org_disbanded", 50, Scope.TOTAL)


def test_claims_as_of_date_dates_the_total(finder: ClaimFinder) -> None:
    text = "As of March 8, 291 people had been arrested for acts endangering national security."
    claim = _only(finder, text)
    assert claim.scope is Scope.TOTAL
    assert claim.date is not None and claim.date.iso() == "2024-03-08"


def test_claims_since_a_year_counts_up_to_publication(finder: ClaimFinder) -> None:
    claim = _only(finder, "More than 10,000 people have been arrested under the NSL since 2020.")
    assert (claim.scope, claim.date) == (Scope.TOTAL, None)


def test_claims_a_dated_event_counts_within_its_period(finder: ClaimFinder) -> None:
    claim = _only(finder, "Police arrested 53 activists on 6 January 2021 over a primary election.")
    assert claim.scope is Scope.PERIOD
    assert claim.date is not None and claim.date.iso() == "2021-01-06"


def test_claims_an_undated_single_event_asks_no_count(finder: ClaimFinder) -> None:
    claim = _only(finder, "Police arrested 53 activists over an unofficial primary election.")
    assert claim.scope is Scope.EVENT


def test_claims_a_total_reached_without_a_counted_noun(finder: ClaimFinder) -> None:
    text = "The number of people arrested under the national security law has reached 260."
    claim = _only(finder, text)
    assert (claim.quantity, claim.type, claim.law) == (260, "arrest", "hk.nsl")
    assert claim.scope is Scope.TOTAL


def test_claims_several_in_one_sentence_are_told_apart(finder: ClaimFinder) -> None:
    text = "So far 291 people have been arrested and 112 convicted under the national security law."
    found = finder.find(text, PUBLISHED)
    assert [(c.text, c.type) for c in found] == [("291", "arrest"), ("112", "conviction")]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "It rained on Tuesday.",
        "The national security law took effect on 30 June 2020.",
        "The court adjourned the case to 2025.",
        "Police could arrest up to 300 people if the law is passed.",
    ],
)
def test_claims_none_in_texts_without_counts(finder: ClaimFinder, text: str) -> None:
    assert [c for c in finder.find(text, PUBLISHED) if c.measure is Measure.COUNT] == []


def test_claims_in_html_keep_offsets_into_the_raw_text(finder: ClaimFinder) -> None:
    text = (
        '<p class="x">More than 10,000 people <script>alert("arrested 5")</script>'
        "have been arrested under the national security law.</p>"
    )
    found = finder.find(text, PUBLISHED)
    assert [c.text for c in found] == ["More than 10,000"]
    assert all(text[c.start : c.end] == c.text for c in found)


def test_claims_huge_numbers_are_kept_whole(finder: ClaimFinder) -> None:
    text = "Police say 10,000,000,000,000 people have been arrested under the security law."
    claim = _only(finder, text)
    assert claim.quantity == 10_000_000_000_000


def test_claims_offsets_count_unicode_characters(finder: ClaimFinder) -> None:
    text = "《國安法》😀 — 香港: At least 290 people have been arrested under the NSL."
    claim = _only(finder, text)
    assert text[claim.start : claim.end] == "At least 290"


def test_claims_text_longer_than_the_parser_reads_is_refused(finder: ClaimFinder) -> None:
    with pytest.raises(TextTooLongError, match="split it"):
        finder.find("a " * (finder.extractor.nlp.max_length // 2 + 1), PUBLISHED)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            [
                "At least 290 people have been arrested under the NSL. ",
                "<b>",
                "as young as 15 ",
                "more than ",
                "10,000 ",
                "國安法 ",
                "\n",
                "arrested ",
                "since 2020. ",
                "\x00",
            ]
        )
        | st.text(max_size=20),
        max_size=12,
    )
)
def test_claims_always_slice_the_text_they_report(finder: ClaimFinder, parts: list[str]) -> None:
    text = "".join(parts)
    for claim in finder.find(text, PUBLISHED):
        assert 0 <= claim.start < claim.end <= len(text)
        assert text[claim.start : claim.end] == claim.text


@pytest.mark.parametrize(
    ("text", "phrase", "law"),
    [
        ("More than 100 people are currently detained under the NSL.", "More than 100", "hk.nsl"),
        (
            "At least 50 people remain behind bars on national security charges.",
            "At least 50",
            "hk.nsl",
        ),
        ("Some 1,800 political prisoners are in custody.", "Some 1,800", None),
    ],
)
def test_claims_a_count_in_custody_is_a_detained_claim(
    finder: ClaimFinder, text: str, phrase: str, law: str | None
) -> None:
    claim = _only(finder, text)
    assert (claim.text, claim.type, claim.law, claim.scope) == (
        phrase,
        "detained",
        law,
        Scope.TOTAL,
    )


def test_claims_were_detained_is_not_a_state(finder: ClaimFinder) -> None:
    found = finder.find("Police detained 12 people under the NSL on Monday.", PUBLISHED)
    assert all(c.type != "detained" for c in found)


def test_claims_a_total_said_on_a_day_is_as_of_that_day(finder: ClaimFinder) -> None:
    text = "Police said on Tuesday that 10,148 people had been arrested over the 2019 protests."
    claim = _only(finder, text)
    assert claim.scope is Scope.TOTAL
    assert dated_at(claim, PUBLISHED) <= PUBLISHED


def test_claims_by_the_end_of_a_year_is_as_of_its_last_day(finder: ClaimFinder) -> None:
    text = "By the end of 2023, 280 people had been arrested under the national security law."
    assert dated_at(_only(finder, text), PUBLISHED) == dt.date(2023, 12, 31)


@pytest.mark.parametrize(
    ("quote", "count", "expected"),
    [
        ("More than 10,200 people have been arrested.", 10_200, "more than"),
        ("the more than ten thousand people arrested", 10_000, "more than"),
        ("Nearly 300 people had been arrested.", 300, "nearly"),
        ("291 people had been arrested, more than 170 prosecuted.", 291, None),
        ("As of 8 March, 291 had been arrested.", 291, None),
    ],
)
def test_claims_qualifier_before_a_published_number(
    quote: str, count: int, expected: str | None
) -> None:
    assert qualifier_before(quote, count) == expected


def test_claims_an_age_is_not_also_a_count(finder: ClaimFinder) -> None:
    found = finder.find("Children as young as 12 have been charged under the NSL.", PUBLISHED)
    assert [(c.text, c.measure) for c in found] == [("as young as 12", Measure.AGE)]
