"""The static assets (stylesheet, htmx, casebook.js), served from memory.

They are a handful of small files shipped in the package, so each worker reads them once at
start. A request then costs no file system calls and no trips to the thread pool, and a
browser that already holds a file gets `304 Not Modified` by its ETag.
"""

from __future__ import annotations

import hashlib
import mimetypes
from importlib import resources
from importlib.abc import Traversable

from starlette.types import Receive, Scope, Send

SERVED = (".css", ".js")  # README.md and the licence stay in the package, unserved
CACHE = b"public, max-age=3600"


class Assets:
    """An ASGI app answering GET/HEAD /static/NAME from files read once."""

    def __init__(self, folder: Traversable | None = None) -> None:
        folder = folder or resources.files("casebook.web") / "static"
        self.files: dict[str, tuple[bytes, bytes, bytes]] = {}
        for entry in folder.iterdir():
            if entry.is_file() and entry.name.endswith(SERVED):
                body = entry.read_bytes()
                kind = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
                etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'.encode()
                self.files[entry.name] = (body, f"{kind}; charset=utf-8".encode(), etag)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"].rpartition("/")[2]
        found = self.files.get(name) if scope["method"] in ("GET", "HEAD") else None
        if found is None:
            status = 404 if scope["method"] in ("GET", "HEAD") else 405
            await _answer(send, status, b"text/plain; charset=utf-8", b"not found", [])
            return
        body, kind, etag = found
        headers = [(b"etag", etag), (b"cache-control", CACHE)]
        if dict(scope["headers"]).get(b"if-none-match") == etag:
            await _answer(send, 304, kind, b"", headers)
            return
        await _answer(send, 200, kind, b"" if scope["method"] == "HEAD" else body, headers,
                      length=len(body))  # fmt: skip


async def _answer(
    send: Send,
    status: int,
    kind: bytes,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    length: int | None = None,
) -> None:
    size = str(len(body) if length is None else length).encode()
    start = [(b"content-type", kind), (b"content-length", size), *headers]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})
