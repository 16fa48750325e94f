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

With `workers` > 1, spawned worker processes (`hosts.Hosts`) parse the names, compute their
keys and what comparing them needs, and then hold every parsed name for the rest of the
run: they score name pairs, expand them to mention pairs and run the loop (on shares of
whole tangled components, which never touch each other), while the main process keeps only
numbers (which name each mention has, births, set ids, scores) and does what does not
depend on their results. The clusters are the same as with one process.

One deliberate difference: a block is "too common" when more than `MAX_BLOCK` distinct
names share its key, not more than `MAX_BLOCK` mentions, so a much-reported person is not
dropped from his own blocks. Cluster labels are arbitrary integers; the clusters are the
same.
"""

from __future__ import annotations

import copy
import gc
import heapq
import pickle
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
    name_score,
)
from casebook.resolve.evaluate import DEFAULT_THRESHOLD, MAX_BLOCK
from casebook.resolve.hosts import Hosts
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
# Worker processes take a second or two to start and load the romanisation tables: below
# this many mentions one process is faster.
SPAWN_FROM = 50_000

Birth = tuple[int, int] | None
Named = tuple[NameFields, str]  # a distinct name's fields and its first written text


def resolve_mentions(
    records: Sequence[Mapping[str, Any]],
    threshold: float = DEFAULT_THRESHOLD,
    workers: int = 1,
) -> list[int]:
    """Cluster mention records ({"name", "age", "age_date", "organisations", "cases"}),
    parsing each distinct written name once; clusters as `evaluate.cluster()` makes them."""
    with _without_cyclic_gc(), Hosts(_Host, _host_count(len(records), workers)) as hosts:
        return _table_of(records, hosts).cluster(threshold, hosts)


def _host_count(mentions: int, workers: int) -> int:
    return workers if mentions >= SPAWN_FROM else 1


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector: a run allocates millions of objects and no cycles, and
    each full collection would walk them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _table_of(records: Sequence[Mapping[str, Any]], hosts: Hosts[_Host]) -> _Table:
    texts = [str(record["name"]) for record in records]
    positions = _by_hash(texts, hosts.count)  # so each written name is parsed once
    shares = [[texts[p] for p in mine.tolist()] for mine in positions]
    hosts.send("parse", [(share,) for share in shares])
    table = _Table()
    table.add_contexts(records)  # while the hosts parse: contexts do not depend on names
    # The hosts' distinct names, numbered here in the order the hosts give them; each keeps
    # the fields and text of its first mention, as `PersonName` equality would.
    parsed = hosts.receive()
    hosts.send("warm_up", [()] * hosts.count)
    ids: dict[tuple[Any, ...], int] = {}
    earliest: list[int] = []  # each name's first mention
    table.name_of = name_of = np.zeros(len(texts), np.int64)
    for mine, share, (local, found, firsts) in zip(positions, shares, parsed, strict=True):
        mapping = np.fromiter(
            (ids.setdefault(fields[:4], len(ids)) for fields in found), np.int64, len(found)
        )
        starts = mine[np.array(firsts, dtype=np.int64)].tolist()
        for fields, first, start, name in zip(found, firsts, starts, mapping.tolist(), strict=True):
            if name == len(table.named):
                table.named.append((fields, share[first]))
                earliest.append(start)
            elif start < earliest[name]:
                table.named[name] = (fields, share[first])
                earliest[name] = start
        name_of[mine] = mapping[local]
    hosts.receive()
    return table


def _by_hash(values: Sequence[Any], count: int) -> list[np.ndarray]:
    """The positions of `values` in `count` shares, equal values in one share (by hash)."""
    if count == 1:
        return [np.arange(len(values))]
    share_of = np.fromiter((hash(value) % count for value in values), np.int64, len(values))
    return [np.flatnonzero(share_of == k) for k in range(count)]


def _split(items: Any, count: int) -> list[Any]:
    """`items` in `count` consecutive shares of about equal length."""
    bounds = [len(items) * k // count for k in range(count + 1)]
    return [items[bounds[k] : bounds[k + 1]] for k in range(count)]


def _birth(when: str | None, age: Any) -> Birth:
    """Earliest and latest birth year that an age on an ISO date implies, as
    `MentionContext.birth_years` gives them."""
    if not when or age is None:
        return None
    latest = date.fromisoformat(when).year - int(age)
    return latest - 1, latest


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
    with _without_cyclic_gc(), Hosts(_Host, _host_count(len(mentions), workers)) as hosts:
        return table.cluster(threshold, hosts)


class _Table:
    """Mentions as columns: name id, birth-year range, organisation and case set ids."""

    def __init__(self) -> None:
        self.names: dict[PersonName, int] = {}  # names already parsed (`add`)
        self.named: list[Named] = []  # by name id
        self.sets: dict[frozenset[str], int] = {frozenset(): 0}
        self.name_of: list[int] | np.ndarray = []
        self.births: dict[Birth, int] = {None: 0}  # distinct birth-year ranges
        self.birth_of: list[int] = []
        self.organisations: list[int] = []
        self.cases: list[int] = []

    def add(
        self, name: PersonName, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        assert isinstance(self.name_of, list)
        number = self.names.setdefault(name, len(self.names))
        if number == len(self.named):
            self.named.append((_fields(name), name.text))
        self.name_of.append(number)
        self._add_context(birth, organisations, cases)

    def _add_context(
        self, birth: Birth, organisations: frozenset[str], cases: frozenset[str]
    ) -> None:
        self.birth_of.append(self.births.setdefault(birth, len(self.births)))
        self.organisations.append(self.sets.setdefault(organisations, len(self.sets)))
        self.cases.append(self.sets.setdefault(cases, len(self.sets)))

    def add_contexts(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Birth years, organisations and cases of mention records (their names come apart),
        each distinct age and date, and each distinct list, converted once."""
        birth_ids: dict[tuple[Any, Any], int] = {}
        set_ids: dict[Any, int] = {}
        births, birth_of = self.births, self.birth_of
        organisations, cases = self.organisations, self.cases
        for record in records:
            get = record.get
            key = (get("age_date"), get("age"))
            birth = birth_ids.get(key)
            if birth is None:
                birth = birth_ids[key] = births.setdefault(_birth(*key), len(births))
            birth_of.append(birth)
            listed = get("organisations")
            organisations.append(self._set_id(set_ids, "o", listed) if listed else 0)
            listed = get("cases")
            cases.append(self._set_id(set_ids, "c", listed) if listed else 0)

    def _set_id(self, seen: dict[Any, int], kind: str, values: Any) -> int:
        """The id of a record's organisations (casefolded) or cases as a set."""
        key = (kind, *values)
        found = seen.get(key)
        if found is None:
            if kind == "o":
                members = frozenset(str(value).casefold() for value in values)
            else:
                members = frozenset(str(value) for value in values)
            found = seen[key] = self.sets.setdefault(members, len(self.sets))
        return found

    def cluster(self, threshold: float, hosts: Hosts[_Host]) -> list[int]:
        # Names with the same characters (or, without, the same romanised name) go to one
        # host, which caches what that part gives (names.py) instead of both computing it;
        # hashing spreads the costly names (characters) as evenly as the others.
        count = hosts.count
        parts = [c or (f, g) for (c, f, g, _, _), _ in self.named]
        shares = [share.tolist() for share in _by_hash(parts, count)]
        exported = count > 1  # the other hosts will need these names
        arguments = [(share, [self.named[n] for n in share], exported) for share in shares]
        hosts.send("derive", arguments)
        columns = _Columns(self)  # while the hosts compute keys
        entries = _KeyEntries(len(self.named))
        blobs = []
        for share, (distinct, local, counts, blob) in zip(shares, hosts.receive(), strict=True):
            entries.add(share, distinct, local, counts)
            blobs.append(blob)
        # Every host gets every name (what the others derived comes pickled) and the columns.
        others = [[blob for k, blob in enumerate(blobs) if k != me] for me in range(count)]
        hosts.send("adopt", [(len(self.named), theirs, columns) for theirs in others])
        left, right = entries.candidates(columns.count)  # while the hosts adopt
        hosts.receive()
        scores = _NameScores(len(self.named), _scoring_on(hosts))
        scores.add(left, right)
        pairs = _scored_mention_pairs(columns, scores, threshold, hosts)
        return _union(pairs, columns, scores, hosts).tolist()


# --- Names -------------------------------------------------------------------------------


class _NameScores:
    """`name_score(a, b)` for pairs of distinct names, computed once each, known by the code
    a * size + b (a <= b); `score_pairs` computes them (here, or on the hosts)."""

    def __init__(
        self,
        size: int,
        score_pairs: Callable[[np.ndarray, np.ndarray], np.ndarray],
        score_one: Callable[[int, int], float] | None = None,
    ) -> None:
        self.size = size
        self.score_pairs = score_pairs
        self.score_one = score_one or (
            lambda a, b: float(score_pairs(np.array([a]), np.array([b]))[0])
        )
        self.known: dict[int, float] = {}

    def codes(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.minimum(left, right) * self.size + np.maximum(left, right)

    def add(self, left: np.ndarray, right: np.ndarray) -> None:
        """Score the pairs (left[k], right[k]) not yet known."""
        codes = np.unique(self.codes(left, right))
        known = self.known
        if known:
            codes = codes[np.fromiter((c not in known for c in codes.tolist()), bool, len(codes))]
        if len(codes):
            found = self.score_pairs(codes // self.size, codes % self.size)
            known.update(zip(codes.tolist(), found.tolist(), strict=True))

    def of(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The scores of these pairs, scoring those not yet known."""
        self.add(left, right)
        known = self.known
        codes = self.codes(left, right).tolist()
        return np.fromiter((known[c] for c in codes), np.float64, len(codes))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The known codes and their scores."""
        known = self.known
        return (
            np.fromiter(known.keys(), np.int64, len(known)),
            np.fromiter(known.values(), np.float64, len(known)),
        )

    def __call__(self, a: int, b: int) -> float:
        code = a * self.size + b if a <= b else b * self.size + a
        score = self.known.get(code)
        if score is None:
            score = self.known[code] = self.score_one(a, b)
        return score


def _scoring_on(hosts: Hosts[_Host]) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Score name pairs on the hosts, an equal share each."""

    def score_pairs(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        shares = list(zip(_split(left, hosts.count), _split(right, hosts.count), strict=True))
        return np.concatenate(hosts.call("score", shares))

    return score_pairs


class _Host:
    """What one worker holds for a run: every parsed name by id (with its sounds and pinyin)
    and the mention columns. Each method is one step of `_Table.cluster`."""

    def __init__(self) -> None:
        syllable_inventory()  # what parsing needs; `warm_up` loads the rest
        surname_spellings()
        self.names: dict[int, PersonName] = {}
        self.size = 0
        self.columns: _Columns | None = None

    def warm_up(self) -> None:
        """Load what keys and comparisons need (about a second), while the main process
        numbers the parsed names."""
        _warm_up()

    def parse(self, texts: list[str]) -> tuple[np.ndarray, list[NameFields], list[int]]:
        """The distinct names of these written names (by their fields but titles, as
        `PersonName` compares them), the position of each one's first text, and each text's
        name. Each distinct text is parsed once."""
        positions: dict[str, int] = {}
        text_of = [positions.setdefault(text, len(positions)) for text in texts]
        ids: dict[tuple[Any, ...], int] = {}
        found: list[NameFields] = []
        name_of_text = []
        for text in positions:
            fields = parse_fields(text)
            number = ids.setdefault(fields[:4], len(ids))
            if number == len(found):
                found.append(fields)
            name_of_text.append(number)
        local = np.array(name_of_text, dtype=np.int64)[np.array(text_of, dtype=np.int64)]
        _, firsts = np.unique(local, return_index=True)
        return local, found, firsts.tolist()

    def derive(
        self, share: list[int], named: list[Named], exported: bool
    ) -> tuple[list[str], Any, Any, bytes]:
        """Build the names `share` and compute what comparing them needs; their distinct
        keys, each name's keys as numbers into those, and how many each has (keys go back
        once per share, not per name); and, if `exported`, the names for the other hosts."""
        local: dict[str, int] = {}
        numbers: list[int] = []
        counts: list[int] = []
        for number, (fields, text) in zip(share, named, strict=True):
            name = self.names[number] = PersonName(*fields, text=text)
            its_keys = keys(name)
            counts.append(len(its_keys))
            numbers.extend([local.setdefault(key, len(local)) for key in its_keys])
            derived(name)
        blob = self._export(share) if exported else b""
        return list(local), np.array(numbers, np.int64), np.array(counts, np.int64), blob

    def _export(self, share: list[int]) -> bytes:
        """These names, with what `derived()` gave, for the other hosts."""
        names = [self.names[number] for number in share]
        return pickle.dumps(
            (share, [(_fields(n), n.text, derived(n)) for n in names]),
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    def adopt(self, size: int, blobs: list[bytes], columns: _Columns) -> None:
        """Take the other hosts' names (`derive`), the number of names and the columns."""
        for blob in blobs:
            share, found = pickle.loads(blob)
            its_derived: Derived
            fields: NameFields
            for number, (fields, text, its_derived) in zip(share, found, strict=True):
                name = self.names[number] = PersonName(*fields, text=text)
                keep_derived(name, its_derived)
        self.size = size
        self.columns = columns

    def score(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        names = self.names
        found = [
            name_score(names[a], names[b])
            for a, b in zip(left.tolist(), right.tolist(), strict=True)
        ]
        return np.array(found, dtype=np.float64)

    def score_one(self, a: int, b: int) -> float:
        return name_score(self.names[a], self.names[b])

    def expand(
        self, left: np.ndarray, right: np.ndarray, name_score: np.ndarray, threshold: float
    ) -> Pairs:
        """`_Columns.score` of these name pairs, about `_PAIRS_PER_STEP` mention pairs at a
        time."""
        assert self.columns is not None
        columns = self.columns
        found = [
            columns.score(left[a:b], right[a:b], name_score[a:b], threshold)
            for a, b in _steps(columns.count[left] * columns.count[right])
        ]
        if not found:
            return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]

    def loop(self, pairs: Pairs, codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        """The pair-by-pair loop on one share of the tangled components, given the name
        scores known so far: (mentions, the root of each)."""
        assert self.columns is not None
        if not len(pairs[0]):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        scores = _NameScores(self.size, self.score, self.score_one)
        scores.known = dict(zip(codes.tolist(), values.tolist(), strict=True))
        joined = _joined_first(pairs, self.columns, scores)
        return _greedy(pairs, joined, self.columns, scores)


def _fields(name: PersonName) -> NameFields:
    return name.chinese, name.family, name.given, name.english, name.titles


def _warm_up() -> None:
    """Load the romanisation tables and converters once, up front."""
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
    left, right = entries.candidates(mentions)
    return list(zip(left.tolist(), right.tolist(), strict=True))


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

    def candidates(self, mentions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
        return codes // count, codes % count


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
    columns: _Columns, scores: _NameScores, threshold: float, hosts: Hosts[_Host]
) -> Pairs:
    """(score, i, j), i < j, for every mention pair scoring at least the threshold with its
    context, expanded from the name pairs whose score context could lift that far, on the
    hosts (shares about equal in mention pairs)."""
    codes, name_score = scores.arrays()
    levels = np.unique(name_score)
    liftable = [s > 0.0 and _rescale(float(s), MOST_CONTEXT) >= threshold for s in levels]
    usable = np.isin(name_score, levels[np.array(liftable, dtype=bool)])
    if not usable.any():
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes, name_score = codes[usable], name_score[usable]
    left, right = codes // scores.size, codes % scores.size
    ends = np.cumsum(columns.count[left] * columns.count[right])
    bounds = np.searchsorted(ends, ends[-1] * np.arange(1, hosts.count) / hosts.count)
    shares = np.split(np.arange(len(left)), bounds)
    found = hosts.call("expand", [(left[k], right[k], name_score[k], threshold) for k in shares])
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]


def _steps(totals: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive ranges of items with about `_PAIRS_PER_STEP` of `totals` each (at least
    one item each)."""
    ends = np.cumsum(totals)
    steps = []
    first = 0
    while first < len(totals):
        last = int(np.searchsorted(ends, ends[first] - totals[first] + _PAIRS_PER_STEP, "right"))
        last = max(last, first + 1)
        steps.append((first, last))
        first = last
    return steps


class _Columns:
    """numpy views of a _Table: mentions grouped by name, births, set ids."""

    def __init__(self, table: _Table) -> None:
        self.name_of = name_of = np.array(table.name_of, dtype=np.int64)
        self.by_name = np.argsort(name_of, kind="stable")  # positions, ascending within a name
        self.count = np.bincount(name_of, minlength=len(table.named))
        self.start = np.cumsum(self.count) - self.count
        births = list(table.births)
        birth_of = np.array(table.birth_of, dtype=np.int64)
        self.dated = np.array([b is not None for b in births])[birth_of]
        self.earliest = np.array([b[0] if b else 0 for b in births], dtype=np.int64)[birth_of]
        self.latest = np.array([b[1] if b else 0 for b in births], dtype=np.int64)[birth_of]
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
        levels, level_of = _levels(score)
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
            codes, inverse = _levels(a[check] * count + b[check])
            verdicts = [self._overlap(code // count, code % count) for code in codes.tolist()]
            shared[check] = np.array(verdicts, dtype=bool)[inverse]
        return shared

    def _overlap(self, x: int, y: int) -> bool:
        found = self.overlaps.get((x, y))
        if found is None:
            found = self.overlaps[(x, y)] = bool(self.sets[x] & self.sets[y])
        return found


# --- Union-find --------------------------------------------------------------------------


def _union(pairs: Pairs, columns: _Columns, scores: _NameScores, hosts: Hosts[_Host]) -> np.ndarray:
    """Cluster labels: the union-find of `evaluate.cluster()`, run pair by pair only where it
    can refuse a merge.

    Merges never cross a connected component of the mention pairs, and inside a component
    whose members cannot conflict (birth years within the tolerance, no two names scoring 0)
    no merge is refused, so such a component is one cluster whatever the order of its pairs.
    Only the other, "tangled", components go through the loop; they do not touch each other,
    so the hosts run it on shares of them."""
    _, first, second = pairs
    count, component = _components(len(columns.name_of), first, second)
    tangled = _tangled(component, count, columns, scores)
    labels = component.copy()
    inside = tangled[component[first]]
    if inside.any():
        step: Pairs = (pairs[0][inside], first[inside], second[inside])
        share = _shares(component[step[1]], hosts.count)
        codes, values = scores.arrays()
        mine = [share == k for k in range(hosts.count)]
        arguments = [((step[0][m], step[1][m], step[2][m]), codes, values) for m in mine]
        for members, roots in hosts.call("loop", arguments):
            labels[members] = count + roots
    return labels


def _shares(owner: np.ndarray, count: int) -> np.ndarray:
    """For pairs in components `owner`: which of `count` shares each goes to, whole
    components per share and the shares about equal in pairs (largest component first, to
    the share with fewest so far)."""
    components, inverse = _levels(owner)
    sizes = np.bincount(inverse, minlength=len(components))
    loads = [(0, share) for share in range(count)]
    share_of = np.zeros(len(components), np.int64)
    for position in np.argsort(-sizes, kind="stable").tolist():
        load, share = heapq.heappop(loads)
        share_of[position] = share
        heapq.heappush(loads, (load + int(sizes[position]), share))
    return share_of[inverse]


def _levels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)`, several times faster: a sort of the values,
    then a binary search for each among the distinct ones."""
    distinct = np.unique(values)
    return distinct, np.searchsorted(distinct, values)


def _best_first(
    score: np.ndarray, first: np.ndarray, second: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs' mentions (first, second) by score, then first, then second, all
    descending, as `sorted(reverse=True)` gives them. Sorting one combined key (when it fits
    in 63 bits) is several times faster than sorting on three."""
    levels, level = _levels(score)
    if len(levels) * size * size >= 2**63:
        order = np.lexsort((second, first, score))[::-1]
        return first[order], second[order]
    key = np.sort((level.astype(np.int64) * size + first) * size + second)[::-1]
    return key // size % size, key % size


def _renumbered(size: int, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct mentions (of `size`) in these pairs, ascending, and for every mention
    its position among them (what np.unique and searchsorted give, in linear time)."""
    seen = np.zeros(size, dtype=bool)
    seen[first] = True
    seen[second] = True
    return np.flatnonzero(seen), np.cumsum(seen) - 1


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
    members, number = _renumbered(len(columns.name_of), first[sure], second[sure])
    local = columns.of(members)
    count, component = _components(len(members), number[first[sure]], number[second[sure]])
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
    names = scores.size
    entries, repeats = np.unique(component * names + columns.name_of, return_counts=True)
    owner, name = entries // names, entries % names
    distinct = np.bincount(owner, minlength=count)
    tangled |= distinct > _PREFETCH_GROUP
    twice = np.flatnonzero(repeats > 1)
    alone = scores.of(name[twice], name[twice]) == 0.0
    tangled[owner[twice[alone]]] = True
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
    zero = scores.of(np.concatenate(lefts), np.concatenate(rights)) == 0.0
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
    known, size = scores.known, scores.size
    for x in left.names:
        for y in right.names:
            score = known.get(x * size + y if x <= y else y * size + x)
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
    members, number = _renumbered(len(columns.name_of), first, second)
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

    if joined:
        parent = _join_groups(joined, members, number, columns, clusters)
    left_of, right_of = (number[m] for m in _best_first(score, first, second, len(number)))
    # Clusters only grow, so two that conflict once conflict for good: remember the pair of
    # roots refused rather than compare their members again for each pair across them.
    # (A pair of roots is known by the code low * size + high.)
    refused: set[int] = set()
    size = len(members)
    for start in range(0, len(left_of), _UNION_STEP):
        i_step, j_step = left_of[start : start + _UNION_STEP], right_of[start : start + _UNION_STEP]
        # Joined clusters stay joined, refused ones apart: drop those pairs all at once.
        roots = _roots(np.array(parent, dtype=np.int64))
        i_root, j_root = roots[i_step], roots[j_step]
        apart = i_root != j_root
        if refused:
            codes = np.minimum(i_root, j_root) * size + np.maximum(i_root, j_root)
            apart &= ~np.isin(codes, np.fromiter(refused, np.int64, len(refused)))
        i_step, j_step = i_step[apart], j_step[apart]
        parent = roots.tolist()
        for i, j in zip(i_step.tolist(), j_step.tolist(), strict=True):
            left, right = parent[i], parent[j]  # the roots, mostly: `parent` was flattened
            if parent[left] != left:
                left = root(left)
            if parent[right] != right:
                right = root(right)
            if left == right:
                continue
            code = left * size + right if left < right else right * size + left
            if code in refused:
                continue
            if _conflict(cluster_of(left), cluster_of(right), scores):
                refused.add(code)
                continue
            if clusters[left].size < clusters[right].size:
                left, right = right, left
            parent[right] = left
            clusters[left].absorb(clusters.pop(right))
    return members, members[_roots(np.array(parent, dtype=np.int64))]


_UNION_STEP = 100_000


def _join_groups(
    joined: list[np.ndarray],
    members: np.ndarray,
    number: np.ndarray,
    columns: _Columns,
    clusters: dict[int, _Cluster],
) -> list[int]:
    """Make each group of mentions one cluster, under its first member (an entry in
    `clusters`): the parent of each member (numbered by `number`, among `members`)."""
    sizes = np.array([len(group) for group in joined])
    starts = np.cumsum(sizes) - sizes
    local = number[np.concatenate(joined)]
    heads = local[starts]
    parent = np.arange(len(members))
    parent[local] = np.repeat(heads, sizes)
    mentions = members[local]
    dated = columns.dated[mentions]
    earliest = np.where(dated, columns.earliest[mentions], np.iinfo(np.int64).min)
    latest = np.where(dated, columns.latest[mentions], np.iinfo(np.int64).max)
    any_dated = np.logical_or.reduceat(dated, starts).tolist()
    latest_earliest = np.maximum.reduceat(earliest, starts).tolist()
    earliest_latest = np.minimum.reduceat(latest, starts).tolist()
    names = np.split(columns.name_of[mentions], starts[1:])
    for k, head in enumerate(heads.tolist()):
        cluster = clusters[head] = _Cluster(0, None)
        cluster.size = int(sizes[k])
        cluster.names = set(names[k].tolist())
        if any_dated[k]:
            cluster.latest_earliest = latest_earliest[k]
            cluster.earliest_latest = earliest_latest[k]
    return parent.tolist()


def _roots(parent: np.ndarray) -> np.ndarray:
    """Every element's root under `parent` (pointer jumping)."""
    while True:
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return parent
        parent = jumped
