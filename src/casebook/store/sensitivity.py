"""How sensitive a review item is: the strictest of everything it would show.

An event shows its own fields, quotes from its sources and the names of the persons in it;
a stated age under MINOR_AGE makes it `restricted` even before resolution has made the
person a restricted minor. An identity link shows a quote and the candidate persons.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import null, select, union_all
from sqlalchemy.orm import Session

from casebook.model import MINOR_AGE, SENSITIVITIES
from casebook.store.schema import (
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    IdentityLink,
    Mention,
    Person,
    Source,
)


def _strictest(levels: Iterable[str]) -> str:
    return max(levels, key=SENSITIVITIES.index, default="public")


def _persons(session: Session, ids: Iterable[str | None]) -> list[str]:
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return []
    return list(session.scalars(select(Person.sensitivity).where(Person.id.in_(wanted))))


def event_sensitivity(session: Session, event: Event) -> str:
    """The strictest of the event, its sources, its persons, and any minor's stated age."""
    return events_sensitivity(session, [event])[event.id]


def events_sensitivity(session: Session, events: Sequence[Event]) -> dict[str, str]:
    """`event_sensitivity` of each event (by id), in one query however many events."""
    ids = [event.id for event in events]
    levels: dict[str, list[str]] = {event.id: [event.sensitivity] for event in events}
    if not ids:
        return {}
    # The grade of every source quoted; every person named or taking part, with their
    # grade and the age stated.
    sources = (
        select(EventEvidence.event_id, null().label("age"), Source.sensitivity)
        .join(Evidence, EventEvidence.evidence_id == Evidence.id)
        .join(Source, Evidence.source_id == Source.id)
        .where(EventEvidence.event_id.in_(ids))
    )
    people = [
        select(table.event_id, table.age, Person.sensitivity)
        .join(Person, Person.id == table.person_id, isouter=True)
        .where(table.event_id.in_(ids))
        for table in (Mention, EventParticipant)
    ]
    minors = set()
    rows: Iterable[Any] = session.execute(union_all(sources, *people))
    for owner, age, level in rows:
        if age is not None and age < MINOR_AGE:
            minors.add(owner)
        if level is not None:
            levels[str(owner)].append(level)
    return {i: "restricted" if i in minors else _strictest(levels[i]) for i in ids}


def link_sensitivity(session: Session, link: IdentityLink) -> str:
    """The strictest of the mention's source and age and the candidate person."""
    mention = session.get(Mention, link.mention_id)
    if mention is None:
        return "restricted"
    if mention.age is not None and mention.age < MINOR_AGE:
        return "restricted"
    source = session.scalar(select(Source.sensitivity).where(Source.id == mention.source_id))
    levels = [source or "restricted"]
    return _strictest([*levels, *_persons(session, [link.person_id, mention.person_id])])
