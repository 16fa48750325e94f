"""Writing extraction results: candidate events, evidence spans, mentions, and runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.model import make_id
from casebook.store.schema import (
    CaseEvent,
    Event,
    EventEvidence,
    EventMerge,
    EventParticipant,
    Evidence,
    Extraction,
    IdentityLink,
    Mention,
    Source,
)


@dataclass(frozen=True)
class SourceText:
    id: str
    text: str
    published: dt.date | None


def sources_to_extract(
    session: Session, extractor: str, everything: bool = False, source_ids: Sequence[str] = ()
) -> list[str]:
    """Ids of sources to read: the named ones, all, or those this extractor has not read."""
    query = select(Source.id).where(Source.near_duplicate_of.is_(None)).order_by(Source.seq)
    if source_ids:
        query = select(Source.id).where(Source.id.in_(source_ids)).order_by(Source.seq)
    elif not everything:
        done = select(Extraction.source_id).where(Extraction.extractor == extractor)
        query = query.where(Source.id.not_in(done))
    return list(session.scalars(query))


def source_texts(session: Session, ids: Sequence[str]) -> list[SourceText]:
    rows = session.execute(
        select(Source.id, Source.text, Source.published_at).where(Source.id.in_(ids))
    )
    by_id = {row.id: SourceText(row.id, row.text, row.published_at) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


@dataclass
class FieldSpan:
    field: str
    start: int
    end: int
    quote: str
    rule: str


@dataclass
class MentionRow:
    kind: str
    name: str
    start: int
    end: int
    quote: str
    age: int | None = None
    chinese_name: str | None = None


@dataclass
class EventRow:
    """One extracted event in store terms (see extract/service.py for the mapping)."""

    values: dict[str, object]  # Event columns other than id
    evidence: FieldSpan  # the whole quote
    fields: list[FieldSpan]
    mentions: list[MentionRow]

    def event_id(self, source_id: str, extractor: str) -> str:
        e = self.evidence
        kind = (self.values["type"], self.values.get("counts_type"))
        return make_id("event", source_id, extractor, *kind, e.start, e.end)


def replace_extraction(
    session: Session,
    source_id: str,
    extractor: str,
    rows: Sequence[EventRow],
    supersedes: str | None = None,
) -> int:
    """Store this extractor's candidate events for a source, replacing its earlier ones.

    `supersedes` is the `made_by` prefix of earlier versions of the same extractor (e.g.
    "rules-"), whose candidates this run replaces too. Events a person has reviewed
    (confirmed or rejected) are never touched.
    """
    new_ids = {row.event_id(source_id, extractor) for row in rows}
    _drop_stale_candidates(session, source_id, supersedes or extractor, new_ids)
    existing = set(session.scalars(select(Event.id).where(Event.id.in_(new_ids))))
    # One query for the source's spans: a lookup per span would flush (and audit) each time.
    known_evidence = set(
        session.scalars(select(Evidence.id).where(Evidence.source_id == source_id))
    )
    for row in rows:
        event_id = row.event_id(source_id, extractor)
        if event_id in existing:
            continue
        existing.add(event_id)
        session.add(Event(id=event_id, made_by=extractor, status="candidate", **row.values))
        whole = _evidence(session, source_id, row.evidence, known_evidence)
        session.add(
            EventEvidence(
                event_id=event_id, field="event", evidence_id=whole, rule=row.evidence.rule
            )
        )
        for span in row.fields:
            evidence_id = _evidence(session, source_id, span, known_evidence)
            session.add(
                EventEvidence(
                    event_id=event_id, field=span.field, evidence_id=evidence_id, rule=span.rule
                )
            )
        for number, mention in enumerate(row.mentions):
            evidence_id = _evidence(session, source_id, mention, known_evidence)
            session.add(
                Mention(
                    id=make_id("mention", event_id, number, mention.kind, mention.name),
                    source_id=source_id,
                    event_id=event_id,
                    kind=mention.kind,
                    name=mention.name,
                    chinese_name=mention.chinese_name,
                    age=mention.age,
                    evidence_id=evidence_id,
                    made_by=extractor,
                )
            )
    _mark_read(session, source_id, extractor, len(rows))
    return len(rows)


def _evidence(
    session: Session, source_id: str, span: FieldSpan | MentionRow, known: set[str]
) -> str:
    evidence_id = make_id("evidence", source_id, span.start, span.end)
    if evidence_id not in known:
        session.add(
            Evidence(
                id=evidence_id,
                source_id=source_id,
                start=span.start,
                end=span.end,
                quote=span.quote,
            )
        )
    known.add(evidence_id)
    return evidence_id


def _drop_stale_candidates(session: Session, source_id: str, made_by: str, keep: set[str]) -> None:
    linked = select(EventEvidence.event_id).join(Evidence).where(Evidence.source_id == source_id)
    stale = list(
        session.scalars(
            select(Event).where(
                Event.id.in_(linked),
                Event.made_by.startswith(made_by, autoescape=True),
                Event.status == "candidate",
                Event.id.not_in(keep),
            )
        )
    )
    for event in stale:
        if _used_downstream(session, event.id):
            continue  # resolution linked it; a reviewer decides its fate, not a re-extraction
        for mention in session.scalars(select(Mention).where(Mention.event_id == event.id)):
            session.delete(mention)
        for link in session.scalars(
            select(EventEvidence).where(EventEvidence.event_id == event.id)
        ):
            session.delete(link)
        session.delete(event)


def _used_downstream(session: Session, event_id: str) -> bool:
    """Whether a later stage points at this event (participants, cases, merges, identity links)."""
    mentions = select(Mention.id).where(Mention.event_id == event_id)
    checks = (
        select(EventParticipant.id).where(EventParticipant.event_id == event_id),
        select(CaseEvent.event_id).where(CaseEvent.event_id == event_id),
        select(EventMerge.id).where(
            (EventMerge.merged_event_id == event_id) | (EventMerge.into_event_id == event_id)
        ),
        select(IdentityLink.id).where(IdentityLink.mention_id.in_(mentions)),
    )
    return any(session.execute(check.limit(1)).first() is not None for check in checks)


def _mark_read(session: Session, source_id: str, extractor: str, events: int) -> None:
    run = session.get(Extraction, (source_id, extractor))
    if run is None:
        session.add(
            Extraction(
                source_id=source_id,
                extractor=extractor,
                extracted_at=dt.datetime.now(dt.UTC),
                events=events,
            )
        )
    elif run.events != events:
        run.events = events
