"""The batch engine agrees with the SimPy reference (DESIGN.md §2), deterministically (fixed seeds).

For every shipped scenario and for small synthetic scenarios that isolate one rule each, both
engines run and, base by base, the key outputs must agree:
- means within ``Z_TOL`` standard errors of the pooled variance (4.5: about 500 means are compared, so a
  Bonferroni bound keeps the family-wise false alarm rate near 0.3 %) (exactly equal when both samples are constant);
- the distributions of times by a two-sample KS test (p > ``P_MIN``) and of small counts by a
  chi-square test on pooled categories (p > ``P_MIN``);
- exact equality of every column where the model is deterministic (no threats, fixed delays).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.engines import des
from sim.engines.batch import simulate as batch_simulate
from sim.engines.streams import BLOCK_SIZE
from sim.model import outcomes
from sim.model.loader import load_scenario, validate
from sim.model.schema import Scenario
from tests.helpers.builders import PEOPLE, SECURITY, SYNTHETIC, loading_makespan, one_leg, split_authorization
from tests.helpers.paths import SHIPPED

Z_TOL = 4.5
P_MIN = 1e-4
"""About 500 KS and chi-square tests run: 1e-4 keeps the family-wise false alarm rate near 5 %."""
N_DES = 600
N_BATCH = 4 * BLOCK_SIZE
SEED = 2024

TIMES = ("exit_hours", "leave_by_hours", "last_arrival_hours", "road_hours")
COUNTS = ("ied_strikes", "ambushes", "breakdowns", "wounded", "killed", "vehicles_lost", "trucks_lost",
          "personnel_air", "personnel_road", "convoys", "flight_requests", "flights_granted", "road_requests",
          "stationary_attacks", "died_of_wounds", "vehicles_damaged", "medevac_granted")
"""Compared in mean and in distribution (chi-square)."""
MEANS = tuple(c for c in outcomes.BASE_COUNTS if c not in COUNTS)
"""The other counts (the people model's splits by kind and by fate), compared in mean."""


def run_batch(sc: Scenario, n: int, seed: int = SEED) -> pd.DataFrame:
    parts = [batch_simulate(sc, b, b * BLOCK_SIZE, min(BLOCK_SIZE, n - b * BLOCK_SIZE), seed=seed)
             for b in range(math.ceil(n / BLOCK_SIZE))]
    return pd.concat(parts, ignore_index=True)


def run_des(sc: Scenario, n: int, seed: int = SEED) -> pd.DataFrame:
    return des.simulate(sc, 0, n, seed=seed)


def z_score(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of means in standard errors from the pooled variance (the variance both samples
    share under the hypothesis of equal distributions: a rare outcome never seen in the smaller
    sample does not make its standard error zero); 0 if the means differ only by floating-point
    rounding (two samples of one constant such as 24.083333333333332 have a pooled variance of about
    1e-30 from summation error, which would turn a 1e-14 difference into z = 17), inf if two
    constants differ."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = a.mean() - b.mean()
    if abs(diff) <= 1e-9 * max(1.0, abs(a.mean())):
        return 0.0
    var = np.concatenate([a, b]).var(ddof=1)
    se = math.sqrt(var / a.size + var / b.size)
    if se == 0.0:
        return math.inf
    return diff / se


def chi_square_p(a: np.ndarray, b: np.ndarray, min_expected: float = 5.0) -> float:
    """p-value of a chi-square test of equal count distributions (sparse tail values pooled)."""
    values = np.union1d(a, b)
    table = np.array([[np.sum(a == v) for v in values], [np.sum(b == v) for v in values]], dtype=float)
    pooled: list[np.ndarray] = []
    acc = np.zeros(2)
    for col in table.T:
        acc = acc + col
        expected_min = acc.sum() * min(a.size, b.size) / (a.size + b.size)
        if expected_min >= min_expected:
            pooled.append(acc)
            acc = np.zeros(2)
    if acc.sum() > 0:
        if pooled:
            pooled[-1] = pooled[-1] + acc
        else:
            pooled.append(acc)
    if len(pooled) < 2:
        return 1.0
    return float(stats.chi2_contingency(np.array(pooled).T)[1])


def compare(sc: Scenario, d: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Disagreements between a DES table ``d`` and a batch table ``b`` (empty when they agree)."""
    bad = []
    cargo = [c for c in outcomes.cargo_columns(sc) if d[c].any() or b[c].any()]
    for base in sc.bases:
        x, y = d[d.base == base], b[b.base == base]
        for col in (*TIMES, *COUNTS, *MEANS, *cargo, "forced_early", *outcomes.security_columns(sc)):
            z = z_score(x[col].to_numpy(float), y[col].to_numpy(float))
            if abs(z) >= Z_TOL:
                bad.append(f"{base}.{col}: mean des {x[col].mean():.4g} batch {y[col].mean():.4g} z={z:.2f}")
        for col in TIMES:
            if x[col].nunique() > 1 or y[col].nunique() > 1:
                p = stats.ks_2samp(x[col], y[col]).pvalue
                if p <= P_MIN:
                    bad.append(f"{base}.{col}: KS p={p:.2g}")
        for col in COUNTS:
            p = chi_square_p(x[col].to_numpy(), y[col].to_numpy())
            if p <= P_MIN:
                bad.append(f"{base}.{col}: chi-square p={p:.2g}")
        for col in outcomes.OUT_TIMES:  # inf: never that share out; nan: nothing to take out
            a, b_ = x[col].to_numpy(float), y[col].to_numpy(float)
            if np.isnan(a).any() or np.isnan(b_).any():
                if not (np.isnan(a).all() and np.isnan(b_).all()):
                    bad.append(f"{base}.{col}: nan in one engine only")
                continue
            z = z_score(np.isfinite(a), np.isfinite(b_))
            if abs(z) >= Z_TOL:
                bad.append(f"{base}.{col}: P(reached) des {np.isfinite(a).mean():.3g} batch {np.isfinite(b_).mean():.3g}")
            fa, fb = a[np.isfinite(a)], b_[np.isfinite(b_)]
            if len(fa) > 20 and len(fb) > 20 and (np.unique(fa).size > 1 or np.unique(fb).size > 1):
                p = stats.ks_2samp(fa, fb).pvalue
                if p <= P_MIN:
                    bad.append(f"{base}.{col}: KS p={p:.2g} (mean des {fa.mean():.4g} batch {fb.mean():.4g})")
                z = z_score(fa, fb)
                if abs(z) >= Z_TOL:
                    bad.append(f"{base}.{col}: mean des {fa.mean():.4g} batch {fb.mean():.4g} z={z:.2f}")
            elif len(fa) and len(fb) and abs(z_score(fa, fb)) >= Z_TOL:
                bad.append(f"{base}.{col}: mean des {fa.mean():.4g} batch {fb.mean():.4g}")
    return bad


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_agree(path: Path) -> None:
    sc = load_scenario(path)
    bad = compare(sc, run_des(sc, N_DES), run_batch(sc, N_BATCH))
    assert not bad, "\n".join(bad)


RULES = {**SYNTHETIC, **PEOPLE, **SECURITY}
"""One synthetic scenario per rule: the aggregate model's, the people model's (MODEL.md §10-§14), the
security state's and the night's (§15-§16)."""


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_rule_agrees(name: str) -> None:
    sc = RULES[name]()
    bad = compare(sc, run_des(sc, N_DES), run_batch(sc, N_BATCH))
    assert not bad, "\n".join(bad)


def deterministic_scenarios() -> dict[str, Scenario]:
    daylight = one_leg()
    daylight["convoy"] = {"max_vehicles": 8, "min_spacing_hours": 0.75, "daylight_only": True,
                          "slowdown_per_100_vehicles": 2.0}
    fixed_delays = one_leg()
    fixed_delays["sites"]["alpha"]["airstrip"] = {"sorties_per_day": 2, "seats_per_sortie": 15}
    fixed_delays["sites"]["alpha"]["personnel_air_planned"] = 30
    fixed_delays["flights"] = {"p_grant": 1.0, "decision_delay_hours": {"mean": 30.0}}
    night = one_leg()
    night["convoy"] = {"max_vehicles": 8, "min_spacing_hours": 0.75, "moves": "night"}
    night["calendar"]["night"] = {"speed_factor": 0.6}
    night["calendar"]["daylight"] = {"start_hour": 6.5, "end_hour": 19.25}
    return {"daylight": validate(daylight), "fixed_delays": validate(fixed_delays),
            "loading_1": loading_makespan(teams=1), "loading_3": loading_makespan(teams=3),
            "night_only": validate(night)}


@pytest.mark.parametrize("name", ["daylight", "fixed_delays", "loading_1", "loading_3", "night_only"])
def test_deterministic_scenarios_agree_exactly(name: str) -> None:
    sc = deterministic_scenarios()[name]
    d = run_des(sc, 5, seed=1)
    b = batch_simulate(sc, 0, 0, 5, seed=1)
    pd.testing.assert_frame_equal(d, b, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RULES))
def test_each_rule_agrees_with_more_replications(name: str) -> None:
    sc = RULES[name]()
    bad = compare(sc, run_des(sc, 2000, seed=7), run_batch(sc, 16 * BLOCK_SIZE, seed=7))
    assert not bad, "\n".join(bad)


def test_only_the_lift_without_authorization_moves_cargo_under_a_hold() -> None:
    """Per-lift authorization (MODEL.md §5): under a p_grant 0 hold only the ``free`` lift's base gets cargo out."""
    sc = split_authorization()
    for table in (run_des(sc, 200), run_batch(sc, 200)):
        alpha, beta = table[table.base == "alpha"], table[table.base == "beta"]
        assert (alpha["cargo_containers_road"] == 0).all() and (alpha["cargo_containers_lost"] == 0).all()
        assert (alpha["road_requests"] > 0).all() and (beta["road_requests"] == 0).all()
        assert (alpha["cargo_containers_destroyed"] + alpha["cargo_containers_abandoned"] == 30).all()
        assert (beta["cargo_containers_road"] > 0).all()
        assert beta["cargo_containers_road"].mean() > 20
