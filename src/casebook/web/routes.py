"""Which permission every route needs: the one table the web app's checks read.

Each HTML page and API route is listed by method and path template with the action of
`security/permissions.py` it requires; `web.auth.acting` looks the request's route up
here and calls `permissions.require`. A route missing from this table is refused (500),
and `tests/web/test_routes.py` walks `app.routes` so that never ships. Routes reachable
without logging in are in PUBLIC.
"""

from __future__ import annotations

API = "/api/v1"

PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("GET", "/static"),
        ("GET", "/openapi.json"),
        ("GET", "/healthz"),
    }
)

PAGES: dict[tuple[str, str], str] = {
    ("GET", "/"): "count",
    ("GET", "/charts/{rule_id}.svg"): "count",
    ("GET", "/sources"): "read",
    ("GET", "/sources/{source_id}"): "read",
    ("GET", "/events"): "read",
    ("GET", "/events/{event_id}"): "read",
    ("GET", "/persons"): "read",
    ("GET", "/persons/{person_id}"): "read",
    ("GET", "/organisations"): "read",
    ("GET", "/organisations/{organisation_id}"): "read",
    ("GET", "/review"): "read",
    ("POST", "/review/{event_id}/confirm"): "review",
    ("POST", "/review/{event_id}/reject"): "review",
    ("POST", "/review/{event_id}/edit"): "review",
    ("POST", "/review/{link_id}/accept-link"): "review",
    ("POST", "/review/{link_id}/reject-link"): "review",
    ("POST", "/review/merge-events"): "merge",
    ("POST", "/review/split-event"): "merge",
    ("POST", "/review/merge-persons"): "merge",
    ("POST", "/review/split-person"): "merge",
    ("POST", "/review/undo"): "merge",
    ("GET", "/check"): "count",
    ("POST", "/check"): "count",
    ("GET", "/ingest"): "ingest",
    ("POST", "/ingest"): "ingest",
    ("POST", "/ingest/feed"): "ingest",
    ("POST", "/extract"): "extract",
    ("POST", "/resolve"): "resolve",
    # The log names every record touched, restricted ones too: admins only.
    ("GET", "/audit"): "manage_users",
}

API_ROUTES: dict[tuple[str, str], str] = {
    ("GET", f"{API}/figures"): "count",
    ("GET", f"{API}/figures/{{rule_id}}"): "count",
    ("GET", f"{API}/sources"): "read",
    ("POST", f"{API}/sources"): "ingest",
    ("GET", f"{API}/sources/{{source_id}}"): "read",
    ("GET", f"{API}/events"): "read",
    ("GET", f"{API}/events/{{event_id}}"): "read",
    ("GET", f"{API}/persons"): "read",
    ("GET", f"{API}/persons/{{person_id}}"): "read",
    ("GET", f"{API}/organisations"): "read",
    ("GET", f"{API}/review"): "read",
    ("POST", f"{API}/review/{{event_id}}/confirm"): "review",
    ("POST", f"{API}/review/{{event_id}}/reject"): "review",
    ("POST", f"{API}/review/{{event_id}}/edit"): "review",
    ("POST", f"{API}/review/{{link_id}}/accept-link"): "review",
    ("POST", f"{API}/review/{{link_id}}/reject-link"): "review",
    ("POST", f"{API}/review/merge-events"): "merge",
    ("POST", f"{API}/review/split-event"): "merge",
    ("POST", f"{API}/review/merge-persons"): "merge",
    ("POST", f"{API}/review/split-person"): "merge",
    ("POST", f"{API}/review/undo"): "merge",
    ("POST", f"{API}/check"): "count",
    ("POST", f"{API}/extract"): "extract",
    ("POST", f"{API}/resolve"): "resolve",
    ("GET", f"{API}/audit"): "manage_users",
}

ROUTES: dict[tuple[str, str], str] = {**PAGES, **API_ROUTES}


def action_for(method: str, path: str) -> str | None:
    """The action a route (method, path template) needs; None when it is not listed."""
    return ROUTES.get((method, path))
