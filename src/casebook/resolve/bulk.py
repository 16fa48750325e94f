"""Resolve many mentions at once: the same clusters as `evaluate.cluster()`, computed per
distinct name instead of per mention.

Reports repeat names: a million mentions hold far fewer distinct written names and fewer
still once parsed. So each written name is parsed once, each parsed name gets its blocking
keys once, blocks hold distinct names, and two names are compared once. Only then are the
mentions behind a pair of names scored with their context (age, organisation, case), with
the same Bayes factors and veto as `compare.compare_mentions`, and joined by the same
union-find from the best pair down with the same conflict rule (different names, ages too
far apart). The conflict check keeps, per cluster, its distinct names and the extremes of
its members' birth-year ranges, so it costs names × names, not members × members.

One deliberate difference: a block is "too common" when more than `MAX_BLOCK` distinct
names share its key, not more than `MAX_BLOCK` mentions, so a much-reported person is not
dropped from his own blocks.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from itertools import combinations
from typing import Any

import numpy as np

from casebook.resolve.compare import (
    BIRTH_FACTOR,
    BIRTH_YEAR_TOLERANCE,
    CASE_FACTOR,
    ORGANISATION_FACTOR,
    VETO_SCORE,
    MentionContext,
    _rescale,
    compare,
)
from casebook.resolve.evaluate import DEFAULT_THRESHOLD, MAX_BLOCK
from casebook.resolve.names import PersonName, keys, parse_name

BULK = "resolve.bulk.v1"
MOST_CONTEXT = BIRTH_FACTOR * ORGANISATION_FACTOR * CASE_FACTOR
_CHUNK = 20_000

Birth = tuple[int, int] | None


def resolve_mentions(
    records: Sequence[Mapping[str, Any]],
    threshold: float = DEFAULT_THRESHOLD,
    workers: int = 1,
) -> list[int]:
    """Cluster mention records ({"name", "age", "age_date", "organisations", "cases"}),
    parsing each distinct written name once; labels as `evaluate.cluster()` gives them."""
    texts = list(dict.fromkeys(str(record["name"]) for record in records))
    _warm_up()
    parsed = dict(zip(texts, _map(_parse_with_keys, texts, workers), strict=True))
    table = _Table()
    for record in records:
        when, age = record.get("age_date"), record.get("age")
        latest = date.fromisoformat(when).year - int(age) if when and age is not None else None
        name, name_keys = parsed[str(record["name"])]
        table.keys.setdefault(name, name_keys)
        table.add(
            name,
            (latest - 1, latest) if latest is not None else None,
            frozenset(o.casefold() for o in record.get("organisations") or ()),
            frozenset(str(c) for c in record.get("cases") or ()),
        )
    return table.cluster(threshold, workers)


def mention_from_dict(data: Mapping[str, Any], name: PersonName) -> MentionContext:
    """`MentionContext.from_dict` with the name already parsed."""
    when = data.get("age_date")
    return MentionContext(
        name=name,
        age=int(data["age"]) if data.get("age") is not None else None,
        age_date=date.fromisoformat(when) if when else None,
        organisations=frozenset(o.casefold() for o in data.get("organisations") or ()),
        cases=frozenset(str(c) for c in data.get("cases") or ()),
    )


def cluster_bulk(
    mentions: Sequence[MentionContext],
    threshold: float = DEFAULT_THRESHOLD,
    workers: int = 1,
) -> list[int]:
    """`evaluate.cluster()` computed per distinct name (see the module docstring)."""
    table = _Table()
    for m in mentions:
        table.add(m.name, m.birth_years(), m.organisations, m.cases)
    return table.cluster(threshold, workers)


class _Table:
    """Mentions as columns: name id, birth-year range, organisation and case set ids."""

    def __init__(self) -> None:
        self.names: dict[PersonName, int] = {}
        self.sets: dict[frozenset[str], int] = {frozenset(): 0}
        self.keys: dict[PersonName, list[str]] = {}  # blocking keys, when already known
        self.name_of: list[int] = []
        self.births: list[Birth] = []
        self.organisations: list[int] = []
        self.cases: list[int] = []

    def add(
        self, name: PersonName, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        self.name_of.append(self.names.setdefault(name, len(self.names)))
        self.births.append(birth)
        self.organisations.append(self.sets.setdefault(organisations, len(self.sets)))
        self.cases.append(self.sets.setdefault(cases, len(self.sets)))

    def cluster(self, threshold: float, workers: int) -> list[int]:
        names = list(self.names)
        members: list[list[int]] = [[] for _ in names]
        for position, name in enumerate(self.name_of):
            members[name].append(position)
        scores = _NameScores(names, workers)
        _warm_up()
        known = [self.keys.get(name) for name in names]
        missing = [names[n] for n, found in enumerate(known) if found is None]
        computed = iter(_map(_keys_of, missing, workers))
        name_keys = [found if found is not None else next(computed) for found in known]
        scores.add(_candidate_names(name_keys, members))
        pairs = _scored_mention_pairs(self, scores, threshold)
        return _union(len(self.name_of), pairs, self.name_of, self.births, scores)


# --- Names -------------------------------------------------------------------------------


class _NameScores:
    """compare(a, b).score for pairs of distinct names, computed once each."""

    def __init__(self, names: list[PersonName], workers: int) -> None:
        self.names = names
        self.workers = workers
        self.known: dict[tuple[int, int], float] = {}

    def add(self, pairs: list[tuple[int, int]]) -> None:
        global _NAMES
        _NAMES = self.names  # forked workers read the names from here, not from a pickle
        chunks = [pairs[start : start + _CHUNK] for start in range(0, len(pairs), _CHUNK)]
        found_by_chunk = _map(_score_chunk, chunks, self.workers, serial_below=2)
        for chunk, found in zip(chunks, found_by_chunk, strict=True):
            self.known.update(zip(chunk, found, strict=True))

    def __call__(self, a: int, b: int) -> float:
        pair = (a, b) if a <= b else (b, a)
        score = self.known.get(pair)
        if score is None:
            score = self.known[pair] = compare(self.names[pair[0]], self.names[pair[1]]).score
        return score


_NAMES: list[PersonName] = []


def _score_chunk(chunk: list[tuple[int, int]]) -> list[float]:
    return [compare(_NAMES[a], _NAMES[b]).score for a, b in chunk]


def _keys_of(name: PersonName) -> list[str]:
    return sorted(keys(name))


def _parse_with_keys(text: str) -> tuple[PersonName, list[str]]:
    name = parse_name(text)
    return name, _keys_of(name)


def _warm_up() -> None:
    """Load the romanisation tables and converters once, before workers fork, so that each
    worker does not load them again."""
    for text in ("黎智英 (Jimmy Lai)", "Lai Chee-ying", "赖智英"):
        name = parse_name(text)
        keys(name)
        compare(name, parse_name("LAI, Chi-ying"))


def _candidate_names(name_keys: list[list[str]], members: list[list[int]]) -> list[tuple[int, int]]:
    """Pairs of distinct names sharing a blocking key, plus (n, n) for a name that two
    mentions share; a name without keys is never compared, as in `evaluate.cluster()`."""
    blocks: dict[str, list[int]] = defaultdict(list)
    found: list[tuple[int, int]] = []
    for name, its_keys in enumerate(name_keys):
        for key in its_keys:
            blocks[key].append(name)
        if its_keys and len(members[name]) > 1:
            found.append((name, name))
    seen: set[tuple[int, int]] = set()
    for block in blocks.values():
        if len(block) > MAX_BLOCK:
            continue
        for pair in combinations(block, 2):
            if pair not in seen:
                seen.add(pair)
                found.append(pair)
    return found


# --- Mentions ----------------------------------------------------------------------------


def context_score(
    name_score: float, a: MentionContext, b: MentionContext, gap: int | None
) -> float:
    """`compare_mentions(a, b).score` given the names' score and the birth-year gap."""
    if gap is not None and gap > BIRTH_YEAR_TOLERANCE:
        return min(name_score, VETO_SCORE)
    if name_score == 0.0:
        return 0.0
    return _rescale(
        name_score,
        _factor(gap == 0, bool(a.organisations & b.organisations), bool(a.cases & b.cases)),
    )


def _factor(same_birth: bool, same_organisation: bool, same_case: bool) -> float:
    factor = 1.0
    if same_birth:
        factor *= BIRTH_FACTOR
    if same_organisation:
        factor *= ORGANISATION_FACTOR
    if same_case:
        factor *= CASE_FACTOR
    return factor


_FACTORS = [_factor(bool(code & 4), bool(code & 2), bool(code & 1)) for code in range(8)]
_PAIRS_PER_STEP = 2_000_000

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def _scored_mention_pairs(table: _Table, scores: _NameScores, threshold: float) -> Pairs:
    """(score, i, j), i < j, for every mention pair scoring at least the threshold with its
    context, expanded from the name pairs whose score context could lift that far."""
    usable = [
        (a, b, score)
        for (a, b), score in scores.known.items()
        if score > 0.0 and _rescale(score, MOST_CONTEXT) >= threshold
    ]
    if not usable:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    columns = _Columns(table)
    left, right, name_score = (np.array(column) for column in zip(*usable, strict=True))
    totals = columns.count[left] * columns.count[right]
    found = []
    first = 0
    ends = np.cumsum(totals)
    while first < len(usable):
        last = int(np.searchsorted(ends, ends[first] - totals[first] + _PAIRS_PER_STEP, "right"))
        last = max(last, first + 1)
        step = slice(first, last)
        found.append(columns.score(left[step], right[step], name_score[step], threshold))
        first = last
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]


class _Columns:
    """numpy views of a _Table: mentions grouped by name, births, set ids."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        name_of = np.array(table.name_of, dtype=np.int64)
        self.by_name = np.argsort(name_of, kind="stable")  # positions, ascending within a name
        self.count = np.bincount(name_of, minlength=len(table.names))
        self.start = np.cumsum(self.count) - self.count
        births = table.births
        self.dated = np.array([b is not None for b in births])
        self.earliest = np.array([b[0] if b else 0 for b in births], dtype=np.int64)
        self.latest = np.array([b[1] if b else 0 for b in births], dtype=np.int64)
        self.organisations = np.array(table.organisations, dtype=np.int64)
        self.cases = np.array(table.cases, dtype=np.int64)
        self.sets = list(table.sets)
        self.overlaps: dict[tuple[int, int], bool] = {}

    def score(
        self, left: np.ndarray, right: np.ndarray, name_score: np.ndarray, threshold: float
    ) -> Pairs:
        i, j, which = self._expand(left, right)
        score = name_score[which]
        both = self.dated[i] & self.dated[j]
        gap = np.maximum(
            np.maximum(self.earliest[j] - self.latest[i], self.earliest[i] - self.latest[j]), 0
        )
        veto = both & (gap > BIRTH_YEAR_TOLERANCE)
        code = (
            (both & (gap == 0)) * 4
            + self._share(self.organisations[i], self.organisations[j]) * 2
            + self._share(self.cases[i], self.cases[j])
        )
        levels, level_of = np.unique(score, return_inverse=True)
        table = np.array([[_rescale(float(s), f) for f in _FACTORS] for s in levels])
        final = np.where(veto, np.minimum(score, VETO_SCORE), table[level_of, code])
        keep = final >= threshold
        return final[keep], i[keep], j[keep]

    def _expand(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, ...]:
        """Every mention of name `left[p]` against every mention of `right[p]`, i < j."""
        size_left, size_right = self.count[left], self.count[right]
        totals = size_left * size_right
        which = np.repeat(np.arange(len(left)), totals)
        offset = np.arange(int(totals.sum())) - np.repeat(np.cumsum(totals) - totals, totals)
        across = size_right[which]
        i = self.by_name[self.start[left][which] + offset // across]
        j = self.by_name[self.start[right][which] + offset % across]
        same = left[which] == right[which]
        keep = ~same | (i < j)
        i, j, which = i[keep], j[keep], which[keep]
        return np.minimum(i, j), np.maximum(i, j), which

    def _share(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Do the two sets (by id) share a member? Empty sets never do."""
        shared = (a == b) & (a != 0)
        check = np.flatnonzero((a != b) & (a != 0) & (b != 0))
        if len(check):
            pairs = np.unique(np.stack([a[check], b[check]], axis=1), axis=0, return_inverse=True)
            verdicts = np.array([self._overlap(int(x), int(y)) for x, y in pairs[0]])
            shared[check] = verdicts[pairs[1].ravel()]
        return shared

    def _overlap(self, x: int, y: int) -> bool:
        found = self.overlaps.get((x, y))
        if found is None:
            found = self.overlaps[(x, y)] = bool(self.sets[x] & self.sets[y])
        return found


# --- Union-find --------------------------------------------------------------------------


class _Cluster:
    """What a growing cluster knows: its size, its distinct names, its birth-year extremes."""

    __slots__ = ("earliest_latest", "latest_earliest", "names", "size")

    def __init__(self, name: int, birth: Birth) -> None:
        self.size = 1
        self.names = {name}
        self.latest_earliest = birth[0] if birth else None  # max over members of earliest
        self.earliest_latest = birth[1] if birth else None  # min over members of latest

    def absorb(self, other: _Cluster) -> None:
        self.size += other.size
        self.names |= other.names
        self.latest_earliest = _extreme(max, self.latest_earliest, other.latest_earliest)
        self.earliest_latest = _extreme(min, self.earliest_latest, other.earliest_latest)


def _extreme(pick: Any, a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else pick(a, b)


def _conflict(left: _Cluster, right: _Cluster, scores: _NameScores) -> bool:
    """Some member of each would be more than the tolerance apart in birth year, or some
    two names compare as `different` (score 0) — as `evaluate._conflict` decides."""
    for a, b in ((left, right), (right, left)):
        latest_earliest, earliest_latest = a.latest_earliest, b.earliest_latest
        if (
            latest_earliest is not None
            and earliest_latest is not None
            and latest_earliest - earliest_latest > BIRTH_YEAR_TOLERANCE
        ):
            return True
    return any(scores(x, y) == 0.0 for x in left.names for y in right.names)


def _union(
    size: int,
    pairs: Pairs,
    name_of: list[int],
    births: list[Birth],
    scores: _NameScores,
) -> list[int]:
    score, first, second = pairs
    order = np.lexsort((second, first, score))[::-1]  # best first, as sorted(reverse=True)
    parent = list(range(size))
    clusters: dict[int, _Cluster] = {}

    def cluster_of(i: int) -> _Cluster:
        found = clusters.get(i)
        if found is None:
            found = clusters[i] = _Cluster(name_of[i], births[i])
        return found

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(first[order].tolist(), second[order].tolist(), strict=True):
        left, right = root(i), root(j)
        if left == right or _conflict(cluster_of(left), cluster_of(right), scores):
            continue
        if clusters[left].size < clusters[right].size:
            left, right = right, left
        parent[right] = left
        clusters[left].absorb(clusters.pop(right))
    return [root(i) for i in range(size)]


# --- Workers -----------------------------------------------------------------------------


def _map(
    function: Any, items: Sequence[Any], workers: int, serial_below: int = _CHUNK
) -> list[Any]:
    """map() on `workers` forked processes; worth it only when the work per item is large
    (parsing, scoring) and the items many."""
    if workers <= 1 or len(items) < serial_below:
        return [function(item) for item in items]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(function, items, chunksize=max(1, len(items) // (workers * 8)))
