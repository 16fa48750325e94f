"""The web lists and the review queue: their order, their pages, and (on SQLite) that each
reads its rows in index order instead of sorting the whole table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from casebook.review.queue import queue
from casebook.store import browse
from casebook.store.engine import Store
from casebook.store.schema import (
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    Mention,
    Organisation,
    Person,
    Source,
)
from casebook.store.sensitivity import event_sensitivity, events_sensitivity

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


def test_browse_event_grades_are_each_events_strictest_in_one_query(store: Store) -> None:
    """A page grades its events together: each gets the strictest of itself, the sources
    quoted for it and the persons in it; a stated age under 18 makes it restricted."""
    add_events(store, [(f"g{n}", "arrest", dt.date(2022, 1, n + 1), "candidate")
                       for n in range(5)])  # fmt: skip
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with store.session("tester") as session:
        for level in ("internal", "restricted"):
            session.add(Source(id=f"s-{level}", sha256=level * 4, kind="text", captured_at=now,
                               sensitivity=level, text="Some text", text_sha256=level))  # fmt: skip
            session.add(Evidence(id=f"v-{level}", source_id=f"s-{level}", start=0, end=4,
                                 quote="Some"))  # fmt: skip
        session.add(Person(id="p-open", name="Open Person", sensitivity="public"))
        session.add(Person(id="p-closed", name="Closed Person", sensitivity="restricted"))
        session.flush()
        # g0: an internal source only. g1: a restricted source. g2: a restricted person.
        # g3: a 16-year-old named in a report. g4: a public person, an internal source.
        for event_id, evidence in (
            ("g0", "internal"),
            ("g1", "restricted"),
            ("g2", "internal"),
            ("g3", "internal"),
            ("g4", "internal"),
        ):
            session.add(EventEvidence(event_id=event_id, field="event",
                                      evidence_id=f"v-{evidence}"))  # fmt: skip
        session.add(EventParticipant(id="ep2", event_id="g2", person_id="p-closed"))
        session.add(EventParticipant(id="ep4", event_id="g4", person_id="p-open"))
        session.add(Mention(id="m3", source_id="s-internal", event_id="g3", kind="person",
                            name="a boy", age=16, evidence_id="v-internal"))  # fmt: skip
    with store.reader() as session:
        events = list(session.scalars(select(Event).where(Event.id.like("g%")).order_by(Event.id)))
        with statements(store) as seen:
            grades = events_sensitivity(session, events)
        assert len(seen) == 1
        assert grades == {"g0": "internal", "g1": "restricted", "g2": "restricted",
                          "g3": "restricted", "g4": "internal"}  # fmt: skip
        assert [event_sensitivity(session, e) for e in events] == list(grades.values())
