"""Pick the reader for a file or a download and run it, turning every failure into an item.

Nothing here raises for bad content: each problem comes out as an InputError
item naming the file (and record) and saying what to do, so one bad file or
record never stops an import.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeAlias
from urllib.parse import urlsplit

from casebook.errors import InputError
from casebook.ingest.bulk import read_json, read_jsonl
from casebook.ingest.decode import (
    HEAD_BYTES,
    binary_error,
    binary_kind,
    reject_binary_or_empty,
    too_big,
)
from casebook.ingest.feed import read_feed
from casebook.ingest.html import read_html
from casebook.ingest.text import read_markdown, read_text
from casebook.model import SourceDocument

Item: TypeAlias = SourceDocument | InputError
KINDS = ("text", "markdown", "html", "json", "jsonl", "feed")

_EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".rss": "feed", ".atom": "feed", ".rdf": "feed",
}  # fmt: skip
_BINARY_EXTENSIONS = {
    ".pdf": "PDF", ".doc": "Word document", ".docx": "Word document", ".odt": "OpenDocument",
    ".xls": "spreadsheet", ".xlsx": "spreadsheet", ".png": "PNG image", ".jpg": "JPEG image",
    ".jpeg": "JPEG image", ".gif": "GIF image", ".zip": "ZIP archive", ".gz": "gzip archive",
}  # fmt: skip
_CONTENT_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html", "text/markdown": "markdown",
    "application/json": "json", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
    "application/rss+xml": "feed", "application/atom+xml": "feed", "application/rdf+xml": "feed",
}  # fmt: skip
_FEED_ROOTS = ("<rss", "<feed", "<rdf:rdf", "<rdf")
_HTML_STARTS = ("<!doctype html", "<html", "<head", "<body")


@dataclass(frozen=True)
class ReadLimits:
    """Size limits that keep one input from exhausting memory."""

    # one report: a text/HTML file, one JSON record, one feed file
    max_document_bytes: int = 10 * 1024 * 1024
    # a JSONL file is streamed line by line up to this
    max_bulk_bytes: int = 2 * 1024**3


def kind_of(path_or_url: str, head: bytes) -> str | None:
    """The input kind by extension, else by sniffing the first bytes; None for binary files."""
    suffix = _suffix(path_or_url)
    if suffix in _BINARY_EXTENSIONS:
        return None
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if binary_kind(head) is not None:
        return None
    start = _sniff_start(head)
    if start.startswith("<?xml"):
        return "html" if "<html" in start else "feed"
    if start.startswith(_FEED_ROOTS):
        return "feed"
    if start.startswith(_HTML_STARTS) or (start.startswith("<") and "<html" in start):
        return "html"
    if start.startswith("["):
        return "json"
    if start.startswith("{"):
        return "jsonl" if _looks_like_json_lines(start) else "json"
    if start.startswith(("---\n", "---\r\n", "# ")):
        return "markdown"
    return "text"


def read_path(
    path: Path, limits: ReadLimits = ReadLimits(), kind: str | None = None
) -> Iterator[Item]:
    """One file → its items; JSON Lines streamed; problems as InputError items, never raised."""
    origin = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a special file"
            yield InputError(origin, f"{what}, not a report file; {_GIVE_A_FILE}")
            return
        with path.open("rb") as stream:
            yield from _read_stream(stream, info.st_size, origin, limits, kind)
    except OSError as error:
        yield InputError(origin, _describe(error))


def read_bytes(
    data: bytes,
    origin: str,
    limits: ReadLimits = ReadLimits(),
    kind: str | None = None,
    content_type: str | None = None,
) -> Iterator[Item]:
    """Bytes fetched from a URL (or anywhere) → items, as read_path does for a file."""
    mime, charset = _parse_content_type(content_type)
    chosen = kind or _CONTENT_TYPES.get(mime)
    sniffed = kind_of("", data[:HEAD_BYTES])
    if chosen is None and mime in {"text/xml", "application/xml"}:
        chosen = "html" if sniffed == "html" else "feed"
    if kind is None and chosen == "json" and sniffed == "jsonl":  # servers label both as JSON
        chosen = "jsonl"
    yield from _read_stream(io.BytesIO(data), len(data), origin, limits, chosen, charset)


def iter_files(root: Path) -> Iterator[Path]:
    """Files under a folder, recursively and sorted; hidden names and outward symlinks skipped."""
    if not root.is_dir():
        yield root
        return
    base = root.resolve()
    seen = {base}
    pending = [iter(_entries(root, base))]  # depth first, so the order is that of sorted paths
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
        elif entry.is_dir():
            real = entry.resolve()
            if real not in seen:  # a symlink back up the tree would loop forever
                seen.add(real)
                pending.append(iter(_entries(entry, base)))
        elif entry.is_file():
            yield entry


def _read_stream(
    stream: IO[bytes],
    size: int,
    origin: str,
    limits: ReadLimits,
    kind: str | None,
    charset: str | None = None,
) -> Iterator[Item]:
    head = stream.read(HEAD_BYTES)
    chosen = kind or kind_of(origin, head)
    if chosen is None:
        found = binary_kind(head) or _BINARY_EXTENSIONS.get(_suffix(origin), "binary")
        yield binary_error(origin, found)
        return
    if chosen not in KINDS:
        yield InputError(origin, f"unknown input kind {chosen!r}; use one of {', '.join(KINDS)}")
        return
    if chosen == "jsonl":
        yield from _read_json_lines(stream, head, size, origin, limits)
        return
    if size > limits.max_document_bytes:
        yield _too_big(origin, size, limits, chosen)
        return
    data = head + stream.read(max(0, limits.max_document_bytes + 1 - len(head)))
    if len(data) > limits.max_document_bytes:  # the file grew after we looked at its size
        yield _too_big(origin, len(data), limits, chosen)
        return
    yield from _guarded(_parse(data, origin, chosen, charset), origin)


def _read_json_lines(
    stream: IO[bytes], head: bytes, size: int, origin: str, limits: ReadLimits
) -> Iterator[Item]:
    if size > limits.max_bulk_bytes:
        yield too_big(origin, size, limits.max_bulk_bytes, "a JSON Lines file")
        return
    found = binary_kind(head)
    if found is not None or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield binary_error(origin, found) if found else InputError(origin, _NOT_UTF8)
        return
    stream.seek(0)
    yield from _guarded(read_jsonl(stream, origin, limits.max_document_bytes), origin)


_GIVE_A_FILE = "give a file, or import the folder"
_NOT_UTF8 = "JSON Lines must be UTF-8; save the file as UTF-8 and import it again"


def _parse(data: bytes, origin: str, kind: str, charset: str | None) -> Iterator[Item]:
    reject_binary_or_empty(data, origin)
    readers: dict[str, Callable[[], Iterator[Item]]] = {
        "text": lambda: iter([read_text(data, origin)]),
        "markdown": lambda: iter([read_markdown(data, origin)]),
        "html": lambda: iter([read_html(data, origin, charset)]),
        "json": lambda: read_json(data, origin),
        "feed": lambda: read_feed(data, origin, charset),
    }
    yield from readers[kind]()


def _guarded(items: Iterator[Item], origin: str) -> Iterator[Item]:
    """Pass items through; a failure while reading becomes a last InputError item."""
    try:
        yield from items
    except InputError as error:
        yield error
    except RecursionError:
        yield InputError(origin, "nested too deeply to read; is this file damaged?")
    except Exception as error:  # a parser library failing on content nobody foresaw
        reason = f"could not be read ({type(error).__name__}: {error})"
        yield InputError(origin, " ".join(f"{reason}; please report this file".split()))


def _too_big(origin: str, size: int, limits: ReadLimits, kind: str) -> InputError:
    if kind == "json":
        advice = "write its records as JSON Lines (.jsonl), read one record at a time"
        return too_big(origin, size, limits.max_document_bytes, "a JSON file", advice)
    return too_big(origin, size, limits.max_document_bytes)


def _describe(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found (moved or deleted?); check the path"
    if isinstance(error, IsADirectoryError):
        return f"a folder, not a report file; {_GIVE_A_FILE}"
    if isinstance(error, PermissionError):
        return "permission denied; check the file's permissions"
    return f"cannot read the file ({error.strerror or error}); check the disk and the path"


def _entries(folder: Path, base: Path) -> list[Path]:
    """A folder's visible entries, sorted, without symlinks that lead out of `base`."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    entries = []
    for name in names:
        entry = folder / name
        if name.startswith(".") or (entry.is_symlink() and not _inside(entry, base)):
            continue
        entries.append(entry)
    return entries


def _inside(entry: Path, base: Path) -> bool:
    try:
        return entry.resolve(strict=True).is_relative_to(base)
    except (OSError, RuntimeError):  # a broken link or a symlink loop
        return False


def _suffix(path_or_url: str) -> str:
    path = urlsplit(path_or_url).path if "://" in path_or_url else path_or_url
    return os.path.splitext(path)[1].lower()


def _sniff_start(head: bytes) -> str:
    """The first bytes as lower-case text, BOM and leading whitespace dropped, for sniffing."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore").lstrip().lower()
    return head.decode("latin-1").lstrip().lower()


def _looks_like_json_lines(start: str) -> bool:
    """JSON Lines when the first line is a whole JSON value or longer than the sniffed head.

    When in doubt prefer JSON Lines: a one-line JSON object reads the same either way.
    """
    first, newline, _ = start.partition("\n")
    if not newline:
        return True
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


def _parse_content_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    mime, *params = (part.strip() for part in content_type.split(";"))
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip("\"' "):
            return mime.lower(), value.strip("\"' ")
    return mime.lower(), None
