"""The human decisions on the record: confirm, edit, reject, link, merge, split, undo.

Each action is one unit of work acting as a named user. Every change it makes is written
to the audit log by the store's flush hook; the run of audit entries one action wrote is
its *decision*, named `FIRST-LAST` by their sequence numbers. `undo` puts back the `before`
of each of those entries, newest first, as new audited changes — the log is never edited —
and refuses when a row has changed since (undo the later decision first). Events carry a
`version`: an action given a version that is no longer current raises ConflictError, and
every change to an event bumps it. Only these actions change an event's status.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.errors import CasebookError, NotFoundError
from casebook.laws.catalogue import Catalogue, load_catalogue
from casebook.model import SENSITIVITIES, DatePrecision, EventType, make_id
from casebook.resolve.events import _move_back, _move_rows, compare_events
from casebook.resolve.names import parse_name
from casebook.resolve.service import MINOR_AGE, best_display_name
from casebook.security.accounts import now_utc
from casebook.security.permissions import Actor, require
from casebook.store import review as stored
from casebook.store.engine import Store
from casebook.store.minors import minor_override
from casebook.store.resolution import EventRecord
from casebook.store.schema import (
    AuditEntry,
    Case,
    Event,
    EventMerge,
    EventParticipant,
    IdentityLink,
    Mention,
    MinorOverride,
    Organisation,
    OrganisationAlias,
    Person,
    PersonAlias,
    Source,
)

REVIEWER = "review.actions.v1"
EDITABLE = ("type", "date", "date_precision", "law", "offence", "count", "place",
            "sentence_months")  # fmt: skip
_CLEAR = frozenset({"", "-", "none", "null"})
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_SENSITIVITY = ("public", "internal", "restricted")


class ReviewError(CasebookError):
    """A review action cannot be done as asked; the message says why and what to do."""


class ConflictError(ReviewError):
    """The record changed since the reviewer read it."""


@dataclass(frozen=True)
class Decision:
    """What one review action did: its audit entries `id` (FIRST-LAST) and a summary."""

    id: str
    action: str
    summary: str


# The permission each action needs (security/permissions.py): decisions about what a
# report says are `review`; changing who is who, or taking a decision back, is `merge`.
PERMISSION = {
    "confirm": "review",
    "reject": "review",
    "edit": "review",
    "accept-link": "review",
    "reject-link": "review",
    "merge-events": "merge",
    "split-event": "merge",
    "merge-persons": "merge",
    "split-person": "merge",
    "undo": "merge",
    "override-minor": "override_minor_redaction",
    "grade": "review",
}
_ACTING = "casebook.review_acting"


def _act(store: Store, actor: Actor, action: str, work: Callable[[Session], str]) -> Decision:
    require(actor, PERMISSION[action])
    with store.session(actor.name) as session:
        session.info[_ACTING] = (actor, PERMISSION[action])
        # Locking the audit head first makes this unit of work's entries one unbroken run.
        first = stored.lock_audit_position(session) + 1
        summary = work(session)
        session.flush()
        last = stored.audit_position(session)
        if last < first:
            raise ReviewError(f"{action}: nothing to change")
    return Decision(f"{first}-{last}", action, summary)


def _may_touch(session: Session, sensitivity: str) -> None:
    """Refuse, without saying what it holds, a record the acting user may not act on."""
    actor, permission = session.info[_ACTING]
    require(actor, permission, sensitivity)


# --- Events ------------------------------------------------------------------------------


def _event(session: Session, event_id: str, expected_version: int | None) -> Event:
    event = session.get(Event, event_id, with_for_update=True)
    if event is None:
        raise NotFoundError(f"no event {event_id}; `casebook review list` shows the queue")
    _may_touch(session, event.sensitivity)
    if expected_version is not None and event.version != expected_version:
        raise ConflictError(
            f"someone else changed event {event_id} (version {event.version}, you had "
            f"{expected_version}); reload it with `casebook review show {event_id}`"
        )
    merge = stored.merge_of(session, event_id)
    if merge is not None:
        raise ReviewError(
            f"event {event_id} was merged into {merge.into_event_id}: review that event, "
            f"or split them first with `casebook review split-event {merge.id}`"
        )
    return event


def _set_status(
    store: Store, actor: Actor, event_id: str, expected_version: int | None, status: str
) -> Decision:
    def work(session: Session) -> str:
        event = _event(session, event_id, expected_version)
        if event.status == status:
            raise ReviewError(f"event {event_id} is already {status}")
        event.status, event.version = status, event.version + 1
        return f"{status} event {event_id} ({event.type} {event.date or 'undated'})"

    action = "confirm" if status == "confirmed" else "reject"
    return _act(store, actor, action, work)


def confirm_event(
    store: Store, actor: Actor, event_id: str, expected_version: int | None
) -> Decision:
    """Confirm a candidate (or rejected) event. `expected_version` None: whatever is current."""
    return _set_status(store, actor, event_id, expected_version, "confirmed")


def reject_event(
    store: Store, actor: Actor, event_id: str, expected_version: int | None
) -> Decision:
    """Reject an event: it stays in the record, with its evidence, but counts skip it."""
    return _set_status(store, actor, event_id, expected_version, "rejected")


def edit_event(
    store: Store,
    actor: Actor,
    event_id: str,
    expected_version: int | None,
    field: str,
    value: str,
    *,
    catalogue: Catalogue | None = None,
) -> Decision:
    """Set one field of an event (one of EDITABLE); '-' or 'none' clears it. Status is kept."""
    changes = parse_edit(field, value, catalogue or load_catalogue())

    def work(session: Session) -> str:
        event = _event(session, event_id, expected_version)
        if all(getattr(event, column) == new for column, new in changes.items()):
            raise ReviewError(f"event {event_id} already has {field} {value!r}")
        for column, new in changes.items():
            setattr(event, column, new)
        event.version += 1
        return f"set {field} of event {event_id} to {value!r}"

    return _act(store, actor, "edit", work)


def parse_edit(field: str, value: str, catalogue: Catalogue) -> dict[str, Any]:
    """The event columns an edit sets; ReviewError saying what is accepted when it is bad."""
    text = value.strip()
    if field not in EDITABLE:
        raise ReviewError(f"cannot edit {field!r}; editable fields: {', '.join(EDITABLE)}")
    if text.lower() in _CLEAR:
        if field == "type":
            raise ReviewError("an event must have a type; reject it instead")
        column = {"law": "law_id", "offence": "offence_id"}.get(field, field)
        cleared: dict[str, Any] = {column: None}
        return {**cleared, "date_precision": None} if field == "date" else cleared
    parse = _PARSERS[field]
    try:
        return parse(text, catalogue)
    except (ValueError, NotFoundError) as error:
        raise ReviewError(f"{field} {value!r}: {error}") from error


def _type(text: str, _c: Catalogue) -> dict[str, Any]:
    if text not in {t.value for t in EventType}:
        raise ValueError("not an event type; one of " + ", ".join(t.value for t in EventType))
    return {"type": text}


def _date(text: str, _c: Catalogue) -> dict[str, Any]:
    for pattern, precision, suffix in (
        (r"\d{4}-\d{2}-\d{2}", "day", ""),
        (r"\d{4}-\d{2}", "month", "-01"),
        (r"\d{4}", "year", "-01-01"),
    ):
        if re.fullmatch(pattern, text):
            return {"date": dt.date.fromisoformat(text + suffix), "date_precision": precision}
    raise ValueError("use YYYY-MM-DD, YYYY-MM or YYYY")


def _precision(text: str, _c: Catalogue) -> dict[str, Any]:
    if text not in {p.value for p in DatePrecision}:
        raise ValueError("one of " + ", ".join(p.value for p in DatePrecision))
    return {"date_precision": text}


def _law(text: str, catalogue: Catalogue) -> dict[str, Any]:
    return {"law_id": catalogue.law(text).id}


def _offence(text: str, catalogue: Catalogue) -> dict[str, Any]:
    return {"offence_id": catalogue.offence(text).id, "law_id": catalogue.law_of(text).id}


def _count(text: str, _c: Catalogue) -> dict[str, Any]:
    if not text.isdigit():
        raise ValueError("a whole number of people, 0 or more")
    return {"count": int(text)}


def _months(text: str, _c: Catalogue) -> dict[str, Any]:
    months = float(text)
    if months < 0:
        raise ValueError("months cannot be negative")
    return {"sentence_months": months}


_PARSERS: dict[str, Callable[[str, Catalogue], dict[str, Any]]] = {
    "type": _type,
    "date": _date,
    "date_precision": _precision,
    "law": _law,
    "offence": _offence,
    "count": _count,
    "place": lambda text, _c: {"place": text},
    "sentence_months": _months,
}


def merge_events(store: Store, actor: Actor, keep_id: str, merge_id: str) -> Decision:
    """Merge a duplicate report into the event it reports; its evidence, mentions and
    participants move (recorded in `event_merges`, so `split_event` moves them back)."""

    def work(session: Session) -> str:
        if keep_id == merge_id:
            raise ReviewError("an event cannot be merged into itself")
        keep, merged = _event(session, keep_id, None), _event(session, merge_id, None)
        if (keep.type, keep.counts_type) != (merged.type, merged.counts_type):
            raise ReviewError(f"{merge_id} is a {merged.type}, {keep_id} a {keep.type}: not one")
        comparison = compare_events(_record(session, merged), _record(session, keep))
        moved = _move_rows(session, merge_id, keep_id)
        merge = session.get(EventMerge, make_id("event_merge", merge_id, keep_id))
        if merge is None:
            merge = EventMerge(id=make_id("event_merge", merge_id, keep_id))
            merge.merged_event_id, merge.into_event_id = merge_id, keep_id
            session.add(merge)
        merge.score, merge.resolver = comparison.score, REVIEWER
        merge.reasons = json.dumps([*comparison.reasons, "merged by a reviewer"])
        merge.moved, merge.decision, merge.decided_by = json.dumps(moved), "accepted", actor.name
        keep.version, merged.version = keep.version + 1, merged.version + 1
        return f"merged event {merge_id} into {keep_id} (merge {merge.id})"

    return _act(store, actor, "merge-events", work)


def _record(session: Session, event: Event) -> EventRecord:
    persons, organisations = stored.identities_of_event(session, event.id)
    return EventRecord(event, frozenset(persons), frozenset(organisations), 0)


def split_event(store: Store, actor: Actor, merge_id: str) -> Decision:
    """Undo a merge of two events (like `resolve.events.unmerge_event`): rows move back."""

    def work(session: Session) -> str:
        merge = session.get(EventMerge, merge_id)
        if merge is None or merge.decision == "rejected":
            raise NotFoundError(f"no merge {merge_id} to split; `casebook review show EVENT`")
        _move_back(session, json.loads(merge.moved), merge.into_event_id, merge.merged_event_id)
        merge.decision, merge.decided_by = "rejected", actor.name
        for event_id in (merge.into_event_id, merge.merged_event_id):
            event = session.get(Event, event_id)
            if event is not None:
                event.version += 1
        return f"split event {merge.merged_event_id} from {merge.into_event_id}"

    return _act(store, actor, "split-event", work)


# --- Identity links ----------------------------------------------------------------------


def _queued_link(session: Session, link_id: str) -> IdentityLink:
    link = session.get(IdentityLink, link_id, with_for_update=True)
    if link is None:
        raise NotFoundError(f"no identity link {link_id}; `casebook review list` shows the queue")
    person = session.get(Person, link.person_id) if link.person_id else None
    _may_touch(session, person.sensitivity if person else "internal")
    if link.decision != "queued":
        raise ReviewError(
            f"identity link {link_id} is already decided ({link.decision}); "
            "undo that decision to change it"
        )
    return link


def accept_link(store: Store, actor: Actor, link_id: str, person_id: str | None = None) -> Decision:
    """Accept a queued link (or name another candidate with `person_id`): the mention joins
    the identity, its written name becomes an alias and it takes part in the mention's event."""

    def work(session: Session) -> str:
        link = _queued_link(session, link_id)
        mention = session.get(Mention, link.mention_id)
        assert mention is not None  # the foreign key guarantees it
        if person_id is not None:
            if link.organisation_id or session.get(Person, person_id) is None:
                raise NotFoundError(f"no person {person_id} to link mention {mention.id} to")
            link.person_id = person_id
        _attach(session, mention, link.person_id, link.organisation_id)
        link.decision, link.decided_by = "accepted", actor.name
        target = link.person_id or link.organisation_id
        return f"linked mention {mention.id} ({mention.name}) to {target}"

    return _act(store, actor, "accept-link", work)


def reject_link(store: Store, actor: Actor, link_id: str, *, new_identity: bool = True) -> Decision:
    """Reject a queued link. By default the mention founds a new person (or organisation);
    with `new_identity=False` it is left unlinked, and resolution will not revisit it."""

    def work(session: Session) -> str:
        link = _queued_link(session, link_id)
        mention = session.get(Mention, link.mention_id)
        assert mention is not None
        link.decision, link.decided_by = "rejected", actor.name
        if not new_identity:
            return f"rejected link of mention {mention.id}; left unlinked"
        if mention.kind == "person":
            identity = _new_person(session, make_id("person", mention.id), [mention])
            _attach(session, mention, identity.id, None)
        else:
            organisation_id = make_id("organisation", mention.id)
            if session.get(Organisation, organisation_id) is None:
                session.add(Organisation(id=organisation_id, name=mention.name))
            _attach(session, mention, None, organisation_id)
        return f"rejected link of mention {mention.id}; it now names a new identity"

    return _act(store, actor, "reject-link", work)


def _written_forms(mention: Mention) -> list[str]:
    forms = [mention.name.strip(), (mention.chinese_name or "").strip()]
    return [form for form in dict.fromkeys(forms) if form]


def _attach(
    session: Session, mention: Mention, person_id: str | None, organisation_id: str | None
) -> None:
    mention.person_id, mention.organisation_id = person_id, organisation_id
    for alias in _written_forms(mention):
        _add_alias(session, alias, mention.evidence_id, person_id, organisation_id)
    event_id = mention.event_id
    if event_id and stored.participant_of(session, event_id, person_id, organisation_id) is None:
        session.add(
            EventParticipant(
                id=make_id("participant", event_id, person_id or organisation_id, mention.id),
                event_id=event_id,
                person_id=person_id,
                organisation_id=organisation_id,
                role=mention.role if mention.role in ("subject", "agent") else "other",
                age=mention.age,
                evidence_id=mention.evidence_id,
            )
        )


def _add_alias(
    session: Session,
    alias: str,
    evidence_id: str | None,
    person_id: str | None,
    organisation_id: str | None,
    kind: str = "as_written",
) -> None:
    owner = person_id or organisation_id or ""
    script = "han" if _HAN.search(alias) else "latin"
    alias_id = make_id("alias", owner, alias)
    if person_id is not None and session.get(PersonAlias, alias_id) is None:
        session.add(
            PersonAlias(id=alias_id, person_id=person_id, alias=alias, script=script,
                        kind=kind, evidence_id=evidence_id)
        )  # fmt: skip
    elif organisation_id is not None and session.get(OrganisationAlias, alias_id) is None:
        session.add(
            OrganisationAlias(id=alias_id, organisation_id=organisation_id, alias=alias,
                              script=script, evidence_id=evidence_id)
        )  # fmt: skip


def _new_person(session: Session, person_id: str, mentions: Iterable[Mention]) -> Person:
    named = list(mentions)
    existing = session.get(Person, person_id)
    if existing is not None:
        return existing
    names = [parse_name(_written(m)) for m in named]
    minor = any(m.age is not None and m.age < MINOR_AGE for m in named)
    person = Person(
        id=person_id,
        name=best_display_name(names),
        sensitivity="restricted" if minor else "internal",
        is_minor=minor,
        protected=False,
    )
    session.add(person)
    return person


def _written(mention: Mention) -> str:
    name = mention.name.strip()
    if mention.chinese_name and mention.chinese_name not in name:
        return f"{mention.chinese_name} ({name})" if name else mention.chinese_name
    return name


# --- Persons -----------------------------------------------------------------------------

_PERSON_ROWS: tuple[tuple[str, type[Any]], ...] = (
    ("mentions", Mention),
    ("aliases", PersonAlias),
    ("participants", EventParticipant),
    ("links", IdentityLink),
    ("cases", Case),
)


def _person(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFoundError(f"no person {person_id}")
    _may_touch(session, person.sensitivity)
    return person


def merge_persons(store: Store, actor: Actor, keep_id: str, merge_id: str) -> Decision:
    """Make two persons one: every mention, alias, participation, link and case of
    `merge_id` moves to `keep_id`, its name becomes an alias, and it is removed."""

    def work(session: Session) -> str:
        if keep_id == merge_id:
            raise ReviewError("a person cannot be merged with itself")
        keep, merged = _person(session, keep_id), _person(session, merge_id)
        counts = []
        for label, table in _PERSON_ROWS:
            rows = stored.rows_of_person(session, table, merge_id)
            for row in rows:
                row.person_id = keep_id
            counts.append(f"{len(rows)} {label}")
            if table is PersonAlias:
                stored.move_name_keys(session, [row.id for row in rows], keep_id)
        _add_alias(session, merged.name, None, keep_id, None, kind="merged_name")
        _combine(keep, merged)
        session.delete(merged)
        return f"merged person {merge_id} into {keep_id}: moved " + ", ".join(counts)

    return _act(store, actor, "merge-persons", work)


def _combine(keep: Person, merged: Person) -> None:
    """What the merged person said about who they are is kept, the most protective first."""
    keep.is_minor = keep.is_minor or merged.is_minor
    keep.protected = keep.protected or merged.protected
    keep.sensitivity = max(keep.sensitivity, merged.sensitivity, key=_SENSITIVITY.index)
    keep.birth_year = keep.birth_year or merged.birth_year
    if merged.notes:
        keep.notes = "\n".join(n for n in (keep.notes, merged.notes) if n)


def split_person(store: Store, actor: Actor, person_id: str, mention_ids: list[str]) -> Decision:
    """Split these mentions off into a new person, with their links, the aliases only they
    wrote and their events' participations. Cases stay; `casebook resolve` chains new ones."""

    def work(session: Session) -> str:
        _person(session, person_id)
        moving = _mentions_to_split(session, person_id, mention_ids)
        new_id = make_id("person", "split", person_id, *sorted(moving))
        if session.get(Person, new_id) is not None:
            raise ReviewError(f"these mentions were split off before, into person {new_id}")
        new = _new_person(session, new_id, moving.values())
        staying = [
            m for m in stored.rows_of_person(session, Mention, person_id) if m.id not in moving
        ]
        for mention in moving.values():
            mention.person_id = new.id
        _split_links(session, person_id, new.id, moving)
        _split_aliases(session, person_id, new.id, moving, staying)
        _split_participants(session, person_id, new.id, moving, staying)
        return f"split {len(moving)} mentions of {person_id} into new person {new.id}"

    return _act(store, actor, "split-person", work)


def _mentions_to_split(
    session: Session, person_id: str, mention_ids: list[str]
) -> dict[str, Mention]:
    found = stored.mentions_by_id(session, mention_ids)
    problems = [f"no mention {m}" for m in mention_ids if m not in found]
    problems += [
        f"mention {m.id} names {m.person_id or 'no one'}, not {person_id}"
        for m in found.values()
        if m.person_id != person_id
    ]
    if not mention_ids:
        problems.append("name at least one mention to split off")
    if problems:
        raise ReviewError("cannot split: " + "; ".join(problems))
    if len(stored.rows_of_person(session, Mention, person_id)) == len(found):
        raise ReviewError(f"that is every mention of {person_id}; split off fewer")
    return found


def _split_links(session: Session, old: str, new: str, moving: dict[str, Mention]) -> None:
    for link in stored.rows_of_person(session, IdentityLink, old):
        if link.mention_id in moving:
            link.person_id = new


def _split_aliases(
    session: Session, old: str, new: str, moving: dict[str, Mention], staying: list[Mention]
) -> None:
    still_written = {form for m in staying for form in _written_forms(m)}
    evidence = {m.evidence_id for m in moving.values()}
    moved = []
    for alias in stored.rows_of_person(session, PersonAlias, old):
        if alias.evidence_id in evidence and alias.alias not in still_written:
            alias.person_id = new
            moved.append(alias.id)
    stored.move_name_keys(session, moved, new)
    session.flush()
    for mention in moving.values():
        for form in _written_forms(mention):
            _add_alias(session, form, mention.evidence_id, new, None)


def _split_participants(
    session: Session, old: str, new: str, moving: dict[str, Mention], staying: list[Mention]
) -> None:
    shared_events = {m.event_id for m in staying if m.event_id}
    own_events = {m.event_id for m in moving.values() if m.event_id} - shared_events
    for participant in stored.participants_of_events(session, own_events, old):
        participant.person_id = new
    for mention in moving.values():
        if mention.event_id in shared_events:
            _attach(session, mention, new, None)


def override_minor(store: Store, actor: Actor, person_id: str, reason: str) -> Decision:
    """Let the publish step name this minor after all (e.g. they chose to speak publicly as
    an adult), with the reviewer's reason; audited, and undone like any decision."""

    def work(session: Session) -> str:
        person = _person(session, person_id)
        if not person.is_minor:
            raise ReviewError(f"person {person_id} is not recorded as a minor; nothing to override")
        if not reason.strip():
            raise ReviewError("say why the minor may be named: --reason TEXT")
        at = now_utc()
        override_id = make_id("minor_override", person_id, at.isoformat())
        session.add(
            MinorOverride(id=override_id, person_id=person_id, reason=reason.strip(),
                          decided_by=actor.name, decided_at=at)
        )  # fmt: skip
        return f"person {person_id} may be named in publications (override {override_id})"

    return _act(store, actor, "override-minor", work)


GRADABLE: dict[str, type[Source | Person | Organisation | Event]] = {
    "source": Source, "person": Person, "organisation": Organisation, "event": Event,
}  # fmt: skip


def grade(store: Store, actor: Actor, kind: str, record_id: str, level: str) -> Decision:
    """Set how sensitive a source, person, organisation or event is (public / internal /
    restricted). Only `public` records are ever published; a minor stays restricted."""

    def work(session: Session) -> str:
        table = GRADABLE.get(kind)
        if table is None:
            raise ReviewError(f"cannot grade a {kind!r}; gradable: {', '.join(GRADABLE)}")
        if level not in SENSITIVITIES:
            raise ReviewError(f"no sensitivity {level!r}; use one of {', '.join(SENSITIVITIES)}")
        # By id, not primary key: a source's key is its sequence number.
        query = select(table).where(table.id == record_id).with_for_update()
        record: Any = session.scalars(query).first()
        if record is None:
            raise NotFoundError(f"no {kind} {record_id}")
        _may_touch(session, record.sensitivity)
        _may_touch(session, level)
        if record.sensitivity == level:
            raise ReviewError(f"{kind} {record_id} is already {level}")
        named = kind == "person" and minor_override(session, record_id) is not None
        if kind == "person" and record.is_minor and level != "restricted" and not named:
            raise ReviewError(
                f"person {record_id} is a minor and stays restricted; to name them in "
                "publications a reviewer records why: `casebook review override-minor`"
            )
        record.sensitivity = level
        return f"{kind} {record_id} is now {level}"

    return _act(store, actor, "grade", work)


def override_of(store: Store, person_id: str) -> MinorOverride | None:
    """The override letting this minor be named in publications, if a reviewer made one."""
    with store.reader() as session:
        return minor_override(session, person_id)


# --- Undo --------------------------------------------------------------------------------


def parse_decision(decision_id: str) -> tuple[int, int]:
    """'41-47' → (41, 47); '41' → (41, 41)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", decision_id)
    if match is None or int(match.group(2) or match.group(1)) < int(match.group(1)):
        raise ReviewError(
            f"{decision_id!r} is not a decision: give FIRST-LAST as printed when it was made"
        )
    first = int(match.group(1))
    return first, int(match.group(2) or first)


def undo(store: Store, actor: Actor, decision_id: str) -> Decision:
    """Put back what a decision (a run of audit entries) changed, newest change first."""
    first, last = parse_decision(decision_id)

    def work(session: Session) -> str:
        entries = stored.entries_between(session, first, last)
        if not entries:
            raise NotFoundError(f"no audit entries {first}-{last}; see `casebook audit verify`")
        for entry in reversed(entries):
            _restore(session, entry)
            session.flush()  # one row may change more than once within a decision
        return f"undid decision {decision_id} ({len(entries)} changes)"

    return _act(store, actor, "undo", work)


def _restore(session: Session, entry: AuditEntry) -> None:
    table = stored.table_named(entry.entity)
    if table.audit_digest:
        raise ReviewError(f"entry {entry.seq} changed {entry.entity}, which undo cannot restore")
    before = json.loads(entry.before) if entry.before else None
    after = json.loads(entry.after) if entry.after else None
    key = stored.primary_key(table, after or before or {})
    row = session.get(table, key)
    if (stored.current_values(row) if row is not None else None) != after:
        raise ConflictError(
            f"{entry.entity} {entry.entity_id} changed after entry {entry.seq} (or was undone "
            "already); undo the later decision first"
        )
    if row is not None and before is None:
        if isinstance(row, PersonAlias):
            stored.drop_name_keys(session, row.id)
        session.delete(row)
        return
    values = stored.column_values(table, before or {})
    if row is None:
        session.add(table(**values))
        return
    for column, value in values.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
    if isinstance(row, Event):
        row.version = int(after["version"] if after else 0) + 1
    if isinstance(row, PersonAlias):
        stored.move_name_keys(session, [row.id], row.person_id)
