"""Sweeps: the table, summary and common random numbers of a design, checks before running, the
shipped sweep files, a results folder and its resume (in this process; a resume after SIGKILL is
in ``tests/integration/test_resume.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.api.sweeps import sensitivity, sweep, sweep_file
from sim.experiments.designs import parse_design
from sim.experiments.specs import load_sensitivity, load_sweep
from sim.model.errors import StoreError
from sim.model.loader import ScenarioError, load_scenario, read_yaml
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL, SWEEPS

GRID = {"kind": "grid", "parameters": {"flights.p_grant": [0.1, 0.6], "convoy.max_vehicles": [50, 150]}}


def test_sweep_table_summary_and_crn() -> None:
    res = sweep(KIDAL, parse_design(GRID), replications=25, engine="des", seed=4,
                metrics=["on_time", "wounded"], simulate=fe.simulate_unit)
    assert len(res.table) == 4 * 25
    assert list(res.table.columns[:4]) == ["point", "replication", "flights.p_grant", "convoy.max_vehicles"]
    assert res.table.groupby("point").size().tolist() == [25] * 4
    assert set(res.summary["metric"]) == {"on_time", "wounded"}
    assert len(res.summary) == 8 and "flights.p_grant" in res.summary.columns
    # common random numbers: the same replication draws the same uniforms at every point, so a
    # metric that does not depend on the swept parameter is identical across points
    w = res.table.pivot(index="replication", columns="point", values="wounded")
    np.testing.assert_array_equal(w[0], w[2])  # p_grant does not enter wounded
    c = res.table.pivot(index="replication", columns="point", values="completion_hours")
    assert (c[2] <= c[0]).all()  # more flights granted: never later, replication by replication
    path_res = sweep(KIDAL, res.points, replications=25, engine="des", seed=4,
                     metrics=["on_time", "wounded"], simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(res.table, path_res.table)


def test_sweep_rejects_bad_paths_and_metrics_before_running() -> None:
    calls = []

    def spy(*a, **k):
        calls.append(1)
        return fe.simulate_unit(*a, **k)

    bad = {"kind": "grid", "parameters": {"flights.p_grant": [0.1], "convoy.max_vehicle": [50]}}
    with pytest.raises(ScenarioError, match="convoy.max_vehicle"):
        sweep(KIDAL, parse_design(bad), replications=5, engine="des", seed=1, simulate=spy)
    with pytest.raises(ScenarioError, match="metrics"):
        sweep(KIDAL, parse_design(GRID), replications=5, engine="des", seed=1, metrics=["woundd"], simulate=spy)
    assert calls == []


@pytest.mark.parametrize("spec", SWEEPS, ids=lambda p: p.stem)
def test_shipped_sweep_files_are_valid_and_run(spec: Path) -> None:
    from sim.experiments.designs import point_scenarios

    if "method" in read_yaml(spec):
        s = load_sensitivity(spec)
        assert s.file == spec and s.scenario.is_file()
        res = sensitivity(s.scenario, s.parameters, s.spec.metric, s.spec.method, n=4, replications=2,
                          engine="des", simulate=fe.simulate_unit)
        assert len(res.indices) == len(s.parameters)
        return
    sw = load_sweep(spec)
    assert sw.file == spec and sw.scenario.is_file()
    points = sw.design.points()
    assert len(point_scenarios(read_yaml(sw.scenario), points, sw.scenario)) == len(points)
    res = sweep(sw.scenario, sw.design, replications=2, engine="des", seed=1, metrics=sw.spec.metrics,
                simulate=fe.simulate_unit)
    assert len(res.table) == 2 * len(points)


def test_sweep_over_the_deadline_judges_each_point_by_its_own() -> None:
    """Points are rolled up together; ``on_time`` must still use each point's deadline."""
    deadlines = ["2023-11-05T00:00", "2023-11-20T00:00", "2023-12-31T00:00"]
    design = parse_design({"kind": "grid", "parameters": {"calendar.deadline": deadlines}})
    res = sweep(KIDAL, design, replications=64, engine="batch", seed=5, metrics=["on_time"])
    for point, grp in res.table.groupby("point"):
        sc = load_scenario(KIDAL, {"calendar.deadline": deadlines[int(point)]})
        expected = grp["completion_hours"] <= sc.hours(sc.calendar.deadline)
        assert (grp["on_time"] == expected).all()
    share = res.table.groupby("point")["on_time"].mean()
    assert share.is_monotonic_increasing and share.iloc[0] < share.iloc[-1]


def _sweep_file(tmp_path: Path) -> Path:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"scenario: {KIDAL}\nreplications: 6\nseed: 2\nengine: des\nmetrics: [on_time, wounded]\n"
                    "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.9]}}\n")
    return spec


def test_sweep_file_uses_its_settings_and_arguments_win(tmp_path: Path) -> None:
    spec = _sweep_file(tmp_path)
    res = sweep_file(spec, simulate=fe.simulate_unit)
    assert len(res.table) == 2 * 6 and res.metrics == ["on_time", "wounded"] and res.path is None
    ref = sweep(KIDAL, parse_design({"kind": "grid", "parameters": {"flights.p_grant": [0.1, 0.9]}}),
                replications=6, engine="des", seed=2, metrics=["on_time", "wounded"], simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(res.table, ref.table)
    more = sweep_file(spec, replications=9, seed=3, metrics=["wounded"], simulate=fe.simulate_unit)
    assert len(more.table) == 2 * 9 and set(more.summary["metric"]) == {"wounded"}
    assert not more.table.equals(res.table)


def test_sweep_file_errors_name_the_sweep_file(tmp_path: Path) -> None:
    """A design value the scenario refuses is an error of the sweep file's field, not the scenario's."""
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"scenario: {KIDAL}\ndesign: {{kind: grid, parameters: {{flights.p_grant: [0.5, 1.5]}}}}\n")
    with pytest.raises(ScenarioError) as err:
        sweep_file(spec, replications=2, engine="des", simulate=fe.simulate_unit)
    assert err.value.file == str(spec) and err.value.field == "design.parameters.flights.p_grant"
    assert str(KIDAL) in err.value.message
    nowhere = tmp_path / "nowhere.yaml"
    nowhere.write_text("scenario: missing.yaml\ndesign: {kind: grid, parameters: {flights.p_grant: [0.1]}}\n")
    with pytest.raises(ScenarioError) as err:
        sweep_file(nowhere, simulate=fe.simulate_unit)
    assert err.value.file == str(nowhere) and err.value.field == "scenario"


def test_sweep_writes_a_results_folder_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = sweep(KIDAL, parse_design(GRID), replications=5, engine="des", seed=1, simulate=fe.simulate_unit)
    assert res.path is None and list(tmp_path.iterdir()) == []
    out = tmp_path / "sw"
    res = sweep(KIDAL, parse_design(GRID), replications=5, engine="des", seed=1, out=out, chunk_replications=2,
                simulate=fe.simulate_unit)
    assert res.path == out
    m = json.loads((out / "manifest.json").read_text())
    assert (m["kind"], m["status"], m["engine"], m["seed"], m["replications"]) == ("sweep", "complete", "des", 1, 5)
    assert m["design"]["n_points"] == 4 and m["design"]["chunk_replications"] == 2
    assert len(m["parts"]["bases"]) == 4 * 3  # 5 replications in chunks of 2: 3 parts per point
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), res.table)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "points.parquet"), res.points)
    assert (out / "summary.csv").is_file() and (out / "scenario.yaml").is_file()
    in_root = sweep(KIDAL, parse_design(GRID), replications=5, engine="des", seed=1, results_root=tmp_path / "r",
                    simulate=fe.simulate_unit)
    assert in_root.path is not None and in_root.path.parent == tmp_path / "r"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "sw"]


def test_resume_a_sweep_in_process(tmp_path: Path) -> None:
    """A sweep stopped after some parts resumes from its folder (its settings from the manifest),
    runs only the missing parts, and gives the tables of an uninterrupted sweep."""
    out = tmp_path / "sw"
    calls: list[int] = []

    def stop_after_five(*a, **k):  # noqa: ANN002, ANN003, ANN202 - the simulate signature
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(1)
        return fe.simulate_unit(*a, **k)

    with pytest.raises(KeyboardInterrupt):
        sweep(KIDAL, parse_design(GRID), replications=6, engine="des", seed=3, out=out, chunk_replications=2,
              simulate=stop_after_five)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted" and len(m["parts"]["bases"]) == 2  # chunks of 2 units
    ran: list[int] = []

    def count(*a, **k):  # noqa: ANN002, ANN003, ANN202
        ran.append(1)
        return fe.simulate_unit(*a, **k)

    resumed = sweep(None, None, resume=out, simulate=count)
    assert len(ran) == 4 * 6 - 2 * 2  # only the units of the parts not finished
    ref = sweep(KIDAL, parse_design(GRID), replications=6, engine="des", seed=3, simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(resumed.table, ref.table)
    pd.testing.assert_frame_equal(resumed.summary, ref.summary)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    with pytest.raises(ScenarioError, match="seed"):  # a resumed sweep keeps its settings
        sweep(None, None, resume=out, seed=4, simulate=fe.simulate_unit)
    with pytest.raises(ValueError, match="resume"):
        sweep(None, None, simulate=fe.simulate_unit)


def test_resume_refuses_parts_that_are_not_of_the_plan(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    sweep(KIDAL, parse_design(GRID), replications=4, engine="des", seed=3, out=out, chunk_replications=2,
          simulate=fe.simulate_unit)
    m = json.loads((out / "manifest.json").read_text())
    m["parts"]["bases"]["p000009-u0000000"] = 2  # a point the sweep does not have
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StoreError, match="p000009-u0000000"):
        sweep(None, None, resume=out, simulate=fe.simulate_unit)
