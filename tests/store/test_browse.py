"""The web lists and the review queue: their order, their pages, and (on SQLite) that each
reads its rows in index order instead of sorting the whole table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from casebook.review.queue import queue
from casebook.store import browse
from casebook.store.engine import Store
from casebook.store.schema import Event, Organisation, Person

LEVELS = ("public", "internal", "restricted")


def add_events(store: Store, rows: list[tuple[str, str, dt.date | None, str]]) -> None:
    with store.session("tester") as session:
        for event_id, kind, date, status in rows:
            session.add(Event(id=event_id, type=kind, date=date, status=status,
                              sensitivity="internal", version=1))  # fmt: skip


ROWS = [
    ("e1", "arrest", dt.date(2021, 3, 1), "candidate"),
    ("e2", "arrest", None, "candidate"),
    ("e3", "charge", dt.date(2023, 7, 9), "confirmed"),
    ("e4", "arrest", dt.date(2021, 3, 1), "confirmed"),
    ("e5", "arrest", dt.date(2020, 8, 10), "candidate"),
    ("e6", "charge", None, "confirmed"),
]


def ids(page: browse.Page[Any]) -> list[str]:
    return [row.id for row in page.items]


def test_browse_events_dated_newest_first_then_undated(store: Store) -> None:
    add_events(store, ROWS)
    with store.reader() as session:
        everything = browse.events(session, LEVELS, browse.EventFilter(), 1, 10)
        assert ids(everything) == ["e3", "e4", "e1", "e5", "e6", "e2"]
        assert not everything.more
        first = browse.events(session, LEVELS, browse.EventFilter(), 1, 4)
        second = browse.events(session, LEVELS, browse.EventFilter(), 2, 4)
        assert ids(first) + ids(second) == ids(everything) and first.more and not second.more
        arrests = browse.EventFilter(type="arrest", since=dt.date(2021, 1, 1))
        assert ids(browse.events(session, LEVELS, arrests, 1, 10)) == ["e4", "e1"]
        confirmed = browse.EventFilter(status="confirmed")
        assert ids(browse.events(session, LEVELS, confirmed, 1, 10)) == ["e3", "e4", "e6"]


def test_browse_review_queue_pages_are_dated_oldest_first_then_undated(store: Store) -> None:
    add_events(store, ROWS)
    with store.reader() as session:
        pages = [[item.id for item in queue(session, 2, offset)] for offset in (0, 2, 4)]
    assert pages == [["e5", "e1"], ["e2"], []]


def test_browse_names_by_name(store: Store) -> None:
    with store.session("tester") as session:
        for n, name in enumerate(["Wong Ka-ho", "Chan Siu-ming", "Au Yeung"]):
            session.add(Person(id=f"p{n}", name=name, sensitivity="internal"))
            session.add(Organisation(id=f"o{n}", name=name, sensitivity="internal"))
    with store.reader() as session:
        assert ids(browse.persons(session, LEVELS, 1, 10)) == ["p2", "p1", "p0"]
        assert ids(browse.organisations(session, LEVELS, 1, 2)) == ["o2", "o1"]


@contextmanager
def statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", remember)


def plans(store: Store, seen: list[tuple[str, Any]]) -> list[str]:
    found = []
    with store.engine.connect() as connection:
        for statement, parameters in seen:
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                found.append(" | ".join(str(row[-1]) for row in rows))
    return found


def test_browse_pages_read_in_index_order_on_sqlite(sqlite_url: str) -> None:
    from casebook.store.engine import open_store

    store = open_store(sqlite_url)
    try:
        add_events(store, ROWS)
        store.optimize()  # as extraction and resolution do after their writes
        filters = [
            browse.EventFilter(),
            browse.EventFilter(type="arrest"),
            browse.EventFilter(status="confirmed", since=dt.date(2021, 1, 1)),
        ]
        for wanted in filters:
            with statements(store) as seen, store.reader() as session:
                browse.events(session, LEVELS, wanted, 3, 25)
            (plan,) = plans(store, seen)
            assert "TEMP B-TREE" not in plan and "ix_events_" in plan, (wanted, plan)
        with statements(store) as seen, store.reader() as session:
            queue(session, 10, 0)
            browse.persons(session, LEVELS, 2, 25)
        for plan in plans(store, seen)[:1] + plans(store, seen)[-1:]:
            assert "TEMP B-TREE" not in plan, plan
    finally:
        store.close()
