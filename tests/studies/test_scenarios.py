"""The shipped MINUSMA scenarios, their counterfactual files, the findings and the pinned baselines.

Pinned baselines (``tests/baselines/``) compare to 1e-9 with the numpy they were made with: change
them only with ``python -m studies.minusma_2023.findings --baselines`` after an intended change of
the model or the scenarios. Under another numpy the engines' draws may differ (numpy does not
promise bit-identical streams for every distribution across releases): the test then says so and
compares with a statistical tolerance instead.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.model.loader import ScenarioError, load_scenario, read_yaml, scenario_dict, validate
from sim.model.schema import FATES
from studies.minusma_2023 import baselines, findings, paths
from studies.minusma_2023.readme import read_section
from studies.minusma_2023.runs import simulate_runs

SHIPPED = list(paths.SHIPPED)
CITE = re.compile(r"\[([A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)\]")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_validates(name: str) -> None:
    sc = load_scenario(paths.SHIPPED[name])
    assert sc.name == name
    assert sc.sources and sc.assumptions


@pytest.mark.parametrize("name", SHIPPED)
def test_every_citation_names_a_source(name: str) -> None:
    path = paths.SHIPPED[name]
    sc = load_scenario(path)
    ids = {s.id for s in sc.sources}
    cited: set[str] = set()
    texts = [line.split("#", 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if "#" in line]
    for text in [*texts, *sc.assumptions]:
        for group in CITE.findall(text):
            cited.update(x.strip() for x in group.split(","))
    assert cited, "the scenario cites no source"
    assert cited <= ids, f"cited but not in sources: {sorted(cited - ids)}"


def test_phase2_kidal_block_matches_kidal_scenario() -> None:
    kidal = scenario_dict(load_scenario(paths.SHIPPED["kidal_2023"]))
    phase2 = scenario_dict(load_scenario(paths.SHIPPED["minusma_phase2_2023"]))
    assert phase2["sites"]["kidal"] == {**kidal["sites"]["kidal"], "hub": "gao"}  # several hubs: named
    for block in ("threats", "mitigations", "flights", "road_movements", "air_cover", "convoy", "cargo_classes"):
        assert phase2[block] == kidal[block], block
    assert phase2["roads"][:5] == kidal["roads"]
    assert phase2["terrain"]["track"] == kidal["terrain"]["track"]


def test_phase1_shares_the_calibrated_rates() -> None:
    p1 = scenario_dict(load_scenario(paths.SHIPPED["minusma_phase1_2023"]))
    p2 = scenario_dict(load_scenario(paths.SHIPPED["minusma_phase2_2023"]))
    assert p1["threats"]["effects"] == p2["threats"]["effects"]
    assert p1["mitigations"] == p2["mitigations"]
    for level in ("low", "medium", "high"):
        assert p1["threats"]["levels"][level] == p2["threats"]["levels"][level]
    assert p1["convoy"]["slowdown_per_100_vehicles"] == p2["convoy"]["slowdown_per_100_vehicles"]
    assert p1["calendar"]["daylight"] == p2["calendar"]["daylight"]


def test_clearance_roads_are_the_anefis_tarkint_stretch() -> None:
    for name in paths.SCENARIOS:
        sc = load_scenario(paths.SHIPPED[name])
        ends = [{sc.roads[i].from_, sc.roads[i].to} for i in (1, 2)]
        assert ends == [{"anefis", "tabankort"}, {"tabankort", "tarkint"}], name


def test_every_counterfactual_file_is_used_and_applies() -> None:
    used = set()
    for cf in findings.COUNTERFACTUALS:
        for name, file in cf.files.items():
            raw = read_yaml(paths.SCENARIOS[name])
            base = validate(raw, paths.SCENARIOS[name])
            var = findings.variant_scenario(raw, paths.COUNTERFACTUAL_DIR / file)
            assert scenario_dict(var) != scenario_dict(base) or file == "convoy_150.yaml", (name, file)
            used.add(file)
    on_disk = {p.name for p in paths.COUNTERFACTUAL_DIR.glob("*.yaml")}
    assert on_disk == used


def test_counterfactual_values() -> None:
    raw = read_yaml(paths.SCENARIOS["kidal_2023"])
    cf = paths.COUNTERFACTUAL_DIR
    assert findings.variant_scenario(raw, cf / "flights_prewithdrawal_rate.yaml").flights.p_grant == pytest.approx(
        1 - 297 / 1231, abs=5e-4
    )
    assert findings.variant_scenario(raw, cf / "trucks_released.yaml").road_movements.p_grant_periods == []
    assert findings.variant_scenario(raw, cf / "no_early_exit_kidal.yaml").sites["kidal"].early_exit is None
    early = findings.variant_scenario(raw, cf / "earlier_2w_kidal.yaml")
    base = validate(raw)
    for a, b in ((early.calendar.start, base.calendar.start),
                 (early.sites["kidal"].withdraw_from, base.sites["kidal"].withdraw_from),
                 (early.sites["kidal"].leave_by, base.sites["kidal"].leave_by)):
        assert (b - a).days == 14


def test_earlier_phase2_moves_every_base_two_weeks() -> None:
    raw = read_yaml(paths.SCENARIOS["minusma_phase2_2023"])
    base = validate(raw)
    var = findings.variant_scenario(raw, paths.COUNTERFACTUAL_DIR / "earlier_2w_phase2.yaml")
    for name, b in base.bases.items():
        v = var.bases[name]
        assert (b.withdraw_from - v.withdraw_from).days == 14 and (b.leave_by - v.leave_by).days == 14, name


def test_bad_counterfactual_file_names_file_and_key(tmp_path: Path) -> None:
    raw = read_yaml(paths.SCENARIOS["kidal_2023"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("flights.p_grant: 1.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        findings.variant_scenario(raw, bad)
    assert str(bad) in str(err.value) and "flights.p_grant" in str(err.value)
    bad.write_text("- flights.p_grant\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        findings.load_override_file(bad)
    bad.write_text("3: 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        findings.load_override_file(bad)
    assert "dotted parameter path" in str(err.value)


def test_paired_effects_are_per_replication_differences() -> None:
    reps = np.arange(6)
    base = pd.DataFrame({"replication": reps, "wounded": [1, 2, 3, 4, 5, 6], "on_time": [True] * 6})
    var = pd.DataFrame({"replication": reps, "wounded": [2, 3, 4, 5, 6, 9], "on_time": [True] * 5 + [False]})
    tab = findings.paired_effects(base, var, ("wounded",)).iloc[0]
    d = np.array([1, 1, 1, 1, 1, 3], float)
    assert tab.diff_mean == pytest.approx(d.mean())
    half = 1.959964 * d.std(ddof=1) / np.sqrt(6)
    assert tab.ci_low == pytest.approx(d.mean() - half) and tab.ci_high == pytest.approx(d.mean() + half)
    with pytest.raises(ValueError, match="same replications"):
        findings.paired_effects(base, var.iloc[::-1].reset_index(drop=True), ("wounded",))


def test_findings_with_fake_engine(fake_engine: None) -> None:
    results = findings.compute_findings("des", replications=6, seed=3)
    text = findings.findings_markdown(results=results)
    for cf in findings.COUNTERFACTUALS:
        assert cf.label in text
    assert text.count("P(out by 31 Dec)") == 2 * 2  # headline row + effects header, two scenarios
    assert text == findings.findings_markdown("des", replications=6, seed=3)
    summary = findings.summary_markdown(results)
    assert summary.count("P(out by 31 Dec)") == 1 + 2  # one headline row, two effects headers
    for name in paths.SCENARIOS:
        assert f"python -m studies.minusma_2023.findings --scenario {name}" in summary and f"`{name}`" in summary
    one = findings.findings_markdown(results=findings.compute_findings("des", 6, 3, ("kidal_2023",)))
    assert one in text  # --scenario prints exactly that scenario's part of the section


def test_scenario_option_only_prints(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        findings.main(["--scenario", "kidal_2023", "--write"])
    assert err.value.code == 2 and "--scenario only prints" in capsys.readouterr().err


def test_top_readme_has_the_findings_section() -> None:
    text = paths.TOP_README.read_text(encoding="utf-8")
    head = text.index("## Findings (MINUSMA 2023)")
    assert head > text.index("## Layout") and text.index("<!-- findings-summary:start -->") > head


# -- real engines -------------------------------------------------------------------------------


@pytest.mark.parametrize("engine,reps", [("des", 3), ("batch", 16)])
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_runs_and_conserves_cargo(name: str, engine: str, reps: int) -> None:
    sc = load_scenario(paths.SHIPPED[name])
    bases, runs = simulate_runs(sc, engine, reps, seed=11)
    assert len(runs) == reps and len(bases) == reps * len(sc.bases)
    for base_name, base in sc.bases.items():
        rows = bases[bases["base"] == base_name]
        for cls in sc.cargo_classes:
            total = rows[[f"cargo_{cls}_{f}" for f in FATES]].sum(axis=1).to_numpy()
            np.testing.assert_allclose(total, base.cargo.get(cls, 0), err_msg=f"{base_name}.{cls}")


def test_no_change_counterfactual_has_zero_paired_effect() -> None:
    raw = read_yaml(paths.SCENARIOS["kidal_2023"])
    base = validate(raw)
    var = findings.variant_scenario(raw, paths.COUNTERFACTUAL_DIR / "convoy_150.yaml")
    _, b = simulate_runs(base, "batch", 64, seed=5)
    _, v = simulate_runs(var, "batch", 64, seed=5)
    eff = findings.paired_effects(findings.with_completion_day(base, b), findings.with_completion_day(var, v))
    assert (eff["diff_mean"] == 0).all()


@pytest.mark.parametrize("engine", ["batch", "des"])
@pytest.mark.parametrize("name", SHIPPED)
def test_pinned_baseline(name: str, engine: str) -> None:
    stored = json.loads(baselines.baseline_path(name, engine).read_text(encoding="utf-8"))
    fresh = baselines.baseline_record(name, engine)
    hint = (f"{name} ({engine}) differs from tests/baselines/: if the change is intended, run "
            "python -m studies.minusma_2023.findings --baselines")
    assert fresh.keys() == stored.keys() and fresh["means"].keys() == stored["means"].keys(), hint
    settings = ("scenario", "engine", "seed", "replications")
    assert {k: fresh[k] for k in settings} == {k: stored[k] for k in settings}, hint
    same_numpy = fresh["numpy"].split(".")[:2] == stored["numpy"].split(".")[:2]
    if same_numpy:
        # counts are exact binary fractions; times may differ in the last bits across numpy builds
        for key, value in stored["means"].items():
            assert math.isclose(fresh["means"][key], value, rel_tol=1e-9, abs_tol=1e-9), f"{key}: {hint}"
        return
    # another numpy: its draws may differ, so the means can only agree statistically: within 6
    # standard errors of the difference of two independent means (the stored standard deviations)
    note = (f"baselines were made with numpy {stored['numpy']}, this is numpy {fresh['numpy']}: compared "
            "statistically, not exactly; regenerate them with python -m studies.minusma_2023.findings --baselines")
    n = stored["replications"]
    for key, value in stored["means"].items():
        se = math.sqrt((stored["sd"][key] ** 2 + fresh["sd"][key] ** 2) / n)
        assert abs(fresh["means"][key] - value) <= 6.0 * se + 1e-9, f"{key}: {note}"
    warnings.warn(note, stacklevel=1)


def test_shipped_findings_are_current() -> None:
    """scenarios/README.md and the README's findings summary match one fresh computation (about 12 s)."""
    results = findings.compute_findings()
    shipped = read_section(paths.README.read_text(encoding="utf-8"), "findings")
    assert shipped == findings.findings_markdown(results=results), "run python -m studies.minusma_2023.findings --write"
    summary = read_section(paths.TOP_README.read_text(encoding="utf-8"), "findings-summary")
    assert summary == findings.summary_markdown(results), "run python -m studies.minusma_2023.findings --write"


def test_baseline_files_are_plain_json() -> None:
    for name in SHIPPED:
        for engine in ("batch", "des"):
            data = json.loads(baselines.baseline_path(name, engine).read_text(encoding="utf-8"))
            assert data["scenario"] == name and data["engine"] == engine and data["numpy"]
            assert data["replications"] == baselines.BASELINE_REPLICATIONS[engine]
            assert yaml.safe_load(json.dumps(data))["means"]
