"""`casebook count` and `casebook rules` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from casebook.resolve.service import resolve_record
from casebook.store.engine import open_store
from tests.conftest import add_admin
from tests.resolve.test_service import add_reports, config
from tests.test_cli import casebook


def _record(url: str) -> None:
    casebook("init", db=url, check=True)
    add_admin(url)
    store = open_store(url)
    try:
        add_reports(
            store,
            {
                "text": "Police arrested 47 people, among them Chan Siu-ming, under the NSL.",
                "persons": [("Chan Siu-ming", 34)],
                "date": "2021-01-06",
                "law_id": "hk.nsl",
                "count": 47,
            },
            {
                "text": "Police said 109 people had been arrested under the national security law.",
                "type": "reported_total",
                "counts_type": "arrest",
                "count": 109,
                "date": "2021-06-17",
            },
        )
        resolve_record(store, config(store))
    finally:
        store.close()


def test_cli_count_json_is_the_figure_and_the_same_bytes_twice(sqlite_url: str) -> None:
    _record(sqlite_url)
    first = casebook(
        "count", "nsl-arrests", "--as-of", "2021-12-31", "--json", db=sqlite_url, check=True
    )
    second = casebook(
        "count", "nsl-arrests", "--as-of", "2021-12-31", "--json", db=sqlite_url, check=True
    )
    assert first.stdout == second.stdout
    figure = json.loads(first.stdout)
    assert (figure["lower"], figure["upper"]) == (47, 47)
    assert figure["rule"]["id"] == "nsl-arrests" and "laws:" in figure["rule"]["text"]
    assert figure["reported"][0]["count"] == 109 and figure["reported"][0]["agrees"] is False
    assert len(figure["sources"]) == 1 and figure["record"]["audit_seq"] > 0


def test_cli_count_prints_range_and_reported_totals(sqlite_url: str) -> None:
    _record(sqlite_url)
    result = casebook(
        "count", "nsl-arrests", "--as-of", "2021-12-31", "--by", "law", db=sqlite_url, check=True
    )
    assert "47" in result.stdout and "109" in result.stdout and "hk.nsl" in result.stdout


def test_cli_count_draws_svg_and_png_charts(sqlite_url: str, tmp_path: Path) -> None:
    _record(sqlite_url)
    svg, png = tmp_path / "series.svg", tmp_path / "law.png"
    casebook(
        "count",
        "nsl-arrests",
        "--as-of",
        "2021-12-31",
        "--chart",
        str(svg),
        db=sqlite_url,
        check=True,
    )
    casebook(
        "count",
        "nsl-arrests",
        "--as-of",
        "2021-12-31",
        "--by",
        "law",
        "--chart",
        str(png),
        db=sqlite_url,
        check=True,
    )
    assert svg.read_bytes().lstrip().startswith(b"<?xml") and b"<svg" in svg.read_bytes()
    assert png.read_bytes().startswith(b"\x89PNG")
    again = tmp_path / "again.svg"
    casebook(
        "count",
        "nsl-arrests",
        "--as-of",
        "2021-12-31",
        "--chart",
        str(again),
        db=sqlite_url,
        check=True,
    )
    assert again.read_bytes() == svg.read_bytes()


def test_cli_count_bad_input_is_one_clear_line(sqlite_url: str, tmp_path: Path) -> None:
    _record(sqlite_url)
    cases = [
        (["count", "nsl-arrests", "--as-of", "31/12/2021"], "YYYY-MM-DD"),
        (["count", "no-such-rule", "--as-of", "2021-12-31"], "no counting rule 'no-such-rule'"),
        (["count", "nsl-arrests", "--as-of", "2021-12-31", "--by", "colour"], "by 'colour'"),
        (
            ["count", "nsl-arrests", "--as-of", "2021-12-31", "--chart", str(tmp_path / "x.gif")],
            ".svg or .png",
        ),
    ]
    for args, message in cases:
        result = casebook(*args, db=sqlite_url)
        assert result.returncode == 1, args
        assert message in result.stderr and "Traceback" not in result.stderr


def test_cli_rules_lists_and_shows_rules(sqlite_url: str) -> None:
    listed = casebook("rules", db=sqlite_url, check=True)
    for rule in (
        "nsl-arrests",
        "nsl-charged",
        "nsl-convicted",
        "currently-detained",
        "orgs-closed",
        "protest-2019-arrests",
    ):
        assert rule in listed.stdout
    shown = casebook("rules", "currently-detained", db=sqlite_url, check=True)
    assert "mode: current" in shown.stdout
