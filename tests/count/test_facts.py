"""Custody periods and law matching as pure functions over events."""

from __future__ import annotations

import datetime as dt

import pytest

from casebook.count.facts import Placed, Sure, custody_certain, custody_possible, law_match
from casebook.count.rules import load_rulebook
from casebook.store.figures import EventRow

RULES = load_rulebook()
D = dt.date.fromisoformat


def event(type: str, day: str, months: float | None = None, hi: str | None = None) -> Placed:
    row = EventRow(
        f"e-{type}-{day}",
        type,
        D(day),
        "day",
        "confirmed",
        "hk.nsl",
        None,
        None,
        months,
        (("p", None),),
        (),
    )
    return Placed(row, D(day), D(hi or day), D(day), D(hi or day))


def test_facts_bail_denied_then_released_is_one_certain_period() -> None:
    events = [
        event("arrest", "2021-01-06"),
        event("bail_denied", "2021-01-08"),
        event("release", "2021-09-01"),
    ]
    assert custody_certain(events) == [(D("2021-01-08"), D("2021-09-01"))]
    assert custody_possible(events) == [(D("2021-01-06"), D("2021-09-01"))]


def test_facts_sentence_counts_remand_towards_the_earliest_release() -> None:
    events = [event("bail_denied", "2021-01-01"), event("sentence", "2022-01-01", months=36.0)]
    ((start, end),) = custody_certain(events)
    assert start == D("2021-01-01") and end == D("2023-01-01")  # two thirds of 3 years from remand
    ((start, end),) = custody_possible(events)
    assert start == D("2021-01-01") and end == D("2025-01-01")  # the whole term from sentence


def test_facts_life_sentence_never_ends() -> None:
    events = [event("sentence", "2021-01-01", months=9999.0)]
    assert custody_certain(events) == [(D("2021-01-01"), None)]


def test_facts_arrest_alone_is_only_possible_custody() -> None:
    events = [event("arrest", "2021-01-06")]
    assert custody_certain(events) == []
    assert custody_possible(events) == [(D("2021-01-06"), None)]


def test_facts_uncertain_dates_narrow_certainty_and_widen_possibility() -> None:
    events = [
        event("bail_denied", "2021-03-01", hi="2021-03-31"),
        event("release", "2021-06-01", hi="2021-06-30"),
    ]
    assert custody_certain(events) == [(D("2021-03-31"), D("2021-06-01"))]
    assert custody_possible(events) == [(D("2021-03-01"), D("2021-06-30"))]


@pytest.mark.parametrize(
    ("law", "offence", "expected"),
    [
        ("hk.nsl", None, Sure.YES),
        ("hk.nsl", "hk.nsl.art22", Sure.YES),
        ("hk.crimes", None, Sure.YES),  # the catalogue's only Crimes Ordinance offence is sedition
        ("hk.crimes", "hk.crimes.s10", Sure.YES),
        ("hk.poo", None, Sure.NO),
        (None, None, Sure.NO),  # the rule says: a report naming no law is not counted
    ],
)
def test_facts_law_match_for_the_national_security_rule(
    law: str | None, offence: str | None, expected: Sure
) -> None:
    assert law_match(RULES.get("nsl-arrests"), RULES.catalogue, law, offence) is expected
