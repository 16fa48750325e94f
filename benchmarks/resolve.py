"""Benchmark person resolution: casebook against a plain Splink (DuckDB) deduplication.

    .venv/bin/python benchmarks/resolve.py                       # 1,000,000 mentions
    .venv/bin/python benchmarks/resolve.py --mentions 100000 --identities 10000

Generates person mentions of fictional identities with the variant generators of
tests/data/resolve/make_data.py (hyphen / space / run-together given names, family name
first or last, LAI / Lai / all capitals, comma order, honorifics, an English given name
added or dropped, Chinese characters alone, with or without Latin text, Traditional or
Simplified, Jyutping), plus another Hong Kong spelling of a given syllable (Chee / Chi) in 5%
of mentions and a typing slip in 0.5%. As in make_data's clusters, no two identities share
a spelling (romanised name, English + family name, characters) unless they are namesakes:
a share of identities (--namesakes) copy another's romanised name, with the same or
homophone characters, born 8 to 30 years apart; their mentions, and their originals',
always give an age. Ages at event dates are consistent per identity. English given names
are given to 60% of identities when that English + family name is still free.

Each resolver runs in a fresh child process that reads the same mentions from a file and
reports its own peak RSS (resource.getrusage) and that of its largest worker. Timing
covers resolution only (mentions in memory → cluster labels); CPU time (user + system, the
process's threads and its workers) is printed too, since on a shared machine it drifts
less than wall time. F1 is pairwise over mention pairs against the generated identities.
Splink is "plain": the written name is cleaned (lower case, common titles dropped) and
split into surname and given name by a simple rule (`split_name`: the word before a comma,
else the one word in capitals, else the word beside a hyphenated given name, else the
first word); characters, birth year (event year - age), organisation and case are
columns; Splink's own comparisons (Jaro-Winkler on the surname, Levenshtein on the given
name, exact on the rest), six blocking rules (`SPLINK_BLOCKING`), the match probability of
two random records from a deterministic rule, u by random sampling, m by EM (blocked on
surname + given name, then on case), clusters at match probability 0.95. None of
casebook's name parsing or sound folding.
Splink is a benchmark dependency only (`splink==5.0.0`), not one of casebook's.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "data" / "resolve"))

import make_data as md  # noqa: E402  (the labelled set's generators, reused)

from casebook.resolve.evaluate import pairwise  # noqa: E402

# More surnames (character, HK spelling) and English given names than the labelled set has,
# so 100,000 identities can keep their spellings apart. Written for this benchmark.
MORE_SURNAMES = [
    ("汪", "Wong"), ("蔣", "Cheung"), ("賀", "Ho"), ("伍", "Ng"), ("鄒", "Chau"), ("林", "Lam"),
    ("羅", "Lo"), ("卓", "Cheuk"), ("葛", "Kot"), ("邱", "Yau"), ("游", "Yau"), ("孔", "Hung"),
    ("洪", "Hung"), ("廖", "Liu"), ("梅", "Mui"), ("顏", "Ngan"), ("魏", "Ngai"), ("翁", "Yung"),
    ("溫", "Wan"), ("甘", "Kam"), ("金", "Kam"), ("侯", "Hau"), ("范", "Fan"), ("駱", "Lok"),
    ("冼", "Sin"), ("簡", "Kan"), ("嚴", "Yim"), ("杜", "To"), ("傅", "Fu"), ("白", "Pak"),
    ("柯", "Or"), ("孫", "Suen"), ("鄺", "Kwong"), ("曹", "Tso"), ("薛", "Sit"), ("夏", "Ha"),
    ("凌", "Ling"), ("童", "Tung"), ("聶", "Nip"), ("霍", "Fok"), ("錢", "Chin"), ("衛", "Wai"),
    ("車", "Che"), ("程", "Ching"), ("成", "Shing"), ("田", "Tin"), ("向", "Heung"),
    ("祝", "Chuk"), ("苗", "Miu"), ("崔", "Chui"), ("龍", "Lung"), ("韓", "Hon"), ("文", "Man"),
    ("萬", "Man"), ("古", "Koo"), ("胡", "Wu"), ("丁", "Ting"), ("湯", "Tong"), ("雷", "Lui"),
    ("容", "Yung"), ("尹", "Wan"), ("康", "Hong"), ("單", "Sin"), ("陶", "To"), ("沈", "Shum"),
    ("毛", "Mo"), ("鐘", "Chung"), ("阮", "Yuen"), ("源", "Yuen"), ("賴", "Lai"), ("邵", "Siu"),
    ("關", "Kwan"), ("湛", "Cham"), ("上官", "Sheungkoon"), ("諸葛", "Chukot"),
]  # fmt: skip
MORE_ENGLISH = """
    Aaron Adrian Alfred Alison Amos Andrea Angel Angus Anita Annie Arthur Audrey Barry Bella
    Benson Bernice Bonnie Boris Brandon Brenda Brian Bruce Calvin Candy Carmen Carol Carson
    Catherine Cecilia Cedric Charlotte Chester Chloe Christy Clara Clement Clifford Colin
    Connie Daisy Damian Daphne Darren Dickson Dominic Donald Doris Douglas Edith Edmond Edwin
    Elaine Eleanor Elsa Elvis Enoch Eric Erica Ernest Esther Ethan Eugene Eunice Evelyn Fanny
    Flora Florence Francis Freddie Gabriel Gary Gavin Gilbert Gloria Grace Gregory Hannah
    Harold Helena Henry Herbert Hilda Horace Howard Hugo Ian Irene Isaac Ivan Jackson Jacqueline
    Jason Jeffrey Jerome Jessie Joanne Jonathan Josephine Joyce Julian Justin Kathy Keith
    Kenneth Kevin Kitty Lawrence Leo Leonard Leslie Lilian Lorraine Louis Lucas Lydia Mabel
    Marcus Marian Matthew Maurice Melody Michelle Miranda Monica Morris Nelson Nicholas Noel
    Norman Olivia Patrick Pauline Percy Phoebe Quincy Rachel Regina Rex Rita Roger Ronald
    Rosalind Roy Ruby Rupert Sabrina Samson Sandra Selina Sharon Sidney Simon Sophia Stella
    Stephanie Sunny Sylvia Terence Teresa Thomas Timothy Tracy Trevor Ursula Valerie Vanessa
    Veronica Victor Vivian Wallace Walter Wilson Winston Yolanda Zachary Zoe
""".split()  # noqa: SIM905

SURNAMES = md.SURNAMES + [s for s in MORE_SURNAMES if s not in md.SURNAMES]
ENGLISH = list(dict.fromkeys(md.ENGLISH + MORE_ENGLISH))
ALTERNATIVE_SPELLING_RATE = 0.05
TYPO_RATE = 0.005


# --- The generated set --------------------------------------------------------------------


def identities(count: int, namesake_share: float, rng: random.Random) -> list[md.Person]:
    """Fictional people whose spellings are their own, plus namesakes of some of them."""
    people: list[md.Person] = []
    taken: set[tuple[str, object]] = set()
    originals = count - int(count * namesake_share)
    while len(people) < originals:
        p = _person(rng, len(people))
        spellings = {(p.family, p.given), (p.chinese, None)}
        if spellings & taken:
            continue
        p = _with_english(p, taken, rng)
        taken |= spellings | ({(p.family, p.english)} if p.english else set())
        people.append(p)
    for original in rng.sample(people, count - originals):
        people.append(md.namesake(original, rng, same_chars=rng.random() < 0.5))
    return people


def _person(rng: random.Random, number: int) -> md.Person:
    family_chars, family = rng.choice(SURNAMES)
    picks = rng.sample(md.GIVEN, 1 if rng.random() < 0.12 else 2)
    return md.Person(
        id=f"p{number:06d}",
        family_chars=family_chars,
        family=family,
        given_chars="".join(c for c, _ in picks),
        given=tuple(spellings[0] for _, spellings in picks),
        english=None,
        born=rng.randint(1945, 2006),
        organisations=tuple(rng.sample(md.ORGANISATIONS, rng.randint(1, 2))),
        cases=(f"case-{number:06d}",) if rng.random() < 0.5 else (),
    )


def _with_english(p: md.Person, taken: set[tuple[str, object]], rng: random.Random) -> md.Person:
    if rng.random() >= 0.6:
        return p
    for english in rng.sample(ENGLISH, 5):
        if (p.family, english) not in taken:
            return replace(p, english=english)
    return p


def mentions(
    people: list[md.Person], count: int, rng: random.Random
) -> Iterator[dict[str, object]]:
    """`count` mentions: each identity at least once, the rest drawn at random."""
    namesakes = {p.id for p in people if p.id.endswith("x")}
    namesakes |= {p.id[:-1] for p in people if p.id.endswith("x")}
    picks = list(range(len(people))) + [
        rng.randrange(len(people)) for _ in range(count - len(people))
    ]
    rng.shuffle(picks)
    for pick in picks:
        p = people[pick]
        variants = [v for v in md.CLUSTER_VARIANTS if p.english or v not in md.ENGLISH_VARIANTS]
        written = _noisy(p, rng)
        record = md.mention(p, md.VARIANTS[rng.choice(variants)](written, rng), rng)
        if p.id in namesakes:
            record = md.with_age(record, p, rng)
            record["age"] = int(str(record["age"])) - rng.randint(0, 1)  # birthday not yet
        record["identity"] = p.id
        yield record


def _noisy(p: md.Person, rng: random.Random) -> md.Person:
    roll = rng.random()
    if roll < TYPO_RATE:
        return md.typo(p, rng)
    if roll < TYPO_RATE + ALTERNATIVE_SPELLING_RATE:
        return md.alternative_spelling(p) or p
    return p


def generate(
    path: Path, mention_count: int, identity_count: int, namesakes: float
) -> dict[str, Any]:
    rng = random.Random(md.SEED)
    people = identities(identity_count, namesakes, rng)
    with path.open("w", encoding="utf-8") as handle:
        for record in mentions(people, mention_count, rng):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {
        "identities": len(people),
        "namesakes": sum(p.id.endswith("x") for p in people),
        "with_english_name": sum(p.english is not None for p in people),
    }


# --- Resolvers, each run in its own child process -----------------------------------------


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def run_casebook(records: list[dict[str, Any]], workers: int) -> list[Any]:
    from casebook.resolve.bulk import resolve_mentions

    return list(resolve_mentions(records, workers=workers))


def run_cluster(records: list[dict[str, Any]], workers: int) -> list[Any]:
    from casebook.resolve.compare import MentionContext
    from casebook.resolve.evaluate import cluster

    return cluster([MentionContext.from_dict(record) for record in records])


_HAN = re.compile("[\u3400-\u9fff]+")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_TITLES = {"mr", "mrs", "ms", "dr", "prof", "rev", "former", "lawmaker", "activist"}


def split_name(name: str) -> tuple[str | None, str | None]:
    """(surname, given) by a simple rule, the kind a first pipeline writes: the word before a
    comma; else the one word in capitals; else the word before a hyphenated one (after it
    when it comes first: 'Chee-ying Lai'); else the first word. Lower case, common titles
    dropped, hyphens in the given name to spaces. No syllable splitting, surname list or
    sound folding."""
    latin = _HAN.sub(" ", name)
    words = [w for w in _WORD.findall(latin) if w.lower() not in _TITLES]
    if not words:
        return None, None
    capitals = [n for n, w in enumerate(words) if len(w) > 1 and w.isupper()]
    hyphenated = [n for n, w in enumerate(words) if "-" in w]
    before_comma = _WORD.findall(latin.partition(",")[0]) if "," in latin else []
    if len(before_comma) == 1 and before_comma[0] in words:
        index = words.index(before_comma[0])
    elif len(capitals) == 1 and len(words) > 1:
        index = capitals[0]
    elif hyphenated and len(words) > 1:
        index = hyphenated[0] - 1 if hyphenated[0] > 0 else 1
    else:
        index = 0
    given = " ".join(w for n, w in enumerate(words) if n != index).replace("-", " ").lower()
    return words[index].lower(), given or None


def _splink_row(number: int, record: dict[str, Any]) -> dict[str, Any]:
    """Plain columns: the usual cleaning and a simple surname/given split (`split_name`), no
    casebook parsing — the way a first Splink model would see these names."""
    name = str(record["name"])
    surname, given = split_name(name)
    han = _HAN.findall(name)
    when, age = record.get("age_date"), record.get("age")
    return {
        "unique_id": number,
        "surname": surname,
        "given": given,
        "chinese": max(han, key=len) if han else None,
        "birth_year": int(when[:4]) - int(age) if when and age is not None else None,
        "organisation": (record.get("organisations") or [None])[0],
        "case_id": (record.get("cases") or [None])[0],
    }


SPLINK_BLOCKING = [
    ("surname", "given"),
    ("chinese",),
    ("surname", "birth_year"),
    ("given", "birth_year"),
    ("given", "organisation"),
    ("case_id",),
]


def run_splink(records: list[dict[str, Any]], workers: int) -> list[Any]:
    import logging

    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    table = pa.Table.from_pylist([_splink_row(n, r) for n, r in enumerate(records)])
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
            cl.LevenshteinAtThresholds("given", [1, 2]),
            cl.ExactMatch("chinese"),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("organisation"),
            cl.ExactMatch("case_id"),
        ],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in SPLINK_BLOCKING],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(table), settings, log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("surname", "given", "birth_year")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    training.estimate_parameters_using_expectation_maximisation(block_on("surname", "given"))
    training.estimate_parameters_using_expectation_maximisation(block_on("case_id"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    rows = clusters.as_duckdbpyrelation().project("unique_id, cluster_id").fetchall()
    labels: list[Any] = [None] * len(records)
    for unique_id, cluster_id in rows:
        labels[int(unique_id)] = cluster_id
    return labels


RESOLVERS = {"casebook": run_casebook, "cluster": run_cluster, "splink": run_splink}


def child(resolver: str, data: Path, output: Path, workers: int) -> None:
    """Run one resolver on the mentions in `data`; write timing, memory and labels."""
    records = _load(data)
    for record in records:
        record.pop("identity")
    cpu_before = _cpu(resource.getrusage(resource.RUSAGE_SELF))
    start = time.perf_counter()
    labels = RESOLVERS[resolver](records, workers)
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "seconds": seconds,
        "cpu_seconds": _cpu(own) + _cpu(children) - cpu_before,
        "rss_kib": own.ru_maxrss,
        "worker_rss_kib": children.ru_maxrss,
    }
    output.write_text(json.dumps({**result, "labels": labels}), encoding="utf-8")


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def measure(resolver: str, data: Path, workers: int, gold: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        command = [sys.executable, __file__, "--child", resolver, "--data", str(data)]
        command += ["--output", output.name, "--workers", str(workers)]
        subprocess.run(command, check=True)
        result = json.loads(Path(output.name).read_text(encoding="utf-8"))
    labels = [
        label if label is not None else f"unlabelled-{n}"
        for n, label in enumerate(result.pop("labels"))
    ]
    return {**result, **pairwise(labels, gold), "clusters": len(set(labels))}


# --- Report ---------------------------------------------------------------------------------


def _line(name: str, count: int, result: dict[str, Any]) -> str:
    peak = (result["rss_kib"] + result["worker_rss_kib"]) / 1024**2
    return (
        f"{name:<22} {result['seconds']:8.1f} s {count / result['seconds']:>10,.0f} mentions/s  "
        f"CPU {result['cpu_seconds']:6.1f} s  "
        f"peak RSS {result['rss_kib'] / 1024**2:5.2f} GiB (+ largest worker "
        f"{result['worker_rss_kib'] / 1024**2:4.2f}; sum {peak:4.2f})  "
        f"P {result['precision']:.4f} R {result['recall']:.4f} F1 {result['f1']:.4f}  "
        f"clusters {result['clusters']:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--identities", type=int, default=None, help="default: mentions / 10")
    parser.add_argument("--namesakes", type=float, default=0.03, help="share of identities")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--with-cluster", action="store_true", help="also evaluate.cluster()")
    parser.add_argument("--child", choices=sorted(RESOLVERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.output, args.workers)
        return
    identity_count = args.identities or args.mentions // 10
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "mentions.jsonl"
        start = time.perf_counter()
        facts = generate(data, args.mentions, identity_count, args.namesakes)
        gold = [str(json.loads(line)["identity"]) for line in data.open(encoding="utf-8")]
        print(
            f"generated {len(gold):,} mentions of {facts['identities']:,} identities "
            f"({facts['namesakes']:,} namesakes, {facts['with_english_name']:,} with an English "
            f"name) in {time.perf_counter() - start:.0f} s; workers {args.workers}"
        )
        results = {"casebook (bulk)": measure("casebook", data, args.workers, gold)}
        print(_line("casebook (bulk)", len(gold), results["casebook (bulk)"]), flush=True)
        if args.with_cluster:
            results["casebook cluster()"] = measure("cluster", data, 1, gold)
            print(_line("casebook cluster()", len(gold), results["casebook cluster()"]), flush=True)
        if not args.no_splink:
            results["splink 5 (duckdb)"] = measure("splink", data, args.workers, gold)
            print(_line("splink 5 (duckdb)", len(gold), results["splink 5 (duckdb)"]), flush=True)
    _ratios(results)


def _ratios(results: dict[str, dict[str, Any]]) -> None:
    ours = results["casebook (bulk)"]
    for name, other in results.items():
        if name == "casebook (bulk)":
            continue
        print(
            f"casebook vs {name}: {other['seconds'] / ours['seconds']:.2f}x faster, "
            f"{other['cpu_seconds'] / ours['cpu_seconds']:.2f}x less CPU time, "
            f"{ours['rss_kib'] / other['rss_kib']:.2f}x the main-process peak RSS, "
            f"F1 {ours['f1']:.4f} vs {other['f1']:.4f}"
        )


if __name__ == "__main__":
    main()
