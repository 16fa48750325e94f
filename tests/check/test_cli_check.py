"""`casebook check FILE --published D [--json]` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import add_admin
from tests.test_cli import casebook

DATA = Path(__file__).parent / "data"
ARTICLE = (
    "At least 290 people have been arrested under the national security law.\n"
    "More than 10,000 people have been arrested under the national security law.\n"
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = add_admin(f"sqlite:///{tmp_path_factory.mktemp('cli-check') / 'casebook.sqlite'}")
    for command in (("ingest", str(DATA)), ("extract",), ("resolve",)):
        casebook(*command, db=url, check=True)
    return url


def test_cli_check_json_is_one_contract_object_per_claim(db: str, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = casebook("check", str(article), "--published", "2024-05-29", "--json", db=db)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(c["text"], c["verdict"]) for c in lines] == [
        ("At least 290", "supported"),
        ("More than 10,000", "contradicted"),
    ]
    assert "likely confusion with arrests connected with the 2019 protests" in lines[1]["reason"]
    assert all(ARTICLE[c["start"] : c["end"]] == c["text"] for c in lines)


def test_cli_check_refuses_a_binary_file_in_one_line(db: str, tmp_path: Path) -> None:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" * 20)
    result = casebook("check", str(binary), "--published", "2024-05-29", "--json", db=db)
    assert result.returncode != 0
    assert "photo.jpg" in result.stderr and "Traceback" not in result.stderr
