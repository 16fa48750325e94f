"""Duplicate reports of one event become one event, reversibly, against a real record."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select, update

from casebook.extract.rules import RuleExtractor
from casebook.extract.service import extract_record
from casebook.ingest.service import Result, ingest, plan
from casebook.resolve.events import merge_duplicate_events, unmerge_event
from casebook.resolve.service import resolve_record
from casebook.store import audit
from casebook.store.engine import Store
from casebook.store.resolution import counted_events
from casebook.store.schema import (
    Event,
    EventEvidence,
    EventMerge,
    EventParticipant,
    Evidence,
    Mention,
)
from tests.resolve.test_service import ACTOR, add_reports, config

FIVE_OUTLETS = [
    (
        "Hong Kong police arrested 53 pro-democracy figures on Wednesday under the national "
        "security law, accusing them of subversion over an unofficial primary election.",
        "2021-01-06",
    ),
    (
        "Fifty-three activists and former lawmakers were arrested on 6 January 2021 on "
        "suspicion of subversion under the national security law.",
        "2021-01-07",
    ),
    (
        "In the biggest crackdown yet, police detained 53 people on Wednesday for subversion "
        "under the security law.",
        "2021-01-06",
    ),
    (
        "National security police arrested 53 opposition figures in January for organising "
        "primaries, alleging subversion.",
        "2021-01-20",
    ),
    (
        "Authorities arrested 53 people on Jan. 6 under the National Security Law over the "
        "July primaries.",
        "2021-01-08",
    ),
]


def _ingest_and_extract(store: Store, tmp_path: Path, reports: list[tuple[str, str]]) -> None:
    bulk = tmp_path / "reports.jsonl"
    lines = [json.dumps({"text": text, "published": published}) for text, published in reports]
    bulk.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcomes = list(ingest(store, config(store), plan([str(bulk)])))
    assert {o.result for o in outcomes} == {Result.INGESTED}
    list(extract_record(store, config(store), RuleExtractor.default()))


def _counted_arrests(store: Store) -> list[Event]:
    with store.reader() as session:
        return list(session.scalars(counted_events().where(Event.type == "arrest")))


def test_events_53_arrested_in_five_outlets_is_one_arrest_of_53(
    store: Store, tmp_path: Path
) -> None:
    _ingest_and_extract(store, tmp_path, FIVE_OUTLETS)
    assert len(_counted_arrests(store)) == 5
    summary = merge_duplicate_events(store, config(store))
    arrests = _counted_arrests(store)
    assert summary.merged == 4 and len(arrests) == 1
    assert sum(event.count or 0 for event in arrests) == 53
    (arrest,) = arrests
    assert (arrest.date_precision, arrest.status) == ("day", "candidate")
    with store.reader() as session:
        sources = session.scalar(
            select(func.count(func.distinct(Evidence.source_id)))
            .join(EventEvidence)
            .where(EventEvidence.event_id == arrest.id)
        )
    assert sources == 5


def test_events_merge_records_score_and_reasons(store: Store, tmp_path: Path) -> None:
    _ingest_and_extract(store, tmp_path, FIVE_OUTLETS[:2])
    merge_duplicate_events(store, config(store))
    with store.reader() as session:
        (merge,) = session.scalars(select(EventMerge))
    assert merge.decision == "auto" and merge.score >= 0.8
    assert "same count 53" in json.loads(merge.reasons)


def test_events_rerun_merges_nothing_more(store: Store, tmp_path: Path) -> None:
    _ingest_and_extract(store, tmp_path, FIVE_OUTLETS)
    merge_duplicate_events(store, config(store))
    again = merge_duplicate_events(store, config(store))
    assert again.merged == 0
    with store.reader() as session:
        assert audit.verify(session).intact


def test_events_different_counts_stay_apart(store: Store) -> None:
    add_reports(
        store,
        {"text": "Police arrested 53 people.", "count": 53, "date": "2021-01-06"},
        {"text": "Police arrested 10 people.", "count": 10, "date": "2021-01-06"},
    )
    assert merge_duplicate_events(store, config(store)).merged == 0


def test_events_different_people_same_day_stay_apart(store: Store) -> None:
    add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming.", "persons": [("Chan Siu-ming", None)]},
        {"text": "Police arrested Wong Ka-yee.", "persons": [("Wong Ka-yee", None)]},
    )
    resolve_record(store, config(store))
    assert merge_duplicate_events(store, config(store)).merged == 0


def test_events_same_person_reports_join_and_move_participants(store: Store) -> None:
    first, _second = add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming, 34.", "persons": [("Chan Siu-ming", 34)]},
        {
            "text": "Chan Siu-ming was arrested in May.",
            "persons": [("Chan Siu-ming", None)],
            "date": "2024-05-01",
            "precision": "month",
        },
    )
    resolve_record(store, config(store))
    assert merge_duplicate_events(store, config(store)).merged == 1
    with store.reader() as session:
        on_first = set(session.scalars(select(Mention.id).where(Mention.event_id == first)))
        participants = session.scalar(
            select(func.count())
            .select_from(EventParticipant)
            .where(EventParticipant.event_id == first)
        )
    assert len(on_first) == 2 and participants == 1
    assert [e.id for e in _counted_arrests(store)] == [first]  # the day-precise report wins


def test_events_incompatible_dates_stay_apart(store: Store) -> None:
    add_reports(
        store,
        {
            "text": "Police arrested 53 people in January.",
            "count": 53,
            "date": "2021-01-01",
            "precision": "month",
        },
        {"text": "Police arrested 53 people on 3 March.", "count": 53, "date": "2021-03-03"},
    )
    assert merge_duplicate_events(store, config(store)).merged == 0


def test_events_confirmed_events_are_never_merged(store: Store) -> None:
    first, _ = add_reports(
        store,
        {"text": "Police arrested 53 people.", "count": 53, "date": "2021-01-06"},
        {"text": "53 people were arrested.", "count": 53, "date": "2021-01-06"},
    )
    with store.session(ACTOR) as session:
        session.execute(update(Event).where(Event.id == first).values(status="confirmed"))
    assert merge_duplicate_events(store, config(store)).merged == 0
    with store.reader() as session:
        assert set(session.scalars(select(Event.status))) == {"confirmed", "candidate"}


def test_events_unmerge_moves_everything_back_and_is_not_redone(
    store: Store, tmp_path: Path
) -> None:
    _ingest_and_extract(store, tmp_path, FIVE_OUTLETS[:2])
    with store.reader() as session:
        before = sorted(
            tuple(row)
            for row in session.execute(select(EventEvidence.event_id, EventEvidence.evidence_id))
        )
    merge_duplicate_events(store, config(store))
    with store.reader() as session:
        (merge_id,) = session.scalars(select(EventMerge.id))
    unmerge_event(store, config(store), merge_id)
    with store.reader() as session:
        after = sorted(
            tuple(row)
            for row in session.execute(select(EventEvidence.event_id, EventEvidence.evidence_id))
        )
        decision = session.scalar(select(EventMerge.decision))
    assert after == before and decision == "rejected"
    assert len(_counted_arrests(store)) == 2
    assert merge_duplicate_events(store, config(store)).merged == 0
