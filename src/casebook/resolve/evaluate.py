"""Measure resolution on labelled data: name pairs (pairwise P/R/F1) and mention clusters
(pairwise and B-cubed P/R/F1), plus the simple clusterer those metrics run on.

A pairs file is JSON Lines of {"a": mention, "b": mention, "same": bool, "phenomenon": str};
a clusters file is JSON Lines of mentions with an "id" and a gold "cluster". A mention is
{"name", "age", "age_date", "organisations", "cases"} (all but "name" optional).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from rich.table import Table

from casebook.errors import CasebookError
from casebook.resolve.compare import (
    MentionContext,
    birth_year_gap,
    compare,
    compare_mentions,
)
from casebook.resolve.names import keys

DEFAULT_THRESHOLD = 0.8
MAX_BLOCK = 500  # a key shared by more mentions than this is too common to block on

ClusterFn = Callable[[Sequence[MentionContext]], list[int]]


class ResolutionDataError(CasebookError):
    """A labelled resolution file is missing or malformed; lists every bad line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path} is invalid:\n  " + "\n  ".join(problems))


def _read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ResolutionDataError(path, ["file not found"])
    rows, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not JSON ({error.msg})")
            continue
        missing = [key for key in required if key not in row]
        if missing:
            problems.append(f"line {number}: missing {', '.join(missing)}")
        rows.append(row)
    if problems:
        raise ResolutionDataError(path, problems)
    return rows


def _ratios(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# --- Pairs -------------------------------------------------------------------------------


def evaluate_pairs(path: Path, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Pairwise precision/recall/F1 of `compare_mentions` at a score threshold."""
    rows = _read_jsonl(Path(path), ("a", "b", "same"))
    counts: Counter[str] = Counter()
    phenomena: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        a, b = MentionContext.from_dict(row["a"]), MentionContext.from_dict(row["b"])
        linked = compare_mentions(a, b).score >= threshold
        outcome = {(True, True): "tp", (False, True): "fp", (True, False): "fn"}.get(
            (bool(row["same"]), linked), "tn"
        )
        counts[outcome] += 1
        phenomenon = phenomena[str(row.get("phenomenon", "unlabelled"))]
        phenomenon["pairs"] += 1
        phenomenon["correct"] += outcome in ("tp", "tn")
    return {
        "kind": "pairs",
        "pairs": len(rows),
        "threshold": threshold,
        **{k: counts[k] for k in ("tp", "fp", "fn", "tn")},
        **_ratios(counts["tp"], counts["fp"], counts["fn"]),
        "by_phenomenon": {k: dict(v) for k, v in sorted(phenomena.items())},
    }


# --- Clusters ----------------------------------------------------------------------------


def bcubed(predicted: Sequence[object], gold: Sequence[object]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering against gold labels.

    For each mention m, with C(m) its predicted cluster and G(m) its gold cluster:
    precision(m) = |C(m) ∩ G(m)| / |C(m)| and recall(m) = |C(m) ∩ G(m)| / |G(m)|.
    B-cubed precision and recall are the means over all mentions; F1 is their harmonic mean.
    """
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels must be as many as the mentions")
    if not gold:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    both = Counter(zip(predicted, gold, strict=True))
    sizes_predicted, sizes_gold = Counter(predicted), Counter(gold)
    precision = sum(both[(p, g)] / sizes_predicted[p] for p, g in zip(predicted, gold, strict=True))
    recall = sum(both[(p, g)] / sizes_gold[g] for p, g in zip(predicted, gold, strict=True))
    precision, recall = precision / len(gold), recall / len(gold)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def pairwise(predicted: Sequence[object], gold: Sequence[object]) -> dict[str, float]:
    """Precision/recall/F1 over all mention pairs: a pair is positive when put together."""
    both = Counter(zip(predicted, gold, strict=True))
    together = sum(n * (n - 1) // 2 for n in both.values())
    predicted_pairs = sum(n * (n - 1) // 2 for n in Counter(predicted).values())
    gold_pairs = sum(n * (n - 1) // 2 for n in Counter(gold).values())
    return _ratios(together, predicted_pairs - together, gold_pairs - together)


def evaluate_clusters(path: Path, cluster_fn: ClusterFn | None = None) -> dict[str, Any]:
    """Cluster the mentions of a clusters file and score against the gold cluster ids."""
    rows = _read_jsonl(Path(path), ("name", "cluster"))
    mentions = [MentionContext.from_dict(row) for row in rows]
    predicted = (cluster_fn or cluster)(mentions)
    gold = [str(row["cluster"]) for row in rows]
    return {
        "kind": "clusters",
        "mentions": len(rows),
        "gold_clusters": len(set(gold)),
        "predicted_clusters": len(set(predicted)),
        "pairwise": pairwise(predicted, gold),
        "bcubed": bcubed(predicted, gold),
    }


@dataclass
class _Profile:
    """What a growing cluster knows, to refuse merges that would join two people."""

    members: list[int] = field(default_factory=list)


def cluster(mentions: Sequence[MentionContext], threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Group mentions into identities: block on `keys`, score with `compare_mentions`, then
    union-find from the best pair down, refusing a merge when any two members would conflict
    (different characters, a name level of `different`, or ages too far apart)."""
    scored = sorted(_candidate_pairs(mentions, threshold), reverse=True)
    parent = list(range(len(mentions)))
    profiles = {i: _Profile([i]) for i in range(len(mentions))}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in scored:
        left, right = root(i), root(j)
        if left == right or _conflict(mentions, profiles[left], profiles[right]):
            continue
        if len(profiles[left].members) < len(profiles[right].members):
            left, right = right, left
        parent[right] = left
        profiles[left].members.extend(profiles.pop(right).members)
    return [root(i) for i in range(len(mentions))]


def _candidate_pairs(
    mentions: Sequence[MentionContext], threshold: float
) -> list[tuple[float, int, int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        for key in keys(mention.name):
            blocks[key].append(index)
    seen: set[tuple[int, int]] = set()
    found = []
    for members in blocks.values():
        if len(members) > MAX_BLOCK:
            continue
        for i, j in combinations(members, 2):
            if (i, j) in seen:
                continue
            seen.add((i, j))
            score = compare_mentions(mentions[i], mentions[j]).score
            if score >= threshold:
                found.append((score, i, j))
    return found


def _conflict(mentions: Sequence[MentionContext], left: _Profile, right: _Profile) -> bool:
    for i in left.members:
        for j in right.members:
            a, b = mentions[i], mentions[j]
            gap = birth_year_gap(a, b)
            if gap is not None and gap > 2:
                return True
            if compare(a.name, b.name).score == 0.0:
                return True
    return False


# --- Display -----------------------------------------------------------------------------


def render(result: dict[str, Any]) -> Table:
    """A Rich table of an evaluation result from `evaluate_pairs` or `evaluate_clusters`."""
    if result.get("kind") == "pairs":
        table = Table(title=f"Name pairs ({result['pairs']}, threshold {result['threshold']})")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for metric in ("precision", "recall", "f1"):
            table.add_row(metric, f"{result[metric]:.3f}")
        for outcome in ("tp", "fp", "fn", "tn"):
            table.add_row(outcome, str(result[outcome]))
        for phenomenon, counts in result["by_phenomenon"].items():
            table.add_row(f"  {phenomenon}", f"{counts['correct']}/{counts['pairs']}")
        return table
    table = Table(
        title=f"Mention clusters ({result['mentions']} mentions, {result['gold_clusters']} "
        f"gold / {result['predicted_clusters']} predicted clusters)"
    )
    table.add_column("metric")
    for column in ("precision", "recall", "f1"):
        table.add_column(column, justify="right")
    for metric in ("pairwise", "bcubed"):
        scores = result[metric]
        table.add_row(metric, *(f"{scores[c]:.3f}" for c in ("precision", "recall", "f1")))
    return table
