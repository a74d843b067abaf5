"""Executors in this process: serial, the last chunks cut into pieces on several workers, the
executor the flags choose (processes and Dask: ``tests/integration/test_executors.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engines.dispatch import Unit
from sim.engines.streams import BLOCK_SIZE
from sim.experiments.executors import (
    TAIL_PIECES,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
    run_chunks,
    run_task,
)
from sim.experiments.plan import Arm, Task, chunks, make_plan, part_id
from sim.experiments.settings import RunSettings
from sim.model.loader import load_scenario
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL


def tasks(n_points: int, engine: str, replications: int, seed: int, chunk_replications: int) -> list[Task]:
    """The tasks of ``n_points`` Kidal arms (points 0, 1, ...), point-major."""
    sc = load_scenario(KIDAL)
    plan = make_plan([Arm(p, sc) for p in range(n_points)], RunSettings(engine, replications, seed),
                     chunk_replications)
    return plan.tasks


def test_chunks_cover_units_once() -> None:
    cs = chunks("des", 23, 5)
    assert [len(c) for c in cs] == [5, 5, 5, 5, 3]
    assert [u.first for c in cs for u in c] == list(range(23))
    assert part_id(3, cs[1]) == "p000003-u0000005"
    b = chunks("batch", 2 * BLOCK_SIZE + 952)
    assert [(u.index, u.first, u.count) for c in b for u in c] == [
        (0, 0, BLOCK_SIZE), (1, BLOCK_SIZE, BLOCK_SIZE), (2, 2 * BLOCK_SIZE, 952)]


def test_serial_yields_every_task() -> None:
    ts = tasks(2, "des", 6, seed=1, chunk_replications=4)
    got = list(SerialExecutor().run(ts, fe.simulate_unit))
    assert [t.part_id for t, _ in got] == [t.part_id for t in ts]
    assert sum(len(c.bases) for _, c in got) == 2 * 6 * len(load_scenario(KIDAL).bases)


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
    tasks_ = tasks(2, "des", 23, seed=3, chunk_replications=10)  # chunks 10, 10, 3
    ex = _TwoWorkersInOrder()
    got = {t.part_id: (t, df) for t, df in run_chunks(ex, tasks_, fe.simulate_unit)}
    ref = {t.part_id: df for t, df in SerialExecutor().run(tasks_, fe.simulate_unit)}
    assert set(got) == set(ref) == {t.part_id for t in tasks_}
    for t in tasks_:
        assert got[t.part_id][0] is t
        pd.testing.assert_frame_equal(got[t.part_id][1].bases, ref[t.part_id].bases)
    sizes = [len(t.units) for t in ex.given]
    assert len(ex.given) == len(tasks_) - 2 + 2 * TAIL_PIECES - 1  # the last chunk of 3 units: 3 pieces
    assert sizes[:4] == [10, 10, 3, 10] and sizes[4:] == [2, 3, 2, 3, 1, 1, 1]
    # one worker: nothing is cut
    assert [t.part_id for t, _ in run_chunks(SerialExecutor(), tasks_, fe.simulate_unit)] == [t.part_id for t in tasks_]


def test_make_executor() -> None:
    assert isinstance(make_executor(None, None), SerialExecutor)
    assert isinstance(make_executor(1, None), SerialExecutor)
    ex = make_executor(2, None)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 2
    ex.close()
    with pytest.raises(ValueError, match="at least 1"):
        ProcessExecutor(0)


def test_make_executor_dask_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--dask ADDRESS`` wins over ``--workers``: the address goes to the Dask executor (whose
    cluster is not started here)."""
    made: list[tuple[object, int]] = []

    def dask(address: object, workers: int = 2, where: object = None) -> str:
        made.append((address, workers))
        return "dask"

    monkeypatch.setattr("sim.experiments.executors.DaskExecutor", dask)
    assert make_executor(3, "tcp://h:1") == "dask" and made == [("tcp://h:1", 3)]
    assert make_executor(None, "local") == "dask" and made[-1] == ("local", 2)
    assert DaskExecutor is not dask


def test_run_task_with_and_without_a_simulate(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_task`` sends a task's units, seed, point and streams to ``simulate`` one unit at a time,
    else to ``dispatch.simulate_units`` as one chunk."""
    sc = load_scenario(KIDAL)
    task = Task("p000004-u0000002", 4, sc, "des", (Unit(2, 2, 1), Unit(3, 3, 1)), 9, crn=False, stream_point=1)
    seen: list[tuple] = []

    def one(sc_, engine, unit, seed, point, crn):  # noqa: ANN001, ANN202 - the simulate signature
        seen.append((engine, unit.index, seed, point, crn))
        return fe.simulate_unit(sc_, engine, unit, seed, point, crn)

    done = run_task(task, one)
    df = done.bases
    assert done.roads is None  # a test's simulate tallies no roads
    assert seen == [("des", 2, 9, 1, False), ("des", 3, 9, 1, False)]  # streams keyed by stream_point
    assert df["replication"].tolist() == [2, 3]
    chunks_seen: list[tuple] = []

    def units(sc_, engine, chunk, seed, point, crn, roads=None):  # noqa: ANN001, ANN202
        chunks_seen.append((engine, tuple(u.index for u in chunk), seed, point, crn))
        return fe.simulate_units(sc_, engine, chunk, seed, point, crn)

    monkeypatch.setattr("sim.engines.dispatch.simulate_units", units)
    pd.testing.assert_frame_equal(run_task(task).bases, df)
    assert chunks_seen == [("des", (2, 3), 9, 1, False)]


