"""Sweep tables assembled as chunks arrive equal the chunks stacked and rolled up at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.assembly import Assembly, stack
from sim.experiments.designs import point_scenarios
from sim.experiments.executors import SerialExecutor
from sim.experiments.plan import Arm, Task, make_plan
from sim.experiments.settings import RunSettings
from sim.model.loader import load_scenario, read_yaml
from sim.model.schema import Scenario
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL


def tasks_of(scenarios: list[Scenario], engine: str, reps: int, seed: int, chunk: int) -> list[Task]:
    """The tasks of one arm per scenario (points 0, 1, ...), point-major."""
    arms = [Arm(p, sc) for p, sc in enumerate(scenarios)]
    return make_plan(arms, RunSettings(engine, reps, seed), chunk).tasks


def _chunks(overrides: list[dict], engine: str = "des", reps: int = 23, chunk: int = 5):
    raw = read_yaml(KIDAL)
    points = pd.DataFrame([{"point": i, **o} for i, o in enumerate(overrides)])
    scenarios = point_scenarios(raw, points, str(KIDAL))
    ids = list(range(len(overrides)))
    tasks = tasks_of(scenarios, engine, reps, seed=4, chunk=chunk)
    got = [(t, c.bases) for t, c in SerialExecutor().run(tasks, fe.simulate_unit)]
    return tasks, dict(zip(ids, scenarios, strict=True)), got


def test_assembled_in_any_order_equals_stacked() -> None:
    late, early = "2023-12-31T23:59", "2023-10-20T00:00"
    tasks, scenarios, got = _chunks([{"flights.p_grant": p, "calendar.deadline": late} for p in (0.1, 0.5, 0.9)]
                                    + [{"flights.p_grant": 0.5, "calendar.deadline": early}])
    ref_bases, ref_runs = stack(scenarios, [df for _, df in got])
    order = np.random.default_rng(0).permutation(len(got))
    a = Assembly(tasks, scenarios)
    for i in order:
        a.add(got[i][0].part_id, got[i][1])
    assert not a.stacked  # copied into place, not stacked
    bases, runs = a.tables()
    pd.testing.assert_frame_equal(bases, ref_bases)
    pd.testing.assert_frame_equal(runs, ref_runs)
    assert not runs["on_time"][runs["point"] == 3].any() and runs["on_time"][runs["point"] == 0].any()


def test_a_chunk_that_does_not_fit_falls_back_to_stacking() -> None:
    """A chunk whose rows are out of order, or with other dtypes than the ones copied in so far:
    the copied chunks are cut back out and everything is stacked at the end."""
    tasks, scenarios, got = _chunks([{"flights.p_grant": 0.2}, {"flights.p_grant": 0.7}])
    odd = got[-1][1].astype({"wounded": "float64"})
    frames = [df for _, df in got[:-1]] + [odd]
    shuffled = got[1][1].iloc[::-1].reset_index(drop=True)  # rows out of order: stacking sorts them
    a = Assembly(tasks, scenarios)
    for task, df in got:
        a.add(task.part_id, shuffled if task is got[1][0] else df)
    assert a.stacked
    ref_bases, ref_runs = stack(scenarios, [shuffled if t is got[1][0] else df for t, df in got])
    pd.testing.assert_frame_equal(a.tables()[0], ref_bases)
    pd.testing.assert_frame_equal(a.tables()[1], ref_runs)
    ref_bases, ref_runs = stack(scenarios, frames)
    a = Assembly(tasks, scenarios)
    for (task, _), df in zip(got, frames, strict=True):
        a.add(task.part_id, df)
    assert a.stacked
    bases, runs = a.tables()
    pd.testing.assert_frame_equal(bases, ref_bases)
    pd.testing.assert_frame_equal(runs, ref_runs)
    assert bases["wounded"].dtype == np.float64


def test_points_with_other_columns_are_stacked() -> None:
    """A sweep point with one cargo class more has more columns: stacked, as before."""
    base = load_scenario(KIDAL)
    raw = read_yaml(KIDAL)
    raw["cargo_classes"]["fuel"] = {"units_per_truck": 1, "priority": 1}
    raw["sites"]["kidal"]["cargo"]["fuel"] = 5
    other = point_scenarios(raw, pd.DataFrame([{"point": 1, "flights.p_grant": 0.7}]), str(KIDAL))[0]
    scenarios = {0: base, 1: other}
    tasks = tasks_of([base, other], "des", 6, seed=4, chunk=5)
    got = list(SerialExecutor().run(tasks, fe.simulate_unit))
    a = Assembly(tasks, scenarios)
    assert a.stacked
    for task, c in got:
        a.add(task.part_id, c.bases)
    bases, runs = a.tables()
    ref_bases, ref_runs = stack(scenarios, [c.bases for _, c in got])
    pd.testing.assert_frame_equal(bases, ref_bases)
    pd.testing.assert_frame_equal(runs, ref_runs)
    assert "cargo_fuel_road" in runs.columns and runs["cargo_fuel_road"].isna().sum() == 6


def test_every_chunk_once() -> None:
    tasks, scenarios, got = _chunks([{"flights.p_grant": 0.2}], reps=10)
    a = Assembly(tasks, scenarios)
    a.add(got[0][0].part_id, got[0][1])
    with pytest.raises(ValueError, match="added twice"):
        a.add(got[0][0].part_id, got[0][1])
    with pytest.raises(ValueError, match="not added"):
        a.tables()


def test_a_chunk_whose_rows_do_not_roll_up_by_blocks_falls_back() -> None:
    """Rows in order and of the right count, but a replication twice: the roll-up by blocks refuses
    it, and the chunks are stacked (and grouped) at the end."""
    tasks, scenarios, got = _chunks([{"flights.p_grant": 0.2}])
    task, df = got[1]
    twice = df.copy()
    twice.loc[1, "replication"] = twice.loc[0, "replication"]
    frames = [twice if t is task else d for t, d in got]
    a = Assembly(tasks, scenarios)
    for t, d in zip([t for t, _ in got], frames, strict=True):
        a.add(t.part_id, d)
    assert a.stacked
    ref_bases, ref_runs = stack(scenarios, frames)
    bases, runs = a.tables()
    pd.testing.assert_frame_equal(bases, ref_bases)
    pd.testing.assert_frame_equal(runs, ref_runs)
    assert len(runs) == len(bases) - 1  # the repeated replication is one run
