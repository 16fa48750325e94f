"""Extraction throughput: casebook's rule extractor vs spaCy's own `nlp.pipe`, same run.

Texts: the dev set (tests/data/extract/*.txt) plus N generated reports of about 500 words,
built from sentences in the dev set's style (arrests, charges, bail, sentences, raids,
disbandings, totals, and the background sentences around them). Then, in one process:
  1. spaCy baseline: `nlp.pipe` over the texts with the very pipeline object casebook uses
     (same components, batch size 32, 1 process) — docs/s and words/s;
  2. casebook: `RuleExtractor.extract_many` over the same texts — docs/s, words/s, and the
     ratio to 1 (target >= 0.6, PERFORMANCE.md goal >= 0.9). The texts are split in two
     halves run A-B-B-A, so drift on a noisy machine falls on both sides alike;
  3. store writes alone: `replace_extraction` of what step 2 proposed for the first 100
     reports into a fresh SQLite store (audit chain on) — only the calling process
     writes, so this is the ceiling for any number of workers;
  4. 2 processes: `nlp.pipe(n_process=2)` vs `extract_record(workers=2)` on a local Dask
     cluster writing into a fresh SQLite store (cluster start-up and store writes included,
     as `casebook extract --workers 2` pays them);
  5. quality: F1 on type+date+law from `casebook.extract.evaluate` over the dev set.

    .venv/bin/python benchmarks/extract.py --reports 400 --workers 2
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select

from casebook.config import Config
from casebook.extract.base import ExtractedEvent
from casebook.store.engine import Store

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "data" / "extract"
BATCH = 32
WRITE_SAMPLE = 100

FAMILY = "Chan Wong Lee Cheung Lau Ng Ho Leung Lam Tam Chow Yeung Kwok Tsang Lai Ma Fung Law"
GIVEN = "siu ka wai chi man kit ming yee fong hung tak wing yan kwan lok sum chun hei"
ROLES = ["former district councillor", "student", "teacher", "journalist", "unionist", "pastor"]
OFFENCES = [
    "subversion",
    "seditious intention",
    "collusion with foreign forces",
    "inciting secession",
    "publishing seditious publications",
    "unlawful assembly",
    "rioting",
]
LAWS = ["national security law", "Safeguarding National Security Ordinance", "Crimes Ordinance"]
ORGS = [
    "Kowloon Tenants Alliance",
    "New Territories Teachers Union",
    "Harbour Press Collective",
    "Tai Po Labour Centre",
    "Sham Shui Po Residents Network",
    "Island Students Front",
]
PLACES = ["Sha Tin", "Mong Kok", "Tsim Sha Tsui", "Yuen Long", "Causeway Bay", "Kwun Tong"]
COURTS = ["West Kowloon Magistrates' Courts", "the District Court", "the High Court"]
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve"]
WEEKDAYS = list(calendar.day_name)
MONTHS = list(calendar.month_name)[1:]

EVENTS = [
    "National security police arrested {nw} people on {wd} on suspicion of {off}, among them "
    "{name}, {age}, a {role}.",
    "{name}, {age}, was arrested at a flat in {place} on {wd} under the {law}.",
    "A magistrate at {court} remanded {name} in custody on {wd} after refusing bail.",
    "{name} was granted bail of HK${amount} on {wd} and ordered to surrender travel documents.",
    "Prosecutors charged {n} defendants with {off} on {month} {day}.",
    "A judge at {court} on {wd} sentenced {name} to {months} months in prison for {off}.",
    "{name} pleaded guilty in {month} to one count of {off}.",
    "The court on {wd} found {name} guilty of {off} after a {n}-day trial.",
    "{name} was released from prison on {wd} after serving {months} months.",
    "National security police searched the offices of the {org} in {place} on {wd}.",
    "Members of the {org} voted on {wd} to disband the group, its chairman said.",
    "Police issued arrest warrants for {nw} overseas activists on {wd} and offered bounties of "
    "HK$1 million each.",
    "As of {month} {day}, police had arrested {big} people for acts and activities endangering "
    "national security, the Security Bureau said.",
    "Authorities froze HK${amount} in assets belonging to the {org} on {wd}.",
    "{name} was acquitted of {off} on {wd}.",
    "The {org} said it would close its office at the end of the month.",
]
BACKGROUND = [
    "Rights groups condemned the move as part of a wider crackdown on dissent.",
    "The government said it would not comment on individual cases.",
    "{name}'s lawyer told reporters that the defence would study the judgment before deciding "
    "whether to appeal.",
    "The case is due to return to court in {month}.",
    "Officials have defended the law as necessary to restore stability after the 2019 protests.",
    "Critics say the law has been used to silence opposition figures, journalists and unionists.",
    "The Security Bureau said in a statement that anyone who broke the law would be brought to "
    "justice.",
    "Supporters queued outside {court} from early morning to secure a seat in the public gallery.",
    "The offence carries a maximum penalty of {years} years in prison under the {law}.",
    "Police said the investigation was continuing and did not rule out further arrests.",
]


def _slots(rng: random.Random) -> dict[str, object]:
    family = rng.choice(FAMILY.split())
    given = "-".join(rng.sample(GIVEN.split(), 2)).capitalize()
    return {
        "name": f"{family} {given}",
        "age": rng.randint(17, 75),
        "role": rng.choice(ROLES),
        "off": rng.choice(OFFENCES),
        "law": rng.choice(LAWS),
        "org": rng.choice(ORGS),
        "place": rng.choice(PLACES),
        "court": rng.choice(COURTS),
        "nw": rng.choice(NUMBER_WORDS),
        "n": rng.randint(2, 60),
        "big": rng.randint(100, 330),
        "months": rng.randint(3, 80),
        "years": rng.choice([2, 7, 10, 14]),
        "amount": rng.choice(["10,000", "50,000", "200,000", "1.2 million"]),
        "wd": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTHS),
        "day": rng.randint(1, 28),
    }


def generate(reports: int, words: int = 500, seed: int = 7) -> list[tuple[str, dt.date]]:
    """Reports of about `words` words, each with a publication date (reproducible)."""
    rng = random.Random(seed)
    out = []
    for _ in range(reports):
        published = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1600))
        dateline = f"HONG KONG, {published:%b} {published.day} (Lantau News Agency) - "
        paragraphs = [dateline + rng.choice(EVENTS).format(**_slots(rng))]
        count = len(paragraphs[0].split())
        while count < words:
            pool = EVENTS if rng.random() < 0.55 else BACKGROUND
            sentences = [t.format(**_slots(rng)) for t in rng.sample(pool, rng.randint(1, 2))]
            paragraphs.append(" ".join(sentences))
            count += len(paragraphs[-1].split())
        out.append(("\n\n".join(paragraphs) + "\n", published))
    return out


def dev_set() -> list[tuple[str, dt.date | None]]:
    pairs: list[tuple[str, dt.date | None]] = []
    for path in sorted(DEV_SET.glob("*.txt")):
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        published = gold.get("published")
        text = path.read_text(encoding="utf-8")
        pairs.append((text, dt.date.fromisoformat(published) if published else None))
    return pairs


def timed(action: Callable[[], int]) -> tuple[float, int]:
    """Seconds taken, and what the action counted."""
    start = time.perf_counter()
    counted = action()
    return time.perf_counter() - start, counted


def _words(texts: Sequence[tuple[str, object]]) -> int:
    return sum(len(text.split()) for text, _ in texts)


def _rate(label: str, docs: int, words: int, seconds: float) -> None:
    print(
        f"  {label:<44} {docs / seconds:8.1f} docs/s {words / seconds:9.0f} words/s "
        f"({docs} docs in {seconds:.1f} s)"
    )


def one_process(pairs: list[tuple[str, dt.date | None]]) -> list[list[ExtractedEvent]]:
    """Times spaCy and casebook on one process; returns what casebook proposed, per text."""
    from casebook.extract.rules import RuleExtractor

    extractor = RuleExtractor.default()
    nlp = extractor.nlp  # the very pipeline object casebook runs
    warm = pairs[:8]
    list(extractor.extract_many(warm, batch_size=BATCH))  # loads matchers and caches

    def spacy_run(part: list[tuple[str, dt.date | None]]) -> Callable[[], int]:
        return lambda: sum(1 for _ in nlp.pipe((t for t, _ in part), batch_size=BATCH))

    proposed: list[list[ExtractedEvent]] = []

    def casebook_run(part: list[tuple[str, dt.date | None]]) -> Callable[[], int]:
        def run() -> int:
            found = list(extractor.extract_many(part, batch_size=BATCH))
            proposed.extend(found)
            return sum(len(events) for events in found)

        return run

    half = len(pairs) // 2
    a, b = pairs[:half], pairs[half:]  # A-B-B-A: drift falls on both sides alike
    spacy_a, _ = timed(spacy_run(a))
    casebook_a, events_a = timed(casebook_run(a))
    casebook_b, events_b = timed(casebook_run(b))
    spacy_b, _ = timed(spacy_run(b))
    spacy_seconds, casebook_seconds = spacy_a + spacy_b, casebook_a + casebook_b
    docs, words = len(pairs), _words(pairs)
    print(f"1 process, batch size {BATCH}, pipeline: {', '.join(nlp.pipe_names)}")
    _rate("spaCy nlp.pipe (baseline)", docs, words, spacy_seconds)
    _rate("casebook RuleExtractor.extract_many", docs, words, casebook_seconds)
    ratio = spacy_seconds / casebook_seconds
    verdict = "meets goal" if ratio >= 0.9 else "meets target" if ratio >= 0.6 else "BELOW TARGET"
    print(f"  ratio casebook / spaCy: {ratio:.2f} (target >= 0.6, goal >= 0.9: {verdict})")
    rules = 100 * (casebook_seconds - spacy_seconds) / spacy_seconds
    print(f"  rules add {rules:.0f}% to the parse; {events_a + events_b} events proposed")
    return proposed


def _fresh_store(folder: Path, name: str, pairs: list[tuple[str, dt.date | None]]) -> Store:
    """A new SQLite store holding the texts as sources, titled by their index."""
    from casebook.ingest.service import ingest, plan
    from casebook.store.engine import open_store

    bulk = folder / f"{name}.jsonl"
    with bulk.open("w", encoding="utf-8") as handle:
        for number, (text, published) in enumerate(pairs):
            when = published.isoformat() if published else None
            handle.write(json.dumps({"text": text, "title": str(number), "published": when}))
            handle.write("\n")
    url = f"sqlite:///{folder / name}.sqlite"
    store = open_store(url)
    list(ingest(store, Config(db=url, user="benchmark"), plan([str(bulk)])))
    return store


def store_writes(
    folder: Path, pairs: list[tuple[str, dt.date | None]], proposed: list[list[ExtractedEvent]]
) -> None:
    """How fast the calling process stores proposed events (the ceiling for any --workers)."""
    from casebook.extract.service import to_rows
    from casebook.store.extractions import replace_extraction
    from casebook.store.schema import Source

    sample = min(WRITE_SAMPLE, len(pairs))
    store = _fresh_store(folder, "writes", pairs[:sample])
    try:
        with store.reader() as session:
            ids = [(i, int(n)) for i, n in session.execute(select(Source.id, Source.title))]

        def write() -> int:
            for start in range(0, len(ids), 50):  # as extract_record does: 50 per transaction
                with store.session("benchmark") as session:
                    for source_id, number in ids[start : start + 50]:
                        rows = to_rows(proposed[number])
                        replace_extraction(session, source_id, "rules-bench", rows, "rules-")
            return len(ids)

        seconds, written = timed(write)
    finally:
        store.close()
    events = sum(len(proposed[n]) for _, n in ids)
    print(f"store writes alone (SQLite, audit chain on), first {written} reports")
    print(
        f"  replace_extraction                           {written / seconds:8.1f} sources/s "
        f"{events / seconds:9.0f} events/s ({events} events in {seconds:.1f} s)"
    )


def two_processes(folder: Path, pairs: list[tuple[str, dt.date | None]], workers: int) -> None:
    from casebook.extract.pipeline import load_pipeline
    from casebook.extract.rules import RuleExtractor
    from casebook.extract.service import Progress, extract_record

    nlp = load_pipeline()
    texts = [t for t, _ in pairs]
    docs, words = len(pairs), _words(pairs)
    spacy_seconds, _ = timed(
        lambda: sum(1 for _ in nlp.pipe(texts, batch_size=BATCH, n_process=workers))
    )
    store = _fresh_store(folder, "dask", pairs)
    config = Config(db=str(store.engine.url), user="benchmark")
    extractor = RuleExtractor.default()
    runs: list[Progress] = []

    def run() -> int:
        runs.extend(extract_record(store, config, extractor, workers=workers))
        return runs[-1].events

    try:
        dask_seconds, _ = timed(run)
    finally:
        store.close()
    last = runs[-1]
    print(f"{workers} processes (Dask: cluster start-up and store writes included)")
    _rate(f"spaCy nlp.pipe(n_process={workers})", docs, words, spacy_seconds)
    _rate(f"casebook extract --workers {workers}", last.sources_done, words, dask_seconds)
    if last.sources_done != docs:
        print(f"  ({docs - last.sources_done} near-duplicate reports skipped; words/s is approx.)")
    ratio = (last.sources_done / dask_seconds) / (docs / spacy_seconds)
    print(f"  ratio casebook / spaCy: {ratio:.2f} ({last.events} candidate events stored)")


def quality() -> None:
    from casebook.extract.evaluate import evaluate
    from casebook.extract.rules import RuleExtractor

    extractor = RuleExtractor.default()
    report = evaluate(
        DEV_SET, lambda text, published: [e.as_json() for e in extractor.extract(text, published)]
    )
    whole = report.type_date_law
    print(f"quality on the dev set ({report.reports} reports), type+date+law:")
    print(f"  precision {whole.precision:.3f}  recall {whole.recall:.3f}  F1 {whole.f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=400, help="generated reports (~500 words)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel run")
    options = parser.parse_args()

    import spacy

    pairs = dev_set() + generate(options.reports)
    print(
        f"corpus: {len(pairs)} reports ({len(pairs) - options.reports} dev set + "
        f"{options.reports} generated), {_words(pairs)} words; {os.cpu_count()} cores; "
        f"spaCy {spacy.__version__}"
    )
    proposed = one_process(pairs)
    with tempfile.TemporaryDirectory(prefix="casebook-bench-") as folder:
        store_writes(Path(folder), pairs, proposed)
        two_processes(Path(folder), pairs, options.workers)
    quality()


if __name__ == "__main__":
    main()
