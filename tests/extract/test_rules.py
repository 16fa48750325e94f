"""The rule extractor on the language of real reporting, one phenomenon per test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casebook.extract.rules import RuleExtractor

PUBLISHED = dt.date(2024, 5, 29)  # a Wednesday


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor.default()


def events(
    extractor: RuleExtractor, text: str, published: dt.date | None = PUBLISHED
) -> list[dict[str, Any]]:
    return [e.as_json() for e in extractor.extract(text, published)]


def only(
    extractor: RuleExtractor, text: str, published: dt.date | None = PUBLISHED
) -> dict[str, Any]:
    found = events(extractor, text, published)
    assert len(found) == 1, found
    return found[0]


def test_active_voice_arrest_keeps_count_date_and_law(extractor: RuleExtractor) -> None:
    event = only(
        extractor,
        "Police arrested fifty-three activists on Wednesday under the "
        "Beijing-imposed security law.",
    )
    assert (event["type"], event["count"], event["date"], event["law"]) == (
        "arrest",
        53,
        "2024-05-29",
        "hk.nsl",
    )


def test_passive_voice_arrest_keeps_the_person_and_the_date(extractor: RuleExtractor) -> None:
    event = only(extractor, "Chan Siu-ming was arrested on Monday.")
    assert event["type"] == "arrest" and event["date"] == "2024-05-27"
    assert [p["name"] for p in event["persons"]] == ["Chan Siu-ming"]


def test_relative_clause_detention_since_january(extractor: RuleExtractor) -> None:
    found = events(
        extractor, "Wong Ka-yee, who had been detained since January, was granted bail on Tuesday."
    )
    by_type = {e["type"]: e for e in found}
    assert by_type["arrest"]["date"] == "2024-01"
    assert by_type["bail_granted"]["date"] == "2024-05-28"
    assert by_type["bail_granted"]["persons"][0]["name"] == "Wong Ka-yee"


def test_two_events_in_one_sentence_with_a_relative_second_date(extractor: RuleExtractor) -> None:
    found = events(
        extractor,
        "Leung Tsz-hin was arrested in January and charged with subversion a month later.",
    )
    by_type = {e["type"]: e for e in found}
    assert by_type["arrest"]["date"] == "2024-01"
    assert by_type["charge"]["date"] == "2024-02"
    assert by_type["charge"]["offence"] == "hk.nsl.art22"
    assert by_type["charge"]["persons"][0]["name"] == "Leung Tsz-hin"


@pytest.mark.parametrize(
    ("phrase", "date"),
    [
        ("on Wednesday", "2024-05-29"),
        ("last month", "2024-04"),
        ("earlier this year", "2024"),
        ("yesterday", "2024-05-28"),
        ("on 30 June 2020", "2020-06-30"),
    ],
)
def test_relative_dates_resolve_against_publication(
    extractor: RuleExtractor, phrase: str, date: str
) -> None:
    event = only(extractor, f"Police arrested two men {phrase}.")
    assert event["date"] == date


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Police arrested fifty-three people.", 53),
        ("More than 100 people were arrested.", 100),
        ("Dozens of people were arrested.", None),
        ("Police arrested 1,200 protesters.", 1200),
    ],
)
def test_numbers_in_words_ranges_and_vague_amounts(
    extractor: RuleExtractor, text: str, count: int | None
) -> None:
    assert only(extractor, text)["count"] == count


def test_age_beside_a_name(extractor: RuleExtractor) -> None:
    event = only(extractor, "Police arrested Chan Siu-ming, 34, on Tuesday.")
    assert event["persons"] == [{"name": "Chan Siu-ming", "age": 34}]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("Wong Ka-yee was jailed for four years and two months.", 50),
        ("Chan Siu-ming was sentenced to life imprisonment.", 9999),
        ("The court jailed Lee Wai-man for 21 months.", 21),
    ],
)
def test_sentence_lengths(extractor: RuleExtractor, text: str, months: float) -> None:
    event = only(extractor, text)
    assert event["type"] == "sentence" and event["sentence_months"] == months


@pytest.mark.parametrize(
    "text",
    [
        "He was not charged.",
        "The activists could face life imprisonment.",
        "He may be prosecuted under the national security law.",
        "Police said they would arrest anyone who took part.",
        "The group plans to disband next year.",
        "The outlet will close by the end of the year.",
    ],
)
def test_negation_hedging_and_future_are_not_events(extractor: RuleExtractor, text: str) -> None:
    assert events(extractor, text) == []


@pytest.mark.parametrize(
    ("phrase", "law", "offence"),
    [
        ("the Beijing-imposed security law", "hk.nsl", None),
        ("the colonial-era sedition law", "hk.crimes", None),
        ("Article 23 legislation", "hk.snso", None),
    ],
)
def test_laws_referred_to_by_description(
    extractor: RuleExtractor, phrase: str, law: str, offence: str | None
) -> None:
    event = only(extractor, f"Police arrested a man in 2023 under {phrase}.")
    assert event["law"] == law


def test_sedition_after_march_2024_is_the_new_ordinance(extractor: RuleExtractor) -> None:
    event = only(
        extractor,
        "Police arrested six people on Tuesday on suspicion of acts with seditious intention.",
    )
    assert (event["law"], event["offence"]) == ("hk.snso", "hk.snso.s24")


def test_cantonese_name_with_chinese_characters(extractor: RuleExtractor) -> None:
    event = only(
        extractor,
        "Lai Chee-ying (黎智英) was arrested on 10 August 2020 under the national security law.",
        dt.date(2020, 8, 11),
    )
    assert event["persons"][0]["name"] == "Lai Chee-ying"
    assert event["date"] == "2020-08-10" and event["law"] == "hk.nsl"


def test_members_voted_to_disband_is_an_event(extractor: RuleExtractor) -> None:
    event = only(
        extractor,
        "Members of the Kowloon Tenants' Alliance voted to disband the group on Saturday.",
    )
    assert event["type"] == "org_disbanded" and event["date"] == "2024-05-25"


def test_reported_total_is_recognised(extractor: RuleExtractor) -> None:
    event = only(
        extractor,
        "As of 30 April, 301 people had been arrested for offences "
        "endangering national security, police said.",
    )
    assert event["type"] == "reported_total" and event["counts_type"] == "arrest"
    assert event["count"] == 301 and event["date"] == "2024-04-30"


def test_every_field_has_its_quote(extractor: RuleExtractor) -> None:
    text = "Police arrested Chan Siu-ming, 34, on Tuesday under the national security law."
    (event,) = extractor.extract(text, PUBLISHED)
    assert {"type", "date", "persons", "law"} <= set(event.fields)
    for evidence in event.fields.values():
        assert text[evidence.span.start : evidence.span.end] == evidence.span.quote
        assert evidence.rule.startswith("rules.v1:")
    assert text[event.evidence.start : event.evidence.end] == event.evidence.quote


def test_bulletin_line_heading_dates_its_events(extractor: RuleExtractor) -> None:
    text = (
        "Weekly bulletin\n\n- 4 June: Lee Kwok-leung was arrested in Causeway Bay and "
        "released on bail the next day.\n- 5 June: The court jailed Fan Mei-yan for ten "
        "months.\n"
    )
    found = {e["type"]: e["date"] for e in events(extractor, text, dt.date(2024, 6, 10))}
    assert found == {"arrest": "2024-06-04", "bail_granted": "2024-06-05", "sentence": "2024-06-05"}


def test_running_total_sits_beside_the_event_it_adds_to(extractor: RuleExtractor) -> None:
    found = events(
        extractor,
        "Police arrested four people on Wednesday, bringing to 332 the "
        "number of people arrested under the security laws.",
    )
    by_type = {e["type"]: e for e in found}
    assert by_type["arrest"]["count"] == 4 and by_type["arrest"]["date"] == "2024-05-29"
    assert by_type["reported_total"]["count"] == 332
    assert by_type["reported_total"]["counts_type"] == "arrest"


def test_a_bare_reference_to_earlier_arrests_is_not_an_event(extractor: RuleExtractor) -> None:
    found = events(extractor, "Those arrested were released on bail pending investigation.")
    assert [e["type"] for e in found] == ["bail_granted"]


def test_nobody_arrested_is_not_an_event(extractor: RuleExtractor) -> None:
    assert events(extractor, "No one was arrested, police said.") == []
    assert events(extractor, "None of the eight has been arrested.") == []


def test_date_of_a_hearing_is_not_the_event_date(extractor: RuleExtractor) -> None:
    event = only(
        extractor, "Chan Siu-ming was remanded in custody until his next hearing on 24 June."
    )
    assert event["type"] == "bail_denied" and event["date"] is None
