"""Encrypting, decrypting and re-keying a SQLite store in place, safely.

The converted copy is written beside the store (`sqlcipher_export`), flushed to disk,
opened again with its new key and checked (integrity, page MACs, row counts), and only
then moved over the store with one atomic rename. A marker file records how far a run
got, so that a run killed at any point is finished or rolled back by the next command
that opens the store: the original is replaced only by a verified copy, never lost.

`CASEBOOK_TEST_PAUSE_AT=STAGE` makes a run stop at STAGE (see `_pause`) so that the
tests can kill it there; nothing else reads it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from casebook.errors import ConversionError, StoreError
from casebook.security.keys import Key
from casebook.security.sqlcipher import (
    connect,
    file_kind,
    fsync_file,
    fsync_folder,
    integrity_problems,
    row_counts,
)

try:  # POSIX: one conversion (or recovery) of a store at a time
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STAGES = ("copying", "copied", "verified", "replaced")


@dataclass(frozen=True)
class Conversion:
    """What a finished conversion did."""

    path: Path
    encrypted: bool
    tables: int
    rows: int


def encrypt(path: Path, key: Key) -> Conversion:
    """Encrypt the plain store at `path` under `key`."""
    return _convert(path, None, key, expect="plain")


def decrypt(path: Path, key: Key) -> Conversion:
    """Write the encrypted store at `path` back as plain SQLite."""
    return _convert(path, key, None, expect="encrypted")


def rekey(path: Path, old: Key, new: Key) -> Conversion:
    """Re-encrypt the store at `path` under `new`."""
    return _convert(path, old, new, expect="encrypted")


def copy_path(path: Path) -> Path:
    return path.with_name(path.name + ".converting")


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".converting.json")


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".converting.lock")


def recover(path: Path) -> str | None:
    """Finish or roll back a conversion of `path` that was interrupted; say which."""
    if not (marker_path(path).exists() or copy_path(path).exists()):
        return None
    with _conversion_lock(path):
        return _recover_locked(path)


def _recover_locked(path: Path) -> str | None:
    marker, copy = marker_path(path), copy_path(path)
    _remove(marker.with_name(marker.name + ".tmp"))
    stage = _read_marker(marker)
    if stage == "verified":
        if copy.exists():
            plain_replaced = file_kind(path) == "plain" and file_kind(copy) == "encrypted"
            with _scrubbed_afterwards(path, scrub=plain_replaced):
                _install(path, copy)
        _remove(marker)
        fsync_folder(path.parent)
        return f"finished an interrupted conversion of {path}"
    found = stage is not None or copy.exists()
    _remove_copy(copy)
    _remove(marker)
    fsync_folder(path.parent)
    return f"rolled back an interrupted conversion of {path}; it is unchanged" if found else None


def _convert(path: Path, old: Key | None, new: Key | None, expect: str) -> Conversion:
    with _conversion_lock(path):
        _recover_locked(path)
        kind = file_kind(path)
        if kind != expect:
            raise ConversionError(_wrong_kind(path, kind))
        source = connect(path, old, timeout=5.0, sqlcipher=True)
        try:
            _hold_exclusively(source, path)
            counts = row_counts(source)
            _copy_and_verify(path, source, new, counts)
            _write_marker(path, "verified")
            _pause("verified")
            with _scrubbed_afterwards(path, scrub=old is None):
                _install(path, copy_path(path))
                _pause("replaced")
        finally:
            source.close()
        _remove(marker_path(path))
        fsync_folder(path.parent)
    return Conversion(path, new is not None, len(counts), sum(counts.values()))


def _copy_and_verify(
    path: Path, source: sqlcipher3.Connection, new: Key | None, counts: dict[str, int]
) -> None:
    """Write and check the converted copy; on any failure leave no copy and no marker."""
    copy = copy_path(path)
    _write_marker(path, "copying")
    try:
        _pause("copying")
        _export(source, copy, new)
        _pause("copied")
        _verify_copy(path, copy, new, counts)
    except BaseException:
        _remove_copy(copy)
        _remove(marker_path(path))
        raise


def _wrong_kind(path: Path, kind: str) -> str:
    if kind == "missing":
        return f"there is no store at {path}"
    if kind == "plain":
        return f"the store {path} is not encrypted; `casebook db encrypt` encrypts it"
    return f"the store {path} is already encrypted; use `casebook db rekey` to change its key"


def _hold_exclusively(source: sqlcipher3.Connection, path: Path) -> None:
    """Fold the WAL into the file and keep an exclusive lock until the connection closes."""
    in_use = ConversionError(
        f"the store {path} is in use: stop every casebook command and the web app using it, "
        "then try again; nothing was changed"
    )
    try:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # Leaving WAL mode needs the only connection; when others exist the mode stays.
        if source.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
            raise in_use
        source.execute("PRAGMA main.locking_mode = EXCLUSIVE").fetchall()
        source.execute("BEGIN EXCLUSIVE")
        source.execute("COMMIT")
    except sqlcipher3.OperationalError:
        raise in_use from None


def _export(source: sqlcipher3.Connection, copy: Path, new: Key | None) -> None:
    _remove_copy(copy)
    secret = new.reveal() if new is not None else ""  # an empty key writes plain SQLite
    try:
        source.execute("ATTACH DATABASE ? AS converted KEY ?", (str(copy), secret))
        try:
            source.execute("SELECT sqlcipher_export('converted')").fetchall()
            version = int(source.execute("PRAGMA main.user_version").fetchone()[0])
            source.execute(f"PRAGMA converted.user_version = {version}")
        finally:
            source.execute("DETACH DATABASE converted")
    except sqlcipher3.Error as error:
        raise ConversionError(f"cannot write the converted copy {copy}: {error}") from None
    fsync_file(copy)


def _verify_copy(path: Path, copy: Path, key: Key | None, counts: dict[str, int]) -> None:
    problems: list[str] = []
    expected = "encrypted" if key is not None else "plain"
    if file_kind(copy) != expected:
        problems.append(f"the copy is not {expected}")
    else:
        check = connect(copy, key)
        try:
            problems += integrity_problems(check, encrypted=key is not None)
            if row_counts(check) != counts:
                problems.append("its row counts differ from the store's")
        finally:
            check.close()
    if problems:
        raise ConversionError(
            f"the converted copy of {path} failed verification ({'; '.join(problems[:5])}); "
            "the store is unchanged"
        )


def _install(path: Path, copy: Path) -> None:
    """Move the verified copy over the store; stale WAL files would not belong to it."""
    for stale in (_sibling(path, "-wal"), _sibling(path, "-shm")):
        _remove(stale)
    os.replace(copy, path)
    fsync_folder(path.parent)


@contextlib.contextmanager
def _scrubbed_afterwards(path: Path, scrub: bool) -> Iterator[None]:
    """Overwrite the replaced plain file's bytes (best effort: see docs/security.md)."""
    descriptor = os.open(path, os.O_RDWR) if scrub else None
    try:
        yield
        if descriptor is not None:
            size = os.fstat(descriptor).st_size
            block = b"\0" * (1 << 20)
            os.lseek(descriptor, 0, os.SEEK_SET)
            for _ in range(0, size, len(block)):
                os.write(descriptor, block)
            os.fsync(descriptor)
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _write_marker(path: Path, stage: str) -> None:
    marker = marker_path(path)
    partial = marker.with_name(marker.name + ".tmp")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump({"stage": stage, "store": path.name, "copy": copy_path(path).name}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, marker)
    fsync_folder(path.parent)


def _read_marker(marker: Path) -> str | None:
    try:
        stage = json.loads(marker.read_text(encoding="utf-8")).get("stage")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        return "unreadable"  # never trusted to finish: rolled back
    return str(stage)


@contextlib.contextmanager
def _conversion_lock(path: Path) -> Iterator[None]:
    lock = _lock_path(path)
    if fcntl is None or not path.parent.is_dir():
        yield
        return
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another process is converting the store {path}; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            _remove(lock)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_copy(copy: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        _remove(_sibling(copy, suffix))


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _pause(stage: str) -> None:
    """A checkpoint for the tests: stop here until killed, when CASEBOOK_TEST_PAUSE_AT says so."""
    if os.environ.get("CASEBOOK_TEST_PAUSE_AT") != stage:
        return
    print(f"paused at {stage}", file=sys.stderr, flush=True)
    time.sleep(120)
