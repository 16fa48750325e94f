"""Bulk extraction on Dask: a local cluster by default, or an existing scheduler.

Workers receive (text, published) pairs and return extracted events; the store is only
touched by the calling process, so the result equals a single-process run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache

from casebook.errors import CasebookError
from casebook.extract.base import ExtractedEvent, Extractor
from casebook.store import extractions as stored
from casebook.store.engine import Store
from casebook.store.extractions import SourceText


class SchedulerError(CasebookError):
    """The Dask scheduler cannot be reached, or its workers run another extractor version."""


@cache
def _worker_extractor(jurisdiction: str) -> Extractor:
    from casebook.extract.rules import RuleExtractor

    return RuleExtractor.default(jurisdiction)


def extract_batch(
    pairs: list[tuple[str, dt.date | None]], jurisdiction: str, expected: str
) -> list[list[ExtractedEvent]]:
    """Runs on a worker: the pure per-source function over one batch."""
    extractor = _worker_extractor(jurisdiction)
    found = f"{extractor.name}-{extractor.version}"
    if found != expected:  # results would be stored under a version that did not make them
        raise SchedulerError(f"a Dask worker runs extractor {found}, this casebook {expected}")
    return list(extractor.extract_many(pairs))


def extract_on_dask(
    store: Store,
    extractor: Extractor,
    batches: list[list[str]],
    workers: int,
    scheduler: str | None,
) -> Iterator[tuple[list[SourceText], list[list[ExtractedEvent]]]]:
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    jurisdiction = getattr(getattr(extractor, "catalogue", None), "jurisdiction", "hk")
    # Source texts must never be spilled to a worker's disk in plain text (an encrypted
    # store would leak through it): the workers keep them in memory.
    no_spill = {"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}
    with dask.config.set(no_spill):
        cluster = (
            None
            if scheduler
            else LocalCluster(
                n_workers=max(workers, 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
        )
    try:
        client = Client(scheduler or cluster)
    except OSError as error:
        if cluster is not None:
            cluster.close()
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler}: {error}; "
            "check the address (tcp://HOST:PORT), or use --workers N for a local cluster"
        ) from error
    expected = f"{extractor.name}-{extractor.version}"
    try:
        texts: dict[int, list[SourceText]] = {}
        numbers = {}
        for number, ids in enumerate(batches):
            with store.reader() as session:
                texts[number] = stored.source_texts(session, ids)
            pairs = [(t.text, t.published) for t in texts[number]]
            numbers[client.submit(extract_batch, pairs, jurisdiction, expected, pure=False)] = (
                number
            )
        for future in as_completed(list(numbers)):
            number = numbers.pop(future)
            yield texts.pop(number), future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
