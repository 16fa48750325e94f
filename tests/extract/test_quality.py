"""Extraction quality on the development set does not regress (issue target: F1 >= 0.85)."""

from __future__ import annotations

from pathlib import Path

from casebook.extract.evaluate import evaluate
from casebook.extract.rules import RuleExtractor

DEV_SET = Path(__file__).resolve().parent.parent / "data" / "extract"


def test_quality_type_date_law_f1_on_the_development_set() -> None:
    extractor = RuleExtractor.default()
    report = evaluate(
        DEV_SET, lambda text, published: [e.as_json() for e in extractor.extract(text, published)]
    )
    assert report.reports >= 80
    assert report.type_date_law.f1 >= 0.84, report.to_json()["type_date_law"]
    assert report.by_field["type"].f1 >= 0.9
