"""The one execution path: plans (arms × chunks of units), the settings every entry point checks in
one place, and ``execute`` with a sink (parts streamed, parts found again, foreign parts refused)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engines.streams import BLOCK_SIZE
from sim.experiments.execution import MemorySink, check_parts, execute, tables_by_point
from sim.experiments.plan import (
    BATCH_CHUNK_BLOCKS,
    DES_CHUNK_REPLICATIONS,
    Arm,
    chunks,
    make_plan,
    one_arm,
    part_id,
)
from sim.experiments.settings import MAX_SEED, RunSettings, check_workers, resolve
from sim.model.errors import ScenarioError, StoreError
from sim.model.loader import load_scenario
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL


@pytest.fixture(scope="module")
def kidal():
    return load_scenario(KIDAL)


def test_default_chunks() -> None:
    assert [len(c) for c in chunks("des", 120)] == [DES_CHUNK_REPLICATIONS, DES_CHUNK_REPLICATIONS, 20]
    cs = chunks("batch", (BATCH_CHUNK_BLOCKS + 1) * BLOCK_SIZE)
    assert [len(c) for c in cs] == [BATCH_CHUNK_BLOCKS, 1]
    assert [u.index for c in cs for u in c] == list(range(BATCH_CHUNK_BLOCKS + 1))
    assert chunks("des", 0) == []


def test_plan_of_arms(kidal) -> None:
    settings = RunSettings("des", 12, 3)
    plan = make_plan([Arm(0, kidal), Arm(1, kidal), Arm(2, kidal, crn=False, stream_point=1)], settings, 5)
    assert plan.points == [0, 1, 2] and set(plan.scenarios) == {0, 1, 2}
    assert [t.part_id for t in plan.tasks] == [part_id(p, c) for p in range(3) for c in chunks("des", 12, 5)]
    assert plan.tasks[0].part_id == "p000000-u0000000" and plan.tasks[-1].part_id == "p000002-u0000010"
    assert [t.replications for t in plan.tasks[:3]] == [5, 5, 2]
    assert plan.expected_rows()["p000001-u0000005"] == 5 * len(kidal.bases)
    last = plan.tasks[-1]
    assert (last.crn, last.stream_point, last.seed_point, last.point) == (False, 1, 1, 2)
    assert plan.tasks[0].seed_point == 0 and (plan.tasks[0].engine, plan.tasks[0].seed) == ("des", 3)
    with pytest.raises(ValueError, match="share a point"):
        make_plan([Arm(0, kidal), Arm(0, kidal)], settings)
    run = one_arm(kidal, settings)
    assert run.points == [0] and len(run.tasks) == 1 and run.tasks[0].replications == 12


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"seed": -1}, "seed", "must be a whole number from 0 to 9,223,372,036,854,775,807 (got -1)"),
    ({"seed": MAX_SEED + 1}, "seed", "(got 9223372036854775808)"),
    ({"seed": 1.5}, "seed", "(got 1.5)"),
    ({"replications": 0}, "replications", "must be a whole number from 1 to 1,000,000,000 (got 0)"),
    ({"replications": True}, "replications", "(got True)"),
    ({"replications": "10"}, "replications", "(got '10')"),
    ({"engine": "fast"}, "engine", "unknown engine 'fast' (engines: batch, des)"),
])
def test_settings_are_checked_in_one_place(kidal, kwargs: dict, field: str, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        resolve("f.yaml", kidal, **kwargs)
    assert err.value.file == "f.yaml" and err.value.field == field and message in err.value.message


def test_settings_defaults(kidal) -> None:
    assert resolve(None, kidal) == RunSettings("batch", kidal.run.replications, kidal.run.seed)
    assert resolve(None) == RunSettings("batch", 1000, 0)
    assert resolve(None, kidal, "des", 7, 0) == RunSettings("des", 7, 0)


def test_the_api_checks_settings_before_anything_runs(tmp_path, kidal) -> None:
    from sim.api import run

    with pytest.raises(ScenarioError, match="seed: must be a whole number"):
        run(kidal, seed=-1, out=tmp_path / "out")
    with pytest.raises(ScenarioError, match="unknown engine"):
        run(KIDAL, engine="fast", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_check_workers() -> None:
    check_workers(None, None)
    check_workers(4, "local")
    with pytest.raises(ScenarioError, match="workers"):
        check_workers(0, None)
    with pytest.raises(ScenarioError, match="dask"):
        check_workers(None, " ")


def test_execute_streams_parts_and_resumes_from_a_sink(kidal) -> None:
    plan = make_plan([Arm(0, kidal), Arm(1, kidal)], RunSettings("des", 9, 2), 4)
    sink = MemorySink()
    advanced: list[float] = []
    bases, runs = execute(plan, sink=sink, advance=advanced.append, simulate=fe.simulate_unit)
    assert set(sink.parts) == {t.part_id for t in plan.tasks}
    assert advanced == [4, 4, 1, 4, 4, 1]
    assert list(runs[["point", "replication"]].itertuples(index=False, name=None)) == [
        (p, r) for p in (0, 1) for r in range(9)]
    b1, r1 = tables_by_point(bases, runs, 1)
    assert (r1["point"] == 1).all() and len(r1) == 9 and len(b1) == 9 * len(kidal.bases)
    # a second execute with the same sink runs nothing and gives the same tables
    calls: list[int] = []

    def spy(*a, **k):  # noqa: ANN002, ANN003, ANN202 - the simulate signature
        calls.append(1)
        return fe.simulate_unit(*a, **k)

    again = execute(plan, sink=sink, simulate=spy)
    assert calls == []
    pd.testing.assert_frame_equal(again[0], bases)
    pd.testing.assert_frame_equal(again[1], runs)
    # with one part missing, only that part runs
    del sink.parts[plan.tasks[1].part_id]
    execute(plan, sink=sink, simulate=spy)
    assert len(calls) == plan.tasks[1].replications


def test_parts_not_of_the_plan_are_refused(kidal) -> None:
    plan = make_plan([Arm(0, kidal)], RunSettings("des", 8, 2), 4)
    ok = {t.part_id: t.replications * len(kidal.bases) for t in plan.tasks}
    assert check_parts(plan, ok) == set(ok)
    with pytest.raises(StoreError, match="p000003-u0000000 is not a chunk of this plan"):
        check_parts(plan, {"p000003-u0000000": 4}, "somewhere")
    with pytest.raises(StoreError, match="has 3 rows, not the 4"):
        check_parts(plan, {"p000000-u0000000": 3})
    sink = MemorySink()
    sink.parts["p000000-u0000004"] = pd.DataFrame({"x": [1, 2]})
    with pytest.raises(StoreError, match="memory: part p000000-u0000004 has 2 rows"):
        execute(plan, sink=sink, simulate=fe.simulate_unit, where="memory")
