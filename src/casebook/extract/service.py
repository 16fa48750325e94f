"""Extraction over the record: read sources, store candidate events with their evidence.

The per-source work is a pure function (text, published) → events, so it runs the same in
this process or on a Dask cluster (`workers` / `scheduler`); results are written here,
one transaction per batch of sources, so an interrupted run keeps whole batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from casebook.config import Config
from casebook.errors import InputError
from casebook.extract.base import ExtractedEvent, Extractor
from casebook.ingest.decode import decode, reject_binary_or_empty
from casebook.store import extractions as stored
from casebook.store.engine import Store
from casebook.store.extractions import EventRow, FieldSpan, MentionRow, SourceText

BATCH = 50


@dataclass(frozen=True)
class Progress:
    sources_done: int
    sources_total: int
    events: int


def extract_record(
    store: Store,
    config: Config,
    extractor: Extractor,
    *,
    everything: bool = False,
    source_ids: Sequence[str] = (),
    workers: int = 0,
    scheduler: str | None = None,
) -> Iterator[Progress]:
    """Extract events from the sources not yet read (or all, or the named ones)."""
    key = extractor_key(extractor)
    earlier_versions = f"{extractor.name}-"
    with store.reader() as session:
        pending = stored.sources_to_extract(session, key, everything, source_ids)
    done = events = 0
    yield Progress(0, len(pending), 0)
    for batch, results in _results(store, extractor, pending, workers, scheduler):
        with store.session(config.actor) as session:
            for source, found in zip(batch, results, strict=True):
                rows = to_rows(found)
                events += stored.replace_extraction(
                    session, source.id, key, rows, supersedes=earlier_versions
                )
        done += len(batch)
        if done == len(pending):
            store.optimize()
        yield Progress(done, len(pending), events)


def extractor_key(extractor: Extractor) -> str:
    return f"{extractor.name}-{extractor.version}"


def _results(
    store: Store, extractor: Extractor, pending: list[str], workers: int, scheduler: str | None
) -> Iterator[tuple[list[SourceText], list[list[ExtractedEvent]]]]:
    batches = [pending[i : i + BATCH] for i in range(0, len(pending), BATCH)]
    if workers or scheduler:
        from casebook.extract.bulk import extract_on_dask

        yield from extract_on_dask(store, extractor, batches, workers, scheduler)
        return
    for ids in batches:
        with store.reader() as session:
            texts = stored.source_texts(session, ids)
        yield texts, list(extractor.extract_many((t.text, t.published) for t in texts))


def to_rows(events: list[ExtractedEvent]) -> list[EventRow]:
    """Extracted events in store terms: columns, the quote, per-field spans, mentions."""
    rows = []
    for event in events:
        values: dict[str, object] = {
            "type": event.type.value,
            "date": event.date.value if event.date else None,
            "date_precision": event.date.precision.value if event.date else None,
            "law_id": event.law,
            "offence_id": event.offence,
            "place": event.place,
            "count": event.count,
            "counts_type": event.counts_type.value if event.counts_type else None,
            "sentence_months": event.sentence_months,
            "confidence": event.confidence,
        }
        whole = FieldSpan(
            "event", event.evidence.start, event.evidence.end, event.evidence.quote, event.rule
        )
        fields = [
            FieldSpan(name, f.span.start, f.span.end, f.span.quote, f.rule)
            for name, f in sorted(event.fields.items())
        ]
        mentions = [
            MentionRow(
                "person", p.name, p.span.start, p.span.end, p.span.quote, p.age, p.chinese_name
            )
            for p in event.persons
        ]
        mentions += [
            MentionRow("organisation", o.name, o.span.start, o.span.end, o.span.quote)
            for o in event.organisations
        ]
        rows.append(EventRow(values, whole, fields, mentions))
    return rows


def read_standalone(path: Path) -> str:
    """A text file's text for `casebook extract FILE`; offsets in the output index into it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), f"cannot read it: {error.strerror}") from error
    reject_binary_or_empty(data, str(path))
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return decode(data, str(path)).text
