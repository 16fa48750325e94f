"""HTML pages: article text without boilerplate or markup, metadata from meta tags."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casebook.errors import InputError
from casebook.ingest.html import html_to_text
from casebook.ingest.readers import read_bytes, read_path
from casebook.model import SourceDocument

DATA = Path(__file__).parent / "data"
HOSTILE_TRACES = ("<", ">", "alert", "javascript", "onerror", "onmouseover", "TRACKING", "color:")


def article() -> SourceDocument:
    [document] = list(read_path(DATA / "article.html"))
    assert isinstance(document, SourceDocument), document
    return document


def one_item(markup: str, origin: str = "page.html") -> SourceDocument | InputError:
    [item] = list(read_bytes(markup.encode(), origin))
    return item


def test_html_drops_navigation_and_keeps_article_text() -> None:
    text = article().text
    assert "Police arrested three activists on Wednesday morning" in text
    assert "would apply for bail later this week" in text
    assert "World news menu" not in text
    assert "Accept all cookies" not in text
    assert "All rights reserved" not in text


def test_html_metadata_comes_from_meta_tags() -> None:
    document = article()
    assert document.kind == "html"
    assert document.title == "Three activists arrested under national security law"
    assert document.publisher == "Example News"
    assert document.published_at == date(2021, 1, 6)
    assert document.url == "https://news.example.org/2021/01/06/arrests"
    assert document.language == "en-GB"


def test_html_original_is_the_whole_file() -> None:
    assert article().original == (DATA / "article.html").read_bytes()


def test_html_hostile_markup_never_reaches_the_text() -> None:
    text = article().text
    for trace in HOSTILE_TRACES:
        assert trace not in text


def test_html_markup_in_the_title_is_removed() -> None:
    page = (
        "<html><head><title>Arrests<script>alert(1)</script> today</title></head>"
        "<body><p>Police arrested two people on Monday under the sedition law.</p></body></html>"
    )
    document = one_item(page)
    assert isinstance(document, SourceDocument)
    assert document.title is not None
    assert "<" not in document.title and "alert" not in document.title


def test_html_title_falls_back_to_the_title_element() -> None:
    page = (
        "<html><head><title>Court list</title></head>"
        "<body><p>Two cases were heard today in court.</p></body></html>"
    )
    document = one_item(page)
    assert isinstance(document, SourceDocument)
    assert document.title == "Court list"


def test_html_with_unclosed_tags_is_still_extracted() -> None:
    page = (
        "<html><body><div><p>Unclosed paragraph about arrests <p>second paragraph"
        " <b>bold never closed <i>and more text"
    )
    document = one_item(page)
    assert isinstance(document, SourceDocument)
    assert "Unclosed paragraph about arrests" in document.text
    assert "and more text" in document.text


def test_html_fragment_without_html_element_is_read() -> None:
    document = one_item("<p>A bare fragment saying the court granted bail.</p>")
    assert isinstance(document, SourceDocument)
    assert document.text == "A bare fragment saying the court granted bail."


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title></title></head><body></body></html>",
        "<html><body><script>document.write('hello world from script')</script></body></html>",
        "<html><body><style>p { color: red }</style>   </body></html>",
    ],
)
def test_html_without_readable_text_is_an_error(page: str) -> None:
    error = one_item(page)
    assert isinstance(error, InputError)
    assert "no readable text" in error.reason


def test_html_gigantic_nesting_does_not_crash_or_leak_markup() -> None:
    page = (
        "<html><body><p>Intro text about the case.</p>"
        + "<div>" * 50_000
        + "deep"
        + "</div>" * 50_000
    )
    item = one_item(page + "</body></html>")
    assert isinstance(item, SourceDocument)
    assert "<" not in item.text and "Intro text about the case." in item.text


def test_html_to_text_keeps_every_block_of_a_fragment() -> None:
    fragment = "<p>Police said:</p><ul><li>one arrested</li><li>two <b>charged</b></li></ul>"
    assert html_to_text(fragment) == "Police said:\none arrested\ntwo charged"


def test_html_to_text_drops_scripts_handlers_and_decodes_entities() -> None:
    fragment = (
        '<p onclick="alert(1)">Fish &amp; chips<script>alert(2)</script>'
        "<img src=x onerror=alert(3)></p>"
    )
    assert html_to_text(fragment) == "Fish & chips"


def test_html_to_text_of_nothing_is_empty() -> None:
    assert html_to_text("") == ""
