"""Every error the web app shows, from one place: a status code and a message.

A CasebookError's message is written for the person acting (it names ids, users and
actions, never a record's content), so it is shown as it is; anything else becomes a
bare "internal error" with no traceback. API routes answer in problem+json (RFC 9457),
pages with the error page.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from casebook.errors import AuditError, CasebookError, NotFoundError, StoreError
from casebook.review.actions import ConflictError
from casebook.security.accounts import LoginError
from casebook.security.permissions import PermissionDenied
from casebook.web.auth import CsrfError, LoginRequired, is_api

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


def problem(request: Request, status: int, title: str, detail: str) -> Response:
    """One error, as problem+json for the API or the error page for a browser."""
    if is_api(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            body, status_code=status, media_type="application/problem+json", headers=headers
        )
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
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
    return problem(request, error.status_code, "error", str(error.detail))


async def unexpected_error(request: Request, error: Exception) -> Response:
    # Never a traceback or a value: the server log has the details.
    return problem(request, 500, "internal error", "internal error")
