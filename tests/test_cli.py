"""The `casebook` command as a user runs it: exit codes, one-line errors, the demo."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import add_admin

ENV = {**os.environ, "CASEBOOK_USER": "tester", "COLUMNS": "120"}


def casebook(*args: str, db: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "casebook", "--db", db, *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_cli_demo_ingests_the_sample_and_summarises(sqlite_url: str) -> None:
    result = casebook("demo", db=sqlite_url, check=True)
    assert "failed 0" in result.stdout
    ingested = int(result.stdout.split("ingested ")[1].split(",")[0])
    assert ingested >= 30
    again = casebook("demo", db=sqlite_url, check=True)
    assert f"duplicates {ingested}" in again.stdout


def test_cli_ingest_reports_failures_in_one_line_each_and_exits_1(
    sqlite_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Police arrested two men for sedition.", encoding="utf-8")
    (folder / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = casebook("ingest", str(folder), db=add_admin(sqlite_url))
    assert result.returncode == 1
    assert "ingested 1" in result.stdout and "failed 1" in result.stdout
    assert "bad.png" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_cli_bad_database_url_is_one_clear_line(tmp_path: Path) -> None:
    result = casebook("status", db="mysql+nonsense://x")
    assert result.returncode != 0
    assert result.stderr.count("\n") <= 2 and "error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_bad_published_date_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("text", encoding="utf-8")
    result = casebook("ingest", str(path), "--published", "last tuesday", db=sqlite_url)
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_cli_export_import_round_trip(sqlite_url: str, tmp_path: Path) -> None:
    casebook("demo", db=sqlite_url, check=True)
    exported = tmp_path / "record.jsonl"
    casebook("export", str(exported), db=sqlite_url, check=True)
    copy = add_admin(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    casebook("import", str(exported), db=copy, check=True)
    again = tmp_path / "again.jsonl"
    casebook("export", str(again), db=copy, check=True)
    assert exported.read_bytes() == again.read_bytes()
    assert json.loads(exported.read_text(encoding="utf-8").splitlines()[0])["format"] == 1


def test_cli_audit_verify_fails_on_a_tampered_log(sqlite_url: str) -> None:
    casebook("demo", db=sqlite_url, check=True)
    assert "intact" in casebook("audit", "verify", db=sqlite_url, check=True).stdout
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5")
    result = casebook("audit", "verify", db=sqlite_url)
    assert result.returncode == 1 and "broken at entry 5" in result.stderr


def test_cli_search_finds_sample_reports(sqlite_url: str) -> None:
    casebook("demo", db=sqlite_url, check=True)
    result = casebook("search", "subversion", db=sqlite_url, check=True)
    assert "subversion" in result.stdout.lower()


def _bulk_file(path: Path, records: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for number in range(records):
            text = f"Report {number}: " + " ".join(f"w{number}x{k}" for k in range(120))
            handle.write(json.dumps({"text": text, "title": f"Report {number}"}) + "\n")


def _sources(path: str) -> int:
    try:
        with sqlite3.connect(path, timeout=30) as connection:
            return int(connection.execute("SELECT count(*) FROM sources").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_cli_ingest_killed_midway_leaves_a_consistent_store_and_reruns(
    sqlite_url: str, tmp_path: Path
) -> None:
    bulk = tmp_path / "bulk.jsonl"
    _bulk_file(bulk, 4000)
    add_admin(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    env = {**ENV, "CASEBOOK_BATCH_SIZE": "100"}
    process = subprocess.Popen(
        [sys.executable, "-m", "casebook", "--db", sqlite_url, "ingest", str(bulk)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _sources(path) < 300 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = _sources(path)
    assert 0 < stored < 4000, "the kill should land mid-way"
    assert stored % 100 == 0, "only whole batches are committed"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rerun = subprocess.run(
        [sys.executable, "-m", "casebook", "--db", sqlite_url, "ingest", str(bulk)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"duplicates {stored}" in rerun.stdout
    assert _sources(path) == 4000
    assert "intact" in casebook("audit", "verify", db=sqlite_url, check=True).stdout


def test_cli_two_concurrent_ingests_both_land(db_url: str, tmp_path: Path) -> None:
    shared = tmp_path / "shared.jsonl"  # both writers race to store these
    _bulk_file(shared, 200)
    files = []
    for name in ("a", "b"):
        bulk = tmp_path / f"{name}.jsonl"
        _bulk_file(bulk, 500)
        text = bulk.read_text(encoding="utf-8").replace("w", f"{name}w")
        bulk.write_text(text, encoding="utf-8")
        files.append(bulk)
    env = {**ENV, "CASEBOOK_BATCH_SIZE": "50"}
    add_admin(db_url)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "casebook", "--db", db_url, "ingest", str(shared), str(f)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    results = [p.communicate(timeout=300) for p in processes]
    assert all(p.returncode == 0 for p in processes), results
    ingested = [int(out.split("ingested ")[1].split(",")[0]) for out, _ in results]
    duplicates = [int(out.split("duplicates ")[1].split(",")[0]) for out, _ in results]
    assert sum(ingested) == 1200 and sum(duplicates) == 200
    status = casebook("status", db=db_url, check=True).stdout
    assert "1200" in status
    # 2 × 1200 sources and originals, and the admin who ran them.
    assert "intact: 2401" in casebook("audit", "verify", db=db_url, check=True).stdout
