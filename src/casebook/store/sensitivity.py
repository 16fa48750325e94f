"""How sensitive a review item is: the strictest of everything it would show.

An event shows its own fields, quotes from its sources and the names of the persons in it;
a stated age under MINOR_AGE makes it `restricted` even before resolution has made the
person a restricted minor. An identity link shows a quote and the candidate persons.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
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
    sources = select(Source.sensitivity).join(Evidence, Evidence.source_id == Source.id)
    sources = sources.join(EventEvidence, EventEvidence.evidence_id == Evidence.id)
    levels = [
        event.sensitivity,
        *session.scalars(sources.where(EventEvidence.event_id == event.id)),
    ]
    mentions = session.execute(
        select(Mention.person_id, Mention.age).where(Mention.event_id == event.id)
    ).all()
    participants = session.execute(
        select(EventParticipant.person_id, EventParticipant.age).where(
            EventParticipant.event_id == event.id
        )
    ).all()
    people = [*mentions, *participants]
    if any(age is not None and age < MINOR_AGE for _, age in people):
        return "restricted"
    return _strictest([*levels, *_persons(session, (pid for pid, _ in people))])


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
