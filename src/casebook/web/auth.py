"""Who is acting in a web request: a signed session cookie (pages) or an API token (API).

The session is a cookie signed with HMAC-SHA256 over its JSON content: the user's name,
a CSRF token and an expiry. Nothing secret is in it, and nothing in it is trusted beyond
the name: every request reloads the user (role, clearance, enabled) from the store, so
disabling a user or changing a role takes effect at once. Every POST to a page must carry
the session's CSRF token (form field `csrf` or header `X-CSRF-Token`). The API takes
`Authorization: Bearer cbk_...` tokens only, so it needs no CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from casebook.errors import CasebookError
from casebook.security import accounts, tokens
from casebook.security.accounts import LoginError
from casebook.security.permissions import Actor, require
from casebook.store.engine import Store
from casebook.web.routes import API, action_for

COOKIE = "casebook_session"
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(CasebookError):
    """A page was asked for without a session: the browser goes to the login page."""


class CsrfError(CasebookError):
    """A form was posted without the session's CSRF token."""


@dataclass(frozen=True)
class WebSession:
    user: str | None
    csrf: str
    expires: int

    def as_dict(self) -> dict[str, Any]:
        return {"u": self.user, "c": self.csrf, "e": self.expires}


class Signer:
    """Signs and checks session cookies with one secret shared by every worker process."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret needs at least 32 bytes")
        self._key = secret

    def _mac(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def dump(self, session: WebSession) -> str:
        body = base64.urlsafe_b64encode(json.dumps(session.as_dict()).encode("utf-8"))
        return f"{body.decode('ascii')}.{self._mac(body)}"

    def load(self, cookie: str | None, now: float | None = None) -> WebSession | None:
        if not cookie or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body.encode("ascii", "replace"))):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body.encode("ascii")))
            session = WebSession(data["u"], str(data["c"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > (now or time.time()) else None


def new_session(user: str | None) -> WebSession:
    """A fresh session (new CSRF token): at first visit, at login and at logout."""
    return WebSession(user, secrets.token_urlsafe(32), int(time.time()) + SESSION_SECONDS)


def session_of(request: Request) -> WebSession | None:
    return getattr(request.state, "session", None)


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API)


def actor_of_request(request: Request) -> Actor:
    """Who sends this request: the API token's user, or the session's; else LoginRequired."""
    store: Store = request.app.state.store
    if is_api(request):
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise LoginError("send an API token: Authorization: Bearer cbk_...")
        return tokens.token_actor(store, secret)
    session = session_of(request)
    if session is None or not session.user:
        raise LoginRequired("log in first")
    return accounts.local_actor(store, session.user)


async def acting(request: Request) -> Actor:
    """The acting user, once the route's action (web/routes.py) is allowed them."""
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    action = action_for(request.method, template)
    if action is None:
        raise RuntimeError(f"route {request.method} {template} is not in web/routes.py")
    if is_api(request):  # a token's use is written down: that may wait on a writer's lock
        actor = await run_in_threadpool(actor_of_request, request)
    else:  # one indexed read
        actor = actor_of_request(request)
    require(actor, action)
    return actor


async def check_csrf(request: Request) -> None:
    """Refuse a page POST that does not carry the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or is_api(request):
        return
    session = session_of(request)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if session is None or not given or not hmac.compare_digest(given, session.csrf):
        raise CsrfError("this form has expired or did not come from casebook; reload the page")


def log_in(request: Request, name: str, password: str) -> WebSession:
    """Check the password (with the store's throttling) and start a new session."""
    actor = accounts.login(request.app.state.store, name, password)
    return new_session(actor.name)
