"""Shared fixtures: real SQLite files, and a real PostgreSQL server started for the run.

The PostgreSQL server is a throwaway cluster (initdb into a temporary folder, loopback
only, trust auth). Each test gets its own database, copied from a migrated template.
When no PostgreSQL binaries exist the PostgreSQL cases are skipped, unless
CASEBOOK_REQUIRE_POSTGRES=1 (as .ci/run sets), which makes that an error.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from casebook.security.accounts import add_first_admin
from casebook.store.engine import Store, open_store, upgrade

TEMPLATE = "casebook_template"
ADMIN_PASSWORD = "admin-password-for-tests"
_counter = itertools.count()


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A PostgreSQL cluster of our own, on loopback, for the length of the test run."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="casebook-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
        os.chmod(self.root, 0o755)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "casebook",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://casebook@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            clause = f" TEMPLATE {template}" if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        admin.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("CASEBOOK_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (CASEBOOK_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL is not installed here; .ci/run installs it")
    server = PostgresServer(bindir)
    server.start()
    template_url = server.create_database(TEMPLATE)
    engine = create_engine(template_url)
    upgrade(engine)
    engine.dispose()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'casebook.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"test_{os.getpid()}_{next(_counter)}", TEMPLATE)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'casebook.sqlite'}"


def add_admin(url: str, name: str = "tester") -> str:
    """Give a store its first admin, as `casebook init` does, so CLI tests can act as `name`."""
    store = open_store(url)
    try:
        add_first_admin(store, name, ADMIN_PASSWORD)
    finally:
        store.close()
    return url
