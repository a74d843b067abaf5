"""Properties of both engines over random valid scenarios (issue 7, part 1): threat monotonicity
under common random numbers, and agreement of the SimPy and batch engines.

Scenarios come from the ``random_scenarios`` strategy of ``tests.helpers.builders``; hypothesis runs
derandomized and every simulation has a fixed seed. Derandomized examples still depend on the
constants hypothesis collects from the modules imported so far (so on the tests run before), so the
replication-by-replication tests use fixed scenarios (``seeded_random_scenario``) instead. The tests
are statistical (means and standard errors) or exact properties of the SimPy engine's draws.

Monotonicity. The property holds only when attacks do not feed back into exposure: when attacks
destroy vehicles, a higher rate can shrink the fleet (and, with a size elasticity, the convoys) that
later meets the other threat levels, and the expected number of strikes falls
(``test_fleet_depletion_can_lower_expected_strikes`` pins such a scenario). Tested: with no vehicles
destroyed and no delays from attacks, scaling one threat level's IED and ambush rates by a factor
> 1 gives ``mean_high >= mean_low - K_SE * SE(paired difference)``, for both engines. Replication by
replication it holds only for the SimPy engine, which draws strike counts by inversion of one
uniform each (MODEL.md §6), and only when no vehicle leaves a convoy at all: breakdown losses are
spread over escorts and trucks with draws from the stream that the strikes advance, and escorts are
a finite pool (§12). The batch engine's ``Generator.poisson`` consumes a number of uniforms that
grows with the mean, so later draws of the stream shift (about 30 % of the paired differences are
negative in the random scenarios), and only the mean is monotone.

Agreement. Per base and column, the DES mean (``N_DES`` replications) and the batch mean (``N_BATCH``)
differ by less than ``Z_TOL`` pooled standard errors (``z_score``), as in ``test_agreement``.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engines import des
from sim.engines.batch import simulate as batch_simulate
from sim.model import outcomes
from sim.model.loader import validate
from sim.model.schema import Scenario
from tests.engines.test_agreement import COUNTS, TIMES, Z_TOL, z_score
from tests.helpers.builders import edit, random_scenarios, seeded_random_scenario, tiny

SEED = 31
K_SE = 4.0
"""Tolerance of the monotonicity test, in standard errors of the mean paired difference."""
N_MONO = {"des": 100, "batch": 2000}
N_SEEDED = 40
"""Fixed scenarios of the replication-by-replication test (``seeded_random_scenario(0 … 39)``)."""
N_DES = 300
N_BATCH = 4096
ENGINES = pytest.mark.parametrize("engine", ["des", "batch"])
AGREEMENT: list[float] = []
"""Largest |z| of each agreement example (printed with ``-s``)."""


def _simulate(engine: str, sc: Scenario, n: int, seed: int = SEED) -> pd.DataFrame:
    if engine == "des":
        return des.simulate(sc, 0, n, seed=seed)
    return batch_simulate(sc, 0, 0, n, seed=seed)


def strikes(bases: pd.DataFrame) -> np.ndarray:
    """IED strikes plus ambushes per replication, over all bases."""
    per = bases.groupby("replication", sort=True)[["ied_strikes", "ambushes"]].sum()
    return (per["ied_strikes"] + per["ambushes"]).to_numpy(float)


def scaled(data: dict[str, Any], level: str, factor: float) -> dict[str, Any]:
    """``data`` with threat level ``level``'s IED and ambush rates multiplied by ``factor``."""
    rates = data["threats"]["levels"][level]
    at = f"threats__levels__{level}__"
    return edit(data, **{at + "ied_rate_per_100km": rates["ied_rate_per_100km"] * factor,
                         at + "ambush_rate_per_100km": rates["ambush_rate_per_100km"] * factor})


def without_feedback(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with attacks that destroy no vehicle and cause no delay (casualties stay)."""
    none = {"mean": 0.0}
    return edit(data, **{f"threats__effects__{event}__{effect}": none
                         for event in ("ied", "ambush") for effect in ("vehicles_destroyed", "delay_hours")})


def paired(engine: str, low: dict[str, Any], high: dict[str, Any], n: int) -> tuple[float, float, float]:
    """(mean strikes low, mean strikes high, standard error of the mean paired difference)."""
    a = strikes(_simulate(engine, validate(low), n))
    b = strikes(_simulate(engine, validate(high), n))
    d = b - a
    return float(a.mean()), float(b.mean()), float(d.std(ddof=1) / math.sqrt(n))


@ENGINES
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=random_scenarios(), level=st.sampled_from(["low", "high"]), factor=st.sampled_from([1.5, 3.0]))
def test_raising_a_threat_rate_never_lowers_expected_strikes(
    engine: str, data: dict[str, Any], level: str, factor: float
) -> None:
    low = without_feedback(data)
    mean_low, mean_high, se = paired(engine, low, scaled(low, level, factor), N_MONO[engine])
    assert mean_high >= mean_low - K_SE * se, (level, factor, mean_low, mean_high, se)


def without_losses(data: dict[str, Any]) -> dict[str, Any]:
    """``without_feedback`` and breakdowns that lose no vehicle: nothing leaves a convoy."""
    return edit(without_feedback(data), threats__effects__breakdown__p_vehicle_lost=0.0)


def seeded_case(example: int) -> tuple[dict[str, Any], str, float]:
    """Fixed example ``example``: a seeded random scenario, the level scaled and the factor."""
    r = random.Random(10_000 + example)
    return seeded_random_scenario(example), r.choice(["low", "high"]), r.choice([1.5, 3.0])


def fallen(data: dict[str, Any], level: str, factor: float) -> tuple[np.ndarray, np.ndarray]:
    """DES strikes per replication of ``data`` and of ``data`` with ``level`` scaled by ``factor``."""
    a = strikes(_simulate("des", validate(data), N_MONO["des"]))
    b = strikes(_simulate("des", validate(scaled(data, level, factor)), N_MONO["des"]))
    return a, b


def test_des_strikes_never_fall_replication_by_replication() -> None:
    """MODEL.md §6: the SimPy engine draws a segment's strike counts by inversion of one uniform, so
    under common random numbers a higher rate never gives fewer strikes on a segment. Over a whole
    run that holds only while strikes change nothing else the run draws: no vehicle may leave a
    convoy. ``without_feedback`` removes the attacks' losses and delays, but breakdowns still lose
    vehicles (``p_vehicle_lost``), and the destroyed vehicles are spread over the convoy's sets
    (escorts, trucks) with draws from the ``effects`` stream, which the strikes' casualty draws have
    advanced: a higher rate can move a loss from a truck to an escort, and since escorts are a finite
    pool (§5.3, §12) the lift sends fewer convoys and meets fewer strikes
    (``test_des_breakdown_losses_can_lower_strikes_replication_by_replication``). So tested: with no
    vehicle lost at all (``without_losses``), no replication has fewer strikes, in ``N_SEEDED``
    fixed scenarios (``seeded_random_scenario``; hypothesis' examples, derandomized or not, depend on
    the constants of the modules imported before, so on which tests ran first)."""
    failures, raised = [], 0
    for example in range(N_SEEDED):
        data, level, factor = seeded_case(example)
        a, b = fallen(without_losses(data), level, factor)
        if not (b >= a).all():
            failures.append((example, level, factor, np.flatnonzero(b < a)[:5].tolist()))
        raised += bool((b > a).any())
    assert not failures, failures
    assert raised >= N_SEEDED // 2  # not vacuous: the scaled rate does add strikes (32 of 40)


def test_des_breakdown_losses_can_lower_strikes_replication_by_replication() -> None:
    """Why ``without_losses``: fixed example 165 (one base, a lift of 6 trucks and 2 escorts, 1 escort
    a convoy, every breakdown losing its vehicle) without the attacks' feedback but with breakdown
    losses. Raising the high-threat rates by 1.5 lowers the strikes in 5 of 100 replications (a
    breakdown loss falls on an escort instead of a truck, so fewer convoys go); with no escorts a
    convoy, or no breakdown losses, none falls."""
    data, _, _ = seeded_case(165)
    assert data["threats"]["effects"]["breakdown"]["p_vehicle_lost"] == 1.0
    a, b = fallen(without_feedback(data), "high", 1.5)
    assert (b < a).sum() >= 3 and b.mean() > a.mean(), np.flatnonzero(b < a)
    a, b = fallen(edit(without_feedback(data), convoy__escorts_per_convoy=0), "high", 1.5)
    assert (b >= a).all()
    a, b = fallen(without_losses(data), "high", 1.5)
    assert (b >= a).all()


def depletion_scenario(factor: float = 1.0) -> dict[str, Any]:
    """Found by a seeded search: 7 trucks, attacks destroying 5 vehicles on average, strikes in
    proportion to convoy size (elasticity 1). More IEDs and ambushes on the low-threat road wreck the
    trucks sooner, so fewer vehicles meet the high-threat road, where most strikes happen."""
    d = tiny()
    d["sites"]["alpha"]["cargo"] = {"containers": 300, "sensitive": 0, "vehicles": 9}
    d["fleet"]["lifts"]["north"].update(trucks=7, escorts=3)
    d["convoy"].update(max_vehicles=22, escorts_per_convoy=2)
    effects = d["threats"]["effects"]
    effects["ied"]["vehicles_destroyed"] = {"mean": 5.0}
    effects["ied"]["delay_hours"] = {"mean": 0.0}
    effects["ambush"]["vehicles_destroyed"] = {"mean": 5.0}
    d["threats"]["size_elasticity"] = 1.0
    d["threats"]["levels"]["high"].update(ied_rate_per_100km=3.0, ambush_rate_per_100km=2.0)
    return scaled(d, "low", factor)


@ENGINES
def test_fleet_depletion_can_lower_expected_strikes(engine: str) -> None:
    """The monotonicity of the issue does not hold when attacks destroy vehicles: tripling the
    low-threat rates lowers the mean strikes (batch: 53.3 → 45.0, z ≈ −37 with 4096 replications)."""
    n = {"des": 300, "batch": 4096}[engine]
    mean_low, mean_high, se = paired(engine, depletion_scenario(), depletion_scenario(3.0), n)
    assert mean_high < mean_low - K_SE * se, (mean_low, mean_high, se)


def disagreements(sc: Scenario, d: pd.DataFrame, b: pd.DataFrame) -> tuple[list[str], float]:
    """Columns whose DES and batch means differ by ``Z_TOL`` pooled standard errors or more, per
    base; and the largest finite |z|."""
    bad, largest = [], 0.0
    cargo = [c for c in outcomes.cargo_columns(sc) if d[c].any() or b[c].any()]
    for base in sc.bases:
        x, y = d[d.base == base], b[b.base == base]
        for col in (*TIMES, *COUNTS, *cargo, "forced_early"):
            z = z_score(x[col].to_numpy(float), y[col].to_numpy(float))
            if math.isfinite(z):
                largest = max(largest, abs(z))
            if abs(z) >= Z_TOL:
                bad.append(f"{base}.{col}: mean des {x[col].mean():.4g} batch {y[col].mean():.4g} z={z:.2f}")
    return bad, largest


AGREE_SETTINGS = {"deadline": None, "derandomize": True,
                  "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


@settings(max_examples=20, **AGREE_SETTINGS)
@given(data=random_scenarios())
def test_engines_agree_on_random_scenarios(data: dict[str, Any]) -> None:
    check_agreement(data)


@pytest.mark.slow
@settings(max_examples=80, **AGREE_SETTINGS)
@given(data=random_scenarios())
def test_engines_agree_on_more_random_scenarios(data: dict[str, Any]) -> None:
    check_agreement(data)


def check_agreement(data: dict[str, Any]) -> None:
    sc = validate(data)
    bad, largest = disagreements(sc, _simulate("des", sc, N_DES), _simulate("batch", sc, N_BATCH))
    AGREEMENT.append(largest)
    print(f"agreement example {len(AGREEMENT)}: {len(sc.bases)} bases, largest |z| {largest:.2f}")
    assert not bad, f"{data}\n" + "\n".join(bad)
