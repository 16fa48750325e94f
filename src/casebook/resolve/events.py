"""Duplicate reports of one event → one event, reversibly.

Five outlets reporting "53 arrested" give five candidate events; they are one arrest of 53.
Two candidate events are the same when they have the same type, nothing contradicts (dates
that can overlap at their precision, the same law, offence and count when both give one,
shared persons or organisations when both name some) and enough agrees (a shared identity,
or the same count, plus the day, the law). Groups are joined pairwise, refusing any group in
which two members contradict. Each group keeps one canonical event — the most precise
date, then the earliest, then the earliest report — and every other member is recorded in
`event_merges` with its score and reasons; its evidence, mentions and participants move to
the canonical event, and the merge lists them so `unmerge_event` can move them back.
Counts skip merged events (`store.resolution.counted_events`). Confirmed or rejected
events are never merged, and nothing here confirms anything.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.config import Config
from casebook.errors import NotFoundError
from casebook.extract.dates import bounds
from casebook.model import DatePrecision, FuzzyDate, make_id
from casebook.store import resolution as stored
from casebook.store.engine import Store
from casebook.store.resolution import EventRecord
from casebook.store.schema import (
    CaseEvent,
    Event,
    EventEvidence,
    EventMerge,
    EventParticipant,
    Mention,
)

MERGER = "resolve.events.v1"
MERGE_THRESHOLD = 0.8
PRECISION_RANK = {"day": 0, "month": 1, "approx": 2, "year": 3}
_FAR_FUTURE = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class EventComparison:
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class MergeSummary:
    events: int = 0
    merged: int = 0
    groups: int = 0


def _span(event: Event) -> tuple[dt.date, dt.date] | None:
    if event.date is None:
        return None
    return bounds(FuzzyDate(event.date, DatePrecision(event.date_precision or "day")))


def contradiction(a: EventRecord, b: EventRecord) -> str | None:
    """Why two events cannot be one, or None."""
    x, y = a.event, b.event
    if (x.type, x.counts_type) != (y.type, y.counts_type):
        return "different kinds of event"
    left, right = _span(x), _span(y)
    if left and right and (left[0] > right[1] or right[0] > left[1]):
        return f"dates {x.date} and {y.date} cannot be the same day"
    for column in ("law_id", "offence_id", "count"):
        mine, theirs = getattr(x, column), getattr(y, column)
        if mine is not None and theirs is not None and mine != theirs:
            return f"{column} differs: {mine} vs {theirs}"
    if a.persons and b.persons and not a.persons & b.persons:
        return "they name different persons"
    if a.organisations and b.organisations and not a.organisations & b.organisations:
        return "they name different organisations"
    return None


def compare_events(a: EventRecord, b: EventRecord) -> EventComparison:
    """A score in [0, 1] with its reasons; 0 when something contradicts."""
    conflict = contradiction(a, b)
    if conflict:
        return EventComparison(0.0, [conflict])
    x, y = a.event, b.event
    shared = (a.persons & b.persons) | (a.organisations & b.organisations)
    if (x.date is None or y.date is None) and not shared:
        return EventComparison(0.0, ["a date is missing and no one is named in both"])
    score, reasons = 0.5, [f"same type {x.type}, nothing contradicts"]
    for points, agrees, reason in (
        (0.3, bool(shared), f"{len(shared)} identities named in both"),
        (0.2, x.count is not None and x.count == y.count, f"same count {x.count}"),
        (0.1, x.date_precision == y.date_precision == "day" and x.date == y.date, "same day"),
        (0.05, x.law_id is not None and x.law_id == y.law_id, f"same law {x.law_id}"),
        (0.05, x.offence_id is not None and x.offence_id == y.offence_id, "same offence"),
    ):
        if agrees:
            score += points
            reasons.append(reason)
    return EventComparison(round(min(score, 1.0), 4), reasons)


def canonical_order(record: EventRecord) -> tuple[int, dt.date, int, str]:
    """Most precise date first, then the earliest date, the earliest report, the id."""
    event = record.event
    rank = PRECISION_RANK.get(event.date_precision or "", len(PRECISION_RANK))
    return rank, event.date or _FAR_FUTURE, record.source_seq, event.id


def _candidate_pairs(records: list[EventRecord]) -> Iterator[tuple[int, int]]:
    """Pairs of one kind whose dates can overlap (a sweep over date bounds); undated with all."""
    by_kind: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        by_kind[(record.event.type, record.event.counts_type)].append(index)
    for members in by_kind.values():
        spans = {m: span for m in members if (span := _span(records[m].event))}
        dated = sorted(spans, key=lambda m: spans[m][0])
        for position, i in enumerate(dated):
            for j in dated[position + 1 :]:
                if spans[j][0] > spans[i][1]:
                    break
                yield i, j
        undated = [m for m in members if m not in spans]
        for position, i in enumerate(undated):
            yield from ((i, j) for j in [*dated, *undated[position + 1 :]])


def group_duplicates(
    records: list[EventRecord], threshold: float = MERGE_THRESHOLD
) -> list[list[int]]:
    """Groups (of two or more) of records that report one event."""
    scored = []
    for i, j in _candidate_pairs(records):
        comparison = compare_events(records[i], records[j])
        if comparison.score >= threshold:
            scored.append((comparison.score, i, j))
    parent = {i: [i] for i in range(len(records))}
    root = list(range(len(records)))
    for _, i, j in sorted(scored, reverse=True):
        left, right = root[i], root[j]
        if left == right or _any_contradiction(records, parent[left], parent[right]):
            continue
        parent[left].extend(parent.pop(right))
        for member in parent[left]:
            root[member] = left
    return [members for members in parent.values() if len(members) > 1]


def _any_contradiction(records: list[EventRecord], left: list[int], right: list[int]) -> bool:
    return any(contradiction(records[i], records[j]) for i in left for j in right)


def merge_duplicate_events(
    store: Store, config: Config, *, threshold: float = MERGE_THRESHOLD
) -> MergeSummary:
    """Find duplicate candidate events and merge each into its group's canonical event."""
    with store.session(config.actor) as session:
        records = stored.mergeable_events(session)
        decided = stored.merges_decided(session)
        summary = MergeSummary(events=len(records))
        for group in group_duplicates(records, threshold):
            members = sorted((records[i] for i in group), key=canonical_order)
            canonical, duplicates = members[0], members[1:]
            summary.groups += 1
            for duplicate in duplicates:
                if (duplicate.event.id, canonical.event.id) in decided:
                    continue  # a reviewer undid this merge: never redo it
                _merge(session, duplicate, canonical, config.actor)
                summary.merged += 1
    return summary


def _merge(session: Session, duplicate: EventRecord, into: EventRecord, actor: str) -> None:
    comparison = compare_events(duplicate, into)
    reasons = comparison.reasons
    if comparison.score < MERGE_THRESHOLD:
        reasons = [*reasons, "joined through other reports of the same event"]
    moved = _move_rows(session, duplicate.event.id, into.event.id)
    session.add(
        EventMerge(
            id=make_id("event_merge", duplicate.event.id, into.event.id),
            merged_event_id=duplicate.event.id,
            into_event_id=into.event.id,
            score=comparison.score,
            reasons=json.dumps(reasons, ensure_ascii=False),
            moved=json.dumps(moved),
            decision="auto",
            decided_by=actor,
            resolver=MERGER,
        )
    )


def _move_rows(session: Session, source: str, target: str) -> dict[str, list[list[str]]]:
    """Move evidence links, mentions, participants and case links; list what moved."""
    return {
        "evidence": _move_evidence(session, source, target),
        "mentions": _move_mentions(session, source, target),
        "participants": _move_participants(session, source, target),
        "cases": _move_case_links(session, source, target),
    }


def _move_evidence(session: Session, source: str, target: str) -> list[list[str]]:
    query = select(EventEvidence.field, EventEvidence.evidence_id)
    have = {(f, e) for f, e in session.execute(query.where(EventEvidence.event_id == target))}
    moved = []
    for link in session.scalars(select(EventEvidence).where(EventEvidence.event_id == source)):
        if (link.field, link.evidence_id) not in have:
            link.event_id = target
            moved.append([link.field, link.evidence_id])
    return moved


def _move_mentions(session: Session, source: str, target: str) -> list[list[str]]:
    moved = []
    for mention in session.scalars(select(Mention).where(Mention.event_id == source)):
        mention.event_id = target
        moved.append([mention.id])
    return moved


def _move_participants(session: Session, source: str, target: str) -> list[list[str]]:
    query = select(EventParticipant.person_id, EventParticipant.organisation_id)
    found = session.execute(query.where(EventParticipant.event_id == target))
    present = {(person, organisation) for person, organisation in found}
    moved = []
    rows = session.scalars(select(EventParticipant).where(EventParticipant.event_id == source))
    for participant in rows:
        if (participant.person_id, participant.organisation_id) not in present:
            participant.event_id = target
            moved.append([participant.id])
    return moved


def _move_case_links(session: Session, source: str, target: str) -> list[list[str]]:
    cases = set(session.scalars(select(CaseEvent.case_id).where(CaseEvent.event_id == target)))
    moved = []
    for case_link in session.scalars(select(CaseEvent).where(CaseEvent.event_id == source)):
        if case_link.case_id not in cases:
            case_link.event_id = target
            moved.append([case_link.case_id])
    return moved


def unmerge_event(store: Store, config: Config, merge_id: str) -> None:
    """Undo a merge: move every listed row back and mark the merge rejected (never redone)."""
    with store.session(config.actor) as session:
        merge = session.get(EventMerge, merge_id)
        if merge is None or merge.decision == "rejected":
            raise NotFoundError(f"no merge {merge_id} to undo")
        _move_back(session, json.loads(merge.moved), merge.into_event_id, merge.merged_event_id)
        merge.decision, merge.decided_by = "rejected", config.actor


def _move_back(session: Session, moved: dict[str, list[list[str]]], into: str, back: str) -> None:
    keyed: list[tuple[type[Any], tuple[str, ...]]] = [
        (EventEvidence, (into, field_name, ev)) for field_name, ev in moved["evidence"]
    ]
    keyed += [(CaseEvent, (case_id, into)) for (case_id,) in moved["cases"]]
    keyed += [(Mention, (row_id,)) for (row_id,) in moved["mentions"]]
    keyed += [(EventParticipant, (row_id,)) for (row_id,) in moved["participants"]]
    for table, key in keyed:
        row = session.get(table, key)
        if row is not None and row.event_id == into:
            row.event_id = back
