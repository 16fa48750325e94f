"""JSON arrays and JSON Lines: one item per record, a bad record never stops the others."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path

from casebook.errors import InputError
from casebook.ingest.readers import ReadLimits, read_bytes, read_path
from casebook.model import SourceDocument

DATA = Path(__file__).parent / "data"


def test_json_array_gives_one_item_per_record_in_order() -> None:
    items = list(read_path(DATA / "records.json"))
    assert [type(item) for item in items] == [SourceDocument, InputError, SourceDocument]
    first, _, third = items
    assert isinstance(first, SourceDocument) and isinstance(third, SourceDocument)
    assert first.kind == "json"
    assert first.title == "Two arrested"
    assert first.url == "https://a.example/1"
    assert first.published_at == date(2022, 3, 1)
    assert third.language == "en"
    assert third.origin == f"{DATA / 'records.json'} record 3"


def test_json_record_without_text_is_an_error_for_that_record_only() -> None:
    error = list(read_path(DATA / "records.json"))[1]
    assert isinstance(error, InputError)
    assert error.origin == f"{DATA / 'records.json'} record 2"
    assert '"text"' in error.reason


def test_json_other_scalar_fields_go_into_extra_as_strings() -> None:
    first = next(read_path(DATA / "records.json"))
    assert isinstance(first, SourceDocument)
    assert first.extra["reporter"] == "A. Writer"
    assert first.extra["pages"] == "2"


def test_json_record_original_is_its_own_bytes_in_the_file() -> None:
    first = next(read_path(DATA / "records.json"))
    assert isinstance(first, SourceDocument)
    assert first.original in (DATA / "records.json").read_bytes()
    assert json.loads(first.original)["title"] == "Two arrested"


def test_json_datetime_published_keeps_its_own_calendar_date() -> None:
    third = list(read_path(DATA / "records.json"))[2]
    assert isinstance(third, SourceDocument)
    assert third.published_at == date(2022, 4, 2)


def test_json_single_object_is_one_document_whose_original_is_the_file() -> None:
    data = b'{\n  "text": "One report.",\n  "publisher": "Example"\n}\n'
    [document] = list(read_bytes(data, "one.json"))
    assert isinstance(document, SourceDocument)
    assert document.publisher == "Example"
    assert document.original == data


def test_malformed_json_is_one_error_with_line_and_column() -> None:
    data = b'[\n  {"text": "fine"},\n  {"text": "broken",}\n]\n'
    [error] = list(read_bytes(data, "bad.json"))
    assert isinstance(error, InputError)
    assert "line 3, column 21" in error.reason


def test_json_lines_saved_as_json_suggests_renaming() -> None:
    data = b'{"text": "a"}\n{"text": "b"}\n'
    [error] = list(read_bytes(data, "export.json"))
    assert isinstance(error, InputError)
    assert ".jsonl" in error.reason


def test_deeply_nested_json_is_an_error_not_a_crash() -> None:
    [error] = list(read_bytes(b"[" * 100_000 + b"]" * 100_000, "deep.json"))
    assert isinstance(error, InputError)


def test_jsonl_gives_one_item_per_record_and_skips_blank_lines() -> None:
    items = list(read_path(DATA / "records.jsonl"))
    origins = [item.origin for item in items]
    assert origins == [f"{DATA / 'records.jsonl'} line {n}" for n in (1, 3, 4, 5)]


def test_jsonl_bad_line_is_an_error_naming_the_line_and_others_still_come_out() -> None:
    items = list(read_path(DATA / "records.jsonl"))
    assert [type(item) for item in items] == [
        SourceDocument,
        InputError,
        SourceDocument,
        InputError,
    ]
    bad = items[1]
    assert isinstance(bad, InputError)
    assert bad.origin.endswith("records.jsonl line 3")
    assert "malformed JSON at column" in bad.reason
    good = items[2]
    assert isinstance(good, SourceDocument)
    assert good.published_at == date(2023, 5, 6)


def test_jsonl_record_original_is_its_line() -> None:
    first = next(read_path(DATA / "records.jsonl"))
    assert isinstance(first, SourceDocument)
    assert first.original == (DATA / "records.jsonl").read_bytes().split(b"\n")[0]


def test_jsonl_invalid_published_date_is_an_error_for_that_record() -> None:
    data = b'{"text": "a", "published": "yesterday"}\n{"text": "b"}\n'
    error, document = list(read_bytes(data, "x.jsonl"))
    assert isinstance(error, InputError) and "ISO date" in error.reason
    assert isinstance(document, SourceDocument)


def test_jsonl_record_that_is_not_an_object_is_an_error() -> None:
    [error] = list(read_bytes(b'["text", "in an array"]\n', "x.jsonl"))
    assert isinstance(error, InputError) and "JSON object" in error.reason


def test_jsonl_overlong_line_is_an_error_and_the_next_line_still_reads() -> None:
    data = b'{"text": "' + b"x" * 5000 + b'"}\n{"text": "short"}\n'
    error, document = list(read_bytes(data, "x.jsonl", ReadLimits(max_document_bytes=1000)))
    assert isinstance(error, InputError) and "may be at most" in error.reason
    assert isinstance(document, SourceDocument) and document.text == "short"


def test_jsonl_with_no_records_is_an_empty_file() -> None:
    [error] = list(read_bytes(b"\n\n  \n", "x.jsonl"))
    assert isinstance(error, InputError) and error.reason == "empty file"


def test_jsonl_in_cp1252_is_decoded_per_line() -> None:
    data = '{"text": "Café naïve façade"}\n'.encode("cp1252")
    [document] = list(read_bytes(data, "x.jsonl"))
    assert isinstance(document, SourceDocument) and document.text == "Café naïve façade"


def test_jsonl_is_streamed_with_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    record = json.dumps({"text": "Police arrested a protester. " * 70, "title": "t"}).encode()
    with path.open("wb") as out:
        for _ in range(12_000):  # about 25 MB
            out.write(record + b"\n")
    tracemalloc.start()
    try:
        count = sum(1 for item in read_path(path) if isinstance(item, SourceDocument))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000
    assert peak < 20 * 1024 * 1024


def test_jsonl_bigger_than_the_bulk_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"text": "a"}\n' * 100)
    [error] = list(read_path(path, ReadLimits(max_bulk_bytes=1000)))
    assert isinstance(error, InputError) and "JSON Lines file may be at most" in error.reason


def test_json_file_over_the_document_limit_suggests_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b'{"text": "a"},' * 100 + b'{"text": "b"}]')
    [error] = list(read_path(path, ReadLimits(max_document_bytes=1000)))
    assert isinstance(error, InputError) and "JSON Lines" in error.reason
