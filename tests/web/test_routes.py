"""Every route is in the permission table (web/routes.py), and every role gets exactly what
`permissions.can` allows on every route, pages and API alike."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from casebook.security.permissions import ROLE_ACTIONS, Actor, can
from casebook.web import api, pages
from casebook.web.routes import PUBLIC, ROUTES
from tests.web.conftest import ROLES, Server

PLACEHOLDER = "000000000000000000000000"


def app_routes() -> set[tuple[str, str]]:
    found = set()
    for router in (pages.router, api.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            found |= {(method, route.path) for method in route.methods if method != "HEAD"}
    return found


def test_routes_every_route_declares_its_permission() -> None:
    routes = app_routes()
    missing = {route for route in routes if route not in ROUTES and route not in PUBLIC}
    assert not missing
    assert set(ROUTES) <= routes  # nothing listed that does not exist


def test_routes_every_action_is_a_permission() -> None:
    for action in ROUTES.values():
        assert can(Actor("x", "admin"), action)


def _path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", PLACEHOLDER, template)


def _request(server: Server, clients: dict[str, object], role: str, method: str, template: str
             ) -> int:  # fmt: skip
    path = _path(template)
    if template.startswith("/api/"):
        http = clients[f"api-{role}"]
        response = http.request(method, path, json={} if method == "POST" else None)  # type: ignore[attr-defined]
    else:
        web = clients[role]
        response = web.post(path) if method == "POST" else web.http.get(path)  # type: ignore[attr-defined]
    return int(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_routes_each_role_is_allowed_exactly_its_actions(server: Server, role: str) -> None:
    clients: dict[str, object] = {role: server.client(role), f"api-{role}": server.api(role)}
    actor = Actor(role, role)
    wrong = []
    for (method, template), action in sorted(ROUTES.items()):
        status = _request(server, clients, role, method, template)
        allowed = can(actor, action)
        if (status == 403) == allowed or status in (401, 500):
            wrong.append(f"{method} {template} ({action}): {status}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


def test_routes_a_token_acts_only_within_its_scopes(server: Server) -> None:
    reader = server.api("editor", "read")
    assert reader.get("/api/v1/events").status_code == 200
    refused = reader.post(f"/api/v1/review/{PLACEHOLDER}/confirm", json={})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "with this token" in refused.json()["detail"]


def test_routes_table_matches_role_actions() -> None:
    # The table only names actions some role has, so no route is reachable by nobody.
    every = set().union(*ROLE_ACTIONS.values())
    assert set(ROUTES.values()) <= every
