"""The bulk clusterer gives `evaluate.cluster()`'s clusters, computed per distinct name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from casebook.resolve import bulk
from casebook.resolve.bulk import cluster_bulk, context_score, mention_from_dict, resolve_mentions
from casebook.resolve.compare import MentionContext, birth_year_gap, compare, compare_mentions
from casebook.resolve.evaluate import cluster
from casebook.resolve.names import parse_name

DATA = Path(__file__).resolve().parent.parent / "data" / "resolve"


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines() if line]


def _partition(labels: list[int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(label, set()).add(position)
    return {frozenset(group) for group in groups.values()}


@pytest.fixture(scope="module")
def mentions() -> list[MentionContext]:
    return [MentionContext.from_dict(row) for row in _rows("clusters.jsonl")]


def test_bulk_gives_the_same_clusters_as_cluster(mentions: list[MentionContext]) -> None:
    assert _partition(cluster_bulk(mentions)) == _partition(cluster(mentions))
    assert _partition(cluster_bulk(mentions, threshold=0.9)) == _partition(
        cluster(mentions, threshold=0.9)
    )


def test_bulk_resolve_mentions_parses_each_name_once_and_agrees() -> None:
    rows = _rows("clusters.jsonl")
    expected = cluster([MentionContext.from_dict(row) for row in rows])
    assert _partition(resolve_mentions(rows)) == _partition(expected)


def test_bulk_mention_from_dict_equals_from_dict() -> None:
    for row in _rows("clusters.jsonl"):
        assert mention_from_dict(row, parse_name(row["name"])) == MentionContext.from_dict(row)


def test_bulk_context_score_equals_compare_mentions() -> None:
    for row in _rows("pairs.jsonl"):
        a, b = MentionContext.from_dict(row["a"]), MentionContext.from_dict(row["b"])
        name_score = compare(a.name, b.name).score
        gap = birth_year_gap(a, b)
        assert context_score(name_score, a, b, gap) == compare_mentions(a, b).score


def test_bulk_keeps_namesakes_apart_when_ages_disagree() -> None:
    rows = [
        {"name": "Chan Ka-yan", "age": 23, "age_date": "2021-01-01"},
        {"name": "CHAN Ka Yan", "age": 24, "age_date": "2022-03-01"},
        {"name": "Chan Ka-yan", "age": 60, "age_date": "2021-01-01"},
        {"name": "Mr Chan Ka-yan", "age": 61, "age_date": "2022-03-01"},
    ]
    labels = resolve_mentions(rows)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_bulk_untangled_components_skip_the_loop_and_agree(
    mentions: list[MentionContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every component through the pair-by-pair loop, or only the tangled ones: one result."""
    fast = _partition(cluster_bulk(mentions))
    monkeypatch.setattr(bulk, "_tangled", lambda component, count, *_: np.ones(count, bool))
    assert _partition(cluster_bulk(mentions)) == fast


@pytest.mark.parametrize("sure", [0.0, 0.9, 0.99, 1.01])
def test_bulk_groups_joined_before_the_loop_change_nothing(
    sure: float, mentions: list[MentionContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _partition(cluster(mentions))
    monkeypatch.setattr(bulk, "_SURE", sure)
    real = bulk._tangled
    tangled_once: list[bool] = []

    def everything_tangled_first(component: Any, count: int, *rest: Any) -> Any:
        # the first call decides which components go to the loop: send them all
        if not tangled_once:
            tangled_once.append(True)
            return np.ones(count, bool)
        return real(component, count, *rest)

    monkeypatch.setattr(bulk, "_tangled", everything_tangled_first)
    assert _partition(cluster_bulk(mentions)) == expected


def test_bulk_loop_in_steps_gives_the_same_clusters(
    mentions: list[MentionContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pairs already inside one cluster are dropped between steps; nothing else changes."""
    expected = _partition(cluster(mentions))
    monkeypatch.setattr(bulk, "_tangled", lambda component, count, *_: np.ones(count, bool))
    monkeypatch.setattr(bulk, "_UNION_STEP", 7)
    assert _partition(cluster_bulk(mentions)) == expected


def test_bulk_a_chain_of_compatible_mentions_is_one_cluster_despite_an_age_conflict() -> None:
    # 0 and 2 are 40 years apart: the loop must keep them apart, joining 1 to the better one.
    rows = [
        {"name": "Chan Ka-yan", "age": 23, "age_date": "2021-01-01", "cases": ["c1"]},
        {"name": "CHAN Ka Yan", "cases": ["c1"]},
        {"name": "Chan Ka-yan", "age": 63, "age_date": "2021-01-01"},
        {"name": "Lee Man-kit"},
        {"name": "LEE Man-kit"},
    ]
    labels = resolve_mentions(rows)
    assert labels[0] == labels[1] != labels[2]
    assert labels[3] == labels[4] not in (labels[0], labels[2])


def test_bulk_candidate_names_are_the_pairs_sharing_a_key() -> None:
    name_keys = [["a", "b"], ["a"], ["b", "c"], [], ["c"], ["a", "c"]]
    mentions = np.array([2, 1, 1, 2, 1, 1])
    expected = {(0, 0), (0, 1), (0, 2), (0, 5), (1, 5), (2, 4), (2, 5), (4, 5)}
    found = bulk._candidate_names(name_keys, mentions)
    assert sorted(found) == sorted(expected) and len(found) == len(expected)


def test_bulk_two_processes_give_the_same_clusters_as_one(
    mentions: list[MentionContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing, keys, scoring, expansion and the loop on two worker processes: one result."""
    rows = _rows("clusters.jsonl")
    expected = _partition(cluster(mentions))
    monkeypatch.setattr(bulk, "SPAWN_FROM", 0)  # these few mentions would stay in one process
    assert _partition(resolve_mentions(rows, workers=2)) == expected
    assert _partition(cluster_bulk(mentions, workers=3)) == expected


def test_bulk_two_processes_share_the_loop_and_agree(
    mentions: list[MentionContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _partition(cluster(mentions))
    monkeypatch.setattr(bulk, "SPAWN_FROM", 0)
    monkeypatch.setattr(bulk, "_tangled", lambda component, count, *_: np.ones(count, bool))
    assert _partition(cluster_bulk(mentions, workers=2)) == expected


def test_bulk_expansion_in_small_steps_gives_the_same_clusters(
    mentions: list[MentionContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _partition(cluster(mentions))
    monkeypatch.setattr(bulk, "_PAIRS_PER_STEP", 50)
    assert _partition(cluster_bulk(mentions)) == expected


def test_bulk_shares_keep_components_whole_and_about_equal() -> None:
    owner = np.array([5, 5, 5, 5, 9, 9, 9, 2, 2, 7, 7, 7, 1])
    share = bulk._shares(owner, 2)
    for component in np.unique(owner):
        assert len(set(share[owner == component].tolist())) == 1
    assert sorted(np.bincount(share, minlength=2).tolist()) == [6, 7]
