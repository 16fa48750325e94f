"""The JSON API: token auth, problem+json errors, limits, and the pages' operations."""

from __future__ import annotations

from casebook.web.app import CSP
from tests.web.conftest import Server

ARTICLE = (
    "Police have arrested more than 10,000 people under the national security law since "
    "2020, officials said on Monday."
)


def test_api_openapi_document_lists_every_api_route(server: Server) -> None:
    document = server.client().http.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/events" in document["paths"]
    assert not [path for path in document["paths"] if not path.startswith("/api/v1/")]


def test_api_without_token_is_401_problem_json(server: Server) -> None:
    response = server.client().http.get("/api/v1/events")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["title"] == "unauthorized"


def test_api_bad_token_is_401(server: Server) -> None:
    response = server.client().http.get(
        "/api/v1/events", headers={"Authorization": "Bearer cbk_0000000000000000_" + "x" * 40}
    )
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_api_a_session_cookie_does_not_open_the_api(server: Server) -> None:
    client = server.client("admin")
    assert client.http.get("/api/v1/events").status_code == 401


def test_api_events_page_and_size_limit(server: Server) -> None:
    api = server.api("viewer")
    page = api.get("/api/v1/events", params={"size": 3}).json()
    assert page["size"] == 3 and len(page["items"]) == 3 and page["more"] is True
    refused = api.get("/api/v1/events", params={"size": 1000})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "size" in refused.json()["detail"]


def test_api_unknown_event_is_404_problem_json(server: Server) -> None:
    response = server.api("viewer").get("/api/v1/events/nope")
    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "not found",
        "status": 404,
        "detail": response.json()["detail"],
    }


def test_api_request_over_the_size_limit_is_413(server: Server) -> None:
    api = server.api("editor")
    body = '{"text": "' + "a" * (12 * 1024 * 1024) + '"}'
    response = api.post(
        "/api/v1/sources", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-security-policy"] == CSP


def test_api_bad_date_is_422(server: Server) -> None:
    response = server.api("viewer").get("/api/v1/figures/nsl-arrests", params={"as_of": "soon"})
    assert response.status_code == 422
    assert "as_of" in response.json()["detail"]


def test_api_figure_is_the_count_json(server: Server) -> None:
    figure = (
        server.api("viewer")
        .get("/api/v1/figures/nsl-arrests", params={"as_of": "2024-06-30"})
        .json()
    )
    assert figure["rule"]["id"] == "nsl-arrests" and figure["as_of"] == "2024-06-30"
    assert figure["lower"] <= figure["upper"]


def test_api_ingest_extract_and_search(server: Server) -> None:
    api = server.api("editor")
    added = api.post(
        "/api/v1/sources",
        json={"text": "Police arrested Ho Siu-fung on Tuesday under the national security "
              "law, a spokesman said.", "title": "Ho arrested", "published": "2024-05-02"},
    )  # fmt: skip
    assert added.status_code == 201
    assert added.json()[0]["result"] == "ingested"
    extracted = api.post("/api/v1/extract").json()
    assert extracted["sources"] == 1 and extracted["events"] >= 1
    hits = api.get("/api/v1/sources", params={"q": "Siu-fung"}).json()["items"]
    assert [hit["title"] for hit in hits] == ["Ho arrested"]


def test_api_check_returns_one_verdict_per_claim(server: Server) -> None:
    verdicts = (
        server.api("viewer")
        .post("/api/v1/check", json={"text": ARTICLE, "published": "2024-07-01"})
        .json()
    )
    assert verdicts and verdicts[0]["text"].startswith("more than 10,000")
    assert verdicts[0]["verdict"] in ("supported", "contradicted", "unverifiable")
