"""Benchmark Figures: the shipped counting rules at 20 as-of dates over a large record.

    .venv/bin/python benchmarks/count.py                          # 1,000,000 events
    .venv/bin/python benchmarks/count.py --events 100000 --persons 20000 --no-postgres

Generates a record of fictional proceedings (no text beyond one evidence quote per
report): each person has a case of arrest → charge → bail granted or denied → conviction
or acquittal → sentence → release, cut short at random, under the NSL, sedition, the 2024
ordinance, the Public Order Ordinance or no named law; 10% of dates are month-only; 2% of
arrests also state a count of people (up to 60); organisations disband or close; published
totals sit beside. Rows are written with bulk inserts (the audited path would take hours
for a million events); the audit head is set so the record has a state.

For SQLite and for PostgreSQL (a throwaway cluster started here, as the tests do) it
prints: the time to build every rule's count facts once, then per rule the median and
p95 latency of `compute_figure` at 20 as-of dates (bounds, reported totals and the
as-of figure without the item lists: `details=False`), and at 3 dates with the full item
lists and sources (`details=True`). In the same run DuckDB answers the same 6 × 20 questions
from an export of the same data (the count facts written to Parquet, the same arithmetic
in SQL); its latencies, the ratio and whether every answer agrees are printed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casebook.count.figures import compute_figure, refresh_facts  # noqa: E402
from casebook.count.rules import CountingRule, Rulebook, load_rulebook  # noqa: E402
from casebook.store.engine import Store, open_store, upgrade  # noqa: E402
from casebook.store.schema import (  # noqa: E402
    AuditHead,
    Case,
    CaseEvent,
    CountFact,
    Event,
    EventEvidence,
    EventParticipant,
    Evidence,
    Organisation,
    Person,
    Source,
)

START, END = dt.date(2019, 6, 9), dt.date(2025, 12, 31)
LAWS = [("hk.nsl", 0.30), ("hk.crimes", 0.08), ("hk.snso", 0.07), ("hk.poo", 0.40), (None, 0.15)]
STEPS = ["arrest", "charge", "bail", "verdict", "sentence", "release"]


def _law(rng: random.Random) -> str | None:
    pick, total = rng.random(), 0.0
    for law, share in LAWS:
        total += share
        if pick < total:
            return law
    return None


def _day(rng: random.Random, after: dt.date, within: int) -> dt.date:
    return min(after + dt.timedelta(days=rng.randint(1, within)), END)


class Record:
    """Rows of a generated record, table by table."""

    def __init__(self, events: int, persons: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.tables: dict[Any, list[dict[str, Any]]] = {
            t: [] for t in (Source, Evidence, Person, Organisation, Event, EventParticipant,
                            EventEvidence, Case, CaseEvent)
        }  # fmt: skip
        self.event_count = 0
        self.target = events
        per_person = max(1, events // persons)
        for number in range(persons):
            self._proceeding(number, per_person)
            if self.event_count >= events * 0.97:
                break
        self._organisations(max(1, events // 200))
        self._totals(60)

    def _source(self, key: str, published: dt.date) -> tuple[str, str]:
        source_id = f"s{key}"[:24]
        self.tables[Source].append({
            "id": source_id, "sha256": f"{key:0>64}"[:64], "kind": "text", "origin": None,
            "url": None, "title": f"report {key}", "publisher": None, "published_at": published,
            "captured_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "language": "en",
            "reliability": None, "sensitivity": "internal", "text": f"report {key}",
            "text_sha256": f"{key:0>64}"[:64], "near_duplicate_of": None,
            "near_duplicate_score": None, "minhash": None, "extra": {},
        })  # fmt: skip
        evidence_id = f"v{key}"[:24]
        self.tables[Evidence].append(
            {"id": evidence_id, "source_id": source_id, "start": 0, "end": 6, "quote": "report"}
        )
        return source_id, evidence_id

    def _event(self, key: str, kind: str, day: dt.date, law: str | None, **values: Any) -> str:
        event_id = f"e{key}"[:24]
        month_only = self.rng.random() < 0.10
        self.tables[Event].append({
            "id": event_id, "type": kind, "date": day.replace(day=1) if month_only else day,
            "date_precision": "month" if month_only else "day",
            "status": "confirmed" if self.rng.random() < 0.5 else "candidate",
            "law_id": law, "offence_id": None, "place": None, "count": values.get("count"),
            "counts_type": values.get("counts_type"),
            "sentence_months": values.get("sentence_months"), "confidence": None,
            "made_by": "benchmark", "sensitivity": "internal", "version": 1,
        })  # fmt: skip
        _, evidence_id = self._source(key, day)
        self.tables[EventEvidence].append(
            {"event_id": event_id, "field": "event", "evidence_id": evidence_id, "rule": "bench"}
        )
        self.event_count += 1
        return event_id

    def _subject(self, key: str, event_id: str, person: str | None, org: str | None) -> None:
        self.tables[EventParticipant].append({
            "id": f"p{key}"[:24], "event_id": event_id, "person_id": person,
            "organisation_id": org, "role": "subject", "age": None, "evidence_id": None,
        })  # fmt: skip

    def _proceeding(self, number: int, steps: int) -> None:
        rng = self.rng
        person = f"person{number}"
        self.tables[Person].append({
            "id": person, "name": f"Person {number}", "sensitivity": "internal",
            "is_minor": False, "protected": False, "birth_year": None, "notes": None,
        })  # fmt: skip
        case = f"case{number}"
        self.tables[Case].append(
            {
                "id": case,
                "person_id": person,
                "title": None,
                "law_id": None,
                "sensitivity": "internal",
            }
        )
        law = _law(rng)
        day = START + dt.timedelta(days=rng.randint(0, (END - START).days - 30))
        for step in range(min(steps + rng.randint(-2, 2), len(STEPS)) or 1):
            kind = STEPS[step]
            if kind == "bail":
                kind = "bail_denied" if rng.random() < 0.4 else "bail_granted"
            elif kind == "verdict":
                kind = "conviction" if rng.random() < 0.9 else "acquittal"
                if kind == "acquittal":
                    steps = step  # nothing follows an acquittal
            values: dict[str, Any] = {}
            if kind == "arrest" and rng.random() < 0.02:
                values["count"] = rng.randint(2, 60)
            if kind == "sentence":
                values["sentence_months"] = float(rng.choice([0, 6, 12, 30, 54, 80, 120]))
            key = f"{number}x{step}"
            event_id = self._event(
                key, kind, day, law if step < 2 or rng.random() < 0.3 else None, **values
            )
            self._subject(key, event_id, person, None)
            self.tables[CaseEvent].append({"case_id": case, "event_id": event_id})
            day = _day(rng, day, 400)
            if kind == "acquittal":
                break

    def _organisations(self, count: int) -> None:
        for number in range(count):
            org = f"org{number}"
            self.tables[Organisation].append(
                {"id": org, "name": f"Group {number}", "kind": None, "sensitivity": "internal"}
            )
            day = START + dt.timedelta(days=self.rng.randint(0, (END - START).days))
            kind = "org_disbanded" if self.rng.random() < 0.6 else "org_closed"
            event_id = self._event(f"o{number}", kind, day, None)
            self._subject(f"o{number}", event_id, None, org)

    def _totals(self, count: int) -> None:
        for number in range(count):
            day = START + dt.timedelta(days=self.rng.randint(0, (END - START).days))
            law = self.rng.choice(["hk.nsl", "hk.poo", None])
            counts = self.rng.choice(["arrest", "charge", "conviction"])
            size = self.rng.randint(50, 12000)
            self._event(f"t{number}", "reported_total", day, law, count=size, counts_type=counts)


def write(store: Store, record: Record) -> float:
    started = time.perf_counter()
    with store.engine.begin() as connection:
        for table, rows in record.tables.items():
            for start in range(0, len(rows), 20000):
                connection.execute(insert(table), rows[start : start + 20000])
        connection.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=1, hash="b" * 64))
    return time.perf_counter() - started


def as_of_dates() -> list[dt.date]:
    step = (END - dt.date(2020, 7, 31)).days / 19
    return [dt.date(2020, 7, 31) + dt.timedelta(days=round(step * n)) for n in range(20)]


def timed(action: Callable[..., Any], *args: Any, **options: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action(*args, **options)
    return (time.perf_counter() - started) * 1000, result


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def measure(
    store: Store, rulebook: Rulebook, label: str
) -> dict[str, dict[dt.date, tuple[int, int]]]:
    built, _ = timed(lambda: refresh_facts(store, rulebook, rulebook.rules, actor="benchmark"))
    print(f"\n{label}: count facts for {len(rulebook.rules)} rules built in {built / 1000:.1f} s")
    answers: dict[str, dict[dt.date, tuple[int, int]]] = {}
    print(
        f"  {'rule':<22} {'median ms':>9} {'p95 ms':>7} {'details p95 ms':>15}  range at last date"
    )
    for rule in rulebook.rules:
        times, answers[rule.id] = [], {}
        for day in as_of_dates():
            took, figure = timed(compute_figure, store, rule, day, rulebook=rulebook, details=False)
            times.append(took)
            answers[rule.id][day] = (figure.lower, figure.upper)  # type: ignore[attr-defined]
        detailed = [
            timed(compute_figure, store, rule, day, rulebook=rulebook)[0]
            for day in as_of_dates()[::9]
        ]
        last = answers[rule.id][as_of_dates()[-1]]
        print(f"  {rule.id:<22} {statistics.median(times):>9.1f} {p95(times):>7.1f} "
              f"{p95(detailed):>15.1f}  {last[0]:,}-{last[1]:,}")  # fmt: skip
        answers[rule.id]["_times"] = times  # type: ignore[index]
    return answers


DUCK_BOUNDS = """
with held as (
  select kind, item, weight from facts
  where rule = $rule and start <= $day and ("end" is null or "end" > $day)
)
select
  (select count(distinct item) from held where kind = 'lower'),
  (select coalesce(sum(weight), 0) from held where kind = 'lower'),
  (select coalesce(max(weight), 0) from held where kind = 'floor'),
  (select count(distinct item) from held where kind = 'upper'),
  (select coalesce(sum(weight), 0) from held where kind = 'upper'),
  (select coalesce(sum(weight), 0) from held where kind = 'anon')
"""


def duckdb_run(store: Store, rulebook: Rulebook, folder: Path) -> dict[str, Any] | None:
    try:
        import duckdb
    except ImportError:
        print("\nDuckDB is not installed (pip install -e '.[bench]'): no comparison")
        return None
    parquet = folder / "facts.parquet"
    started = time.perf_counter()
    columns = [CountFact.rule, CountFact.kind, CountFact.item, CountFact.start, CountFact.end,
               CountFact.weight]  # fmt: skip
    with store.reader() as session:
        rows = session.execute(select(*columns)).all()
    csv_file = folder / "facts.csv"
    with csv_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.key for c in columns])
        writer.writerows(rows)
    db = duckdb.connect()
    db.execute(
        "create table facts as select * from read_csv(?, header = true, columns = "
        "{'rule': 'varchar', 'kind': 'varchar', 'item': 'varchar', 'start': 'date', "
        "'end': 'date', 'weight': 'integer'})",
        [str(csv_file)],
    )
    db.execute(f"copy facts to '{parquet}' (format parquet)")
    db.execute("drop table facts")
    db.execute(f"create view facts as select * from read_parquet('{parquet}')")
    exported = time.perf_counter() - started
    print(f"\nDuckDB: {len(rows):,} count facts exported to Parquet in {exported:.1f} s")
    answers: dict[str, Any] = {}
    for rule in rulebook.rules:
        answers[rule.id], times = {}, []
        for day in as_of_dates():
            took, found = timed(_duck_bounds, db, rule.key, day)
            times.append(took)
            answers[rule.id][day] = _bounds(rule, found)  # type: ignore[arg-type]
        answers[rule.id]["_times"] = times
    return answers


def _duck_bounds(db: Any, rule_key: str, day: dt.date) -> tuple[int, ...]:
    return tuple(db.execute(DUCK_BOUNDS, {"rule": rule_key, "day": day}).fetchone())


def _bounds(rule: CountingRule, row: tuple[int, ...]) -> tuple[int, int]:
    lower_items, lower_weight, floor, upper_items, upper_weight, anon = row
    if rule.counts == "events":
        return lower_weight, max(upper_weight, lower_weight)
    lower = max(lower_items, floor)
    return lower, max(upper_items + anon, lower)


def compare(label: str, ours: dict[str, Any], duck: dict[str, Any]) -> None:
    print(f"\n{label} vs DuckDB over the exported facts (p95 ms; ratio = DuckDB / {label})")
    for rule_id, answers in ours.items():
        mine, theirs = p95(answers["_times"]), p95(duck[rule_id]["_times"])
        same = all(answers[d] == duck[rule_id][d] for d in as_of_dates())
        print(f"  {rule_id:<22} {mine:>7.1f} {theirs:>7.1f}  ratio {theirs / mine:.2f}  "
              f"answers {'agree' if same else 'DIFFER'}")  # fmt: skip


def postgres_store(record: Record, rulebook: Rulebook) -> Iterator[tuple[Store, Any]]:
    from tests.conftest import PostgresServer, _postgres_bin

    bindir = _postgres_bin()
    if bindir is None:
        print("\nPostgreSQL is not installed here: skipped")
        return
    server = PostgresServer(bindir)
    server.start()
    try:
        url = server.create_database("casebook_bench")
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        store = open_store(url)
        seconds = write(store, record)
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(f"\nPostgreSQL: record written in {seconds:.1f} s")
        yield store, server
        store.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    rulebook = load_rulebook()
    started = time.perf_counter()
    record = Record(options.events, options.persons)
    people = len(record.tables[Person])
    organisations = len(record.tables[Organisation])
    took = time.perf_counter() - started
    print(f"generated {record.event_count:,} events, {people:,} persons, "
          f"{organisations:,} organisations in {took:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="casebook-count-") as folder:
        url = f"sqlite:///{folder}/casebook.sqlite"
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        store = open_store(url)
        print(f"SQLite: record written in {write(store, record):.1f} s")
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        sqlite_answers = measure(store, rulebook, "SQLite")
        duck = duckdb_run(store, rulebook, Path(folder))
        store.close()
        if duck:
            compare("SQLite", sqlite_answers, duck)
        if not options.no_postgres:
            for pg_store, _ in postgres_store(record, rulebook):
                pg_answers = measure(pg_store, rulebook, "PostgreSQL")
                if duck:
                    compare("PostgreSQL", pg_answers, duck)
                same = all(pg_answers[r][d] == sqlite_answers[r][d] for r in pg_answers
                           for d in as_of_dates())  # fmt: skip
                print(f"\nPostgreSQL and SQLite answers {'agree' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
