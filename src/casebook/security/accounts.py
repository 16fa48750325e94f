"""Users: add, disable, change password or role, list; password login with throttling.

Passwords are hashed with Argon2id (argon2-cffi's PasswordHasher defaults) and rehashed
at login when those defaults change. After MAX_FAILURES wrong passwords for a name, that
name is locked for a delay that doubles with every further failure (LOCK_BASE up to
LOCK_MAX); the count lives in the store, so the lock holds across processes. Messages
never say whether a name exists, and never contain a password or its hash.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from casebook.errors import CasebookError, NotFoundError
from casebook.model import ROLES
from casebook.security.permissions import CLEARANCES, Actor, require
from casebook.store import accounts as stored
from casebook.store.engine import Store
from casebook.store.schema import LoginThrottle, User

MAX_FAILURES = 5
LOCK_BASE = dt.timedelta(seconds=30)
LOCK_MAX = dt.timedelta(hours=1)
MIN_PASSWORD = 10
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown names (same time as for a real user); made on
    first use, not at import, since every command imports this module."""
    return _HASHER.hash("casebook: no such user")


class AccountError(CasebookError):
    """A user cannot be added or changed as asked; says why."""


class LoginError(CasebookError):
    """Who is acting could not be established: wrong password, locked, disabled, unknown."""


@dataclass(frozen=True)
class UserView:
    """A user as listed: never the password hash."""

    name: str
    role: str
    clearance: str
    enabled: bool
    created_at: dt.datetime


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; we always store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def actor_of(user: User) -> Actor:
    return Actor(user.name, user.role, cleared=user.clearance == "restricted")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise AccountError(
            "a user name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if "\n" in password or "\r" in password:
        raise AccountError("a password cannot contain a line break")
    return password


def _check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise AccountError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _view(user: User) -> UserView:
    return UserView(user.name, user.role, user.clearance, user.enabled, _utc(user.created_at))


def has_users(store: Store) -> bool:
    with store.reader() as session:
        return stored.user_count(session) > 0


def add_first_admin(store: Store, name: str, password: str) -> UserView:
    """The store's first user, an admin; refused once the store has any user."""
    check_name(name)
    check_password(password)
    with store.session(name) as session:
        if stored.user_count(session) > 0:
            raise AccountError("the store already has users; an admin adds more")
        user = _new_user(name, "admin", "internal", password)
        session.add(user)
        return _view(user)


def _new_user(name: str, role: str, clearance: str, password: str) -> User:
    return User(
        name=name,
        role=role,
        clearance=clearance,
        password_hash=_HASHER.hash(password),
        enabled=True,
        created_at=now_utc(),
    )


def add_user(
    store: Store, by: Actor, name: str, role: str, password: str, clearance: str = "internal"
) -> UserView:
    """A new, enabled user (needs `manage_users`)."""
    require(by, "manage_users")
    check_name(name)
    _check_choice(role, ROLES, "a role")
    _check_choice(clearance, CLEARANCES, "a clearance")
    check_password(password)
    with store.session(by.name) as session:
        if stored.user_named(session, name) is not None:
            raise AccountError(f"there is already a user {name}")
        user = _new_user(name, role, clearance, password)
        session.add(user)
        return _view(user)


def _user(session: Session, name: str) -> User:
    user = stored.user_named(session, name, for_update=True)
    if user is None:
        raise NotFoundError(f"no user {name}; `casebook user list` shows them")
    return user


def set_enabled(store: Store, by: Actor, name: str, enabled: bool) -> UserView:
    """Disable (or enable again) a user; the last enabled admin cannot be disabled."""
    require(by, "manage_users")
    with store.session(by.name) as session:
        user = _user(session, name)
        if user.enabled == enabled:
            raise AccountError(f"user {name} is already {'enabled' if enabled else 'disabled'}")
        if not enabled and user.role == "admin" and stored.enabled_admins(session) == [name]:
            raise AccountError(f"{name} is the last enabled admin; add another admin first")
        user.enabled = enabled
        return _view(user)


def set_role(
    store: Store, by: Actor, name: str, role: str | None = None, clearance: str | None = None
) -> UserView:
    """Change a user's role and/or clearance (needs `manage_users`)."""
    require(by, "manage_users")
    if role is None and clearance is None:
        raise AccountError("give --role and/or --clearance")
    with store.session(by.name) as session:
        user = _user(session, name)
        if role is not None:
            _check_choice(role, ROLES, "a role")
            if (
                user.role == "admin"
                and role != "admin"
                and stored.enabled_admins(session) == [name]
            ):
                raise AccountError(f"{name} is the last enabled admin; add another admin first")
            user.role = role
        if clearance is not None:
            user.clearance = _check_choice(clearance, CLEARANCES, "a clearance")
        return _view(user)


def set_password(store: Store, by: Actor, name: str, password: str) -> None:
    """Change a password: one's own, or anyone's with `manage_users`."""
    if name != by.name or by.scopes is not None:
        require(by, "manage_users")
    check_password(password)
    with store.session(by.name) as session:
        _user(session, name).password_hash = _HASHER.hash(password)


def list_users(store: Store, by: Actor) -> list[UserView]:
    require(by, "manage_users")
    with store.reader() as session:
        return [_view(user) for user in stored.all_users(session)]


def local_actor(store: Store, name: str) -> Actor:
    """The user named by --user / CASEBOOK_USER / the login, trusted as the laptop's owner."""
    with store.read_connection() as connection:
        user = stored.user_standing(connection, name)
    if user is None:
        raise LoginError(
            f"no casebook user {name}: set --user or CASEBOOK_USER to your casebook user "
            "name, or ask an admin to run `casebook user add`"
        )
    if not user.enabled:
        raise LoginError(f"user {name} is disabled; ask an admin")
    return Actor(name, user.role, cleared=user.clearance == "restricted")


def login(store: Store, name: str, password: str, *, now: dt.datetime | None = None) -> Actor:
    """The user, if `password` is theirs and the name is not locked; LoginError otherwise."""
    now = now or now_utc()
    key = name.casefold()[:128]
    with store.session(name) as session:
        throttle = stored.throttle_of(session, key)
        locked = throttle.locked_until is not None and _utc(throttle.locked_until) > now
        if locked:
            actor, problem = None, _locked_message(throttle.locked_until, now)
        else:
            actor, problem = _verify(session, name, password)
            _count(throttle, actor is not None or problem != _WRONG, now)
    if actor is None:
        raise LoginError(problem)
    return actor


_WRONG = "wrong user name or password"


def _locked_message(until: dt.datetime | None, now: dt.datetime) -> str:
    seconds = int(((_utc(until) if until else now) - now).total_seconds()) + 1
    return f"too many wrong passwords for this name; try again in {seconds} seconds"


def _verify(session: Session, name: str, password: str) -> tuple[Actor | None, str]:
    user = stored.user_named(session, name, for_update=True)
    try:
        _HASHER.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None, _WRONG
    if user is None:
        return None, _WRONG
    if not user.enabled:
        return None, f"user {name} is disabled; ask an admin"
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return actor_of(user), ""


def _count(throttle: LoginThrottle, right: bool, now: dt.datetime) -> None:
    if right:
        throttle.failures, throttle.locked_until = 0, None
        return
    throttle.failures = (throttle.failures or 0) + 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + lock_delay(throttle.failures)


def lock_delay(failures: int) -> dt.timedelta:
    """How long a name stays locked after this many failures in a row."""
    if failures < MAX_FAILURES:
        return dt.timedelta(0)
    return min(LOCK_MAX, LOCK_BASE * 2 ** min(failures - MAX_FAILURES, 16))
