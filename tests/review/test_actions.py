"""Review actions over a real record (SQLite and PostgreSQL): audit, undo, conflicts, evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casebook.config import Config
from casebook.extract.rules import RuleExtractor
from casebook.extract.service import extract_record
from casebook.ingest.service import ingest, plan
from casebook.model import make_id
from casebook.resolve.cases import chain_cases
from casebook.resolve.events import merge_duplicate_events
from casebook.resolve.service import resolve_record
from casebook.review import actions
from casebook.review.actions import ConflictError, Decision, ReviewError
from casebook.review.queue import item, queue
from casebook.security.permissions import Actor
from casebook.store import review as stored
from casebook.store.engine import Store
from casebook.store.schema import (
    RECORD_TABLES,
    AuditEntry,
    Event,
    EventEvidence,
    EventMerge,
    EventParticipant,
    IdentityLink,
    Mention,
    Person,
    PersonAlias,
    PersonNameKey,
)
from tests.resolve.test_service import add_reports

REVIEWER = Actor("reviewer", "reviewer")
CHAN = "Police arrested Chan Siu-ming, 34, on Tuesday on suspicion of sedition."
CHAN_AGAIN = "Chan Siu-ming was charged on Thursday, a court heard."
WONG = "Police arrested Wong Ka-ho, 51, on suspicion of sedition."


def resolve(store: Store) -> None:
    resolve_record(store, Config(db=str(store.engine.url), user="resolver"))


def one_event(store: Store, **report: Any) -> str:
    report.setdefault("text", CHAN)
    return add_reports(store, report)[0]


def event_row(store: Store, event_id: str) -> Event:
    with store.reader() as session:
        found = session.get(Event, event_id)
        assert found is not None
        return found


def entries(store: Store, decision: Decision) -> list[AuditEntry]:
    first, last = actions.parse_decision(decision.id)
    with store.reader() as session:
        return stored.entries_between(session, first, last)


def record_state(store: Store) -> dict[str, dict[str, Any]]:
    """Every record row by table and key, event versions left out (they only ever grow)."""
    state: dict[str, dict[str, Any]] = {}
    with store.reader() as session:
        for table in RECORD_TABLES:
            for row in session.scalars(select(table)):
                values = stored.current_values(row)
                values.pop("version", None)
                key = "/".join(str(v) for v in stored.primary_key(table, values))
                state[f"{table.__tablename__}:{key}"] = values
        keys = session.execute(select(PersonNameKey.alias_id, PersonNameKey.person_id))
        state["name_keys"] = {"pairs": sorted({(alias, person) for alias, person in keys})}
    return state


def persons_named(store: Store) -> dict[str, str]:
    with store.reader() as session:
        return {p.name: p.id for p in session.scalars(select(Person))}


def queued_link(store: Store, text: str, name: str, person_id: str) -> str:
    """A report naming `name`, and a queued link of that mention to `person_id`."""
    event_id = one_event(store, text=text, persons=[(name, None)], published="2024-06-03")
    mention_id = make_id("mention", event_id, 0)
    link_id = make_id("identity_link", mention_id, "test")
    reasons = ["same family name", f"also matches {person_id} (0.60)"]
    with store.session("resolver") as session:
        session.add(
            IdentityLink(id=link_id, mention_id=mention_id, person_id=person_id, score=0.7,
                         level="initials", reasons=json.dumps(reasons), decision="queued",
                         decided_by="resolver", resolver="test")
        )  # fmt: skip
    return link_id


def two_persons(store: Store) -> tuple[str, str]:
    add_reports(
        store,
        {"text": CHAN, "persons": [("Chan Siu-ming", 34)]},
        {"text": WONG, "persons": [("Wong Ka-ho", 51)], "date": "2024-05-20"},
    )
    resolve(store)
    named = persons_named(store)
    return named["CHAN Siu-ming"], named["WONG Ka-ho"]


# --- Events ------------------------------------------------------------------------------


def test_actions_confirm_event_sets_status_bumps_version_and_is_audited(store: Store) -> None:
    event_id = one_event(store)
    decision = actions.confirm_event(store, REVIEWER, event_id, 1)
    event = event_row(store, event_id)
    assert (event.status, event.version) == ("confirmed", 2)
    [entry] = entries(store, decision)
    assert (entry.actor, entry.action, entry.entity) == (REVIEWER.name, "update", "events")
    assert json.loads(entry.before or "")["status"] == "candidate"
    assert json.loads(entry.after or "")["status"] == "confirmed"


def test_actions_reject_event_keeps_it_with_its_evidence(store: Store) -> None:
    event_id = one_event(store)
    actions.reject_event(store, REVIEWER, event_id, 1)
    assert event_row(store, event_id).status == "rejected"
    with store.reader() as session:
        assert session.scalars(select(EventEvidence).where(EventEvidence.event_id == event_id))
        assert queue(session) == []


def test_actions_stale_version_is_a_conflict(store: Store) -> None:
    event_id = one_event(store)
    actions.edit_event(store, Actor("someone", "editor"), event_id, 1, "count", "3")
    with pytest.raises(ConflictError, match=r"someone else changed event .* reload it"):
        actions.confirm_event(store, REVIEWER, event_id, 1)
    assert event_row(store, event_id).status == "candidate"


@pytest.mark.parametrize(
    ("field", "value", "column", "expected"),
    [
        ("count", "53", "count", 53),
        ("law", "hk.nsl", "law_id", "hk.nsl"),
        ("offence", "hk.nsl.art22", "law_id", "hk.nsl"),
        ("date", "2024-05", "date_precision", "month"),
        ("sentence_months", "40.5", "sentence_months", 40.5),
        ("place", "-", "place", None),
    ],
)
def test_actions_edit_event_sets_the_field(
    store: Store, field: str, value: str, column: str, expected: object
) -> None:
    event_id = one_event(store, place="Mong Kok")
    actions.edit_event(store, REVIEWER, event_id, 1, field, value)
    event = event_row(store, event_id)
    assert getattr(event, column) == expected
    assert (event.status, event.version) == ("candidate", 2)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("law", "hk.nowhere", "no law 'hk.nowhere'"),
        ("offence", "hk.nsl", "no offence 'hk.nsl'"),
        ("count", "many", "whole number"),
        ("date", "28 May", "YYYY-MM-DD"),
        ("type", "picnic", "not an event type"),
        ("status", "confirmed", "cannot edit 'status'"),
    ],
)
def test_actions_edit_event_refuses_bad_values(
    store: Store, field: str, value: str, message: str
) -> None:
    event_id = one_event(store)
    with pytest.raises(ReviewError, match=message):
        actions.edit_event(store, REVIEWER, event_id, 1, field, value)
    assert event_row(store, event_id).version == 1


def test_actions_machine_never_confirms(store: Store, tmp_path: Path) -> None:
    config = Config(db=str(store.engine.url), user="machine")
    reports = tmp_path / "reports.jsonl"
    lines = [{"text": CHAN, "published": "2024-05-29"}, {"text": CHAN, "published": "2024-05-30"}]
    reports.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    list(ingest(store, config, plan([str(reports)])))
    list(extract_record(store, config, RuleExtractor.default()))
    resolve_record(store, config)
    merge_duplicate_events(store, config)
    chain_cases(store, config)
    with store.reader() as session:
        statuses = set(session.scalars(select(Event.status)))
    assert statuses == {"candidate"}


# --- Queue -------------------------------------------------------------------------------


def test_queue_shows_each_field_with_its_quote_and_the_queued_links(store: Store) -> None:
    chan, _ = two_persons(store)
    link_id = queued_link(store, "Police arrested Chan S.M. at home.", "Chan S.M.", chan)
    with store.reader() as session:
        items = queue(session, limit=10)
    events = [i for i in items if i.kind == "event"]
    assert len(events) == 3 and items[-1].id == link_id
    event_fields = {f.name: f for f in events[0].fields}
    assert event_fields["event"].quotes[0].quote in (CHAN, WONG)
    link = items[-1]
    assert link.mention is not None and link.mention.quote == "Chan S.M."
    assert [c.name for c in link.candidates] == ["CHAN Siu-ming"]
    assert "same family name" in link.reasons


def test_queue_pages_across_events_and_links(store: Store) -> None:
    chan, _ = two_persons(store)
    link_id = queued_link(store, "Police arrested Chan S.M. at home.", "Chan S.M.", chan)
    with store.reader() as session:
        assert [i.id for i in queue(session, limit=1, offset=3)] == [link_id]
        assert len(queue(session, limit=2, offset=2)) == 2


# --- Identity links ----------------------------------------------------------------------


def test_actions_accept_link_links_mention_with_alias_and_participant(store: Store) -> None:
    chan, _ = two_persons(store)
    link_id = queued_link(store, "Police arrested Chan S.M. at home.", "Chan S.M.", chan)
    decision = actions.accept_link(store, REVIEWER, link_id)
    with store.reader() as session:
        link = session.get(IdentityLink, link_id)
        assert link is not None and (link.decision, link.decided_by) == ("accepted", REVIEWER.name)
        mention = session.get(Mention, link.mention_id)
        assert mention is not None and mention.person_id == chan
        aliases = session.scalars(select(PersonAlias.alias).where(PersonAlias.person_id == chan))
        assert "Chan S.M." in set(aliases)
        assert stored.participant_of(session, mention.event_id or "", chan, None) is not None
    assert {e.actor for e in entries(store, decision)} == {REVIEWER.name}


def test_actions_reject_link_founds_a_new_person_or_leaves_it_unlinked(store: Store) -> None:
    chan, _ = two_persons(store)
    first = queued_link(store, "Police arrested Chan S.M. at home.", "Chan S.M.", chan)
    second = queued_link(store, "Police arrested Chan S. at home.", "Chan S.", chan)
    actions.reject_link(store, REVIEWER, first)
    actions.reject_link(store, REVIEWER, second, new_identity=False)
    with store.reader() as session:
        links = {i: session.get(IdentityLink, i) for i in (first, second)}
        mentions = {i: session.get(Mention, link.mention_id) for i, link in links.items() if link}
    assert mentions[first] is not None and mentions[first].person_id not in (None, chan)
    assert mentions[second] is not None and mentions[second].person_id is None
    with pytest.raises(ReviewError, match="already decided"):
        actions.accept_link(store, REVIEWER, first)


# --- Persons -----------------------------------------------------------------------------


def test_actions_merge_persons_keeps_all_evidence(store: Store) -> None:
    chan, wong = two_persons(store)
    with store.reader() as session:
        evidence = {
            table.__tablename__: sorted(r.id for r in stored.rows_of_person(session, table, wong))
            for table in (Mention, PersonAlias, EventParticipant)
        }
    actions.merge_persons(store, REVIEWER, chan, wong)
    with store.reader() as session:
        assert session.get(Person, wong) is None
        for table in (Mention, PersonAlias, EventParticipant):
            moved = {r.id for r in stored.rows_of_person(session, table, chan)}
            assert set(evidence[table.__tablename__]) <= moved
        names = set(session.scalars(select(PersonAlias.alias).where(PersonAlias.person_id == chan)))
        assert "WONG Ka-ho" in names
        keys = session.scalars(select(PersonNameKey.person_id).distinct())
        assert wong not in set(keys)


def test_actions_split_person_moves_its_mentions_and_their_evidence(store: Store) -> None:
    add_reports(
        store,
        {"text": CHAN, "persons": [("Chan Siu-ming", 34)]},
        {"text": CHAN_AGAIN, "type": "charge", "persons": [("Chan Siu-ming", None)],
         "date": "2024-05-30"},
    )  # fmt: skip
    resolve(store)
    chan = persons_named(store)["CHAN Siu-ming"]
    with store.reader() as session:
        later = [m for m in stored.rows_of_person(session, Mention, chan) if m.age is None]
    actions.split_person(store, REVIEWER, chan, [later[0].id])
    with store.reader() as session:
        mention = session.get(Mention, later[0].id)
        assert mention is not None and mention.person_id not in (None, chan)
        new = mention.person_id or ""
        participants = stored.rows_of_person(session, EventParticipant, new)
        assert [p.event_id for p in participants] == [mention.event_id]
        assert stored.rows_of_person(session, PersonAlias, new)
        assert len(stored.rows_of_person(session, Mention, chan)) == 1


def test_actions_split_person_refuses_mentions_of_someone_else(store: Store) -> None:
    chan, wong = two_persons(store)
    with store.reader() as session:
        wongs = [m.id for m in stored.rows_of_person(session, Mention, wong)]
    with pytest.raises(ReviewError, match=f"names {wong}, not {chan}"):
        actions.split_person(store, REVIEWER, chan, wongs)


# --- Events merged and split -------------------------------------------------------------


def test_actions_merge_and_split_events_move_the_evidence(store: Store) -> None:
    keep, other = add_reports(store, {"text": CHAN}, {"text": CHAN + " (wire copy)"})
    actions.merge_events(store, REVIEWER, keep, other)
    with store.reader() as session:
        assert [i.id for i in queue(session)] == [keep]
        links = session.scalars(select(EventEvidence).where(EventEvidence.event_id == keep))
        assert len(list(links)) == 2
        merge = session.scalars(select(EventMerge)).one()
    actions.split_event(store, REVIEWER, merge.id)
    with store.reader() as session:
        assert {i.id for i in queue(session)} == {keep, other}


# --- Undo --------------------------------------------------------------------------------


UNDOABLE: dict[str, Callable[[Store], Callable[[], Decision]]] = {}


def undoable(name: str) -> Callable[[Callable[[Store], Callable[[], Decision]]], Any]:
    def register(make: Callable[[Store], Callable[[], Decision]]) -> Any:
        UNDOABLE[name] = make
        return make

    return register


@undoable("confirm")
def _confirm(store: Store) -> Callable[[], Decision]:
    event_id = one_event(store)
    return lambda: actions.confirm_event(store, REVIEWER, event_id, 1)


@undoable("reject")
def _reject(store: Store) -> Callable[[], Decision]:
    event_id = one_event(store)
    return lambda: actions.reject_event(store, REVIEWER, event_id, 1)


@undoable("edit")
def _edit(store: Store) -> Callable[[], Decision]:
    event_id = one_event(store)
    return lambda: actions.edit_event(store, REVIEWER, event_id, 1, "offence", "hk.nsl.art22")


@undoable("accept-link")
def _accept(store: Store) -> Callable[[], Decision]:
    chan, _ = two_persons(store)
    link_id = queued_link(store, "Police arrested Chan S.M. at home.", "Chan S.M.", chan)
    return lambda: actions.accept_link(store, REVIEWER, link_id)


@undoable("reject-link")
def _reject_link(store: Store) -> Callable[[], Decision]:
    chan, _ = two_persons(store)
    link_id = queued_link(store, "Police arrested Chan S.M. at home.", "Chan S.M.", chan)
    return lambda: actions.reject_link(store, REVIEWER, link_id)


@undoable("merge-persons")
def _merge_persons(store: Store) -> Callable[[], Decision]:
    chan, wong = two_persons(store)
    return lambda: actions.merge_persons(store, REVIEWER, chan, wong)


@undoable("split-person")
def _split_person(store: Store) -> Callable[[], Decision]:
    chan, wong = two_persons(store)
    actions.merge_persons(store, REVIEWER, chan, wong)
    with store.reader() as session:
        wongs = [m.id for m in stored.rows_of_person(session, Mention, chan) if m.age == 51]
    return lambda: actions.split_person(store, REVIEWER, chan, wongs)


@undoable("merge-events")
def _merge_events(store: Store) -> Callable[[], Decision]:
    keep, other = add_reports(store, {"text": CHAN}, {"text": CHAN + " (wire copy)"})
    return lambda: actions.merge_events(store, REVIEWER, keep, other)


@undoable("split-event")
def _split_event(store: Store) -> Callable[[], Decision]:
    keep, other = add_reports(store, {"text": CHAN}, {"text": CHAN + " (wire copy)"})
    actions.merge_events(store, REVIEWER, keep, other)
    merge_id = make_id("event_merge", other, keep)
    return lambda: actions.split_event(store, REVIEWER, merge_id)


@pytest.mark.parametrize("action", sorted(UNDOABLE))
def test_actions_undo_restores_the_previous_state(store: Store, action: str) -> None:
    act = UNDOABLE[action](store)
    before = record_state(store)
    decision = act()
    assert record_state(store) != before
    made = entries(store, decision)
    assert made and {e.actor for e in made} == {REVIEWER.name}
    assert all(e.before or e.after for e in made)
    undone = actions.undo(store, Actor("lead", "admin"), decision.id)
    assert record_state(store) == before
    assert {e.actor for e in entries(store, undone)} == {"lead"}
    assert len(entries(store, undone)) == len(entries(store, decision))


def test_actions_undo_twice_is_refused_and_the_undo_can_be_undone(store: Store) -> None:
    event_id = one_event(store)
    decision = actions.confirm_event(store, REVIEWER, event_id, 1)
    undone = actions.undo(store, REVIEWER, decision.id)
    assert event_row(store, event_id).status == "candidate"
    with pytest.raises(ConflictError, match="undone already"):
        actions.undo(store, REVIEWER, decision.id)
    actions.undo(store, REVIEWER, undone.id)
    event = event_row(store, event_id)
    assert (event.status, event.version) == ("confirmed", 4)


def test_actions_undo_refuses_when_a_later_decision_changed_the_row(store: Store) -> None:
    event_id = one_event(store)
    first = actions.edit_event(store, REVIEWER, event_id, 1, "count", "5")
    actions.confirm_event(store, REVIEWER, event_id, 2)
    with pytest.raises(ConflictError, match="undo the later decision first"):
        actions.undo(store, REVIEWER, first.id)


@pytest.mark.parametrize("bad", ["", "x", "9-3", "1-"])
def test_actions_undo_needs_a_decision_id(bad: str) -> None:
    with pytest.raises(ReviewError, match="FIRST-LAST"):
        actions.parse_decision(bad)


def test_queue_item_names_the_missing_id(store: Store) -> None:
    with store.reader() as session, pytest.raises(Exception, match="no event or identity link"):
        item(session, "nope")
