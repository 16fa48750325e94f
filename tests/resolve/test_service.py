"""Resolution over a real record: mentions → persons and organisations, thresholds, idempotency."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.config import Config
from casebook.extract.rules import RuleExtractor
from casebook.extract.service import extract_record
from casebook.ingest.service import Result, ingest, plan
from casebook.model import make_id
from casebook.resolve.service import (
    ResolutionSummary,
    Thresholds,
    compare_organisations,
    resolve_record,
)
from casebook.store import audit
from casebook.store.engine import Store
from casebook.store.schema import (
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    IdentityLink,
    Mention,
    Organisation,
    Person,
    PersonAlias,
    Source,
)

ACTOR = "tester"


def config(store: Store) -> Config:
    return Config(db=str(store.engine.url), user=ACTOR)


def add_report(
    session: Session,
    text: str,
    *,
    type: str = "arrest",
    date: str | None = "2024-05-28",
    precision: str = "day",
    persons: Sequence[tuple[str, int | None]] = (),
    organisations: Sequence[str] = (),
    published: str = "2024-05-29",
    **values: object,
) -> str:
    """One source holding one event with its mentions, written as ORM rows; the event id."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    source_id = make_id("source", digest)
    session.add(
        Source(
            id=source_id,
            sha256=digest,
            kind="text",
            published_at=dt.date.fromisoformat(published),
            captured_at=dt.datetime.now(dt.UTC),
            text=text,
            text_sha256=digest,
            extra={},
        )
    )
    event_id = make_id("event", source_id, type)
    whole = make_id("evidence", source_id, 0, len(text))
    session.add(Evidence(id=whole, source_id=source_id, start=0, end=len(text), quote=text))
    when = dt.date.fromisoformat(date) if date else None
    session.add(
        Event(
            id=event_id,
            type=type,
            date=when,
            date_precision=precision if when else None,
            status="candidate",
            made_by="test",
            **values,
        )
    )
    session.add(EventEvidence(event_id=event_id, field="event", evidence_id=whole, rule="test"))
    named = [("person", n, a) for n, a in persons] + [
        ("organisation", o, None) for o in organisations
    ]
    for number, (kind, name, age) in enumerate(named):
        start = text.index(name)
        span = make_id("evidence", source_id, start, start + len(name))
        session.add(
            Evidence(id=span, source_id=source_id, start=start, end=start + len(name), quote=name)
        )
        session.add(
            Mention(
                id=make_id("mention", event_id, number),
                source_id=source_id,
                event_id=event_id,
                kind=kind,
                name=name,
                age=age,
                evidence_id=span,
            )
        )
    return event_id


def add_reports(store: Store, *reports: dict[str, object]) -> list[str]:
    with store.session(ACTOR) as session:
        ids = []
        for report in reports:
            ids.append(add_report(session, **report))  # type: ignore[arg-type]
            session.flush()
        return ids


def resolve(store: Store, **options: object) -> ResolutionSummary:
    return resolve_record(store, config(store), **options)  # type: ignore[arg-type]


def persons(store: Store) -> list[Person]:
    with store.reader() as session:
        return list(session.scalars(select(Person).order_by(Person.name)))


def links(store: Store) -> dict[str, IdentityLink]:
    with store.reader() as session:
        query = select(Mention.name, IdentityLink).join(Mention)
        return {name: link for name, link in session.execute(query)}


def test_service_variants_of_one_name_become_one_person(store: Store) -> None:
    add_reports(
        store,
        {
            "text": "Police arrested Jimmy Lai Chee-ying, 72.",
            "persons": [("Jimmy Lai Chee-ying", 72)],
        },
        {
            "text": "Lai Chee-ying was charged.",
            "type": "charge",
            "persons": [("Lai Chee-ying", None)],
        },
        {
            "text": "LAI Chee Ying was bailed.",
            "type": "bail_granted",
            "persons": [("LAI Chee Ying", None)],
        },
    )
    summary = resolve(store)
    found = persons(store)
    assert len(found) == 1
    assert found[0].name == "Jimmy LAI Chee-ying"
    assert summary.new == 1 and summary.auto == 2
    with store.reader() as session:
        aliases = set(session.scalars(select(PersonAlias.alias)))
        linked = set(session.scalars(select(Mention.person_id)))
        participants = session.scalar(select(func.count()).select_from(EventParticipant))
    assert aliases == {"Jimmy Lai Chee-ying", "Lai Chee-ying", "LAI Chee Ying"}
    assert linked == {found[0].id}
    assert participants == 3


def test_service_aliases_keep_every_script_with_their_evidence(store: Store) -> None:
    add_reports(
        store,
        {"text": "黎智英 (Jimmy Lai) was arrested.", "persons": [("黎智英 (Jimmy Lai)", None)]},
        {"text": "黎智英 was charged.", "type": "charge", "persons": [("黎智英", None)]},
    )
    resolve(store)
    with store.reader() as session:
        rows = session.execute(
            select(PersonAlias.alias, PersonAlias.script, Evidence.quote).join(Evidence)
        ).all()
    assert {(alias, script) for alias, script, _ in rows} == {
        ("黎智英 (Jimmy Lai)", "han"),
        ("黎智英", "han"),
    }
    assert all(alias == quote for alias, _, quote in rows)


def test_service_same_name_with_conflicting_ages_is_two_people(store: Store) -> None:
    add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming, 34.", "persons": [("Chan Siu-ming", 34)]},
        {
            "text": "Police arrested Chan Siu-ming, 16.",
            "persons": [("Chan Siu-ming", 16)],
            "date": "2024-06-02",
        },
    )
    resolve(store)
    found = persons(store)
    assert len(found) == 2
    decided = links(store)
    assert all(link.decision == "new" for link in decided.values())
    reasons = [json.loads(link.reasons) for link in decided.values()]
    assert any("different people" in " ".join(r) for r in reasons)


def test_service_minor_is_flagged_and_restricted(store: Store) -> None:
    add_reports(
        store, {"text": "Police arrested Wong Ka-yee, 15.", "persons": [("Wong Ka-yee", 15)]}
    )
    resolve(store)
    (person,) = persons(store)
    assert person.is_minor and person.sensitivity == "restricted"
    with store.reader() as session:
        assert session.scalar(select(EventParticipant.age)) == 15


def test_service_ambiguous_name_is_queued_not_guessed(store: Store) -> None:
    add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming, 34.", "persons": [("Chan Siu-ming", 34)]},
        {
            "text": "Police arrested Chan Siu-ming, 16.",
            "persons": [("Chan Siu-ming", 16)],
            "date": "2024-06-02",
        },
    )
    resolve(store)
    add_reports(
        store,
        {
            "text": "Chan Siu-ming was charged.",
            "type": "charge",
            "persons": [("Chan Siu-ming", None)],
        },
    )
    summary = resolve(store)
    assert summary.queued == 1 and summary.auto == 0
    with store.reader() as session:
        mention = session.scalars(
            select(Mention).where(
                Mention.event_id.in_(select(Event.id).where(Event.type == "charge"))
            )
        ).one()
    assert mention.person_id is None


@pytest.mark.parametrize(
    ("second", "decision"),
    [
        ("Lai Chee-ying", "auto"),  # english_name_added_or_dropped, 0.95
        ("Jimmy Lai", "queued"),  # given_name_added_or_dropped, 0.82
        ("Lai Wing-kei", "new"),  # a different person
    ],
)
def test_service_thresholds_decide_auto_queued_new(
    store: Store, second: str, decision: str
) -> None:
    add_reports(
        store,
        {
            "text": "Police arrested Jimmy Lai Chee-ying.",
            "persons": [("Jimmy Lai Chee-ying", None)],
        },
    )
    resolve(store)
    add_reports(
        store, {"text": f"{second} was charged.", "type": "charge", "persons": [(second, None)]}
    )
    resolve(store)
    link = links(store)[second]
    assert link.decision == decision
    assert link.score is not None and link.level and json.loads(link.reasons)
    with store.reader() as session:
        mention = session.scalars(select(Mention).where(Mention.name == second)).one()
    assert (mention.person_id is None) == (decision == "queued")


def test_service_thresholds_are_settings(store: Store) -> None:
    add_reports(
        store,
        {
            "text": "Police arrested Jimmy Lai Chee-ying.",
            "persons": [("Jimmy Lai Chee-ying", None)],
        },
    )
    resolve(store)
    add_reports(
        store,
        {"text": "Jimmy Lai was charged.", "type": "charge", "persons": [("Jimmy Lai", None)]},
    )
    resolve(store, thresholds=Thresholds(link=0.8, review=0.5))
    assert links(store)["Jimmy Lai"].decision == "auto"


def test_service_rerun_changes_nothing(store: Store) -> None:
    add_reports(
        store,
        {
            "text": "Police arrested Jimmy Lai Chee-ying, 72.",
            "persons": [("Jimmy Lai Chee-ying", 72)],
        },
        {"text": "Jimmy Lai was charged.", "type": "charge", "persons": [("Jimmy Lai", None)]},
        {
            "text": "The Kowloon Tenants Alliance disbanded.",
            "type": "org_disbanded",
            "organisations": ["Kowloon Tenants Alliance"],
        },
    )
    resolve(store)
    with store.reader() as session:
        entries = audit.verify(session).entries
    again = resolve(store)
    assert again == ResolutionSummary()
    with store.reader() as session:
        assert audit.verify(session).entries == entries


def test_service_batches_join_mentions_across_batches(store: Store) -> None:
    reports = [
        {
            "text": f"Report {n}: Lai Chee-ying was charged.",
            "type": "charge",
            "persons": [("Lai Chee-ying", None)],
        }
        for n in range(5)
    ]
    add_reports(store, *reports)
    summary = resolve(store, batch_size=2)
    assert len(persons(store)) == 1
    assert (summary.new, summary.auto) == (1, 4)


def test_service_organisations_join_on_normalised_names(store: Store) -> None:
    add_reports(
        store,
        {
            "text": "The Kowloon Tenants Alliance disbanded.",
            "type": "org_disbanded",
            "organisations": ["Kowloon Tenants Alliance"],
        },
        {
            "text": "The Kowloon Tenants' Alliance voted to disband.",
            "type": "org_disbanded",
            "organisations": ["Kowloon Tenants' Alliance"],
        },
        {"text": "Apple Daily closed.", "type": "org_closed", "organisations": ["Apple Daily"]},
    )
    summary = resolve(store)
    with store.reader() as session:
        names = sorted(session.scalars(select(Organisation.name)))
        linked = session.scalar(
            select(func.count())
            .select_from(EventParticipant)
            .where(EventParticipant.organisation_id.is_not(None))
        )
    assert names == ["Apple Daily", "Kowloon Tenants Alliance"]
    assert summary.organisations_created == 2 and linked == 3


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("the Civil Human Rights Front", "Civil Human Rights Front", "same_normalised_name"),
        ("CHRF", "Civil Human Rights Front", "acronym"),
        ("Apple Daily", "Stand News", "different"),
    ],
)
def test_service_organisation_comparison_levels(a: str, b: str, level: str) -> None:
    assert compare_organisations(a, b).level == level


def test_service_audit_chain_intact_after_resolution(store: Store) -> None:
    add_reports(
        store, {"text": "Police arrested Wong Ka-yee, 15.", "persons": [("Wong Ka-yee", 15)]}
    )
    resolve(store)
    with store.reader() as session:
        report = audit.verify(session)
        entities = set(session.scalars(select(audit.AuditEntry.entity)))
    assert report.intact
    assert {
        "persons",
        "person_aliases",
        "identity_links",
        "event_participants",
        "mentions",
    } <= entities


def test_service_resolves_what_the_extractor_found(store: Store, tmp_path: Path) -> None:
    reports = [
        {
            "text": "Police arrested Chan Siu-ming, 34, on Tuesday on suspicion of sedition.",
            "published": "2024-05-29",
        },
        {
            "text": "Chan Siu-ming was charged with sedition on Thursday, a court heard.",
            "published": "2024-05-31",
        },
    ]
    bulk = tmp_path / "reports.jsonl"
    bulk.write_text("".join(json.dumps(r) + "\n" for r in reports), encoding="utf-8")
    outcomes = list(ingest(store, config(store), plan([str(bulk)])))
    assert {o.result for o in outcomes} == {Result.INGESTED}
    list(extract_record(store, config(store), RuleExtractor.default()))
    resolve(store)
    found = persons(store)
    assert [p.name for p in found] == ["CHAN Siu-ming"]
    with store.reader() as session:
        assert session.scalar(select(func.count()).select_from(EventParticipant)) == 2
