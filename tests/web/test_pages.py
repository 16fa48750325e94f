"""The HTML pages over a real uvicorn server: login, sessions, CSRF, headers, and each page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casebook.security.permissions import Actor
from casebook.store.schema import Event, Person, Source
from casebook.web.app import CSP
from tests.web.conftest import Server


def first(server: Server, model: type, *where: object) -> object:
    with server.store.reader() as session:
        return session.scalars(select(model).where(*where).limit(1)).first()


def test_pages_need_a_login(server: Server) -> None:
    response = server.client().http.get("/sources", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_pages_login_sets_a_strict_httponly_cookie(server: Server) -> None:
    client = server.client()
    response = client.log_in("viewer")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http on loopback
    assert client.get("/").status_code == 200


def test_pages_wrong_password_is_refused_without_saying_which(server: Server) -> None:
    client = server.client()
    client.get("/login")
    response = client.post("/login", {"name": "viewer", "password": "not-the-password"})
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
    unknown = client.post("/login", {"name": "nobody", "password": "not-the-password"})
    assert "wrong user name or password" in unknown.text


def test_pages_post_without_csrf_token_is_refused(server: Server) -> None:
    client = server.client("reviewer")
    client.csrf = "forged"
    response = client.post("/logout")
    assert response.status_code == 403
    assert "reload the page" in response.text


def test_pages_login_form_needs_csrf_token(server: Server) -> None:
    client = server.client()
    response = client.http.post("/login", data={"name": "viewer", "password": "x" * 12})
    assert response.status_code == 403


def test_pages_logout_ends_the_session(server: Server) -> None:
    client = server.client("viewer")
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert client.http.get("/", follow_redirects=False).status_code == 303


def test_pages_disabled_user_loses_the_session_at_once(server: Server) -> None:
    from casebook.security.accounts import set_enabled

    client = server.client("viewer")
    set_enabled(server.store, Actor("admin", "admin"), "viewer", False)
    assert client.http.get("/events", follow_redirects=False).status_code == 401


@pytest.mark.parametrize("path", ["/login", "/", "/sources", "/static/casebook.css"])
def test_pages_security_headers_on_every_response(server: Server, path: str) -> None:
    response = server.client("viewer").get(path)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_pages_have_no_inline_script_or_style(server: Server) -> None:
    client = server.client("admin")
    for path in ("/", "/sources", "/events", "/review", "/check", "/ingest", "/audit"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html and "onclick" not in html, path


def test_pages_assets_are_served_locally(server: Server) -> None:
    client = server.client("viewer")
    html = client.get("/").text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets and all(a.startswith("/static/") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200


def test_pages_assets_carry_an_etag_and_answer_304_to_it(server: Server) -> None:
    client = server.client("viewer")
    first = client.get("/static/htmx.min.js")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/javascript")
    assert int(first.headers["content-length"]) == len(first.content) > 10_000
    assert "max-age" in first.headers["cache-control"]
    again = client.get("/static/htmx.min.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = client.get("/static/htmx.min.js", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.content == first.content
    head = client.http.head("/static/casebook.css")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"])
    # Only the stylesheet and scripts are served: not the folder's README, nothing outside it.
    for path in ("/static/README.md", "/static/../app.py", "/static/nothing.css"):
        assert client.get(path).status_code == 404, path
    assert client.post("/static/casebook.css").status_code in (403, 405)


def test_pages_dashboard_shows_each_figure_with_its_chart(server: Server) -> None:
    client = server.client("viewer")
    html = client.get("/?as_of=2024-06-30").text
    assert 'id="figure-nsl-arrests"' in html
    assert "Published totals for the same question" in html
    chart = client.get("/charts/nsl-arrests.svg?as_of=2024-06-30")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")


def test_pages_search_finds_a_source(server: Server) -> None:
    html = server.client("viewer").get("/sources?q=subversion").text
    assert 'href="/sources/' in html and "no matching sources" not in html


def test_pages_search_with_htmx_returns_the_results_only(server: Server) -> None:
    response = server.client("viewer").get("/sources?q=subversion", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="results">')


def test_pages_source_marks_every_evidence_span_with_a_link_to_its_event(server: Server) -> None:
    event = first(server, Event)
    with server.store.reader() as session:
        from casebook.store.browse import evidence_spans

        source_id = session.scalars(select(Source.id)).first()
        spans = evidence_spans(session, source_id)
    html = server.client("viewer").get(f"/sources/{source_id}").text
    linked = {span.events[0] for span in spans if span.events}
    assert html.count("<mark") >= len(linked) > 0
    for event_id in linked:
        assert f'href="/events/{event_id}"' in html
    assert event is not None


def test_pages_source_refuses_a_restricted_source_without_clearance(server: Server) -> None:
    with server.store.session("admin") as session:
        source = session.scalars(select(Source)).first()
        source.sensitivity = "restricted"
        source_id, title = source.id, source.title
    response = server.client("editor").get(f"/sources/{source_id}")
    assert response.status_code == 403
    assert title not in response.text
    listed = server.client("editor").get("/sources?size=100").text
    assert source_id not in listed
    assert server.client("admin").get(f"/sources/{source_id}").status_code == 200


def test_pages_events_filter_by_type_and_status(server: Server) -> None:
    html = server.client("viewer").get("/events?type=charge&status=candidate").text
    rows = re.findall(r'<a href="/events/\w+">(\w+)</a>', html)
    assert rows and set(rows) == {"charge"}


def test_pages_events_refuse_a_page_size_over_the_limit(server: Server) -> None:
    assert server.client("viewer").get("/events?size=101").status_code == 422


def test_pages_events_are_paged(server: Server) -> None:
    client = server.client("viewer")
    html = client.get("/events?size=2").text
    assert len(re.findall(r'<a href="/events/\w+">', html)) == 2
    assert 'rel="next"' in html


def test_pages_person_shows_timeline_and_sources(server: Server) -> None:
    person = first(server, Person, Person.name.like("%Lai%"))
    assert isinstance(person, Person)
    html = server.client("viewer").get(f"/persons/{person.id}").text
    assert "Case timeline" in html and person.name in html
    assert 'href="/events/' in html and 'href="/sources/' in html


def test_pages_unknown_event_is_a_404_page(server: Server) -> None:
    response = server.client("viewer").get("/events/000000000000000000000000")
    assert response.status_code == 404
    assert "no event or identity link" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("page", ["/persons/{id}", "/api/v1/persons/{id}"])
def test_pages_restricted_person_is_refused_without_clearance(server: Server, page: str) -> None:
    with server.store.session("admin") as session:
        person = session.scalars(select(Person).where(Person.name.like("%Lai%"))).first()
        assert person is not None
        person.sensitivity = "restricted"
        person_id, name = person.id, person.name
    path = page.format(id=person_id)
    if path.startswith("/api/"):
        refused = server.api("editor").get(path)
        allowed = server.api("admin").get(path)
    else:
        refused = server.client("editor").get(path)
        allowed = server.client("admin").get(path)
    assert refused.status_code == 403 and name not in refused.text
    assert allowed.status_code == 200 and name in allowed.text
    listed = server.client("editor").get("/persons?size=100").text
    assert person_id not in listed


def test_pages_source_links_only_web_urls_and_escapes_its_text(server: Server) -> None:
    api = server.api("editor")
    added = api.post(
        "/api/v1/sources",
        json={"text": "<script>alert(1)</script> Police arrested a man.",
              "title": "<b>bold</b>", "url": "javascript:alert(1)"},
    ).json()  # fmt: skip
    html = server.client("viewer").get(f"/sources/{added[0]['source_id']}").text
    assert 'href="javascript:' not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html
