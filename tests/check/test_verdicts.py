"""Verdict logic on plain values: claim intervals, the record's bounds, the judgement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebook.check.claims import Claim, Measure, Scope
from casebook.check.verdicts import (
    Bounds,
    Interval,
    Verdict,
    age_bounds,
    bounds_at,
    claimed,
    confusion_note,
    judge,
    period_bounds,
)


@dataclass(frozen=True)
class Total:
    count: int
    as_of: dt.date | None
    precision: str | None = "day"
    published: dt.date | None = None
    source_id: str = "src"
    source_title: str | None = None
    status: str = "confirmed"
    quote: str = ""


@dataclass(frozen=True)
class Cases:
    lower: int
    upper: int
    as_of: dt.date = dt.date(2024, 5, 29)


def _claim(quantity: int | None, qualifier: str | None, lower: int | None = None) -> Claim:
    return Claim(
        text="x",
        start=0,
        end=1,
        quantity=quantity,
        qualifier=qualifier,
        lower=lower if quantity is None else quantity,
        upper=None,
        measure=Measure.COUNT,
        type="arrest",
        law="hk.nsl",
        series=None,
        scope=Scope.TOTAL,
        date=None,
        sentence_start=0,
        sentence_end=1,
    )


@pytest.mark.parametrize(
    ("quantity", "qualifier", "expected"),
    [
        (310, None, Interval(310, 310)),
        (290, "at least", Interval(290, None)),
        (10_000, "more than", Interval(10_001, None)),
        (100, "over", Interval(101, None)),
        (200, "fewer than", Interval(0, 199)),
        (300, "about", Interval(270, 330)),
        (47, "some", Interval(42, 52)),
        (60, "nearly", Interval(54, 60)),
        (40, "as many as", Interval(36, 40)),
        (30, "up to", Interval(27, 30)),
        (None, "hundreds", Interval(200, None)),
    ],
)
def test_verdicts_claimed_interval_follows_the_qualifier(
    quantity: int | None, qualifier: str | None, expected: Interval
) -> None:
    assert claimed(_claim(quantity, qualifier, lower=200)) == expected


DAY = dt.date(2024, 5, 29)


def test_verdicts_earlier_total_is_a_floor_and_later_total_a_ceiling() -> None:
    totals = [Total(175, dt.date(2022, 3, 31)), Total(332, dt.date(2025, 6, 17))]
    found = bounds_at(DAY, Cases(2, 2), totals)
    assert (found.floor, found.ceiling) == (175, 332)


def test_verdicts_recent_total_bounds_from_above_with_growth() -> None:
    found = bounds_at(DAY, Cases(2, 2), [Total(291, dt.date(2024, 3, 8))])
    assert found.floor == 291
    assert found.ceiling == 291 + 30  # 10% of 291, rounded up
    assert "allowing for growth" in (found.ceiling_from or "")


def test_verdicts_growth_allowance_follows_the_records_rate() -> None:
    # 100 a month in the record's own totals: 80 days after the last one allows ~2 × 263.
    totals = [Total(1000, dt.date(2024, 1, 1)), Total(1200, dt.date(2024, 3, 1))]
    found = bounds_at(dt.date(2024, 5, 20), Cases(0, 0), totals)
    assert found.ceiling is not None and 1200 + 500 < found.ceiling < 1200 + 600


def test_verdicts_old_total_gives_a_floor_only() -> None:
    found = bounds_at(DAY, Cases(2, 2), [Total(175, dt.date(2022, 3, 31))])
    assert (found.floor, found.ceiling) == (175, None)


def test_verdicts_record_cases_are_a_floor_never_a_ceiling() -> None:
    found = bounds_at(DAY, Cases(40, 55), [])
    assert (found.floor, found.ceiling) == (40, None)


def test_verdicts_month_total_is_a_floor_only_after_its_month() -> None:
    total = Total(10_279, dt.date(2023, 12, 1), precision="month")
    assert bounds_at(dt.date(2023, 12, 15), Cases(0, 0), [total]).floor == 0
    assert bounds_at(dt.date(2024, 1, 2), Cases(0, 0), [total]).floor == 10_279


def test_verdicts_current_counts_take_only_a_near_total() -> None:
    totals = [Total(500, dt.date(2022, 1, 1)), Total(100, dt.date(2024, 5, 1))]
    found = bounds_at(DAY, Cases(20, 80), totals, mode="current")
    assert (found.floor, found.ceiling) == (20, 110)


def test_verdicts_undated_total_counts_at_its_publication() -> None:
    total = Total(291, None, precision=None, published=dt.date(2024, 4, 17))
    assert bounds_at(DAY, Cases(0, 0), [total]).floor == 291


RECORD = Bounds(291, 321, "the published total of 291", "the published total plus growth", ("s",))


def test_verdicts_claim_within_the_records_range_is_supported() -> None:
    found = judge(Interval(290, None), RECORD, "people")
    assert found.verdict is Verdict.SUPPORTED
    assert found.sources == ("s",)


def test_verdicts_claim_below_the_floor_is_contradicted_by_how_much() -> None:
    found = judge(Interval(0, 99), RECORD, "people")
    assert found.verdict is Verdict.CONTRADICTED
    assert "192 more than the claim allows" in found.reason


def test_verdicts_claim_above_the_ceiling_is_contradicted_by_how_much() -> None:
    found = judge(Interval(10_001, None), RECORD, "people")
    assert found.verdict is Verdict.CONTRADICTED
    assert "at most 321" in found.reason and "9,680 fewer" in found.reason


def test_verdicts_claim_above_an_open_floor_is_unverifiable() -> None:
    found = judge(Interval(400, 400), Bounds(291, None, "a total", None, ()), "people")
    assert found.verdict is Verdict.UNVERIFIABLE


def test_verdicts_claim_the_floor_implies_is_supported_without_a_ceiling() -> None:
    found = judge(Interval(100, None), Bounds(291, None, "a total", None, ()), "people")
    assert found.verdict is Verdict.SUPPORTED


def test_verdicts_confusion_named_when_the_number_fits_the_other_population() -> None:
    protest = Bounds(10_279, None, "the published total of 10,279 as of 2023-12", None, ())
    note = confusion_note(
        Interval(10_001, None), protest, "Arrests connected with the 2019 protests"
    )
    assert note is not None
    assert note.startswith("likely confusion with arrests connected with the 2019 protests")
    assert confusion_note(Interval(400, 400), protest, "Arrests") is None


def test_verdicts_period_count_is_the_difference_of_its_ends() -> None:
    before = Bounds(100, 120, "a", "b", ())
    after = Bounds(150, 160, "c", "d", ())
    found = period_bounds(before, after)
    assert (found.floor, found.ceiling) == (30, 60)


def test_verdicts_no_confusion_with_a_number_of_another_size() -> None:
    protest = Bounds(10_279, None, "the published total of 10,279 as of 2023-12", None, ())
    assert confusion_note(Interval(1_001, None), protest, "Arrests") is None


def test_verdicts_a_recent_published_total_equal_to_the_claim_supports_it() -> None:
    found = bounds_at(DAY, Cases(2, 2), [Total(291, dt.date(2024, 3, 8))])
    assert judge(Interval(291, 291), found, "people").verdict is Verdict.SUPPORTED
    assert judge(Interval(310, 310), found, "people").verdict is Verdict.UNVERIFIABLE


def test_verdicts_an_old_published_total_does_not_support_the_same_number_now() -> None:
    found = bounds_at(DAY, Cases(2, 2), [Total(175, dt.date(2022, 3, 31))])
    assert judge(Interval(175, 175), found, "people").verdict is Verdict.UNVERIFIABLE


def test_verdicts_a_part_keeps_the_ceiling_but_not_the_floor() -> None:
    part = RECORD.part("hk.crimes")
    assert (part.floor, part.ceiling) == (0, 321)
    assert judge(Interval(0, 49), part, "people").verdict is Verdict.UNVERIFIABLE
    assert judge(Interval(1_001, None), part, "people").verdict is Verdict.CONTRADICTED


def test_verdicts_a_total_worded_more_than_is_a_floor_only() -> None:
    later = Total(10_200, dt.date(2024, 6, 30), quote="More than 10,200 have been arrested.")
    found = bounds_at(DAY, Cases(0, 0), [later])
    assert found.ceiling is None
    earlier = Total(10_200, dt.date(2024, 4, 30), quote="more than 10,200 arrested")
    found = bounds_at(DAY, Cases(0, 0), [earlier])
    assert (found.floor, found.ceiling, found.stated) == (10_201, None, ())
    assert "more than 10,200" in found.floor_from


def test_verdicts_a_total_worded_nearly_is_a_ceiling_only() -> None:
    earlier = Total(300, dt.date(2024, 4, 30), quote="Nearly 300 people had been arrested.")
    assert bounds_at(DAY, Cases(5, 5), [earlier]).floor == 5


_ends = st.integers(min_value=0, max_value=20_000)


@given(_ends, _ends | st.none(), _ends, _ends | st.none())
def test_verdicts_contradicted_exactly_when_claim_and_record_are_disjoint(
    low: int, high: int | None, floor: int, ceiling: int | None
) -> None:
    claim = Interval(low, None if high is None else max(high, low))
    record = Bounds(floor, None if ceiling is None else max(ceiling, floor), "f", "c", ())
    found = judge(claim, record, "people")
    assert (found.verdict is Verdict.CONTRADICTED) == (not claim.overlaps(record.interval))
    if found.verdict is Verdict.SUPPORTED:
        assert claim.contains(record.interval)


def test_verdicts_published_ages_bound_the_youngest_both_ways() -> None:
    earlier = Total(291, dt.date(2024, 3, 8), quote="291 people, aged between 15 and 90, ...")
    later = Total(332, dt.date(2025, 6, 17), quote="332 people aged from 14 to 90 ...")
    found = age_bounds(DAY, [earlier, later], youngest=True)
    assert (found.floor, found.ceiling, found.stated) == (14, 15, (15,))
    oldest = age_bounds(DAY, [earlier, later], youngest=False)
    assert (oldest.floor, oldest.ceiling) == (90, 90)
