"""Nothing leaks sideways: markers planted in restricted records, passwords and tokens never
show up in what commands print when they fail or refuse, nor secrets in the audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import select

from casebook.config import Config
from casebook.resolve.service import resolve_record
from casebook.security import accounts, tokens
from casebook.security.accounts import now_utc
from casebook.security.permissions import Actor
from casebook.store.engine import open_store
from casebook.store.schema import Event, Person, Source
from tests.resolve.test_service import add_reports
from tests.security.test_cli_security import casebook

MARKER = "RESTRICTED-MARKER-xyz"
SOURCE_MARKER = "RESTRICTEDSOURCEMARKERqqq"
ADMIN_PASSWORD = "PASSWORD-MARKER-admin-123"
VIEWER_PASSWORD = "PASSWORD-MARKER-viewer-456"
WRONG_PASSWORD = "PASSWORD-MARKER-wrong-789"
ROOT = Actor("root", "admin")


def plant(db: str, tmp_path: Path) -> dict[str, str]:
    """A store holding a restricted witness statement, a minor, two users and a token."""
    store = open_store(db)
    try:
        accounts.add_first_admin(store, "root", ADMIN_PASSWORD)
        accounts.add_user(store, ROOT, "vic", "viewer", VIEWER_PASSWORD)
        accounts.add_user(store, ROOT, "rita", "reviewer", "rita's password")
        event_id = add_reports(store, {
            "text": f"Chan Tai-man, 15, was arrested. {MARKER}",
            "persons": [("Chan Tai-man", 15)],
        })[0]  # fmt: skip
        resolve_record(store, Config(db=db, user="root"))
        with store.session("root") as session:
            person = session.scalars(select(Person)).one()
            person.name = f"Chan {MARKER}"
            person_id = person.id
            event = session.get(Event, event_id)
            assert event is not None
        expires = now_utc().replace(year=now_utc().year + 1, month=1, day=1)
        _view, secret = tokens.create_token(store, ROOT, "leak", ["read"], expires)
    finally:
        store.close()
    statement = tmp_path / "witness.md"
    statement.write_text(
        f"---\ntitle: Witness statement {SOURCE_MARKER}\nsensitivity: restricted\n---\n"
        f"I saw the police take {SOURCE_MARKER} away.\n",
        encoding="utf-8",
    )
    assert casebook("ingest", str(statement), db=db, user="root").returncode == 0
    store = open_store(db)  # a file does not grade itself: an admin marks it restricted
    try:
        with store.session("root") as session:
            for source in session.scalars(select(Source).where(Source.kind == "markdown")):
                source.sensitivity = "restricted"
    finally:
        store.close()
    return {"event": event_id, "person": person_id, "token": secret}


def test_leaks_no_marker_password_or_token_in_refusals_and_errors(
    sqlite_url: str, tmp_path: Path
) -> None:
    planted = plant(sqlite_url, tmp_path)
    secret, event_id, person_id = planted["token"], planted["event"], planted["person"]
    # The markers are really there for a cleared user, so the searches below mean something.
    assert SOURCE_MARKER in casebook("search", SOURCE_MARKER, db=sqlite_url, user="root").stdout
    assert MARKER in casebook("review", "show", event_id, db=sqlite_url, user="root").stdout

    bad_export = tmp_path / "bad.jsonl"
    bad_export.write_text('{"entity": "casebook-export", "format": 1}\n'
                          f'{{"entity": "persons", "id": "x", "name": "{MARKER}"\n')  # fmt: skip
    password_login = {"CASEBOOK_CLI_AUTH": "password"}
    runs = [
        casebook("search", SOURCE_MARKER, db=sqlite_url, user="vic"),
        casebook("search", "witness statement", db=sqlite_url, user="vic"),
        casebook("status", db=sqlite_url, user="vic"),
        casebook("review", "list", db=sqlite_url, user="vic"),
        casebook("review", "list", db=sqlite_url, user="rita"),
        casebook("review", "show", event_id, db=sqlite_url, user="vic"),
        casebook("review", "show", event_id, db=sqlite_url, user="rita"),
        casebook("review", "next", db=sqlite_url, user="rita", stdin="c\nq\n"),
        casebook("review", "confirm", event_id, db=sqlite_url, user="vic"),
        casebook("review", "confirm", event_id, db=sqlite_url, user="rita"),
        casebook("review", "edit", event_id, "place", "Mong Kok", db=sqlite_url, user="rita"),
        casebook("review", "merge-persons", person_id, "nobody", db=sqlite_url, user="rita"),
        casebook(
            "review", "override-minor", person_id, "--reason", "x", db=sqlite_url, user="rita"
        ),
        casebook("export", str(tmp_path / "out.jsonl"), db=sqlite_url, user="vic"),
        casebook("export", db=sqlite_url, user="rita"),
        casebook("import", str(bad_export), db=sqlite_url, user="root"),
        casebook("user", "list", db=sqlite_url, user="vic"),
        casebook(
            "status", db=sqlite_url, user="vic", CASEBOOK_PASSWORD=WRONG_PASSWORD, **password_login
        ),
        casebook(
            "status",
            db=sqlite_url,
            user="nobody",
            CASEBOOK_PASSWORD=VIEWER_PASSWORD,
            **password_login,
        ),
        casebook("status", db=sqlite_url, CASEBOOK_TOKEN=secret[:-3] + "AAA"),
        casebook("status", db=sqlite_url, CASEBOOK_TOKEN=f"cbk_{MARKER}"),
        casebook("token", "create", "x", "--scope", "manage_users", db=sqlite_url, user="vic"),
        casebook(
            "user",
            "add",
            "new",
            "--role",
            "viewer",
            "--password-stdin",
            db=sqlite_url,
            user="root",
            stdin="short\n",
        ),
    ]
    assert not (tmp_path / "out.jsonl").exists()
    for run in runs:
        shown = run.stdout + run.stderr
        assert "Traceback" not in shown
        for secret_text in (MARKER, SOURCE_MARKER, ADMIN_PASSWORD, VIEWER_PASSWORD,
                            WRONG_PASSWORD, secret):  # fmt: skip
            assert secret_text not in shown, (run.args[4:], secret_text, shown)


def test_leaks_no_password_or_token_in_the_audit_log(sqlite_url: str, tmp_path: Path) -> None:
    planted = plant(sqlite_url, tmp_path)
    casebook("user", "passwd", "vic", "--password-stdin", db=sqlite_url, user="root",
             stdin="PASSWORD-MARKER-changed-000\n")  # fmt: skip
    made = casebook("token", "create", "cli", "--scope", "read", db=sqlite_url, user="root")
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        log = "\n".join(
            " ".join(str(value) for value in row)
            for row in connection.execute("SELECT * FROM audit_log")
        )
        hashes = [row[0] for row in connection.execute("SELECT password_hash FROM users")]
    assert '"users"' in log or "users" in log
    for secret_text in (ADMIN_PASSWORD, VIEWER_PASSWORD, "PASSWORD-MARKER-changed-000",
                        planted["token"], made.stdout.strip(), *hashes):  # fmt: skip
        assert secret_text not in log
