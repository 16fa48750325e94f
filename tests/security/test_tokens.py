"""API tokens: shown once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casebook.security import accounts, tokens
from casebook.security.accounts import LoginError
from casebook.security.permissions import Actor, PermissionDenied, can
from casebook.security.tokens import TokenError
from casebook.store.engine import Store
from casebook.store.schema import ApiToken, AuditEntry

ADMIN = Actor("root", "admin")
EDITOR = Actor("ed", "editor")
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def users(store: Store) -> Store:
    accounts.add_first_admin(store, "root", "root password!")
    accounts.add_user(store, ADMIN, "ed", "editor", "ed's password!")
    return store


def make(store: Store, by: Actor = EDITOR, scopes: tuple[str, ...] = ("read", "ingest")) -> str:
    _view, secret = tokens.create_token(store, by, "ci", scopes, T0 + dt.timedelta(days=30), now=T0)
    return secret


def test_tokens_act_as_the_owner_narrowed_to_scopes(users: Store) -> None:
    actor = tokens.token_actor(users, make(users), now=T0)
    assert (actor.name, actor.role, actor.scopes) == ("ed", "editor", {"read", "ingest"})
    assert can(actor, "ingest") and not can(actor, "resolve")


def test_tokens_only_the_hash_is_stored_or_audited(users: Store) -> None:
    secret = make(users)
    with users.reader() as session:
        row = session.scalars(select(ApiToken)).one()
        log = " ".join(f"{e.before} {e.after}" for e in session.scalars(select(AuditEntry)))
    assert row.secret_sha256 == tokens.digest(secret) and secret not in row.secret_sha256
    assert secret not in log and row.secret_sha256 not in log
    assert secret.split("_", 2)[2] not in str(tokens.list_tokens(users, EDITOR))


def test_tokens_expired_is_refused(users: Store) -> None:
    secret = make(users)
    with pytest.raises(LoginError, match="expired"):
        tokens.token_actor(users, secret, now=T0 + dt.timedelta(days=31))


def test_tokens_revoked_is_refused(users: Store) -> None:
    secret = make(users)
    token_id = secret.split("_")[1]
    tokens.revoke_token(users, EDITOR, token_id)
    with pytest.raises(LoginError, match="revoked"):
        tokens.token_actor(users, secret, now=T0)


def test_tokens_of_a_disabled_user_are_refused(users: Store) -> None:
    secret = make(users)
    accounts.set_enabled(users, ADMIN, "ed", False)
    with pytest.raises(LoginError, match="disabled"):
        tokens.token_actor(users, secret, now=T0)


@pytest.mark.parametrize(
    "secret",
    ["", "cbk_", "cbk_0123456789abcdef_" + "A" * 43, "' OR 1=1 --", "../../etc/passwd"],
)
def test_tokens_forged_are_refused(users: Store, secret: str) -> None:
    make(users)
    with pytest.raises(LoginError, match="not valid"):
        tokens.token_actor(users, secret, now=T0)


def test_tokens_cannot_widen_a_role_or_make_tokens(users: Store) -> None:
    with pytest.raises(TokenError, match="cannot widen"):
        make(users, scopes=("manage_users",))
    with pytest.raises(TokenError, match="unknown: drop_tables"):
        make(users, scopes=("drop_tables",))
    through_token = tokens.token_actor(users, make(users), now=T0)
    with pytest.raises(TokenError, match="cannot make tokens"):
        make(users, by=through_token)


def test_tokens_others_only_by_admins(users: Store) -> None:
    secret = make(users)
    with pytest.raises(PermissionDenied):
        tokens.create_token(users, EDITOR, "x", ("read",), T0 + dt.timedelta(days=1),
                            owner="root", now=T0)  # fmt: skip
    with pytest.raises(PermissionDenied):
        tokens.list_tokens(users, EDITOR, everyone=True)
    tokens.revoke_token(users, ADMIN, secret.split("_")[1])
    assert tokens.list_tokens(users, ADMIN, everyone=True)[0].revoked_at is not None


def test_tokens_last_use_is_recorded(users: Store) -> None:
    tokens.token_actor(users, make(users), now=T0 + dt.timedelta(hours=1))
    assert tokens.list_tokens(users, EDITOR)[0].last_used_at == T0 + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", T0 + dt.timedelta(days=30)), ("12h", T0 + dt.timedelta(hours=12)),
     ("2027-01-31", dt.datetime(2027, 1, 31, tzinfo=dt.UTC))],
)  # fmt: skip
def test_tokens_lifetime_forms(text: str, expected: dt.datetime) -> None:
    assert tokens.parse_lifetime(text, T0) == expected


@pytest.mark.parametrize("text", ["forever", "0d", "400d", "2020-01-01"])
def test_tokens_lifetime_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(TokenError, match="--expires"):
        tokens.parse_lifetime(text, T0)
