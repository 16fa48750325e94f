"""Objects in worker processes answer method calls; their failures come back as one error."""

from __future__ import annotations

import os

import pytest

from casebook.resolve.hosts import Hosts, WorkerFailed


class Counter:
    """A host with state kept between calls."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, amount: int) -> tuple[int, int]:
        self.total += amount
        return os.getpid(), self.total

    def fail(self, message: str) -> None:
        raise ValueError(message)

    def exit(self) -> None:
        os._exit(3)


class Broken:
    def __init__(self) -> None:
        raise RuntimeError("cannot start")


def test_hosts_keep_their_state_between_calls_in_their_own_processes() -> None:
    with Hosts(Counter, 2) as hosts:
        first = hosts.call("add", [(1,), (10,)])
        second = hosts.call("add", [(2,), (20,)])
    assert [total for _, total in first] == [1, 10]
    assert [total for _, total in second] == [3, 30]
    pids = {pid for pid, _ in first}
    assert len(pids) == 2 and os.getpid() not in pids
    assert pids == {pid for pid, _ in second}


def test_hosts_one_host_lives_here_and_runs_when_asked() -> None:
    with Hosts(Counter, 1) as hosts:
        hosts.send("add", [(5,)])
        assert hosts.receive() == [(os.getpid(), 5)]
        assert hosts.call("add", [(1,)]) == [(os.getpid(), 6)]


def test_hosts_an_error_in_a_worker_comes_back_with_its_traceback() -> None:
    with Hosts(Counter, 2) as hosts, pytest.raises(WorkerFailed) as raised:
        hosts.call("fail", [("first bad input",), ("second",)])
    assert "worker process 0 failed" in str(raised.value)
    assert "ValueError: first bad input" in str(raised.value)


def test_hosts_a_worker_that_dies_is_reported_not_waited_for() -> None:
    with Hosts(Counter, 2) as hosts, pytest.raises(WorkerFailed, match="exit code 3"):
        hosts.call("exit", [(), ()])


def test_hosts_a_host_that_cannot_start_fails_the_first_call() -> None:
    with Hosts(Broken, 2) as hosts, pytest.raises(WorkerFailed, match="cannot start"):
        hosts.call("anything", [(), ()])


def test_hosts_want_one_argument_tuple_per_host() -> None:
    with Hosts(Counter, 2) as hosts, pytest.raises(ValueError, match="1 argument tuples for 2"):
        hosts.send("add", [(1,)])


def test_hosts_close_stops_the_workers() -> None:
    hosts = Hosts(Counter, 2)
    processes = list(hosts._processes)
    hosts.close()
    assert all(process.poll() is not None for process in processes)
