"""The audit chain records every write and detects edited or deleted entries."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, insert, select, text, update

from casebook.errors import StoreError
from casebook.store import audit
from casebook.store.engine import Store
from casebook.store.schema import RECORD_TABLES, AuditEntry, Base, Person, PersonAlias


def _write_three_people(store: Store) -> None:
    with store.session("alice") as session:
        session.add(Person(id="p1", name="Chow Hang-tung"))
        session.add(PersonAlias(id="a1", person_id="p1", alias="鄒幸彤", script="han"))
    with store.session("bob") as session:
        session.get(Person, "p1").notes = "barrister"  # type: ignore[union-attr]
        session.add(Person(id="p2", name="Lee Cheuk-yan"))


def test_audit_records_who_what_before_and_after(store: Store) -> None:
    _write_three_people(store)
    with store.reader() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(e.actor, e.action, e.entity, e.entity_id) for e in entries] == [
        ("alice", "create", "persons", "p1"),
        ("alice", "create", "person_aliases", "a1"),
        ("bob", "create", "persons", "p2"),
        ("bob", "update", "persons", "p1"),
    ]
    change = entries[3]
    assert json.loads(change.before or "{}")["notes"] is None
    assert json.loads(change.after or "{}")["notes"] == "barrister"


def test_audit_chain_of_untouched_log_verifies(store: Store) -> None:
    _write_three_people(store)
    with store.reader() as session:
        report = audit.verify(session)
    assert report.intact and report.entries == 4


def test_audit_detects_an_edited_entry(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        connection.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    with store.reader() as session:
        report = audit.verify(session)
    assert (report.broken_at, report.entries) == (2, 1)
    assert "changed" in (report.reason or "")


def test_audit_detects_a_deleted_entry_in_the_middle(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    with store.reader() as session:
        report = audit.verify(session)
    assert report.broken_at == 3 and "missing" in (report.reason or "")


def test_audit_detects_the_last_entry_deleted(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    with store.reader() as session:
        report = audit.verify(session)
    assert report.broken_at == 4


def test_audit_detects_a_rewritten_entry_with_a_recomputed_hash(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        row = connection.execute(select(AuditEntry).where(AuditEntry.seq == 2)).mappings().one()
        forged = dict(row) | {"after": '{"alias": "forged"}'}
        forged["at"] = audit._timestamp(forged["at"])
        connection.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == 2)
            .values(after=forged["after"], hash=audit.entry_hash(forged))
        )
    with store.reader() as session:
        report = audit.verify(session)
    assert report.broken_at == 3  # entry 3 no longer follows the forged entry 2


def test_audit_refuses_a_write_without_a_user(store: Store) -> None:
    with pytest.raises(StoreError, match="named user"), store.session("") as session:
        session.add(Person(id="p9", name="Nobody"))
    with store.reader() as session:
        assert session.get(Person, "p9") is None


def test_audit_failed_unit_of_work_leaves_no_entries(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session("alice") as session:
        session.add(Person(id="p1", name="Someone"))
        session.flush()
        raise RuntimeError("interrupted")
    with store.reader() as session:
        assert session.scalar(text("SELECT count(*) FROM audit_log")) == 0
        assert audit.verify(session).intact


def test_audit_chain_covers_every_record_table() -> None:
    mapped = {m.class_ for m in Base.registry.mappers if m.class_.record}
    assert mapped == set(RECORD_TABLES)


def test_audit_record_matches_its_chain_after_writes_updates_and_deletes(store: Store) -> None:
    _write_three_people(store)
    with store.session("carol") as session:
        session.delete(session.get(PersonAlias, "a1"))
    with store.reader() as session:
        report = audit.verify_record(session)
    assert report.intact and report.rows == 2


def test_audit_detects_a_row_edited_outside_casebook(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        connection.execute(update(Person).where(Person.id == "p2").values(name="Someone Else"))
    with store.reader() as session:
        assert audit.verify(session).intact  # the chain alone cannot see it...
        report = audit.verify_record(session)
    assert report.problem == "persons p2 differs from audit entry 3"  # ...the replay does


def test_audit_detects_a_row_added_outside_casebook(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        connection.execute(insert(Person).values(id="p9", name="Planted", sensitivity="internal"))
    with store.reader() as session:
        assert audit.verify_record(session).problem == "persons p9 has no audit entry"


def test_audit_detects_a_row_deleted_outside_casebook(store: Store) -> None:
    _write_three_people(store)
    with store.engine.begin() as connection:
        connection.execute(delete(PersonAlias).where(PersonAlias.id == "a1"))
    with store.reader() as session:
        report = audit.verify_record(session)
    assert report.problem == "person_aliases a1 is missing (audit entry 2 made it)"
