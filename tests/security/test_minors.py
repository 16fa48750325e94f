"""Persons under 18 at any event are restricted, whichever path linked them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casebook.config import Config
from casebook.resolve.cases import chain_cases
from casebook.resolve.service import resolve_record
from casebook.review import actions
from casebook.review.actions import ReviewError
from casebook.security.permissions import Actor, PermissionDenied
from casebook.store.engine import Store
from casebook.store.minors import minor_override
from casebook.store.schema import AuditEntry, Case, Mention, Person
from tests.resolve.test_service import add_reports

ADULT = "Police arrested Chan Tai-man on Tuesday on suspicion of sedition."
CHARGED = "Chan Tai-man was charged with sedition on Thursday."
CLEARED = Actor("rc", "reviewer", cleared=True)


def resolve(store: Store) -> None:
    config = Config(db=str(store.engine.url), user="resolver")
    resolve_record(store, config)
    chain_cases(store, config)


def only_person(store: Store) -> Person:
    with store.reader() as session:
        return session.scalars(select(Person)).one()


def test_minors_aged_16_in_one_report_unaged_in_another_is_restricted(store: Store) -> None:
    add_reports(
        store,
        {"text": ADULT, "persons": [("Chan Tai-man", None)]},
        {"text": "Chan Tai-man, 16, was charged.", "type": "charge",
         "persons": [("Chan Tai-man", 16)]},
    )  # fmt: skip
    resolve(store)
    person = only_person(store)
    assert (person.is_minor, person.sensitivity) == (True, "restricted")


def test_minors_an_age_learnt_later_restricts_the_person_and_cases(store: Store) -> None:
    add_reports(store, {"text": ADULT, "persons": [("Chan Tai-man", None)]})
    resolve(store)
    assert only_person(store).sensitivity == "internal"
    with store.session("editor") as session:
        mention = session.scalars(select(Mention)).one()
        mention.age = 16  # however it happens: an edit, an import, a new extractor
    person = only_person(store)
    assert (person.is_minor, person.sensitivity) == (True, "restricted")
    with store.reader() as session:
        assert {c.sensitivity for c in session.scalars(select(Case))} == {"restricted"}
        updates = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "persons", AuditEntry.action == "update")
        ).all()
    assert updates and '"restricted"' in (updates[-1].after or "")


def test_minors_undoing_the_restriction_does_not_stick(store: Store) -> None:
    add_reports(
        store, {"text": "Chan Tai-man, 15, was arrested.", "persons": [("Chan Tai-man", 15)]}
    )
    resolve(store)
    with store.session("someone") as session:
        person = session.scalars(select(Person)).one()
        person.sensitivity, person.is_minor = "internal", False
    assert only_person(store).sensitivity == "restricted"


def test_minors_merging_keeps_the_restriction(store: Store) -> None:
    add_reports(
        store,
        {"text": "Wong Siu-ming, 17, was arrested.", "persons": [("Wong Siu-ming", 17)]},
        {"text": "Lee Ka-ho was arrested.", "persons": [("Lee Ka-ho", None)]},
    )
    resolve(store)
    with store.reader() as session:
        ids = {p.is_minor: p.id for p in session.scalars(select(Person))}
    keep, other = ids[False], ids[True]
    with pytest.raises(PermissionDenied, match="restricted"):
        actions.merge_persons(store, Actor("r", "reviewer"), keep, other)
    actions.merge_persons(store, CLEARED, keep, other)
    assert only_person(store).sensitivity == "restricted"


def test_minors_override_by_a_cleared_reviewer_is_audited(store: Store) -> None:
    add_reports(
        store, {"text": "Chan Tai-man, 15, was arrested.", "persons": [("Chan Tai-man", 15)]}
    )
    resolve(store)
    person_id = only_person(store).id
    with pytest.raises(PermissionDenied):
        actions.override_minor(store, Actor("v", "viewer", cleared=True), person_id, "adult now")
    with pytest.raises(PermissionDenied):
        actions.override_minor(store, Actor("r", "reviewer"), person_id, "adult now")
    with pytest.raises(ReviewError, match="--reason"):
        actions.override_minor(store, CLEARED, person_id, "  ")
    decision = actions.override_minor(store, CLEARED, person_id, "speaks publicly as an adult")
    with store.reader() as session:
        override = minor_override(session, person_id)
        assert override is not None and override.decided_by == "rc"
        first, _last = actions.parse_decision(decision.id)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == first)).one()
    assert (entry.entity, entry.actor) == ("minor_overrides", "rc")
    actions.undo(store, CLEARED, decision.id)
    with store.reader() as session:
        assert minor_override(session, person_id) is None


def test_minors_override_needs_a_minor(store: Store) -> None:
    add_reports(store, {"text": ADULT, "persons": [("Chan Tai-man", 40)]})
    resolve(store)
    with pytest.raises(ReviewError, match="not recorded as a minor"):
        actions.override_minor(store, CLEARED, only_person(store).id, "why not")
