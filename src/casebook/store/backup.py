"""Online backups of the store, verified after writing, and restoring them.

A SQLite backup uses SQLite's backup API inside one read transaction: a consistent
snapshot, taken while other processes go on writing (WAL readers do not block writers).
An encrypted store's backup is encrypted under the same key. Every backup is written
beside its destination, flushed, then verified (integrity, page MACs when encrypted,
the audit chain, row counts against the snapshot) before it takes its name. PostgreSQL
stores are backed up with `pg_dump` when it is installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from casebook.errors import BackupError, CasebookError
from casebook.security import encryption
from casebook.security.keys import Key
from casebook.security.sqlcipher import (
    ERRORS,
    connect,
    file_kind,
    fsync_file,
    fsync_folder,
    integrity_problems,
    require_kind,
    row_counts,
)
from casebook.store import audit
from casebook.store.engine import open_store, sqlite_path


@dataclass(frozen=True)
class BackupReport:
    """A verified backup: where, its SHA-256, and what it holds."""

    path: Path
    sha256: str
    encrypted: bool
    audit_entries: int
    rows: dict[str, int] = field(default_factory=dict)


def backup(url: str, destination: Path, key: Key | None, *, force: bool = False) -> BackupReport:
    """Copy the store at `url` to `destination` while it stays in use, and verify the copy."""
    _refuse_existing(destination, force)
    source = sqlite_path(url)
    if source is None:
        return _pg_dump(url, destination)
    encryption.recover(source)
    require_kind(source, key)
    if file_kind(source) == "missing":
        raise BackupError(f"there is no store at {source}")
    _refuse_same_file(source, destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(destination)
    try:
        counts = _copy_snapshot(source, partial, key)
        fsync_file(partial)
        report = verify_backup(partial, key, expect_rows=counts)
        os.replace(partial, destination)
        fsync_folder(destination.parent)
    except BaseException:
        _remove_with_journals(partial)
        raise
    return BackupReport(destination, report.sha256, report.encrypted, report.audit_entries, counts)


def restore(
    url: str, backup_file: Path, key: Key | None, *, force: bool = False, sha256: str | None = None
) -> BackupReport:
    """Replace the SQLite store at `url` with a verified copy of `backup_file`."""
    target = sqlite_path(url)
    if target is None:
        raise BackupError(
            "restore works on SQLite stores; restore a PostgreSQL dump with pg_restore "
            "(docs/security.md)"
        )
    _refuse_same_file(target, backup_file)
    report = verify_backup(backup_file, key, sha256=sha256)
    _refuse_existing(target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(target)
    try:
        shutil.copyfile(backup_file, partial)
        fsync_file(partial)
        if _sha256(partial) != report.sha256:
            raise BackupError(f"the copy of {backup_file} changed while it was being restored")
        encryption.recover(target)
        for stale in ("-wal", "-shm", "-journal"):  # they belong to the store being replaced
            _remove(target.with_name(target.name + stale))
        os.replace(partial, target)
        fsync_folder(target.parent)
    except BaseException:
        _remove(partial)
        raise
    return BackupReport(target, report.sha256, report.encrypted, report.audit_entries, report.rows)


def verify_backup(
    path: Path,
    key: Key | None,
    *,
    expect_rows: dict[str, int] | None = None,
    sha256: str | None = None,
) -> BackupReport:
    """Check a backup file: digest, integrity, page MACs, audit chain, row counts."""
    kind = file_kind(path)
    if kind == "missing":
        raise BackupError(f"there is no backup at {path}")
    digest = _sha256(path)
    if sha256 is not None and digest != sha256.strip().lower():
        raise BackupError(f"{path} is not the backup expected: its SHA-256 is {digest}")
    try:
        require_kind(path, key)
        connection = connect(path, key)
    except CasebookError as error:
        raise BackupError(f"backup {path}: {error}") from None
    try:
        problems = integrity_problems(connection, encrypted=kind == "encrypted")
        rows = row_counts(connection)
    except ERRORS as error:
        problems, rows = [str(error)], {}
    finally:
        connection.close()
    if expect_rows is not None and rows != expect_rows:
        problems.append("its row counts differ from the store's at the time of the backup")
    if problems:
        raise BackupError(f"backup {path} is damaged: {'; '.join(problems[:5])}")
    entries = _audit_entries(path, key)
    if _sha256(path) != digest:
        raise BackupError(f"backup {path} changed while it was being verified")
    return BackupReport(path, digest, kind == "encrypted", entries, rows)


def _copy_snapshot(source: Path, partial: Path, key: Key | None) -> dict[str, int]:
    _remove_with_journals(partial)
    reader = connect(source, key)
    try:
        target = connect(partial, key)
        try:
            reader.execute("BEGIN")  # one snapshot for the counts and the copy
            counts = row_counts(reader)
            reader.backup(target)
            reader.execute("COMMIT")
        finally:
            target.close()
    except ERRORS as error:
        raise BackupError(f"cannot back up {source}: {error}") from None
    finally:
        reader.close()
    return counts


def _audit_entries(path: Path, key: Key | None) -> int:
    store = open_store(f"sqlite:///{path}", migrate=False, key=key)
    try:
        with store.reader() as session:
            report = audit.verify(session)
            record = audit.verify_record(session) if report.intact else None
    finally:
        store.close()
    for leftover in ("-wal", "-shm"):
        _remove(path.with_name(path.name + leftover))
    if not report.intact:
        raise BackupError(
            f"backup {path}: audit chain broken at entry {report.broken_at}: {report.reason}"
        )
    if record is not None and not record.intact:
        raise BackupError(
            f"backup {path}: the record does not match its audit chain: {record.problem}"
        )
    return report.entries


def _pg_dump(url: str, destination: Path) -> BackupReport:
    program = _postgres_program("pg_dump")
    if program is None:
        raise BackupError(
            "pg_dump is not installed: back up a PostgreSQL store with pg_dump "
            "(Debian package postgresql-client), see docs/security.md"
        )
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:  # passed in the environment, not on a command line others can read
        environment["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(drivername="postgresql", password=None)
    partial = _partial(destination)
    command = [str(program), "--format=custom", f"--file={partial}", "--dbname"]
    done = subprocess.run(
        [*command, target.render_as_string(hide_password=False)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    listed = _pg_restore_list(partial) if done.returncode == 0 else None
    if done.returncode != 0 or listed is None:
        _remove(partial)
        reason = done.stderr.strip().splitlines()[-1:] or ["its listing failed"]
        raise BackupError(f"pg_dump did not finish: {reason[0]}")
    fsync_file(partial)
    os.replace(partial, destination)
    fsync_folder(destination.parent)
    return BackupReport(destination, _sha256(destination), False, 0, {})


def _pg_restore_list(dump: Path) -> str | None:
    program = _postgres_program("pg_restore")
    if program is None:
        return ""
    done = subprocess.run(
        [str(program), "--list", str(dump)], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 and "TABLE DATA" in done.stdout else None


def _postgres_program(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return versions[-1] if versions else None


def _refuse_existing(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise BackupError(f"{path} exists; add --force to replace it")


def _refuse_same_file(store: Path, other: Path) -> None:
    if store.resolve() == other.resolve():
        raise BackupError(f"{other} is the store itself; name another file")


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_with_journals(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        _remove(path.with_name(path.name + suffix))


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
