"""Queries over users, API tokens and the login throttle (security/ holds the rules)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Row, bindparam, func, select, update
from sqlalchemy.orm import Session

from casebook.store.schema import ApiToken, LoginThrottle, User


def user_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def user_named(session: Session, name: str, *, for_update: bool = False) -> User | None:
    return session.get(User, name, with_for_update=for_update)


# Built once: every web request asks it.
_STANDING = select(User.role, User.clearance, User.enabled).where(User.name == bindparam("name"))


def user_standing(connection: Connection, name: str) -> Row[str, str, bool] | None:
    """A user's role, clearance and whether enabled (every request reads these)."""
    return connection.execute(_STANDING, {"name": name}).first()


def enabled_admins(session: Session) -> list[str]:
    query = select(User.name).where(User.role == "admin", User.enabled.is_(True))
    return list(session.scalars(query))


def tokens_of(session: Session, user_name: str | None) -> list[ApiToken]:
    """One user's tokens, or everyone's when `user_name` is None; newest first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id)
    if user_name is not None:
        query = query.where(ApiToken.user_name == user_name)
    return list(session.scalars(query))


def mark_token_used(session: Session, token_id: str, at: dt.datetime) -> None:
    # Outside the audit log on purpose: a token's every use is not a change of the accounts.
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))


def throttle_of(session: Session, name: str) -> LoginThrottle:
    """The throttle row for a login name, locked for this unit of work (created if new)."""
    row = session.get(LoginThrottle, name, with_for_update=True)
    if row is None:
        row = LoginThrottle(name=name, failures=0, locked_until=None)
        session.add(row)
    return row
