"""The HTML pages. Thin: parse the request, call one service or store query, render.

Every route depends on `acting`, which checks the permission web/routes.py lists for it;
pages about one record also check that record's sensitivity. Every POST carries the
session's CSRF token (`check_csrf`). Lists are pages of at most MAX_SIZE rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from casebook.security.accounts import LoginError
from casebook.security.permissions import Actor, readable_levels, require
from casebook.store import browse
from casebook.web import params, service
from casebook.web.auth import acting, check_csrf, log_in, new_session, session_of
from casebook.web.highlight import Mark, pieces
from casebook.web.params import PageNumber, PageSize

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
# Reading pages are `async def`: their bounded, paged queries run on the event loop, which
# saves each request two hops to the thread pool. Whatever may take long (ingest, extract,
# resolve, check, review decisions) stays `def`, in the thread pool, as does drawing a chart.
Acting = Annotated[Actor, Depends(acting)]


def render(request: Request, template: str, actor: Actor | None, **context: Any) -> Response:
    session = session_of(request)
    context.update(actor=actor, csrf=session.csrf if session else "", path=request.url.path)
    templates = request.app.state.templates
    partial = context.pop("partial", None)
    name = partial if partial and request.headers.get("hx-request") else template
    return templates.TemplateResponse(request, name, context)


# --- Logging in and out ----------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request) -> Response:
    return render(request, "login.html", None, problem=None)


@router.post("/login")
def login(
    request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    try:
        request.state.session = log_in(request, name, password)
    except LoginError as error:
        response = render(request, "login.html", None, problem=str(error))
        response.status_code = 401
        return response
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.state.session = new_session(None)
    return RedirectResponse("/login", status_code=303)


# --- Figures ---------------------------------------------------------------------------


@router.get("/")
async def dashboard(request: Request, actor: Acting, as_of: str | None = None) -> Response:
    day = params.day(as_of, "as_of") or dt.date.today()
    figures = service.dashboard(request.app, day)
    return render(request, "dashboard.html", actor, figures=figures, as_of=day)


@router.get("/charts/{rule_id}.svg")
async def chart(
    request: Request, actor: Acting, rule_id: str, as_of: str | None = None
) -> Response:
    day = params.day(as_of, "as_of") or dt.date.today()
    svg = service.cached_chart(request.app, rule_id, day)
    if svg is None:  # drawn once per state of the record, in the thread pool
        svg = await run_in_threadpool(service.chart, request.app, rule_id, day)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private"})


# --- Sources ---------------------------------------------------------------------------


@router.get("/sources")
async def sources(
    request: Request, actor: Acting, q: str = "", page: PageNumber = 1, size: PageSize = 25
) -> Response:
    levels = readable_levels(actor)
    with request.app.state.store.reader() as session:
        if q.strip():
            hits = service.search(session, q, levels, page, size)
            return render(request, "sources.html", actor, q=q, hits=hits, rows=None,
                          partial="_search.html")  # fmt: skip
        rows = browse.sources(session, levels, page, size)
    return render(request, "sources.html", actor, q="", hits=None, rows=rows)


@router.get("/sources/{source_id}")
async def source(request: Request, actor: Acting, source_id: str) -> Response:
    with request.app.state.store.reader() as session:
        found = browse.source(session, source_id)
        require(actor, "read", found.sensitivity)
        spans = browse.evidence_spans(session, source_id)
    marks = [
        Mark(span.start, span.end, f"/events/{span.events[0]}" if span.events else "",
             f"{len(span.events)} events" if span.events else "evidence")
        for span in spans
    ]  # fmt: skip
    return render(request, "source.html", actor, source=found, pieces=pieces(found.text, marks))


# --- Events, persons, organisations ----------------------------------------------------


@router.get("/events")
async def events(
    request: Request,
    actor: Acting,
    type: str = "",
    law: str = "",
    since: str = "",
    until: str = "",
    status: str = "",
    page: PageNumber = 1,
    size: PageSize = 25,
) -> Response:
    wanted = params.event_filter(type, law, since, until, status)
    with request.app.state.store.reader() as session:
        rows = browse.events(session, readable_levels(actor), wanted, page, size)
    return render(request, "events.html", actor, rows=rows, wanted=wanted,
                  query=dict(request.query_params))  # fmt: skip


@router.get("/events/{event_id}")
async def event(request: Request, actor: Acting, event_id: str) -> Response:
    item = service.review_item(request.app.state.store, actor, event_id)
    return render(request, "event.html", actor, item=item)


@router.get("/persons")
async def persons(
    request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 25
) -> Response:
    with request.app.state.store.reader() as session:
        rows = browse.persons(session, readable_levels(actor), page, size)
    return render(request, "names.html", actor, rows=rows, kind="persons", title="Persons")


@router.get("/persons/{person_id}")
async def person(
    request: Request, actor: Acting, person_id: str, page: PageNumber = 1, size: PageSize = 25
) -> Response:
    found = service.person(request.app.state.store, actor, person_id, page, size)
    return render(request, "person.html", actor, found=found)


@router.get("/organisations")
async def organisations(
    request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 25
) -> Response:
    with request.app.state.store.reader() as session:
        rows = browse.organisations(session, readable_levels(actor), page, size)
    return render(request, "names.html", actor, rows=rows, kind="organisations",
                  title="Organisations")  # fmt: skip


@router.get("/organisations/{organisation_id}")
async def organisation(
    request: Request, actor: Acting, organisation_id: str, page: PageNumber = 1,
    size: PageSize = 25,
) -> Response:  # fmt: skip
    found = service.organisation(request.app.state.store, actor, organisation_id, page, size)
    return render(request, "organisation.html", actor, found=found)


# --- Review ----------------------------------------------------------------------------


@router.get("/review")
async def review(
    request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 10
) -> Response:
    items = service.queue_page(request.app.state.store, actor, page, size)
    return render(request, "review.html", actor, items=items)


Version = Annotated[int | None, Form()]


def _decided(request: Request, actor: Actor, decision: service.Decision) -> Response:
    return render(request, "decision.html", actor, decision=decision, partial="_decision.html")


@router.post("/review/{event_id}/confirm")
def confirm(request: Request, actor: Acting, event_id: str, version: Version = None) -> Response:
    decision = service.decide(request.app, actor, "confirm", event_id, version=version)
    return _decided(request, actor, decision)


@router.post("/review/{event_id}/reject")
def reject(request: Request, actor: Acting, event_id: str, version: Version = None) -> Response:
    decision = service.decide(request.app, actor, "reject", event_id, version=version)
    return _decided(request, actor, decision)


@router.post("/review/{event_id}/edit")
def edit(
    request: Request,
    actor: Acting,
    event_id: str,
    field: Annotated[str, Form()],
    value: Annotated[str, Form()],
    version: Version = None,
) -> Response:
    decision = service.decide(
        request.app, actor, "edit", event_id, version=version, field=field, value=value
    )
    return _decided(request, actor, decision)


@router.post("/review/{link_id}/accept-link")
def accept_link(
    request: Request, actor: Acting, link_id: str, person: Annotated[str, Form()] = ""
) -> Response:
    decision = service.decide(request.app, actor, "accept-link", link_id, other=person or None)
    return _decided(request, actor, decision)


@router.post("/review/{link_id}/reject-link")
def reject_link(
    request: Request, actor: Acting, link_id: str, unlinked: Annotated[bool, Form()] = False
) -> Response:
    decision = service.decide(request.app, actor, "reject-link", link_id, unlinked=unlinked)
    return _decided(request, actor, decision)


@router.post("/review/merge-events")
def merge_events(
    request: Request, actor: Acting, keep: Annotated[str, Form()], other: Annotated[str, Form()]
) -> Response:
    decision = service.decide(request.app, actor, "merge-events", keep, other=other)
    return _decided(request, actor, decision)


@router.post("/review/split-event")
def split_event(request: Request, actor: Acting, merge: Annotated[str, Form()]) -> Response:
    decision = service.decide(request.app, actor, "split-event", merge)
    return _decided(request, actor, decision)


@router.post("/review/merge-persons")
def merge_persons(
    request: Request, actor: Acting, keep: Annotated[str, Form()], other: Annotated[str, Form()]
) -> Response:
    decision = service.decide(request.app, actor, "merge-persons", keep, other=other)
    return _decided(request, actor, decision)


@router.post("/review/split-person")
def split_person(
    request: Request,
    actor: Acting,
    person: Annotated[str, Form()],
    mentions: Annotated[str, Form()],
) -> Response:
    decision = service.decide(request.app, actor, "split-person", person, mentions=mentions.split())
    return _decided(request, actor, decision)


@router.post("/review/undo")
def undo(request: Request, actor: Acting, decision: Annotated[str, Form()]) -> Response:
    done = service.decide(request.app, actor, "undo", decision.strip())
    return _decided(request, actor, done)


# --- Check -----------------------------------------------------------------------------


@router.get("/check")
async def check_page(request: Request, actor: Acting) -> Response:
    return render(request, "check.html", actor, result=None, published=dt.date.today())


@router.post("/check")
async def check(
    request: Request,
    actor: Acting,
    published: Annotated[str, Form()],
    text: Annotated[str, Form()] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    day = params.day(published, "published") or dt.date.today()
    if upload is not None and upload.filename:
        text = service.uploaded_text(await upload.read(), upload.filename)
    result = service.check(request.app.state.store, request.app.state.config, text, day)
    return render(request, "check.html", actor, result=result, published=day)


# --- Ingest and extract ----------------------------------------------------------------


@router.get("/ingest")
async def ingest_page(request: Request, actor: Acting) -> Response:
    return render(request, "ingest.html", actor, outcomes=None, extracted=None)


@router.post("/ingest")
async def ingest(
    request: Request,
    actor: Acting,
    files: Annotated[list[UploadFile], File()],
    published: Annotated[str, Form()] = "",
    publisher: Annotated[str, Form()] = "",
) -> Response:
    metadata = service.Metadata(
        publisher=publisher or None, published_at=params.day(published, "published")
    )
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    with tempfile.TemporaryDirectory(prefix="casebook-upload-") as folder:
        paths = [
            await service.save_upload(upload, Path(folder), n) for n, upload in enumerate(files)
        ]
        outcomes = service.ingest_files(request.app.state.store, config, paths, metadata)
    return render(request, "ingest.html", actor, outcomes=outcomes, extracted=None,
                  partial="_outcomes.html")  # fmt: skip


@router.post("/ingest/feed")
def ingest_feed(request: Request, actor: Acting, url: Annotated[str, Form()]) -> Response:
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    outcomes = service.ingest_feed(request.app.state.store, config, url)
    return render(request, "ingest.html", actor, outcomes=outcomes, extracted=None,
                  partial="_outcomes.html")  # fmt: skip


@router.post("/extract")
def extract(request: Request, actor: Acting) -> Response:
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    extracted = service.extract(request.app.state.store, config)
    return render(request, "ingest.html", actor, outcomes=None, extracted=extracted,
                  partial="_extracted.html")  # fmt: skip


@router.post("/resolve")
def resolve(request: Request, actor: Acting) -> Response:
    config = dataclasses.replace(request.app.state.config, user=actor.name)
    resolved = service.resolve(request.app.state.store, config)
    return render(request, "ingest.html", actor, outcomes=None, extracted=None,
                  resolved=resolved, partial="_resolved.html")  # fmt: skip


# --- Audit -----------------------------------------------------------------------------


@router.get("/audit")
async def audit(
    request: Request, actor: Acting, page: PageNumber = 1, size: PageSize = 50
) -> Response:
    with request.app.state.store.reader() as session:
        rows = browse.audit_entries(session, page, size)
    return render(request, "audit.html", actor, rows=rows)
