"""Pairwise and B-cubed metrics, the clusterer, and the committed labelled set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from casebook.resolve.compare import MentionContext
from casebook.resolve.evaluate import (
    ResolutionDataError,
    bcubed,
    cluster,
    evaluate_clusters,
    evaluate_pairs,
    pairwise,
    render,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "resolve"

# Gold: {m1, m2, m3} and {m4, m5}; predicted: {m1, m2} and {m3, m4, m5}.
GOLD = ["g1", "g1", "g1", "g2", "g2"]
PREDICTED = ["x", "x", "y", "y", "y"]


def _write(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def test_evaluate_bcubed_on_a_known_example() -> None:
    # per mention precision 1, 1, 1/3, 2/3, 2/3 and recall 2/3, 2/3, 1/3, 1, 1: both 11/15
    scores = bcubed(PREDICTED, GOLD)
    assert scores["precision"] == pytest.approx(11 / 15)
    assert scores["recall"] == pytest.approx(11 / 15)
    assert scores["f1"] == pytest.approx(11 / 15)


def test_evaluate_bcubed_perfect_and_all_singletons() -> None:
    assert bcubed(GOLD, GOLD)["f1"] == pytest.approx(1.0)
    singletons = bcubed(list(range(5)), GOLD)
    assert singletons["precision"] == pytest.approx(1.0)
    assert singletons["recall"] == pytest.approx((1 / 3 * 3 + 1 / 2 * 2) / 5)


def test_evaluate_pairwise_on_a_known_example() -> None:
    # gold pairs 3 + 1, predicted pairs 1 + 3, shared (m1,m2) and (m4,m5)
    scores = pairwise(PREDICTED, GOLD)
    assert (scores["precision"], scores["recall"]) == (0.5, 0.5)


def test_evaluate_pairs_counts_outcomes(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pairs.jsonl",
        [
            {
                "a": {"name": "Lai Chee-ying"},
                "b": {"name": "黎智英"},
                "same": True,
                "phenomenon": "p",
            },
            {"a": {"name": "Chan Ka-yan"}, "b": {"name": "Chan Ka-yin"}, "same": False},
            {"a": {"name": "Jimmy Lai"}, "b": {"name": "Lai Chee-ying"}, "same": True},
        ],
    )
    result = evaluate_pairs(path, threshold=0.8)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (1, 0, 1, 1)
    assert result["precision"] == 1.0
    assert result["recall"] == 0.5
    assert result["by_phenomenon"]["p"] == {"pairs": 1, "correct": 1}


def test_evaluate_clusters_scores_a_tiny_set(tmp_path: Path) -> None:
    rows = [
        {"name": "Lai Chee-ying", "cluster": "lai"},
        {"name": "黎智英 (Jimmy Lai)", "cluster": "lai"},
        {"name": "Jimmy Lai", "cluster": "lai"},
        {"name": "Chan Ka-yan", "age": 23, "age_date": "2021-01-01", "cluster": "chan1"},
        {"name": "Chan Ka-yan", "age": 60, "age_date": "2021-01-01", "cluster": "chan2"},
    ]
    result = evaluate_clusters(_write(tmp_path / "clusters.jsonl", rows))
    assert result["bcubed"]["precision"] == 1.0
    assert result["predicted_clusters"] >= 3


def test_evaluate_cluster_refuses_to_join_namesakes_through_a_shared_mention() -> None:
    mentions = [
        MentionContext.from_dict(m)
        for m in (
            {"name": "Karen Chan Ka-yan", "age": 30, "age_date": "2022-01-01"},
            {"name": "Karen Chan"},
            {"name": "Karen Chan Wing-sze", "age": 55, "age_date": "2022-01-01"},
        )
    ]
    labels = cluster(mentions)
    assert labels[0] != labels[2]


def test_evaluate_reports_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"a": {"name": "x"}}\nnot json\n', encoding="utf-8")
    with pytest.raises(ResolutionDataError) as error:
        evaluate_pairs(path)
    assert error.value.problems == ["line 1: missing b, same", "line 2: not JSON (Expecting value)"]


def test_evaluate_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ResolutionDataError, match="file not found"):
        evaluate_clusters(tmp_path / "nope.jsonl")


def test_evaluate_render_prints_a_table() -> None:
    result = evaluate_pairs(DATA / "pairs.jsonl")
    table = render(result)
    assert isinstance(table, Table)
    console = Console(record=True, width=120)
    console.print(table)
    assert "f1" in console.export_text()


def test_evaluate_labelled_set_is_large_and_covers_hard_negatives() -> None:
    pairs = [json.loads(line) for line in (DATA / "pairs.jsonl").read_text("utf-8").splitlines()]
    mentions = (DATA / "clusters.jsonl").read_text("utf-8").splitlines()
    phenomena = {p["phenomenon"] for p in pairs if not p["same"]}
    assert len(pairs) >= 600 and len(mentions) >= 300
    assert {"same_romanised_name_context_disagrees", "same_chinese_context_disagrees"} <= phenomena


def test_evaluate_labelled_set_quality_does_not_regress() -> None:
    pairs = evaluate_pairs(DATA / "pairs.jsonl", threshold=0.8)
    clusters = evaluate_clusters(DATA / "clusters.jsonl")
    assert pairs["precision"] >= 0.99 and pairs["f1"] >= 0.97
    assert clusters["bcubed"]["precision"] >= 0.99 and clusters["bcubed"]["f1"] >= 0.96
