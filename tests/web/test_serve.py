"""`casebook serve --workers 2`: two processes, one store, one session secret."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.web.conftest import PASSWORD, WebClient, _free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_runs_several_workers_sharing_sessions(web_db: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("CASEBOOK_WEB_SECRET", None)
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "casebook", "--db", web_db, "serve", "--port", str(port),
         "--workers", "2"],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        client = WebClient(httpx.Client(base_url=base, timeout=30))
        client.log_in("viewer", PASSWORD)
        # New connections land on either worker; the session holds on every one.
        for _ in range(8):
            fresh = httpx.Client(base_url=base, cookies=client.http.cookies, timeout=30)
            assert fresh.get("/events", follow_redirects=False).status_code == 200
            fresh.close()
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
