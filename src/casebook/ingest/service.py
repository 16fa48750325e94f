"""Ingest: files, folders, feeds and URLs → Sources in the record.

`plan()` turns what the user named into a list of inputs (so a progress bar knows the
total); `ingest()` reads them and yields one Outcome per document, committing one
transaction per batch. A killed run leaves whole batches only, and a rerun skips what
is already stored (same SHA-256).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casebook import nearduplicates
from casebook.config import Config
from casebook.errors import InputError
from casebook.ingest.readers import ReadLimits, iter_files, read_bytes, read_path
from casebook.model import SourceDocument
from casebook.store import sources as stored
from casebook.store.engine import Store

_GRADES = ("reliability", "sensitivity")
_LANGUAGE_TAG = re.compile(r"(?=.{1,16}$)[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")


class Result(StrEnum):
    INGESTED = "ingested"
    DUPLICATE = "duplicate"
    NEAR_DUPLICATE = "near_duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    result: Result
    origin: str
    input_index: int
    source_id: str | None = None
    detail: str | None = None  # failure reason, or the id of the earlier copy


@dataclass(frozen=True)
class Metadata:
    """Metadata given on the command line; it overrides what the file says."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    published_at: dt.date | None = None
    language: str | None = None
    reliability: str | None = None


@dataclass
class Summary:
    counts: dict[Result, int] = field(default_factory=lambda: dict.fromkeys(Result, 0))
    failures: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.result] += 1
        if outcome.result is Result.FAILED:
            self.failures.append(outcome)

    @property
    def failed(self) -> bool:
        return bool(self.failures)


def plan(targets: Iterable[str]) -> list[str]:
    """Expand folders into their files; URLs and files stay as they are."""
    inputs: list[str] = []
    for target in targets:
        path = Path(target)
        if _is_url(target) or not path.is_dir():
            inputs.append(target)
        else:
            inputs.extend(str(found) for found in iter_files(path))
    return inputs


def ingest(
    store: Store, config: Config, inputs: list[str], metadata: Metadata | None = None
) -> Iterator[Outcome]:
    """Read every input and store its documents, yielding one Outcome per document."""
    limits = ReadLimits(max_document_bytes=config.max_document_bytes)
    writer = _BatchWriter(store, config)
    try:
        for index, origin in enumerate(inputs):
            for item in _read(origin, limits, config.fetch_timeout):
                if isinstance(item, InputError):
                    yield Outcome(Result.FAILED, item.origin, index, detail=item.reason)
                    continue
                yield from writer.write(_override(_fit_for_store(item), metadata), index)
        yield from writer.commit()
    finally:
        writer.close()


def _read(origin: str, limits: ReadLimits, timeout: float) -> Iterator[SourceDocument | InputError]:
    if not _is_url(origin):
        yield from read_path(Path(origin), limits)
        return
    try:
        data, content_type = fetch(origin, limits.max_document_bytes, timeout)
    except InputError as error:
        yield error
        return
    for item in read_bytes(data, origin, limits, content_type=content_type):
        if isinstance(item, SourceDocument) and not item.url:
            item.url = origin
        yield item


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def fetch(url: str, max_bytes: int, timeout: float) -> tuple[bytes, str | None]:
    """GET a URL, refusing anything bigger than `max_bytes`."""
    request = urllib.request.Request(url, headers={"User-Agent": "casebook/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
            content_type = response.headers.get("Content-Type")
    except urllib.error.HTTPError as error:
        raise InputError(url, f"the server answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise InputError(url, f"could not fetch it: {reason}") from error
    if len(data) > max_bytes:
        raise InputError(url, f"it is larger than {max_bytes / 1048576:.1f} MB; not ingested")
    return data, content_type


def _fit_for_store(document: SourceDocument) -> SourceDocument:
    """Set aside, in `extra`, what a file declares that the store must not take from it.

    The store reads reliability and sensitivity from `extra` as grades the person importing
    gives (--reliability): a file saying `sensitivity: public` must not publish itself, and
    an unknown level broke the whole batch's commit. A language that is not a short tag
    (PostgreSQL keeps 16 characters) failed the batch too.
    """
    for key in _GRADES:
        if key in document.extra:
            document.extra[f"declared {key}"] = document.extra.pop(key)
    if document.language and not _LANGUAGE_TAG.fullmatch(document.language):
        document.extra["declared language"] = document.language
        document.language = None
    return document


def _override(document: SourceDocument, metadata: Metadata | None) -> SourceDocument:
    if metadata is None:
        return document
    given = {k: v for k, v in vars(metadata).items() if v is not None and k != "reliability"}
    if metadata.reliability:
        document.extra["reliability"] = metadata.reliability
    return replace(document, **given)


class _BatchWriter:
    """Writes documents in batches of `config.batch_size`, one transaction each.

    Outcomes are handed back only once their batch is committed, so "ingested" always
    means "in the record". If another writer stored the same document first (a unique
    conflict at commit), the batch is rolled back and written again, which then sees it.
    """

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.session: Session | None = None
        self.documents: list[tuple[SourceDocument, int]] = []
        self.outcomes: list[Outcome] = []
        self.batch_start_seq = 0
        # What the open batch holds, which a lookup in the store cannot see yet.
        self.batch_signatures: dict[int, list[tuple[str, bytes]]] = {}
        self.batch_hashes: set[str] = set()
        self.batch_bands: list[tuple[int, str]] = []

    def write(self, document: SourceDocument, index: int) -> list[Outcome]:
        """Add a document; returns the outcomes of a batch if this filled and committed one."""
        self.documents.append((document, index))
        self.outcomes.append(self._add(document, index))
        if len(self.documents) >= self.config.batch_size:
            return self.commit()
        return []

    def _add(self, document: SourceDocument, index: int) -> Outcome:
        session = self._session()
        sha = document.sha256
        origin = document.origin or ""
        with session.no_autoflush:  # the batch is flushed once, at commit
            if sha in self.batch_hashes or stored.stored_id_with_sha256(session, sha):
                return Outcome(Result.DUPLICATE, origin, index, stored.source_id(sha))
            signature = nearduplicates.signature(document.text)
            keys = nearduplicates.bands(signature)
            earlier = self._near_duplicate_of(session, signature, keys)
        source = stored.add_source(session, document, signature, earlier, dt.datetime.now(dt.UTC))
        self._remember(sha, source.id, signature, keys, earlier is None)
        if earlier:
            return Outcome(Result.NEAR_DUPLICATE, origin, index, source.id, earlier[0])
        return Outcome(Result.INGESTED, origin, index, source.id)

    def _near_duplicate_of(
        self, session: Session, signature: bytes, keys: list[int]
    ) -> tuple[str, float] | None:
        candidates = stored.band_matches(session, keys)
        for key in keys:
            candidates.extend(self.batch_signatures.get(key, ()))
        best: tuple[str, float] | None = None
        for candidate_id, candidate in candidates:
            score = nearduplicates.similarity(signature, candidate)
            if score >= self.config.near_duplicate_threshold and (not best or score > best[1]):
                best = (candidate_id, score)
        return best

    def _remember(
        self, sha: str, source_id: str, signature: bytes, keys: list[int], original: bool
    ) -> None:
        self.batch_hashes.add(sha)
        if original:
            for key in set(keys):
                self.batch_signatures.setdefault(key, []).append((source_id, signature))
                self.batch_bands.append((key, source_id))

    def _session(self) -> Session:
        if self.session is None:
            self.session = self.store.sessions()
            self.session.info["actor"] = self.config.actor
            self.batch_start_seq = stored.last_seq(self.session)
        return self.session

    def commit(self) -> list[Outcome]:
        """Commit the open batch and return its outcomes."""
        if self.session is None:
            return []
        try:
            self._commit_session(self.session)
        except IntegrityError:
            documents = self.documents
            self.close()
            self.documents = documents
            self.outcomes = [self._add(document, index) for document, index in documents]
            if self.session is not None:
                self._commit_session(self.session)
        done = self.outcomes
        self.close()
        return done

    def _commit_session(self, session: Session) -> None:
        session.flush()
        stored.add_bands(session, self.batch_bands)
        stored.index_for_search(session, self.batch_start_seq)
        session.commit()

    def close(self) -> None:
        """Forget the open batch (rolled back if it was not committed)."""
        if self.session is not None:
            self.session.rollback()
            self.session.close()
            self.session = None
        self.documents, self.outcomes = [], []
        self.batch_signatures.clear()
        self.batch_hashes.clear()
        self.batch_bands.clear()
