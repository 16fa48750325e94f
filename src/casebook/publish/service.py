"""`casebook publish`: a redacted public dataset — JSON, CSV, figures with their charts and a
manifest of SHA-256 digests — holding only what a publishing rule allows.

What leaves: confirmed events marked `public`; of the persons, organisations and sources
they refer to, the fields of those marked `public`. A person who is not public, or who was
under 18 at any event, appears only as a stable pseudonym with an age band — unless a
reviewer's audited override (`minor_overrides`) lets a public minor be named. A source that
is not public is reduced to its citation (publisher and date), a restricted one to the
words "restricted source". Figures are counts, published without the people behind them.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import importlib.resources
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebook.count.facts import age_band
from casebook.count.figures import Figure, compute_figure
from casebook.count.rules import load_rulebook
from casebook.errors import CasebookError, NotFoundError
from casebook.model import MINOR_AGE
from casebook.store import publishing as stored
from casebook.store.engine import Store
from casebook.store.minors import minor_override

_PACKAGE = "casebook.publish"


class PublishError(CasebookError):
    """A dataset could not be published: the folder, the rule, or the record says why."""


class PublishingRule(BaseModel):
    """What a publication may hold (rules/<id>.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int = Field(ge=1)
    title: str
    sensitivity: tuple[str, ...] = ("public",)
    statuses: tuple[str, ...] = ("confirmed",)
    figures: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


def load_publishing_rule(rule_id: str) -> PublishingRule:
    resource = importlib.resources.files(_PACKAGE) / "rules" / f"{rule_id}.yaml"
    if not resource.is_file():
        raise NotFoundError(f"no publishing rule '{rule_id}' (shipped: public)")
    try:
        return PublishingRule.model_validate(yaml.safe_load(resource.read_text("utf-8")))
    except ValidationError as error:
        raise PublishError(f"publishing rule '{rule_id}' is invalid: {error}") from None


@dataclass
class Publication:
    """The dataset being assembled, file name → bytes."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add_json(self, name: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        self.files[name] = text.encode("utf-8")

    def add_csv(self, name: str, header: list[str], rows: list[list[Any]]) -> None:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[_cell(value) for value in row] for row in rows])
        self.files[name] = buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula is published as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class Redactor:
    """Turns record rows into what may be published about them."""

    secret: bytes
    levels: tuple[str, ...]
    named_minors: frozenset[str]

    def pseudonym(self, person_id: str) -> str:
        digest = hmac.new(self.secret, person_id.encode("utf-8"), hashlib.sha256).digest()
        return "P-" + base64.b32encode(digest[:8]).decode("ascii").rstrip("=")

    def person(
        self, row: stored.PersonRow | None, person_id: str, age: int | None
    ) -> dict[str, Any]:
        minor = (row is not None and row.is_minor) or (age is not None and age < MINOR_AGE)
        shown = row is not None and row.sensitivity in self.levels
        if shown and (not minor or person_id in self.named_minors):
            assert row is not None
            return {"ref": person_id, "name": row.name, "age": age}
        return {"ref": self.pseudonym(person_id), "name": None, "age_band": age_band(age)}

    def organisation(self, row: stored.NamedRow | None, organisation_id: str) -> dict[str, Any]:
        if row is not None and row.sensitivity in self.levels:
            return {"ref": organisation_id, "name": row.name}
        return {"ref": self.pseudonym(organisation_id), "name": None}

    def source(self, row: stored.SourceRow | None, source_id: str) -> dict[str, Any]:
        if row is None or row.sensitivity == "restricted":
            return {"ref": self.pseudonym(source_id), "citation": "restricted source"}
        published = row.published.isoformat() if row.published else None
        if row.sensitivity in self.levels:
            return {
                "ref": source_id, "title": row.title, "publisher": row.publisher,
                "url": row.url, "published": published,
            }  # fmt: skip
        return {"ref": self.pseudonym(source_id), "citation": _citation(row.publisher, published)}


def _citation(publisher: str | None, published: str | None) -> str:
    return ", ".join(part for part in (publisher or "unnamed publisher", published) if part)


def publish(
    store: Store, rule: PublishingRule, folder: Path, as_of: dt.date, *, actor: str
) -> dict[str, str]:
    """Write the dataset into `folder` (new or empty); returns file name → SHA-256."""
    target = _empty_folder(folder)
    publication = Publication()
    with store.reader() as session:
        redactor, events = (
            _redactor(session, rule),
            stored.events_to_publish(session, rule.sensitivity, rule.statuses),
        )
        _add_records(session, publication, redactor, events)
    _add_figures(store, publication, rule, as_of, actor)
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in publication.files.items()}
    publication.add_json("manifest.json", {
        "rule": rule.key, "as_of": as_of.isoformat(), "files": dict(sorted(digests.items())),
    })  # fmt: skip
    _write(publication, target)
    return digests


def _redactor(session: Any, rule: PublishingRule) -> Redactor:
    secret = stored.chain_origin(session).encode("ascii") or b"casebook"
    overridden = set()
    for person_id in stored.minor_persons(session):
        if minor_override(session, person_id) is not None:
            overridden.add(person_id)
    return Redactor(secret, rule.sensitivity, frozenset(overridden))


def _add_records(
    session: Any, publication: Publication, redactor: Redactor, events: list[stored.EventRow]
) -> None:
    person_ids = {p for e in events for p, _, _, _ in e.participants if p}
    org_ids = {o for e in events for _, o, _, _ in e.participants if o}
    source_ids = {s for e in events for s in e.sources}
    people = stored.persons(session, person_ids)
    orgs = stored.organisations(session, org_ids)
    reports = stored.sources(session, source_ids)
    published_events, people_seen = [], {}
    for event in events:
        shown = []
        for person_id, org_id, role, age in event.participants:
            if person_id:
                entry = redactor.person(people.get(person_id), person_id, age)
                people_seen[entry["ref"]] = {k: v for k, v in entry.items() if k != "age"}
            else:
                entry = redactor.organisation(orgs.get(org_id or ""), org_id or "")
            shown.append({"role": role, **entry})
        published_events.append(_event_json(event, shown, redactor, reports))
    publication.add_json("events.json", published_events)
    publication.add_csv("events.csv", EVENT_COLUMNS, [_event_row(e) for e in published_events])
    publication.add_json("persons.json", sorted(people_seen.values(), key=lambda p: p["ref"]))
    citations = sorted(
        {json.dumps(redactor.source(reports.get(s), s), sort_keys=True) for s in source_ids}
    )
    publication.add_json("sources.json", [json.loads(c) for c in citations])


EVENT_COLUMNS = [
    "id", "type", "date", "date_precision", "law", "offence", "count", "people", "sources",
]  # fmt: skip


def _event_json(
    event: stored.EventRow,
    shown: list[dict[str, Any]],
    redactor: Redactor,
    reports: dict[str, stored.SourceRow],
) -> dict[str, Any]:
    return {
        "id": event.id, "type": event.type,
        "date": event.date.isoformat() if event.date else None,
        "date_precision": event.precision, "law": event.law, "offence": event.offence,
        "count": event.count, "sentence_months": event.sentence_months,
        "participants": shown,
        "sources": [redactor.source(reports.get(s), s)["ref"] for s in event.sources],
    }  # fmt: skip


def _event_row(event: dict[str, Any]) -> list[Any]:
    people = "; ".join(p.get("name") or p["ref"] for p in event["participants"])
    return [
        event["id"], event["type"], event["date"], event["date_precision"], event["law"],
        event["offence"], event["count"], people, "; ".join(event["sources"]),
    ]  # fmt: skip


def _add_figures(
    store: Store, publication: Publication, rule: PublishingRule, as_of: dt.date, actor: str
) -> None:
    from casebook.count.charts import Point, series_chart
    from casebook.count.figures import month_series

    rulebook = load_rulebook()
    for rule_id in rule.figures:
        counting = rulebook.get(rule_id)
        figure = compute_figure(
            store, counting, as_of, rulebook=rulebook, details=False, actor=actor
        )
        publication.add_json(f"figures/{rule_id}.json", _figure_json(figure))
        start = counting.since or as_of.replace(month=1, day=1)
        points = month_series(store, counting, start, as_of, rulebook=rulebook, actor=actor)
        title = f"{counting.title}, to {as_of.isoformat()}"
        chart = series_chart(title, [Point(d, low, high) for d, low, high in points])
        publication.files[f"figures/{rule_id}.svg"] = chart


def _figure_json(figure: Figure) -> dict[str, Any]:
    """A figure without the people behind it: its range, its rule and the published
    totals beside it by their count and date only (their quotes name people)."""
    return {
        "rule": {"id": figure.rule.id, "version": figure.rule.version, "title": figure.rule.title,
                 "question": figure.rule.question},
        "as_of": figure.as_of.isoformat(), "counts": figure.rule.counts,
        "lower": figure.lower, "upper": figure.upper,
        "reported": [
            {"count": t.count, "as_of": t.as_of.isoformat() if t.as_of else None}
            for t in figure.reported
        ],
    }  # fmt: skip


def _empty_folder(folder: Path) -> Path:
    target = folder.expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PublishError(f"{folder}: publish into a new or empty folder (this one has files)")
    return target


def _write(publication: Publication, target: Path) -> None:
    """Write every file into a fresh folder beside the target, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publishing-", dir=target.parent))
    try:
        for name, data in sorted(publication.files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(f"{target}: cannot write the dataset ({error.strerror})") from None
