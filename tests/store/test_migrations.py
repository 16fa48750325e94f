"""The migrations build exactly the schema the code declares, on every backend."""

from __future__ import annotations

from importlib import resources

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from casebook.errors import StoreError
from casebook.store.engine import SCHEMA_HEAD, Store, open_store
from casebook.store.schema import Base


def test_migrations_match_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    # The full-text index lives outside the declared tables (FTS5 / a tsvector column).
    differences = [d for d in differences if "source_fts" not in str(d) and "search" not in str(d)]
    assert differences == []


def test_migrations_schema_head_is_the_newest_migration() -> None:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(resources.files("casebook.store") / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_migrations_a_store_behind_is_upgraded_when_opened(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with store.engine.begin() as connection:  # as a store made before the page indexes
        connection.exec_driver_sql("DROP INDEX ix_events_listed")
        connection.exec_driver_sql("DROP INDEX ix_events_type_listed")
        connection.exec_driver_sql("DROP INDEX ix_events_status_queue")
        connection.exec_driver_sql("DROP INDEX ix_event_evidence_evidence_id")
        connection.exec_driver_sql("DROP INDEX ix_event_participants_organisation_id")
        connection.exec_driver_sql("DROP INDEX ix_persons_name")
        connection.exec_driver_sql("DROP INDEX ix_organisations_name")
        connection.exec_driver_sql("DROP INDEX ix_identity_links_decision")
        connection.exec_driver_sql("DROP INDEX ix_sources_listed")
        connection.exec_driver_sql("CREATE INDEX ix_sources_published_at ON sources (published_at)")
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
    store.close()
    with pytest.raises(StoreError, match="is at schema 0005, this casebook needs 0006"):
        open_store(sqlite_url, migrate=False)
    store = open_store(sqlite_url)
    with store.engine.connect() as connection:
        names = {row[0] for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}  # fmt: skip
        assert {"ix_events_listed", "ix_events_status_queue", "ix_sources_listed"} <= names
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            SCHEMA_HEAD
        )
    store.close()


def test_opening_a_store_twice_keeps_its_data(db_url: str) -> None:
    first = open_store(db_url)
    with first.session("alice") as session:
        from casebook.store.schema import Person

        session.add(Person(id="p1", name="Joshua Wong"))
    first.close()
    second = open_store(db_url)
    with second.reader() as session:
        assert session.get(Person, "p1") is not None
    second.close()


def test_sqlite_store_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert "source_fts" in inspect(connection).get_table_names()
    store.close()
