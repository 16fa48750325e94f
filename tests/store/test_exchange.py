"""Export writes the whole record as JSON Lines; import reads it back losslessly."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.errors import ImportFormatError
from casebook.store import exchange
from casebook.store.engine import Store, open_store
from casebook.store.schema import (
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    Person,
    PersonAlias,
    Source,
    SourceOriginal,
)
from casebook.store.sources import search


def _fill(
    store: Store,
    text: str = "Police arrested Lai Chee-ying (黎智英) on 10 August 2020.",
    name: str = "Lai Chee-ying",
    alias: str = "黎智英",
    original: bytes | None = None,
) -> None:
    original = original if original is not None else text.encode("utf-8")
    sha = hashlib.sha256(original).hexdigest()
    with store.session("alice") as session:
        session.add(
            Source(
                id="s1",
                sha256=sha,
                kind="text",
                title="A report",
                text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                captured_at=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC),
                published_at=dt.date(2020, 8, 10),
                extra={"note": alias},
            )
        )
        session.add(SourceOriginal(source_id="s1", content=original))
        session.add(
            Evidence(id="e1", source_id="s1", start=0, end=max(len(text), 1), quote=text or " ")
        )
        session.add(Person(id="p1", name=name, is_minor=False))
        session.add(
            PersonAlias(id="a1", person_id="p1", alias=alias, script="han", evidence_id="e1")
        )
        session.add(
            Event(
                id="ev1",
                type="arrest",
                date=dt.date(2020, 8, 10),
                date_precision="day",
                law_id="hk.nsl",
                offence_id="hk.nsl.art29",
                count=1,
                confidence=0.9,
                sentence_months=None,
            )
        )
        session.add(
            EventParticipant(id="ep1", event_id="ev1", person_id="p1", age=72, evidence_id="e1")
        )
        session.add(EventEvidence(event_id="ev1", field="type", evidence_id="e1"))


def _export(store: Store) -> list[str]:
    with store.reader() as session:
        return list(exchange.export_lines(session))


def _round_trip(store: Store, tmp_path: Path, target_url: str) -> tuple[list[str], list[str]]:
    first = _export(store)
    path = tmp_path / "record.jsonl"
    path.write_text("\n".join(first) + "\n", encoding="utf-8")
    target = open_store(target_url)
    try:
        with target.session("bob") as session:
            exchange.import_from(session, path)
        return first, _export(target)
    finally:
        target.close()


def test_export_import_round_trip_is_identical(store: Store, tmp_path: Path, db_url: str) -> None:
    _fill(store)
    target_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    first, second = _round_trip(store, tmp_path, target_url)
    assert first == second
    kinds = [json.loads(line)["entity"] for line in first]
    assert kinds[0] == "casebook-export"
    assert {"sources", "source_originals", "persons", "events", "event_participants"} <= set(kinds)


def test_export_import_into_postgresql_keeps_everything(
    tmp_path: Path, sqlite_url: str, postgres: object
) -> None:
    source = open_store(sqlite_url)
    _fill(source)
    target_url = postgres.create_database("exchange_target", "casebook_template")  # type: ignore[attr-defined]
    first, second = _round_trip(source, tmp_path, target_url)
    source.close()
    assert first == second


def test_import_makes_sources_searchable(store: Store, tmp_path: Path) -> None:
    _fill(store, text="Stand News editors were convicted of sedition.")
    target_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    _round_trip(store, tmp_path, target_url)
    target = open_store(target_url)
    with target.reader() as session:
        assert [hit.id for hit in search(session, "sedition editors")] == ["s1"]
    target.close()


def test_import_of_same_export_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    _fill(store)
    path = tmp_path / "record.jsonl"
    path.write_text("\n".join(_export(store)) + "\n", encoding="utf-8")
    with store.session("bob") as session:
        exchange.import_from(session, path)
    assert _export(store)[1:] == path.read_text(encoding="utf-8").splitlines()[1:]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"entity": "persons", "id": "p9", "name": "A\\u0000B"}', "NUL"),
        ('{"entity": "martians", "id": "x"}', "unknown entity"),
        ('{"entity": "persons", "id": "p9", "name": "A", "shoe_size": 9}', "unknown fields"),
        ('{"entity": "persons", "id": "p9"}', "name is required"),
        ('{"entity": "events", "id": "e9", "type": "arrest"', "line 2"),
        ('{"entity": "persons", "id": 7, "name": "A"}', "must be str"),
    ],
)
def test_import_rejects_bad_lines_and_writes_nothing(
    sqlite_url: str, tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "bad.jsonl"
    good = '{"entity": "persons", "id": "p1", "name": "Kept out too"}'
    path.write_text(
        f'{{"entity":"casebook-export","format":1}}\n{good}\n{line}\n', encoding="utf-8"
    )
    target = open_store(sqlite_url)
    with pytest.raises(ImportFormatError, match=problem), target.session("bob") as session:
        exchange.import_from(session, path)
    with target.reader() as session:
        assert session.get(Person, "p1") is None
    target.close()


def test_import_rejects_a_file_that_is_not_an_export(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"text": "a report"}\n', encoding="utf-8")
    target = open_store(sqlite_url)
    with pytest.raises(ImportFormatError, match="header"), target.session("bob") as session:
        exchange.import_from(session, path)
    target.close()


odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=200,
)
rtl_cjk_emoji = st.sampled_from(
    [
        "黎智英",
        "黎智英 (Jimmy Lai)",
        "שלום עולם",
        "مرحبا",
        "👩‍⚖️🕊️",
        "e\u0301",
        "\u200f\u202e",
        "a\tb\r\nc",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(odd_text, rtl_cjk_emoji),
    name=odd_text,
    alias=st.one_of(odd_text, rtl_cjk_emoji),
    original=st.binary(max_size=64),
)
def test_round_trip_keeps_any_unicode_and_bytes(
    tmp_path_factory: pytest.TempPathFactory, text: str, name: str, alias: str, original: bytes
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    store = open_store(f"sqlite:///{folder / 'a.sqlite'}")
    _fill(store, text=text, name=name, alias=alias, original=original + text.encode())
    first, second = _round_trip(store, folder, f"sqlite:///{folder / 'b.sqlite'}")
    store.close()
    assert first == second
    exported = {json.loads(line)["entity"]: json.loads(line) for line in first}
    assert exported["sources"]["text"] == text
    assert exported["person_aliases"]["alias"] == alias
