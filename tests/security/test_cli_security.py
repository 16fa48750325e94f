"""Accounts, tokens and permissions as a user meets them on the command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casebook.security import accounts
from casebook.security.permissions import Actor
from casebook.store.engine import open_store
from casebook.store.schema import ApiToken
from tests.conftest import ADMIN_PASSWORD, add_admin

BASE_ENV = {
    k: v for k, v in os.environ.items() if not k.startswith("CASEBOOK_") or k == "CASEBOOK_DEBUG"
}
BASE_ENV |= {"COLUMNS": "200"}
ROOT = Actor("tester", "admin")


def casebook(
    *args: str, db: str, user: str = "tester", stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casebook", "--db", db, *args],
        capture_output=True,
        text=True,
        env={**BASE_ENV, "CASEBOOK_USER": user, **env},
        input=stdin,
        timeout=300,
    )


def add_user(db: str, name: str, role: str, clearance: str = "internal") -> str:
    store = open_store(db)
    try:
        accounts.add_user(store, ROOT, name, role, f"{name}'s password", clearance)
    finally:
        store.close()
    return f"{name}'s password"


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    return result.stderr


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.md"
    path.write_text("Police arrested Chan Siu-ming, 34, on Tuesday.\n", encoding="utf-8")
    return path


def test_cli_init_creates_the_first_admin_once(sqlite_url: str) -> None:
    first = casebook("init", "--admin", "alice", "--password-stdin", db=sqlite_url,
                     stdin="alice's password\n")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "first admin alice created" in first.stdout
    again = casebook("init", db=sqlite_url, user="alice")
    assert again.returncode == 0 and "first admin" not in again.stdout
    listed = casebook("user", "list", db=sqlite_url, user="alice")
    assert listed.returncode == 0 and "alice" in listed.stdout and "admin" in listed.stdout


def test_cli_init_takes_the_admin_password_from_the_environment(sqlite_url: str) -> None:
    result = casebook("init", db=sqlite_url, CASEBOOK_ADMIN_PASSWORD="from the environment")
    assert result.returncode == 0 and "first admin tester created" in result.stdout


def test_cli_init_without_a_password_says_how_to_give_one(sqlite_url: str) -> None:
    bare = casebook("init", db=sqlite_url)
    assert bare.returncode == 0 and "no users yet" in bare.stderr
    assert "--password-stdin" in one_line_error(casebook("init", "--admin", "al", db=sqlite_url))


def test_cli_unknown_user_cannot_act(sqlite_url: str, report: Path) -> None:
    add_admin(sqlite_url)
    message = one_line_error(casebook("ingest", str(report), db=sqlite_url, user="stranger"))
    assert "no casebook user stranger" in message


def test_cli_disabled_user_cannot_write(sqlite_url: str, report: Path) -> None:
    add_admin(sqlite_url)
    add_user(sqlite_url, "ed", "editor")
    assert casebook("user", "disable", "ed", db=sqlite_url).returncode == 0
    assert "disabled" in one_line_error(casebook("ingest", str(report), db=sqlite_url, user="ed"))
    assert casebook("user", "enable", "ed", db=sqlite_url).returncode == 0
    assert casebook("ingest", str(report), db=sqlite_url, user="ed").returncode == 0


def test_cli_viewer_can_read_but_not_ingest_or_review(sqlite_url: str, report: Path) -> None:
    add_admin(sqlite_url)
    add_user(sqlite_url, "vic", "viewer")
    assert casebook("ingest", str(report), db=sqlite_url).returncode == 0
    assert casebook("status", db=sqlite_url, user="vic").returncode == 0
    denied = one_line_error(casebook("ingest", str(report), db=sqlite_url, user="vic"))
    assert "vic (viewer) may not ingest" in denied
    denied = one_line_error(casebook("review", "confirm", "anything", db=sqlite_url, user="vic"))
    assert "vic (viewer) may not review" in denied
    assert "may not manage_users" in one_line_error(
        casebook("user", "add", "x", "--role", "admin", db=sqlite_url, user="vic")
    )


def test_cli_writes_are_audited_under_the_acting_user(sqlite_url: str, report: Path) -> None:
    add_admin(sqlite_url)
    add_user(sqlite_url, "ed", "editor")
    assert casebook("ingest", str(report), db=sqlite_url, user="ed").returncode == 0
    import sqlite3

    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        actors = {row[0] for row in connection.execute(
            "SELECT actor FROM audit_log WHERE entity = 'sources'")}  # fmt: skip
    assert actors == {"ed"}


def test_cli_user_add_passwd_and_password_login(sqlite_url: str) -> None:
    add_admin(sqlite_url)
    added = casebook("user", "add", "rita", "--role", "reviewer", "--password-stdin",
                     db=sqlite_url, stdin="rita's first password\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    login = {"CASEBOOK_CLI_AUTH": "password"}
    ok = casebook("status", db=sqlite_url, user="rita",
                  CASEBOOK_PASSWORD="rita's first password", **login)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    changed = casebook("user", "passwd", "--password-stdin", db=sqlite_url, user="rita",
                       stdin="rita's second password\n",
                       CASEBOOK_PASSWORD="rita's first password", **login)  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    again = casebook("status", db=sqlite_url, user="rita",
                     CASEBOOK_PASSWORD="rita's second password", **login)  # fmt: skip
    assert again.returncode == 0, again.stderr


def test_cli_wrong_passwords_are_throttled(sqlite_url: str) -> None:
    add_admin(sqlite_url)
    login = {"CASEBOOK_CLI_AUTH": "password"}
    for _ in range(accounts.MAX_FAILURES):
        wrong = casebook("status", db=sqlite_url, CASEBOOK_PASSWORD="not it at all", **login)
        assert "wrong user name or password" in one_line_error(wrong)
    locked = casebook("status", db=sqlite_url, CASEBOOK_PASSWORD=ADMIN_PASSWORD, **login)
    assert "too many wrong passwords" in one_line_error(locked)
    # Local trust on the laptop is not throttled: the OS account is the lock there.
    assert casebook("status", db=sqlite_url).returncode == 0


def test_cli_token_create_use_revoke(sqlite_url: str) -> None:
    add_admin(sqlite_url)
    made = casebook("token", "create", "nightly", "--scope", "read", "--expires", "7d",
                    db=sqlite_url)  # fmt: skip
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("cbk_") and "shown only now" in made.stderr
    token_env = {"CASEBOOK_TOKEN": secret, "CASEBOOK_CLI_AUTH": "token"}
    assert casebook("status", db=sqlite_url, user="nobody", **token_env).returncode == 0
    denied = casebook("resolve", db=sqlite_url, **token_env)
    assert "may not resolve with this token" in one_line_error(denied)
    listed = casebook("token", "list", db=sqlite_url)
    assert "nightly" in listed.stdout and secret not in listed.stdout
    token_id = secret.split("_")[1]
    assert casebook("token", "revoke", token_id, db=sqlite_url).returncode == 0
    assert "revoked" in one_line_error(casebook("status", db=sqlite_url, **token_env))


def test_cli_expired_token_is_refused(sqlite_url: str) -> None:
    add_admin(sqlite_url)
    secret = casebook("token", "create", "t", "--scope", "read", db=sqlite_url).stdout.strip()
    store = open_store(sqlite_url)
    with store.session("tester") as session:
        row = session.get(ApiToken, secret.split("_")[1])
        assert row is not None
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    store.close()
    expired = casebook("status", db=sqlite_url, CASEBOOK_TOKEN=secret)
    assert "expired" in one_line_error(expired)


def test_cli_token_mode_without_a_token_says_so(sqlite_url: str) -> None:
    add_admin(sqlite_url)
    result = casebook("status", db=sqlite_url, CASEBOOK_CLI_AUTH="token")
    assert "CASEBOOK_TOKEN" in one_line_error(result)


# --- Injection attempts -----------------------------------------------------------------

HOSTILE = "[bold red]Pwned[/] <script>alert(1)</script> '; DROP TABLE sources; -- \" OR 1=1"


def test_cli_hostile_text_is_stored_and_shown_verbatim(sqlite_url: str, tmp_path: Path) -> None:
    add_admin(sqlite_url)
    path = tmp_path / "hostile.md"
    path.write_text(f"---\ntitle: '{HOSTILE.replace(chr(39), chr(39) * 2)}'\n---\n"
                    f"Police arrested Chan Siu-ming. {HOSTILE}\n", encoding="utf-8")  # fmt: skip
    assert casebook("ingest", str(path), db=sqlite_url).returncode == 0
    found = casebook("search", "Pwned", db=sqlite_url)
    assert found.returncode == 0 and HOSTILE in found.stdout  # markup not interpreted
    assert "1 (markdown 1)" in casebook("status", db=sqlite_url).stdout
    for query in ["' OR 1=1 --", '"unbalanced', "NEAR(a b)", "sources; DROP TABLE sources"]:
        assert casebook("search", query, db=sqlite_url).returncode == 0
    assert casebook("audit", "verify", db=sqlite_url).returncode == 0


@pytest.mark.parametrize("name", ["robert'); DROP TABLE users;--", "../../root", "<b>x</b>"])
def test_cli_hostile_user_names_are_refused(sqlite_url: str, name: str) -> None:
    add_admin(sqlite_url)
    result = casebook("user", "add", name, "--role", "viewer", "--password-stdin",
                      db=sqlite_url, stdin="a good password\n")  # fmt: skip
    assert "a user name is" in one_line_error(result)
    assert "tester" in casebook("user", "list", db=sqlite_url).stdout


def test_cli_path_traversal_in_ingest_is_one_clear_line(sqlite_url: str, tmp_path: Path) -> None:
    add_admin(sqlite_url)
    target = str(tmp_path / ".." / ".." / "no-such-dir" / ".." / "casebook-missing.txt")
    result = casebook("ingest", target, db=sqlite_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "casebook-missing.txt" in result.stdout + result.stderr


@pytest.mark.parametrize("where", ["folder", "missing/sub/out.jsonl"])
def test_cli_export_to_a_bad_place_is_one_clear_line(
    sqlite_url: str, tmp_path: Path, where: str
) -> None:
    add_admin(sqlite_url)
    (tmp_path / "folder").mkdir()
    result = casebook("export", str(tmp_path / where), db=sqlite_url)
    assert "cannot write" in one_line_error(result)


def test_cli_markup_in_an_error_is_printed_verbatim(sqlite_url: str) -> None:
    add_admin(sqlite_url)
    message = one_line_error(casebook("review", "show", "[/x][bold]id", db=sqlite_url))
    assert "no event or identity link [/x][bold]id" in message
