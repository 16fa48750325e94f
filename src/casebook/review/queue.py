"""What needs a reviewer: candidate events and queued identity links, each with its evidence.

Candidate events come first (dated ones by date), then identity links the resolver was
unsure of. An event shows every field with the quotes that back it and the rule that read
each; a link shows the mention as quoted, the competing candidates and the reasons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casebook.errors import NotFoundError
from casebook.store import review as stored
from casebook.store.review import Quote
from casebook.store.schema import Event, EventMerge, IdentityLink
from casebook.store.sensitivity import events_sensitivity, link_sensitivity

# (column, field name in event_evidence) for the fields a reviewer judges.
EVENT_FIELDS = (("type", "type"), ("date", "date"), ("date_precision", "date_precision"),
                ("law_id", "law"), ("offence_id", "offence"), ("count", "count"),
                ("place", "place"), ("sentence_months", "sentence_months"))  # fmt: skip
_ALSO_MATCHES = re.compile(r"also matches (\w+) \(([\d.]+)\)")


@dataclass(frozen=True)
class FieldView:
    """One field of an event: its value and the quotes that back it."""

    name: str
    value: str
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An identity a queued mention may name."""

    id: str
    name: str
    score: float


@dataclass(frozen=True)
class ReviewItem:
    """One thing awaiting a decision: a candidate event or a queued identity link."""

    kind: str  # "event" | "link"
    id: str
    title: str
    version: int | None = None
    fields: tuple[FieldView, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    reasons: tuple[str, ...] = ()
    mention: Quote | None = None
    sensitivity: str = "internal"  # the strictest of everything it shows


def queue(
    session: Session, limit: int = 50, offset: int = 0, levels: Sequence[str] | None = None
) -> list[ReviewItem]:
    """A page of the queue: candidate events, then queued identity links. With `levels`,
    items of any other sensitivity are left out (so a page may be short)."""
    items = event_items(session, stored.candidate_events(session, limit, offset))
    if len(items) < limit:
        # Counting the candidate events is paid only by the page where the links begin.
        link_offset = max(offset - stored.count_candidate_events(session), 0)
        links = stored.queued_links(session, limit - len(items), link_offset)
        items += [link_item(session, link) for link in links]
    return [i for i in items if levels is None or i.sensitivity in levels]


def item(session: Session, item_id: str) -> ReviewItem:
    """The event or identity link with this id, whatever its state."""
    event = session.get(Event, item_id)
    if event is not None:
        return event_item(session, event)
    link = session.get(IdentityLink, item_id)
    if link is not None:
        return link_item(session, link)
    raise NotFoundError(f"no event or identity link {item_id}; `casebook review list` shows ids")


def event_item(session: Session, event: Event) -> ReviewItem:
    return event_items(session, [event])[0]


def event_items(session: Session, events: Sequence[Event]) -> list[ReviewItem]:
    """Each event as a review item, reading the page's quotes, merges and sensitivities in a
    few queries however many events it holds."""
    ids = [event.id for event in events]
    quotes = stored.quotes_by_event(session, ids)
    merges = stored.merges_of_events(session, ids)
    levels = events_sensitivity(session, events)
    return [_event_item(event, quotes.get(event.id, []), merges, levels[event.id])
            for event in events]  # fmt: skip


def _event_item(
    event: Event, quotes: list[Quote], merges: Sequence[EventMerge], sensitivity: str
) -> ReviewItem:
    by_field: dict[str, list[Quote]] = {}
    for quote in quotes:
        by_field.setdefault(quote.field, []).append(quote)
    fields = [FieldView("event", event.status, tuple(by_field.pop("event", [])))]
    for column, name in EVENT_FIELDS:
        value = getattr(event, column)
        quoted = tuple(by_field.pop(name, []))
        if value is not None or quoted:
            fields.append(FieldView(name, "" if value is None else str(value), quoted))
    fields += [FieldView(name, "", tuple(rest)) for name, rest in sorted(by_field.items())]
    merge = next(
        (m for m in merges if m.merged_event_id == event.id and m.decision != "rejected"), None
    )
    reasons = (f"merged into {merge.into_event_id} (merge {merge.id})",) if merge else ()
    merged_in = [
        f"holds merged report {m.merged_event_id} (merge {m.id}, {m.decision})"
        for m in merges
        if m.into_event_id == event.id and m.decision != "rejected"
    ]
    return ReviewItem(
        kind="event",
        id=event.id,
        title=_event_title(event),
        version=event.version,
        fields=tuple(fields),
        reasons=(*reasons, *merged_in),
        sensitivity=sensitivity,
    )


def _event_title(event: Event) -> str:
    parts = [event.type, str(event.date or "undated")]
    if event.offence_id or event.law_id:
        parts.append(f"({event.offence_id or event.law_id})")
    if event.count is not None:
        parts.append(f"{event.count} people")
    return " ".join(parts) + f" [{event.status}]"


def link_item(session: Session, link: IdentityLink) -> ReviewItem:
    mention, quote = stored.mention_quote(session, link.mention_id)
    reasons = tuple(json.loads(link.reasons))
    best = link.person_id or link.organisation_id or ""
    scores = {best: link.score}
    for reason in reasons:
        for other, score in _ALSO_MATCHES.findall(reason):
            scores.setdefault(other, float(score))
    names = stored.identity_names(session, scores)
    candidates = tuple(Candidate(i, names.get(i, "(removed)"), s) for i, s in scores.items())
    title = f"is {mention.name!r} {names.get(best, best)}? ({link.level}, {link.score:.2f})"
    return ReviewItem(
        kind="link",
        id=link.id,
        title=f"{title} [{link.decision}]",
        candidates=candidates,
        reasons=reasons,
        mention=quote,
        sensitivity=link_sensitivity(session, link),
    )
