"""Schemathesis against the OpenAPI document, on a real server: no 5xx, every status and
content type documented, responses matching their schemas, for every API operation."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.openapi.utils import get_openapi
from hypothesis import HealthCheck, settings
from schemathesis import checks

from casebook.web import api
from casebook.web.app import DESCRIPTION, TITLE, VERSION
from tests.web.conftest import Server, run_server


@pytest.fixture(scope="module")
def fuzzed_server(record_template: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Server]:  # fmt: skip
    path = tmp_path_factory.mktemp("fuzzed") / "casebook.sqlite"
    shutil.copy(record_template, path)
    yield from run_server(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def admin_token(fuzzed_server: Server) -> str:
    return fuzzed_server.token("admin")


def _document() -> dict[str, object]:
    # The same document the app serves (checked below), built without opening a store.
    return get_openapi(title=TITLE, version=VERSION, description=DESCRIPTION,
                       routes=api.router.routes)  # fmt: skip


schema = schemathesis.openapi.from_dict(_document())


def test_schemathesis_document_is_the_served_one(fuzzed_server: Server) -> None:
    served = fuzzed_server.client().http.get("/openapi.json").json()
    assert served == _document()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_schemathesis_api_conforms_to_its_openapi_document(
    case: object, fuzzed_server: Server, admin_token: str
) -> None:
    # Not `positive_data_acceptance`: ids and catalogue values the schema cannot list
    # (an unknown rule, a law id not in the catalogue) are rightly refused with 404 / 422.
    case.call_and_validate(  # type: ignore[attr-defined]
        base_url=fuzzed_server.url,
        headers={"Authorization": f"Bearer {admin_token}"},
        excluded_checks=[checks.positive_data_acceptance],
    )
