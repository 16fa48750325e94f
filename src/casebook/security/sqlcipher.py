"""Opening SQLite files with SQLCipher: the key first, then a read that proves it right.

Only these functions hand a key to SQLCipher, and no message they raise contains it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Literal

import sqlcipher3

from casebook.errors import StoreKeyError
from casebook.security.keys import Key

PLAIN_HEADER = b"SQLite format 3\x00"
FileKind = Literal["missing", "plain", "encrypted"]
Connection = Any  # sqlite3 or sqlcipher3 Connection (sqlcipher3 ships no type hints)
ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher3.Error)


def file_kind(path: Path) -> FileKind:
    """Whether `path` is absent (or empty), a plain SQLite file, or something else.

    A SQLCipher file starts with a random salt where SQLite writes its header, so
    anything that is not plain SQLite is taken to be encrypted.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return "missing"
    if not head:
        return "missing"
    return "plain" if head == PLAIN_HEADER else "encrypted"


def require_kind(path: Path, key: Key | None) -> None:
    """Refuse, with what to do, a key for a plain store or no key for an encrypted one."""
    kind = file_kind(path)
    if kind == "encrypted" and key is None:
        raise StoreKeyError(
            f"the store {path} is encrypted (or is not a SQLite file): give its key with "
            "CASEBOOK_KEY_FILE, CASEBOOK_KEY or --key-prompt"
        )
    if kind == "plain" and key is not None:
        raise StoreKeyError(
            f"the store {path} is not encrypted but a key was given: open it without a key, "
            "or encrypt it with `casebook db encrypt`"
        )


def connect(
    path: Path, key: Key | None, *, timeout: float = 30.0, sqlcipher: bool = False
) -> Connection:
    """A DB-API connection to `path`, keyed and checked; a wrong key raises StoreKeyError.

    A plain file is opened with Python's own sqlite3 unless `sqlcipher` is set, so that a
    process never has one file open through two SQLite libraries at once (their POSIX
    locks would not see each other); the store's engine does the same.
    """
    module: Any = sqlcipher3 if key is not None or sqlcipher else sqlite3
    connection = module.connect(str(path), timeout=timeout, check_same_thread=False)
    try:
        if module is sqlcipher3:
            connection.execute("PRAGMA cipher_log_level = NONE")  # no decryption noise
        if key is not None:
            connection.execute(f"PRAGMA key = {key.sql_literal()}")
        connection.execute("PRAGMA temp_store = MEMORY")  # no temporary files on disk
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except ERRORS as error:
        connection.close()
        raise _open_error(path, key, error) from None
    return connection


def _open_error(path: Path, key: Key | None, error: Exception) -> StoreKeyError:
    # `from None` above and here: the SQL that failed may hold the key.
    if "not a database" in str(error) and key is not None:
        return StoreKeyError(
            f"cannot open {path}: the key is wrong, or the file is not a casebook store "
            "(nothing was changed)"
        )
    if "not a database" in str(error):
        return StoreKeyError(f"cannot open {path}: it is encrypted or not a SQLite file")
    return StoreKeyError(f"cannot open {path}: {error}")


def integrity_problems(connection: Connection, encrypted: bool) -> list[str]:
    """What `PRAGMA integrity_check` (and, when encrypted, the page MACs) find wrong."""
    found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    problems = [] if found == ["ok"] else found
    if encrypted:
        problems += [str(row[0]) for row in connection.execute("PRAGMA cipher_integrity_check")]
    return problems


def row_counts(connection: Connection, schema: str = "main") -> dict[str, int]:
    """Rows per stored table (virtual tables are counted through their shadow tables)."""
    query = f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND rootpage > 0"
    names = sorted(row[0] for row in connection.execute(query))
    return {
        name: connection.execute(f"SELECT count(*) FROM {schema}.{_quoted(name)}").fetchone()[0]
        for name in names
    }


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_folder(path: Path) -> None:
    """Make a rename or unlink inside `path` durable (a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
