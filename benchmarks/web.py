"""Benchmark the web app: a record of 100,000 events served by `casebook serve`, driven
from a second process on loopback by 50 concurrent clients for 30 s.

    .venv/bin/python benchmarks/web.py                       # 100,000 events, 50 clients, 30 s
    .venv/bin/python benchmarks/web.py --events 20000 --seconds 10 --workers 2

The record is the generated one of benchmarks/count.py (bulk inserts; full-text index
filled afterwards); `--keep DIR` builds it once in DIR and reuses it. The server runs as its
own process (`python -m casebook serve`), the load generator as another: one log-in (httpx)
gives the session cookie, then each client holds one keep-alive connection (plain asyncio
streams, so the generator takes as little of the shared CPU as it can) and cycles through
the pages. Each visit picks its record at random (seeded) from pools spread over the whole
record: 500 sources, events and persons, 100 organisations, list pages 1 to 20, filters and
search words, so the server cannot answer from one warm row. The run is bounded in time
(--seconds) and in requests (--max-requests). Prints, per page, requests, median and p95
latency and errors, then the totals and requests/s, and whether every page met the 200 ms
p95 target with no errors. A baseline in the same run: GET /static/casebook.css (the
server's floor per request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import select, text  # noqa: E402

from casebook.security.accounts import add_first_admin  # noqa: E402
from casebook.store.engine import open_store  # noqa: E402
from casebook.store.schema import Event, Organisation, Person, Source  # noqa: E402
from casebook.store.sources import index_for_search  # noqa: E402
from casebook.web.auth import COOKIE  # noqa: E402
from count import Record, write  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"
TARGET_P95 = 0.200


POOL = 500


def build(url: str, events: int) -> dict[str, Any]:
    """Write the record; return pools of record ids (and search words) the visits pick from."""
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
            pools = {
                "sources": _spread(session.scalars(select(Source.id).order_by(Source.id))),
                "events": _spread(session.scalars(select(Event.id).order_by(Event.id))),
                "persons": _spread(session.scalars(select(Person.id).order_by(Person.id))),
                "organisations": _spread(
                    session.scalars(select(Organisation.id).order_by(Organisation.id)), 100
                ),
                # "report 123x1": each report's own word
                "words": [
                    str(title).split()[-1]
                    for title in _spread(session.scalars(select(Source.title).order_by(Source.id)))
                ],
            }
        print(f"record: {record.event_count:,} events, {len(record.tables[Person]):,} persons")
        return pools
    finally:
        store.close()


def _spread(rows: Any, size: int = POOL) -> list[str]:
    """`size` rows evenly spread over all of them."""
    every = list(rows)
    step = max(1, len(every) // size)
    return every[::step][:size]


def reuse(folder: Path, events: int) -> dict[str, Any] | None:
    """The pools of a record built earlier in `folder` with as many events, if there is one."""
    saved = folder / "pools.json"
    if not saved.exists() or not (folder / "casebook.sqlite").exists():
        return None
    pools = json.loads(saved.read_text())
    if pools.pop("events_built") != events:
        raise SystemExit(f"{folder} holds a record of another size; choose another --keep")
    print(f"record: reused from {folder}")
    return dict(pools)


EVENT_TYPES = ("arrest", "charge", "conviction", "sentence", "bail_granted")
STATUSES = ("confirmed", "candidate")


def pages(pools: dict[str, Any]) -> dict[str, Callable[[random.Random], str]]:
    """Each page of the benchmark, as a function from a random source to one visit's path."""

    def one(pool: str) -> Callable[[random.Random], str]:
        return lambda rng: rng.choice(pools[pool])

    source, event, person, organisation, word = (
        one("sources"), one("events"), one("persons"), one("organisations"), one("words"),
    )  # fmt: skip
    return {
        "static (baseline)": lambda rng: "/static/casebook.css",
        "dashboard": lambda rng: "/",
        "chart": lambda rng: "/charts/nsl-arrests.svg",
        "sources": lambda rng: f"/sources?page={rng.randint(1, 20)}",
        "search": lambda rng: f"/sources?q=report+{word(rng)}",
        "source": lambda rng: f"/sources/{source(rng)}",
        "events": lambda rng: f"/events?page={rng.randint(1, 20)}",
        "events filtered": lambda rng: (
            f"/events?type={rng.choice(EVENT_TYPES)}&status={rng.choice(STATUSES)}"
            f"&since={rng.randint(2020, 2024)}-01-01&page={rng.randint(1, 5)}"
        ),
        "event": lambda rng: f"/events/{event(rng)}",
        "persons": lambda rng: f"/persons?page={rng.randint(1, 20)}",
        "person": lambda rng: f"/persons/{person(rng)}",
        "organisations": lambda rng: f"/organisations?page={rng.randint(1, 20)}",
        "organisation": lambda rng: f"/organisations/{organisation(rng)}",
        "review": lambda rng: f"/review?page={rng.randint(1, 20)}",
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


def log_in(base: str) -> str:
    """Log in once; the session cookie every client sends."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert csrf is not None, "no CSRF token on the login page"
        answer = client.post("/login", data={"name": USER, "password": PASSWORD, "csrf": csrf[1]})
        if answer.status_code != 303:
            raise RuntimeError(f"login failed: {answer.status_code}")
        return f"{COOKIE}={client.cookies[COOKIE]}"


class Connection:
    """One keep-alive HTTP/1.1 connection: GET a path, read the status and the whole body."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nCookie: {self.cookie}\r\n\r\n"
                     .encode())  # fmt: skip
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            status, headers = _head(head)
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                while size := int((await reader.readline()).strip(), 16):
                    await reader.readexactly(size + 2)
                await reader.readline()
            if headers.get("connection") == "close":
                self.close()
            return status
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def _head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    return int(lines[0].split()[1]), headers


async def _drive(base: str, pools: dict[str, Any], cookie: str, clients: int, seconds: float,
                 max_requests: int) -> dict[str, Any]:  # fmt: skip
    host, port = base.removeprefix("http://").split(":")
    paths = pages(pools)
    warm = Connection(host, int(port), cookie)
    for name, path in paths.items():  # warm up: facts built, charts drawn, caches filled
        status = await asyncio.wait_for(warm.get(path(random.Random(0))), 900)
        if status != 200:
            raise RuntimeError(f"{name}: HTTP {status} while warming up")
    warm.close()
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    by_client: list[list[float]] = [[] for _ in range(clients)]
    errors: dict[str, int] = dict.fromkeys(paths, 0)
    reasons: Counter[str] = Counter()
    names = list(paths)
    sent = 0
    deadline = time.perf_counter() + seconds

    async def one_client(number: int) -> None:
        nonlocal sent
        rng = random.Random(number)
        connection = Connection(host, int(port), cookie)
        turn = number
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            name = names[turn % len(names)]
            turn += 1
            path = paths[name](rng)
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(connection.get(path), 30)
                ok, reason = status == 200, f"HTTP {status}"
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                ok, reason = False, type(error).__name__
            if not ok:
                reasons[f"{name}: {reason} ({path})"] += 1
            latencies[name].append(time.perf_counter() - started)
            by_client[number].append(latencies[name][-1])
            errors[name] += 0 if ok else 1
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    took = time.perf_counter() - started
    client_medians = sorted(statistics.median(v) for v in by_client if v)
    return {"latencies": latencies, "errors": errors, "reasons": reasons, "took": took,
            "client_medians": client_medians}  # fmt: skip


def load(base: str, pools: dict[str, Any], cookie: str, clients: int, seconds: float,
         max_requests: int, out: Any) -> None:  # fmt: skip
    import uvloop  # the generator shares the CPUs with the server: the leaner, the better

    result = uvloop.run(_drive(base, pools, cookie, clients, seconds, max_requests))
    used = resource.getrusage(resource.RUSAGE_SELF)
    out.put({**result, "generator_cpu": used.ru_utime + used.ru_stime})


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


def connections_per_worker(server: subprocess.Popen[bytes], port: int, results: Any) -> list[int]:
    """How many of the clients' connections each worker process holds, once the clients
    have connected (a few seconds into the run)."""
    import psutil

    deadline = time.monotonic() + 600
    while results.empty() and time.monotonic() < deadline:
        counts = []
        for worker in psutil.Process(server.pid).children(recursive=True):
            try:
                held = worker.net_connections("tcp")
            except psutil.NoSuchProcess:
                continue
            served = [
                c for c in held if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
            ]
            if served:
                counts.append(len(served))
        if sum(counts) >= 40:
            return sorted(counts)
        time.sleep(0.5)
    return []


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
    share = result["generator_cpu"] / result["took"] * 100
    print(f"the load generator used {result['generator_cpu']:.1f} s of CPU ({share:.0f}% of one)")
    spread = result["client_medians"]
    if spread:  # far apart: the connections are spread unevenly over the workers
        low, middle, high = (round(spread[i] * 1000) for i in (0, len(spread) // 2, -1))
        print(f"each client's median: lowest {low} ms, middle {middle} ms, highest {high} ms")
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
    parser.add_argument(
        "--keep", type=Path, help="build the record in this folder and reuse it on later runs"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casebook-web-bench-") as scratch:
        folder = options.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder}/casebook.sqlite"
        started = time.perf_counter()
        pools = reuse(folder, options.events) or build(url, options.events)
        (folder / "pools.json").write_text(json.dumps({**pools, "events_built": options.events}))
        print(f"built in {time.perf_counter() - started:.1f} s; serving with "
              f"{options.workers} workers on SQLite")  # fmt: skip
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(url, port, options.workers, Path(folder) / "server.log")
        try:
            wait_until_up(base, server)
            results: Any = multiprocessing.get_context("spawn").Queue()
            args = (base, pools, log_in(base), options.clients, options.seconds,
                    options.max_requests)  # fmt: skip
            driver = multiprocessing.get_context("spawn").Process(
                target=load, args=(*args, results)
            )
            driver.start()
            spread = connections_per_worker(server, port, results)
            result = results.get(timeout=options.seconds + 900)
            print(f"connections per worker (while loaded): {spread}")
            driver.join(30)
        finally:
            server.terminate()
            server.wait(30)
        report(result, options.clients)


if __name__ == "__main__":
    main()
