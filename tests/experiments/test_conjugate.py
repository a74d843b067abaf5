"""Conjugate calibration: the closed form, and the coverage of the 90 % intervals on synthetic logs."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.experiments.conjugate import calibrate, conjugate_update, fit_multiplier, prior_for
from sim.model.incidents import IncidentLog, Movement

SCENARIO = {
    "threats": {"levels": {
        "low": {"ied_rate_per_100km": 0.05, "ambush_rate_per_100km": 0.03},
        "high": {"ied_rate_per_100km": {"dist": "gamma", "shape": 2.0, "rate": 8.0}, "ambush_rate_per_100km": 0.15},
        "mid": {"ied_rate_per_100km": {"dist": "gamma", "mean": 0.1, "cv": 0.5}},
    }},
}
N_LOGS = 200
TOL = 3 * math.sqrt(N_LOGS * 0.9 * 0.1)
"""Binomial tolerance: covered intervals within ±3 sd (about ±12.7) of 0.9 · 200."""


def _row(i: int, level: str, km: float, strikes: int, ambushes: int | None = None) -> Movement:
    return Movement(id=f"r{i}", row=i, date=None, origin="a", destination="b", km_by_level={level: km},
                    values={"strikes": float(strikes), "ambushes": None if ambushes is None else float(ambushes)},
                    source="synthetic")


def test_update_is_the_closed_form() -> None:
    assert conjugate_update(2.0, 8.0, 3, 5.5) == (5.0, 13.5)
    log = IncidentLog("x.csv", (_row(1, "high", 250.0, 3), _row(2, "high", 50.0, 1)))
    (post,) = [p for p in calibrate(log, SCENARIO, pooled=False) if p.path == "threats.levels.high.ied_rate_per_100km"]
    assert (post.shape, post.rate) == (2.0 + 4, 8.0 + 3.0)
    assert post.evidence.rows == ("r1", "r2")


def test_priors_from_the_scenario() -> None:
    assert (prior_for(SCENARIO, "high", "ied_rate_per_100km").shape, prior_for(SCENARIO, "high", "ied_rate_per_100km").rate) == (2.0, 8.0)
    mid = prior_for(SCENARIO, "mid", "ied_rate_per_100km")
    assert math.isclose(mid.shape, 4.0) and math.isclose(mid.rate, 40.0)
    low = prior_for(SCENARIO, "low", "ied_rate_per_100km")
    assert (low.shape, low.rate) == (1.0, 20.0) and "exponential" in low.note
    counts = {"threats": {"levels": {"x": {"ied_rate_per_100km": {"dist": "counts", "events": 3, "exposure": 2}}}}}
    c = prior_for(counts, "x", "ied_rate_per_100km")
    assert (c.shape, c.rate) == (3.5, 2.0)


def _coverage(pooled: bool, seed: int) -> int:
    rng = np.random.default_rng(seed)
    levels = ("low", "high")
    covered = 0
    for _ in range(N_LOGS):
        mu = math.exp(rng.normal(0.0, 1.0)) if pooled else 1.0
        rows, truth = [], {}
        for j, lvl in enumerate(levels):
            pr = prior_for(SCENARIO, lvl, "ied_rate_per_100km")
            truth[lvl] = rng.gamma(pr.shape, mu / pr.rate)
            km = float(rng.uniform(100, 2000))
            rows.append(_row(j, lvl, km, int(rng.poisson(truth[lvl] * km / 100))))
        posts = {p.path: p for p in calibrate(IncidentLog("s.csv", tuple(rows)), SCENARIO, pooled,
                                              fields=("ied_rate_per_100km",))}
        p = posts["threats.levels.high.ied_rate_per_100km"]
        lo, hi = stats.gamma.ppf([0.05, 0.95], p.shape, scale=1 / p.rate)
        covered += int(lo <= truth["high"] <= hi)
    return covered


def test_unpooled_intervals_cover_90_percent() -> None:
    """True rates drawn from the prior, counts Poisson: 90 % credible intervals cover 90 % of them."""
    assert abs(_coverage(False, 17) - 0.9 * N_LOGS) <= TOL


def test_pooled_intervals_undercover_a_little() -> None:
    """Rates drawn from the pooled model (shared multiplier from its hyper-prior). The plug-in
    multiplier ignores its own uncertainty, so the pooled intervals are NOT calibrated: measured
    165-174 of 200 over seeds 1, 2, 3, 18 (about 85 %). Asserted: above 0.9·200 − 2·TOL (about 155)."""
    assert 0.9 * N_LOGS - 2 * TOL <= _coverage(True, 1) <= 0.9 * N_LOGS + TOL


def test_multiplier_moves_with_the_evidence() -> None:
    a, b = np.array([1.0, 1.0]), np.array([10.0, 20.0])
    x = np.array([5.0, 5.0])
    none = fit_multiplier(np.zeros(2), a, b, x)
    many = fit_multiplier(np.array([5.0, 3.0]), a, b, x)
    assert 0 < none < 1 < many


def test_breakdowns_and_halted_attacks_when_logged() -> None:
    sc = {"threats": {"levels": {"x": {"breakdowns_per_1000_vehicle_km": 0.5, "stationary_attack_rate_per_hour": 0.01}}}}
    row = Movement(id="r", row=1, date=None, origin="a", destination="b", km_by_level={"x": 200.0},
                   values={"vehicles": 50.0, "breakdowns": 4.0, "hours_halted": 30.0, "halted_attacks": 1.0},
                   source="synthetic")
    posts = {p.path: p for p in calibrate(IncidentLog("s.csv", (row,)), sc, pooled=False)}
    b = posts["threats.levels.x.breakdowns_per_1000_vehicle_km"]
    assert (b.shape, b.rate) == (1.0 + 4, 2.0 + 10.0)
    s = posts["threats.levels.x.stationary_attack_rate_per_hour"]
    assert (s.shape, s.rate) == (1.0 + 1, 100.0 + 30.0)
    assert "threats.levels.x.ied_rate_per_100km" not in posts  # no strikes observed
