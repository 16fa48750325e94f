"""A person's events → Cases: one case per (person, proceeding).

A proceeding runs arrest → charge → bail → verdict → sentence → release. Events are taken in
date order (stage order on the same day). Another arrest starts a new case when the open
one is over (sentence, release or acquittal), names another law, or is more than
`NEW_PROCEEDING_AFTER` old; any other event joins the newest case under its law, else the
newest case. Merged and rejected events are left out. Case ids derive from the person and
the case's first event, and an event already in a case stays there, so re-running adds only
what is new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casebook.config import Config
from casebook.model import make_id
from casebook.store import resolution as stored
from casebook.store.engine import Store
from casebook.store.schema import Case, CaseEvent, Event, Person

CHAINER = "resolve.cases.v1"
PROCEEDING = ("arrest", "charge", "bail_granted", "bail_denied", "conviction", "acquittal",
              "sentence", "release")  # fmt: skip
STAGE = {"arrest": 0, "charge": 1, "bail_granted": 2, "bail_denied": 2, "conviction": 3,
         "acquittal": 3, "sentence": 4, "release": 5}  # fmt: skip
ENDS = frozenset({"sentence", "release", "acquittal"})
NEW_PROCEEDING_AFTER = dt.timedelta(days=365)


@dataclass
class CaseSummary:
    persons: int = 0
    cases_created: int = 0
    events_linked: int = 0


def _order(event: Event) -> tuple[dt.date, int, str]:
    return event.date or dt.date.max, STAGE[event.type], event.id


def chain(events: list[Event]) -> list[list[Event]]:
    """One person's events grouped into proceedings, each in date order."""
    chains: list[list[Event]] = []
    for event in sorted(events, key=_order):
        target = _chain_for(chains, event)
        if target is None:
            chains.append([event])
        else:
            target.append(event)
    return chains


def _chain_for(chains: list[list[Event]], event: Event) -> list[Event] | None:
    if not chains:
        return None
    if event.type == "arrest":
        return None if _starts_new_proceeding(chains[-1], event) else chains[-1]
    fitting = [c for c in chains if event.law_id is None or _law(c) in (None, event.law_id)]
    return (fitting or chains)[-1]


def _law(events: list[Event]) -> str | None:
    return next((e.law_id for e in events if e.law_id), None)


def _starts_new_proceeding(current: list[Event], arrest: Event) -> bool:
    law = _law(current)
    if arrest.law_id and law and arrest.law_id != law:
        return True
    if any(e.type in ENDS for e in current):
        return True
    dates = [e.date for e in current if e.date]
    return bool(arrest.date and dates and arrest.date - max(dates) > NEW_PROCEEDING_AFTER)


def chain_cases(store: Store, config: Config) -> CaseSummary:
    """Group every person's events into cases; idempotent."""
    summary = CaseSummary()
    with store.session(config.actor) as session:
        by_person = stored.person_events(session, PROCEEDING)
        persons = stored.persons_by_id(session, by_person)
        for person_id, events in sorted(by_person.items()):
            summary.persons += 1
            existing = stored.cases_of_person(session, person_id)
            for proceeding in chain(events):
                _write_case(session, persons[person_id], proceeding, existing, summary)
    return summary


def _write_case(
    session: Session,
    person: Person,
    proceeding: list[Event],
    existing: dict[str, set[str]],
    summary: CaseSummary,
) -> None:
    linked = {event_id for events in existing.values() for event_id in events}
    ids = [e.id for e in proceeding]
    case_id = next((c for c, events in existing.items() if events & set(ids)), None)
    if case_id is None:
        case_id = make_id("case", person.id, ids[0])
        if session.get(Case, case_id) is None:
            session.add(_new_case(case_id, person, proceeding))
            summary.cases_created += 1
        existing[case_id] = set()
    for event_id in ids:
        if event_id not in linked:
            session.add(CaseEvent(case_id=case_id, event_id=event_id))
            existing[case_id].add(event_id)
            summary.events_linked += 1


def _new_case(case_id: str, person: Person, proceeding: list[Event]) -> Case:
    law = _law(proceeding)
    first = proceeding[0]
    when = first.date.isoformat() if first.date else "date unknown"
    return Case(
        id=case_id,
        person_id=person.id,
        title=f"{person.name}: {first.type} {when}" + (f" ({law})" if law else ""),
        law_id=law,
        sensitivity="restricted" if person.is_minor else "internal",
    )
