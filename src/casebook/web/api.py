"""The JSON API under /api/v1: the pages' operations for programs, with an OpenAPI document
at /openapi.json. Authentication by API token (`Authorization: Bearer cbk_...`), each
route's permission from web/routes.py, errors as problem+json (web/errors.py), page
sizes capped at MAX_SIZE and request bodies by the app's size limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from casebook.review.actions import EDITABLE
from casebook.security.permissions import Actor, readable_levels, require
from casebook.store import browse
from casebook.web import params, service
from casebook.web.auth import acting
from casebook.web.params import DATE_PATTERN, DateQuery, PageNumber, PageSize
from casebook.web.routes import API

PROBLEM = {
    "description": "problem+json (RFC 9457)",
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                },
                "required": ["title", "status", "detail"],
            }
        }
    },
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: PROBLEM for status in (400, 401, 403, 404, 405, 409, 413, 422)
}
router = APIRouter(prefix=API, responses=ERRORS, tags=["casebook"])
Acting = Annotated[Actor, Depends(acting)]
Json = dict[str, Any]


def _page(page: browse.Page[Any], items: list[Any]) -> Json:
    return {"page": page.number, "size": page.size, "more": page.more, "items": items}


def _plain(row: Any) -> Json:
    return {k: v.isoformat() if isinstance(v, dt.date) else v
            for k, v in dataclasses.asdict(row).items()}  # fmt: skip


# --- Figures ---------------------------------------------------------------------------


@router.get("/figures")
def figures(request: Request, actor: Acting, as_of: DateQuery = "") -> list[Json]:
    """Every shipped rule's figure (without the item lists) with the published totals."""
    day = params.day(as_of, "as_of") or dt.date.today()
    found = service.dashboard(request.app, day)
    return [figure.as_json() for figure in found]


@router.get("/figures/{rule_id}")
def figure(
    request: Request,
    actor: Acting,
    rule_id: str,
    as_of: DateQuery = "",
    by: Literal["month", "law", "offence", "age", "outcome"] | None = None,
) -> Json:
    """One Figure, as `casebook count RULE --as-of D --json` prints it."""
    day = params.day(as_of, "as_of") or dt.date.today()
    app = request.app
    return service.figure(app.state.store, app.state.config, rule_id, day, by).as_json()


# --- Sources ---------------------------------------------------------------------------


@router.get("/sources")
def sources(
    request: Request, actor: Acting, q: str = "", page: PageNumber = 1, size: PageSize = 25
) -> Json:
    """Sources, newest first; with `q`, full-text search (words only, best first)."""
    levels = readable_levels(actor)
    with request.app.state.store.reader() as session:
        if q.strip():
            hits = service.search(session, q, levels, page, size)
            return _page(hits, [_plain(hit) for hit in hits.items])
        rows = browse.sources(session, levels, page, size)
    return _page(rows, [_plain(row) for row in rows.items])


class NewSource(BaseModel):
    text: str = Field(min_length=1, description="The report's text (plain text or Markdown).")
    title: str | None = Field(default=None, max_length=1000)
    publisher: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=4000)
    published: str | None = Field(default=None, pattern=DATE_PATTERN)


@router.post("/sources", status_code=201)
def add_source(request: Request, actor: Acting, source: NewSource) -> list[Json]:
    """Ingest one report, as `casebook ingest FILE --title ... --published ...` does."""
    metadata = service.Metadata(
        title=source.title, url=source.url, publisher=source.publisher,
        published_at=params.day(source.published, "published"),
    )  # fmt: skip
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    with tempfile.TemporaryDirectory(prefix="casebook-api-") as folder:
        path = Path(folder) / "0000-report.md"
        path.write_text(source.text, encoding="utf-8")
        rows = service.ingest_files(request.app.state.store, config, [path], metadata)
    return [_plain(row) for row in rows]


@router.get("/sources/{source_id}")
def source(request: Request, actor: Acting, source_id: str) -> Json:
    """One source: its metadata, text, and every evidence span with the events it backs."""
    with request.app.state.store.reader() as session:
        found = browse.source(session, source_id)
        require(actor, "read", found.sensitivity)
        spans = browse.evidence_spans(session, source_id)
    return {
        "id": found.id, "title": found.title, "publisher": found.publisher, "url": found.url,
        "published": found.published_at.isoformat() if found.published_at else None,
        "sha256": found.sha256, "sensitivity": found.sensitivity, "text": found.text,
        "evidence": [dataclasses.asdict(span) for span in spans],
    }  # fmt: skip


# --- Events, persons, organisations ----------------------------------------------------


@router.get("/events")
def events(
    request: Request,
    actor: Acting,
    type: str = "",
    law: str = "",
    since: DateQuery = "",
    until: DateQuery = "",
    status: str = "",
    page: PageNumber = 1,
    size: PageSize = 25,
) -> Json:
    """Events (merged duplicates left out) filtered by type, law or offence, dates, status."""
    wanted = params.event_filter(type, law, since, until, status)
    with request.app.state.store.reader() as session:
        rows = browse.events(session, readable_levels(actor), wanted, page, size)
    return _page(rows, [_plain(row) for row in rows.items])


def _item(found: service.ReviewItem) -> Json:
    return _plain(found)


@router.get("/events/{event_id}")
def event(request: Request, actor: Acting, event_id: str) -> Json:
    """An event (or identity link) with every field, its quotes, and its version."""
    return _item(service.review_item(request.app.state.store, actor, event_id))


@router.get("/persons")
def persons(request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 25) -> Json:
    with request.app.state.store.reader() as session:
        rows = browse.persons(session, readable_levels(actor), page, size)
    return _page(rows, [_plain(row) for row in rows.items])


@router.get("/persons/{person_id}")
def person(
    request: Request, actor: Acting, person_id: str, page: PageNumber = 1, size: PageSize = 25
) -> Json:
    """A person, a page of their case timeline, and a page of the sources naming them."""
    found = service.person(request.app.state.store, actor, person_id, page, size)
    return {
        "id": found.record.id,
        "name": found.record.name,
        "sensitivity": found.record.sensitivity,
        "aliases": found.aliases,
        "events": _page(found.events, [_plain(row) for row in found.events.items]),
        "sources": _page(found.sources, [_plain(row) for row in found.sources.items]),
    }


@router.get("/organisations")
def organisations(
    request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 25
) -> Json:
    with request.app.state.store.reader() as session:
        rows = browse.organisations(session, readable_levels(actor), page, size)
    return _page(rows, [_plain(row) for row in rows.items])


# --- Review ----------------------------------------------------------------------------


@router.get("/review")
def review(request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 10) -> Json:
    """The review queue: candidate events, then queued identity links."""
    items = service.queue_page(request.app.state.store, actor, page, size)
    return _page(items, [_item(found) for found in items.items])


class Versioned(BaseModel):
    version: int | None = Field(
        default=None, ge=1, description="The event version you saw; 409 if it has changed."
    )


class FieldEdit(Versioned):
    field: Literal[EDITABLE]  # type: ignore[valid-type]
    value: str = Field(max_length=1000, description="The new value; '-' clears it.")


class LinkAccept(BaseModel):
    person: str | None = Field(default=None, max_length=64)


class LinkReject(BaseModel):
    unlinked: bool = False


class Pair(BaseModel):
    keep: str = Field(max_length=64)
    other: str = Field(max_length=64)


class MergeId(BaseModel):
    merge: str = Field(max_length=64)


class PersonSplit(BaseModel):
    person: str = Field(max_length=64)
    mentions: list[str] = Field(min_length=1, max_length=1000)


class DecisionId(BaseModel):
    decision: str = Field(max_length=64, description="FIRST-LAST, as a decision printed it.")


def _decision(decision: service.Decision) -> Json:
    return dataclasses.asdict(decision)


@router.post("/review/{event_id}/confirm")
def confirm(request: Request, actor: Acting, event_id: str, body: Versioned) -> Json:
    return _decision(service.decide(request.app, actor, "confirm", event_id, version=body.version))


@router.post("/review/{event_id}/reject")
def reject(request: Request, actor: Acting, event_id: str, body: Versioned) -> Json:
    return _decision(service.decide(request.app, actor, "reject", event_id, version=body.version))


@router.post("/review/{event_id}/edit")
def edit(request: Request, actor: Acting, event_id: str, body: FieldEdit) -> Json:
    return _decision(
        service.decide(
            request.app,
            actor,
            "edit",
            event_id,
            version=body.version,
            field=body.field,
            value=body.value,
        )
    )


@router.post("/review/{link_id}/accept-link")
def accept_link(request: Request, actor: Acting, link_id: str, body: LinkAccept) -> Json:
    return _decision(service.decide(request.app, actor, "accept-link", link_id, other=body.person))


@router.post("/review/{link_id}/reject-link")
def reject_link(request: Request, actor: Acting, link_id: str, body: LinkReject) -> Json:
    return _decision(
        service.decide(request.app, actor, "reject-link", link_id, unlinked=body.unlinked)
    )


@router.post("/review/merge-events")
def merge_events(request: Request, actor: Acting, body: Pair) -> Json:
    return _decision(
        service.decide(request.app, actor, "merge-events", body.keep, other=body.other)
    )


@router.post("/review/split-event")
def split_event(request: Request, actor: Acting, body: MergeId) -> Json:
    return _decision(service.decide(request.app, actor, "split-event", body.merge))


@router.post("/review/merge-persons")
def merge_persons(request: Request, actor: Acting, body: Pair) -> Json:
    return _decision(
        service.decide(request.app, actor, "merge-persons", body.keep, other=body.other)
    )


@router.post("/review/split-person")
def split_person(request: Request, actor: Acting, body: PersonSplit) -> Json:
    return _decision(
        service.decide(request.app, actor, "split-person", body.person, mentions=body.mentions)
    )


@router.post("/review/undo")
def undo(request: Request, actor: Acting, body: DecisionId) -> Json:
    return _decision(service.decide(request.app, actor, "undo", body.decision))


# --- Check, extract, audit -------------------------------------------------------------


class CheckRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2_000_000)
    published: str = Field(pattern=DATE_PATTERN)


@router.post("/check")
def check(request: Request, actor: Acting, body: CheckRequest) -> list[Json]:
    """Every claim in the text with its verdict (`casebook check --json`, one per claim)."""
    app = request.app
    day = params.day(body.published, "published") or dt.date.today()
    result = service.check(app.state.store, app.state.config, body.text, day)
    return [verdict.as_json() for verdict in result.verdicts]


@router.post("/extract")
def extract(request: Request, actor: Acting) -> Json:
    """Extract candidate events from the sources not yet read."""
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    return dataclasses.asdict(service.extract(request.app.state.store, config))


@router.post("/resolve")
def resolve(request: Request, actor: Acting) -> Json:
    """Link names to persons, merge duplicate events, chain cases."""
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    return dataclasses.asdict(service.resolve(request.app.state.store, config))


@router.get("/audit")
def audit(request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 50) -> Json:
    """The audit log, newest first (admins): who changed which record when."""
    with request.app.state.store.reader() as session:
        rows = browse.audit_entries(session, page, size)
    return _page(rows, [_plain(row) for row in rows.items])
