"""Both engines give the same predictive distributions in a two-level run (MODEL.md §17) of a
shipped scenario: the same draws (the design does not depend on the engine), pooled replications
compared with the agreement suite's tests and tolerances (means |z| < 4.5, KS and chi-square
p > 1e-4)."""

from __future__ import annotations

from sim.api.runs import run
from sim.model.loader import load_scenario
from tests.engines.test_agreement import compare
from tests.helpers.paths import SCENARIOS

PRIORS = [
    "threats.levels.high.ied_rate_per_100km={dist: gamma, mean: 0.3, cv: 0.5}",
    "threats.levels.high.ambush_rate_per_100km={dist: lognormal, mean: 0.15, cv: 0.6}",
    "flights.p_grant={dist: beta, mean: 0.1, concentration: 20}",
    "sites.kidal.early_exit.hazard_per_day={dist: triangular, low: 0.05, mode: 0.15, high: 0.3}",
]


def test_engines_agree_on_a_two_level_run_of_kidal() -> None:
    sc = load_scenario(SCENARIOS / "kidal_2023.yaml", PRIORS)
    des = run(sc, engine="des", replications=25, draws=24, seed=11)
    batch = run(sc, engine="batch", replications=400, draws=24, seed=11)
    assert des.draws.equals(batch.draws)
    bad = compare(sc, des.bases.drop(columns="draw"), batch.bases.drop(columns="draw"))
    assert not bad, "\n".join(bad)
    # the parameter spread is visible: the draws' mean IED strikes move with the drawn rate (one of
    # the scenario's 28 uncertain inputs; the medium-threat rate and the speed move them too)
    means = batch.runs.groupby("draw")["ied_strikes"].mean()
    rate = batch.draws.set_index("draw")["threats.levels.high.ied_rate_per_100km"]
    assert means.corr(rate) > 0.6
