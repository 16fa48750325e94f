"""Small stores for the encryption and backup tests, and ways to look at them from outside."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

from casebook.config import Config
from casebook.ingest.service import ingest
from casebook.security.keys import Key
from casebook.store import exchange
from casebook.store.engine import open_store
from casebook.store.schema import Person

# A name that must never be readable in any file once the store is encrypted.
MARKER = "Zxqvorth Ho-kwok-wai"
ENV = {**os.environ, "CASEBOOK_USER": "tester", "COLUMNS": "200"}


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_store(path: Path, key: Key | None = None, reports: int = 12, size: int = 2000) -> None:
    """A store with `reports` ingested reports naming MARKER, and MARKER as a person."""
    folder = path.parent.parent / "reports"  # outside the store's folder
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(reports):
        words = " ".join(f"word{number}x{i}" for i in range(size // 10))
        text = f"Police arrested {MARKER} on 3 March 2024 under the NSL. Report {number}. {words}"
        (folder / f"{number:04}.txt").write_text(text, encoding="utf-8")
    store = open_store(url(path), key=key)
    try:
        inputs = sorted(str(p) for p in folder.glob("*.txt"))
        outcomes = list(ingest(store, Config(batch_size=50), inputs))
        assert all(o.result.name == "INGESTED" for o in outcomes)
        with store.session("tester") as session:
            session.add(Person(id="p-marker", name=MARKER, notes=f"detained; {MARKER}"))
    finally:
        store.close()


def fingerprint(path: Path, key: Key | None = None) -> str:
    """SHA-256 of the whole record as exported: equal fingerprints, equal records."""
    store = open_store(url(path), migrate=False, key=key)
    try:
        with store.reader() as session:
            buffer = io.StringIO()
            exchange.export_to(session, buffer)
    finally:
        store.close()
    return hashlib.sha256(buffer.getvalue().encode()).hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_holding(folder: Path, text: str) -> list[str]:
    """Every file under `folder` whose bytes contain `text`."""
    needle = text.encode()
    return sorted(str(p) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes())


def casebook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casebook", *args],
        capture_output=True,
        text=True,
        env={**ENV, **(env or {})},
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
