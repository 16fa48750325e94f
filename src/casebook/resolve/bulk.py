"""Resolve many mentions at once: the same clusters as `evaluate.cluster()`, computed per
distinct name instead of per mention.

Reports repeat names: a million mentions hold far fewer distinct written names and fewer
still once parsed. So each written name is parsed once, each parsed name gets its blocking
keys (and the sounds and pinyin that comparing it needs) once, blocks hold distinct names,
and two names are compared once. Only then are the mentions behind a pair of names scored
with their context (age, organisation, case), with the same Bayes factors and veto as
`compare.compare_mentions`.

Joining them gives what `evaluate.cluster()`'s union-find gives, from the best pair down
with its conflict rule (two names scoring 0, ages too far apart), without running it on
every pair: merges never cross a connected component of the mention pairs, and in a
component where no two members could conflict no merge is ever refused, so the component
is the cluster. Only the other components go through the pair-by-pair loop, whose conflict
check keeps per cluster its distinct names and the extremes of its members' birth-year
ranges, so it costs names × names, not members × members.

With `workers` > 1, forked processes parse, compute keys, score name pairs, expand them
to mention pairs and run the loop (on shares of whole tangled components, which never touch
each other), while the main process does what does not depend on their results; the
clusters are the same as with one process.

One deliberate difference: a block is "too common" when more than `MAX_BLOCK` distinct
names share its key, not more than `MAX_BLOCK` mentions, so a much-reported person is not
dropped from his own blocks. Cluster labels are arbitrary integers; the clusters are the
same.
"""

from __future__ import annotations

import copy
import gc
import heapq
import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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
from casebook.resolve.names import (
    Derived,
    NameFields,
    PersonName,
    derived,
    keep_derived,
    keys,
    parse_fields,
    parse_name,
    surname_spellings,
    syllable_inventory,
)

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
    parsing each distinct written name once; clusters as `evaluate.cluster()` makes them."""
    with _without_cyclic_gc():
        return _table_of(records, workers).cluster(threshold, workers)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector: a run allocates millions of objects and no cycles, and
    each full collection would walk them all (and, on forked workers, copy the pages)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _table_of(records: Sequence[Mapping[str, Any]], workers: int) -> _Table:
    positions: dict[str, int] = {}
    text_of = [positions.setdefault(str(record["name"]), len(positions)) for record in records]
    texts = list(positions)
    syllable_inventory()  # what parsing needs, before the workers fork
    surname_spellings()
    parsed = _start(parse_fields, texts, workers)
    # While the workers parse: the other tables (for the key workers forked later) and the
    # records' contexts, which do not depend on the names.
    _warm_up()
    table = _Table()
    table.add_contexts(records)
    # Workers send back plain tuples (cheap to pickle); one PersonName is built per distinct
    # name, from its first text, as `table.names.setdefault` would keep it.
    fields = parsed()
    ids: dict[tuple[Any, ...], int] = {}
    name_of_text = np.fromiter(
        (ids.setdefault(f[:4], len(ids)) for f in fields), np.int64, len(fields)
    )
    _, firsts = np.unique(name_of_text, return_index=True)  # by name id, ascending
    table.unbuilt = [(fields[position], texts[position]) for position in firsts.tolist()]
    table.name_of = name_of_text[np.array(text_of, dtype=np.int64)]
    return table


_UNSEEN: Any = object()


def _birth(when: str | None, age: Any) -> Birth:
    """Earliest and latest birth year that an age on an ISO date implies, as
    `MentionContext.birth_years` gives them."""
    if not when or age is None:
        return None
    latest = date.fromisoformat(when).year - int(age)
    return latest - 1, latest


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
    with _without_cyclic_gc():
        return table.cluster(threshold, workers)


class _Table:
    """Mentions as columns: name id, birth-year range, organisation and case set ids."""

    def __init__(self) -> None:
        self.names: dict[PersonName, int] = {}
        # Names known only as parsed fields and their first text, in id order: `cluster`
        # builds them while the workers compute their keys.
        self.unbuilt: list[tuple[NameFields, str]] = []
        self.sets: dict[frozenset[str], int] = {frozenset(): 0}
        self.name_of: list[int] | np.ndarray = []
        self.births: list[Birth] = []
        self.organisations: list[int] = []
        self.cases: list[int] = []

    def add(
        self, name: PersonName, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        assert isinstance(self.name_of, list)
        self.name_of.append(self.names.setdefault(name, len(self.names)))
        self._add_context(birth, organisations, cases)

    def _add_context(
        self, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        self.births.append(birth)
        self.organisations.append(self.sets.setdefault(organisations, len(self.sets)))
        self.cases.append(self.sets.setdefault(cases, len(self.sets)))

    def add_contexts(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Birth years, organisations and cases of mention records (their names come apart),
        each distinct age, date and list converted once."""
        births: dict[tuple[Any, Any], Birth] = {}
        sets: dict[Any, frozenset[str]] = {}
        for record in records:
            when, age = record.get("age_date"), record.get("age")
            birth = births.get((when, age), _UNSEEN)
            if birth is _UNSEEN:
                birth = births[(when, age)] = _birth(when, age)
            organisations = _set_of(sets, "o", record.get("organisations"))
            cases = _set_of(sets, "c", record.get("cases"))
            self._add_context(birth, organisations, cases)

    def cluster(self, threshold: float, workers: int) -> list[int]:
        global _FIELDS
        _warm_up()
        _FIELDS = [fields for fields, _ in self.unbuilt] or [_fields(name) for name in self.names]
        # Names sharing characters, or a romanised name, go to one worker, which caches what
        # that part gives (names.py) instead of both workers computing it.
        parts = [f"{c or ''}|{f or ''}|{' '.join(g)}" for c, f, g, _, _ in _FIELDS]
        order = sorted(range(len(_FIELDS)), key=parts.__getitem__)
        size = max(1, len(order) // (workers * 8))
        shares = [order[start : start + size] for start in range(0, len(order), size)]
        keyed = _start(_keys_of, shares, workers, serial_below=2)
        names = self._built_names()  # while the workers compute the keys
        columns = _Columns(self)
        entries = _KeyEntries(len(names))
        for share, (its_keys, local, counts, found) in zip(shares, keyed(), strict=True):
            entries.add(share, its_keys, local, counts)
            for index, one in zip(share, found, strict=True):
                keep_derived(names[index], one)  # forked scoring workers need not repeat it
        scores = _NameScores(names, workers)
        scores.add(entries.candidates(columns.count))
        pairs = _scored_mention_pairs(columns, scores, threshold, workers)
        return _union(pairs, columns, scores, workers).tolist()

    def _built_names(self) -> list[PersonName]:
        for (chinese, family, given, english, titles), text in self.unbuilt:
            name = PersonName(chinese, family, given, english, titles, text=text)
            self.names[name] = len(self.names)
        self.unbuilt = []
        return list(self.names)


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
        found_by_chunk = _start(_score_chunk, chunks, self.workers, serial_below=2)()
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


_FIELDS: list[NameFields] = []


def _fields(name: PersonName) -> NameFields:
    return name.chinese, name.family, name.given, name.english, name.titles


def _warm_up() -> None:
    """Load the romanisation tables and converters once, before workers fork, so that each
    worker does not load them again."""
    for text in ("黎智英 (Jimmy Lai)", "Lai Chee-ying", "赖智英"):
        name = parse_name(text)
        keys(name)
        compare(name, parse_name("LAI, Chi-ying"))


def _candidate_names(name_keys: list[list[str]], mentions: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (a, b), a < b, of distinct names sharing a blocking key, plus (n, n) for a name
    that two mentions share (`mentions`: how many each name has); a name without keys is
    never compared, as in `evaluate.cluster()`."""
    entries = _KeyEntries(len(name_keys))
    distinct = list(dict.fromkeys(chain.from_iterable(name_keys)))
    local = {key: number for number, key in enumerate(distinct)}
    numbers = [local[key] for its_keys in name_keys for key in its_keys]
    counts = np.fromiter(map(len, name_keys), np.int64, len(name_keys))
    entries.add(list(range(len(name_keys))), distinct, np.array(numbers, np.int64), counts)
    return entries.candidates(mentions)


_Keyed = tuple[list[str], np.ndarray, np.ndarray, list[Derived]]


def _keys_of(share: list[int]) -> _Keyed:
    """For the names whose fields are `_FIELDS[index]` (forked workers read them there, not
    from a pickle): their distinct keys, each name's keys as numbers into those, how many
    each has, and what `derived()` gives each. Keys go back once per share, not per name."""
    local: dict[str, int] = {}
    numbers: list[int] = []
    counts: list[int] = []
    found: list[Derived] = []
    for index in share:
        name = PersonName(*_FIELDS[index])
        its_keys = keys(name)
        counts.append(len(its_keys))
        numbers.extend([local.setdefault(key, len(local)) for key in its_keys])
        found.append(derived(name))
    return list(local), np.array(numbers, np.int64), np.array(counts, np.int64), found


class _KeyEntries:
    """(key, name) entries as numbers, gathered share by share."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.ids: dict[str, int] = {}
        self.keys: list[np.ndarray] = []
        self.names: list[np.ndarray] = []
        self.per_name = np.zeros(count, np.int64)

    def add(
        self, share: list[int], distinct: list[str], local: np.ndarray, counts: np.ndarray
    ) -> None:
        """Names `share`, with `counts[k]` keys each, numbered `local` into `distinct`."""
        ids = self.ids
        mapping = np.fromiter(
            (ids.setdefault(key, len(ids)) for key in distinct), np.int64, len(distinct)
        )
        self.keys.append(mapping[local])
        self.names.append(np.repeat(np.array(share, np.int64), counts))
        self.per_name[share] = counts

    def candidates(self, mentions: np.ndarray) -> list[tuple[int, int]]:
        """`_candidate_names` of these entries.

        Computed with numpy: the entries sorted by key make the blocks; blocks of one size
        form a matrix whose upper triangle is their pairs; each pair is kept once."""
        count = self.count
        selves = np.flatnonzero((self.per_name > 0) & (mentions > 1))
        found = [selves.astype(np.int64) * (count + 1)]
        key_of = np.concatenate(self.keys) if self.keys else np.zeros(0, np.int64)
        if len(key_of):
            name_of = np.concatenate(self.names)
            order = np.lexsort((name_of, key_of))
            keys_sorted = key_of[order]
            names_sorted = name_of[order]
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
_PAIRS_PER_STEP = 500_000

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def _scored_mention_pairs(
    columns: _Columns, scores: _NameScores, threshold: float, workers: int = 1
) -> Pairs:
    """(score, i, j), i < j, for every mention pair scoring at least the threshold with its
    context, expanded from the name pairs whose score context could lift that far; in steps
    of about `_PAIRS_PER_STEP` mention pairs, on `workers` processes."""
    global _EXPANSION
    named = np.array(list(scores.known), dtype=np.int64).reshape(-1, 2)
    name_score = np.fromiter(scores.known.values(), np.float64, len(scores.known))
    levels = np.unique(name_score)
    liftable = [s > 0.0 and _rescale(float(s), MOST_CONTEXT) >= threshold for s in levels]
    usable = np.isin(name_score, levels[np.array(liftable, dtype=bool)])
    if not usable.any():
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    left, right, name_score = named[usable, 0], named[usable, 1], name_score[usable]
    totals = columns.count[left] * columns.count[right]
    ends = np.cumsum(totals)
    steps = []
    first = 0
    while first < len(left):
        last = int(np.searchsorted(ends, ends[first] - totals[first] + _PAIRS_PER_STEP, "right"))
        last = max(last, first + 1)
        steps.append((first, last))
        first = last
    _EXPANSION = (columns, left, right, name_score, threshold)  # forked workers read it here
    found = _start(_expanded_step, steps, workers, serial_below=2)()
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]


_EXPANSION: Any = None


def _expanded_step(step: tuple[int, int]) -> Pairs:
    columns, left, right, name_score, threshold = _EXPANSION
    first, last = step
    return columns.score(left[first:last], right[first:last], name_score[first:last], threshold)


class _Columns:
    """numpy views of a _Table: mentions grouped by name, births, set ids."""

    def __init__(self, table: _Table) -> None:
        self.name_of = name_of = np.array(table.name_of, dtype=np.int64)
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

    def of(self, mentions: np.ndarray) -> _Columns:
        """The names, births and set ids of these mentions only, numbered 0, 1, ... in order
        (what `_tangled` reads; not grouped by name)."""
        subset = copy.copy(self)
        subset.name_of = self.name_of[mentions]
        subset.dated = self.dated[mentions]
        subset.earliest = self.earliest[mentions]
        subset.latest = self.latest[mentions]
        subset.organisations = self.organisations[mentions]
        subset.cases = self.cases[mentions]
        return subset

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
            count = len(self.sets)
            codes, inverse = np.unique(a[check] * count + b[check], return_inverse=True)
            verdicts = [self._overlap(code // count, code % count) for code in codes.tolist()]
            shared[check] = np.array(verdicts, dtype=bool)[inverse]
        return shared

    def _overlap(self, x: int, y: int) -> bool:
        found = self.overlaps.get((x, y))
        if found is None:
            found = self.overlaps[(x, y)] = bool(self.sets[x] & self.sets[y])
        return found


# --- Union-find --------------------------------------------------------------------------


def _union(pairs: Pairs, columns: _Columns, scores: _NameScores, workers: int = 1) -> np.ndarray:
    """Cluster labels: the union-find of `evaluate.cluster()`, run pair by pair only where it
    can refuse a merge.

    Merges never cross a connected component of the mention pairs, and inside a component
    whose members cannot conflict (birth years within the tolerance, no two names scoring 0)
    no merge is refused, so such a component is one cluster whatever the order of its pairs.
    Only the other, "tangled", components go through the loop; they do not touch each other,
    so `workers` processes run it on shares of them."""
    _, first, second = pairs
    count, component = _components(len(columns.name_of), first, second)
    tangled = _tangled(component, count, columns, scores)
    labels = component.copy()
    inside = tangled[component[first]]
    if inside.any():
        global _LOOP
        step: Pairs = (pairs[0][inside], first[inside], second[inside])
        share = _shares(component[step[1]], workers)
        _LOOP = (step, share, columns, scores)  # forked workers read it from here
        for members, roots in _start(_loop_share, range(workers), workers, serial_below=2)():
            labels[members] = count + roots
    return labels


_LOOP: Any = None


def _shares(owner: np.ndarray, count: int) -> np.ndarray:
    """For pairs in components `owner`: which of `count` shares each goes to, whole
    components per share and the shares about equal in pairs (largest component first, to
    the share with fewest so far)."""
    components, inverse, sizes = np.unique(owner, return_inverse=True, return_counts=True)
    loads = [(0, share) for share in range(count)]
    share_of = np.zeros(len(components), np.int64)
    for position in np.argsort(-sizes, kind="stable").tolist():
        load, share = heapq.heappop(loads)
        share_of[position] = share
        heapq.heappush(loads, (load + int(sizes[position]), share))
    return share_of[inverse]


def _loop_share(share: int) -> tuple[np.ndarray, ...]:
    """The loop on one share of the tangled components: (mentions, the root of each)."""
    (score, first, second), shares, columns, scores = _LOOP
    mine = shares == share
    pairs: Pairs = (score[mine], first[mine], second[mine])
    if not mine.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    scores = copy.copy(scores)  # shares the known scores; scores more in this process only
    scores.workers = 1
    return _greedy(pairs, _joined_first(pairs, columns, scores), columns, scores)


def _components(size: int, first: np.ndarray, second: np.ndarray) -> tuple[int, np.ndarray]:
    graph = coo_matrix((np.ones(len(first), np.int8), (first, second)), shape=(size, size))
    count, found = connected_components(graph, directed=False)
    return count, found.astype(np.int64)


def _joined_first(pairs: Pairs, columns: _Columns, scores: _NameScores) -> list[np.ndarray]:
    """Groups of mentions that the loop is sure to join before it can refuse anything to
    them: the loop takes every pair scoring at least `_SURE` before the others, and a
    component of those pairs whose members cannot conflict becomes one cluster then (as in
    `_union`), whatever its neighbours do."""
    score, first, second = pairs
    sure = score >= _SURE
    if not sure.any():
        return []
    # Numbered among the mentions of these pairs only, not among all mentions.
    members = np.unique(np.concatenate([first[sure], second[sure]]))
    local = columns.of(members)
    count, component = _components(
        len(members),
        np.searchsorted(members, first[sure]),
        np.searchsorted(members, second[sure]),
    )
    untangled = ~_tangled(component, count, local, scores)
    sizes = np.bincount(component, minlength=count)
    kept = np.flatnonzero(untangled[component] & (sizes[component] > 1))
    order = kept[np.argsort(component[kept], kind="stable")]
    bounds = np.flatnonzero(np.diff(component[order])) + 1
    return [members[group] for group in np.split(order, bounds)] if len(order) else []


_SURE = 0.97


def _tangled(
    component: np.ndarray, count: int, columns: _Columns, scores: _NameScores
) -> np.ndarray:
    """Per component: could two of its members conflict? Birth years too far apart, two of
    its names scoring 0 (one name twice, if it scores 0 against itself), or more than
    `_PREFETCH_GROUP` distinct names (left to the loop, which scores their pairs when asked)."""
    dated = columns.dated
    latest_earliest = np.full(count, np.iinfo(np.int64).min)
    earliest_latest = np.full(count, np.iinfo(np.int64).max)
    np.maximum.at(latest_earliest, component[dated], columns.earliest[dated])
    np.minimum.at(earliest_latest, component[dated], columns.latest[dated])
    tangled = latest_earliest.astype(np.float64) - earliest_latest > BIRTH_YEAR_TOLERANCE
    names = len(scores.names)
    entries, repeats = np.unique(component * names + columns.name_of, return_counts=True)
    owner, name = entries // names, entries % names
    distinct = np.bincount(owner, minlength=count)
    tangled |= distinct > _PREFETCH_GROUP
    twice = np.flatnonzero(repeats > 1)
    alone = [scores(n, n) == 0.0 for n in name[twice].tolist()]
    tangled[owner[twice[np.array(alone, dtype=bool)]]] = True
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    starts = starts[(distinct[owner[starts]] > 1) & ~tangled[owner[starts]]]
    tangled[_with_different_names(owner, name, starts, distinct[owner[starts]], scores)] = True
    return tangled


def _with_different_names(
    owner: np.ndarray, name: np.ndarray, starts: np.ndarray, sizes: np.ndarray, scores: _NameScores
) -> np.ndarray:
    """The components, among those whose distinct names (`name`, grouped by `owner`, sorted)
    begin at `starts`, in which two names score 0; scores the pairs not yet known."""
    lefts, rights, owners = [], [], []
    for size in np.unique(sizes).tolist():
        chosen = starts[sizes == size]
        block = name[chosen[:, None] + np.arange(size)]  # ascending within each row
        left, right = np.triu_indices(size, 1)
        lefts.append(block[:, left].ravel())
        rights.append(block[:, right].ravel())
        owners.append(np.repeat(owner[chosen], len(left)))
    if not owners:
        return np.zeros(0, np.int64)
    wanted = list(zip(np.concatenate(lefts).tolist(), np.concatenate(rights).tolist(), strict=True))
    scores.add([pair for pair in dict.fromkeys(wanted) if pair not in scores.known])
    known = scores.known
    zero = np.array([known[pair] == 0.0 for pair in wanted], dtype=bool)
    return np.concatenate(owners)[zero]


_PREFETCH_GROUP = 64


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
    known = scores.known
    for x in left.names:
        for y in right.names:
            score = known.get((x, y) if x <= y else (y, x))
            if (scores(x, y) if score is None else score) == 0.0:
                return True
    return False


def _greedy(
    pairs: Pairs, joined: list[np.ndarray], columns: _Columns, scores: _NameScores
) -> tuple[np.ndarray, ...]:
    """Union-find from the best pair down, refusing a merge that would join a conflict,
    starting from the `joined` groups of mentions: the mentions of the pairs, and the root
    each ends up under."""
    score, first, second = pairs
    order = np.lexsort((second, first, score))[::-1]  # best first, as sorted(reverse=True)
    members = np.unique(np.concatenate([first, second]))
    parent = list(range(len(members)))
    clusters: dict[int, _Cluster] = {}

    def cluster_of(i: int) -> _Cluster:
        found = clusters.get(i)
        if found is None:
            m = members[i]
            birth = (int(columns.earliest[m]), int(columns.latest[m])) if columns.dated[m] else None
            found = clusters[i] = _Cluster(int(columns.name_of[m]), birth)
        return found

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for group in joined:
        local = np.searchsorted(members, group).tolist()
        head = cluster_of(local[0])
        for i in local[1:]:
            head.absorb(cluster_of(i))
            del clusters[i]
            parent[i] = local[0]
    left_of = np.searchsorted(members, first[order])
    right_of = np.searchsorted(members, second[order])
    # Clusters only grow, so two that conflict once conflict for good: remember the pair of
    # roots refused rather than compare their members again for each pair across them.
    refused: set[tuple[int, int]] = set()
    for start in range(0, len(order), _UNION_STEP):
        i_step, j_step = left_of[start : start + _UNION_STEP], right_of[start : start + _UNION_STEP]
        # Joined clusters stay joined: drop the pairs already inside one, all at once.
        roots = _roots(np.array(parent, dtype=np.int64))
        apart = roots[i_step] != roots[j_step]
        i_step, j_step = i_step[apart], j_step[apart]
        parent = roots.tolist()
        for i, j in zip(i_step.tolist(), j_step.tolist(), strict=True):
            left, right = root(i), root(j)
            if left == right or (left, right) in refused:
                continue
            if _conflict(cluster_of(left), cluster_of(right), scores):
                refused.add((left, right))
                refused.add((right, left))
                continue
            if clusters[left].size < clusters[right].size:
                left, right = right, left
            parent[right] = left
            clusters[left].absorb(clusters.pop(right))
    return members, members[[root(i) for i in range(len(parent))]]


_UNION_STEP = 100_000


def _roots(parent: np.ndarray) -> np.ndarray:
    """Every element's root under `parent` (pointer jumping)."""
    while True:
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return parent
        parent = jumped


# --- Workers -----------------------------------------------------------------------------


def _start(
    function: Any, items: Sequence[Any], workers: int, serial_below: int | None = None
) -> Callable[[], list[Any]]:
    """Start map() on `workers` forked processes and return what waits for its results, so
    that the main process can work meanwhile; map() in this process, when called, if the
    items are fewer than `serial_below` (default `_CHUNK`): processes are worth it only when
    the work per item is large (parsing, scoring) and the items many."""
    if workers <= 1 or len(items) < (_CHUNK if serial_below is None else serial_below):
        return lambda: [function(item) for item in items]
    pool = multiprocessing.get_context("fork").Pool(workers)
    pending = pool.map_async(function, items, chunksize=max(1, len(items) // (workers * 8)))

    def results() -> list[Any]:
        try:
            return pending.get()
        finally:
            pool.terminate()

    return results
