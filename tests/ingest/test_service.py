"""Ingest into a real store: duplicates, near-duplicates, bad input, metadata, URLs."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from casebook.config import Config
from casebook.ingest.service import Metadata, Result, Summary, ingest, plan
from casebook.store import audit
from casebook.store.engine import Store
from casebook.store.schema import Source, SourceOriginal
from casebook.store.sources import search

WIRE = (
    "HONG KONG (Wire) - Police arrested 53 pro-democracy activists on Wednesday under the "
    "national security law, accusing them of subversion over an unofficial primary election "
    "held last July. Officers searched 72 premises, including a law firm and the offices of a "
    "polling organisation, in the largest operation since the law took effect. Those arrested "
    "included former lawmakers and younger activists. The Secretary for Security said the group "
    "had planned to paralyse the government. Rights groups condemned the arrests."
)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _run(
    store: Store, targets: list[str], metadata: Metadata | None = None, **settings: object
) -> tuple[Summary, list]:
    config = Config(db=str(store.engine.url), user="tester", **settings)  # type: ignore[arg-type]
    summary, outcomes = Summary(), []
    for outcome in ingest(store, config, plan(targets), metadata):
        summary.add(outcome)
        outcomes.append(outcome)
    return summary, outcomes


def _count(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Source)) or 0)


def test_ingest_stores_original_bytes_hash_and_working_text(store: Store, inbox: Path) -> None:
    original = b"Title line\r\n\r\nPolice arrested a man under the sedition law.\r\n"
    path = inbox / "report.txt"
    path.write_bytes(original)
    summary, _ = _run(store, [str(path)])
    assert summary.counts[Result.INGESTED] == 1
    with store.reader() as session:
        source = session.scalars(select(Source)).one()
        kept = session.get(SourceOriginal, source.id)
    assert kept is not None and kept.content == original
    assert source.sha256 == hashlib.sha256(original).hexdigest()
    assert "\r" not in source.text and "sedition law" in source.text
    assert source.captured_at is not None


def test_ingest_same_bytes_twice_is_stored_once(store: Store, inbox: Path) -> None:
    (inbox / "a.txt").write_text(WIRE, encoding="utf-8")
    (inbox / "copy.txt").write_text(WIRE, encoding="utf-8")
    summary, _ = _run(store, [str(inbox)])
    again, _ = _run(store, [str(inbox / "a.txt")])
    assert summary.counts[Result.INGESTED] == 1 and summary.counts[Result.DUPLICATE] == 1
    assert again.counts[Result.DUPLICATE] == 1
    assert _count(store) == 1


def test_ingest_links_a_lightly_edited_republication_to_the_first_copy(
    store: Store, inbox: Path
) -> None:
    edited = WIRE.replace("HONG KONG (Wire) - ", "By Staff Reporter. ").replace(
        "Rights groups condemned the arrests.",
        "Rights groups and foreign governments condemned it.",
    )
    (inbox / "1-original.txt").write_text(WIRE, encoding="utf-8")
    (inbox / "2-republished.txt").write_text(edited, encoding="utf-8")
    (inbox / "3-other.txt").write_text(
        "The Hong Kong Alliance voted to disband at a general meeting on Saturday, its leaders "
        "already in custody on national security charges, ending three decades of vigils.",
        encoding="utf-8",
    )
    _, outcomes = _run(store, [str(inbox)])
    assert [o.result for o in outcomes] == [Result.INGESTED, Result.NEAR_DUPLICATE, Result.INGESTED]
    assert outcomes[1].detail == outcomes[0].source_id
    with store.reader() as session:
        republished = session.scalars(
            select(Source).where(Source.id == outcomes[1].source_id)
        ).one()
    assert republished.near_duplicate_of == outcomes[0].source_id
    assert (republished.near_duplicate_score or 0) >= 0.8


def test_ingest_near_duplicate_found_across_runs(store: Store, inbox: Path) -> None:
    (inbox / "a.txt").write_text(WIRE, encoding="utf-8")
    (inbox / "b.txt").write_text(WIRE.replace("Wednesday", "Wednesday morning"), encoding="utf-8")
    _run(store, [str(inbox / "a.txt")])
    _, outcomes = _run(store, [str(inbox / "b.txt")])
    assert outcomes[0].result is Result.NEAR_DUPLICATE


def test_ingest_bad_files_fail_alone_and_the_rest_lands(store: Store, inbox: Path) -> None:
    (inbox / "good.txt").write_text(WIRE, encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (inbox / "broken.json").write_text('{"text": "unterminated', encoding="utf-8")
    (inbox / "more.jsonl").write_text(
        json.dumps({"text": "Two men were charged with sedition on Friday.", "title": "Charged"})
        + "\nnot json\n"
        + json.dumps({"title": "no text here"})
        + "\n",
        encoding="utf-8",
    )
    summary, _ = _run(store, [str(inbox), str(inbox / "missing.txt")])
    reasons = {f.origin.split("/")[-1]: f.detail for f in summary.failures}
    assert summary.counts[Result.INGESTED] == 2
    assert len(summary.failures) == 6, reasons
    assert "empty" in (reasons["empty.txt"] or "")
    assert "PDF" in (reasons["scan.pdf"] or "")
    assert _count(store) == 2
    with store.reader() as session:
        assert audit.verify(session).intact


def test_ingest_command_line_metadata_overrides_the_file(store: Store, inbox: Path) -> None:
    path = inbox / "story.md"
    path.write_text(
        "---\ntitle: From the file\npublisher: File Times\n---\nBody text here.\n", encoding="utf-8"
    )
    metadata = Metadata(title="From the flag", published_at=dt.date(2024, 3, 23))
    _run(store, [str(path)], metadata)
    with store.reader() as session:
        source = session.scalars(select(Source)).one()
    assert (source.title, source.publisher, source.published_at) == (
        "From the flag",
        "File Times",
        dt.date(2024, 3, 23),
    )


def test_ingested_sources_are_found_by_full_text_search(store: Store, inbox: Path) -> None:
    (inbox / "a.txt").write_text(WIRE, encoding="utf-8")
    (inbox / "b.txt").write_text("Apple Daily printed its final edition.", encoding="utf-8")
    _run(store, [str(inbox)], batch_size=1)
    with store.reader() as session:
        hits = search(session, "subversion primary")
        nothing = search(session, '"; DROP TABLE sources; --')
    assert len(hits) == 1 and "subversion" in hits[0].snippet.lower()
    assert nothing == []
    assert _count(store) == 2


class _Pages(http.server.BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, tuple[str, bytes]]] = {
        "/story.html": (
            "text/html; charset=utf-8",
            b"<html><head><title>Raid on newsroom</title></head><body><nav>Home | "
            b"About</nav><article><p>National security police raided the newsroom "
            b"on Wednesday and arrested six current and former staff members on "
            b"suspicion of conspiracy to publish seditious publications.</p><p>The "
            b"outlet said it would cease operations immediately.</p></article>"
            b"</body></html>",
        ),
        "/feed.xml": (
            "application/rss+xml",
            b"<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title>"
            b"<item><title>Two charged</title><link>http://x/1</link><description>Two "
            b"men were charged with sedition.</description></item></channel></rss>",
        ),
    }

    def do_GET(self) -> None:
        found = self.pages.get(self.path)
        if found is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", found[0])
        self.end_headers()
        self.wfile.write(found[1])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ingest_fetches_pages_and_feeds_over_http(store: Store, web_server: str) -> None:
    summary, _ = _run(
        store, [f"{web_server}/story.html", f"{web_server}/feed.xml", f"{web_server}/gone.html"]
    )
    assert summary.counts[Result.INGESTED] == 2
    assert "404" in (summary.failures[0].detail or "")
    with store.reader() as session:
        page = session.scalars(select(Source).where(Source.kind == "html")).one()
    assert page.url == f"{web_server}/story.html"
    assert "seditious publications" in page.text and "About" not in page.text
