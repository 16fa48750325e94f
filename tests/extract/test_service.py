"""Extraction over a real record: what is stored, idempotent re-runs, reviewed events, Dask."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from casebook.config import Config
from casebook.extract.bulk import SchedulerError, extract_batch
from casebook.extract.rules import RuleExtractor
from casebook.extract.service import Progress, extract_record, extractor_key, to_rows
from casebook.ingest.service import Result, ingest, plan
from casebook.store import audit
from casebook.store.engine import Store, open_store
from casebook.store.schema import (
    AuditEntry,
    Event,
    EventEvidence,
    Evidence,
    Extraction,
    Mention,
    Source,
)

ARREST = (
    "HONG KONG - National security police arrested Chan Siu-ming, 34, on Tuesday on suspicion "
    "of sedition over posts on social media. A magistrate remanded him in custody on Wednesday. "
    "Officers also searched his flat in Sha Tin. Rights groups said the arrest was part of a "
    "wider crackdown on dissent since the ordinance took effect in March."
)
DISBAND = (
    "Members of the Kowloon Tenants Alliance voted on Saturday to disband the group, its "
    "chairman said. The alliance, founded in 1998, had helped residents of subdivided flats for "
    "two decades. Members said pressure from the authorities had made their work impossible."
)
SENTENCE = (
    "A District Court judge on Monday sentenced Wong Ka-yee to ten months in prison for "
    "publishing seditious publications. Wong had pleaded guilty in April. Her lawyer said she "
    "would not appeal, and supporters outside the court said the sentence was harsh."
)
# The arrest story as a second outlet republished it: one word changed.
ARREST_COPY = ARREST.replace("Rights groups said", "Rights groups say")
REPORTS = [
    {"text": ARREST, "title": "arrest", "published": "2024-05-29"},
    {"text": DISBAND, "title": "disband", "published": "2024-06-03"},
    {"text": SENTENCE, "title": "sentence", "published": "2024-06-04"},
    {"text": ARREST_COPY, "title": "arrest copy", "published": "2024-05-30"},
]
ACTOR = "tester"


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor.default()


def _config(store: Store) -> Config:
    return Config(db=str(store.engine.url), user=ACTOR)


def _ingest(store: Store, folder: Path, reports: list[dict[str, str]] = REPORTS) -> None:
    bulk = folder / "reports.jsonl"
    bulk.write_text("".join(json.dumps(r) + "\n" for r in reports), encoding="utf-8")
    outcomes = list(ingest(store, _config(store), plan([str(bulk)])))
    assert not [o for o in outcomes if o.result is Result.FAILED], outcomes


def _run(store: Store, extractor: RuleExtractor, **options: Any) -> list[Progress]:
    return list(extract_record(store, _config(store), extractor, **options))


@pytest.fixture
def record(store: Store, tmp_path: Path) -> Store:
    """A store holding the four reports (the last a near-duplicate of the first)."""
    _ingest(store, tmp_path)
    return store


def _source_ids(store: Store) -> dict[str, str]:
    with store.reader() as session:
        return {title: id_ for title, id_ in session.execute(select(Source.title, Source.id))}


def _rows(session: Any, model: Any) -> list[tuple[Any, ...]]:
    columns = [c for c in model.__table__.columns if c.name != "extracted_at"]
    return sorted(tuple(row) for row in session.execute(select(*columns)))


def _snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.reader() as session:
        return {
            model.__tablename__: _rows(session, model)
            for model in (Event, EventEvidence, Evidence, Mention, Extraction)
        }


def _events_of(store: Store, source_id: str) -> list[Event]:
    with store.reader() as session:
        linked = (
            select(EventEvidence.event_id).join(Evidence).where(Evidence.source_id == source_id)
        )
        return list(session.scalars(select(Event).where(Event.id.in_(linked)).order_by(Event.id)))


def test_service_stores_candidate_events_with_their_evidence(
    record: Store, extractor: RuleExtractor
) -> None:
    progress = _run(record, extractor)
    assert progress[-1].sources_done == progress[-1].sources_total == 3
    with record.reader() as session:
        events = list(session.scalars(select(Event)))
        links = list(session.scalars(select(EventEvidence)))
        mentions = list(session.scalars(select(Mention)))
    assert len(events) == progress[-1].events > 0
    assert {e.status for e in events} == {"candidate"}
    assert {e.made_by for e in events} == {f"rules-{extractor.version}"}
    assert {"arrest", "org_disbanded", "sentence"} <= {e.type for e in events}
    assert {link.event_id for link in links} == {e.id for e in events}
    assert all(link.rule for link in links)
    assert {m.event_id for m in mentions} <= {e.id for e in events}
    assert "Chan Siu-ming" in {m.name for m in mentions if m.kind == "person"}


def test_service_every_quote_is_the_source_text_at_its_offsets(
    record: Store, extractor: RuleExtractor
) -> None:
    _run(record, extractor)
    with record.reader() as session:
        spans = session.execute(
            select(Evidence.start, Evidence.end, Evidence.quote, Source.text).join(Source)
        ).all()
    assert spans
    for start, end, quote, text in spans:
        assert quote == text[start:end]


def test_service_stores_one_evidence_row_per_field_with_its_rule(
    record: Store, extractor: RuleExtractor
) -> None:
    _run(record, extractor)
    source = _source_ids(record)["sentence"]
    expected = to_rows(extractor.extract(SENTENCE, dt.date(2024, 6, 4)))
    wanted = {
        (
            row.event_id(source, extractor_key(extractor)),
            span.field,
            span.start,
            span.end,
            span.rule,
        )
        for row in expected
        for span in [row.evidence, *row.fields]
    }
    with record.reader() as session:
        stored = set(
            tuple(row)
            for row in session.execute(
                select(
                    EventEvidence.event_id,
                    EventEvidence.field,
                    Evidence.start,
                    Evidence.end,
                    EventEvidence.rule,
                )
                .join(Evidence)
                .where(Evidence.source_id == source)
            )
        )
    assert stored == wanted
    fields = [(event_id, field) for event_id, field, *_ in stored]
    assert len(fields) == len(set(fields)), "one row per field"


def test_service_second_run_reads_nothing_new(record: Store, extractor: RuleExtractor) -> None:
    _run(record, extractor)
    before = _snapshot(record)
    again = _run(record, extractor)
    assert again[-1] == Progress(0, 0, 0)
    assert _snapshot(record) == before


def test_service_all_rerun_leaves_the_same_rows(record: Store, extractor: RuleExtractor) -> None:
    _run(record, extractor)
    before = _snapshot(record)
    again = _run(record, extractor, everything=True)
    assert again[-1].sources_done == 3
    assert _snapshot(record) == before


def test_service_lost_run_record_does_not_double_the_events(
    record: Store, extractor: RuleExtractor
) -> None:
    _run(record, extractor)
    before = _snapshot(record)
    with record.session(ACTOR) as session:
        session.execute(delete(Extraction))
    again = _run(record, extractor)
    assert again[-1].sources_done == 3
    assert _snapshot(record) == before


def _review(store: Store, event_id: str, status: str) -> None:
    with store.session(ACTOR) as session:
        session.execute(update(Event).where(Event.id == event_id).values(status=status))


def _columns(event: Event) -> dict[str, Any]:
    return {c.name: getattr(event, c.key) for c in Event.__table__.columns}


@pytest.mark.parametrize("status", ["confirmed", "rejected"])
def test_service_all_never_touches_a_reviewed_event(
    record: Store, extractor: RuleExtractor, status: str
) -> None:
    _run(record, extractor)
    source = _source_ids(record)["arrest"]
    reviewed = next(e for e in _events_of(record, source) if e.type == "arrest")
    _review(record, reviewed.id, status)
    before = _snapshot(record)
    _run(record, extractor, everything=True)
    with record.reader() as session:
        kept = session.get(Event, reviewed.id)
    assert kept is not None and _columns(kept) == {**_columns(reviewed), "status": status}
    assert _snapshot(record) == before


def test_service_changed_text_drops_stale_candidates_but_keeps_reviewed_ones(
    record: Store, extractor: RuleExtractor
) -> None:
    _run(record, extractor)
    source = _source_ids(record)["arrest"]
    events = _events_of(record, source)
    reviewed = next(e for e in events if e.type == "arrest")
    _review(record, reviewed.id, "confirmed")
    shortened = ARREST.split(". ")[0] + "."  # only the arrest sentence is left
    with record.session(ACTOR) as session:
        session.execute(update(Source).where(Source.id == source).values(text=shortened))
    _run(record, extractor, everything=True)
    after = _events_of(record, source)
    fresh = to_rows(extractor.extract(shortened, dt.date(2024, 5, 29)))
    fresh_ids = {row.event_id(source, extractor_key(extractor)) for row in fresh}
    assert {e.id for e in after} == fresh_ids | {reviewed.id}
    assert len(events) > len(fresh), "the removed sentences had events of their own"
    with record.reader() as session:
        orphans = session.scalars(
            select(Mention.id).where(
                Mention.source_id == source, Mention.event_id.not_in(fresh_ids | {reviewed.id})
            )
        ).all()
    assert orphans == []


def test_service_new_extractor_version_replaces_older_candidates_only(
    record: Store, extractor: RuleExtractor
) -> None:
    _run(record, extractor)
    source = _source_ids(record)["arrest"]
    reviewed = next(e for e in _events_of(record, source) if e.type == "arrest")
    _review(record, reviewed.id, "confirmed")
    bumped = dataclasses.replace(
        extractor, triggers=dataclasses.replace(extractor.triggers, version=999)
    )
    progress = _run(record, bumped)
    assert progress[-1].sources_done == 3, "a new version reads every source again"
    with record.reader() as session:
        made_by = dict(session.execute(select(Event.id, Event.made_by)).all())
    old = f"rules-{extractor.version}"
    assert [i for i, by in made_by.items() if by == old] == [reviewed.id]
    assert sum(by == f"rules-{bumped.version}" for by in made_by.values()) == progress[-1].events


def test_service_source_ids_reads_only_those_sources(
    record: Store, extractor: RuleExtractor
) -> None:
    ids = _source_ids(record)
    progress = _run(record, extractor, source_ids=[ids["disband"]])
    assert progress[-1].sources_done == 1
    with record.reader() as session:
        read = set(session.scalars(select(Extraction.source_id)))
        sources = set(session.scalars(select(Evidence.source_id)))
    assert read == sources == {ids["disband"]}


def test_service_skips_near_duplicates_unless_named(
    record: Store, extractor: RuleExtractor
) -> None:
    ids = _source_ids(record)
    with record.reader() as session:
        linked = session.scalar(
            select(Source.near_duplicate_of).where(Source.id == ids["arrest copy"])
        )
    assert linked == ids["arrest"]
    _run(record, extractor, everything=True)
    with record.reader() as session:
        read = set(session.scalars(select(Extraction.source_id)))
    assert ids["arrest copy"] not in read and len(read) == 3
    _run(record, extractor, source_ids=[ids["arrest copy"]])
    assert _events_of(record, ids["arrest copy"])


def test_service_keeps_the_audit_chain_intact(record: Store, extractor: RuleExtractor) -> None:
    _run(record, extractor)
    _review(record, _events_of(record, _source_ids(record)["sentence"])[0].id, "confirmed")
    _run(record, extractor, everything=True)
    with record.reader() as session:
        report = audit.verify(session)
        logged = set(session.scalars(select(AuditEntry.entity).where(AuditEntry.actor == ACTOR)))
    assert report.intact, report
    assert {"events", "evidence", "event_evidence", "mentions"} <= logged


def _event_table(url: str) -> list[tuple[Any, ...]]:
    opened = open_store(url)
    try:
        with opened.reader() as session:
            return _rows(session, Event)
    finally:
        opened.close()


def test_service_dask_run_equals_the_single_process_run(
    sqlite_url: str, tmp_path: Path, extractor: RuleExtractor
) -> None:
    # SQLite only (one run): enough reports for several batches, so both workers get work.
    texts = sorted(Path(__file__).resolve().parent.parent.glob("data/extract/*.txt"))
    reports = [{"text": p.read_text(encoding="utf-8"), "title": p.stem} for p in texts]
    for report, path in zip(reports, texts, strict=True):
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        report["published"] = gold["published"]
    reports += REPORTS
    original = open_store(sqlite_url)
    _ingest(original, tmp_path, reports)
    original.close()
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    shutil.copy(sqlite_url.removeprefix("sqlite:///"), copy_url.removeprefix("sqlite:///"))

    single = open_store(sqlite_url)
    dask = open_store(copy_url)
    try:
        one = _run(single, extractor)[-1]
        two = _run(dask, extractor, workers=2)[-1]
        snapshots = _snapshot(single), _snapshot(dask)
    finally:
        single.close()
        dask.close()
    assert one.sources_total > 50 and (one.sources_done, one.events) == (
        two.sources_done,
        two.events,
    )
    assert _event_table(sqlite_url) == _event_table(copy_url)
    assert snapshots[0] == snapshots[1]


def test_service_dask_worker_refuses_another_extractor_version(extractor: RuleExtractor) -> None:
    pairs = [(SENTENCE, dt.date(2024, 6, 4))]
    assert extract_batch(pairs, "hk", extractor_key(extractor))[0]
    with pytest.raises(SchedulerError, match="rules-0"):
        extract_batch(pairs, "hk", "rules-0")
