"""JSON and JSON Lines: many reports in one file, one SourceDocument per record.

A record is an object with ``text`` (required) and optional ``url``, ``title``,
``publisher``, ``published`` (ISO date or datetime) and ``language``; other
scalar fields go into ``extra`` as strings. A bad record yields an InputError
for that record only.

``original`` is the record's own bytes as they appear in the file: for JSON
Lines the line without its line ending; for a JSON array the bytes from the
record's opening to its closing character (re-encoded as UTF-8 if the file was
in another encoding); for a file holding one object, the whole file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from casebook.errors import InputError
from casebook.ingest.decode import Decoded, clean_text, clean_url, decode, size_text
from casebook.model import SourceDocument

_KNOWN = ("title", "url", "publisher", "language")
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True, slots=True)
class Fields:
    """The metadata of a record or of Markdown front matter, checked and cleaned."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    language: str | None = None
    published_at: date | None = None
    extra: dict[str, str] = field(default_factory=dict)


def read_fields(values: Mapping[Any, Any], skip: tuple[str, ...] = ()) -> Fields:
    """Split a mapping into the known metadata fields and `extra`; ValueError names a bad one."""
    known = {name: _optional_text(values.get(name)) for name in _KNOWN}
    known["url"] = clean_url(known["url"])
    extra = {}
    for key, value in values.items():
        text = _as_extra(value)
        if str(key) not in (*_KNOWN, "published", *skip) and text is not None:
            extra[clean_text(str(key))] = text
    return Fields(**known, published_at=parse_published(values.get("published")), extra=extra)


def parse_published(value: object) -> date | None:
    """An ISO date or datetime (string, or a date YAML already parsed) → its calendar date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"published {text[:40]!r} is not an ISO date (YYYY-MM-DD)") from None


def read_json(data: bytes, origin: str) -> Iterator[SourceDocument | InputError]:
    """One JSON file: an array of records or a single record object."""
    decoded = decode(data, origin)
    try:
        spans = _top_level_records(decoded.text)
    except json.JSONDecodeError as error:
        raise _syntax_error(origin, error) from None
    except RecursionError:
        raise InputError(origin, "JSON nested too deeply to read") from None
    if len(spans) == 1 and not decoded.text.lstrip(_WHITESPACE).startswith("["):
        yield _record(spans[0][0], data, origin, decoded.encoding)
        return
    if not spans:
        raise InputError(origin, "the JSON array holds no records")
    for number, (value, start, end) in enumerate(spans, 1):
        original = decoded.text[start:end].encode("utf-8")
        try:
            yield _record(value, original, f"{origin} record {number}", decoded.encoding)
        except InputError as error:
            yield error


def read_jsonl(
    stream: IO[bytes], origin: str, max_record_bytes: int
) -> Iterator[SourceDocument | InputError]:
    """JSON Lines streamed from a binary file object, one item per non-blank line."""
    found = False
    for number, line in enumerate(_lines(stream, max_record_bytes), 1):
        where = f"{origin} line {number}"
        if isinstance(line, int):
            found = True
            limit = size_text(max_record_bytes)
            reason = f"record is {size_text(line)}; one record may be at most {limit}; shorten it"
            yield InputError(where, reason)
            continue
        body = line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line
        body = body.rstrip(b"\r\n")
        if not body.strip():
            continue
        found = True
        yield _jsonl_record(body, where)
    if not found:
        yield InputError(origin, "empty file")


def _lines(stream: IO[bytes], limit: int) -> Iterator[bytes | int]:
    """Lines of at most `limit` bytes; for a longer line, its length instead of its bytes."""
    while line := stream.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
            size += len(rest)
        yield size + len(rest)


def _jsonl_record(body: bytes, where: str) -> SourceDocument | InputError:
    try:
        decoded = Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        try:
            decoded = decode(body, where)
        except InputError as error:
            return error
    try:
        value = json.loads(decoded.text, parse_int=_json_int)
    except json.JSONDecodeError as error:
        return _syntax_error(where, error, line_known=True)
    except RecursionError:
        return InputError(where, "JSON nested too deeply to read")
    try:
        return _record(value, body, where, decoded.encoding)
    except InputError as error:
        return error


def _record(value: object, original: bytes, where: str, encoding: str) -> SourceDocument:
    """One record → SourceDocument; InputError if it has no usable text."""
    if not isinstance(value, dict):
        raise InputError(where, f"a record must be a JSON object, not {_json_type(value)}")
    text = value.get("text")
    if not isinstance(text, str):
        problem = 'has no "text" field' if text is None else f'"text" is {_json_type(text)}'
        raise InputError(where, f"record {problem}; every record needs its report as a string")
    cleaned = clean_text(text)
    if not cleaned.strip():
        raise InputError(where, '"text" is empty; nothing to import')
    try:
        fields = read_fields(value, skip=("text",))
    except ValueError as error:
        raise InputError(where, f"{error}; fix the record and import it again") from None
    return SourceDocument(
        text=cleaned,
        original=original,
        kind="json",
        title=fields.title,
        url=fields.url,
        publisher=fields.publisher,
        published_at=fields.published_at,
        language=fields.language,
        origin=where,
        extra={**fields.extra, "encoding": encoding},
    )


def _top_level_records(text: str) -> list[tuple[Any, int, int]]:
    """Each top-level record with its start and end offsets; JSONDecodeError where malformed."""
    decoder = json.JSONDecoder(parse_int=_json_int)
    start = _skip(text, 0)
    if not text.startswith("[", start):
        value, end = decoder.raw_decode(text, start)
        _expect_end(text, end)
        return [(value, start, end)]
    spans: list[tuple[Any, int, int]] = []
    position = _skip(text, start + 1)
    if text.startswith("]", position):
        _expect_end(text, position + 1)
        return spans
    while True:
        value, end = decoder.raw_decode(text, position)
        spans.append((value, position, end))
        position = _skip(text, end)
        if text.startswith("]", position):
            _expect_end(text, position + 1)
            return spans
        if not text.startswith(",", position):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
        position = _skip(text, position + 1)


def _json_int(digits: str) -> int | str:
    """An integer; its digits as text when Python refuses to convert that many (over 4300)."""
    try:
        return int(digits)
    except ValueError:  # it ended the whole file's reading, or the rest of a JSON Lines file
        return digits


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _expect_end(text: str, position: int) -> None:
    end = _skip(text, position)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)


def _syntax_error(where: str, error: json.JSONDecodeError, line_known: bool = False) -> InputError:
    place = f"column {error.colno}" if line_known else f"line {error.lineno}, column {error.colno}"
    hint = "fix the JSON and import it again"
    if error.msg == "Extra data" and error.colno == 1 and not line_known:
        hint = "it looks like JSON Lines (one record per line): name it .jsonl"
    return InputError(where, f"malformed JSON at {place}: {error.msg}; {hint}")


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = clean_text(str(value)).strip()
    return text or None


def _as_extra(value: object) -> str | None:
    """Scalars as strings; a list of scalars joined by commas; anything else left out."""
    if isinstance(value, list):
        items = [_as_extra(item) for item in value if not isinstance(item, dict | list)]
        return ", ".join(item for item in items if item) or None
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
