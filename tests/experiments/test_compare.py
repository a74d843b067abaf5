"""Paired comparisons with common random numbers: closed forms on the fake engine, the variant
forms, the real batch engine, and a results folder with the independent arm at table point 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.api.compare import compare
from sim.experiments.compare import BASELINE, COMPARE_METRICS, INDEPENDENT, VARIANT, paired_table
from sim.model.loader import ScenarioError, load_scenario
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL


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


def test_real_batch_compare_crn_is_sharper() -> None:
    res = compare(KIDAL, {"convoy.max_vehicles": 50}, replications=256, engine="batch", seed=11,
                  metrics=["completion_hours", "ied_strikes"])
    t = res.table.set_index("metric")
    for m in ("completion_hours", "ied_strikes"):
        assert t.loc[m, "diff_ci_halfwidth"] < t.loc[m, "diff_ci_halfwidth_independent"]
        assert t.loc[m, "variance_reduction"] > 1


def test_compare_writes_nothing_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = compare(KIDAL, {"convoy.max_vehicles": 50}, replications=10, engine="des", seed=1, simulate=fe.simulate_unit)
    assert res.path is None and list(tmp_path.iterdir()) == []
    assert list(res.table["metric"]) == list(COMPARE_METRICS)


def test_compare_stores_its_results(tmp_path: Path) -> None:
    """With ``out``: the three arms' parts (baseline 0, variant 1, the variant on independent streams
    2), ``compare.csv`` and both runs tables; the same numbers as in memory."""
    out = tmp_path / "cmp"
    design = {"baseline": str(KIDAL), "set_variant": ["convoy.max_vehicles=50"]}
    res = compare(KIDAL, ["convoy.max_vehicles=50"], replications=12, engine="des", seed=4, metrics=["wounded"],
                  simulate=fe.simulate_unit, out=out, design=design)
    ref = compare(KIDAL, ["convoy.max_vehicles=50"], replications=12, engine="des", seed=4, metrics=["wounded"],
                  simulate=fe.simulate_unit)
    assert res.path == out
    pd.testing.assert_frame_equal(res.table, ref.table)
    m = json.loads((out / "manifest.json").read_text())
    assert (m["kind"], m["status"], m["replications"], m["seed"]) == ("compare", "complete", 12, 4)
    assert m["design"] == design and m["extra"]["metrics"] == ["wounded"]
    points = {int(p.split("-")[0].removeprefix("p")) for p in m["parts"]["bases"]}
    assert points == {BASELINE, VARIANT, INDEPENDENT} == {0, 1, 2}
    pd.testing.assert_frame_equal(pd.read_csv(out / "compare.csv"), res.table, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs_baseline.parquet"), res.baseline)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs_variant.parquet"), res.variant)
    assert (res.baseline["point"] == BASELINE).all() and (res.variant["point"] == VARIANT).all()
    in_root = compare(KIDAL, {"convoy.max_vehicles": 50}, replications=4, engine="des", seed=4,
                      simulate=fe.simulate_unit, results_root=tmp_path / "root")
    assert in_root.path is not None and in_root.path.parent == tmp_path / "root"
    assert in_root.path.name.split("-")[-2] == "compare"


def test_the_independent_arm_draws_other_streams() -> None:
    """The variant on independent streams draws other numbers than the paired variant: a metric the
    change does not touch differs between the arms without common random numbers, never with them."""
    res = compare(KIDAL, {"convoy.max_vehicles": 50}, replications=30, engine="des", seed=2,
                  metrics=["completion_hours"], simulate=fe.simulate_unit)
    row = res.table.set_index("metric").loc["completion_hours"]
    assert row["diff_mean"] == 0.0 and row["diff_ci_halfwidth"] == 0.0
    assert row["diff_mean_independent"] != 0.0


def test_paired_table_closed_form() -> None:
    base = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    var = pd.DataFrame({"x": [2.0, 3.0, 5.0, 5.0]})
    ind = pd.DataFrame({"x": [4.0, 1.0, 5.0, 3.0]})
    row = paired_table(base, var, ind, ["x"]).iloc[0]
    assert (row["baseline_mean"], row["variant_mean"], row["diff_mean"], row["n"]) == (2.5, 3.75, 1.25, 4)
    d_var = pd.Series([1.0, 1.0, 2.0, 1.0]).var()
    assert row["diff_ci_halfwidth"] == pytest.approx(1.959964 * (d_var / 4) ** 0.5)
    ind_var = base["x"].var() + ind["x"].var()
    assert row["diff_ci_halfwidth_independent"] == pytest.approx(1.959964 * (ind_var / 4) ** 0.5)
    assert row["variance_reduction"] == pytest.approx(ind_var / d_var)
    assert row["diff_mean_independent"] == pytest.approx(3.25 - 2.5)


def test_compare_takes_a_counterfactual_file_as_the_variant() -> None:
    """An override file (scenarios/counterfactuals/*.yaml) as the variant is applied to the baseline,
    as the same overrides given as a mapping would be (it used to be read as a whole scenario)."""
    cf = KIDAL.parent / "counterfactuals" / "all_flights_granted.yaml"
    a = compare(KIDAL, cf, replications=8, engine="des", seed=3, metrics=["wounded", "completion_hours"],
                simulate=fe.simulate_unit)
    b = compare(KIDAL, {"flights.p_grant": 1.0}, replications=8, engine="des", seed=3,
                metrics=["wounded", "completion_hours"], simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.table.set_index("metric").loc["completion_hours", "diff_mean"] != 0.0
