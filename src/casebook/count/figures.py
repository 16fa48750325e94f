"""Figures: a counting rule applied to the record at an as-of date (docs/counting.md).

A Figure is a range, never a bare number: named people counted once, anonymous counts
widening the range, uncertain dates, laws and unreviewed events counted in the upper
bound only — with the items, events and sources behind it, the published totals for the
same question beside it, and the rule version and record state that made it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from casebook.count import facts
from casebook.count.rules import CountingRule, ReportedTotals, Rulebook, load_rulebook, within
from casebook.errors import UsageError
from casebook.store import figures as stored
from casebook.store.engine import Store
from casebook.store.figures import FactRow, RecordState

Breakdown = Literal["month", "law", "offence", "age", "outcome"]
BREAKDOWNS: tuple[str, ...] = ("month", "law", "offence", "age", "outcome")
FACT_KINDS = ("lower", "upper", "anon", "floor")
OUTCOMES = {
    "arrest": "arrested, not (yet) charged",
    "charge": "charged, awaiting trial",
    "bail_granted": "charged, on bail",
    "bail_denied": "charged, remanded in custody",
    "conviction": "convicted, awaiting sentence",
    "sentence": "sentenced",
    "acquittal": "acquitted",
    "release": "released",
}


@dataclass(frozen=True)
class ReportedTotal:
    """A total someone published for the same question, beside the record's own range."""

    event_id: str
    count: int
    as_of: dt.date | None
    precision: str | None
    law: str | None
    quote: str
    source_id: str
    source_title: str | None
    published: dt.date | None
    status: str
    lower: int  # the record's own range as of the total's date
    upper: int

    @property
    def agrees(self) -> bool:
        return self.lower <= self.count <= self.upper

    def disagreement(self) -> str | None:
        """Why the total and the record differ, in one line; None when they agree."""
        if self.count > self.upper:
            return f"reported {self.count} is above the record's {self.upper}: cases missing"
        if self.count < self.lower:
            return f"reported {self.count} is below the record's {self.lower}"
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "as_of": _iso(self.as_of),
            "precision": self.precision,
            "law": self.law,
            "quote": self.quote,
            "source": self.source_id,
            "source_title": self.source_title,
            "published": _iso(self.published),
            "status": self.status,
            "record": {"lower": self.lower, "upper": self.upper},
            "agrees": self.agrees,
            "disagreement": self.disagreement(),
        }


@dataclass(frozen=True)
class Bucket:
    key: str
    lower: int
    upper: int


@dataclass(frozen=True)
class Figure:
    rule: CountingRule
    rulebook: str
    as_of: dt.date
    lower: int
    upper: int
    named_lower: int
    named_upper: int
    anonymous: int
    floor: int
    certain: tuple[str, ...]  # items counted in the lower bound
    possible: tuple[str, ...]  # items counted in the upper bound
    events: tuple[str, ...]
    sources: tuple[str, ...]
    reported: tuple[ReportedTotal, ...]
    record: RecordState
    by: str | None = None
    buckets: tuple[Bucket, ...] = ()

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def rule_version(self) -> int:
        return self.rule.version

    def as_json(self) -> dict[str, Any]:
        """The figure as plain data in a fixed order: same record, rule and date, same bytes."""
        rule = self.rule
        return {
            "rule": {
                "id": rule.id,
                "version": rule.version,
                "rulebook": self.rulebook,
                "title": rule.title,
                "question": rule.question,
                "text": rule.text(),
            },
            "as_of": self.as_of.isoformat(),
            "counts": rule.counts,
            "lower": self.lower,
            "upper": self.upper,
            "named": {"lower": self.named_lower, "upper": self.named_upper},
            "anonymous": self.anonymous,
            "floor": self.floor,
            "counted": {"certain": list(self.certain), "possible": list(self.possible)},
            "events": list(self.events),
            "sources": list(self.sources),
            "reported": [total.as_json() for total in self.reported],
            "breakdown": None
            if self.by is None
            else {
                "by": self.by,
                "buckets": [
                    {"key": b.key, "lower": b.lower, "upper": b.upper} for b in self.buckets
                ],
            },
            "record": {"audit_seq": self.record.seq, "audit_hash": self.record.hash},
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


def compute_figure(
    store: Store,
    rule: CountingRule,
    as_of: dt.date,
    *,
    rulebook: Rulebook | None = None,
    by: str | None = None,
    details: bool = True,
    actor: str = "casebook-count",
) -> Figure:
    """Apply `rule` to the record as of `as_of`; facts are rebuilt first if the record moved."""
    book = rulebook or load_rulebook()
    if by is not None and by not in BREAKDOWNS:
        choices = ", ".join(BREAKDOWNS)
        raise UsageError(f"cannot break a figure down by '{by}' (use one of: {choices})")
    state = refresh_facts(store, book, [rule], actor=actor)[rule.facts_key]
    with store.reader() as session:
        return _figure(session, book, rule, as_of, state, by, details)


def refresh_facts(
    store: Store, rulebook: Rulebook, rules: Sequence[CountingRule], *, actor: str
) -> dict[str, RecordState]:
    """Rebuild the facts of every rule whose record state moved; returns each rule's state."""
    with store.reader() as session:
        current = stored.record_state(session)
        found = stored.built_at(session, [rule.facts_key for rule in rules])
        built = {rule.facts_key: found.get(rule.facts_key) for rule in rules}
    stale = [rule for rule in rules if built[rule.facts_key] != current]
    if stale:
        with store.session(actor) as session:
            current = stored.record_state(session)  # under the write lock now
            for rule in stale:
                before = built[rule.facts_key]
                if before is not None and not stored.changed_since(session, before):
                    stored.mark_built(session, rule.facts_key, current)  # e.g. only an ingest
                    built[rule.facts_key] = current
                    continue
                built_facts = build_facts(session, rulebook, rule)
                steps = facts.steps(built_facts)
                stored.replace_facts(session, rule.facts_key, built_facts, steps, current)
                built[rule.facts_key] = current
    return {key: state or current for key, state in built.items()}


def build_facts(session: Session, rulebook: Rulebook, rule: CountingRule) -> list[FactRow]:
    """Every fact of one rule, from the record as it is in `session`."""
    rows = stored.counted_event_rows(session, [t.value for t in rule.events])
    agents = stored.agent_names(session, [r.id for r in rows]) if rule.agents else {}
    catalogue = rulebook.catalogue
    if rule.mode == "current":
        placed = {
            r.id: p
            for r in rows
            if (p := facts.place(rule, catalogue, r, agents.get(r.id, []), by_law=False))
        }
        return list(facts.current_facts(rule, catalogue, _cases(session, rows, placed)))
    placed_events = [
        p for r in rows if (p := facts.place(rule, catalogue, r, agents.get(r.id, [])))
    ]
    case_of = _case_of(session) if rule.counts == "cases" else {}
    return list(facts.cumulative_facts(rule, placed_events, case_of))


def _case_of(session: Session) -> dict[tuple[str, str], str]:
    return {
        (person, event): case_id
        for case_id, (person, events) in stored.case_events(session).items()
        for event in events
    }


def _cases(
    session: Session, rows: Iterable[stored.EventRow], placed: dict[str, facts.Placed]
) -> dict[str, tuple[str, list[facts.Placed]]]:
    """Each case's placed events; a person's events outside any case form one of their own."""
    cases: dict[str, tuple[str, list[facts.Placed]]] = {}
    in_a_case: set[tuple[str, str]] = set()
    for case_id, (person, events) in stored.case_events(session).items():
        cases[case_id] = (person, [placed[e] for e in events if e in placed])
        in_a_case.update((person, e) for e in events)
    for row in rows:
        for person, _ in row.persons:
            if (person, row.id) not in in_a_case and row.id in placed:
                cases.setdefault(f"person:{person}", (person, []))[1].append(placed[row.id])
    return cases


def _figure(
    session: Session,
    rulebook: Rulebook,
    rule: CountingRule,
    as_of: dt.date,
    state: RecordState,
    by: str | None,
    details: bool,
) -> Figure:
    measured = Measures.on(session, rule, as_of)
    rows = stored.facts_at(session, rule.facts_key, FACT_KINDS, as_of) if details or by else []
    certain = sorted({r.item for r in rows if r.kind == "lower"})
    possible = sorted({r.item for r in rows if r.kind == "upper"})
    events = sorted({e for r in rows for e in r.events.split()})
    return Figure(
        rule=rule,
        rulebook=f"{rulebook.name}@{rulebook.version}",
        as_of=as_of,
        lower=measured.lower,
        upper=measured.upper,
        named_lower=measured.named_lower,
        named_upper=measured.named_upper,
        anonymous=measured.anonymous,
        floor=measured.floor,
        certain=tuple(certain),
        possible=tuple(possible),
        events=tuple(events),
        sources=tuple(stored.sources_of(session, events)) if details else (),
        reported=tuple(reported_totals(session, rule, as_of)),
        record=state,
        by=by,
        buckets=tuple(_buckets(session, rule, rows, by, as_of)) if by else (),
    )


@dataclass(frozen=True)
class Measures:
    """What a figure's bounds are made of on one date: four indexed lookups of the steps."""

    named_lower: int
    named_upper: int
    anonymous: int
    floor: int

    @classmethod
    def on(cls, session: Session, rule: CountingRule, day: dt.date) -> Measures:
        found = stored.steps_at(session, rule.facts_key, day)
        by_weight = rule.counts == "events"

        def named(kind: str) -> int:
            step = found.get(kind)
            return 0 if step is None else step.weight if by_weight else step.items

        anon, floor = found.get("anon"), found.get("floor")
        return cls(
            named("lower"),
            named("upper"),
            anon.weight if anon else 0,
            floor.largest if floor else 0,
        )

    @property
    def lower(self) -> int:
        return max(self.named_lower, self.floor)

    @property
    def upper(self) -> int:
        return max(self.named_upper + self.anonymous, self.lower)


def bounds_at(session: Session, rule: CountingRule, day: dt.date) -> tuple[int, int]:
    """The figure's (lower, upper) on `day`, from facts already built."""
    measured = Measures.on(session, rule, day)
    return measured.lower, measured.upper


def month_series(
    store: Store,
    rule: CountingRule,
    start: dt.date,
    end: dt.date,
    *,
    rulebook: Rulebook | None = None,
    actor: str = "casebook-count",
) -> list[tuple[dt.date, int, int]]:
    """The figure at the end of every month from `start` to `end` (and on `end` itself)."""
    if end < start:
        raise UsageError(f"the series ends ({end}) before it starts ({start})")
    refresh_facts(store, rulebook or load_rulebook(), [rule], actor=actor)
    days = _month_ends(start, end)
    with store.reader() as session:
        return [(day, *bounds_at(session, rule, day)) for day in days]


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    days: list[dt.date] = []
    year, month = start.year, start.month
    while True:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        if last >= end:
            return [*days, end]
        days.append(last)
        year, month = following.year, following.month


def bounds_of(rule: CountingRule, rows: Iterable[FactRow]) -> tuple[int, int]:
    """A figure's (lower, upper) from the facts that hold on its date: the same arithmetic
    as the queries, for a subset such as one bucket of a breakdown."""
    items: dict[str, set[str]] = defaultdict(set)
    weights: dict[str, int] = defaultdict(int)
    floor = 0
    for row in rows:
        items[row.kind].add(row.item)
        weights[row.kind] += row.weight
        if row.kind == "floor":
            floor = max(floor, row.weight)
    if rule.counts == "events":
        return weights["lower"], max(weights["upper"], weights["lower"])
    lower = max(len(items["lower"]), floor)
    return lower, max(len(items["upper"]) + weights["anon"], lower)


def _buckets(
    session: Session, rule: CountingRule, rows: list[FactRow], by: str, as_of: dt.date
) -> list[Bucket]:
    key_of: Callable[[FactRow], str | None]
    if by == "outcome":
        people = [r.item for r in rows if r.kind in ("lower", "upper")]
        steps = stored.latest_steps(session, people, as_of) if rule.counts == "persons" else {}
        key_of = lambda r: OUTCOMES.get(steps[r.item][1]) if r.item in steps else None  # noqa: E731
    else:
        key_of = lambda r: getattr(r, by)  # noqa: E731
    grouped: dict[str, list[FactRow]] = defaultdict(list)
    for row in rows:
        grouped[key_of(row) or "unknown"].append(row)
    found = [Bucket(key, *bounds_of(rule, members)) for key, members in grouped.items()]
    return sorted(found, key=lambda b: (b.key == "unknown", b.key))


def reported_totals(session: Session, rule: CountingRule, as_of: dt.date) -> list[ReportedTotal]:
    """The published totals in the record that answer the same question, each with the
    record's own range at its date."""
    wanted = rule.reported_totals
    found = []
    for row in stored.reported_rows(session, [t.value for t in rule.events], as_of):
        quote = row.quote.lower()
        if not _same_question(wanted, row.law, quote):
            continue
        lower, upper = bounds_at(session, rule, row.date or row.published or as_of)
        found.append(
            ReportedTotal(
                row.event_id, row.count, row.date, row.precision, row.law, row.quote,
                row.source_id, row.source_title, row.published, row.status,
                lower, upper,
            )
        )  # fmt: skip
    return found


def _same_question(wanted: ReportedTotals, law: str | None, quote: str) -> bool:
    """A total answers the rule's question when its law (if it names one) is among the
    rule's, its quote says one of the rule's phrases (if it lists any), and none of the
    phrases that mark another question."""
    if any(phrase in quote for phrase in wanted.not_phrases):
        return False
    if law is not None and wanted.laws and not any(within(law, c) for c in wanted.laws):
        return False
    return not wanted.phrases or any(phrase in quote for phrase in wanted.phrases)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
