"""Two-level runs (MODEL.md §17): distributions as inputs, draws, the variance split.

Fixed seeds; tolerances are stated with each test (z-scores against closed forms)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.api.runs import run
from sim.experiments.draws import design_points, make_draws
from sim.experiments.execution import execute
from sim.experiments.plan import Arm, make_plan
from sim.experiments.settings import resolve
from sim.experiments.variance import exceedance, variance_split
from sim.model.distributions import Uncertainty
from sim.model.errors import ScenarioError
from sim.model.loader import scenario_dict, validate
from tests.helpers.builders import edit, one_road

HOT = [{"from": "alpha", "to": "hub", "km": 100, "terrain": "track", "threat": "hot"}]


def hot_road(**changes: Any) -> dict[str, Any]:
    """``one_road`` with one 100 km ``hot`` road (IEDs 0.7, ambushes 0.3 per 100 km)."""
    return edit(one_road(), roads=HOT, waypoints={}, **changes)


def test_a_point_mass_gives_the_tables_of_the_plain_number() -> None:
    """Distributions with zero spread (fixed, gamma cv 0, uniform low = high) at the same seed: a
    plain run is the plain scenario's, bit for bit; a two-level run's draw k is the plain scenario
    run on the independent streams of point k with exact blocks (MODEL.md §17), and the draws differ."""
    plain = validate(hot_road())
    spread0 = validate(hot_road(threats__levels__hot__ied_rate_per_100km={"dist": "gamma", "mean": 0.7, "cv": 0},
                                threats__levels__hot__ambush_rate_per_100km={"dist": "fixed", "value": 0.3},
                                sites__alpha__personnel={"dist": "uniform", "low": 10, "high": 10}))
    assert spread0.threats.levels["hot"].ied_rate_per_100km == 0.7
    assert spread0.sites["alpha"].personnel == 10
    for engine in ("batch", "des"):
        ref = run(plain, engine=engine, replications=30, seed=5)
        pd.testing.assert_frame_equal(run(spread0, engine=engine, replications=30, seed=5).bases, ref.bases)
        two = run(spread0, engine=engine, replications=30, seed=5, draws=3)
        settings = resolve("x", plain, engine, 30, 5)
        by_draw = []
        for k in range(3):
            b, _ = execute(make_plan([Arm(k, plain, crn=False)], settings, exact=True))
            dk = two.bases[two.bases["draw"] == k].drop(columns="draw").reset_index(drop=True)
            pd.testing.assert_frame_equal(dk.drop(columns="point"), b.drop(columns="point"))
            by_draw.append(dk["ied_strikes"])
        assert not by_draw[1].equals(by_draw[2]), "draws share their streams"


def test_an_exact_block_keeps_a_whole_blocks_law() -> None:
    """The batch engine's short blocks (a draw's 200 replications) against whole blocks: the same
    law (mean IED strikes within |z| < 4 of the closed form 0.7, 2,000 replications each way)."""
    sc = validate(hot_road())
    settings = resolve("x", sc, "batch", 2000, 9)
    for exact in (False, True):
        _, r = execute(make_plan([Arm(0, sc)], settings, chunk_replications=200, exact=exact))
        x = r["ied_strikes"].to_numpy(float)
        assert abs((x.mean() - 0.7) / math.sqrt(0.7 / x.size)) < 4


def test_a_gamma_rate_gives_negative_binomial_strikes_and_the_split_matches() -> None:
    """IED rate ~ Gamma(mean 0.7, cv 0.5) on 100 km: strikes are negative binomial with mean 0.7 and
    variance 0.7 + 0.35² = 0.8225; the parameter part is 0.1225, the run-to-run part 0.7.
    400 draws × 50 replications (batch). Tolerances: |z| < 4 for the pooled mean (its standard
    error from the draw means, 0.018); 0.05 on each variance part (about 5 standard errors:
    0.010 for the parameter part, 0.009 for the run-to-run part) and on the total."""
    sc = validate(hot_road(threats__levels__hot__ied_rate_per_100km={"dist": "gamma", "mean": 0.7, "cv": 0.5}))
    res = run(sc, engine="batch", replications=50, seed=3, draws=400)
    x = res.runs["ied_strikes"].to_numpy(float)
    means = res.runs.groupby("draw")["ied_strikes"].mean().to_numpy()
    assert abs((x.mean() - 0.7) / (means.std(ddof=1) / math.sqrt(means.size))) < 4
    v = res.variance.set_index("metric").loc["ied_strikes"]
    assert abs(v["var_parameter"] - 0.1225) < 0.05
    assert abs(v["var_run"] - 0.7) < 0.05
    assert abs(v["var_total"] - 0.8225) < 0.05
    drawn = res.draws["threats.levels.hot.ied_rate_per_100km"].to_numpy()
    assert abs(drawn.mean() - 0.7) < 0.02 and abs(drawn.std() / drawn.mean() - 0.5) < 0.05


def test_variance_split_of_a_table_with_known_parts() -> None:
    """Draw means 0, 10 (spread 50), within-draw values ±1 (variance 1 for R = 2 ... 4): the split
    is exact arithmetic."""
    runs = pd.DataFrame({"draw": [0, 0, 0, 0, 1, 1, 1, 1], "m": [-1.0, 1, -1, 1, 9, 11, 9, 11]})
    v = variance_split(runs, ["m"]).iloc[0]
    within = 4 / 3  # four values ±1 about their mean, ddof 1
    assert v["var_run"] == pytest.approx(within)
    assert v["var_parameter"] == pytest.approx(50 - within / 4)
    assert v["mean_q05"] == pytest.approx(0.5) and v["mean_q95"] == pytest.approx(9.5)
    assert exceedance(runs, "m", [9.0]) == {9.0: 0.5}


@pytest.mark.parametrize("design", ["lhs", "sobol", "random"])
def test_design_points_cover_each_input_and_are_seeded(design: str) -> None:
    """Latin hypercube: exactly one point per 1/K stratum of each input; every design: inside
    (0, 1), the same for the same seed, different for another."""
    unc = Uncertainty.model_validate({"design": design, "fields": {
        "a": {"dist": "uniform", "low": 0, "high": 1}, "b": {"dist": "gamma", "mean": 1, "cv": 1}}})
    u = design_points(unc, 64, seed=1)
    assert u.shape == (64, 2) and np.all((u > 0) & (u < 1))
    np.testing.assert_array_equal(u, design_points(unc, 64, seed=1))
    assert not np.array_equal(u, design_points(unc, 64, seed=2))
    if design == "lhs":
        for j in range(2):
            assert sorted(np.floor(u[:, j] * 64).astype(int).tolist()) == list(range(64))


def test_a_shared_factor_moves_fields_together() -> None:
    """Two rates scaled by one lognormal factor: their draws are perfectly rank-correlated, and each
    field's point value is its mean times the factor's mean (1)."""
    d = hot_road(uncertainty={"factors": {"threat": {"dist": "lognormal", "mean": 1.0, "cv": 0.5}}},
                 threats__levels__hot__ied_rate_per_100km={"dist": "fixed", "value": 0.7, "factor": "threat"},
                 threats__levels__hot__ambush_rate_per_100km={"dist": "fixed", "value": 0.3, "factor": "threat"})
    sc = validate(d)
    assert sc.threats.levels["hot"].ied_rate_per_100km == pytest.approx(0.7)
    t = make_draws(sc, 50, seed=4).table
    ratio = t["threats.levels.hot.ied_rate_per_100km"] / t["threats.levels.hot.ambush_rate_per_100km"]
    np.testing.assert_allclose(ratio, 0.7 / 0.3)
    np.testing.assert_allclose(t["threats.levels.hot.ied_rate_per_100km"], 0.7 * t["factor:threat"])


def test_integer_fields_are_rounded_and_the_dump_reloads() -> None:
    """A distribution on a count rounds in the point value and in every draw; the validated
    scenario's dump validates to the same scenario (results folders keep scenario.yaml)."""
    sc = validate(hot_road(sites__alpha__personnel={"dist": "triangular", "low": 8, "mode": 10, "high": 15}))
    assert sc.sites["alpha"].personnel == 11  # mean 11
    drawn = make_draws(sc, 20, seed=2)
    assert all(isinstance(s.sites["alpha"].personnel, int) for s in drawn.scenarios)
    assert {s.sites["alpha"].personnel for s in drawn.scenarios} <= set(range(8, 16))
    assert validate(scenario_dict(sc)) == sc


def test_counts_posterior_is_the_conjugate_gamma() -> None:
    """``counts``: Gamma(0.5 + k, rate x) (Jeffreys prior): mean (k + 0.5)/x, quantiles of scipy's."""
    from scipy import stats

    unc = Uncertainty.model_validate({"fields": {"r": {"dist": "counts", "events": 3, "exposure": 12.0}}})
    d = unc.fields["r"]
    assert d.mean() == pytest.approx(3.5 / 12)
    u = np.array([0.05, 0.5, 0.95])
    np.testing.assert_allclose(d.ppf(u), stats.gamma.ppf(u, 3.5, scale=1 / 12))


@pytest.mark.parametrize("spec,field,words", [
    ({"dist": "normal", "mean": 1}, "threats.levels.hot.ied_rate_per_100km.dist", "unknown distribution 'normal'"),
    ({"dist": "gamma", "mean": 0.7, "cv": -0.5}, "threats.levels.hot.ied_rate_per_100km.cv", "greater than or equal to 0"),
    ({"dist": "gamma", "mean": 0.7}, "threats.levels.hot.ied_rate_per_100km", "needs both mean and cv"),
    ({"dist": "gamma", "mean": 0.7, "cv": 0.5, "shape": 2}, "threats.levels.hot.ied_rate_per_100km", "one pair"),
    ({"dist": "triangular", "low": 1, "mode": 0, "high": 2}, "threats.levels.hot.ied_rate_per_100km", "low <= mode"),
    ({"dist": "counts", "events": 2, "exposure": 0}, "threats.levels.hot.ied_rate_per_100km", "improper"),
    ({"dist": "uniform", "low": -1, "high": 1}, "threats.levels.hot.ied_rate_per_100km", "0.1 % quantile"),
    ({"dist": "gamma", "mean": 0.7, "cv": 0.5, "factor": "x"}, "uncertainty.fields.threats.levels.hot.ied_rate_per_100km.factor",
     "unknown shared factor"),
])
def test_bad_distributions_name_the_field(spec: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as err:
        validate(hot_road(threats__levels__hot__ied_rate_per_100km=spec), "f.yaml")
    assert err.value.field == field and words in err.value.message


def test_a_probability_with_a_gamma_past_one_is_refused_at_validation() -> None:
    with pytest.raises(ScenarioError) as err:
        validate(edit(hot_road(), flights={"p_grant": {"dist": "gamma", "mean": 0.5, "cv": 1.0}}), "f.yaml")
    assert err.value.field == "flights.p_grant" and "99.9 % quantile" in err.value.message


def test_draws_need_uncertain_inputs() -> None:
    with pytest.raises(ScenarioError) as err:
        run(validate(hot_road()), engine="batch", replications=5, draws=3)
    assert err.value.field == "draws" and "no uncertain inputs" in err.value.message


def test_a_two_level_comparison_applies_each_draw_to_both_sides() -> None:
    """IED rate uncertain (Gamma, mean 0.7, cv 0.5). A variant that changes only the ambush rate
    leaves IED strikes equal in every replication of every draw (same drawn rate, same streams):
    the IED effect is exactly 0 in every draw. A variant that sets the IED rate to a plain 1.4 keeps
    it in every draw: draw k's effect on IED strikes has mean 1.4 − rate_k (|z| < 4 per draw,
    Poisson noise of the paired difference over 200 replications)."""
    from sim.api.compare import compare

    base = validate(hot_road(threats__levels__hot__ied_rate_per_100km={"dist": "gamma", "mean": 0.7, "cv": 0.5}))
    res = compare(base, {"threats.levels.hot.ambush_rate_per_100km": 0.6}, replications=200, engine="batch",
                  seed=8, draws=12)
    row = res.table.set_index("metric").loc["ied_strikes"]
    assert row["effect_q05"] == row["effect_q95"] == 0.0 and row["draws"] == 12
    assert res.table.set_index("metric").loc["ambushes", "effect_q50"] > 0.15
    fixed = compare(base, {"threats.levels.hot.ied_rate_per_100km": 1.4}, replications=200, engine="batch",
                    seed=8, draws=12)
    rate = fixed.draws["threats.levels.hot.ied_rate_per_100km"].to_numpy()
    d = fixed.variant["ied_strikes"].to_numpy(float) - fixed.baseline["ied_strikes"].to_numpy(float)
    per_draw = pd.Series(d).groupby(fixed.baseline["draw"].to_numpy()).agg(["mean", "var"])
    z = (per_draw["mean"].to_numpy() - (1.4 - rate)) / np.sqrt((1.4 + rate) / 200)
    assert np.all(np.abs(z) < 4), z


def test_an_override_of_an_uncertain_field_replaces_its_distribution() -> None:
    """Overrides (``--set``, a sweep point, a variant) of a field whose distribution is already in
    the uncertainty block (a dumped scenario, a folder's scenario.yaml) replace it: a number makes
    the field certain, a distribution takes its place."""
    from sim.model.loader import apply_overrides

    path = "threats.levels.hot.ied_rate_per_100km"
    raw = scenario_dict(validate(hot_road(threats__levels__hot__ied_rate_per_100km={"dist": "gamma", "mean": 0.7,
                                                                                    "cv": 0.5})))
    assert path in raw["uncertainty"]["fields"]
    plain = validate(apply_overrides(raw, {path: 1.4}))
    assert plain.threats.levels["hot"].ied_rate_per_100km == 1.4 and path not in plain.uncertainty.fields
    other = validate(apply_overrides(raw, [f"{path}={{dist: uniform, low: 1, high: 2}}"]))
    assert other.threats.levels["hot"].ied_rate_per_100km == 1.5
    assert other.uncertainty.fields[path].dist == "uniform"
