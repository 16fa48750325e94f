"""Writing and finding sources: exact and near duplicates, full-text search."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from casebook.model import SENSITIVITIES, SourceDocument, make_id
from casebook.store.schema import Source, SourceBand, SourceOriginal


def source_id(sha256: str) -> str:
    """A source's id follows from its original bytes, so re-ingesting changes nothing."""
    return make_id("source", sha256)


_SOURCES = Source.__table__
_BANDS = SourceBand.__table__
_BY_SHA = select(_SOURCES.c.id).where(_SOURCES.c.sha256 == bindparam("sha"))
_BY_BAND = (
    select(_SOURCES.c.id, _SOURCES.c.minhash)
    .join(_BANDS, _BANDS.c.source_id == _SOURCES.c.id)
    .where(_BANDS.c.band.in_(bindparam("keys", expanding=True)))
    .distinct()
    .order_by(_SOURCES.c.id)
)


def stored_id_with_sha256(session: Session, sha256: str) -> str | None:
    """The id of the source with these original bytes, if stored (a cheap Core lookup)."""
    return session.connection().execute(_BY_SHA, {"sha": sha256}).scalar()


def band_matches(session: Session, keys: Sequence[int]) -> list[tuple[str, bytes]]:
    """Stored sources sharing at least one band key: (id, signature), oldest first."""
    rows = session.connection().execute(_BY_BAND, {"keys": list(keys)})
    return [(row.id, row.minhash) for row in rows if row.minhash]


def last_seq(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(Source.seq), 0))) or 0


def add_source(
    session: Session,
    document: SourceDocument,
    signature: bytes,
    near_duplicate: tuple[str, float] | None,
    captured_at: dt.datetime,
) -> Source:
    """Store one document as a Source with its original bytes and near-duplicate bands."""
    sha = document.sha256
    source = Source(
        id=source_id(sha),
        sha256=sha,
        kind=document.kind,
        origin=document.origin,
        url=document.url,
        title=document.title,
        publisher=document.publisher,
        published_at=document.published_at,
        captured_at=captured_at,
        language=document.language,
        reliability=document.extra.get("reliability"),
        sensitivity=_sensitivity(document.extra.get("sensitivity", "internal")),
        text=document.text,
        text_sha256=hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
        near_duplicate_of=near_duplicate[0] if near_duplicate else None,
        near_duplicate_score=near_duplicate[1] if near_duplicate else None,
        minhash=signature,
        extra={k: v for k, v in document.extra.items() if k not in {"reliability", "sensitivity"}},
    )
    session.add(source)
    session.add(SourceOriginal(source_id=source.id, content=document.original))
    return source


def _sensitivity(stated: str) -> str:
    # A misspelt level ("restriced", "secret") is read as the strictest, never the laxest.
    level = stated.strip().lower()
    return level if level in SENSITIVITIES else "restricted"


def add_bands(session: Session, bands: Sequence[tuple[int, str]]) -> None:
    """Store near-duplicate band keys, (band, source id), in one statement."""
    if bands:
        session.connection().execute(
            insert(SourceBand), [{"band": band, "source_id": source} for band, source in bands]
        )


def index_for_search(session: Session, after_seq: int) -> None:
    """Add sources written after `after_seq` to the full-text index, in one statement."""
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL keeps a generated tsvector column up to date by itself
    session.flush()
    session.execute(
        text(
            "INSERT INTO source_fts(rowid, title, text) "
            "SELECT seq, coalesce(title, ''), text FROM sources WHERE seq > :after"
        ),
        {"after": after_seq},
    )


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str | None
    published_at: dt.date | None
    snippet: str


_TERM = re.compile(r"\w+", re.UNICODE)


def search(
    session: Session,
    query: str,
    limit: int = 20,
    offset: int = 0,
    levels: Sequence[str] = SENSITIVITIES,
) -> list[SearchHit]:
    """Sources of these sensitivities matching every word of `query`, best first. Words
    only: no query syntax."""
    terms = _TERM.findall(query)
    if not terms or not levels:
        return []
    if session.get_bind().dialect.name == "sqlite":
        return _search_sqlite(session, terms, limit, offset, levels)
    return _search_postgresql(session, terms, limit, offset, levels)


def _search_sqlite(
    session: Session, terms: list[str], limit: int, offset: int, levels: Sequence[str]
) -> list[SearchHit]:
    # Each term quoted, so user input can never be read as FTS5 syntax.
    match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    rows = session.execute(
        text(
            "SELECT s.id, s.title, s.published_at, "
            "snippet(source_fts, 1, '[', ']', '…', 12) AS snippet "
            "FROM source_fts JOIN sources s ON s.seq = source_fts.rowid "
            "WHERE source_fts MATCH :match AND s.sensitivity IN :levels "
            "ORDER BY rank LIMIT :limit OFFSET :offset"
        ).bindparams(bindparam("levels", expanding=True)),
        {"match": match, "limit": limit, "offset": offset, "levels": list(levels)},
    )
    return [_hit(row) for row in rows]


def _search_postgresql(
    session: Session, terms: list[str], limit: int, offset: int, levels: Sequence[str]
) -> list[SearchHit]:
    rows = session.execute(
        text(
            "SELECT id, title, published_at, "
            "ts_headline('simple', text, q, 'StartSel=[,StopSel=],MaxWords=24') AS snippet "
            "FROM sources, plainto_tsquery('simple', :query) q "
            "WHERE search @@ q AND sensitivity IN :levels "
            "ORDER BY ts_rank(search, q) DESC, id LIMIT :limit OFFSET :offset"
        ).bindparams(bindparam("levels", expanding=True)),
        {"query": " ".join(terms), "limit": limit, "offset": offset, "levels": list(levels)},
    )
    return [_hit(row) for row in rows]


def _hit(row: object) -> SearchHit:
    published = getattr(row, "published_at", None)
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    return SearchHit(row.id, row.title, published, row.snippet)  # type: ignore[attr-defined]
