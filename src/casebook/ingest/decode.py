"""Bytes → Unicode for every input kind, and the clean-up every working text gets.

Decoding order: a byte-order mark; then a charset the caller or the document
declares (HTTP header, HTML meta, XML declaration) when it decodes cleanly;
then strict UTF-8; then, if some lines are UTF-8 and others are not, a repair
line by line ("mixed: utf-8, cp1252"); then charset-normalizer's best guess.
The returned label says which of these happened, for ``extra["encoding"]``.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer

from casebook.errors import InputError

HEAD_BYTES = 8192

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Office document"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
)

_WESTERN_ALIASES = {"latin_1", "iso8859_1", "ascii"}  # browsers read these as cp1252
# Single-byte code pages charset-normalizer recognises reliably; others on sparse accents
# are more likely its mistakes for cp1252.
_REGIONAL = {f"cp{n}" for n in range(1250, 1259) if n != 1252} | {"koi8_r", "koi8_u", "cp874"}
_REGIONAL |= {f"iso8859_{n}" for n in range(2, 17)}
_DECLARED = (
    re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]{1,40})[\"']", re.I),
    re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I),
)
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text (not yet cleaned) and how it was decoded."""

    text: str
    encoding: str


def binary_kind(head: bytes) -> str | None:
    """Name the kind of binary file these first bytes start, or None if they may be text."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if any(head.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(head):
        return None
    return "contains NUL bytes" if b"\x00" in head[:HEAD_BYTES] else None


def reject_binary_or_empty(data: bytes, origin: str) -> None:
    """Raise InputError if the bytes are a binary file or hold nothing but whitespace."""
    found = binary_kind(data[:HEAD_BYTES])
    if found is not None:
        raise binary_error(origin, found)
    if is_blank(data):
        raise InputError(origin, "empty file")


def is_blank(data: bytes) -> bool:
    """True for bytes holding nothing but a BOM and whitespace (in any of the BOM encodings)."""
    for bom, _ in _BOMS:
        data = data.removeprefix(bom)
    return not data.strip(b" \t\r\n\x0b\x0c\x00")


def binary_error(origin: str, found: str) -> InputError:
    """The error for a binary file, with what to do about it."""
    advice = "convert it to text first (e.g. pdftotext)" if found == "PDF" else "import its text"
    return InputError(origin, f"binary file ({found}), not a text report; {advice}")


def too_big(
    origin: str, size: int, limit: int, what: str = "one report", advice: str = "split it"
) -> InputError:
    """The error for an input over its size limit."""
    return InputError(
        origin, f"file is {size_text(size)}; {what} may be at most {size_text(limit)}; {advice}"
    )


def size_text(size: int) -> str:
    """A byte count as '10.0 MB' or '2.0 GB' (binary units, as file managers show them)."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    return f"{size / 1024**2:.1f} MB"


def declared_charset(data: bytes) -> str | None:
    """The charset an XML declaration or HTML meta tag near the start declares, if any."""
    head = data[:4096]
    for pattern in _DECLARED:
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii")
    return None


def decode(data: bytes, origin: str, declared: tuple[str | None, ...] = ()) -> Decoded:
    """Decode bytes to text by the order in the module docstring; InputError if nothing fits."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom) :], name, f"{name} (BOM)", origin)
    wide = _utf16_without_bom(data[:HEAD_BYTES])
    if wide:
        return _strict(data, wide, wide, origin)
    for label in declared:
        found = _declared_decode(data, label)
        if found is not None:
            return found
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _repair_mixed(data) or _guess(data, origin)


def clean_text(text: str) -> str:
    """NFC, line endings as \\n, no NUL or other control characters except \\n and \\t."""
    text = _LINE_BREAKS.sub("\n", text.removeprefix("\ufeff"))
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text))


def clean_url(value: str | None) -> str | None:
    """An http(s) URL, cleaned; anything else (javascript:, data:, file:) is dropped."""
    url = "".join(clean_text(value or "").split())
    return url if url.lower().startswith(("http://", "https://")) else None


def _strict(data: bytes, codec: str, label: str, origin: str) -> Decoded:
    try:
        return Decoded(data.decode(codec), label)
    except UnicodeDecodeError as error:
        reason = f"invalid {codec} at byte {error.start}; save the file again as UTF-8"
        raise InputError(origin, reason) from None


def _utf16_without_bom(head: bytes) -> str | None:
    """Spot ASCII-heavy UTF-16 without a BOM: NULs on one side of every byte pair only."""
    even, odd = head[0:HEAD_BYTES:2], head[1:HEAD_BYTES:2]
    if len(odd) < 2:
        return None
    if b"\x00" not in even and odd.count(0) * 2 >= len(odd):
        return "utf-16-le"
    if b"\x00" not in odd and even.count(0) * 2 >= len(even):
        return "utf-16-be"
    return None


def _declared_decode(data: bytes, name: str | None) -> Decoded | None:
    codec = _codec_name(name)
    if codec is None or codec.startswith(("utf_16", "utf_32")):
        return None
    if codec in _WESTERN_ALIASES:
        codec = "cp1252"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    if codec != "utf_8" and not data.isascii() and _is_utf8(data):
        # A legacy label on bytes that are valid UTF-8 is nearly always a stale template.
        return Decoded(data.decode("utf-8"), f"utf-8 (declared {name}, ignored)")
    return Decoded(text, f"{_label(codec)} (declared)")


def _repair_mixed(data: bytes) -> Decoded | None:
    """Decode line by line when some lines are UTF-8 and others a legacy encoding."""
    lines = data.splitlines(keepends=True)
    if not any(not line.isascii() and _is_utf8(line) for line in lines):
        return None
    bad = [line for line in lines if not _is_utf8(line)]
    legacy = _legacy_codec(b"".join(bad))
    used = ["utf-8"]
    parts = []
    for line in lines:
        text, codec = _decode_line(line, legacy)
        parts.append(text)
        if codec not in used:
            used.append(codec)
    return Decoded("".join(parts), "mixed: " + ", ".join(used))


def _decode_line(line: bytes, legacy: str) -> tuple[str, str]:
    for codec in ("utf-8", legacy, "latin-1"):
        try:
            return line.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _legacy_codec(sample: bytes) -> str:
    """cp1252 for Western-looking bytes, else charset-normalizer's codec if it decodes them."""
    if _looks_western(sample):
        return "cp1252"
    best = charset_normalizer.from_bytes(sample).best()
    return best.encoding if best is not None else "cp1252"


def _guess(data: bytes, origin: str) -> Decoded:
    """charset-normalizer's guess, corrected towards cp1252 where it is known to stumble."""
    results = charset_normalizer.from_bytes(data)
    best = results.best()
    codec = best.encoding if best is not None else None
    if best is not None:
        ties = {
            r.encoding for r in results if r.chaos <= best.chaos and r.coherence >= best.coherence
        }
        if "cp1252" in ties:  # it ranks cp1250 first on plain Western text
            codec = "cp1252"
    if codec not in _REGIONAL and _looks_western(data):  # short Western text: cp775, gb18030...
        codec = "cp1252"
    if codec is None:
        raise InputError(origin, "cannot tell the text encoding; save the file as UTF-8")
    return Decoded(data.decode(codec, errors="replace"), f"{_label(codec)} (guessed)")


def _looks_western(data: bytes) -> bool:
    """Decodes as cp1252 with accents sparse (rarely two non-ASCII bytes in a row), as in
    Western European text; CJK and Cyrillic legacy encodings put them in runs."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    high = [index for index, byte in enumerate(data) if byte >= 0x80]
    if not high:
        return False
    runs = sum(1 for a, b in itertools.pairwise(high) if b == a + 1)
    return runs * 4 <= len(high)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _codec_name(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return None


def _label(codec: str) -> str:
    return codec.replace("_", "-")
