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
# The closing #s are stripped in Python: as a regex, `(.*?)(?:[ \t]+#+)?[ \t]*$` backtracks
# quadratically over a run of spaces, and a 40 KB heading line took over a minute.
_HEADING = re.compile(r"^[ ]{0,3}#{1,6}(?:[ \t]+|$)(.*)$", re.M)
_FENCE_CLOSE = ("---", "...")
# PyYAML's scanner does work proportional to the open [ and { at every token, so a few
# KB of [[[[ took seconds before its recursion gave out; metadata is never this deep.
MAX_FLOW_DEPTH = 32
_BRACKETS = re.compile(r"[\[\]{}]")


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
    text = _require_text(_HEADING.sub(_heading_text, body), origin)
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
    if _flow_depth(block) > MAX_FLOW_DEPTH:
        raise InputError(origin, f"front matter nested over {MAX_FLOW_DEPTH} brackets deep; fix it")
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


def _flow_depth(block: str) -> int:
    """How deep [ and { nest (quoted ones counted too: a cheap upper bound)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(block):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def _first_heading(body: str) -> str | None:
    match = _HEADING.search(body)
    title = _heading_text(match).strip() if match else ""
    return title if 0 < len(title) < MAX_TITLE_CHARS else None


def _heading_text(match: re.Match[str]) -> str:
    """A heading's text without trailing blanks or a closing run of #s (after a blank)."""
    text = match.group(1).rstrip(" \t")
    bare = text.rstrip("#")
    return bare.rstrip(" \t") if bare != text and bare[-1:] in (" ", "\t") else text


def _require_text(text: str, origin: str) -> str:
    if not text.strip():
        raise InputError(origin, "no readable text (only whitespace or control characters)")
    return text
