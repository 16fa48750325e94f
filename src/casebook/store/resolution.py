"""Queries for resolution: unresolved mentions and their context, candidate identities by
blocking key, events that may be merged, the events that still count, persons' events.

Writes go through ORM objects (audited); these functions never commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from casebook.store.schema import (
    Case,
    CaseEvent,
    Event,
    EventEvidence,
    EventMerge,
    EventParticipant,
    Evidence,
    IdentityLink,
    Mention,
    Organisation,
    OrganisationAlias,
    Person,
    PersonAlias,
    PersonNameKey,
    Source,
)


@dataclass(frozen=True)
class MentionRecord:
    """A mention with what resolution needs to judge it: its event's date and its source."""

    id: str
    kind: str
    name: str
    chinese_name: str | None
    quote: str
    age: int | None
    event_id: str | None
    event_date: dt.date | None
    published: dt.date | None
    evidence_id: str
    source_seq: int
    person_id: str | None = None
    organisation_id: str | None = None
    role: str = "subject"  # or "agent": who acted (a police unit, a court)

    @property
    def age_date(self) -> dt.date | None:
        """The date an age refers to: the event's, else the report's."""
        return self.event_date or self.published


def _mention_query() -> Select[Mention, Evidence, Source, dt.date | None]:
    return (
        select(Mention, Evidence, Source, Event.date)
        .join(Evidence, Evidence.id == Mention.evidence_id)
        .join(Source, Source.id == Mention.source_id)
        .outerjoin(Event, Event.id == Mention.event_id)
    )


def _record(
    mention: Mention, evidence: Evidence, source: Source, event_date: dt.date | None
) -> MentionRecord:
    return MentionRecord(
        id=mention.id,
        kind=mention.kind,
        name=mention.name,
        chinese_name=mention.chinese_name,
        quote=evidence.quote,
        age=mention.age,
        event_id=mention.event_id,
        event_date=event_date,
        published=source.published_at,
        evidence_id=mention.evidence_id,
        source_seq=source.seq,
        person_id=mention.person_id,
        organisation_id=mention.organisation_id,
        role=mention.role,
    )


def unresolved_mentions(
    session: Session, kind: str, limit: int, after: tuple[int, str] | None = None
) -> list[MentionRecord]:
    """Mentions of `kind` with no identity and no decision yet, in (source, id) order."""
    decided = exists().where(IdentityLink.mention_id == Mention.id)
    query = _mention_query().where(
        Mention.kind == kind,
        Mention.person_id.is_(None),
        Mention.organisation_id.is_(None),
        ~decided,
    )
    if after is not None:
        seq, mention_id = after
        query = query.where(or_(Source.seq > seq, and_(Source.seq == seq, Mention.id > mention_id)))
    query = query.order_by(Source.seq, Mention.id).limit(limit)
    return [_record(*row) for row in session.execute(query)]


def mentions_of_persons(session: Session, person_ids: Iterable[str]) -> list[MentionRecord]:
    query = _mention_query().where(Mention.person_id.in_(list(person_ids)))
    return [_record(*row) for row in session.execute(query)]


def aliases_of_persons(session: Session, person_ids: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    query = select(PersonAlias.person_id, PersonAlias.alias).where(
        PersonAlias.person_id.in_(list(person_ids))
    )
    for person_id, alias in session.execute(query):
        found[person_id].append(alias)
    return found


def organisation_names_by_event(session: Session, event_ids: Iterable[str]) -> dict[str, set[str]]:
    """The organisations named in each event, as written."""
    found: dict[str, set[str]] = defaultdict(set)
    query = select(Mention.event_id, Mention.name).where(
        Mention.kind == "organisation", Mention.event_id.in_(list(event_ids))
    )
    for event_id, name in session.execute(query):
        found[event_id or ""].add(name)
    return found


def cases_by_event(session: Session, event_ids: Iterable[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    query = select(CaseEvent.event_id, CaseEvent.case_id).where(
        CaseEvent.event_id.in_(list(event_ids))
    )
    for event_id, case_id in session.execute(query):
        found[event_id].add(case_id)
    return found


# --- Blocking keys of persons' aliases ---------------------------------------------------


def persons_with_keys(session: Session, keys: Iterable[str]) -> set[str]:
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # stay under bound-parameter limits
        chunk = wanted[start : start + 500]
        query = select(PersonNameKey.person_id).where(PersonNameKey.key.in_(chunk)).distinct()
        found.update(session.scalars(query))
    return found


def index_alias(session: Session, alias: PersonAlias, keys: Iterable[str]) -> None:
    """Record an alias's blocking keys (a marker row when it has none, so it is not redone)."""
    for key in sorted(set(keys)) or ["none:"]:
        session.add(PersonNameKey(key=key[:160], alias_id=alias.id, person_id=alias.person_id))


def index_unindexed_aliases(session: Session, keys_of: Callable[[str], set[str]]) -> int:
    """Index aliases added without keys (by a reviewer, or an import); returns how many."""
    indexed = exists().where(PersonNameKey.alias_id == PersonAlias.id)
    missing = list(session.scalars(select(PersonAlias).where(~indexed)))
    for alias in missing:
        index_alias(session, alias, keys_of(alias.alias))
    return len(missing)


def organisation_aliases(session: Session) -> dict[str, list[str]]:
    """Every organisation's names: its canonical name and its aliases."""
    found: dict[str, list[str]] = defaultdict(list)
    for org_id, name in session.execute(select(Organisation.id, Organisation.name)):
        found[org_id].append(name)
    query = select(OrganisationAlias.organisation_id, OrganisationAlias.alias)
    for org_id, alias in session.execute(query):
        found[org_id].append(alias)
    return found


def participant_exists(
    session: Session, event_id: str, person_id: str | None, organisation_id: str | None
) -> bool:
    query = select(EventParticipant.id).where(EventParticipant.event_id == event_id)
    if person_id is not None:
        query = query.where(EventParticipant.person_id == person_id)
    else:
        query = query.where(EventParticipant.organisation_id == organisation_id)
    return session.scalars(query.limit(1)).first() is not None


def persons_by_id(session: Session, person_ids: Iterable[str]) -> dict[str, Person]:
    query = select(Person).where(Person.id.in_(list(person_ids)))
    return {person.id: person for person in session.scalars(query)}


# --- Events ------------------------------------------------------------------------------


def merged_away() -> Select[str]:
    """Ids of events merged into another (a merge not rejected): counts must skip them."""
    return select(EventMerge.merged_event_id).where(EventMerge.decision != "rejected")


def counted_events() -> Select[Event]:
    """Events that count: not rejected and not merged into another."""
    return select(Event).where(Event.status != "rejected", Event.id.not_in(merged_away()))


@dataclass(frozen=True)
class EventRecord:
    """An event with what merging needs: its identities and its earliest report."""

    event: Event
    persons: frozenset[str]
    organisations: frozenset[str]
    source_seq: int


def mergeable_events(session: Session) -> list[EventRecord]:
    """Candidate events not merged away, with their persons, organisations and first source."""
    events = list(session.scalars(counted_events().where(Event.status == "candidate")))
    ids = [event.id for event in events]
    persons, organisations = _identities_by_event(session, ids)
    first_seq = _first_source_seq(session, ids)
    return [
        EventRecord(
            event,
            frozenset(persons.get(event.id, ())),
            frozenset(organisations.get(event.id, ())),
            first_seq.get(event.id, 0),
        )
        for event in events
    ]


def _identities_by_event(
    session: Session, ids: Sequence[str]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    persons: dict[str, set[str]] = defaultdict(set)
    organisations: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for table in (EventParticipant, Mention):
            query = select(table.event_id, table.person_id, table.organisation_id).where(
                table.event_id.in_(chunk)
            )
            for event_id, person_id, organisation_id in session.execute(query):
                if person_id:
                    persons[event_id or ""].add(person_id)
                if organisation_id:
                    organisations[event_id or ""].add(organisation_id)
    return persons, organisations


def _first_source_seq(session: Session, ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(EventEvidence.event_id, func.min(Source.seq))
            .join(Evidence, Evidence.id == EventEvidence.evidence_id)
            .join(Source, Source.id == Evidence.source_id)
            .where(EventEvidence.event_id.in_(ids[start : start + 500]))
            .group_by(EventEvidence.event_id)
        )
        found.update({event_id: seq for event_id, seq in session.execute(query)})
    return found


def merges_decided(session: Session) -> set[tuple[str, str]]:
    """(merged, into) pairs already decided, including rejected ones (never redone)."""
    query = select(EventMerge.merged_event_id, EventMerge.into_event_id)
    return {(merged, into) for merged, into in session.execute(query)}


# --- Cases -------------------------------------------------------------------------------


def person_events(session: Session, types: Sequence[str]) -> dict[str, list[Event]]:
    """Each person's counted events of these types (as a subject), by person id."""
    query = (
        select(EventParticipant.person_id, Event)
        .join(Event, Event.id == EventParticipant.event_id)
        .where(
            EventParticipant.person_id.is_not(None),
            EventParticipant.role == "subject",
            Event.type.in_(types),
            Event.status != "rejected",
            Event.id.not_in(merged_away()),
        )
    )
    found: dict[str, dict[str, Event]] = defaultdict(dict)
    for person_id, event in session.execute(query):
        found[person_id or ""][event.id] = event
    return {person_id: list(events.values()) for person_id, events in found.items()}


def cases_of_person(session: Session, person_id: str) -> dict[str, set[str]]:
    """The person's cases and the events each holds."""
    query = (
        select(Case.id, CaseEvent.event_id)
        .outerjoin(CaseEvent, CaseEvent.case_id == Case.id)
        .where(Case.person_id == person_id)
    )
    found: dict[str, set[str]] = defaultdict(set)
    for case_id, event_id in session.execute(query):
        found[case_id]
        if event_id:
            found[case_id].add(event_id)
    return found
