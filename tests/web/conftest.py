"""A real uvicorn server on loopback over a real store, and a logged-in HTTP client.

The record is built once per run from a few of the bundled sample reports (ingest,
extract, resolve: the same services as the CLI) and copied for each test.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx
import pytest
import uvicorn

from casebook.config import Config, load_config
from casebook.extract.rules import RuleExtractor
from casebook.extract.service import extract_record
from casebook.ingest.service import ingest
from casebook.resolve.service import resolve_record
from casebook.security import accounts, tokens
from casebook.security.permissions import Actor
from casebook.store.engine import Store, open_store
from casebook.web.app import create_app

PASSWORD = "web-password-for-tests"
ROLES = ("viewer", "reviewer", "editor", "admin")
SAMPLES = ("02-jimmy-lai-arrested", "07-mass-arrest", "08-forty-seven", "13-security-law")
ADMIN = Actor("admin", "admin")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_record(url: str) -> None:
    """Users of every role, a few sample reports, extracted and resolved."""
    store = open_store(url)
    try:
        accounts.add_first_admin(store, "admin", PASSWORD)
        for role in ROLES[:-1]:
            accounts.add_user(store, ADMIN, role, role, PASSWORD)
        config = Config(db=url, user="admin")
        folder = resources.files("casebook") / "data" / "sample"
        with resources.as_file(folder) as path:
            files = sorted(str(p) for p in Path(path).glob("*.md") if p.name.startswith(SAMPLES))
            assert len(files) == len(SAMPLES)
            list(ingest(store, config, files))
        list(extract_record(store, config, RuleExtractor.default("hk")))
        resolve_record(store, config)
    finally:
        store.close()


@pytest.fixture(scope="session")
def record_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-record") / "casebook.sqlite"
    build_record(f"sqlite:///{path}")
    return path


@pytest.fixture
def web_db(record_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "casebook.sqlite"
    shutil.copy(record_template, path)
    return f"sqlite:///{path}"


@dataclass
class Server:
    url: str
    store: Store

    def client(self, role: str | None = None) -> WebClient:
        client = WebClient(httpx.Client(base_url=self.url, timeout=30))
        if role:
            client.log_in(role)
        return client

    def token(self, role: str, *scopes: str) -> str:
        from casebook.security.permissions import ROLE_ACTIONS

        actor = accounts.local_actor(self.store, role)
        wanted = scopes or tuple(sorted(ROLE_ACTIONS[role]))
        expires = accounts.now_utc() + tokens.DEFAULT_LIFETIME
        return tokens.create_token(self.store, actor, "tests", wanted, expires)[1]

    def api(self, role: str, *scopes: str) -> httpx.Client:
        secret = self.token(role, *scopes)
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {secret}"}
        )


class WebClient:
    """A browser-like client: keeps the session cookie and the page's CSRF token."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.csrf = ""

    def get(self, path: str, **options: object) -> httpx.Response:
        response = self.http.get(path, **options)  # type: ignore[arg-type]
        found = re.search(r'name="csrf-token" content="([^"]*)"', response.text)
        if found and found.group(1):
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, object] | None = None, **options: object
             ) -> httpx.Response:  # fmt: skip
        form = {"csrf": self.csrf, **(data or {})}
        return self.http.post(path, data=form, **options)  # type: ignore[arg-type]

    def log_in(self, name: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        response = self.post("/login", {"name": name, "password": password})
        self.get("/check")  # a page of the new session: its CSRF token
        return response


def run_server(url: str) -> Iterator[Server]:
    config: Config = load_config({"db": url})
    app = create_app(config, b"s" * 32)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", app.state.store)
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.store.close()


@pytest.fixture
def server(web_db: str) -> Iterator[Server]:
    yield from run_server(web_db)
