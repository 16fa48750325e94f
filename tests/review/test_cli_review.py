"""`casebook review` as a user runs it: list, show, confirm, undo, conflicts, the loop."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from casebook.store.engine import open_store
from casebook.store.schema import Event
from tests.conftest import add_admin
from tests.resolve.test_service import add_reports

ENV = {**os.environ, "CASEBOOK_USER": "reviewer", "COLUMNS": "200"}
TEXT = "Police arrested Chan Siu-ming, 34, on Tuesday on suspicion of sedition."


def casebook(*args: str, db: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casebook", "--db", db, *args],
        capture_output=True,
        text=True,
        env=ENV,
        input=stdin,
        timeout=120,
    )


@pytest.fixture
def event_id(sqlite_url: str) -> str:
    store = open_store(add_admin(sqlite_url, "reviewer"))
    try:
        return add_reports(store, {"text": TEXT, "persons": [("Chan Siu-ming", 34)]})[0]
    finally:
        store.close()


def status_of(db: str, event_id: str) -> tuple[str, int]:
    store = open_store(db)
    try:
        with store.reader() as session:
            event = session.get(Event, event_id)
            assert event is not None
            return event.status, event.version
    finally:
        store.close()


def test_cli_review_list_show_confirm_undo(sqlite_url: str, event_id: str) -> None:
    listed = casebook("review", "list", db=sqlite_url)
    assert listed.returncode == 0 and event_id in listed.stdout
    shown = casebook("review", "show", event_id, db=sqlite_url)
    assert shown.returncode == 0 and "Chan Siu-ming" in shown.stdout and "version 1" in shown.stdout
    confirmed = casebook("review", "confirm", event_id, "--expect-version", "1", db=sqlite_url)
    assert confirmed.returncode == 0, confirmed.stderr
    assert status_of(sqlite_url, event_id) == ("confirmed", 2)
    decision = confirmed.stdout.split("casebook review undo ")[1].split(")")[0]
    undone = casebook("review", "undo", decision, db=sqlite_url)
    assert undone.returncode == 0, undone.stderr
    assert status_of(sqlite_url, event_id) == ("candidate", 3)


def test_cli_review_conflict_is_one_line_and_fails(sqlite_url: str, event_id: str) -> None:
    result = casebook("review", "reject", event_id, "--expect-version", "7", db=sqlite_url)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "reload it" in result.stderr
    assert status_of(sqlite_url, event_id) == ("candidate", 1)


@pytest.mark.parametrize(
    "args",
    [("confirm", "nope"), ("edit", "EVENT", "law", "hk.nowhere"), ("undo", "abc")],
)
def test_cli_review_bad_input_is_one_line(sqlite_url: str, event_id: str, args: tuple) -> None:
    result = casebook("review", *(event_id if a == "EVENT" else a for a in args), db=sqlite_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error:") and result.stderr.strip().count("\n") == 0


def test_cli_review_next_confirms_from_piped_answers(sqlite_url: str, event_id: str) -> None:
    result = casebook("review", "next", db=sqlite_url, stdin="c\nq\n")
    assert result.returncode == 0, result.stderr
    assert "1 decisions" in result.stdout
    assert status_of(sqlite_url, event_id) == ("confirmed", 2)


def test_cli_review_next_edits_then_stops_at_end_of_input(sqlite_url: str, event_id: str) -> None:
    result = casebook("review", "next", db=sqlite_url, stdin="e\ncount\n12\ns\n")
    assert result.returncode == 0, result.stderr
    assert "set count" in result.stdout and "nothing left to review" in result.stdout
    assert status_of(sqlite_url, event_id) == ("candidate", 2)
