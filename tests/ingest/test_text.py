"""Plain text and Markdown files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casebook.errors import InputError
from casebook.ingest.readers import read_bytes, read_path
from casebook.model import SourceDocument

DATA = Path(__file__).parent / "data"


def one_document(data: bytes, origin: str) -> SourceDocument:
    [item] = list(read_bytes(data, origin))
    assert isinstance(item, SourceDocument), item
    return item


def one_error(data: bytes, origin: str) -> InputError:
    [item] = list(read_bytes(data, origin))
    assert isinstance(item, InputError), item
    return item


def test_text_file_is_one_document_titled_by_its_first_line() -> None:
    [document] = list(read_path(DATA / "report.txt"))
    assert isinstance(document, SourceDocument)
    assert document.kind == "text"
    assert document.title == "Three activists arrested under national security law"
    assert "Wan Chai police station" in document.text
    assert document.origin == str(DATA / "report.txt")


def test_text_original_is_the_exact_file_bytes() -> None:
    [document] = list(read_path(DATA / "report.txt"))
    assert isinstance(document, SourceDocument)
    assert document.original == (DATA / "report.txt").read_bytes()


def test_text_line_endings_become_newlines() -> None:
    assert one_document(b"one\r\ntwo\rthree\n", "a.txt").text == "one\ntwo\nthree\n"
    assert one_document("a\u2028b\x85c".encode(), "a.txt").text == "a\nb\nc"


def test_text_with_long_first_line_has_no_title() -> None:
    assert one_document(b"x" * 300 + b"\nbody", "a.txt").title is None


def test_text_title_skips_leading_blank_lines() -> None:
    assert one_document(b"\n\n  Heading here  \nbody", "a.txt").title == "Heading here"


def test_text_control_characters_are_removed_but_tabs_and_newlines_kept() -> None:
    document = one_document(b"a\x01b\x1b[0mc\td\x7fe\nf", "a.txt")
    assert document.text == "ab[0mc\tde\nf"


def test_text_is_nfc_normalised() -> None:
    assert one_document("Cafe\u0301".encode(), "a.txt").text == "Caf\u00e9"


def test_text_of_only_control_characters_is_an_error() -> None:
    assert "no readable text" in one_error(b"\x01\x02\x03", "a.txt").reason


def test_markdown_front_matter_fills_the_metadata() -> None:
    [document] = list(read_path(DATA / "report.md"))
    assert isinstance(document, SourceDocument)
    assert document.kind == "markdown"
    assert document.title == "Activists charged with subversion"
    assert document.publisher == "Example Monitor"
    assert document.published_at == date(2021, 2, 28)
    assert document.url == "https://monitor.example.org/2021/02/28/charged"
    assert document.language == "en"


def test_markdown_other_front_matter_keys_go_into_extra_as_strings() -> None:
    [document] = list(read_path(DATA / "report.md"))
    assert isinstance(document, SourceDocument)
    assert document.extra["author"] == "Case team"
    assert document.extra["tags"] == "nsl, subversion"


def test_markdown_text_is_the_body_without_heading_marks() -> None:
    [document] = list(read_path(DATA / "report.md"))
    assert isinstance(document, SourceDocument)
    assert document.text.startswith("Forty-seven charged\n")
    assert "\nBail hearing\n" in document.text
    assert "**conspiracy to commit subversion**" in document.text
    assert "publisher:" not in document.text
    assert "#" not in document.text


def test_markdown_without_front_matter_is_titled_by_its_first_heading() -> None:
    document = one_document(b"Some intro\n\n## The real heading ##\n\nbody", "a.md")
    assert document.title == "The real heading"
    assert document.published_at is None


def test_markdown_bad_front_matter_yaml_names_the_file_and_line() -> None:
    data = b"---\ntitle: fine\nlanguage: en\npublisher: Example: News\n---\nbody\n"
    error = one_error(data, "notes/bad.md")
    assert error.origin == "notes/bad.md"
    assert "front matter" in error.reason
    assert "line 4" in error.reason


def test_markdown_unclosed_front_matter_is_an_error() -> None:
    assert "never closed" in one_error(b"---\ntitle: x\nbody text\n", "a.md").reason


@pytest.mark.parametrize("published", ["2021-13-45", "'last Tuesday'"])
def test_markdown_invalid_published_date_is_an_error(published: str) -> None:
    data = f"---\npublished: {published}\n---\nbody\n".encode()
    assert "front matter" in one_error(data, "a.md").reason


def test_markdown_published_datetime_keeps_its_calendar_date() -> None:
    data = b"---\npublished: 2021-01-06T07:00:00+08:00\n---\nbody\n"
    assert one_document(data, "a.md").published_at == date(2021, 1, 6)
