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
from collections.abc import Mapping, Sequence
from datetime import date
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
_Fields = tuple[str | None, str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def resolve_mentions(
    records: Sequence[Mapping[str, Any]],
    threshold: float = DEFAULT_THRESHOLD,
    workers: int = 1,
) -> list[int]:
    """Cluster mention records ({"name", "age", "age_date", "organisations", "cases"}),
    parsing each distinct written name once; labels as `evaluate.cluster()` gives them."""
    texts = list(dict.fromkeys(str(record["name"]) for record in records))
    _warm_up()
    table = _Table()
    # Workers send back plain tuples (cheap to pickle); one PersonName is built per distinct
    # name, from its first text, as `table.names.setdefault` would keep it.
    ids: dict[tuple[Any, ...], int] = {}
    name_ids: dict[str, int] = {}
    for text, fields in zip(texts, _map(_parse_fields, texts, workers), strict=True):
        found = ids.get(fields[:4])
        if found is None:
            found = ids[fields[:4]] = len(table.names)
            chinese, family, given, english, titles = fields
            table.names[PersonName(chinese, family, given, english, titles, text=text)] = found
        name_ids[text] = found
    births: dict[tuple[Any, Any], Birth] = {}
    sets: dict[Any, frozenset[str]] = {}
    for record in records:
        when, age = record.get("age_date"), record.get("age")
        birth = births.get((when, age), _UNSEEN)
        if birth is _UNSEEN:
            latest = date.fromisoformat(when).year - int(age) if when and age is not None else None
            birth = births[(when, age)] = (latest - 1, latest) if latest is not None else None
        organisations = _set_of(sets, "o", record.get("organisations"))
        cases = _set_of(sets, "c", record.get("cases"))
        table.add_id(name_ids[str(record["name"])], birth, organisations, cases)
    return table.cluster(threshold, workers)


_UNSEEN: Any = object()


def _set_of(seen: dict[Any, frozenset[str]], kind: str, values: Any) -> frozenset[str]:
    """The organisations (casefolded) or cases of a record as a set, built once per list."""
    key = (kind, tuple(values)) if values else kind
    found = seen.get(key)
    if found is None:
        if kind == "o":
            found = frozenset(o.casefold() for o in values or ())
        else:
            found = frozenset(str(c) for c in values or ())
        seen[key] = found
    return found


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
        self.name_of: list[int] = []
        self.births: list[Birth] = []
        self.organisations: list[int] = []
        self.cases: list[int] = []

    def add(
        self, name: PersonName, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        self.add_id(self.names.setdefault(name, len(self.names)), birth, organisations, cases)

    def add_id(
        self, name: int, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        """`add` for a name already in `names`, by its id."""
        self.name_of.append(name)
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
        global _NAMES
        _NAMES = names  # forked workers read the names from here, not from a pickle
        name_keys = _map(_keys_at, range(len(names)), workers)
        scores.add(_candidate_names(name_keys, members))
        pairs = _scored_mention_pairs(self, scores, threshold)
        together, settled = _together(pairs, self.name_of, len(names), scores.known)
        scores.add(together)
        scores.settled = settled
        return _union(len(self.name_of), pairs, self.name_of, self.births, scores)


# --- Names -------------------------------------------------------------------------------


class _NameScores:
    """compare(a, b).score for pairs of distinct names, computed once each."""

    def __init__(self, names: list[PersonName], workers: int) -> None:
        self.names = names
        self.workers = workers
        self.known: dict[tuple[int, int], float] = {}
        self.different: dict[int, set[int]] = {}  # the known pairs scoring 0, both ways
        self.settled = [False] * len(names)  # every pair within the name's group is known

    def add(self, pairs: list[tuple[int, int]]) -> None:
        global _NAMES
        _NAMES = self.names  # forked workers read the names from here, not from a pickle
        chunks = [pairs[start : start + _CHUNK] for start in range(0, len(pairs), _CHUNK)]
        found_by_chunk = _map(_score_chunk, chunks, self.workers, serial_below=2)
        for chunk, found in zip(chunks, found_by_chunk, strict=True):
            self.known.update(zip(chunk, found, strict=True))
            for a, b in (pair for pair, score in zip(chunk, found, strict=True) if score == 0.0):
                self._differ(a, b)

    def _differ(self, a: int, b: int) -> None:
        self.different.setdefault(a, set()).add(b)
        self.different.setdefault(b, set()).add(a)

    def __call__(self, a: int, b: int) -> float:
        pair = (a, b) if a <= b else (b, a)
        score = self.known.get(pair)
        if score is None:
            score = self.known[pair] = compare(self.names[pair[0]], self.names[pair[1]]).score
            if score == 0.0:
                self._differ(a, b)
        return score


_NAMES: list[PersonName] = []


def _score_chunk(chunk: list[tuple[int, int]]) -> list[float]:
    return [compare(_NAMES[a], _NAMES[b]).score for a, b in chunk]


def _keys_at(index: int) -> list[str]:
    return sorted(keys(_NAMES[index]))


def _parse_fields(text: str) -> _Fields:
    """PersonName's fields but the text: (chinese, family, given, english, titles)."""
    name = parse_name(text)
    return name.chinese, name.family, name.given, name.english, name.titles


def _warm_up() -> None:
    """Load the romanisation tables and converters once, before workers fork, so that each
    worker does not load them again."""
    for text in ("黎智英 (Jimmy Lai)", "Lai Chee-ying", "赖智英"):
        name = parse_name(text)
        keys(name)
        compare(name, parse_name("LAI, Chi-ying"))


def _candidate_names(name_keys: list[list[str]], members: list[list[int]]) -> list[tuple[int, int]]:
    """Pairs (a, b), a < b, of distinct names sharing a blocking key, plus (n, n) for a name
    that two mentions share; a name without keys is never compared, as in `evaluate.cluster()`.

    Computed with numpy: the (key, name) entries sorted by key make the blocks; blocks of one
    size form a matrix whose upper triangle is their pairs; each pair is kept once."""
    key_ids: dict[str, int] = {}
    key_of: list[int] = []
    name_of: list[int] = []
    for name, its_keys in enumerate(name_keys):
        for key in its_keys:
            key_of.append(key_ids.setdefault(key, len(key_ids)))
            name_of.append(name)
    count = len(name_keys)
    selves = [n for n, its_keys in enumerate(name_keys) if its_keys and len(members[n]) > 1]
    found = [np.array(selves, dtype=np.int64) * (count + 1)]
    if key_of:
        order = np.lexsort((np.array(name_of), np.array(key_of)))
        keys_sorted = np.array(key_of)[order]
        names_sorted = np.array(name_of, dtype=np.int64)[order]
        starts = np.flatnonzero(np.r_[True, keys_sorted[1:] != keys_sorted[:-1]])
        sizes = np.diff(np.r_[starts, len(keys_sorted)])
        for size in np.unique(sizes[(sizes > 1) & (sizes <= MAX_BLOCK)]).tolist():
            first = starts[sizes == size]
            block = names_sorted[first[:, None] + np.arange(size)]
            left, right = np.triu_indices(size, 1)
            found.append((block[:, left] * count + block[:, right]).ravel())
    codes = np.unique(np.concatenate(found))
    return list(zip((codes // count).tolist(), (codes % count).tolist(), strict=True))


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


def _together(
    pairs: Pairs, name_of: list[int], count: int, known: Mapping[tuple[int, int], float]
) -> tuple[list[tuple[int, int]], list[bool]]:
    """Name pairs not yet scored that `_union` may ask about: the mention pairs connect
    names into groups, and a cluster never spans two groups, so its conflict checks only
    compare names of one group. Groups larger than `_PREFETCH_GROUP` are left to be scored
    when asked. Also says which names lie in a group whose pairs are then all known."""
    _, first, second = pairs
    settled = [False] * count
    if not len(first):
        return [], settled
    names = np.asarray(name_of, dtype=np.int64)
    a, b = names[first], names[second]
    codes = np.unique(np.minimum(a, b) * count + np.maximum(a, b))
    left, right = codes // count, codes % count
    label = np.arange(count)
    while True:
        low = np.minimum(label[left], label[right])
        new = label.copy()
        np.minimum.at(new, left, low)
        np.minimum.at(new, right, low)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    order = np.argsort(label, kind="stable")
    sorted_labels = label[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, count])
    found: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    for size in np.unique(sizes[(sizes > 1) & (sizes <= _PREFETCH_GROUP)]).tolist():
        group = order[starts[sizes == size][:, None] + np.arange(size)]
        group.sort(axis=1)
        i, j = np.triu_indices(size, 1)
        found.append((group[:, i] * count + group[:, j]).ravel())
        groups.append(group.ravel())
    if not found:
        return [], settled
    wanted = np.concatenate(found)
    for name in np.concatenate(groups).tolist():
        settled[name] = True
    candidates = zip((wanted // count).tolist(), (wanted % count).tolist(), strict=True)
    return [pair for pair in candidates if pair not in known], settled


_PREFETCH_GROUP = 64


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
    if scores.settled[next(iter(left.names))]:
        # Both clusters lie in one prefetched group, so every pair across them is known.
        small, large = sorted((left.names, right.names), key=len)
        different = scores.different
        return any(not large.isdisjoint(different[x]) for x in small if x in different)
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

    first, second = first[order], second[order]
    for start in range(0, len(order), _UNION_STEP):
        i_step, j_step = first[start : start + _UNION_STEP], second[start : start + _UNION_STEP]
        if start:
            # Joined clusters stay joined: drop the pairs already inside one, all at once.
            roots = _roots(np.array(parent, dtype=np.int64))
            apart = roots[i_step] != roots[j_step]
            i_step, j_step = i_step[apart], j_step[apart]
            parent = roots.tolist()
        for i, j in zip(i_step.tolist(), j_step.tolist(), strict=True):
            left = i if parent[i] == i else root(i)
            right = j if parent[j] == j else root(j)
            if left == right or _conflict(cluster_of(left), cluster_of(right), scores):
                continue
            if clusters[left].size < clusters[right].size:
                left, right = right, left
            parent[right] = left
            clusters[left].absorb(clusters.pop(right))
    return [root(i) for i in range(size)]


_UNION_STEP = 500_000


def _roots(parent: np.ndarray) -> np.ndarray:
    """Every element's root under `parent` (pointer jumping)."""
    while True:
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return parent
        parent = jumped


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
