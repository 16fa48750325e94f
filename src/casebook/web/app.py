"""The web app: create_app(config) builds it; `casebook serve` runs it under uvicorn.

Middleware, outermost first: a request size limit; the session cookie (loaded before the
route, renewed after) and the security headers on every response. Routes are in
`pages.py` (HTML) and `api.py` (JSON under /api/v1); every one of them asks
`web.auth.acting`, which checks the permission `web/routes.py` lists for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casebook.config import Config, load_config
from casebook.count.rules import load_rulebook
from casebook.errors import CasebookError
from casebook.security.keys import configured_key
from casebook.store.engine import open_store
from casebook.web import api, errors, pages, service
from casebook.web.assets import Assets
from casebook.web.auth import COOKIE, SESSION_SECONDS, Signer, WebSession, new_session

SECRET_ENV = "CASEBOOK_WEB_SECRET"
TITLE, VERSION = "casebook", "1"
DESCRIPTION = "Evidence-backed case tracker: the JSON API (docs/web.md)."
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


_ENCODED = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
_ENCODED_NO_STORE = [*_ENCODED, (b"cache-control", b"no-store")]


class SizeLimit:
    """Refuse a request body over `limit` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"type":"about:blank","title":"request too large","status":413,'
        + f'"detail":"a request may carry at most {limit // (1024 * 1024)} MB"}}'.encode()
    )
    headers = [(b"content-type", b"application/problem+json")]
    headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _templates() -> Jinja2Templates:
    folder = resources.files("casebook.web") / "templates"
    # Templates ship in the package: no need to check their files for changes per render.
    environment = Environment(
        loader=FileSystemLoader(str(folder)), autoescape=True, auto_reload=False
    )
    return Jinja2Templates(env=environment)


def create_app(config: Config, secret: bytes | None = None) -> FastAPI:
    """The app over the store `config.db`; `secret` signs session cookies (every worker of
    one deployment must share it)."""
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.config = config
    app.state.store = open_store(config.db, key=configured_key(config))
    app.state.signer = Signer(secret or secrets.token_bytes(32))
    app.state.templates = _templates()
    app.state.chart_cache = {}
    app.mount("/static", Assets(), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.add_exception_handler(CasebookError, errors.casebook_error)
    app.add_exception_handler(RequestValidationError, errors.validation_error)
    app.add_exception_handler(HTTPException, errors.http_error)
    app.add_exception_handler(Exception, errors.unexpected_error)
    app.add_middleware(SessionAndHeaders, signer=app.state.signer)
    limit = config.max_document_bytes + 1024 * 1024
    app.add_middleware(SizeLimit, limit=limit)
    app.router.on_shutdown.append(app.state.store.close)
    return app


class SessionAndHeaders:
    """Load the session cookie before the route and renew it after; add the security
    headers to every response. Plain ASGI: cheaper than a BaseHTTPMiddleware per request."""

    def __init__(self, app: ASGIApp, signer: Signer) -> None:
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        loaded = self.signer.load(request.cookies.get(COOKIE))
        state = scope.setdefault("state", {})
        state["session"] = loaded or new_session(None)
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                wanted = _ENCODED if path.startswith("/static/") else _ENCODED_NO_STORE
                raw += [(name, value) for name, value in wanted if name not in present]
                message["headers"] = raw
                self._cookie(MutableHeaders(raw=raw), state.get("session"), loaded, request)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(
        self,
        headers: MutableHeaders,
        session: WebSession | None,
        loaded: WebSession | None,
        request: Request,
    ) -> None:
        if session is loaded or request.url.path.startswith(("/api/", "/static/")):
            return
        cookie = Response()
        if session is None:
            cookie.delete_cookie(COOKIE, path="/")
        else:
            cookie.set_cookie(
                COOKIE,
                self.signer.dump(session),
                max_age=SESSION_SECONDS,
                path="/",
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        headers.append("set-cookie", cookie.headers["set-cookie"])


def from_environment() -> FastAPI:
    """The app as `casebook serve` starts it in each worker: settings from the environment,
    the session secret from CASEBOOK_WEB_SECRET (set by `serve` for its workers)."""
    secret = os.environ.get(SECRET_ENV)
    app = create_app(load_config({}), bytes.fromhex(secret) if secret else None)
    app.router.on_startup.append(lambda: _warm_in_background(app))
    return app


def _warm_in_background(app: FastAPI) -> None:
    """Draw today's dashboard and charts once as the worker starts, so its first visitors do
    not wait for the figures and for matplotlib to load."""

    def warm() -> None:
        today = dt.date.today()
        try:
            service.dashboard(app, today)
            for rule in load_rulebook(app.state.config.jurisdiction).rules:
                service.chart(app, rule.id, today)
        except Exception:
            logging.getLogger(__name__).warning("could not warm the dashboard", exc_info=True)

    threading.Thread(target=warm, name="casebook-warm", daemon=True).start()


def serve(config: Config, host: str, port: int, workers: int, **options: Any) -> None:
    """Run the app under uvicorn; with `workers` processes (web/workers.py) sharing one store
    and one session secret."""
    import uvicorn

    os.environ["CASEBOOK_DB"] = config.db
    if config.key_file:  # workers read the key themselves; it never travels in the environment
        os.environ["CASEBOOK_KEY_FILE"] = config.key_file
    os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))
    # No access log: its URLs would carry search words and record ids.
    options = {"proxy_headers": True, "server_header": False, "access_log": False, **options}
    if workers > 1:
        from casebook.web.workers import run_workers

        run_workers(host, port, workers, options)
        return
    uvicorn.run("casebook.web.app:from_environment", factory=True, host=host, port=port, **options)
