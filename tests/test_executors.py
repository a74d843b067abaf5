"""Executors: serial, processes and Dask give identical tables for the same seed."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.designs import parse_design
from sim.engine import Unit
from sim.executors import (
    TAIL_PIECES,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    Task,
    chunks,
    make_executor,
    part_id,
    run_chunks,
    tasks_for,
)
from sim.experiments import sweep
from sim.loader import load_scenario
from sim.streams import BLOCK_SIZE

sys.path.insert(0, str(Path(__file__).parent))
fe = importlib.import_module("_fake_engine")

KIDAL = Path(__file__).resolve().parents[1] / "scenarios" / "kidal_2023.yaml"
DESIGN = parse_design({"kind": "grid", "parameters": {
    "flights.p_grant": [0.1, 0.6], "convoy.max_vehicles": [50, 150]}})


def test_chunks_cover_units_once() -> None:
    cs = chunks("des", 23, 5)
    assert [len(c) for c in cs] == [5, 5, 5, 5, 3]
    assert [u.first for c in cs for u in c] == list(range(23))
    assert part_id(3, cs[1]) == "p000003-u0000005"
    b = chunks("batch", 2 * BLOCK_SIZE + 952)
    assert [(u.index, u.first, u.count) for c in b for u in c] == [
        (0, 0, BLOCK_SIZE), (1, BLOCK_SIZE, BLOCK_SIZE), (2, 2 * BLOCK_SIZE, 952)]


def test_serial_yields_every_task() -> None:
    sc = load_scenario(KIDAL)
    tasks = tasks_for([sc, sc], [0, 1], "des", 6, seed=1, chunk_replications=4)
    got = list(SerialExecutor().run(tasks, fe.simulate_unit))
    assert [t.part_id for t, _ in got] == [t.part_id for t in tasks]
    assert sum(len(df) for _, df in got) == 2 * 6 * len(sc.bases)


class _TwoWorkersInOrder(SerialExecutor):
    """Serial, but reporting two workers (so ``run_chunks`` cuts the last chunks), finishing tasks
    in reverse order (as a busy pool may), and recording what it was given."""

    workers = 2

    def __init__(self) -> None:
        self.given: list[Task] = []

    def run(self, tasks, simulate=None):  # noqa: ANN001, ANN201 - the Executor protocol's signature
        self.given = list(tasks)
        yield from reversed(list(super().run(self.given, simulate)))


def test_run_chunks_joins_the_last_chunks_from_pieces() -> None:
    """On two workers the last two chunks run in pieces; each chunk comes back whole, under its
    own part id, equal to the chunk run in one piece."""
    sc = load_scenario(KIDAL)
    tasks = tasks_for([sc, sc], [0, 1], "des", 23, seed=3, chunk_replications=10)  # chunks 10, 10, 3
    ex = _TwoWorkersInOrder()
    got = dict((t.part_id, (t, df)) for t, df in run_chunks(ex, tasks, fe.simulate_unit))
    ref = dict((t.part_id, df) for t, df in SerialExecutor().run(tasks, fe.simulate_unit))
    assert set(got) == set(ref) == {t.part_id for t in tasks}
    for t in tasks:
        assert got[t.part_id][0] is t
        pd.testing.assert_frame_equal(got[t.part_id][1], ref[t.part_id])
    sizes = [len(t.units) for t in ex.given]
    assert len(ex.given) == len(tasks) - 2 + 2 * TAIL_PIECES - 1  # the last chunk of 3 units: 3 pieces
    assert sizes[:4] == [10, 10, 3, 10] and sizes[4:] == [2, 3, 2, 3, 1, 1, 1]
    # one worker: nothing is cut
    assert [t.part_id for t, _ in run_chunks(SerialExecutor(), tasks, fe.simulate_unit)] == [t.part_id for t in tasks]


def test_run_on_two_processes_same_tables() -> None:
    """``sim.run`` on two worker processes (its last chunks cut into pieces) gives the serial tables."""
    from sim.api import run

    sc = load_scenario(KIDAL)
    ref = run(sc, engine="des", replications=120, seed=2, results_root=None, charts=False)
    with ProcessExecutor(2) as ex:
        got = run(sc, engine="des", replications=120, seed=2, results_root=None, charts=False, executor=ex)
    pd.testing.assert_frame_equal(ref.bases, got.bases)
    pd.testing.assert_frame_equal(ref.runs, got.runs)


def test_make_executor() -> None:
    assert isinstance(make_executor(None, None), SerialExecutor)
    assert isinstance(make_executor(1, None), SerialExecutor)
    ex = make_executor(2, None)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 2
    ex.close()


def _run(executor) -> object:
    return sweep(KIDAL, DESIGN, replications=30, engine="des", seed=9, executor=executor,
                 chunk_replications=7, simulate=fe.simulate_unit)


def test_process_executor_same_tables() -> None:
    ref = _run(None)
    with ProcessExecutor(2) as ex:
        got = _run(ex)
    pd.testing.assert_frame_equal(ref.bases, got.bases)
    pd.testing.assert_frame_equal(ref.table, got.table)
    pd.testing.assert_frame_equal(ref.summary, got.summary)


def test_dask_local_cluster_same_tables() -> None:
    pytest.importorskip("distributed")
    ref = _run(None)
    with DaskExecutor("local", workers=2) as ex:
        got = _run(ex)
    pd.testing.assert_frame_equal(ref.bases, got.bases)
    pd.testing.assert_frame_equal(ref.table, got.table)


def test_real_batch_engine_same_tables_in_processes() -> None:
    sc = load_scenario(KIDAL)
    tasks = [Task(f"p{p}", p, sc, "batch", (Unit(0, 0, 40),), 3) for p in range(2)]
    ref = pd.concat([df for _, df in SerialExecutor().run(tasks)], ignore_index=True)
    with ProcessExecutor(2) as ex:
        got = sorted(ex.run(tasks), key=lambda x: x[0].part_id)
    pd.testing.assert_frame_equal(ref, pd.concat([df for _, df in got], ignore_index=True))


@pytest.mark.slow
def test_dask_scheduler_address_same_tables() -> None:
    distributed = pytest.importorskip("distributed")
    ref = _run(None)
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    try:
        with DaskExecutor(cluster.scheduler_address) as ex:
            assert ex.workers == 2
            got = _run(ex)
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(ref.table, got.table)
