"""`casebook serve --workers 2`: two processes, one store, one session secret."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.web.conftest import PASSWORD, WebClient, _free_port

ROOT = Path(__file__).resolve().parents[2]


def start_serving(db: str, port: int, log_path: Path, workers: int = 2) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("CASEBOOK_WEB_SECRET", None)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "casebook", "--db", db, "serve", "--port", str(port),
             "--workers", str(workers)],
            env=env, stdout=log, stderr=log,
        )  # fmt: skip


def wait_until_serving(base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.2)


def workers_of(server: subprocess.Popen[bytes], count: int = 2) -> list[psutil.Process]:
    """The server's worker processes (the children that listen), once `count` are up."""
    deadline = time.monotonic() + 60
    while True:
        children = psutil.Process(server.pid).children()
        listening = [c for c in children if _listens(c)]
        if len(listening) == count:
            return listening
        assert time.monotonic() < deadline, f"{len(listening)} workers listening"
        time.sleep(0.2)


def _listens(process: psutil.Process) -> bool:
    try:
        return any(c.status == psutil.CONN_LISTEN for c in process.net_connections("tcp"))
    except psutil.NoSuchProcess:
        return False


def test_serve_runs_several_workers_sharing_sessions(web_db: str, tmp_path: Path) -> None:
    port = _free_port()
    log_path = tmp_path / "serve.log"
    server = start_serving(web_db, port, log_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, log_path)
        client = WebClient(httpx.Client(base_url=base, timeout=30))
        client.log_in("viewer", PASSWORD)
        # New connections land on either worker; the session holds on every one.
        kept = []
        for _ in range(20):
            fresh = httpx.Client(base_url=base, cookies=client.http.cookies, timeout=30)
            assert fresh.get("/events", follow_redirects=False).status_code == 200
            kept.append(fresh)
        # Each worker listens on its own socket: the kernel spreads the kept-open
        # connections over both, instead of the first worker to wake taking them all.
        served = [
            sum(c.status == psutil.CONN_ESTABLISHED for c in worker.net_connections("tcp"))
            for worker in workers_of(server)
        ]
        assert sum(served) >= 20 and min(served) >= 2, served
        for fresh in kept:
            fresh.close()
        # A worker that dies is replaced; the server answers throughout.
        first, second = workers_of(server)
        first.kill()
        assert httpx.get(f"{base}/login", timeout=10).status_code == 200
        replaced = workers_of(server)
        assert second in replaced and first not in replaced
        assert httpx.get(f"{base}/login", timeout=10).status_code == 200
    finally:
        server.terminate()
        assert server.wait(30) == 0
    assert "Traceback" not in log_path.read_text()
    assert not psutil.pid_exists(second.pid)


def test_serve_on_a_taken_address_fails_in_one_line(web_db: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log_path = tmp_path / "serve.log"
        server = start_serving(web_db, port, log_path)
        assert server.wait(60) == 1
    out = log_path.read_text()
    assert f"cannot listen on 127.0.0.1:{port}" in out and "Traceback" not in out


def test_serve_a_second_server_on_the_same_port_is_refused(web_db: str, tmp_path: Path) -> None:
    """Each worker's socket allows SO_REUSEPORT; a second `serve` must still not join them."""
    port = _free_port()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_serving(web_db, port, first_log)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", first_log)
        second = start_serving(web_db, port, second_log)
        assert second.wait(60) == 1
        assert f"cannot listen on 127.0.0.1:{port}" in second_log.read_text()
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(30)
