"""Plain text and Markdown files: one SourceDocument each, `original` the whole file.

Markdown may open with YAML front matter between two ``---`` lines (keys title,
publisher, published, url, language; anything else goes into ``extra``). The
working text is the body as written, with the leading ``#`` of headings removed.
"""

from __future__ import annotations

import re

import yaml

from casebook.errors import InputError
from casebook.ingest.bulk import Fields, read_fields
from casebook.ingest.decode import clean_text, decode
from casebook.model import SourceDocument

MAX_TITLE_CHARS = 200
_HEADING = re.compile(r"^[ ]{0,3}#{1,6}(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
_FENCE_CLOSE = ("---", "...")


def read_text(data: bytes, origin: str) -> SourceDocument:
    """A plain-text report; its title is the first non-empty line when that line is short."""
    decoded = decode(data, origin)
    text = _require_text(clean_text(decoded.text), origin)
    return SourceDocument(
        text=text,
        original=data,
        kind="text",
        title=first_line_title(text),
        origin=origin,
        extra={"encoding": decoded.encoding},
    )


def read_markdown(data: bytes, origin: str) -> SourceDocument:
    """A Markdown report with optional YAML front matter."""
    decoded = decode(data, origin)
    source = clean_text(decoded.text)
    fields, body = _split_front_matter(source, origin)
    text = _require_text(_HEADING.sub(r"\1", body), origin)
    return SourceDocument(
        text=text,
        original=data,
        kind="markdown",
        title=fields.title or _first_heading(body) or first_line_title(text),
        url=fields.url,
        publisher=fields.publisher,
        published_at=fields.published_at,
        language=fields.language,
        origin=origin,
        extra={**fields.extra, "encoding": decoded.encoding},
    )


def first_line_title(text: str) -> str | None:
    """The first non-empty line, if shorter than MAX_TITLE_CHARS."""
    for line in text.splitlines():
        if line.strip():
            title = line.strip()
            return title if len(title) < MAX_TITLE_CHARS else None
    return None


def _split_front_matter(source: str, origin: str) -> tuple[Fields, str]:
    """Front matter fields and the body after it; InputError names the line of a YAML error."""
    lines = source.split("\n")
    if lines[0].rstrip() != "---":
        return Fields(), source
    for index, line in enumerate(lines[1:], 1):
        if line.rstrip() in _FENCE_CLOSE:
            fields = _front_matter_fields("\n".join(lines[1:index]), origin)
            return fields, "\n".join(lines[index + 1 :])
    raise InputError(origin, "front matter opened by --- on line 1 is never closed; add a --- line")


def _front_matter_fields(block: str, origin: str) -> Fields:
    try:
        values = yaml.safe_load(block)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 2}" if mark is not None else "the front matter"
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise InputError(origin, f"front matter YAML error at {where}: {problem}; fix it") from None
    except ValueError as error:  # YAML resolves 2021-13-45 as a timestamp, then fails on it
        raise InputError(origin, f"front matter: {error}; fix the date") from None
    if values is None:
        return Fields()
    if not isinstance(values, dict):
        raise InputError(origin, "front matter must be 'key: value' lines (title, published, ...)")
    try:
        return read_fields(values)
    except ValueError as error:
        raise InputError(origin, f"front matter: {error}; fix it") from None


def _first_heading(body: str) -> str | None:
    match = _HEADING.search(body)
    title = match.group(1).strip() if match else ""
    return title if 0 < len(title) < MAX_TITLE_CHARS else None


def _require_text(text: str, origin: str) -> str:
    if not text.strip():
        raise InputError(origin, "no readable text (only whitespace or control characters)")
    return text
