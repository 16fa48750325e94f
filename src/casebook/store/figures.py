"""Queries for counting: the events a rule may count, the facts derived from them, and the
few range queries that turn facts into a Figure's bounds.

Count facts are derived data (not audited): rebuilt for a rule whenever the audit chain's
head differs from the one they were built at. These functions never commit.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, delete, insert, or_, select, union_all
from sqlalchemy.orm import Session

from casebook.store.resolution import merged_away
from casebook.store.schema import (
    AuditEntry,
    AuditHead,
    Case,
    CaseEvent,
    CountFact,
    CountState,
    CountStep,
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    Organisation,
    Source,
)

_CHUNK = 500
STEP_KINDS = ("lower", "upper", "anon", "floor")


@dataclass(frozen=True)
class RecordState:
    """The audit chain's head: names the record's state in every Figure."""

    seq: int
    hash: str

    @property
    def digest(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True)
class EventRow:
    """A counted event (not rejected, not merged away) with its subjects."""

    id: str
    type: str
    date: dt.date | None
    precision: str | None
    status: str
    law: str | None
    offence: str | None
    count: int | None
    sentence_months: float | None
    persons: tuple[tuple[str, int | None], ...]  # (person id, age at the event)
    organisations: tuple[str, ...]


@dataclass(frozen=True)
class FactRow:
    kind: str
    item: str
    start: dt.date
    end: dt.date | None
    weight: int
    month: str | None
    law: str | None
    offence: str | None
    age: str | None
    events: str


@dataclass(frozen=True)
class StepRow:
    kind: str
    day: dt.date
    items: int
    weight: int
    largest: int


@dataclass(frozen=True)
class ReportedRow:
    """A published total in the record, with the quote and report it came from."""

    event_id: str
    counts: str | None
    count: int
    date: dt.date | None
    precision: str | None
    law: str | None
    status: str
    quote: str
    source_id: str
    source_title: str | None
    published: dt.date | None


_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)  # built once


def record_state(reader: Session | Connection) -> RecordState:
    head = reader.execute(_HEAD).first()
    return RecordState(head[0], head[1]) if head else RecordState(0, "")


# The tables a figure is computed from: a change anywhere else (a new source, a mention,
# an alias) leaves every rule's facts as they were.
COUNTED_TABLES = (
    "events", "event_participants", "event_evidence", "event_merges", "cases", "case_events",
    "organisations",
)  # fmt: skip


def changed_since(session: Session, state: RecordState) -> bool:
    """Whether the record may differ, for counting, from what it was at `state`: another
    history (a restored backup), or an audited write since that touched a counted table."""
    entry = session.execute(select(AuditEntry.hash).where(AuditEntry.seq == state.seq)).first()
    if entry is None or entry[0] != state.hash:
        return True
    query = (
        select(AuditEntry.seq)
        .where(AuditEntry.seq > state.seq, AuditEntry.entity.in_(COUNTED_TABLES))
        .limit(1)
    )
    return session.execute(query).first() is not None


def mark_built(session: Session, rule_key: str, state: RecordState) -> None:
    """Record that a rule's facts still hold at `state` (nothing they count from changed)."""
    stored = session.get(CountState, rule_key)
    if stored is not None:
        stored.audit_seq, stored.audit_hash = state.seq, state.hash


def built_at(session: Session, rule_keys: Sequence[str]) -> dict[str, RecordState]:
    """The record state each rule's facts were built at; rules never built are absent."""
    query = select(CountState.rule, CountState.audit_seq, CountState.audit_hash)
    rows = session.execute(query.where(CountState.rule.in_(sorted(set(rule_keys)))))
    return {rule: RecordState(seq, digest) for rule, seq, digest in rows}


def counted_event_rows(session: Session, types: Iterable[str]) -> list[EventRow]:
    """Every event of these types that still counts, with its subject persons and orgs."""
    wanted = sorted(set(types))
    query = (
        select(
            Event.id, Event.type, Event.date, Event.date_precision, Event.status,
            Event.law_id, Event.offence_id, Event.count, Event.sentence_months,
        )
        .where(Event.type.in_(wanted), Event.status != "rejected")
        .where(Event.id.not_in(merged_away()))
        .order_by(Event.id)
    )  # fmt: skip
    events = session.execute(query).all()
    subjects = _subjects(session, wanted)
    return [
        EventRow(
            *row[:9],
            persons=tuple(sorted(subjects[0].get(row[0], ()))),
            organisations=tuple(sorted(subjects[1].get(row[0], ()))),
        )
        for row in events
    ]


def _subjects(
    session: Session, types: list[str]
) -> tuple[dict[str, set[tuple[str, int | None]]], dict[str, set[str]]]:
    query = (
        select(
            EventParticipant.event_id,
            EventParticipant.person_id,
            EventParticipant.organisation_id,
            EventParticipant.age,
        )
        .join(Event, Event.id == EventParticipant.event_id)
        .where(Event.type.in_(types), EventParticipant.role == "subject")
    )
    persons: dict[str, set[tuple[str, int | None]]] = defaultdict(set)
    organisations: dict[str, set[str]] = defaultdict(set)
    for event_id, person_id, organisation_id, age in session.execute(query):
        if person_id is not None:
            persons[event_id].add((person_id, age))
        elif organisation_id is not None:
            organisations[event_id].add(organisation_id)
    return persons, organisations


def agent_names(session: Session, event_ids: Sequence[str]) -> dict[str, list[str]]:
    """The names of the organisations that acted in each event (police units, courts)."""
    names: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(event_ids):
        query = (
            select(EventParticipant.event_id, Organisation.name)
            .join(Organisation, Organisation.id == EventParticipant.organisation_id)
            .where(EventParticipant.event_id.in_(chunk), EventParticipant.role == "agent")
        )
        for event_id, name in session.execute(query):
            names[event_id].append(name)
    return names


def case_events(session: Session) -> dict[str, tuple[str, list[str]]]:
    """Every case: (its person, its event ids)."""
    cases: dict[str, tuple[str, list[str]]] = {}
    query = select(Case.id, Case.person_id, CaseEvent.event_id).join(
        CaseEvent, CaseEvent.case_id == Case.id
    )
    for case_id, person_id, event_id in session.execute(query.order_by(Case.id)):
        cases.setdefault(case_id, (person_id, []))[1].append(event_id)
    return cases


def replace_facts(
    session: Session,
    rule_key: str,
    facts: Sequence[FactRow],
    steps: Sequence[StepRow],
    state: RecordState,
) -> None:
    """Replace a rule's facts and steps and mark them built at `state`."""
    session.execute(delete(CountFact).where(CountFact.rule == rule_key))
    session.execute(delete(CountStep).where(CountStep.rule == rule_key))
    for table, rows in ((CountFact, facts), (CountStep, steps)):
        for start in range(0, len(rows), 5000):
            batch = [{"rule": rule_key, **row.__dict__} for row in rows[start : start + 5000]]
            session.execute(insert(table), batch)
    stored = session.get(CountState, rule_key)
    if stored is None:
        session.add(CountState(rule=rule_key, audit_seq=state.seq, audit_hash=state.hash))
    else:
        stored.audit_seq, stored.audit_hash = state.seq, state.hash


def _latest_step(kind: str) -> Select[str, dt.date, int, int, int]:
    return (
        select(CountStep.kind, CountStep.day, CountStep.items, CountStep.weight, CountStep.largest)
        .where(CountStep.rule == bindparam("rule"), CountStep.kind == kind)
        .where(CountStep.day <= bindparam("day"))
        .order_by(CountStep.day.desc())
        .limit(1)
    )


# Built once: one round trip for every kind's latest step, each an indexed lookup.
_STEPS_AT = union_all(*(_latest_step(kind).subquery().select() for kind in STEP_KINDS))


def steps_at(session: Session, rule_key: str, day: dt.date) -> dict[str, StepRow]:
    """For each kind of a rule's facts, the sums that hold on `day` (absent: none hold)."""
    rows = session.execute(_STEPS_AT, {"rule": rule_key, "day": day})
    return {row[0]: StepRow(*row) for row in rows}


def _at(rule_key: str, kind: str, as_of: dt.date):  # type: ignore[no-untyped-def]
    return and_(
        CountFact.rule == rule_key,
        CountFact.kind == kind,
        CountFact.start <= as_of,
        or_(CountFact.end.is_(None), CountFact.end > as_of),
    )


def facts_at(
    session: Session, rule_key: str, kinds: Sequence[str], as_of: dt.date
) -> list[FactRow]:
    """The facts of these kinds that hold on `as_of`, in a stable order."""
    rows: list[FactRow] = []
    for kind in kinds:
        query = (
            select(
                CountFact.kind, CountFact.item, CountFact.start, CountFact.end,
                CountFact.weight, CountFact.month, CountFact.law, CountFact.offence,
                CountFact.age, CountFact.events,
            )
            .where(_at(rule_key, kind, as_of))
            .order_by(CountFact.item, CountFact.start, CountFact.id)
        )  # fmt: skip
        rows.extend(FactRow(**row._mapping) for row in session.execute(query))
    return rows


def sources_of(session: Session, event_ids: Iterable[str]) -> list[str]:
    """The reports behind these events, by source id."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(event_ids))):
        query = (
            select(Evidence.source_id)
            .join(EventEvidence, EventEvidence.evidence_id == Evidence.id)
            .where(EventEvidence.event_id.in_(chunk))
            .distinct()
        )
        found.update(session.scalars(query))
    return sorted(found)


def reported_rows(session: Session, counts: Iterable[str], until: dt.date) -> list[ReportedRow]:
    """Published totals of these event types dated on or before `until`, with their quotes."""
    rows = []
    wanted = {"counts": sorted(set(counts)), "until": until}
    for row in session.execute(_reported_query(), wanted):
        m = row._mapping
        rows.append(
            ReportedRow(
                m["id"], m["counts_type"], m["count"], m["date"], m["date_precision"],
                m["law_id"], m["status"], m["quote"] or "", m["source"] or "", m["title"],
                _as_date(m["published_at"]),
            )
        )  # fmt: skip
    return rows


@functools.cache
def _reported_query() -> Select[Any]:
    """Built once; `counts` and `until` are bound on each use."""
    quote_of = (
        select(Evidence.quote)
        .join(EventEvidence, EventEvidence.evidence_id == Evidence.id)
        .where(EventEvidence.event_id == Event.id, EventEvidence.field == "event")
        .limit(1)
        .scalar_subquery()
    )
    first_source = (
        select(Evidence.source_id)
        .join(EventEvidence, EventEvidence.evidence_id == Evidence.id)
        .where(EventEvidence.event_id == Event.id)
        .order_by(Evidence.source_id)
        .limit(1)
        .scalar_subquery()
    )
    inner = (
        select(
            Event.id, Event.counts_type, Event.count, Event.date, Event.date_precision,
            Event.law_id, Event.status, quote_of.label("quote"), first_source.label("source"),
        )
        .where(Event.type == "reported_total", Event.status != "rejected")
        .where(Event.counts_type.in_(bindparam("counts", expanding=True)))
        .where(Event.count.is_not(None), Event.id.not_in(merged_away()))
        .where(or_(Event.date.is_(None), Event.date <= bindparam("until")))
        .subquery()
    )  # fmt: skip
    return (
        select(inner, Source.title, Source.published_at)
        .join(Source, Source.id == inner.c.source, isouter=True)
        .order_by(inner.c.date, inner.c.id)
    )


def _as_date(value: dt.date | dt.datetime | None) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


OUTCOME_TYPES = (
    "arrest", "charge", "bail_granted", "bail_denied", "conviction", "acquittal", "sentence",
    "release",
)  # fmt: skip


def latest_steps(
    session: Session, person_ids: Sequence[str], until: dt.date
) -> dict[str, tuple[dt.date, str]]:
    """Each person's latest proceeding step (event type) dated on or before `until`."""
    latest: dict[str, tuple[dt.date, str]] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        query = (
            select(EventParticipant.person_id, Event.date, Event.type)
            .join(Event, Event.id == EventParticipant.event_id)
            .where(EventParticipant.person_id.in_(chunk), EventParticipant.role == "subject")
            .where(Event.type.in_(OUTCOME_TYPES), Event.status != "rejected")
            .where(Event.date.is_not(None), Event.date <= until)
            .where(Event.id.not_in(merged_away()))
        )
        for person_id, date, kind in session.execute(query):
            if person_id is None or date is None:
                continue
            step = (date, kind)
            if person_id not in latest or _later(step, latest[person_id]):
                latest[person_id] = step
    return latest


def _later(step: tuple[dt.date, str], than: tuple[dt.date, str]) -> bool:
    return (step[0], OUTCOME_TYPES.index(step[1])) > (than[0], OUTCOME_TYPES.index(than[1]))
