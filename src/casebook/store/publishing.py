"""Queries for publishing: the events a publishing rule may show and what they refer to.

Plain rows only; the publish stage decides what of them leaves the system.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.store.resolution import merged_away
from casebook.store.schema import (
    AuditEntry,
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    Organisation,
    Person,
    Source,
)

_CHUNK = 500


@dataclass(frozen=True)
class EventRow:
    id: str
    type: str
    date: dt.date | None
    precision: str | None
    law: str | None
    offence: str | None
    count: int | None
    sentence_months: float | None
    # (person id, organisation id, role, age), one per participant
    participants: tuple[tuple[str | None, str | None, str, int | None], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PersonRow:
    id: str
    name: str
    sensitivity: str
    is_minor: bool


@dataclass(frozen=True)
class NamedRow:
    id: str
    name: str
    sensitivity: str


@dataclass(frozen=True)
class SourceRow:
    id: str
    title: str | None
    publisher: str | None
    url: str | None
    published: dt.date | None
    sensitivity: str


def events_to_publish(
    session: Session, levels: Sequence[str], statuses: Sequence[str]
) -> list[EventRow]:
    """Events at one of these sensitivity levels and statuses, not merged away."""
    query = (
        select(
            Event.id, Event.type, Event.date, Event.date_precision, Event.law_id,
            Event.offence_id, Event.count, Event.sentence_months,
        )
        .where(Event.sensitivity.in_(list(levels)), Event.status.in_(list(statuses)))
        .where(Event.type != "reported_total", Event.id.not_in(merged_away()))
        .order_by(Event.date, Event.id)
    )  # fmt: skip
    rows = session.execute(query).all()
    ids = [row[0] for row in rows]
    participants, sources = _participants(session, ids), _sources(session, ids)
    return [
        EventRow(*row, tuple(sorted(participants[row[0]], key=str)), tuple(sorted(sources[row[0]])))
        for row in rows
    ]


def _participants(
    session: Session, ids: Sequence[str]
) -> dict[str, list[tuple[str | None, str | None, str, int | None]]]:
    found: dict[str, list[tuple[str | None, str | None, str, int | None]]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = select(
            EventParticipant.event_id, EventParticipant.person_id,
            EventParticipant.organisation_id, EventParticipant.role, EventParticipant.age,
        ).where(EventParticipant.event_id.in_(chunk))  # fmt: skip
        for event_id, person, organisation, role, age in session.execute(query):
            found[event_id].append((person, organisation, role, age))
    return found


def _sources(session: Session, ids: Sequence[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        query = (
            select(EventEvidence.event_id, Evidence.source_id)
            .join(Evidence, Evidence.id == EventEvidence.evidence_id)
            .where(EventEvidence.event_id.in_(chunk))
        )
        for event_id, source_id in session.execute(query):
            found[event_id].add(source_id)
    return found


def persons(session: Session, ids: Iterable[str]) -> dict[str, PersonRow]:
    found = {}
    for chunk in _chunks(sorted(set(ids))):
        query = select(Person.id, Person.name, Person.sensitivity, Person.is_minor)
        for row in session.execute(query.where(Person.id.in_(chunk))):
            found[row[0]] = PersonRow(*row)
    return found


def organisations(session: Session, ids: Iterable[str]) -> dict[str, NamedRow]:
    found = {}
    for chunk in _chunks(sorted(set(ids))):
        query = select(Organisation.id, Organisation.name, Organisation.sensitivity)
        for row in session.execute(query.where(Organisation.id.in_(chunk))):
            found[row[0]] = NamedRow(*row)
    return found


def sources(session: Session, ids: Iterable[str]) -> dict[str, SourceRow]:
    found = {}
    for chunk in _chunks(sorted(set(ids))):
        query = select(
            Source.id, Source.title, Source.publisher, Source.url, Source.published_at,
            Source.sensitivity,
        )  # fmt: skip
        for row in session.execute(query.where(Source.id.in_(chunk))):
            found[row[0]] = SourceRow(*row)
    return found


def chain_origin(session: Session) -> str:
    """The first audit entry's hash: unguessable from outside, stable for this record."""
    first = session.execute(select(AuditEntry.hash).where(AuditEntry.seq == 1)).first()
    return first[0] if first else ""


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def minor_persons(session: Session) -> list[str]:
    """Every person marked as a minor."""
    return list(session.scalars(select(Person.id).where(Person.is_minor.is_(True))))
