"""Ingest throughput and memory: casebook vs a plain SQLite insert of the same corpus.

Generates N plain-text reports of about 500 words (a folder of .txt files, as a monitor's
archive would be), then in separate processes (so peak memory is each run's own):
  1. baseline: the same texts inserted into one plain SQLite table (WAL, sha256) in batches;
  2. casebook: `ingest()` of the folder into a fresh store (hash, original bytes, working
     text, near-duplicate signatures, FTS5 index, audit chain);
  3. casebook again on a quarter of the corpus, to show memory does not grow with size.
Prints reports/s, peak RSS, and the ratio to the baseline.

    .venv/bin/python benchmarks/ingest.py --reports 20000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "police",
    "arrested",
    "charged",
    "national",
    "security",
    "law",
    "sedition",
    "court",
    "magistrate",
    "bail",
    "remand",
    "activist",
    "lawmaker",
    "journalist",
    "union",
    "protest",
    "district",
    "council",
    "subversion",
    "collusion",
    "foreign",
    "forces",
    "sentence",
    "months",
    "years",
    "prison",
    "released",
    "detained",
    "organisation",
    "disbanded",
    "closed",
    "office",
    "statement",
    "government",
    "bureau",
    "officers",
    "premises",
    "searched",
    "suspicion",
    "conspiracy",
    "publication",
    "hong",
    "kong",
    "kowloon",
    "island",
    "territories",
    "wednesday",
    "thursday",
    "friday",
    "january",
    "february",
    "march",
]


def generate(folder: Path, reports: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(reports):
        words = [rng.choice(WORDS) for _ in range(500)]
        words[::25] = [f"case{number}x{k}" for k in range(len(words[::25]))]  # unique per report
        body = " ".join(words)
        (folder / f"{number:06d}.txt").write_text(f"Report {number}\n\n{body}\n", encoding="utf-8")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_baseline(folder: Path, database: Path) -> dict[str, float]:
    files = sorted(folder.glob("*.txt"))
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE reports (id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE, text TEXT)"
    )
    for start in range(0, len(files), 500):
        rows = []
        for path in files[start : start + 500]:
            data = path.read_bytes()
            rows.append((hashlib.sha256(data).hexdigest(), data.decode("utf-8")))
        connection.executemany("INSERT INTO reports (sha256, text) VALUES (?, ?)", rows)
        connection.commit()
    connection.close()
    elapsed = time.perf_counter() - started
    return {"reports": len(files), "seconds": elapsed, "peak_rss_mib": peak_rss_mib()}


def run_casebook(folder: Path, database: Path, limit: int | None) -> dict[str, float]:
    from casebook.config import Config
    from casebook.ingest.service import Result, ingest
    from casebook.store.engine import open_store

    files = [str(p) for p in sorted(folder.glob("*.txt"))][:limit]
    url = f"sqlite:///{database}"
    store = open_store(url)
    config = Config(db=url, user="benchmark")
    started = time.perf_counter()
    ingested = sum(1 for o in ingest(store, config, files) if o.result is Result.INGESTED)
    elapsed = time.perf_counter() - started
    store.close()
    return {"reports": ingested, "seconds": elapsed, "peak_rss_mib": peak_rss_mib()}


def in_child(mode: str, folder: Path, database: Path, limit: int | None) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", mode, str(folder), str(database), str(limit or 0)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--child", nargs=4, metavar=("MODE", "FOLDER", "DB", "LIMIT"))
    args = parser.parse_args()
    if args.child:
        mode, folder, database, limit = args.child
        run = run_baseline if mode == "baseline" else run_casebook
        result = (
            run(Path(folder), Path(database))
            if mode == "baseline"
            else run(
                Path(folder),
                Path(database),
                int(limit) or None,  # type: ignore[call-arg]
            )
        )
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="casebook-bench-") as scratch:
        root = Path(scratch)
        print(f"generating {args.reports} reports of ~500 words ...", flush=True)
        generate(root / "corpus", args.reports)
        base = in_child("baseline", root / "corpus", root / "baseline.sqlite", None)
        quarter = in_child("casebook", root / "corpus", root / "quarter.sqlite", args.reports // 4)
        full = in_child("casebook", root / "corpus", root / "casebook.sqlite", None)
    rate = {
        name: r["reports"] / r["seconds"]
        for name, r in (("baseline", base), ("quarter", quarter), ("full", full))
    }
    print(f"{'run':<34}{'reports':>9}{'seconds':>9}{'reports/s':>11}{'peak RSS MiB':>14}")
    for label, name, result in (
        ("plain SQLite insert (baseline)", "baseline", base),
        (f"casebook ingest, {args.reports // 4} reports", "quarter", quarter),
        (f"casebook ingest, {args.reports} reports", "full", full),
    ):
        print(
            f"{label:<34}{result['reports']:>9.0f}{result['seconds']:>9.1f}"
            f"{rate[name]:>11.0f}{result['peak_rss_mib']:>14.1f}"
        )
    print(f"casebook / baseline throughput: {rate['full'] / rate['baseline']:.2f}")
    print(
        f"peak RSS growth from {args.reports // 4} to {args.reports} reports: "
        f"{full['peak_rss_mib'] - quarter['peak_rss_mib']:+.1f} MiB"
    )
    print("targets: >= 200 reports/s (issue), >= 5,000/s incremental (PERFORMANCE.md), RSS flat")


if __name__ == "__main__":
    main()
