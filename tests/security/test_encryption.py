"""Encryption at rest: round trips, wrong keys, and conversions killed half-way."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from casebook.config import Config, load_config
from casebook.errors import ConversionError, StoreKeyError
from casebook.security import encryption
from casebook.security.keys import Key, key_for
from casebook.security.sqlcipher import connect, file_kind
from casebook.store.engine import open_store
from casebook.store.sources import search
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

SECRET = "correct horse 'battery' staple"
OTHER = "a different passphrase"


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "casebook.sqlite"
    make_store(path)
    return path


def _leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_encryption_round_trip_keeps_the_record(plain: Path) -> None:
    before = fingerprint(plain)
    encryption.encrypt(plain, Key(SECRET))
    assert file_kind(plain) == "encrypted" and fingerprint(plain, Key(SECRET)) == before
    encryption.rekey(plain, Key(SECRET), Key(OTHER))
    assert fingerprint(plain, Key(OTHER)) == before
    with pytest.raises(StoreKeyError, match="key is wrong"):
        open_store(url(plain), key=Key(SECRET))
    encryption.decrypt(plain, Key(OTHER))
    assert file_kind(plain) == "plain" and fingerprint(plain) == before
    assert _leftovers(plain) == []


def test_encryption_leaves_no_plaintext_in_the_folder(plain: Path) -> None:
    assert files_holding(plain.parent, MARKER)  # the test can see the marker when it is there
    encryption.encrypt(plain, Key(SECRET))
    assert files_holding(plain.parent, MARKER) == []
    store = open_store(url(plain), key=Key(SECRET))  # working on it writes encrypted pages too
    with store.session("tester") as session:
        session.execute(text("UPDATE persons SET notes = :n"), {"n": MARKER + " again"})
        assert files_holding(plain.parent, MARKER) == []
    store.close()
    assert files_holding(plain.parent, MARKER) == []


def test_encryption_new_store_with_a_key_is_encrypted_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "store" / "casebook.sqlite"
    make_store(path, key=Key(SECRET))
    assert file_kind(path) == "encrypted"
    assert files_holding(path.parent, MARKER) == []
    store = open_store(url(path), key=Key(SECRET))
    with store.reader() as session:
        assert len(search(session, "Zxqvorth")) == 12  # full-text search works encrypted
    store.close()


def test_encryption_wrong_key_is_a_clear_error_and_changes_nothing(plain: Path) -> None:
    encryption.encrypt(plain, Key(SECRET))
    digest, files = file_sha256(plain), _leftovers(plain)
    with pytest.raises(StoreKeyError) as raised:
        open_store(url(plain), key=Key(OTHER))
    assert "key is wrong" in str(raised.value) and OTHER not in str(raised.value)
    with pytest.raises(StoreKeyError):
        encryption.decrypt(plain, Key(OTHER))
    assert file_sha256(plain) == digest and _leftovers(plain) == files


def test_encryption_missing_key_or_needless_key_says_what_to_do(plain: Path) -> None:
    with pytest.raises(StoreKeyError, match="not encrypted"):
        open_store(url(plain), key=Key(SECRET))
    encryption.encrypt(plain, Key(SECRET))
    with pytest.raises(StoreKeyError, match="CASEBOOK_KEY_FILE"):
        open_store(url(plain))
    with pytest.raises(ConversionError, match="already encrypted"):
        encryption.encrypt(plain, Key(OTHER))


def test_encryption_cli_wrong_key_is_one_line_without_the_key(plain: Path) -> None:
    encryption.encrypt(plain, Key(SECRET))
    digest = file_sha256(plain)
    for env in ({"CASEBOOK_KEY": OTHER}, {"CASEBOOK_KEY": OTHER, "CASEBOOK_DEBUG": "1"}):
        result = casebook("--db", url(plain), "status", env=env)
        assert result.returncode == 1 and "key is wrong" in result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 2
        assert OTHER not in result.stdout + result.stderr
    assert file_sha256(plain) == digest


def test_encryption_cli_commands_round_trip(plain: Path, tmp_path: Path) -> None:
    before = fingerprint(plain)
    (tmp_path / "k1").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "k2").write_text(OTHER + "\n", encoding="utf-8")
    db = ("--db", url(plain))
    steps = [
        (("db", "encrypt"), {"CASEBOOK_KEY_FILE": str(tmp_path / "k1")}),
        (("db", "rekey", "--new-key-file", str(tmp_path / "k2")), {"CASEBOOK_KEY": SECRET}),
        (("search", "Zxqvorth"), {"CASEBOOK_KEY_FILE": str(tmp_path / "k2")}),
        (("db", "decrypt"), {"CASEBOOK_KEY_FILE": str(tmp_path / "k2")}),
    ]
    for args, env in steps:
        result = casebook(*db, *args, env=env)
        assert result.returncode == 0, result.stderr
        assert SECRET not in result.stdout + result.stderr
        assert OTHER not in result.stdout + result.stderr
    assert fingerprint(plain) == before


def test_encryption_refuses_a_store_in_use(plain: Path) -> None:
    holder = subprocess.Popen(  # another process with the store open, as the web app would
        [sys.executable, "-c", _HOLD_OPEN, str(plain)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(ConversionError, match="in use"):
            encryption.encrypt(plain, Key(SECRET))
    finally:
        holder.kill()
        holder.wait()
    assert file_kind(plain) == "plain"
    assert not [name for name in _leftovers(plain) if "converting" in name]


_HOLD_OPEN = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1])
connection.execute("SELECT count(*) FROM persons").fetchone()
print("open", flush=True)
time.sleep(60)
"""


def test_encryption_key_is_hidden_from_reprs(tmp_path: Path) -> None:
    config = load_config({"key": SECRET}, environ={}, toml_path=tmp_path / "none.toml")
    assert SECRET not in repr(config) and SECRET not in repr(Key(SECRET))
    assert SECRET not in str(Key(SECRET))


def test_encryption_key_comes_from_a_file_or_a_prompt(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET + "\n", encoding="utf-8")
    assert key_for(Config(key_file=str(key_file)), None, prompt=False, ask=None) == Key(SECRET)
    asked = key_for(Config(), None, prompt=True, ask=lambda _: OTHER)
    assert asked == Key(OTHER)
    assert key_for(Config(), None, prompt=False, ask=lambda _: OTHER) is None
    with pytest.raises(StoreKeyError, match="cannot read the key file"):
        key_for(Config(key_file=str(tmp_path / "absent")), None, prompt=False, ask=None)


def _killed_at(stage: str, path: Path, *args: str, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "casebook", "--db", url(path), "db", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**ENV, **env, "CASEBOOK_TEST_PAUSE_AT": stage},
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert line.startswith(f"paused at {stage}"), line + process.stderr.read()


@pytest.mark.parametrize(
    ("stage", "finished"),
    [("copying", False), ("copied", False), ("verified", True), ("replaced", True)],
)
def test_encryption_encrypt_killed_at_a_stage_is_recovered(
    plain: Path, stage: str, finished: bool
) -> None:
    before = fingerprint(plain)
    _killed_at(stage, plain, "encrypt", env={"CASEBOOK_KEY": SECRET})
    key = Key(SECRET) if finished else None
    result = casebook(
        "--db", url(plain), "audit", "verify", env={"CASEBOOK_KEY": SECRET} if finished else {}
    )
    assert result.returncode == 0, result.stderr
    assert file_kind(plain) == ("encrypted" if finished else "plain")
    assert fingerprint(plain, key) == before
    assert _leftovers(plain) == []
    if finished:
        assert files_holding(plain.parent, MARKER) == []


@pytest.mark.parametrize("stage", ["copied", "verified"])
def test_encryption_decrypt_killed_at_a_stage_is_recovered(plain: Path, stage: str) -> None:
    encryption.encrypt(plain, Key(SECRET))
    before = fingerprint(plain, Key(SECRET))
    _killed_at(stage, plain, "decrypt", env={"CASEBOOK_KEY": SECRET})
    finished = stage == "verified"
    outcome = encryption.recover(plain)
    assert outcome is not None and ("finished" if finished else "rolled back") in outcome
    assert fingerprint(plain, None if finished else Key(SECRET)) == before
    assert _leftovers(plain) == []
    if not finished:  # the half-written plain copy is gone
        assert files_holding(plain.parent, MARKER) == []


def test_encryption_killed_while_writing_the_copy_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "store" / "casebook.sqlite"
    make_store(path, reports=150, size=20000)  # about 12 MB: the export takes a moment
    before = fingerprint(path)
    copy = encryption.copy_path(path)
    process = subprocess.Popen(
        [sys.executable, "-m", "casebook", "--db", url(path), "db", "encrypt"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**ENV, "CASEBOOK_KEY": SECRET},
    )
    written, deadline = 0, time.monotonic() + 120
    while written < 2_000_000 and process.poll() is None and time.monotonic() < deadline:
        written = copy.stat().st_size if copy.exists() else 0
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)  # inside sqlcipher_export, with a partial copy
    process.wait()
    assert written >= 2_000_000 and process.returncode == -signal.SIGKILL
    outcome = encryption.recover(path)
    assert outcome is not None and "rolled back" in outcome
    assert file_kind(path) == "plain" and fingerprint(path) == before
    assert _leftovers(path) == []


@settings(max_examples=6, deadline=None)
@given(
    secret=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=40,
    )
)
def test_encryption_any_passphrase_opens_what_it_encrypted(secret: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.sqlite"
        created = connect(path, Key(secret))
        created.execute("CREATE TABLE t (x)")
        created.execute("INSERT INTO t VALUES (1)")
        created.commit()
        created.close()
        reopened = connect(path, Key(secret))  # the PRAGMA key literal
        assert reopened.execute("SELECT x FROM t").fetchall() == [(1,)]
        reopened.close()
        attached = connect(Path(folder) / "other.sqlite", None, sqlcipher=True)
        attached.execute("ATTACH DATABASE ? AS s KEY ?", (str(path), secret))  # the bound key
        assert attached.execute("SELECT x FROM s.t").fetchall() == [(1,)]
        attached.close()
        with pytest.raises(StoreKeyError):
            connect(path, Key(secret + "x"))


def test_encryption_key_with_a_nul_is_refused() -> None:
    with pytest.raises(StoreKeyError, match="NUL"):
        Key("abc\x00def")


def _in_a_terminal(args: list[str], typed: str) -> tuple[int, str]:
    """Run casebook on a pseudo-terminal, type `typed` at its first prompt; (status, output)."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: casebook, with the pty as its controlling terminal
        try:
            os.execve(sys.executable, [sys.executable, "-m", "casebook", *args], ENV)
        finally:
            os._exit(127)
    output = b""
    while b"key for the store:" not in output:
        chunk = _read(terminal)
        if not chunk:
            break
        output += chunk
    os.write(terminal, typed.encode() + b"\n")
    while chunk := _read(terminal):
        output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def _read(terminal: int) -> bytes:
    try:
        return os.read(terminal, 4096)
    except OSError:  # the child closed the terminal
        return b""


def test_encryption_encrypted_store_asks_for_its_key_in_a_terminal(plain: Path) -> None:
    encryption.encrypt(plain, Key(SECRET))
    status, output = _in_a_terminal(["--db", url(plain), "audit", "verify"], SECRET)
    assert status == 0 and "audit chain intact" in output
    assert SECRET not in output  # typed without echo
    status, output = _in_a_terminal(["--db", url(plain), "audit", "verify"], OTHER)
    assert status == 1 and "key is wrong" in output and OTHER not in output
