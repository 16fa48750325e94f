"""Decoding bytes, rejecting binary and empty files, and cleaning the working text."""

from __future__ import annotations

import os

import pytest

from casebook.errors import InputError
from casebook.ingest.decode import clean_text
from casebook.ingest.readers import read_bytes
from casebook.model import SourceDocument


def one_document(data: bytes, origin: str, **options: str) -> SourceDocument:
    [item] = list(read_bytes(data, origin, **options))  # type: ignore[arg-type]
    assert isinstance(item, SourceDocument), item
    return item


def one_error(data: bytes, origin: str) -> InputError:
    [item] = list(read_bytes(data, origin))
    assert isinstance(item, InputError), item
    return item


WESTERN = "Die Polizei verhaftete Jürgen Müller – „wegen Aufruhrs“, sagte ein Sprecher. Café…\n"


def test_cp1252_file_is_decoded_and_says_so() -> None:
    document = one_document(WESTERN.encode("cp1252"), "report.txt")
    assert document.text == WESTERN
    assert document.extra["encoding"] == "cp1252 (guessed)"


def test_latin1_file_is_decoded() -> None:
    text = "Café naïve façade. The police said so.\n"
    assert one_document(text.encode("latin-1"), "report.txt").text == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-8"])
def test_file_with_a_byte_order_mark_is_decoded(codec: str) -> None:
    text = "警方拘捕三人 — arrested\n"
    document = one_document(("\ufeff" + text).encode(codec), "report.txt")
    assert document.text == text
    assert document.extra["encoding"].endswith("(BOM)")


def test_utf16_without_bom_is_not_mistaken_for_binary() -> None:
    text = "Police arrested three activists.\n"
    assert one_document(text.encode("utf-16-le"), "report.txt").text == text


def test_mixed_encoding_file_is_repaired_line_by_line() -> None:
    data = "Première ligne en UTF-8.\n".encode() + "Deuxième ligne en cp1252 – oui.\n".encode(
        "cp1252"
    )
    document = one_document(data, "mixed.txt")
    assert document.text == "Première ligne en UTF-8.\nDeuxième ligne en cp1252 – oui.\n"
    assert document.extra["encoding"] == "mixed: utf-8, cp1252"
    assert document.original == data


def test_big5_file_is_guessed() -> None:
    text = "警方拘捕三名人士，涉嫌違反國家安全法。\n"
    assert one_document(text.encode("big5"), "report.txt").text == text


def test_html_meta_charset_is_honoured() -> None:
    body = "<p>警方拘捕三名人士，涉嫌違反國家安全法，三人將於明天提堂。</p>"
    page = f'<html><head><meta charset="big5"></head><body>{body}</body></html>'
    document = one_document(page.encode("big5"), "page.html")
    assert "違反國家安全法" in document.text
    assert document.extra["encoding"] == "big5 (declared)"


def test_charset_from_content_type_is_used() -> None:
    page = "<html><body><p>Café naïve façade, the police said.</p></body></html>"
    document = one_document(
        page.encode("cp1252"), "https://x.example/a", content_type="text/html; charset=windows-1252"
    )
    assert "Café naïve façade" in document.text


def test_declared_latin1_on_utf8_bytes_is_read_as_utf8() -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Café naïve</p></body></html>'
    document = one_document(page.encode(), "page.html")
    assert "Café naïve" in document.text
    assert document.extra["encoding"].startswith("utf-8")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"GIF89a\x01\x00\x01\x00", "GIF image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive or Office document"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip archive"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF executable"),
        (b"ab\x00cd" + bytes(range(200, 256)), "contains NUL bytes"),
    ],
)
def test_binary_file_is_rejected_by_name(data: bytes, name: str) -> None:
    error = one_error(data, "upload.txt")
    assert error.reason.startswith(f"binary file ({name}), not a text report")


def test_random_bytes_with_nuls_are_rejected_as_binary() -> None:
    data = bytes(range(256)) * 8 + os.urandom(512)
    assert one_error(data, "blob").reason.startswith("binary file")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf", b"\xff\xfe \x00\n\x00"])
def test_empty_or_whitespace_only_file_is_rejected(data: bytes) -> None:
    assert one_error(data, "empty.txt").reason == "empty file"


def test_clean_text_normalises_line_endings_controls_and_composition() -> None:
    raw = "\ufeffA\r\nB\rC\fD\x00E\x1b\x9bF\u2029G\te\u0301"
    assert clean_text(raw) == "A\nB\nC\nDEF\nG\t\u00e9"


def test_clean_text_drops_lone_surrogates() -> None:
    assert clean_text("a\ud800b") == "ab"
