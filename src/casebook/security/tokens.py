"""API tokens: scoped, expiring, revocable; only the SHA-256 of the secret is stored.

A token reads `cbk_<id>_<secret>`. The id is public (listed, used to revoke); the whole
string is shown once, when it is made. Acting through a token gives its owner's role
narrowed to the token's scopes (permissions.Actor.scopes), and never more: a token
cannot make tokens or change passwords.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from casebook.errors import CasebookError, NotFoundError
from casebook.security.accounts import LoginError, actor_of, now_utc
from casebook.security.permissions import ACTIONS, Actor, actions_of, require
from casebook.store import accounts as stored
from casebook.store.engine import Store
from casebook.store.schema import ApiToken

DEFAULT_LIFETIME = dt.timedelta(days=90)
MAX_LIFETIME = dt.timedelta(days=366)
_SHAPE = re.compile(r"cbk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})")
_DURATION = re.compile(r"(\d+)([dhm])")


class TokenError(CasebookError):
    """A token cannot be made, used or revoked as asked."""


@dataclass(frozen=True)
class TokenView:
    """A token as listed: never its secret."""

    id: str
    user_name: str
    label: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _view(row: ApiToken) -> TokenView:
    return TokenView(
        row.id,
        row.user_name,
        row.label,
        tuple(row.scopes.split()),
        _utc(row.created_at) or row.created_at,
        _utc(row.expires_at) or row.expires_at,
        _utc(row.revoked_at),
        _utc(row.last_used_at),
    )


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_lifetime(text: str, now: dt.datetime) -> dt.datetime:
    """'30d', '12h', '90m' from now, or an ISO date (midnight UTC) → when a token expires."""
    match = _DURATION.fullmatch(text.strip())
    if match:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        expires = now + dt.timedelta(**{unit: int(match.group(1))})
    else:
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            raise TokenError(f"--expires {text!r}: use 30d, 12h, 90m or YYYY-MM-DD") from None
        expires = dt.datetime.combine(day, dt.time(), dt.UTC)
    if expires <= now or expires - now > MAX_LIFETIME:
        raise TokenError(
            f"--expires {text!r}: a token lives from 1 minute to {MAX_LIFETIME.days} days"
        )
    return expires


def create_token(
    store: Store,
    by: Actor,
    label: str,
    scopes: Iterable[str],
    expires_at: dt.datetime,
    *,
    owner: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[TokenView, str]:
    """A new token and its secret (shown once). Another user's needs `manage_users`."""
    now = now or now_utc()
    owner = owner or by.name
    if by.scopes is not None:
        raise TokenError("a token cannot make tokens; log in as the user")
    if owner != by.name:
        require(by, "manage_users")
    wanted = tuple(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in ACTIONS]
    if not wanted or unknown:
        raise TokenError(
            f"scopes must be some of: {', '.join(ACTIONS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    token_id = secrets.token_hex(8)
    secret = f"cbk_{token_id}_{secrets.token_urlsafe(32)}"
    with store.session(by.name) as session:
        user = stored.user_named(session, owner)
        if user is None or not user.enabled:
            raise NotFoundError(f"no enabled user {owner}")
        beyond = [s for s in wanted if s not in actions_of(actor_of(user))]
        if beyond:
            raise TokenError(
                f"{owner} ({user.role}) may not {', '.join(beyond)}; a token cannot widen a role"
            )
        row = ApiToken(
            id=token_id,
            user_name=owner,
            label=label,
            secret_sha256=digest(secret),
            scopes=" ".join(wanted),
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
        )
        session.add(row)
        return _view(row), secret


def revoke_token(store: Store, by: Actor, token_id: str, *, now: dt.datetime | None = None) -> None:
    """Revoke a token at once: one's own, or anyone's with `manage_users`."""
    with store.session(by.name) as session:
        row = session.get(ApiToken, token_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no token {token_id}; `casebook token list` shows them")
        if row.user_name != by.name or by.scopes is not None:
            require(by, "manage_users")
        if row.revoked_at is not None:
            raise TokenError(f"token {token_id} is already revoked")
        row.revoked_at = now or now_utc()


def list_tokens(store: Store, by: Actor, *, everyone: bool = False) -> list[TokenView]:
    """One's own tokens, or everyone's with `manage_users`."""
    if everyone:
        require(by, "manage_users")
    with store.reader() as session:
        return [_view(row) for row in stored.tokens_of(session, None if everyone else by.name)]


def token_actor(store: Store, secret: str, *, now: dt.datetime | None = None) -> Actor:
    """Who acts through this token, narrowed to its scopes; LoginError if it cannot be used."""
    now = now or now_utc()
    match = _SHAPE.fullmatch(secret.strip())
    with store.session("casebook") as session:
        row = session.get(ApiToken, match.group(1)) if match else None
        if row is None or not hmac.compare_digest(row.secret_sha256, digest(secret.strip())):
            raise LoginError("this API token is not valid")
        if row.revoked_at is not None:
            raise LoginError(f"API token {row.id} was revoked")
        expires = _utc(row.expires_at)
        if expires is not None and expires <= now:
            raise LoginError(f"API token {row.id} expired on {expires:%Y-%m-%d %H:%M} UTC")
        user = stored.user_named(session, row.user_name)
        if user is None or not user.enabled:
            raise LoginError(f"the user of API token {row.id} is disabled")
        stored.mark_token_used(session, row.id, now)
        base = actor_of(user)
        return Actor(base.name, base.role, base.cleared, frozenset(row.scopes.split()))
