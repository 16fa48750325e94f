"""Users and password logins over a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casebook.errors import NotFoundError
from casebook.security import accounts
from casebook.security.accounts import AccountError, LoginError
from casebook.security.permissions import Actor, PermissionDenied
from casebook.store.engine import Store
from casebook.store.schema import AuditEntry, User

ADMIN = Actor("root", "admin")
PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin(store: Store) -> Actor:
    accounts.add_first_admin(store, ADMIN.name, PASSWORD)
    return ADMIN


def test_accounts_first_admin_only_on_an_empty_store(store: Store, admin: Actor) -> None:
    assert accounts.has_users(store)
    with pytest.raises(AccountError, match="already has users"):
        accounts.add_first_admin(store, "mallory", PASSWORD)


def test_accounts_password_is_stored_as_argon2id_only(store: Store, admin: Actor) -> None:
    with store.reader() as session:
        user = session.get(User, "root")
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        entries = list(session.scalars(select(AuditEntry)))
    assert [(e.entity, e.action) for e in entries] == [("users", "create")]  # audited...
    log = " ".join(f"{e.before} {e.after}" for e in entries)
    assert user.password_hash not in log and PASSWORD not in log  # ...without the hash


def test_accounts_add_list_and_login(store: Store, admin: Actor) -> None:
    accounts.add_user(store, admin, "rita", "reviewer", "rita's password!")
    listed = {u.name: (u.role, u.clearance, u.enabled) for u in accounts.list_users(store, admin)}
    assert listed == {"root": ("admin", "internal", True), "rita": ("reviewer", "internal", True)}
    assert accounts.login(store, "rita", "rita's password!") == Actor("rita", "reviewer")


def test_accounts_only_admins_manage_users(store: Store, admin: Actor) -> None:
    accounts.add_user(store, admin, "ed", "editor", "ed's password!")
    with pytest.raises(PermissionDenied, match=r"ed \(editor\) may not manage_users"):
        accounts.add_user(store, Actor("ed", "editor"), "x", "admin", "x's password!")
    with pytest.raises(PermissionDenied):
        accounts.list_users(store, Actor("ed", "editor"))


def test_accounts_disabled_user_cannot_log_in_or_act_locally(store: Store, admin: Actor) -> None:
    accounts.add_user(store, admin, "vic", "viewer", "vic's password!")
    accounts.set_enabled(store, admin, "vic", False)
    with pytest.raises(LoginError, match="disabled"):
        accounts.login(store, "vic", "vic's password!")
    with pytest.raises(LoginError, match="disabled"):
        accounts.local_actor(store, "vic")
    accounts.set_enabled(store, admin, "vic", True)
    assert accounts.local_actor(store, "vic").role == "viewer"


def test_accounts_the_last_admin_stays(store: Store, admin: Actor) -> None:
    with pytest.raises(AccountError, match="last enabled admin"):
        accounts.set_enabled(store, admin, "root", False)
    with pytest.raises(AccountError, match="last enabled admin"):
        accounts.set_role(store, admin, "root", role="viewer")


def test_accounts_passwd_own_or_as_admin(store: Store, admin: Actor) -> None:
    accounts.add_user(store, admin, "rita", "reviewer", "rita's password!")
    rita = Actor("rita", "reviewer")
    accounts.set_password(store, rita, "rita", "a new password!")
    assert accounts.login(store, "rita", "a new password!") == rita
    with pytest.raises(PermissionDenied):
        accounts.set_password(store, rita, "root", "taken over!!")
    accounts.set_password(store, admin, "rita", "reset by admin")
    assert accounts.login(store, "rita", "reset by admin") == rita


def test_accounts_clearance_is_granted_by_set(store: Store, admin: Actor) -> None:
    accounts.add_user(store, admin, "vic", "viewer", "vic's password!")
    accounts.set_role(store, admin, "vic", clearance="restricted")
    assert accounts.local_actor(store, "vic") == Actor("vic", "viewer", cleared=True)
    with pytest.raises(AccountError, match="a clearance must be one of"):
        accounts.set_role(store, admin, "vic", clearance="secret")
    with pytest.raises(NotFoundError):
        accounts.set_role(store, admin, "nobody", role="viewer")


@pytest.mark.parametrize(
    "name", ["", "a b", "robert'); DROP TABLE users;--", "../etc", "<script>", "x" * 65]
)
def test_accounts_odd_user_names_are_refused(store: Store, admin: Actor, name: str) -> None:
    with pytest.raises(AccountError, match="a user name is"):
        accounts.add_user(store, admin, name, "viewer", "a fine password")


def test_accounts_sql_in_a_password_is_just_characters(store: Store, admin: Actor) -> None:
    password = "x'); DROP TABLE users; -- \" OR 1=1 <script>"
    accounts.add_user(store, admin, "o.brien", "viewer", password)
    assert accounts.login(store, "o.brien", password).name == "o.brien"
    with pytest.raises(LoginError):
        accounts.login(store, "o.brien", "' OR '1'='1")
    assert len(accounts.list_users(store, admin)) == 2


def test_accounts_short_passwords_are_refused(store: Store, admin: Actor) -> None:
    with pytest.raises(AccountError, match="at least 10"):
        accounts.add_user(store, admin, "vic", "viewer", "short")


def test_accounts_unknown_name_and_wrong_password_read_the_same(store: Store, admin: Actor) -> None:
    with pytest.raises(LoginError) as unknown:
        accounts.login(store, "nobody", PASSWORD)
    with pytest.raises(LoginError) as wrong:
        accounts.login(store, "root", "not the password")
    assert str(unknown.value) == str(wrong.value) == "wrong user name or password"


def test_accounts_throttle_locks_after_five_failures_and_grows(store: Store, admin: Actor) -> None:
    for minute in range(accounts.MAX_FAILURES):
        with pytest.raises(LoginError, match="wrong user name or password"):
            accounts.login(store, "root", "guess", now=T0 + dt.timedelta(seconds=minute))
    # Locked now: even the right password is not checked.
    with pytest.raises(LoginError, match="too many wrong passwords"):
        accounts.login(store, "root", PASSWORD, now=T0 + dt.timedelta(seconds=10))
    later = T0 + dt.timedelta(seconds=40)
    with pytest.raises(LoginError, match="wrong user name or password"):
        accounts.login(store, "root", "guess again", now=later)
    with pytest.raises(LoginError, match="too many wrong passwords"):  # 60 s this time
        accounts.login(store, "root", PASSWORD, now=later + dt.timedelta(seconds=50))
    assert accounts.login(store, "root", PASSWORD, now=later + dt.timedelta(seconds=61)) == admin
    # The right password reset the count.
    with pytest.raises(LoginError, match="wrong user name or password"):
        accounts.login(store, "root", "guess", now=later + dt.timedelta(seconds=62))
    assert accounts.login(store, "root", PASSWORD, now=later + dt.timedelta(seconds=63)) == admin


def test_accounts_lock_delay_doubles_up_to_an_hour() -> None:
    assert accounts.lock_delay(4) == dt.timedelta(0)
    assert accounts.lock_delay(5) == dt.timedelta(seconds=30)
    assert accounts.lock_delay(6) == dt.timedelta(seconds=60)
    assert accounts.lock_delay(50) == dt.timedelta(hours=1)


def test_accounts_old_hashes_are_rehashed_at_login(store: Store, admin: Actor) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with store.session("root") as session:
        user = session.get(User, "root")
        assert user is not None
        user.password_hash = weak
    accounts.login(store, "root", PASSWORD)
    with store.reader() as session:
        user = session.get(User, "root")
        assert user is not None and user.password_hash != weak
        assert "m=65536" in user.password_hash
