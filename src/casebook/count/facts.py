"""From counted events to count facts, for one rule: who or what counts from when, for
certain (lower bound) and possibly (upper bound). Pure functions; docs/counting.md.

An event counts *for certain* on a date when its law, status, agent and date leave no
doubt; *possibly* when any of them might (a month-only date, an unreviewed event the rule
counts only in the upper bound, a law the report leaves open). People in a stated count
beyond those named may be anyone, named elsewhere or not: they widen the upper bound and
set a floor under the lower one, never add to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from casebook.count.rules import CountingRule
from casebook.extract.quantities import LIFE
from casebook.laws.catalogue import Catalogue
from casebook.model import DatePrecision, FuzzyDate
from casebook.store.figures import EventRow, FactRow, StepRow

EARLIEST = dt.date(1, 1, 1)
DAYS_PER_MONTH = 30.4375
REMISSION = 2 / 3  # share of a term served before release for good conduct (HK Prison Rules)


class Sure(IntEnum):
    """How sure it is that an event counts under a rule."""

    NO = 0
    MAYBE = 1
    YES = 2


def law_match(
    rule: CountingRule, catalogue: Catalogue, law: str | None, offence: str | None
) -> Sure:
    """Whether an event's law and offence are among the rule's; a law whose offences are
    only partly covered is MAYBE, and a report naming no law counts as `unknown_law` says."""
    if not rule.laws:
        return Sure.YES
    if law is None and offence is None:
        return {"exclude": Sure.NO, "upper": Sure.MAYBE, "include": Sure.YES}[rule.unknown_law]
    if offence is not None:
        covered = any(offence == c or offence.startswith(c + ".") for c in rule.laws)
        return Sure.YES if covered else Sure.NO
    if law is None:
        return Sure.NO
    if law in rule.laws:
        return Sure.YES
    listed = {c for c in rule.laws if c.startswith(f"{law}.")}
    if not listed:
        return Sure.NO
    offences = {o.id for o in catalogue.law(law).offences} if catalogue.knows(law) else set()
    return Sure.YES if offences and offences <= listed else Sure.MAYBE


def status_match(rule: CountingRule, status: str) -> Sure:
    if status == "confirmed":
        return Sure.YES
    return {"include": Sure.YES, "upper": Sure.MAYBE, "exclude": Sure.NO}[rule.candidates]


def agent_match(rule: CountingRule, agents: list[str]) -> Sure:
    if not rule.agents:
        return Sure.YES
    if not agents:
        return Sure.MAYBE
    names = [name.lower() for name in agents]
    return Sure.YES if any(p in name for p in rule.agents for name in names) else Sure.NO


@dataclass(frozen=True)
class Placed:
    """An event judged against a rule: possibly counting from `possible`, for certain
    from `certain` (None: never for certain), within [lo, hi] (None: undated)."""

    row: EventRow
    possible: dt.date
    certain: dt.date | None
    lo: dt.date | None
    hi: dt.date | None

    @property
    def month(self) -> str | None:
        return self.lo.strftime("%Y-%m") if self.lo and self.lo == _month_of(self.hi) else None


def _month_of(day: dt.date | None) -> dt.date | None:
    return None if day is None else day.replace(day=1)


def span(rule: CountingRule, row: EventRow) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day an event may have happened, as the rule places partial dates."""
    if row.date is None:
        return None, None
    precision = DatePrecision(row.precision or "day")
    lo, hi = FuzzyDate(row.date, precision).bounds()
    if precision is not DatePrecision.DAY and rule.month_only == "start":
        return lo, lo
    if precision is not DatePrecision.DAY and rule.month_only == "end":
        return hi, hi
    return lo, hi


def place(
    rule: CountingRule,
    catalogue: Catalogue,
    row: EventRow,
    agents: list[str],
    *,
    by_law: bool = True,
) -> Placed | None:
    """Judge one event against a rule; None when it never counts."""
    law = law_match(rule, catalogue, row.law, row.offence) if by_law else Sure.YES
    sure = min(law, status_match(rule, row.status), agent_match(rule, agents))
    lo, hi = span(rule, row)
    since = rule.since or EARLIEST
    if sure is Sure.NO or (hi is not None and hi < since):
        return None
    possible = max(lo or since, since)
    dated_after = lo is not None and hi is not None and lo >= since
    certain = hi if sure is Sure.YES and dated_after else None
    return Placed(row, possible, certain, lo, hi)


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    if age < 18:
        return "under 18"
    return "18-29" if age < 30 else "30-49" if age < 50 else "50+"


def _youngest(ages: Iterable[int | None]) -> int | None:
    known = [age for age in ages if age is not None]
    return min(known) if known else None


@dataclass
class _Item:
    """One person, organisation or case as counted: from when, for certain and possibly."""

    possible: dt.date
    certain: dt.date | None
    first: Placed
    events: set[str] = field(default_factory=set)
    ages: list[int | None] = field(default_factory=list)

    def take(self, placed: Placed, age: int | None) -> None:
        if placed.possible < self.possible:
            self.possible, self.first = placed.possible, placed
        if placed.certain is not None and (self.certain is None or placed.certain < self.certain):
            self.certain = placed.certain
        self.events.add(placed.row.id)
        self.ages.append(age)


def cumulative_facts(
    rule: CountingRule, placed: list[Placed], case_of: Mapping[tuple[str, str], str]
) -> Iterator[FactRow]:
    """Facts for a cumulative rule: each item counted from its first event, plus the
    anonymous remainder of every stated count."""
    if rule.counts == "events":
        yield from _event_facts(placed)
        return
    items: dict[str, _Item] = {}
    for event in placed:
        for item, age in _items_of(rule, event.row, case_of):
            found = items.get(item)
            if found is None:
                found = items[item] = _Item(event.possible, event.certain, event)
            found.take(event, age)
    for item, seen in sorted(items.items()):
        yield _fact("upper", item, seen.possible, None, 1, seen.first, seen.ages, seen.events)
        if seen.certain is not None:
            yield _fact("lower", item, seen.certain, None, 1, seen.first, seen.ages, seen.events)
    yield from _anonymous_facts(rule, placed)


def _items_of(
    rule: CountingRule, row: EventRow, case_of: Mapping[tuple[str, str], str]
) -> list[tuple[str, int | None]]:
    if rule.counts == "organisations":
        return [(organisation, None) for organisation in row.organisations]
    if rule.counts == "cases":
        return [(case_of.get((p, row.id), f"{p}/{row.id}"), age) for p, age in row.persons]
    return list(row.persons)


def _named(rule: CountingRule, row: EventRow) -> int:
    return len(row.organisations if rule.counts == "organisations" else row.persons)


def _anonymous_facts(rule: CountingRule, placed: list[Placed]) -> Iterator[FactRow]:
    for event in placed:
        named = _named(rule, event.row)
        whole = max(event.row.count or 0, named)
        if whole > named:
            yield _fact("anon", event.row.id, event.possible, None, whole - named, event)
        if event.certain is not None and whole > 1:
            yield _fact("floor", event.row.id, event.certain, None, whole, event)


def _event_facts(placed: list[Placed]) -> Iterator[FactRow]:
    for event in placed:
        whole = max(event.row.count or 0, len(event.row.persons), len(event.row.organisations))
        ages = [age for _, age in event.row.persons]
        yield _fact("upper", event.row.id, event.possible, None, whole, event, ages)
        if event.certain is not None:
            yield _fact("lower", event.row.id, event.certain, None, whole, event, ages)


def _fact(
    kind: str,
    item: str,
    start: dt.date,
    end: dt.date | None,
    weight: int,
    first: Placed,
    ages: Iterable[int | None] = (),
    events: Iterable[str] = (),
) -> FactRow:
    return FactRow(
        kind=kind,
        item=item,
        start=start,
        end=end,
        weight=weight,
        month=first.month,
        law=first.row.law,
        offence=first.row.offence,
        age=age_band(_youngest(ages)),
        events=" ".join(sorted(set(events) or {first.row.id})),
    )


# --- current states: in custody on the as-of date ---------------------------------------

IN, MAYBE_IN, OUT = "in", "maybe", "out"
EFFECT = {
    "bail_denied": IN,
    "arrest": MAYBE_IN,
    "charge": MAYBE_IN,
    "conviction": MAYBE_IN,
    "bail_granted": OUT,
    "acquittal": OUT,
    "release": OUT,
}


def effect(row: EventRow) -> str | None:
    if row.type == "sentence":
        if row.sentence_months is None:
            return MAYBE_IN
        return IN if row.sentence_months > 0 else OUT
    return EFFECT.get(row.type)


def _after_months(day: dt.date, months: float) -> dt.date | None:
    if months >= LIFE:
        return None
    try:
        return day + dt.timedelta(days=round(months * DAYS_PER_MONTH))
    except OverflowError:
        return None


Period = tuple[dt.date, dt.date | None]


def custody_certain(events: list[Placed]) -> list[Period]:
    """When a case's events leave no doubt the person was in custody."""
    periods: list[Period] = []
    since: dt.date | None = None
    until: dt.date | None = None  # a sentence's earliest release, once one is served
    for event in events:
        kind, lo, hi = effect(event.row), event.lo, event.hi
        if lo is None or hi is None:
            continue
        if since is not None and until is not None and lo >= until:
            periods.append((since, until))
            since = until = None
        if kind == IN:
            since = hi if since is None else since
            months = event.row.sentence_months
            if event.row.type == "sentence" and months is not None:
                served = _after_months(since, months * REMISSION if months < LIFE else months)
                until = None if served is None else max(hi, served)
        elif kind == OUT and since is not None:
            if lo > since:
                periods.append((since, lo))
            since = until = None
    if since is not None:
        periods.append((since, until))
    return periods


def custody_possible(events: list[Placed]) -> list[Period]:
    """When a case's events leave it open that the person was in custody."""
    periods: list[Period] = []
    since: dt.date | None = None
    until: dt.date | None = None  # a sentence's latest release
    for event in events:
        kind, lo, hi = effect(event.row), event.lo, event.hi
        if lo is None or hi is None or kind is None:
            continue
        if since is not None and until is not None and lo >= until:
            periods.append((since, until))
            since = until = None
        if kind in (IN, MAYBE_IN):
            since = lo if since is None else since
            months = event.row.sentence_months
            if event.row.type == "sentence" and months is not None:
                until = _after_months(hi, months)
            else:
                until = None
        elif since is not None:
            periods.append((since, hi))
            since = until = None
    if since is not None:
        periods.append((since, until))
    return periods


def current_facts(
    rule: CountingRule, catalogue: Catalogue, cases: Mapping[str, tuple[str, list[Placed]]]
) -> Iterator[FactRow]:
    """Facts for a current-state rule: each case's periods in custody, for certain and
    possibly. A case counts when one of its events is under the rule's laws (events were
    placed without their law: bail or release reports rarely repeat it)."""
    for case_id, (person, events) in sorted(cases.items()):
        ordered = sorted(events, key=lambda e: (e.lo or EARLIEST, e.row.id))
        laws = [law_match(rule, catalogue, e.row.law, e.row.offence) for e in ordered]
        if not ordered or max(laws) is Sure.NO:
            continue
        item = person if rule.counts == "persons" else case_id
        first = ordered[0]
        ages = [age for e in ordered for p, age in e.row.persons if p == person]
        ids = [e.row.id for e in ordered]
        if max(laws) is Sure.YES:
            sure = [e for e in ordered if e.certain is not None]
            for start, end in custody_certain(sure):
                yield _fact("lower", item, start, end, 1, first, ages, ids)
        for start, end in custody_possible(ordered):
            yield _fact("upper", item, start, end, 1, first, ages, ids)


# --- steps: the facts summed by date, so a bound on any date is one lookup ---------------


def steps(facts: Iterable[FactRow]) -> list[StepRow]:
    """Per kind, from each day on: how many items hold, their total weight, the largest
    weight seen. An item's overlapping periods are merged first, so it counts once."""
    periods: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, int]]] = {}
    for fact in facts:
        periods.setdefault((fact.kind, fact.item), []).append((fact.start, fact.end, fact.weight))
    changes: dict[str, dict[dt.date, list[int]]] = {}
    for (kind, _), spans in periods.items():
        by_day = changes.setdefault(kind, {})
        for start, end, weight in _merged(spans):
            change = by_day.setdefault(start, [0, 0, 0])
            change[0], change[1], change[2] = (
                change[0] + 1,
                change[1] + weight,
                max(change[2], weight),
            )
            if end is not None:
                change = by_day.setdefault(end, [0, 0, 0])
                change[0], change[1] = change[0] - 1, change[1] - weight
    rows = []
    for kind, by_day in sorted(changes.items()):
        items = weight = largest = 0
        for day in sorted(by_day):
            items, weight = items + by_day[day][0], weight + by_day[day][1]
            largest = max(largest, by_day[day][2])
            rows.append(StepRow(kind, day, items, weight, largest))
    return rows


def _merged(
    spans: list[tuple[dt.date, dt.date | None, int]],
) -> list[tuple[dt.date, dt.date | None, int]]:
    merged: list[tuple[dt.date, dt.date | None, int]] = []
    for start, end, weight in sorted(spans, key=lambda s: s[0]):
        if merged:
            last_start, last_end, last_weight = merged[-1]
            if last_end is None or start <= last_end:
                later = None if last_end is None or end is None else max(last_end, end)
                merged[-1] = (last_start, later, max(last_weight, weight))
                continue
        merged.append((start, end, weight))
    return merged
