"""The security state and day and night (MODEL.md §15-§16) against closed forms, with fixed seeds
and stated tolerances. The engines' agreement on these rules is in ``test_agreement.py``; the scalar
twins of the rules in ``tests/model/test_security_twins.py``."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from sim.engines.batch import simulate as batch_simulate
from sim.engines.streams import BLOCK_SIZE
from sim.model import outcomes
from sim.model.loader import validate
from sim.model.rules import security as sec
from tests.helpers.builders import add_beta, one_leg, security_regimes, two_bases

Z_TOL = 4.5
"""Standard errors allowed for each closed-form comparison (a few dozen comparisons: a false alarm
rate well under 0.1 %)."""


def _batch(sc, n_blocks: int = 2, seed: int = 11) -> pd.DataFrame:
    return pd.concat([batch_simulate(sc, b, b * BLOCK_SIZE, BLOCK_SIZE, seed=seed) for b in range(n_blocks)],
                     ignore_index=True)


def _two_state(a_per_day: float, b_per_day: float, days: int, forced: list | None = None) -> dict:
    d = one_leg()
    d["calendar"]["deadline"] = "2024-03-01T00:00" if days == 0 else f"2024-01-{1 + days:02d}T00:00"
    d["security"] = {"initial": "calm", "regimes": {"calm": {}, "fight": {"ied_rate_factor": 2.0}},
                     "transitions": [{"from": "calm", "to": "fight", "rate_per_day": a_per_day},
                                     {"from": "fight", "to": "calm", "rate_per_day": b_per_day}],
                     "forced": forced or []}
    return d


def test_two_regime_chain_time_shares_match_the_closed_form() -> None:
    """Expected days in ``fight`` over [0, T] from ``calm``: a/(a+b)·(T − (1 − e^{−(a+b)T})/(a+b))."""
    a, b = 0.4, 0.6
    sc = validate(_two_state(a, b, 0))
    T = sc.hours(sc.calendar.deadline) / 24.0
    expected = a / (a + b) * (T - (1.0 - math.exp(-(a + b) * T)) / (a + b))
    runs = outcomes.roll_up(sc, _batch(sc))
    days = runs["security_fight_days"].to_numpy()
    z = (days.mean() - expected) / (days.std(ddof=1) / math.sqrt(days.size))
    assert abs(z) < Z_TOL, (days.mean(), expected, z)
    total = runs["security_fight_days"] + runs["security_calm_days"]
    np.testing.assert_allclose(total, T, rtol=1e-12)


def test_sampled_regimes_follow_the_transient_distribution() -> None:
    """P(regime at t) from paths against ``regime_probabilities`` (matrix exponentials between forced
    transitions, point masses during holds), binomial standard errors."""
    sc = validate(security_regimes())
    plan = sec.security_plan(sc)
    assert plan is not None
    n = 20000
    paths = sec.regime_paths(plan, np.random.default_rng(3), n)
    hours = np.array([12.0, 100.0, 250.0, 260.0, 300.0, 340.0, 400.0, 700.0, 1000.0])
    exact = sec.regime_probabilities(plan, hours)
    rows = np.arange(n)
    for i, h in enumerate(hours):
        seen = paths.at(rows, np.full(n, h))
        for r in range(plan.size):
            p_hat, p = np.mean(seen == r), exact[i, r]
            if p in (0.0, 1.0):
                assert p_hat == p, (h, r)
            else:
                assert abs(p_hat - p) / math.sqrt(p * (1 - p) / n) < Z_TOL, (h, r, p_hat, p)
    held = (hours >= plan.forced_at[0]) & (hours < plan.forced_resume[0])
    assert held.any() and np.all(exact[held, plan.names.index("fighting")] == 1.0)


def test_long_run_share_is_the_stationary_distribution() -> None:
    """Far from the start the regime probabilities are the chain's stationary law ``π Q = 0``."""
    sc = validate(security_regimes())
    plan = sec.security_plan(sc)
    assert plan is not None
    q = plan.generator_matrix()
    w, v = np.linalg.eig(q.T)
    pi = np.real(v[:, np.argmin(np.abs(w))])
    pi = pi / pi.sum()
    np.testing.assert_allclose(sec.regime_probabilities(plan, np.array([5000.0]))[0], pi, atol=1e-9)


def _strip(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in df.columns if not c.startswith("security_")]]


def test_regimes_whose_factors_are_one_change_no_table() -> None:
    """A security state whose regimes all have factors 1 draws only from its own stream: every other
    column equals the run without it, bit for bit (same seed)."""
    base = two_bases()
    d = copy.deepcopy(base)
    block = copy.deepcopy(security_regimes()["security"])
    for r in block["regimes"]:
        block["regimes"][r] = {}
    d["security"] = block
    plain, with_regimes = validate(base), validate(d)
    a = batch_simulate(plain, 0, 0, 500, seed=5)
    b = batch_simulate(with_regimes, 0, 0, 500, seed=5)
    pd.testing.assert_frame_equal(a, _strip(b))
    assert {f"security_{r}_days" for r in block["regimes"]} <= set(b.columns)


def test_one_regime_changes_no_table() -> None:
    """The current model is the special case of one regime (MODEL.md §15)."""
    d = two_bases()
    d["security"] = {"initial": "only", "regimes": {"only": {}}}
    a = batch_simulate(validate(two_bases()), 0, 0, 500, seed=9)
    b = batch_simulate(validate(d), 0, 0, 500, seed=9)
    pd.testing.assert_frame_equal(a, _strip(b))
    assert (b["security_only_days"] == validate(d).hours(validate(d).calendar.deadline) / 24.0).all()


def _forced_exits(shared: bool) -> tuple[dict, float, float, float]:
    """Two bases whose early-exit hazard ``h`` runs only in ``fight``; ``calm → fight`` at rate λ
    with no way back (shared), or no security state and a constant hazard (independent)."""
    d = one_leg()
    add_beta(d, containers=0, leave_by="2024-01-21T00:00")
    d["sites"]["alpha"]["leave_by"] = "2024-01-21T00:00"
    d["sites"]["beta"]["cargo"] = {"vehicles": 8}
    d["roads"][-1]["threat"] = "none"
    lam, h = 0.15, 0.3
    for name in ("alpha", "beta"):
        d["sites"][name]["early_exit"] = {"from": "2024-01-01", "hazard_per_day": h, "notice_hours": 0}
    if shared:
        d["security"] = {"initial": "calm", "regimes": {"calm": {"early_exit_factor": 0.0}, "fight": {}},
                         "transitions": [{"from": "calm", "to": "fight", "rate_per_day": lam}]}
    length = 20.0  # days from the hazard's start to leave-by
    return d, lam, h, length


def test_a_shared_regime_correlates_forced_exits_as_calculated() -> None:
    """corr(X_alpha, X_beta) with X = forced early, against the direct calculation: given the onset
    τ ~ Exp(λ), each base is forced with 1 − e^{−h (L − τ)}, independently."""
    d, lam, h, length = _forced_exits(shared=True)
    sc = validate(d)
    df = _batch(sc, n_blocks=4)
    x = df.pivot(index="replication", columns="base", values="forced_early").astype(float)

    def given(tau: float) -> float:
        return 1.0 - math.exp(-h * (length - tau))

    ex = integrate.quad(lambda t: lam * math.exp(-lam * t) * given(t), 0.0, length)[0]
    exy = integrate.quad(lambda t: lam * math.exp(-lam * t) * given(t) ** 2, 0.0, length)[0]
    rho = (exy - ex * ex) / (ex * (1.0 - ex))
    n = len(x)
    r = float(np.corrcoef(x["alpha"], x["beta"])[0, 1])
    assert rho > 0.2
    assert abs(r - rho) < Z_TOL * (1.0 - rho * rho) / math.sqrt(n), (r, rho)
    for base in ("alpha", "beta"):
        p = x[base].mean()
        assert abs(p - ex) / math.sqrt(ex * (1 - ex) / n) < Z_TOL, (base, p, ex)


def test_independent_hazards_leave_forced_exits_uncorrelated() -> None:
    d, _, _, _ = _forced_exits(shared=False)
    df = _batch(validate(d), n_blocks=4)
    x = df.pivot(index="replication", columns="base", values="forced_early").astype(float)
    r = float(np.corrcoef(x["alpha"], x["beta"])[0, 1])
    assert abs(r) < Z_TOL / math.sqrt(len(x)), r


@pytest.mark.parametrize("factor", [0.0, 1.0, 3.0])
def test_regime_threat_factor_scales_strikes_in_closed_form(factor: float) -> None:
    """One leg of 100 km in one regime held for the whole run: IED strikes have mean rate·km/100·factor."""
    d = one_leg()
    d["threats"] = {"levels": {"none": {"ied_rate_per_100km": 0.8}}}
    d["security"] = {"initial": "x", "regimes": {"x": {"ied_rate_factor": factor}}}
    sc = validate(d)
    df = _batch(sc, n_blocks=1)
    mean = 0.8 * factor
    k = df["ied_strikes"].to_numpy()
    if mean == 0.0:
        assert (k == 0).all()
    else:
        assert abs(k.mean() - mean) / math.sqrt(mean / k.size) < Z_TOL


def test_night_only_convoys_start_every_segment_at_night() -> None:
    """``moves: night`` with a night IED factor f and a day factor 1: every segment gets f (mean
    strikes rate·km/100·f), and the convoy arrives outside the daylight window."""
    d = one_leg()
    d["threats"] = {"levels": {"none": {"ied_rate_per_100km": 0.5}}}
    d["calendar"]["night"] = {"ied_rate_factor": 2.0, "speed_factor": 0.5}
    d["convoy"]["moves"] = "night"
    sc = validate(d)
    df = _batch(sc, n_blocks=1)
    k = df["ied_strikes"].to_numpy()
    assert abs(k.mean() - 1.0) / math.sqrt(1.0 / k.size) < Z_TOL
    tod = np.mod(df["last_arrival_hours"].to_numpy(), 24.0)
    assert ((tod <= 6.0) | (tod >= 18.0)).all()
    assert np.allclose(df["exit_hours"], df["exit_hours"].iloc[0])


def test_validation_and_the_engines_use_one_horizon() -> None:
    from sim.model.security_checks import horizon_days

    for d in (security_regimes(), _two_state(0.4, 0.6, 0)):
        sc = validate(d)
        assert horizon_days(sc) * 24.0 == pytest.approx(sec.horizon_hours(sc), abs=1e-9)
