"""`casebook serve --workers N`: N server processes, each with its own listening socket.

uvicorn's own workers share one socket, and the first worker to wake takes every waiting
connection; since browsers keep their connections open, one worker could then serve most
of the users while the other idles. Here each worker binds its own socket on the same
address with SO_REUSEPORT, and the kernel spreads new connections over them.

The parent only supervises: a worker that dies after it started serving is started again
(one that fails before, such as on a store it cannot open, stops the whole server, with
its reason in the log), and SIGINT / SIGTERM stop every worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

from casebook.errors import CasebookError

log = logging.getLogger("casebook.web")
BACKLOG = 2048
APP = "casebook.web.app:from_environment"


class ServeError(CasebookError):
    """The server could not start (its address is taken, a worker cannot start)."""


def listening_socket(host: str, port: int, *, shared: bool = True) -> socket.socket:
    """A socket bound to host:port; `shared`: with SO_REUSEPORT, so that each worker can
    have one. Unshared, the bind fails if anything (another casebook too) listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def _worker(host: str, port: int, options: dict[str, Any], ready: Any) -> None:
    import uvicorn

    try:
        sock = listening_socket(host, port)
    except ServeError as error:
        log.error("%s", error)  # one line; the parent then stops the others
        raise SystemExit(1) from None
    sock.listen(BACKLOG)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, **options)
    server = uvicorn.Server(config)

    def tell_when_started() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()

    threading.Thread(target=tell_when_started, daemon=True).start()
    server.run(sockets=[sock])


def run_workers(host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """Run `workers` server processes on host:port until SIGINT or SIGTERM."""
    # Fail early, and never share the port with a server already there (SO_REUSEPORT would
    # let a second casebook take half of the first one's connections).
    listening_socket(host, port, shared=False).close()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start() -> tuple[BaseProcess, Any]:
        ready = context.Event()
        process = context.Process(target=_worker, args=(host, port, options, ready))
        process.start()
        return process, ready

    running = [start() for _ in range(workers)]
    log.info("casebook serving on http://%s:%d with %d workers", host, port, workers)
    try:
        while not stopping:
            wait([process.sentinel for process, _ in running], timeout=0.5)
            for n, (process, ready) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if not ready.is_set():
                    raise ServeError(
                        f"a worker stopped while starting (exit code {process.exitcode}); "
                        "its reason is above"
                    )
                log.warning("worker %d exited (code %s); starting another", n, process.exitcode)
                running[n] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()
        for process, _ in running:
            process.join(30)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
