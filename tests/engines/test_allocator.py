"""The batch engine's heap setting (sim/engines/allocator.py): what it reads from the environment,
that it is decided once per process, and that every process that may run the batch engine applies
it: the command line (``sim.cli.main.main``) and the worker processes
(``sim.experiments.executors._worker_setup``). Whether the padding saves page faults depends on the
machine and is measured by the benchmarks (``benchmarks/``), not asserted here."""

from __future__ import annotations

import multiprocessing

import pytest

import sim.engines.allocator
import sim.experiments.executors
from sim.cli.main import main
from sim.engines import allocator
from sim.experiments.executors import ProcessExecutor


@pytest.mark.parametrize(("env", "expected"), [
    ({}, 64 << 20), ({allocator.ENV: "0"}, 0), ({allocator.ENV: "16"}, 16 << 20),
    ({allocator.ENV: "5000"}, 1024 << 20), ({allocator.ENV: "lots"}, 0), ({allocator.ENV: "-3"}, 0),
    ({"MALLOC_TOP_PAD_": "1000"}, 0),
])
def test_top_pad_from_the_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: int) -> None:
    monkeypatch.delenv(allocator.ENV, raising=False)
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert allocator.top_pad_bytes() == expected


def test_set_once_and_not_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", [])
    monkeypatch.setenv(allocator.ENV, "0")
    assert allocator.keep_freed_memory() is False
    monkeypatch.setenv(allocator.ENV, "64")
    assert allocator.keep_freed_memory() is False  # decided once per process


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def spy() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(sim.engines.allocator, "keep_freed_memory", spy)
    monkeypatch.setattr(sim.experiments.executors, "keep_freed_memory", spy)
    return calls


def test_the_command_line_applies_it(monkeypatch: pytest.MonkeyPatch, tiny_path, capsys) -> None:
    """``main`` keeps freed memory before it runs a command (this process may run the batch engine),
    and not for a bare ``--help``-like call that runs nothing."""
    calls = _count_calls(monkeypatch)
    assert main([]) == 2
    assert calls == []
    assert main(["validate", str(tiny_path)]) == 0
    assert calls == [1]
    capsys.readouterr()


def test_worker_processes_apply_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every worker process runs ``_worker_setup`` first (the pool's initializer; Dask's workers by
    ``client.run``), and ``_worker_setup`` keeps freed memory."""
    calls = _count_calls(monkeypatch)
    sim.experiments.executors._worker_setup()
    assert calls == [1]
    made: dict[str, object] = {}

    class Pool:
        def __init__(self, max_workers: int, mp_context: object, initializer: object) -> None:
            made.update(max_workers=max_workers, mp_context=mp_context, initializer=initializer)

        def shutdown(self, wait: bool, cancel_futures: bool) -> None:
            pass

    monkeypatch.setattr(sim.experiments.executors, "ProcessPoolExecutor", Pool)
    with ProcessExecutor(3) as ex:
        ex._get_pool()
    assert made["initializer"] is sim.experiments.executors._worker_setup and made["max_workers"] == 3
    assert made["mp_context"] is multiprocessing.get_context("spawn")


def test_dask_workers_apply_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Dask executor runs ``_worker_setup`` on every worker of the cluster it connects to."""
    distributed = pytest.importorskip("distributed")
    ran: list[object] = []

    class Client:
        def __init__(self, address: object, **kwargs: object) -> None:
            self.address = address

        def run(self, fn: object) -> dict[str, None]:
            ran.append(fn)
            return {}

        def scheduler_info(self) -> dict[str, object]:
            return {"workers": {"tcp://a:1": {}, "tcp://b:2": {}}}

        def close(self) -> None:
            pass

    monkeypatch.setattr(distributed, "Client", Client)
    with sim.experiments.executors.DaskExecutor("tcp://scheduler:8786") as ex:
        assert ex.workers == 2
    assert ran == [sim.experiments.executors._worker_setup]
