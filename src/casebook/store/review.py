"""Queries and writes for review: the queue, evidence by field, rows to move, and undo.

Undo works from the audit log: a decision is the run of audit entries one review action
wrote (`lock_audit_position` keeps that run unbroken), and `column_values` /
`current_values` let `review.actions.undo` check a row and put an entry's `before` back
through the ORM, so the restoration is itself audited. Nothing here commits.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, LargeBinary, delete, func, inspect, select, update
from sqlalchemy.orm import Session

from casebook.errors import NotFoundError
from casebook.store.audit import snapshot
from casebook.store.resolution import counted_events
from casebook.store.schema import (
    AuditEntry,
    AuditHead,
    Base,
    Event,
    EventEvidence,
    EventMerge,
    EventParticipant,
    Evidence,
    IdentityLink,
    Mention,
    Organisation,
    Person,
    PersonNameKey,
    Source,
)

# --- The queue ---------------------------------------------------------------------------


def candidate_events(session: Session, limit: int, offset: int) -> list[Event]:
    """Candidate events not merged into another, dated ones first, by date then id."""
    query = (
        counted_events()
        .where(Event.status == "candidate")
        .order_by(Event.date.is_(None), Event.date, Event.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def count_candidate_events(session: Session) -> int:
    query = counted_events().where(Event.status == "candidate").subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def queued_links(session: Session, limit: int, offset: int) -> list[IdentityLink]:
    query = (
        select(IdentityLink)
        .where(IdentityLink.decision == "queued")
        .order_by(IdentityLink.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Quote:
    """One field's evidence: the quoted span, the rule that read it and the source."""

    field: str
    quote: str
    rule: str | None
    source_id: str
    source_title: str | None
    start: int
    end: int


def quotes_by_event(session: Session, event_ids: Sequence[str]) -> dict[str, list[Quote]]:
    """Every event's evidence, field by field, in (field, source, position) order."""
    # Columns, not mapped objects: a page reads many quotes and changes none.
    columns = (
        EventEvidence.event_id, EventEvidence.field, Evidence.quote, EventEvidence.rule,
        Evidence.source_id, Source.title, Evidence.start, Evidence.end,
    )  # fmt: skip
    query = (
        select(*columns)
        .join(Evidence, Evidence.id == EventEvidence.evidence_id)
        .join(Source, Source.id == Evidence.source_id)
        .where(EventEvidence.event_id.in_(list(event_ids)))
        .order_by(EventEvidence.field, Source.seq, Evidence.start)
    )
    found: dict[str, list[Quote]] = defaultdict(list)
    for event_id, field, text, rule, source_id, title, start, end in session.execute(query):
        found[event_id].append(Quote(field, text, rule, source_id, title, start, end))
    return found


def mention_quote(session: Session, mention_id: str) -> tuple[Mention, Quote]:
    """A mention with the span that names it."""
    query = (
        select(Mention, Evidence, Source.title)
        .join(Evidence, Evidence.id == Mention.evidence_id)
        .join(Source, Source.id == Mention.source_id)
        .where(Mention.id == mention_id)
    )
    row = session.execute(query).first()
    if row is None:
        raise NotFoundError(f"no mention {mention_id}")
    mention, evidence, title = row
    quote = Quote(
        "name", evidence.quote, mention.made_by, evidence.source_id, title, evidence.start,
        evidence.end,
    )  # fmt: skip
    return mention, quote


def identity_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Names of persons and organisations by id."""
    wanted = list(ids)
    found: dict[str, str] = {}
    for table in (Person, Organisation):
        query = select(table.id, table.name).where(table.id.in_(wanted))
        found.update({row_id: name for row_id, name in session.execute(query)})
    return found


# --- Rows a review action moves ----------------------------------------------------------


def rows_of_person(session: Session, table: type[Any], person_id: str) -> list[Any]:
    """Rows of `table` whose person_id is this person, in id order (stable, for the audit)."""
    query = select(table).where(table.person_id == person_id)
    return sorted(session.scalars(query), key=_key)


def _key(row: Any) -> str:
    return "/".join(str(part) for part in inspect(row).identity or ())


def mentions_by_id(session: Session, ids: Iterable[str]) -> dict[str, Mention]:
    return {m.id: m for m in session.scalars(select(Mention).where(Mention.id.in_(list(ids))))}


def participants_of_events(
    session: Session, event_ids: Iterable[str], person_id: str
) -> list[EventParticipant]:
    query = select(EventParticipant).where(
        EventParticipant.event_id.in_(list(event_ids)), EventParticipant.person_id == person_id
    )
    return sorted(session.scalars(query), key=lambda p: p.id)


def participant_of(
    session: Session, event_id: str, person_id: str | None, organisation_id: str | None
) -> EventParticipant | None:
    query = select(EventParticipant).where(
        EventParticipant.event_id == event_id,
        EventParticipant.person_id.is_(None)
        if person_id is None
        else EventParticipant.person_id == person_id,
        EventParticipant.organisation_id.is_(None)
        if organisation_id is None
        else EventParticipant.organisation_id == organisation_id,
    )
    return session.scalars(query.limit(1)).first()


def move_name_keys(session: Session, alias_ids: Iterable[str], person_id: str) -> None:
    """Keep the resolver's blocking keys with the aliases they index (keys are not audited)."""
    ids = list(alias_ids)
    if ids:
        session.execute(
            update(PersonNameKey).where(PersonNameKey.alias_id.in_(ids)).values(person_id=person_id)
        )


def drop_name_keys(session: Session, alias_id: str) -> None:
    session.execute(delete(PersonNameKey).where(PersonNameKey.alias_id == alias_id))


def identities_of_event(session: Session, event_id: str) -> tuple[set[str], set[str]]:
    """(persons, organisations) an event names, through participants and mentions."""
    persons: set[str] = set()
    organisations: set[str] = set()
    for table in (EventParticipant, Mention):
        query = select(table.person_id, table.organisation_id).where(table.event_id == event_id)
        for person_id, organisation_id in session.execute(query):
            persons.update([person_id] if person_id else [])
            organisations.update([organisation_id] if organisation_id else [])
    return persons, organisations


def merge_of(session: Session, event_id: str) -> EventMerge | None:
    """The merge (not undone) that took this event into another, if any."""
    query = select(EventMerge).where(
        EventMerge.merged_event_id == event_id, EventMerge.decision != "rejected"
    )
    return session.scalars(query.limit(1)).first()


def merges_of_events(session: Session, event_ids: Sequence[str]) -> list[EventMerge]:
    """Every merge (any decision) that took one of these events into another or another into
    one of them, by id."""
    if not event_ids:
        return []
    query = select(EventMerge).where(
        EventMerge.merged_event_id.in_(event_ids) | EventMerge.into_event_id.in_(event_ids)
    )
    return list(session.scalars(query.order_by(EventMerge.id)))


# --- The audit log as the record of decisions --------------------------------------------


def lock_audit_position(session: Session) -> int:
    """The newest audit seq, locked so this unit of work's entries follow it directly."""
    query = select(AuditHead.seq).where(AuditHead.id == 1).with_for_update()
    return int(session.scalar(query) or 0)


def audit_position(session: Session) -> int:
    return int(session.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0)


def entries_between(session: Session, first: int, last: int) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.seq.between(first, last))
    return list(session.scalars(query.order_by(AuditEntry.seq)))


def table_named(name: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        table = mapper.class_
        if getattr(table, "__tablename__", None) == name:
            return table
    raise NotFoundError(f"no table {name}")


def current_values(row: Base) -> dict[str, Any]:
    """A row's values as the audit log writes them (JSON types)."""
    values: dict[str, Any] = json.loads(json.dumps(snapshot(row), default=_jsonable))
    return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot compare {type(value).__name__}")


def column_values(table: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """Audit JSON back to column values (dates, timestamps, bytes)."""
    restored: dict[str, Any] = {}
    for attr in inspect(table).column_attrs:
        value = values.get(attr.key)
        kind = attr.columns[0].type
        if value is not None and isinstance(kind, DateTime):
            value = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        elif value is not None and isinstance(kind, Date):
            value = dt.date.fromisoformat(value)
        elif value is not None and isinstance(kind, LargeBinary):
            value = base64.b64decode(value)
        restored[attr.key] = value
    return restored


def primary_key(table: type[Base], values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[str(column.key)] for column in inspect(table).primary_key)
