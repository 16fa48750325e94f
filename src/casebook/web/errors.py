"""Every error the web app shows, from one place: a status code and a message.

A CasebookError's message is written for the person acting (it names ids, users and
actions, never a record's content), so it is shown as it is; anything else becomes a
bare "internal error" with no traceback. API routes answer in problem+json (RFC 9457),
pages with the error page.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from casebook.errors import AuditError, CasebookError, NotFoundError, StoreError
from casebook.review.actions import ConflictError
from casebook.security.accounts import LoginError
from casebook.security.permissions import PermissionDenied
from casebook.web.auth import CsrfError, LoginRequired, is_api

_KNOWN = {status.value for status in HTTPStatus}
# Most specific first: ConflictError is a ReviewError, which would be 422.
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFoundError, 404, "not found"),
    (PermissionDenied, 403, "forbidden"),
    (CsrfError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (LoginError, 401, "unauthorized"),
    (StoreError, 503, "store unavailable"),
    (AuditError, 500, "audit chain broken"),
    (CasebookError, 422, "cannot do that"),
)


def status_of(error: Exception) -> tuple[int, str]:
    for kind, status, title in STATUS:
        if isinstance(error, kind):
            return status, title
    return 500, "internal error"


def problem(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """One error, as problem+json for the API or the error page for a browser."""
    headers = dict(headers or {})
    if is_api(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(
            body, status_code=status, media_type="application/problem+json", headers=headers
        )
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
        headers=headers,
    )


async def casebook_error(request: Request, error: Exception) -> Response:
    if isinstance(error, LoginRequired) and not is_api(request):
        return RedirectResponse("/login", status_code=303)
    status, title = status_of(error)
    detail = str(error) if status < 500 or isinstance(error, CasebookError) else title
    if isinstance(error, StoreError):
        detail = "the store cannot be reached; try again shortly"
    return problem(request, status, title, detail)


async def validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg', 'invalid')}"
        for item in error.errors()
    ]
    return problem(request, 422, "invalid request", "; ".join(problems) or "invalid request")


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    title = HTTPStatus(error.status_code).phrase.lower() if error.status_code in _KNOWN else "error"
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem(request, error.status_code, title, str(error.detail), headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette names only the first route's)."""
    from casebook.web import api, pages

    path = request.url.path
    methods: set[str] = set()
    for router in (pages.router, api.router):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path_regex.match(path):
                methods |= route.methods or set()
    return sorted(methods)


async def unexpected_error(request: Request, error: Exception) -> Response:
    # Never a traceback or a value: the server log has the details.
    return problem(request, 500, "internal error", "internal error")
