"""The calls pages and API routes share: each wraps one casebook service (the same ones the
CLI calls) with the permission checks on the records it returns. No business logic here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, UploadFile
from sqlalchemy.orm import Session

from casebook.check.service import ClaimVerdict, check_text
from casebook.config import Config
from casebook.count.figures import Figure, compute_figure, month_series
from casebook.count.rules import CountingRule, load_rulebook
from casebook.errors import InputError
from casebook.ingest.decode import reject_binary_or_empty
from casebook.ingest.service import Metadata, Outcome, ingest
from casebook.laws.catalogue import load_catalogue
from casebook.review import actions
from casebook.review.actions import Decision
from casebook.review.queue import ReviewItem, item
from casebook.review.queue import queue as review_queue
from casebook.security.permissions import Actor, readable_levels, require
from casebook.store import browse
from casebook.store.engine import Store
from casebook.store.figures import RecordState, record_state
from casebook.store.schema import Organisation, Person
from casebook.store.sources import SearchHit
from casebook.store.sources import search as search_sources
from casebook.web.highlight import Mark, Piece, pieces

__all__ = ["Decision", "Metadata"]
CACHE_SIZE = 64  # figures and charts kept per process, keyed by the record's state
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def dashboard(app: FastAPI, day: dt.date) -> list[Figure]:
    """Every shipped rule's figure as of `day`, with the published totals beside it;
    computed once per state of the record (the audit chain's head) in each process."""
    store: Store = app.state.store
    config: Config = app.state.config
    key = ("dashboard", config.jurisdiction, day, _state(store))
    cache: dict[Any, Any] = app.state.chart_cache
    if key not in cache:
        rulebook = load_rulebook(config.jurisdiction)
        _remember(cache, key, [
            compute_figure(store, rule, day, rulebook=rulebook, details=False, actor="casebook-web")
            for rule in rulebook.rules
        ])  # fmt: skip
    return list(cache[key])


def _state(store: Store) -> RecordState:
    """The record's state (the audit chain's head): what the caches here are keyed by."""
    with store.read_connection() as connection:
        return record_state(connection)


def _chart_key(app: FastAPI, rule: CountingRule, day: dt.date) -> tuple[object, ...]:
    return ("chart", rule.key, day, _state(app.state.store))


def _remember(cache: dict[Any, Any], key: object, value: object) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value


def figure(store: Store, config: Config, rule_id: str, day: dt.date, by: str | None) -> Figure:
    rulebook = load_rulebook(config.jurisdiction)
    return compute_figure(
        store, rulebook.get(rule_id), day, rulebook=rulebook, by=by, actor="casebook-web"
    )


def cached_chart(app: FastAPI, rule_id: str, day: dt.date) -> bytes | None:
    """The chart `chart` drew for this state of the record, if it did."""
    rule = load_rulebook(app.state.config.jurisdiction).get(rule_id)
    found: bytes | None = app.state.chart_cache.get(_chart_key(app, rule, day))
    return found


def chart(app: FastAPI, rule_id: str, day: dt.date) -> bytes:
    """A rule's month-by-month chart to `day`, drawn once per state of the record."""
    from casebook.count.charts import Point, series_chart  # matplotlib loads only to draw

    store: Store = app.state.store
    rulebook = load_rulebook(app.state.config.jurisdiction)
    rule = rulebook.get(rule_id)
    key = _chart_key(app, rule, day)
    cache: dict[Any, bytes] = app.state.chart_cache
    if key not in cache:
        # Bring the rule's facts up to date first (as `casebook count --chart` does).
        compute_figure(store, rule, day, rulebook=rulebook, details=False, actor="casebook-web")
        start = rule.since or day.replace(month=1, day=1)
        points = month_series(store, rule, min(start, day), day, rulebook=rulebook)
        title = f"{rule.title}, to {day.isoformat()}"
        chart = series_chart(title, [Point(d, low, high) for d, low, high in points], "svg")
        _remember(cache, key, chart)
    return cache[key]


def search(
    session: Session, query: str, levels: Sequence[str], page: int, size: int
) -> browse.Page[SearchHit]:
    hits = search_sources(session, query, limit=size + 1, offset=(page - 1) * size, levels=levels)
    return browse.Page(hits[:size], page, size, len(hits) > size)


def review_item(store: Store, actor: Actor, item_id: str) -> ReviewItem:
    """An event or identity link with its quotes, if the actor may read everything it shows."""
    with store.reader() as session:
        found = item(session, item_id)
    require(actor, "read", found.sensitivity)
    return found


def queue_page(store: Store, actor: Actor, page: int, size: int) -> browse.Page[ReviewItem]:
    with store.reader() as session:
        items = review_queue(session, size + 1, (page - 1) * size, levels=readable_levels(actor))
    return browse.Page(items[:size], page, size, len(items) > size)


@dataclass(frozen=True)
class PersonPage:
    record: Person | Organisation
    aliases: list[str]
    events: browse.Page[browse.EventRow]
    sources: browse.Page[browse.SourceRow]


def person(store: Store, actor: Actor, person_id: str, page: int, size: int) -> PersonPage:
    """A person, their case timeline (events, oldest first) and every source naming them."""
    levels = readable_levels(actor)
    with store.reader() as session:
        found = browse.person(session, person_id)
        require(actor, "read", found.sensitivity)
        return PersonPage(
            found,
            browse.aliases(session, person_id),
            browse.person_events(session, person_id, levels, page, size),
            browse.person_sources(session, person_id, levels, page, size),
        )


def organisation(store: Store, actor: Actor, org_id: str, page: int, size: int) -> PersonPage:
    levels = readable_levels(actor)
    with store.reader() as session:
        found = browse.organisation(session, org_id)
        require(actor, "read", found.sensitivity)
        events = browse.organisation_events(session, org_id, levels, page, size)
        return PersonPage(found, [], events, browse.Page([], page, size, False))


def decide(app: FastAPI, actor: Actor, action: str, target: str, **given: Any) -> Decision:
    """One review decision, exactly as `casebook review ACTION` takes it (review.actions)."""
    store: Store = app.state.store
    version = given.get("version")
    if action == "confirm":
        return actions.confirm_event(store, actor, target, version)
    if action == "reject":
        return actions.reject_event(store, actor, target, version)
    if action == "edit":
        catalogue = load_catalogue(app.state.config.jurisdiction)
        return actions.edit_event(
            store, actor, target, version, given["field"], given["value"], catalogue=catalogue
        )
    if action == "accept-link":
        return actions.accept_link(store, actor, target, given.get("other"))
    if action == "reject-link":
        return actions.reject_link(store, actor, target, new_identity=not given.get("unlinked"))
    if action == "merge-events":
        return actions.merge_events(store, actor, target, given["other"])
    if action == "split-event":
        return actions.split_event(store, actor, target)
    if action == "merge-persons":
        return actions.merge_persons(store, actor, target, given["other"])
    if action == "split-person":
        return actions.split_person(store, actor, target, given["mentions"])
    if action == "undo":
        return actions.undo(store, actor, target)
    raise ValueError(f"unknown review action {action}")


@dataclass(frozen=True)
class CheckResult:
    text: str
    verdicts: list[ClaimVerdict]
    pieces: list[Piece]


def uploaded_text(data: bytes, filename: str) -> str:
    """An uploaded article's text, as `casebook check FILE` reads a file."""
    reject_binary_or_empty(data, filename)
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise InputError(filename, "is not UTF-8 text") from None


def check(store: Store, config: Config, text: str, published: dt.date) -> CheckResult:
    """The text's claims, each with its verdict, and the text cut to mark them."""
    if not text.strip():
        raise InputError("text", "paste an article or upload a file to check")
    verdicts = check_text(store, config, text, published)
    marks = [Mark(v.claim.start, v.claim.end, "", v.verdict.value) for v in verdicts]
    return CheckResult(text, verdicts, pieces(text, marks))


async def save_upload(upload: UploadFile, folder: Path, number: int) -> Path:
    """Write one uploaded file under `folder`, keeping only a safe form of its name."""
    name = _SAFE_NAME.sub("_", Path(upload.filename or "upload.txt").name)[-80:] or "upload.txt"
    path = folder / f"{number:04d}-{name}"
    path.write_bytes(await upload.read())
    return path


@dataclass(frozen=True)
class IngestRow:
    origin: str
    result: str
    source_id: str | None
    detail: str | None


def _rows(outcomes: list[Outcome], names: dict[str, str]) -> list[IngestRow]:
    return [
        IngestRow(names.get(o.origin, o.origin), o.result.value, o.source_id, o.detail)
        for o in outcomes
    ]


def ingest_files(
    store: Store, config: Config, paths: list[Path], metadata: Metadata
) -> list[IngestRow]:
    """Ingest uploaded files (the same service as `casebook ingest FILE...`)."""
    names = {str(path): path.name.split("-", 1)[1] for path in paths}
    outcomes = list(ingest(store, config, [str(p) for p in paths], metadata))
    return _rows(outcomes, names)


def ingest_feed(store: Store, config: Config, url: str) -> list[IngestRow]:
    if not url.startswith(("http://", "https://")):
        raise InputError(url, "a feed is added by its http:// or https:// URL")
    return _rows(list(ingest(store, config, [url])), {})


@dataclass(frozen=True)
class Extracted:
    sources: int
    events: int


def extract(store: Store, config: Config) -> Extracted:
    """Extract candidate events from the sources not yet read (`casebook extract`)."""
    from casebook.extract.rules import RuleExtractor
    from casebook.extract.service import extract_record

    runs = list(extract_record(store, config, RuleExtractor.default(config.jurisdiction)))
    last = runs[-1] if runs else None
    return Extracted(last.sources_done if last else 0, last.events if last else 0)


@dataclass(frozen=True)
class Resolved:
    mentions: int
    linked: int
    queued: int
    persons_created: int
    events_merged: int
    cases_created: int


def resolve(store: Store, config: Config) -> Resolved:
    """Link names, merge duplicate events, chain cases (`casebook resolve`)."""
    from casebook.resolve.cases import chain_cases
    from casebook.resolve.events import merge_duplicate_events
    from casebook.resolve.service import resolve_record

    identities = resolve_record(store, config)
    merges = merge_duplicate_events(store, config)
    cases = chain_cases(store, config)
    return Resolved(
        identities.mentions, identities.auto, identities.queued, identities.persons_created,
        merges.merged, cases.cases_created,
    )  # fmt: skip
