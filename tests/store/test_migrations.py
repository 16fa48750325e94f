"""The migrations build exactly the schema the code declares, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from casebook.store.engine import Store, open_store
from casebook.store.schema import Base


def test_migrations_match_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    # The full-text index lives outside the declared tables (FTS5 / a tsvector column).
    differences = [d for d in differences if "source_fts" not in str(d) and "search" not in str(d)]
    assert differences == []


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
