"""Backups: taken while the store is written to, verified, restored; tampering is caught."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from casebook.errors import BackupError
from casebook.security.keys import Key
from casebook.security.sqlcipher import file_kind
from casebook.store.backup import backup, restore, verify_backup
from tests.conftest import TEMPLATE, PostgresServer
from tests.security.records import (
    ENV,
    MARKER,
    casebook,
    file_sha256,
    files_holding,
    fingerprint,
    make_store,
    url,
)

SECRET = "backup passphrase"


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "casebook.sqlite"
    make_store(path)
    return path


def test_backup_restore_round_trip_keeps_the_record(plain: Path, tmp_path: Path) -> None:
    before = fingerprint(plain)
    copy = tmp_path / "backups" / "monday.sqlite"
    copy.parent.mkdir()
    report = backup(url(plain), copy, None)
    assert report.sha256 == file_sha256(copy) and report.audit_entries > 0
    assert sorted(p.name for p in copy.parent.iterdir()) == ["monday.sqlite"]
    plain.unlink()
    restored = restore(url(plain), copy, None)
    assert restored.sha256 == report.sha256
    assert fingerprint(plain) == before


def test_backup_of_an_encrypted_store_stays_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "store" / "casebook.sqlite"
    make_store(path, key=Key(SECRET))
    copy = tmp_path / "backups" / "copy.sqlite"
    copy.parent.mkdir()
    backup(url(path), copy, Key(SECRET))
    assert file_kind(copy) == "encrypted" and files_holding(copy.parent, MARKER) == []
    assert fingerprint(copy, Key(SECRET)) == fingerprint(path, Key(SECRET))
    with pytest.raises(BackupError, match="key is wrong"):
        verify_backup(copy, Key("not the key"))


def test_backup_while_another_process_writes_is_consistent(plain: Path, tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITE_PERSONS, url(plain)],
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
        reports = [backup(url(plain), tmp_path / f"during-{n}.sqlite", None) for n in range(3)]
    finally:
        writer.kill()
        writer.wait()
    written = [r.rows["persons"] for r in reports]
    assert written == sorted(written) and written[-1] > written[0]  # it was really written to
    for report in reports:  # each one verified: its chain covers exactly its persons
        with sqlite3.connect(report.path) as connection:
            persons = connection.execute("SELECT count(*) FROM persons").fetchone()[0]
            created = connection.execute(
                "SELECT count(*) FROM audit_log WHERE entity = 'persons' AND action = 'create'"
            ).fetchone()[0]
        assert persons == created == report.rows["persons"]


_WRITE_PERSONS = """
import sys
from casebook.store.engine import open_store
from casebook.store.schema import Person
store = open_store(sys.argv[1])
print("writing", flush=True)
number = 0
while True:
    with store.session("writer") as session:
        for _ in range(20):
            number += 1
            session.add(Person(id=f"w{number}", name=f"Person {number}"))
"""


def test_backup_with_an_edited_audit_entry_is_refused(plain: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    backup(url(plain), copy, None)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    digest = file_sha256(plain)
    with pytest.raises(BackupError, match="audit chain broken at entry 3"):
        restore(url(plain), copy, None, force=True)
    assert file_sha256(plain) == digest


def test_backup_with_damaged_encrypted_pages_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store" / "casebook.sqlite"
    make_store(path, key=Key(SECRET))
    copy = tmp_path / "copy.sqlite"
    backup(url(path), copy, Key(SECRET))
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside a page
    copy.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        verify_backup(copy, Key(SECRET))


def test_backup_restore_checks_the_expected_digest(plain: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    report = backup(url(plain), copy, None)
    with pytest.raises(BackupError, match="not the backup expected"):
        restore(url(plain), copy, None, force=True, sha256="0" * 64)
    restore(url(plain), copy, None, force=True, sha256=report.sha256.upper())


def test_backup_restore_refuses_to_overwrite_without_force(plain: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    backup(url(plain), copy, None)
    with pytest.raises(BackupError, match="--force"):
        backup(url(plain), copy, None)
    digest = file_sha256(plain)
    with pytest.raises(BackupError, match="--force"):
        restore(url(plain), copy, None)
    assert file_sha256(plain) == digest


def test_backup_refuses_the_store_itself_and_makes_missing_folders(plain: Path) -> None:
    digest = file_sha256(plain)
    with pytest.raises(BackupError, match="the store itself"):
        backup(url(plain), plain, None, force=True)
    with pytest.raises(BackupError, match="the store itself"):
        restore(url(plain), plain, None, force=True)
    assert file_sha256(plain) == digest
    nested = plain.parent / "backups" / "2026" / "copy.sqlite"
    assert backup(url(plain), nested, None).path == nested and nested.is_file()


def test_backup_cli_prints_a_verified_digest(plain: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    result = casebook("--db", url(plain), "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert f"SHA-256 {file_sha256(copy)}" in result.stdout and "audit chain intact" in result.stdout
    refused = casebook("--db", url(plain), "restore", str(copy))
    assert refused.returncode == 1 and "--force" in refused.stderr
    done = casebook("--db", url(plain), "restore", str(copy), "--force")
    assert done.returncode == 0, done.stderr


@pytest.mark.postgres
def test_backup_of_postgresql_uses_pg_dump(postgres: PostgresServer, tmp_path: Path) -> None:
    database = postgres.create_database("backup_test", TEMPLATE)
    dump = tmp_path / "record.dump"
    report = backup(database, dump, None)
    assert dump.read_bytes().startswith(b"PGDMP") and report.sha256 == file_sha256(dump)
    with pytest.raises(BackupError, match="pg_restore"):
        restore(database, dump, None)
