"""Bounded time (issue 21): the cost estimate made before a run, the budget it is checked against
in the one place plans are made, and the caps of MODEL.md "Bounds" in the shared rules."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engines.dispatch import ENGINES
from sim.experiments import cost
from sim.experiments.plan import one_arm
from sim.experiments.settings import RunSettings, resolve
from sim.model import rules
from sim.model.errors import ScenarioError
from sim.model.loader import load_scenario, validate
from sim.model.network import routes
from tests.helpers import extremes
from tests.helpers.paths import KIDAL, SHIPPED


@pytest.fixture(scope="module")
def kidal():
    return load_scenario(KIDAL)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_are_within_the_default_budget(path):
    sc = load_scenario(path)
    for engine, n in (("batch", 10_000), ("des", 200)):
        est = cost.estimate([sc], engine, n)
        assert 0.05 < est.cpu_seconds < 60.0, est.describe()


def test_estimate_grows_with_replications_and_arms(kidal):
    one = cost.estimate([kidal], "des", 100).cpu_seconds
    assert cost.estimate([kidal], "des", 1000).cpu_seconds == pytest.approx(10 * one)
    assert cost.estimate([kidal, kidal], "des", 100).cpu_seconds == pytest.approx(2 * one)


def test_a_billion_batch_replications_are_refused_with_the_estimate(kidal):
    with pytest.raises(ScenarioError) as exc:
        one_arm(kidal, resolve("k.yaml", kidal, "batch", 10**9))
    msg = str(exc.value)
    assert "estimated" in msg and "CPU-hours" in msg and "--budget" in msg and "--force" in msg


def test_fifty_million_des_replications_are_refused_with_the_estimate(kidal):
    t = time.perf_counter()
    with pytest.raises(ScenarioError, match="estimated .* des replications.*--budget"):
        one_arm(kidal, resolve("k.yaml", kidal, "des", 50_000_000))
    assert time.perf_counter() - t < 10.0  # refused up front: nothing ran


def test_budget_and_force_override(kidal):
    # batch: a few CPU-hours in ~50k blocks, so the plan is quick to make (des plans hold a unit per replication)
    n = 200_000_000
    with pytest.raises(ScenarioError, match="--budget"):
        one_arm(kidal, resolve("k.yaml", kidal, "batch", n))
    big = resolve("k.yaml", kidal, "batch", n, budget_hours=1e5)
    assert one_arm(kidal, big).tasks
    forced = resolve("k.yaml", kidal, "batch", n, force=True)
    assert one_arm(kidal, forced).tasks
    with pytest.raises(ScenarioError, match="budget"):
        resolve("k.yaml", kidal, "des", 10, budget_hours=-1)
    with pytest.raises(ScenarioError, match="budget"):
        resolve("k.yaml", kidal, "des", 10, budget_hours=True)


def test_cli_refuses_over_budget_with_exit_2(tmp_path, capsys):
    from sim.cli.main import main

    root = tmp_path / "results"
    code = main(["run", str(KIDAL), "--engine", "des", "-n", "50000000", "--results-root", str(root)])
    err = capsys.readouterr().err
    assert code == 2 and "estimated" in err and "--budget" in err and "Traceback" not in err
    assert not root.exists() or not list(root.iterdir())
    code = main(["run", str(KIDAL), "-n", str(10**12), "--results-root", str(root)])
    assert code == 2


# ------------------------------------------------------------------ the caps (MODEL.md, Bounds)

@pytest.mark.parametrize("elasticity", [5.0, -10.0])
def test_size_factor_cannot_make_a_segment_endless(elasticity):
    raw = extremes.size(elasticity)
    raw["threats"]["reference_convoy_vehicles"] = 50 if elasticity < 0 else 1
    sc = validate(raw)
    seg = routes(sc)["kidal"][0]
    f = rules.active_factors(sc, 1.0, False, False, False)
    for n in (1, 3, 150, 10_000):
        means = rules.segment_means(sc, seg, np.array([n]), f)
        assert all(float(m.max()) <= rules.MAX_EVENTS_PER_SEGMENT for m in means)


def test_mitigation_products_are_capped():
    sc = validate(extremes.extreme_effects())
    f = rules.active_factors(sc, np.array([1.0]), np.array([True]), np.array([True]), np.array([True]))
    for key in ("ied", "ambush", "casualty", "vehicle"):
        assert float(f[key].max()) <= rules.MAX_FACTOR


def test_poisson_count_of_a_huge_mean_is_capped():
    rng = np.random.default_rng(1)
    k = rules.poisson_count(lambda: 0.5, rng, 1e12)
    assert k < 2 * rules.MAX_EVENTS_PER_SEGMENT


def test_extreme_cases_are_refused_or_cheap():
    """Each reproduced case: refused up front, or estimated well inside the budget."""
    for name, build in extremes.CASES.items():
        # 200 bases here (routing 1,000 takes seconds; the slow test below runs the 1,000)
        sc = validate(extremes.many_bases(200) if name == "bases1000" else build())
        for engine in ENGINES:
            est = cost.estimate([sc], engine, 10)
            assert est.cpu_seconds < 1e7, (name, engine)


def test_many_bases_on_one_lift_count_rounds_times_bases():
    sc = validate(extremes.many_bases(200))
    assert cost.work(sc).round_checks >= 200 * 200


# ------------------------------------------------------------------ bounded time, end to end

LIMIT_MULTIPLE = 20.0
"""A run of a few replications ends within this multiple of its estimate (plus ``LIMIT_FLOOR``)."""
LIMIT_FLOOR = 20.0


def _bounded(raw: dict, engine: str, n: int) -> None:
    from sim.api.runs import run

    sc = validate(raw)
    s = resolve(None, sc, engine, n, 1)
    try:
        one_arm(sc, s)
    except ScenarioError:
        return  # refused up front
    est = cost.estimate([sc], engine, n).cpu_seconds
    t = time.process_time()
    run(sc, engine=engine, replications=n, seed=1)
    took = time.process_time() - t
    assert took <= LIMIT_FLOOR + LIMIT_MULTIPLE * est, (took, est)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(extremes.CASES))
def test_reproduced_cases_end_or_are_refused(name, engine):
    _bounded(extremes.CASES[name](), engine, 3)


RATES = st.sampled_from([0.0, 1.0, 100.0])
FACTORS = st.sampled_from([0.0, 1.0, 1000.0])


@st.composite
def extreme_scenarios(draw):
    raw = extremes.kidal()
    for lvl in raw["threats"]["levels"].values():
        for f in ("ied_rate_per_100km", "ambush_rate_per_100km", "breakdowns_per_1000_vehicle_km",
                  "stationary_attack_rate_per_hour"):
            lvl[f] = draw(RATES)
    raw["threats"]["size_elasticity"] = draw(st.sampled_from([-10.0, 0.0, 10.0]))
    raw["threats"]["reference_convoy_vehicles"] = draw(st.sampled_from([1.0, 50.0]))
    for mit in ("escort", "route_clearance", "air_cover"):
        for f in ("ied_rate_factor", "ambush_rate_factor", "vehicle_loss_factor"):
            raw["mitigations"].setdefault(mit, {})[f] = draw(FACTORS)
    for k in ("ied", "ambush", "stationary"):
        raw["threats"]["effects"][k]["vehicles_hit"] = {"mean": draw(st.sampled_from([0.0, 1.0, 1000.0]))}
    km = draw(st.sampled_from([1.0, 40_000.0]))
    for r in raw["roads"]:
        r["km"] = km
    raw["convoy"]["max_vehicles"] = draw(st.sampled_from([4, 150, 10_000]))
    return raw


@pytest.mark.slow
@settings(derandomize=True, max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=extreme_scenarios(), engine=st.sampled_from(ENGINES))
def test_extreme_valid_scenarios_end_or_are_refused(raw, engine):
    _bounded(raw, engine, 2)


def test_run_settings_keep_their_defaults():
    s = RunSettings("batch", 10, 0)
    assert s.budget_hours is None and not s.force


def test_sensitivity_passes_the_budget_through(tmp_path, capsys):
    from sim.cli.main import main

    spec = KIDAL.parent / "sweeps" / "kidal_sensitivity.yaml"  # 384 points
    code = main(["sensitivity", str(spec), "-n", "2", "--engine", "des", "--budget", "0.0001",
                 "--results-root", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "over the budget" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())
