"""`casebook extract` and `casebook eval extract` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import add_admin

ENV = {**os.environ, "CASEBOOK_USER": "tester", "COLUMNS": "120"}
GOLD = Path(__file__).resolve().parent.parent / "data" / "extract"
CONTRACT = {
    "type",
    "date",
    "date_precision",
    "persons",
    "organisations",
    "count",
    "law",
    "offence",
    "sentence_months",
    "place",
    "evidence",
    "confidence",
}
# CRLF line ends and a BOM, as reports saved on Windows come.
REPORT = (
    "\ufeffHONG KONG - National security police arrested Chan Siu-ming, 34, on Tuesday on "
    "suspicion of sedition over posts on social media.\r\n\r\n"
    "A magistrate remanded him in custody on Wednesday.\r\n\r\n"
    "As of May 31, police had arrested 310 people under the national security law, the "
    "Security Bureau said.\r\n"
)


def casebook(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casebook", "--db", db, *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_bytes(REPORT.encode("utf-8"))
    return path


@pytest.fixture
def untouched_db(tmp_path: Path) -> Path:
    """A store path that must still not exist after the command."""
    return tmp_path / "never" / "casebook.sqlite"


def _no_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def _one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> None:
    assert result.returncode == code
    assert result.stderr.strip().count("\n") == 0 and "error:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_extract_file_json_prints_one_contract_object_per_line(
    report: Path, untouched_db: Path
) -> None:
    result = casebook(
        "extract",
        str(report),
        "--published",
        "2024-05-29",
        "--json",
        db=f"sqlite:///{untouched_db}",
    )
    _no_error(result)
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert {e["type"] for e in events} >= {"arrest", "reported_total"}
    for event in events:
        extra = {"counts_type"} if event["type"] == "reported_total" else set()
        assert set(event) == CONTRACT | extra
        assert all(set(person) == {"name", "age"} for person in event["persons"])
        assert all(isinstance(name, str) for name in event["organisations"])
        assert set(event["evidence"]) == {"start", "end", "quote"}


def test_cli_extract_file_offsets_index_the_files_text(report: Path, untouched_db: Path) -> None:
    result = casebook(
        "extract",
        str(report),
        "--published",
        "2024-05-29",
        "--json",
        db=f"sqlite:///{untouched_db}",
    )
    _no_error(result)
    text = report.read_text(encoding="utf-8-sig")  # universal newlines: CRLF read as \n
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events
    for event in events:
        evidence = event["evidence"]
        assert evidence["quote"] == text[evidence["start"] : evidence["end"]]


def test_cli_extract_file_writes_nothing_to_any_store(report: Path, untouched_db: Path) -> None:
    for flags in (["--json"], []):
        _no_error(casebook("extract", str(report), *flags, db=f"sqlite:///{untouched_db}"))
    assert not untouched_db.parent.exists()


def test_cli_extract_file_table_shows_the_events(report: Path, untouched_db: Path) -> None:
    result = casebook(
        "extract", str(report), "--published", "2024-05-29", db=f"sqlite:///{untouched_db}"
    )
    _no_error(result)
    assert "arrest" in result.stdout and "Chan Siu-ming" in result.stdout


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(200), id="png"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)), id="pdf"),
        pytest.param(b"Police arrested\x00\x00\x00 two men.", id="nul-bytes"),
        pytest.param(b" \n\n ", id="blank"),
    ],
)
def test_cli_extract_file_not_text_is_one_line_error(
    tmp_path: Path, untouched_db: Path, content: bytes
) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    result = casebook("extract", str(path), "--json", db=f"sqlite:///{untouched_db}")
    _one_line_error(result)
    assert "report.txt" in result.stderr and result.stdout == ""


def test_cli_extract_missing_file_is_one_line_error(tmp_path: Path, untouched_db: Path) -> None:
    result = casebook("extract", str(tmp_path / "nowhere.txt"), db=f"sqlite:///{untouched_db}")
    _one_line_error(result)
    assert "nowhere.txt" in result.stderr


@pytest.mark.parametrize("published", ["last tuesday", "2024-13-01", "29/05/2024"])
def test_cli_extract_bad_published_is_refused(
    report: Path, untouched_db: Path, published: str
) -> None:
    result = casebook(
        "extract", str(report), "--published", published, "--json", db=f"sqlite:///{untouched_db}"
    )
    _one_line_error(result, code=2)
    assert "YYYY-MM-DD" in result.stderr and result.stdout == ""


def test_cli_extract_over_the_store_prints_a_summary(
    sqlite_url: str, report: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.txt"
    other.write_text(
        "Members of the Kowloon Tenants Alliance voted on Saturday to disband the group.",
        encoding="utf-8",
    )
    _no_error(
        casebook(
            "ingest", str(report), str(other), "--published", "2024-05-29", db=add_admin(sqlite_url)
        )
    )
    first = casebook("extract", db=sqlite_url)
    _no_error(first)
    events = int(first.stdout.split("extracted ")[1].split()[0])
    assert events > 0 and f"extracted {events} candidate events from 2 sources" in first.stdout
    again = casebook("extract", db=sqlite_url)
    _no_error(again)
    assert "extracted 0 candidate events from 0 sources" in again.stdout
    everything = casebook("extract", "--all", db=sqlite_url)
    _no_error(everything)
    assert f"extracted {events} candidate events from 2 sources" in everything.stdout
    assert "intact" in casebook("audit", "verify", db=sqlite_url).stdout


def test_cli_extract_unknown_source_reads_nothing(sqlite_url: str, report: Path) -> None:
    _no_error(casebook("ingest", str(report), db=add_admin(sqlite_url)))
    result = casebook("extract", "--source", "no-such-id", db=sqlite_url)
    _no_error(result)
    assert "from 0 sources" in result.stdout


def test_cli_eval_extract_json_prints_scores_by_type_and_field() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "casebook", "eval", "extract", str(GOLD), "--json"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    _no_error(result)
    report = json.loads(result.stdout)
    assert {"by_type", "by_field", "type_date_law"} <= set(report)
    assert "arrest" in report["by_type"] and "date" in report["by_field"]
    assert 0.0 <= report["type_date_law"]["f1"] <= 1.0


def test_cli_eval_extract_missing_folder_is_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "casebook", "eval", "extract", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
