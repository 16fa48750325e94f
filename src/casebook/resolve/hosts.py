"""Objects that live in worker processes for a whole run and answer method calls over pipes.

Bulk resolution keeps its parsed names (and what comparing them needs) in the workers from
the first step to the last, and sends them only arrays of numbers. The workers are new
processes, not forks: a forked child shares the parent's memory pages, and every object it
merely reads (its reference count changes) makes the kernel copy that page. In a forked
child of a 2 GB process, scoring name pairs took 1.8 times the CPU it takes in the parent.

With one host there is no process at all: the object lives here and a call runs when its
result is asked for, so the caller's code is the same either way.
"""

from __future__ import annotations

import gc
import importlib
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

Host = TypeVar("Host")


class WorkerFailed(RuntimeError):
    """A worker process raised, or died, while answering a call."""


class Hosts(Generic[Host]):
    """`count` objects made by `factory` (a module-level class or function), each in its own
    worker process, or here when `count` is 1. `send` starts a method on every host, one
    tuple of arguments each; `receive` waits for their results, in host order.

    A worker is a fresh `python` running `_serve`, given the factory's import path and two
    pipes: it imports only what the factory needs, never the caller's main module."""

    def __init__(self, factory: Callable[[], Host], count: int = 1) -> None:
        self.count = max(1, count)
        self._local: Host | None = None
        self._pending: list[Callable[[], Any]] = []
        self._processes: list[subprocess.Popen[bytes]] = []
        self._requests: list[Connection] = []
        self._replies: list[Connection] = []
        if self.count == 1:
            self._local = factory()
            return
        try:
            for _ in range(self.count):
                self._start(f"{factory.__module__}:{factory.__qualname__}")
        except BaseException:
            self.close()
            raise

    def _start(self, factory: str) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        command = [sys.executable, "-c", _WORKER, factory, str(request_read), str(reply_write)]
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))}
        try:
            process = subprocess.Popen(
                command,
                pass_fds=(request_read, reply_write),
                env=environment,
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(request_read)
            os.close(reply_write)
        self._processes.append(process)
        self._requests.append(Connection(request_write, readable=False))
        self._replies.append(Connection(reply_read, writable=False))

    def send(self, method: str, arguments: Sequence[tuple[Any, ...]]) -> None:
        """Start `method` on each host with its arguments (one tuple per host)."""
        if len(arguments) != self.count:
            raise ValueError(f"{len(arguments)} argument tuples for {self.count} hosts")
        if self._local is not None:
            call = getattr(self._local, method)
            self._pending = [partial(call, *args) for args in arguments]
            return
        for number, (pipe, args) in enumerate(zip(self._requests, arguments, strict=True)):
            try:
                pipe.send((method, args))
            except OSError:
                raise self._died(number) from None

    def receive(self) -> list[Any]:
        """The results of the last `send`, one per host."""
        if self._local is not None:
            pending, self._pending = self._pending, []
            return [call() for call in pending]
        results = []
        for number, pipe in enumerate(self._replies):
            try:
                ok, value = pipe.recv()
            except (EOFError, OSError):
                raise self._died(number) from None
            if not ok:
                raise WorkerFailed(f"worker process {number} failed:\n{value}")
            results.append(value)
        return results

    def call(self, method: str, arguments: Sequence[tuple[Any, ...]]) -> list[Any]:
        self.send(method, arguments)
        return self.receive()

    def _died(self, number: int) -> WorkerFailed:
        process = self._processes[number]
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        return WorkerFailed(f"worker process {number} stopped answering (exit code {code})")

    def close(self) -> None:
        """Stop the worker processes (they hold nothing worth a clean shutdown)."""
        for pipe in (*self._requests, *self._replies):
            pipe.close()
        for process in self._processes:
            process.kill()
        for process in self._processes:
            process.wait()
        self._requests, self._replies, self._processes = [], [], []

    def __enter__(self) -> Hosts[Host]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


_WORKER = "import sys; from casebook.resolve.hosts import _serve; _serve(*sys.argv[1:])"


def _serve(factory: str, requests: str, replies: str) -> None:
    """A worker's life: make the host, then answer calls until the request pipe closes.
    The host is made once the first call has been read, so that the caller, whose send
    waits until the call is read, is not held up while the host starts (its module is
    imported before). Without the cycle
    collector: a host holds millions of long-lived objects, and each full collection would
    walk them all."""
    gc.disable()
    inbox = Connection(int(requests), writable=False)
    outbox = Connection(int(replies), readable=False)
    host, make, failure = None, None, ""
    try:
        module, _, name = factory.partition(":")
        make = getattr(importlib.import_module(module), name)
    except BaseException:
        failure = traceback.format_exc()
    while True:
        try:
            method, arguments = inbox.recv()
        except (EOFError, OSError):
            return
        if make is not None:
            try:
                host = make()
            except BaseException:
                failure = traceback.format_exc()
            make = None
        if host is None:
            outbox.send((False, failure))
            continue
        try:
            result = (True, getattr(host, method)(*arguments))
        except BaseException:
            result = (False, traceback.format_exc())
        outbox.send(result)
