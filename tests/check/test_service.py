"""Checking texts against a real record built from tests/check/data through the services."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from casebook.check.claims import ClaimFinder
from casebook.check.service import ClaimVerdict, check_text
from casebook.config import Config
from casebook.extract.rules import RuleExtractor
from casebook.extract.service import extract_record
from casebook.ingest.service import Result, ingest, plan
from casebook.resolve.service import resolve_record
from casebook.store.engine import Store, open_store
from tests.conftest import PostgresServer

DATA = Path(__file__).parent / "data"
PUBLISHED = dt.date(2024, 5, 29)
Record = tuple[Store, Config]
CONTRACT = ["text", "start", "end", "quantity", "qualifier", "about", "verdict", "figure", "reason"]


def _build(store: Store) -> Config:
    """Ingest, extract and resolve the fixture reports: the record the checks read."""
    config = Config(db=str(store.engine.url), user="tester")
    outcomes = list(ingest(store, config, plan([str(DATA)])))
    assert [o for o in outcomes if o.result is Result.FAILED] == []
    list(extract_record(store, config, RuleExtractor.default()))
    resolve_record(store, config)
    return config


@pytest.fixture(scope="module")
def finder() -> ClaimFinder:
    return ClaimFinder.default()


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Record]:
    folder = tmp_path_factory.mktemp("check")
    store = open_store(f"sqlite:///{folder / 'casebook.sqlite'}")
    yield store, _build(store)
    store.close()


def _check(
    record: Record, finder: ClaimFinder, text: str, published: dt.date = PUBLISHED
) -> list[ClaimVerdict]:
    store, config = record
    return check_text(store, config, text, published, finder=finder)


def _one(record: Record, finder: ClaimFinder, text: str) -> ClaimVerdict:
    found = _check(record, finder, text)
    assert len(found) == 1, [v.as_json() for v in found]
    return found[0]


def test_check_supported_by_a_recent_published_total(record: Record, finder: ClaimFinder) -> None:
    found = _one(record, finder, "At least 290 people have been arrested under the NSL.")
    assert found.verdict.value == "supported"
    assert found.rule == "nsl-arrests@1"
    assert "291" in found.reason and "2024-03-08" in found.reason


def test_check_contradicted_below_the_published_floor(record: Record, finder: ClaimFinder) -> None:
    found = _one(record, finder, "Fewer than 100 people have been arrested under the NSL.")
    assert found.verdict.value == "contradicted"
    assert "192 more than the claim allows" in found.reason


def test_check_nsl_claim_with_the_protest_number_is_a_likely_confusion(
    record: Record, finder: ClaimFinder
) -> None:
    text = "More than 10,000 people have been arrested under the national security law."
    found = _one(record, finder, text)
    assert found.verdict.value == "contradicted"
    assert found.rule == "nsl-arrests@1"
    assert "likely confusion with arrests connected with the 2019 protests" in found.reason
    assert "10,279" in found.reason


def test_check_exact_protest_total_quoted_as_nsl_arrests_is_never_supported(
    record: Record, finder: ClaimFinder
) -> None:
    text = "As of December 2023, 10,279 people had been arrested for endangering national security."
    found = _one(record, finder, text)
    assert found.claim.law == "hk.nsl"
    assert found.verdict.value == "contradicted"
    assert "likely confusion" in found.reason


def test_check_protest_claim_is_judged_against_the_protest_series(
    record: Record, finder: ClaimFinder
) -> None:
    text = "More than 10,000 people have been arrested in connection with the 2019 protests."
    found = _one(record, finder, text)
    assert found.verdict.value == "supported"
    assert found.rule == "protest-2019-arrests@1"
    assert found.as_json()["about"] == {"type": "arrest", "law": None}


def test_check_as_of_date_in_the_claim_sets_the_figures_date(
    record: Record, finder: ClaimFinder
) -> None:
    text = "As of 31 March 2022, more than 300 people had been arrested under the NSL."
    found = _one(record, finder, text)
    assert found.verdict.value == "contradicted"
    assert found.as_json()["figure"]["as_of"] == "2022-03-31"


def test_check_figure_is_the_records_own_count(record: Record, finder: ClaimFinder) -> None:
    found = _one(record, finder, "At least one person has been arrested under the NSL so far.")
    assert found.as_json()["figure"] == {"lower": 2, "upper": 2, "as_of": "2024-05-29"}
    assert found.verdict.value == "supported"


def test_check_organisations_counted_from_the_records_cases(
    record: Record, finder: ClaimFinder
) -> None:
    found = _one(record, finder, "At least two groups have disbanded since the law took effect.")
    assert found.verdict.value == "supported"
    assert found.rule == "orgs-closed@1"


def test_check_more_than_the_record_holds_without_a_total_is_unverifiable(
    record: Record, finder: ClaimFinder
) -> None:
    found = _one(record, finder, "More than 50 groups have disbanded since the law took effect.")
    assert found.verdict.value == "unverifiable"
    assert "no published total" in found.reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("As many as 40 people have been convicted of subversion.", "has nothing"),
        ("Police arrested 53 activists over an unofficial primary election.", "undated event"),
        ("More than 100 people have been arrested so far.", "no counting rule"),
    ],
)
def test_check_unverifiable_claims_say_why(
    record: Record, finder: ClaimFinder, text: str, why: str
) -> None:
    found = _one(record, finder, text)
    assert found.verdict.value == "unverifiable"
    assert why in found.reason


@pytest.mark.parametrize(
    ("age", "verdict"),
    [
        ("as young as 15", "supported"),  # the bureau's 15 to 90, as of 8 March
        ("as young as 14", "unverifiable"),  # someone younger may have been arrested since
        ("as young as 16", "contradicted"),  # a 15-year-old was already counted
        ("as old as 95", "unverifiable"),
        ("as old as 85", "contradicted"),
    ],
)
def test_check_ages_against_the_published_age_ranges(
    record: Record, finder: ClaimFinder, age: str, verdict: str
) -> None:
    text = f"Police have arrested about 300 people under the security law, some {age}."
    found = _check(record, finder, text)
    assert [(v.claim.text, v.verdict.value) for v in found] == [
        ("about 300", "supported"),
        (age, verdict),
    ]
    assert found[1].as_json()["figure"] is None


def test_check_ages_without_published_ranges_are_unverifiable(
    record: Record, finder: ClaimFinder
) -> None:
    found = _check(record, finder, "Children as young as 12 have been charged under the NSL.")
    assert [v.verdict.value for v in found] == ["unverifiable"]


def test_check_json_contract_has_exactly_its_keys_in_order(
    record: Record, finder: ClaimFinder
) -> None:
    text = "《國安法》 At least 290 people have been arrested under the NSL, some as young as 15."
    for verdict in _check(record, finder, text):
        out = verdict.as_json()
        assert list(out) == CONTRACT
        assert text[out["start"] : out["end"]] == out["text"]
        assert out["verdict"] in {"supported", "contradicted", "unverifiable"}
        assert "\n" not in out["reason"]
        assert out["figure"] is None or list(out["figure"]) == ["lower", "upper", "as_of"]


def test_check_text_without_claims_gives_nothing(record: Record, finder: ClaimFinder) -> None:
    assert _check(record, finder, "<p>The weather was fine.</p><script>alert(1)</script>") == []


@pytest.mark.postgres
def test_check_confusion_on_postgresql(postgres: PostgresServer, finder: ClaimFinder) -> None:
    store = open_store(postgres.create_database("check_confusion", "casebook_template"))
    try:
        config = _build(store)
        text = "More than 10,000 people have been arrested under the national security law."
        [found] = check_text(store, config, text, PUBLISHED, finder=finder)
        assert found.verdict.value == "contradicted"
        assert "likely confusion" in found.reason
    finally:
        store.close()


def test_check_sedition_claim_is_a_part_of_the_national_security_series(
    record: Record, finder: ClaimFinder
) -> None:
    low, high = _check(
        record,
        finder,
        "Fewer than 50 people have been arrested for sedition so far. "
        "More than 1,000 people have been arrested for sedition so far.",
    )
    assert (low.claim.law, low.verdict.value) == ("hk.crimes", "unverifiable")
    assert high.verdict.value == "contradicted"
    assert "likely confusion" not in high.reason


def test_check_period_claim_is_judged_by_the_totals_around_it(
    record: Record, finder: ClaimFinder
) -> None:
    text = "In 2023, more than 500 people were arrested under the national security law."
    found = _one(record, finder, text)
    assert found.verdict.value == "contradicted"
    assert "at most 116" in found.reason  # 291 by 8 March 2024 less 175 by 31 March 2022
    assert found.as_json()["figure"]["as_of"] == "2023-12-31"


def test_check_docs_example_is_what_check_gives(record: Record, finder: ClaimFinder) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "check.md").read_text(encoding="utf-8")
    example = doc.split("### Example", 1)[1]
    text = example.split("```\n", 2)[1]
    shown = example.split("```json\n", 1)[1].split("```", 1)[0].splitlines()
    got = [verdict.as_json() for verdict in _check(record, finder, text)]
    assert got == [json.loads(line) for line in shown]


def test_check_detention_claim_is_asked_of_the_current_rule(
    record: Record, finder: ClaimFinder
) -> None:
    text = "More than 100 people remain behind bars under the national security law."
    found = _one(record, finder, text)
    assert found.rule == "currently-detained@1"
    assert found.verdict.value == "unverifiable"


def test_check_a_period_after_publication_is_unverifiable(
    record: Record, finder: ClaimFinder
) -> None:
    text = "In 2030, more than 500 people were arrested under the national security law."
    found = _check(record, finder, text, dt.date(2024, 5, 29))
    assert all(v.verdict.value == "unverifiable" for v in found)
