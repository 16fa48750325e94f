"""Benchmark the web app: a record of 100,000 events served by `casebook serve`, driven
from a second process on loopback by 50 concurrent clients for 30 s.

    .venv/bin/python benchmarks/web.py                       # 100,000 events, 50 clients, 30 s
    .venv/bin/python benchmarks/web.py --events 20000 --seconds 10 --workers 2

The record is the generated one of benchmarks/count.py (bulk inserts; full-text index
filled afterwards). The server runs as its own process (`python -m casebook serve`), the
load generator as another (httpx, asyncio): every client logs in once (one shared session)
then cycles through the pages. The run is bounded in time (--seconds) and in requests
(--max-requests). Prints, per page, requests, median and p95 latency and errors, then the
totals and requests/s, and whether every page met the 200 ms p95 target with no errors.
A baseline in the same run: GET /static/casebook.css (the server's floor per request).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import select, text  # noqa: E402

from casebook.security.accounts import add_first_admin  # noqa: E402
from casebook.store.engine import open_store  # noqa: E402
from casebook.store.schema import Event, Person, Source  # noqa: E402
from casebook.store.sources import index_for_search  # noqa: E402
from count import Record, write  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"
TARGET_P95 = 0.200


def build(url: str, events: int) -> dict[str, str]:
    """Write the record; return one source, event and person id for the record pages."""
    record = Record(events, max(1, events // 5))
    store = open_store(url)
    try:
        write(store, record)
        with store.session("bench") as session:
            index_for_search(session, 0)
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        add_first_admin(store, USER, PASSWORD)
        with store.reader() as session:
            ids = {
                "source": session.scalars(select(Source.id).offset(events // 3).limit(1)).one(),
                "event": session.scalars(select(Event.id).offset(events // 2).limit(1)).one(),
                "person": session.scalars(select(Person.id).offset(7).limit(1)).one(),
            }
            title = session.scalars(select(Source.title).where(Source.id == ids["source"])).one()
            ids["key"] = title.split()[-1]  # "report 123x1": one report's own word
        print(f"record: {record.event_count:,} events, {len(record.tables[Person]):,} persons")
        return ids
    finally:
        store.close()


def pages(ids: dict[str, str]) -> dict[str, str]:
    return {
        "static (baseline)": "/static/casebook.css",
        "dashboard": "/",
        "chart": "/charts/nsl-arrests.svg",
        "sources": "/sources",
        "search": f"/sources?q=report+{ids['key']}",
        "source": f"/sources/{ids['source']}",
        "events": "/events",
        "events filtered": "/events?type=arrest&status=confirmed&since=2021-01-01",
        "event": f"/events/{ids['event']}",
        "persons": "/persons",
        "person": f"/persons/{ids['person']}",
        "organisations": "/organisations",
        "review": "/review",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "casebook", "--db", url, "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    # The access log goes to a file: a pipe nobody reads would stall the server when full.
    with log.open("wb") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=sink)


async def _log_in(client: Any) -> None:
    page = await client.get("/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = await client.post("/login", data={"name": USER, "password": PASSWORD, "csrf": csrf})
    if response.status_code != 303:
        raise RuntimeError(f"login failed: {response.status_code}")


async def _drive(base: str, paths: dict[str, str], clients: int, seconds: float,
                 max_requests: int) -> dict[str, Any]:  # fmt: skip
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await _log_in(client)
        for path in paths.values():  # warm up: facts built, charts drawn, caches filled
            await client.get(path, timeout=600)
        latencies: dict[str, list[float]] = {name: [] for name in paths}
        errors: dict[str, int] = dict.fromkeys(paths, 0)
        reasons: Counter[str] = Counter()
        names = list(paths)
        sent = 0
        deadline = time.perf_counter() + seconds

        async def one_client(number: int) -> None:
            nonlocal sent
            turn = number
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                name = names[turn % len(names)]
                turn += 1
                started = time.perf_counter()
                try:
                    response = await client.get(paths[name])
                    ok = response.status_code == 200
                    reason = f"HTTP {response.status_code}"
                except httpx.HTTPError as error:
                    ok, reason = False, type(error).__name__
                if not ok:
                    reasons[f"{name}: {reason}"] += 1
                latencies[name].append(time.perf_counter() - started)
                errors[name] += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client(n) for n in range(clients)))
        took = time.perf_counter() - started
        return {"latencies": latencies, "errors": errors, "reasons": reasons, "took": took}


def load(base: str, paths: dict[str, str], clients: int, seconds: float, max_requests: int,
         out: Any) -> None:  # fmt: skip
    out.put(asyncio.run(_drive(base, paths, clients, seconds, max_requests)))


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server stopped; see its log")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def report(result: dict[str, Any], clients: int) -> None:
    total = sum(len(v) for v in result["latencies"].values())
    errors = sum(result["errors"].values())
    print(f"\n{'page':<20}{'requests':>10}{'median ms':>12}{'p95 ms':>10}{'errors':>8}")
    met = True
    for name, values in result["latencies"].items():
        median = statistics.median(values) * 1000 if values else 0.0
        high = p95(values)
        met = (
            met and (high < TARGET_P95 or name.startswith("static")) and not result["errors"][name]
        )
        print(f"{name:<20}{len(values):>10}{median:>12.1f}{high * 1000:>10.1f}"
              f"{result['errors'][name]:>8}")  # fmt: skip
    rate = total / result["took"]
    print(f"\n{total:,} requests in {result['took']:.1f} s from {clients} clients: "
          f"{rate:.0f} requests/s, {errors} errors")  # fmt: skip
    for reason, count in result["reasons"].most_common():
        print(f"  error {reason} x{count}")
    verdict = "met" if met else "NOT met"
    print(f"target (p95 under {TARGET_P95 * 1000:.0f} ms on every page, no errors): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--max-requests", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casebook-web-bench-") as folder:
        url = f"sqlite:///{folder}/casebook.sqlite"
        started = time.perf_counter()
        ids = build(url, options.events)
        print(f"built in {time.perf_counter() - started:.1f} s; serving with "
              f"{options.workers} workers on SQLite")  # fmt: skip
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(url, port, options.workers, Path(folder) / "server.log")
        try:
            wait_until_up(base, server)
            results: Any = multiprocessing.get_context("spawn").Queue()
            args = (base, pages(ids), options.clients, options.seconds, options.max_requests)
            driver = multiprocessing.get_context("spawn").Process(
                target=load, args=(*args, results)
            )
            driver.start()
            result = results.get(timeout=options.seconds + 900)
            driver.join(30)
        finally:
            server.terminate()
            server.wait(30)
        report(result, options.clients)


if __name__ == "__main__":
    main()
