"""Opening the store: engines, SQLite pragmas, migrations, sessions.

A unit of work is `with store.session(actor) as s: ...`: it commits once on success,
rolls back on error, and every write inside is appended to the audit chain.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from casebook.errors import StoreError
from casebook.security import encryption, sqlcipher
from casebook.security.keys import Key
from casebook.store import audit, minors

ANALYSIS_ROWS = 1000
# The newest migration. A store already there opens without loading alembic (a tenth of a
# second on every command); tests/store/test_migrations.py checks it is alembic's head.
SCHEMA_HEAD = "0006"


@dataclass
class Store:
    """An open record: the engine and a session factory bound to it."""

    engine: Engine
    sessions: sessionmaker[Session]

    def __post_init__(self) -> None:
        self._readonly = self.engine.execution_options(readonly=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, actor: str) -> Iterator[Session]:
        """One unit of work acting as `actor`; commits once at the end."""
        session = self.sessions()
        session.info["actor"] = actor
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        session = self.sessions(bind=self._readonly)
        try:
            yield session
        finally:
            session.close()  # ends the transaction; loaded objects stay readable

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A plain read-only connection, for the few small queries every request makes
        (no ORM session to set up)."""
        with self._readonly.connect() as connection:
            yield connection

    def optimize(self) -> None:
        """Refresh the query planner's statistics after bulk writes, so the pages' queries
        pick the indexes that read rows in order (ANALYZE, sampling at most ANALYSIS_ROWS
        rows per index). PostgreSQL's autovacuum keeps its own statistics."""
        if self.dialect != "sqlite":
            return
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_ROWS}")
            connection.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, migrate: bool = True, key: Key | None = None) -> Store:
    """Open (and by default create or upgrade) the store at `url`.

    With a `key`, a SQLite store is opened (or created) encrypted with SQLCipher.
    """
    engine = _make_engine(url, key)
    try:
        if _revision(engine) == SCHEMA_HEAD:
            pass  # the usual case: no need to load the migrations
        elif migrate:
            upgrade(engine)
        else:
            _require_current(engine)
    except OperationalError as error:
        engine.dispose()
        raise StoreError(f"cannot open the store at {_safe(url)}: {error.orig}") from error
    sessions = sessionmaker(engine, expire_on_commit=False)
    audit.install(sessions)
    minors.install(sessions)
    return Store(engine, sessions)


def _make_engine(url: str, key: Key | None) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(f"not a database URL: {_safe(url)}") from error
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed.database, key)
    if key is not None:
        raise StoreError(
            "a key encrypts SQLite stores only; PostgreSQL relies on disk encryption and TLS "
            "(docs/security.md): unset CASEBOOK_KEY / CASEBOOK_KEY_FILE"
        )
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except (ImportError, SQLAlchemyError) as error:
        raise StoreError(f"cannot use the database URL {_safe(url)}: {error}") from error


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store URL; None for any other database."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(f"not a database URL: {_safe(url)}") from error
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise StoreError("the SQLite store must be a file: use sqlite:///PATH")
    return Path(parsed.database)


def _sqlite_engine(database: str | None, key: Key | None) -> Engine:
    if not database or database == ":memory:":
        raise StoreError("the SQLite store must be a file: use sqlite:///PATH")
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the folder for {path}: {error.strerror}") from error
    encryption.recover(path)  # a conversion killed half-way is finished or rolled back first
    sqlcipher.require_kind(path, key)
    if key is None:
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    else:
        engine = _sqlcipher_engine(path, key)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlcipher_engine(path: Path, key: Key) -> Engine:
    """SQLite through SQLCipher: each new connection gets `PRAGMA key` before anything else."""
    import sqlcipher3

    sqlcipher.connect(path, key).close()  # a wrong key fails here, once, with a clear message
    return create_engine(
        f"sqlite:///{path}", module=sqlcipher3, creator=lambda: sqlcipher.connect(path, key)
    )


def _sqlite_on_connect(connection: sqlite3.Connection, _record: Any) -> None:
    # Let us issue BEGIN ourselves (see _sqlite_on_begin) instead of pysqlite's deferred BEGIN.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking;
    # readers need no lock (WAL lets them read beside a writer).
    readonly = connection.get_execution_options().get("readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _revision(engine: Engine) -> str | None:
    """The store's schema revision as alembic wrote it down, or None (a new store)."""
    with engine.connect() as connection:
        if "alembic_version" not in _table_names(connection):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return next(iter(found), None)


def _table_names(connection: Any) -> list[str]:
    from sqlalchemy import inspect

    return list(inspect(connection).get_table_names())


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    location = resources.files("casebook.store") / "migrations"
    config.set_main_option("script_location", str(location))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def _require_current(engine: Engine) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise StoreError(
            f"the store is at schema {current or 'none'}, this casebook needs {head}: "
            "run `casebook init` to upgrade it"
        )


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
