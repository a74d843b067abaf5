"""Sweeps, paired comparisons with common random numbers, replications to a target, sensitivity,
resume after SIGKILL, and the sweep/compare command line."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.designs import parse_design, parse_parameter
from sim.experiments import compare, run_until, sweep
from sim.loader import ScenarioError, load_scenario
from sim.sensitivity import sensitivity

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))
fe = importlib.import_module("_fake_engine")

ROOT = TESTS.parent
KIDAL = ROOT / "scenarios" / "kidal_2023.yaml"
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


def test_compare_crn_narrower_and_covers_closed_form() -> None:
    base = load_scenario(KIDAL)
    res = compare(base, {"convoy.max_vehicles": 50}, replications=200, engine="des", seed=2,
                  metrics=["wounded", "ied_strikes", "completion_hours", "on_time"], simulate=fe.simulate_unit)
    t = res.table.set_index("metric")
    var = load_scenario(KIDAL, {"convoy.max_vehicles": 50})
    true_diff = fe.expected_wounded(var) - fe.expected_wounded(base)  # 12.096 - 4.8384
    w = t.loc["wounded"]
    # coverage at a stated z: the 95 % interval misses 1 seed in 20, so widen it to z = 4
    z4 = 4.0 / 1.96
    assert abs(w["diff_mean"] - true_diff) <= z4 * (w["ci_high"] - w["ci_low"]) / 2
    assert w["diff_ci_halfwidth"] < w["diff_ci_halfwidth_independent"]
    assert w["variance_reduction"] > 2
    s = t.loc["ied_strikes"]
    true_strikes = sum(fe.expected_ied(var, b) - fe.expected_ied(base, b) for b in base.bases)
    assert abs(s["diff_mean"] - true_strikes) <= z4 * (s["ci_high"] - s["ci_low"]) / 2
    # a metric the change does not touch: zero difference under CRN, noise without
    assert t.loc["completion_hours", "diff_mean"] == 0.0
    assert t.loc["completion_hours", "diff_ci_halfwidth_independent"] > 0
    cols = ["metric", "baseline_mean", "variant_mean", "diff_mean", "ci_low", "ci_high",
            "diff_ci_halfwidth_independent", "variance_reduction"]
    assert set(cols) <= set(res.table.columns)


def test_compare_variant_forms(tmp_path: Path) -> None:
    text = KIDAL.read_text().replace("max_vehicles: 150", "max_vehicles: 50")
    vfile = tmp_path / "variant.yaml"
    vfile.write_text(text)
    a = compare(KIDAL, vfile, replications=20, engine="des", seed=1, metrics=["wounded"], simulate=fe.simulate_unit)
    b = compare(KIDAL, ["convoy.max_vehicles=50"], replications=20, engine="des", seed=1, metrics=["wounded"],
                simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(a.table, b.table)
    with pytest.raises(ScenarioError, match="convoy.max_vehicle"):
        compare(KIDAL, {"convoy.max_vehicle": 50}, replications=5, engine="des", simulate=fe.simulate_unit)


def test_run_until_reaches_targets_and_cap() -> None:
    res = run_until(KIDAL, {"on_time": 0.03, "wounded": 0.5}, max_replications=2000, engine="des", seed=3,
                    simulate=fe.simulate_unit)
    assert res.met and res.replications <= 2000
    assert (res.reached["halfwidth"] <= res.reached["target"]).all()
    assert len(res.runs) == res.replications
    assert res.runs["replication"].tolist() == list(range(res.replications))
    capped = run_until(KIDAL, {"on_time": 0.001}, max_replications=120, engine="des", seed=3,
                       simulate=fe.simulate_unit)
    assert not capped.met and capped.replications == 120
    # the first n replications are those of a plain run of n
    ref = sweep(KIDAL, pd.DataFrame({"flights.p_grant": [0.1]}), replications=120, engine="des", seed=3,
                simulate=fe.simulate_unit)
    np.testing.assert_array_equal(capped.runs["completion_hours"], ref.table["completion_hours"])


def test_sensitivity_tables() -> None:
    ps = [parse_parameter("convoy.max_vehicles", {"low": 30, "high": 150}),
          parse_parameter("flights.p_grant", {"low": 0.0, "high": 0.9})]
    s = sensitivity(KIDAL, ps, "completion_hours", "sobol", n=16, replications=4, engine="des", seed=1,
                    simulate=fe.simulate_unit)
    assert list(s.indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(s.sweep.points) == 16 * 4
    idx = s.indices.set_index("parameter")
    # completion depends on p_grant only in the fake engine
    # (n = 16 base samples: the estimate is rough, the zero is exact)
    assert idx.loc["flights.p_grant", "ST"] > 0.5 and idx.loc["flights.p_grant", "ST_conf"] > 0
    assert abs(idx.loc["convoy.max_vehicles", "ST"]) < 1e-12
    m = sensitivity(KIDAL, ps, "wounded", "morris", n=6, replications=4, engine="des", seed=1,
                    simulate=fe.simulate_unit)
    assert list(m.indices.columns) == ["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    mi = m.indices.set_index("parameter")
    assert mi.loc["convoy.max_vehicles", "mu_star"] > 0 and mi.loc["flights.p_grant", "mu_star"] == 0


# -- store and resume -----------------------------------------------------------------------


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import _fake_engine as fe
    from sim.designs import parse_design
    from sim.experiments import sweep
    sweep({kidal!r}, parse_design({grid!r}), replications=40, engine="des", seed=5, out={out!r},
          chunk_replications=4, simulate=fe.simulate_unit)
""")


def _parts(out: Path) -> int:
    try:
        m = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return 0
    return len(m.get("parts", {}).get("bases", {}))


def test_resume_after_sigkill_gives_identical_tables(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = SCRIPT.format(tests=str(TESTS), kidal=str(KIDAL), grid=GRID, out=str(out))
    # 4 units per part: after 6 parts the fake engine hangs inside the 7th, and is killed there
    env = {**os.environ, fe.HANG_ENV: str(6 * 4), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    deadline = time.monotonic() + 120
    while _parts(out) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    time.sleep(0.2)  # let it enter the hanging unit
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _parts(out) == 6
    resumed = sweep(None, None, resume=out, simulate=fe.simulate_unit)
    ref = sweep(KIDAL, parse_design(GRID), replications=40, engine="des", seed=5, simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(resumed.bases, ref.bases)
    pd.testing.assert_frame_equal(resumed.table, ref.table)
    pd.testing.assert_frame_equal(resumed.summary, ref.summary)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["parts"]["bases"]) == 4 * 10
    assert not resumed.bases.duplicated(["point", "replication", "base"]).any()
    # resuming a finished sweep redoes nothing
    calls = []

    def spy(*a, **k):
        calls.append(1)
        return fe.simulate_unit(*a, **k)

    again = sweep(None, None, resume=out, simulate=spy)
    assert calls == []
    pd.testing.assert_frame_equal(again.table, ref.table)
    assert (out / "runs.parquet").exists() and (out / "summary.csv").exists()


# -- command line ---------------------------------------------------------------------------


def _cli(args: list[str]) -> int:
    from sim.cli import main

    return main(args)


def test_cli_bad_sweep_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        "scenario: nowhere.yaml\ndesign: {kind: grid, parameters: {flights.p_grant: [0.1]}}\n": "scenario",
        f"scenario: {KIDAL}\ndesign: {{kind: grid, parameters: {{flights.p_grnt: [0.1]}}}}\n": "flights.p_grnt",
        f"scenario: {KIDAL}\ndesign: {{kind: lhs, parameters: {{flights.p_grant: {{low: 0, high: 1}}}}}}\n": "design.n",
        f"scenario: {KIDAL}\nreplications: -3\ndesign: {{kind: grid, parameters: {{flights.p_grant: [0.1]}}}}\n":
            "replications",
        f"scenario: {KIDAL}\nmetrix: [on_time]\ndesign: {{kind: grid, parameters: {{flights.p_grant: [0.1]}}}}\n":
            "metrix",
    }
    for i, (text, field) in enumerate(cases.items()):
        f = tmp_path / f"bad{i}.yaml"
        f.write_text(text)
        out = tmp_path / f"out{i}"
        assert _cli(["sweep", str(f), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert field in err and "Traceback" not in err
        assert not out.exists()


def test_cli_sweep_and_compare_with_batch_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"scenario: {os.path.relpath(KIDAL, tmp_path)}\nreplications: 40\nseed: 3\n"
                    "metrics: [on_time, wounded]\n"
                    "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.9], convoy.max_vehicles: [50, 150]}}\n")
    out = tmp_path / "sw"
    assert _cli(["sweep", str(spec), "--out", str(out), "--no-charts", "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 * 40
    out2 = tmp_path / "cmp"
    assert _cli(["compare", str(KIDAL), "--set-variant", "convoy.max_vehicles=50", "--replications", "40",
                 "--out", str(out2), "--no-charts", "--quiet"]) == 0
    table = pd.read_csv(out2 / "compare.csv")
    assert {"diff_mean", "variance_reduction"} <= set(table.columns)
    assert _cli(["compare", str(KIDAL), "--replications", "10", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    capsys.readouterr()


def test_real_batch_compare_crn_is_sharper() -> None:
    res = compare(KIDAL, {"convoy.max_vehicles": 50}, replications=256, engine="batch", seed=11,
                  metrics=["completion_hours", "ied_strikes"])
    t = res.table.set_index("metric")
    for m in ("completion_hours", "ied_strikes"):
        assert t.loc[m, "diff_ci_halfwidth"] < t.loc[m, "diff_ci_halfwidth_independent"]
        assert t.loc[m, "variance_reduction"] > 1


@pytest.mark.parametrize("spec", sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_sweep_files_are_valid_and_run(spec: Path) -> None:
    from sim.cli_experiments import load_sensitivity_spec, load_sweep_spec
    from sim.designs import point_scenarios
    from sim.loader import read_yaml

    if "method" in read_yaml(spec):
        s = load_sensitivity_spec(spec)
        res = sensitivity(s.scenario, s.parameters, s.metric, s.method, n=4, replications=2, engine="des",
                          simulate=fe.simulate_unit)
        assert len(res.indices) == len(s.parameters)
        return
    sw = load_sweep_spec(spec)
    points = sw.design.points()
    assert len(point_scenarios(read_yaml(sw.scenario), points, sw.scenario)) == len(points)
    res = sweep(sw.scenario, sw.design, replications=2, engine="des", seed=1, metrics=sw.metrics,
                simulate=fe.simulate_unit)
    assert len(res.table) == 2 * len(points)


def test_sensitivity_ignores_global_random_state() -> None:
    """SALib falls back to numpy's global state for a seed of 0; ours never does."""
    ps = [parse_parameter("convoy.max_vehicles", {"low": 30, "high": 150}),
          parse_parameter("flights.p_grant", {"low": 0.0, "high": 0.9})]
    tables = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)  # noqa: NPY002 - the point is that this must not matter
        s = sensitivity(KIDAL, ps, "completion_hours", "sobol", n=8, replications=2, engine="des", seed=1,
                        design_seed=0, simulate=fe.simulate_unit)
        tables.append(s.indices)
    pd.testing.assert_frame_equal(tables[0], tables[1])


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
