"""RSS (0.9x, 1.0, 2.0) and Atom feeds: one SourceDocument per item, parsed by feedparser.

An item has no bytes of its own that would survive re-serialisation, so its
`original` is a canonical JSON serialisation of the item's fields as feedparser
read them (keys sorted, UTF-8, no spaces, the derived ``*_parsed`` times left
out): the same item always gives the same bytes, so re-importing changes nothing.
The bytes are always handed to feedparser as a stream, so it never opens a URL
or a local path named by them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

from casebook.errors import InputError
from casebook.ingest.decode import clean_text, clean_url
from casebook.ingest.html import html_to_text, plain
from casebook.model import SourceDocument

_PLAIN_TYPES = frozenset({"text/plain", "text"})
_BAD_NAMESPACE = "malformed feed (an XML namespace is not readable); check it is RSS or Atom XML"
_BAD_DECLARATION = (
    'the encoding named in the <?xml ...?> line is not plain ASCII; fix it (encoding="utf-8")'
)


def read_feed(
    data: bytes, origin: str, charset: str | None = None
) -> Iterator[SourceDocument | InputError]:
    """A feed file → one item per entry; one InputError if it is not a readable feed."""
    headers = {"content-type": f"application/xml; charset={charset}"} if charset else None
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    except UnicodeDecodeError:  # feedparser decodes the name in encoding="..." as UTF-8
        raise InputError(origin, _BAD_DECLARATION) from None
    except ValueError:  # its strict parser, on a namespace holding invalid UTF-8
        raise InputError(origin, _BAD_NAMESPACE) from None
    if not parsed.entries:
        if parsed.get("bozo"):
            problem = str(parsed.get("bozo_exception") or "not well-formed XML")
            raise InputError(origin, f"malformed feed ({problem}); check it is RSS or Atom XML")
        raise InputError(
            origin, "no items in this feed, or it is not RSS or Atom; nothing to import"
        )
    channel = parsed.feed
    publisher = plain(channel.get("title"))
    language = channel.get("language")
    encoding = str(parsed.get("encoding") or "utf-8")
    for number, entry in enumerate(parsed.entries, 1):
        where = f"{origin} item {number}"
        try:
            yield _entry_document(entry, where, publisher, language, encoding)
        except InputError as error:
            yield error


def _entry_document(
    entry: Mapping[str, Any], where: str, publisher: str | None, language: str | None, encoding: str
) -> SourceDocument:
    text, detail_language = _entry_text(entry)
    if not text.strip():
        raise InputError(where, "item has no text (no content or summary); nothing to import")
    extra = {"encoding": encoding}
    if entry.get("id"):
        extra["feed_id"] = clean_text(str(entry["id"]))
    return SourceDocument(
        text=text,
        original=entry_original(entry),
        kind="feed",
        title=plain(entry.get("title")),
        url=clean_url(entry.get("link")),
        publisher=publisher,
        published_at=_entry_date(entry),
        language=plain(detail_language or language),
        origin=where,
        extra=extra,
    )


def entry_original(entry: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes that stand for one feed item (see the module docstring)."""
    fields = {key: value for key, value in entry.items() if not key.endswith("_parsed")}
    canonical = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return canonical.encode("utf-8")


def _entry_text(entry: Mapping[str, Any]) -> tuple[str, str | None]:
    """The item's content (else its summary) as plain text, and the language it declares."""
    details = [part for part in entry.get("content") or [] if str(part.get("value", "")).strip()]
    if not details and str(entry.get("summary", "")).strip():
        details = [entry.get("summary_detail") or {"type": "text/html", "value": entry["summary"]}]
    texts = [_detail_text(detail) for detail in details]
    language = next((detail.get("language") for detail in details if detail.get("language")), None)
    return "\n".join(text for text in texts if text), language


def _detail_text(detail: Mapping[str, Any]) -> str:
    value = str(detail.get("value", ""))
    if str(detail.get("type", "")).lower() in _PLAIN_TYPES:
        return clean_text(value).strip()
    return html_to_text(value)


def _entry_date(entry: Mapping[str, Any]) -> date | None:
    """The date as the feed wrote it, in its own time zone (feedparser's *_parsed is UTC)."""
    for key in ("published", "updated", "created"):
        raw = str(entry.get(key) or "").strip()
        found = _parse_date(raw) if raw else None
        if found is not None:
            return found
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if not parsed:
            continue
        try:
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        except ValueError:  # feedparser reads 0000-00-00 as year -1, which ended the feed
            continue
    return None


def _parse_date(raw: str) -> date | None:
    try:
        return datetime.fromisoformat(raw).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError, OverflowError):  # "+0808080808" as a zone
        return None
