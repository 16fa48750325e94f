"""Persons under 18 at any event are restricted, whichever code path linked them.

A flush hook notes every person a unit of work touched (a person row, or a mention,
participation or case naming one); just before the unit of work commits, `restrict_minors`
marks each of them who has a stated age under MINOR_AGE anywhere in the record as a minor
and `restricted`, with their cases. The change goes through the session, so it is
audited like any other; undoing it is pointless, because the next commit restricts them
again. Only a reviewer's audited `MinorOverride` lets the publish step name a minor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, select, union
from sqlalchemy.orm import Session, sessionmaker

from casebook.model import MINOR_AGE
from casebook.store.schema import Case, EventParticipant, Mention, MinorOverride, Person

_TOUCHED = "casebook.persons_touched"


def install(sessions: sessionmaker[Session]) -> None:
    """Attach the hooks to every session the factory makes."""
    event.listen(sessions, "before_flush", _note_persons)
    event.listen(sessions, "before_commit", _restrict_touched)
    event.listen(sessions, "after_soft_rollback", lambda s, _t: s.info.pop(_TOUCHED, None))


def _note_persons(session: Session, _context: Any, _instances: Any) -> None:
    touched: set[str] = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Person):
            touched.add(obj.id)
        elif isinstance(obj, Mention | EventParticipant | Case) and obj.person_id:
            touched.add(obj.person_id)


def _restrict_touched(session: Session) -> None:
    session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        restrict_minors(session, touched)
    session.info.pop(_TOUCHED, None)  # our own changes need no second look


def minors_among(session: Session, person_ids: Iterable[str]) -> set[str]:
    """Those of these persons with a stated age under MINOR_AGE in any mention or event."""
    ids = sorted(set(person_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = union(
            select(Mention.person_id).where(Mention.person_id.in_(chunk), Mention.age < MINOR_AGE),
            select(EventParticipant.person_id).where(
                EventParticipant.person_id.in_(chunk), EventParticipant.age < MINOR_AGE
            ),
        )
        found.update(session.scalars(query))
    return found


def restrict_minors(session: Session, person_ids: Iterable[str]) -> list[str]:
    """Mark these persons as minors and restricted, with their cases, where an age says
    so (or they are already marked a minor); returns the ids of the minors among them."""
    ids = set(person_ids)
    stated = minors_among(session, ids)
    minors = []
    for person_id in sorted(ids):
        person = session.get(Person, person_id)
        if person is None or not (person.is_minor or person_id in stated):
            continue
        minors.append(person_id)
        if person.is_minor and minor_override(session, person_id) is not None:
            continue  # a reviewer recorded why this minor may be named: their grade stands
        if not person.is_minor or person.sensitivity != "restricted":
            person.is_minor, person.sensitivity = True, "restricted"
    if minors:
        query = select(Case).where(Case.person_id.in_(minors), Case.sensitivity != "restricted")
        for case in session.scalars(query):
            case.sensitivity = "restricted"
    return minors


def minor_override(session: Session, person_id: str) -> MinorOverride | None:
    """The newest reviewer's override letting this minor be named in publications, if any."""
    query = (
        select(MinorOverride)
        .where(MinorOverride.person_id == person_id)
        .order_by(MinorOverride.decided_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()
