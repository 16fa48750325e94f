"""Review over HTTP: the page actions, the API, and two reviewers acting on one event —
on SQLite and on PostgreSQL with two app instances (as two worker processes) at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from casebook.store.schema import Event
from tests.conftest import PostgresServer
from tests.web.conftest import Server, build_record, run_server


def candidates(server: Server, n: int = 1) -> list[tuple[str, int]]:
    with server.store.reader() as session:
        rows = session.execute(
            select(Event.id, Event.version).where(Event.status == "candidate").order_by(Event.id)
        ).all()
    return [(row[0], row[1]) for row in rows[:n]]


def status_of(server: Server, event_id: str) -> tuple[str, int]:
    with server.store.reader() as session:
        event = session.get(Event, event_id)
        assert event is not None
        return event.status, event.version


def test_review_page_confirm_changes_the_event_and_offers_undo(server: Server) -> None:
    [(event_id, version)] = candidates(server)
    client = server.client("reviewer")
    response = client.post(f"/review/{event_id}/confirm", {"version": version})
    assert response.status_code == 200
    assert "decision" in response.text and 'action="/review/undo"' in response.text
    assert status_of(server, event_id) == ("confirmed", version + 1)


def test_review_page_stale_version_is_a_conflict(server: Server) -> None:
    [(event_id, version)] = candidates(server)
    first, second = server.client("reviewer"), server.client("editor")
    assert first.post(f"/review/{event_id}/reject", {"version": version}).status_code == 200
    late = second.post(f"/review/{event_id}/confirm", {"version": version})
    assert late.status_code == 409
    assert "reload it" in late.text
    assert status_of(server, event_id) == ("rejected", version + 1)


def test_review_page_edit_then_undo(server: Server) -> None:
    [(event_id, version)] = candidates(server)
    client = server.client("reviewer")
    edited = client.post(
        f"/review/{event_id}/edit", {"version": version, "field": "place", "value": "Mong Kok"}
    )
    assert edited.status_code == 200
    decision = edited.text.split('name="decision" value="')[1].split('"')[0]
    assert client.post("/review/undo", {"decision": decision}).status_code == 200
    with server.store.reader() as session:
        assert session.get(Event, event_id).place is None  # type: ignore[union-attr]


def test_review_page_htmx_gets_the_decision_fragment(server: Server) -> None:
    [(event_id, version)] = candidates(server)
    client = server.client("reviewer")
    response = client.http.post(
        f"/review/{event_id}/confirm",
        data={"version": version},
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<section")


def test_review_api_confirm_then_stale_confirm_is_problem_json_409(server: Server) -> None:
    [(event_id, version)] = candidates(server)
    api = server.api("reviewer")
    done = api.post(f"/api/v1/review/{event_id}/confirm", json={"version": version})
    assert done.status_code == 200
    assert done.json()["action"] == "confirm"
    again = api.post(f"/api/v1/review/{event_id}/reject", json={"version": version})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["status"] == 409 and "reload it" in again.json()["detail"]


def test_review_api_bad_edit_value_is_422_naming_the_field(server: Server) -> None:
    [(event_id, version)] = candidates(server)
    response = server.api("reviewer").post(
        f"/api/v1/review/{event_id}/edit", json={"version": version, "field": "count", "value": "x"}
    )
    assert response.status_code == 422
    assert "count" in response.json()["detail"]


def _act(
    client: httpx.Client, path: str, version: int, start: threading.Barrier, statuses: list[int]
) -> None:
    start.wait()
    statuses.append(client.post(path, json={"version": version}).status_code)


def race(servers: list[Server], event_ids: list[tuple[str, int]]) -> list[list[int]]:
    """Two reviewers (one per server) act on each event at the same moment."""
    clients = [s.api(role) for s, role in zip(servers, ("reviewer", "editor"), strict=True)]
    results: list[list[int]] = []
    for event_id, version in event_ids:
        start = threading.Barrier(2)
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=_act, args=(client, f"/api/v1/review/{event_id}/{action}", version,
                                   start, statuses),
            )
            for client, action in zip(clients, ("confirm", "reject"), strict=True)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        results.append(sorted(statuses))
    return results


def test_review_concurrent_reviewers_on_sqlite_one_wins(server: Server) -> None:
    events = candidates(server, 5)
    assert race([server, server], events) == [[200, 409]] * len(events)
    for event_id, version in events:
        assert status_of(server, event_id)[1] == version + 1


@pytest.fixture
def postgres_servers(postgres: PostgresServer) -> Iterator[list[Server]]:
    url = postgres.create_database(f"web_review_{uuid.uuid4().hex[:12]}")
    build_record(url)
    first = run_server(url)
    second = run_server(url)
    yield [next(first), next(second)]
    for running in (first, second):
        next(running, None)


@pytest.mark.postgres
def test_review_concurrent_reviewers_on_postgresql_two_workers(
    postgres_servers: list[Server],
) -> None:
    events = candidates(postgres_servers[0], 8)
    assert race(postgres_servers, events) == [[200, 409]] * len(events)
    for event_id, version in events:
        status, now = status_of(postgres_servers[1], event_id)
        assert status in ("confirmed", "rejected") and now == version + 1
