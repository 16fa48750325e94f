"""Dispatch: which reader a file or download gets, and problems as items, never exceptions."""

from __future__ import annotations

import os
import tracemalloc
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.errors import InputError
from casebook.ingest.readers import ReadLimits, iter_files, kind_of, read_bytes, read_path
from casebook.model import SourceDocument

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("a.txt", b"<html>", "text"),
        ("a.MD", b"", "markdown"),
        ("a.htm", b"", "html"),
        ("a.json", b"", "json"),
        ("a.ndjson", b"", "jsonl"),
        ("a.rss", b"", "feed"),
        ("https://x.example/feed.atom?page=2", b"", "feed"),
        ("a.pdf", b"plain words", None),
        ("upload", b"%PDF-1.4", None),
        ("upload", b"\x89PNG\r\n\x1a\n", None),
        ("upload", b'<?xml version="1.0"?>\n<rss version="2.0">', "feed"),
        (
            "upload",
            b'\xef\xbb\xbf<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">',
            "feed",
        ),
        ("upload", b"<?xml version='1.0'?><rdf:RDF>", "feed"),
        ("https://x.example/news/1", b"  <!DOCTYPE html><html>", "html"),
        ("upload", b"<HTML><BODY>", "html"),
        ("upload", b'[{"text": "a"}]', "json"),
        ("upload", b'{\n  "text": "a"\n}', "json"),
        ("upload", b'{"text": "a"}\n{"text": "b"}\n', "jsonl"),
        ("upload", b"---\ntitle: x\n---\n", "markdown"),
        ("upload", b"Police arrested three people.", "text"),
        ("upload", b"", "text"),
    ],
)
def test_kind_of_uses_the_extension_then_sniffs(name: str, head: bytes, kind: str | None) -> None:
    assert kind_of(name, head) == kind


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("text/html; charset=utf-8", "html"),
        ("application/rss+xml", "feed"),
        ("application/atom+xml", "feed"),
        ("application/json", "json"),
        ("text/markdown", "markdown"),
    ],
)
def test_read_bytes_picks_the_kind_from_the_content_type(content_type: str, kind: str) -> None:
    data = (
        DATA
        / {"html": "article.html", "feed": "feed_rss2.xml", "json": "records.json"}.get(
            kind, "report.md"
        )
    ).read_bytes()
    if kind == "feed" and "atom" in content_type:
        data = (DATA / "feed_atom.xml").read_bytes()
    first = next(read_bytes(data, "https://x.example/download", content_type=content_type))
    assert isinstance(first, SourceDocument)
    assert first.kind == kind


def test_json_lines_served_as_application_json_are_read_as_json_lines() -> None:
    data = b'{"text": "a"}\n{"text": "b"}\n'
    items = list(read_bytes(data, "https://x.example/export", content_type="application/json"))
    assert [item.origin for item in items] == [f"https://x.example/export line {n}" for n in (1, 2)]


def test_read_bytes_sniffs_when_the_content_type_is_generic() -> None:
    data = (DATA / "feed_rss2.xml").read_bytes()
    first = next(read_bytes(data, "https://x.example/feed", content_type="text/plain"))
    assert isinstance(first, SourceDocument) and first.kind == "feed"


def test_an_explicit_kind_wins() -> None:
    [document] = list(read_bytes(b"<p>shown as is</p>", "a.html", kind="text"))
    assert isinstance(document, SourceDocument) and document.text == "<p>shown as is</p>"


def test_an_unknown_kind_is_an_error() -> None:
    [error] = list(read_bytes(b"x", "a.txt", kind="pdf"))
    assert isinstance(error, InputError) and "unknown input kind" in error.reason


def test_a_binary_extension_is_refused_as_binary() -> None:
    [error] = list(read_bytes(b"not really a pdf", "scan.pdf"))
    assert isinstance(error, InputError) and error.reason.startswith("binary file (PDF)")


def test_read_path_of_a_folder_is_one_error(tmp_path: Path) -> None:
    [error] = list(read_path(tmp_path))
    assert isinstance(error, InputError)
    assert error.origin == str(tmp_path) and "folder" in error.reason


def test_read_path_of_a_vanished_file_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    path.write_text("here a moment ago")
    path.unlink()
    [error] = list(read_path(path))
    assert isinstance(error, InputError) and "not found" in error.reason


def test_read_path_of_a_special_file_is_one_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    [error] = list(read_path(fifo))
    assert isinstance(error, InputError) and "special file" in error.reason


def test_hundred_megabyte_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    chunk = b"Police arrested three activists under the national security law.\n" * 16_384
    with path.open("wb") as out:
        for _ in range(100 * 1024 * 1024 // len(chunk)):
            out.write(chunk)
        out.write(chunk[: 100 * 1024 * 1024 % len(chunk)])
    tracemalloc.start()
    try:
        [error] = list(read_path(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, InputError)
    assert error.reason.startswith("file is 100.0 MB; one report may be at most 10.0 MB")
    assert peak < 20 * 1024 * 1024


def test_limits_apply_to_downloaded_bytes_too() -> None:
    [error] = list(
        read_bytes(b"x" * 2048, "https://x.example/a.txt", ReadLimits(max_document_bytes=1024))
    )
    assert isinstance(error, InputError) and "may be at most" in error.reason


def test_iter_files_is_recursive_sorted_and_skips_hidden_entries(tmp_path: Path) -> None:
    for name in ("b.txt", "a/z.md", "a/b/c.html", ".hidden/x.txt", "a/.secret.txt", "c.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [path.relative_to(tmp_path).as_posix() for path in iter_files(tmp_path)]
    assert found == ["a/b/c.html", "a/z.md", "b.txt", "c.json"]


def test_iter_files_skips_symlinks_that_leave_the_root(tmp_path: Path) -> None:
    outside, root = tmp_path / "outside", tmp_path / "root"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("x")
    (outside / "dir" / "deep.txt").write_text("x")
    root.mkdir()
    (root / "inside.txt").write_text("x")
    (root / "out_file.txt").symlink_to(outside / "secret.txt")
    (root / "out_dir").symlink_to(outside / "dir")
    (root / "in_link.txt").symlink_to(root / "inside.txt")
    (root / "loop").symlink_to(root)
    (root / "broken.txt").symlink_to(tmp_path / "missing.txt")
    names = [path.name for path in iter_files(root)]
    assert names == ["in_link.txt", "inside.txt"]


def test_iter_files_of_a_file_yields_that_file() -> None:
    assert list(iter_files(DATA / "report.txt")) == [DATA / "report.txt"]


@pytest.mark.parametrize(
    ("data", "origin"),
    [
        (b'{"text": "a", "url": "javascript:alert(1)"}', "a.json"),
        (b"---\nurl: 'data:text/html,<script>alert(1)</script>'\n---\nbody", "a.md"),
        (
            b'<html><head><link rel="canonical" href="javascript:alert(1)"></head>'
            b"<body><p>Police arrested two people on Monday.</p></body></html>",
            "a.html",
        ),
        (
            b"<rss version='2.0'><channel><title>t</title><item><link>javascript:alert(1)</link>"
            b"<description>Two arrested.</description></item></channel></rss>",
            "a.rss",
        ),
    ],
)
def test_only_web_urls_are_kept(data: bytes, origin: str) -> None:
    [document] = list(read_bytes(data, origin))
    assert isinstance(document, SourceDocument) and document.url is None


BAD_INPUTS = [
    (b"", "empty.txt"),
    (b"%PDF-1.4", "a.txt"),
    (b"---\na: b: c\n---\n", "a.md"),
    (b"<html><body></body></html>", "a.html"),
    (b'[{"text": 1}, {"x": 2}, 3]', "a.json"),
    (b'{"text": "a",\n', "a.json"),
    (b'{"a": 1}\n{bad\n', "a.jsonl"),
    (b"<rss><channel><item></item></channel></rss>", "a.rss"),
    (b"<?xml version='1.0'?><rss><<<", "a.xml"),
]


@pytest.mark.parametrize(("data", "origin"), BAD_INPUTS)
def test_every_problem_is_an_error_item_of_one_line(data: bytes, origin: str) -> None:
    items = list(read_bytes(data, origin))
    errors = [item for item in items if isinstance(item, InputError)]
    assert errors
    for error in errors:
        assert "\n" not in str(error) and error.origin.startswith(origin)


def is_control(char: str) -> bool:
    return unicodedata.category(char) in {"Cc", "Cs"} and char not in "\n\t"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_utf8_text_gives_one_clean_document_or_one_error(text: str) -> None:
    data = text.encode("utf-8")
    items = list(read_bytes(data, "x.txt"))
    assert len(items) == 1
    [item] = items
    if isinstance(item, SourceDocument):
        assert not any(is_control(char) for char in item.text)
        assert "\x00" not in item.text and "\r" not in item.text
        assert item.original == data
        assert unicodedata.is_normalized("NFC", item.text)
    else:
        assert isinstance(item, InputError)
        assert "\n" not in item.reason


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from(["a.txt", "a.md", "a.html", "a.json", "a.jsonl", "a.rss", "a"]),
)
def test_any_bytes_of_any_kind_never_raise(data: bytes, origin: str) -> None:
    for item in read_bytes(data, origin):
        assert isinstance(item, SourceDocument | InputError)
