"""RSS and Atom feeds: one item per entry, parsed from bytes only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from casebook.errors import InputError
from casebook.ingest.readers import read_bytes, read_path
from casebook.model import SourceDocument

DATA = Path(__file__).parent / "data"

RSS_091 = b"""<?xml version="1.0"?>
<rss version="0.91"><channel><title>Old Monitor</title><link>http://old.example/</link>
<description>d</description><language>en</language>
<item><title>Raid</title><link>http://old.example/1</link>
<description>Police raided a newsroom.</description></item>
</channel></rss>"""

RSS_10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://rdf.example/"><title>RDF Monitor</title><link>http://rdf.example/</link>
<description>d</description></channel>
<item rdf:about="http://rdf.example/1"><title>Freeze</title><link>http://rdf.example/1</link>
<description>Assets of a union were frozen.</description>
<dc:date>2021-07-22T09:00:00+08:00</dc:date></item>
</rdf:RDF>"""


def documents(items: list[SourceDocument | InputError]) -> list[SourceDocument]:
    return [item for item in items if isinstance(item, SourceDocument)]


def test_rss2_gives_one_document_per_item_with_the_feed_title_as_publisher() -> None:
    items = list(read_path(DATA / "feed_rss2.xml"))
    first, third = documents(items)
    assert first.kind == "feed"
    assert first.title == "Activist arrested"
    assert first.url == "https://monitor.example.org/a"
    assert first.publisher == "Example Monitor"
    assert first.language == "en"
    assert third.text == "The court denied bail."
    assert third.origin == f"{DATA / 'feed_rss2.xml'} item 3"


def test_feed_item_without_text_is_an_error_for_that_item_only() -> None:
    items = list(read_path(DATA / "feed_rss2.xml"))
    assert [type(item) for item in items] == [SourceDocument, InputError, SourceDocument]
    assert items[1].origin == f"{DATA / 'feed_rss2.xml'} item 2"


def test_feed_item_html_is_stripped_including_scripts() -> None:
    first = documents(list(read_path(DATA / "feed_rss2.xml")))[0]
    assert first.text == "Police arrested an activist under the national security law."


def test_feed_date_is_the_date_in_the_feed_time_zone() -> None:
    first = documents(list(read_path(DATA / "feed_rss2.xml")))[0]
    assert first.published_at == date(2021, 1, 6)  # 07:30 +08:00 is still 5 January in UTC


def test_atom_entries_read_content_summary_and_language() -> None:
    first, second = documents(list(read_path(DATA / "feed_atom.xml")))
    assert (
        first.text
        == "The Safeguarding National Security Ordinance took effect.\nfirst point\nsecond point"
    )
    assert first.published_at == date(2024, 3, 23)
    assert first.language == "zh-Hant"
    assert first.publisher == "Example Atom Monitor"
    assert first.url == "https://atom.example.org/1"
    assert second.text == "A group voted to disband."
    assert second.published_at == date(2024, 3, 24)


@pytest.mark.parametrize(
    ("data", "text", "publisher"),
    [
        (RSS_091, "Police raided a newsroom.", "Old Monitor"),
        (RSS_10, "Assets of a union were frozen.", "RDF Monitor"),
    ],
)
def test_older_rss_versions_are_read(data: bytes, text: str, publisher: str) -> None:
    [document] = list(read_bytes(data, "feed.xml"))
    assert isinstance(document, SourceDocument)
    assert (document.text, document.publisher) == (text, publisher)


def test_feed_original_is_canonical_json_of_the_item_and_stable() -> None:
    first = documents(list(read_path(DATA / "feed_rss2.xml")))[0]
    again = documents(list(read_path(DATA / "feed_rss2.xml")))[0]
    fields = json.loads(first.original)
    assert fields["link"] == "https://monitor.example.org/a"
    assert not any(key.endswith("_parsed") for key in fields)
    assert first.original == again.original


def test_malformed_xml_is_one_error() -> None:
    [error] = list(read_bytes(b"<?xml version='1.0'?><rss><channel><<<>>> &bogus;", "bad.xml"))
    assert isinstance(error, InputError)
    assert error.reason.startswith("malformed feed")


def test_xml_that_is_not_a_feed_is_one_error() -> None:
    [error] = list(read_bytes(b"<?xml version='1.0'?><catalogue><book/></catalogue>", "c.xml"))
    assert isinstance(error, InputError)


def test_feed_bytes_naming_a_local_file_are_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes((DATA / "feed_rss2.xml").read_bytes())
    [error] = list(read_bytes(str(secret).encode(), "x.rss", kind="feed"))
    assert isinstance(error, InputError)
