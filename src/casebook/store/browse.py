"""Queries the web pages read: pages of sources, events, persons, organisations, the audit
log, and one source's evidence spans. Every list is a page (`Page`): a limit, an offset,
and whether there is more, so nothing loads an unbounded list. Callers pass the
sensitivities the acting user may read (`permissions.readable_levels`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from casebook.errors import NotFoundError
from casebook.store.resolution import merged_away
from casebook.store.schema import (
    AuditEntry,
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    Mention,
    Organisation,
    Person,
    PersonAlias,
    Source,
)

Item = TypeVar("Item")


def _listed() -> Select[Event]:
    """Events as listed: every status, but not those merged into another."""
    return select(Event).where(Event.id.not_in(merged_away()))


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list: its rows, its number (from 1), its size, and whether more follow."""

    items: list[Item]
    number: int
    size: int
    more: bool

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _page(session: Session, query: Any, number: int, size: int) -> Page[Any]:
    # One row beyond the page says whether there is a next one, without counting them all.
    rows = list(session.execute(query.limit(size + 1).offset((number - 1) * size)).all())
    items = [row[0] if len(row) == 1 else row for row in rows[:size]]
    return Page(items, number, size, len(rows) > size)


@dataclass(frozen=True)
class SourceRow:
    id: str
    title: str | None
    publisher: str | None
    published_at: dt.date | None
    kind: str
    sensitivity: str


def sources(session: Session, levels: Sequence[str], number: int, size: int) -> Page[SourceRow]:
    """Sources of these sensitivities, newest publication first."""
    query = (
        select(
            Source.id,
            Source.title,
            Source.publisher,
            Source.published_at,
            Source.kind,
            Source.sensitivity,
        )
        .where(Source.sensitivity.in_(levels))
        .order_by(Source.published_at.desc(), Source.seq.desc())
    )
    page = _page(session, query, number, size)
    return Page([SourceRow(*row) for row in page.items], number, size, page.more)


@dataclass(frozen=True)
class Span:
    """One evidence span in a source and the events it backs."""

    start: int
    end: int
    events: tuple[str, ...]


def evidence_spans(session: Session, source_id: str) -> list[Span]:
    """Every evidence span in the source, by position, with the events each one backs."""
    rows = session.execute(
        select(Evidence.start, Evidence.end, EventEvidence.event_id)
        .join(EventEvidence, EventEvidence.evidence_id == Evidence.id, isouter=True)
        .where(Evidence.source_id == source_id)
        .order_by(Evidence.start, Evidence.end)
    ).all()
    spans: dict[tuple[int, int], list[str]] = {}
    for start, end, event_id in rows:
        events = spans.setdefault((start, end), [])
        if event_id and event_id not in events:
            events.append(event_id)
    return [Span(start, end, tuple(events)) for (start, end), events in spans.items()]


@dataclass(frozen=True)
class EventRow:
    id: str
    type: str
    date: dt.date | None
    date_precision: str | None
    law_id: str | None
    offence_id: str | None
    count: int | None
    status: str
    version: int
    sensitivity: str


@dataclass(frozen=True)
class EventFilter:
    type: str | None = None
    law: str | None = None  # a law id, or an offence id
    since: dt.date | None = None
    until: dt.date | None = None
    status: str | None = None


def events(
    session: Session, levels: Sequence[str], wanted: EventFilter, number: int, size: int
) -> Page[EventRow]:
    """Events (not merged into another) of these sensitivities matching the filter, by date."""
    query = _listed().where(Event.sensitivity.in_(levels))
    if wanted.type:
        query = query.where(Event.type == wanted.type)
    if wanted.law:
        query = query.where((Event.law_id == wanted.law) | (Event.offence_id == wanted.law))
    if wanted.since:
        query = query.where(Event.date >= wanted.since)
    if wanted.until:
        query = query.where(Event.date <= wanted.until)
    if wanted.status:
        query = query.where(Event.status == wanted.status)
    # Dated first, newest first: the order of the index ix_events_listed read backwards.
    query = query.order_by(Event.date.is_not(None).desc(), Event.date.desc(), Event.id.desc())
    page = _page(session, query, number, size)
    return Page([_event_row(event) for event in page.items], number, size, page.more)


def _event_row(event: Event) -> EventRow:
    return EventRow(
        event.id, event.type, event.date, event.date_precision, event.law_id, event.offence_id,
        event.count, event.status, event.version, event.sensitivity,
    )  # fmt: skip


@dataclass(frozen=True)
class NamedRow:
    id: str
    name: str
    sensitivity: str


def persons(session: Session, levels: Sequence[str], number: int, size: int) -> Page[NamedRow]:
    query = (
        select(Person.id, Person.name, Person.sensitivity)
        .where(Person.sensitivity.in_(levels))
        .order_by(Person.name, Person.id)
    )
    page = _page(session, query, number, size)
    return Page([NamedRow(*row) for row in page.items], number, size, page.more)


def organisations(
    session: Session, levels: Sequence[str], number: int, size: int
) -> Page[NamedRow]:
    query = (
        select(Organisation.id, Organisation.name, Organisation.sensitivity)
        .where(Organisation.sensitivity.in_(levels))
        .order_by(Organisation.name, Organisation.id)
    )
    page = _page(session, query, number, size)
    return Page([NamedRow(*row) for row in page.items], number, size, page.more)


def aliases(session: Session, person_id: str) -> list[str]:
    rows = session.scalars(
        select(PersonAlias.alias)
        .where(PersonAlias.person_id == person_id)
        .order_by(PersonAlias.alias)
        .limit(100)
    )
    return list(dict.fromkeys(rows))


def person_events(
    session: Session, person_id: str, levels: Sequence[str], number: int, size: int
) -> Page[EventRow]:
    """The events a person takes part in, oldest first: their case timeline."""
    taking_part = select(EventParticipant.event_id).where(EventParticipant.person_id == person_id)
    return _timeline(session, taking_part, levels, number, size)


def organisation_events(
    session: Session, organisation_id: str, levels: Sequence[str], number: int, size: int
) -> Page[EventRow]:
    taking_part = select(EventParticipant.event_id).where(
        EventParticipant.organisation_id == organisation_id
    )
    return _timeline(session, taking_part, levels, number, size)


def _timeline(
    session: Session, taking_part: Any, levels: Sequence[str], number: int, size: int
) -> Page[EventRow]:
    query = (
        _listed()
        .where(Event.id.in_(taking_part), Event.sensitivity.in_(levels))
        .order_by(Event.date.is_(None), Event.date, Event.id)
    )
    page = _page(session, query, number, size)
    return Page([_event_row(event) for event in page.items], number, size, page.more)


def person_sources(
    session: Session, person_id: str, levels: Sequence[str], number: int, size: int
) -> Page[SourceRow]:
    """Every source that names the person, newest first."""
    naming = select(Mention.source_id).where(Mention.person_id == person_id)
    query = (
        select(
            Source.id,
            Source.title,
            Source.publisher,
            Source.published_at,
            Source.kind,
            Source.sensitivity,
        )
        .where(Source.id.in_(naming), Source.sensitivity.in_(levels))
        .order_by(Source.published_at.desc(), Source.seq.desc())
    )
    page = _page(session, query, number, size)
    return Page([SourceRow(*row) for row in page.items], number, size, page.more)


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str


def audit_entries(session: Session, number: int, size: int) -> Page[AuditRow]:
    """The audit log, newest first, without the before/after values."""
    query = select(
        AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
        AuditEntry.entity_id,
    ).order_by(AuditEntry.seq.desc())  # fmt: skip
    page = _page(session, query, number, size)
    return Page([AuditRow(*row) for row in page.items], number, size, page.more)


def count_events(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def source(session: Session, source_id: str) -> Source:
    found = session.scalar(select(Source).where(Source.id == source_id))
    if found is None:
        raise NotFoundError(f"no source {source_id}")
    return found


def person(session: Session, person_id: str) -> Person:
    found = session.get(Person, person_id)
    if found is None:
        raise NotFoundError(f"no person {person_id}")
    return found


def organisation(session: Session, organisation_id: str) -> Organisation:
    found = session.get(Organisation, organisation_id)
    if found is None:
        raise NotFoundError(f"no organisation {organisation_id}")
    return found
