"""Property tests over randomly generated valid scenarios, for both engines (MODEL.md).

Each example is a raw scenario dict from ``tests.helpers.builders.random_scenarios`` (1-4 bases,
each with its own road chain of 1-3 segments to one hub); the test validates it with
``sim.model.loader.validate`` and runs a few replications of the SimPy engine (``sim.engines.des``)
and the numpy engine (``sim.engines.batch``). Hypothesis runs derandomized, so the examples are the
same on every run.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from sim.engines import batch, des
from sim.model.loader import validate
from sim.model.schema import FATES, Scenario
from tests.helpers.builders import random_scenarios

N_REPLICATIONS = 5
SEED = 11
PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LOSS_COUNTS = (
    "ied_strikes", "ambushes", "breakdowns", "wounded", "killed",
    "vehicles_lost", "trucks_lost", "personnel_killed",
)


def _run(engine: str, sc: Scenario) -> pd.DataFrame:
    if engine == "des":
        return des.simulate(sc, 0, N_REPLICATIONS, SEED)
    return batch.simulate(sc, 0, 0, N_REPLICATIONS, SEED)


ENGINES = pytest.mark.parametrize("engine", ["des", "batch"])


def _self_propelled(sc: Scenario, base: str) -> int:
    cargo = sc.bases[base].cargo
    return sum(n for c, n in cargo.items() if sc.cargo_classes[c].self_propelled)


@ENGINES
@PROPERTY_SETTINGS
@given(data=random_scenarios())
def test_conservation_and_bounds(engine: str, data: dict[str, Any]) -> None:
    """Cargo and personnel are conserved; counts and times are never negative; the last final
    convoy leaves no later than leave-by plus the spacing of the base's final convoys."""
    sc = validate(data)
    bases = _run(engine, sc)
    assert len(bases) == N_REPLICATIONS * len(sc.bases)
    for row in bases.itertuples(index=False):
        r = row._asdict()
        base = sc.bases[r["base"]]
        for c in sc.cargo_classes:
            total = sum(r[f"cargo_{c}_{f}"] for f in FATES)
            assert total == base.cargo.get(c, 0), (r["replication"], r["base"], c)
            for f in FATES:
                assert r[f"cargo_{c}_{f}"] >= 0, (r["replication"], r["base"], c, f)
        assert r["personnel_air"] + r["personnel_road"] + r["personnel_killed"] == base.personnel
        for col in ("ied_strikes", "ambushes", "breakdowns", "wounded", "killed", "vehicles_lost",
                    "trucks_lost", "personnel_air", "personnel_road", "personnel_killed", "convoys",
                    "flight_requests", "flights_granted", "flights_denied", "road_requests"):
            assert r[col] >= 0, (r["replication"], r["base"], col)
        for col in ("exit_hours", "leave_by_hours", "last_arrival_hours", "road_hours"):
            assert r[col] >= 0, (r["replication"], r["base"], col)
        assert r["leave_by_hours"] <= sc.hours(base.leave_by) + 1e-9
        # an exit before the planned leave-by is always flagged as forced early, and only then
        assert bool(r["forced_early"]) == (r["leave_by_hours"] < sc.hours(base.leave_by) - 1e-9), r
        k = math.ceil(_self_propelled(sc, r["base"]) / sc.convoy.max_vehicles)
        bound = r["leave_by_hours"] + max(k - 1, 0) * sc.convoy.min_spacing_hours + 1e-6
        assert r["exit_hours"] <= bound, (r["replication"], r["base"], r["exit_hours"], bound)


@ENGINES
@PROPERTY_SETTINGS
@given(data=random_scenarios(zero_threat=True))
def test_no_threat_no_losses(engine: str, data: dict[str, Any]) -> None:
    """With zero attack and breakdown rates nothing is struck, hurt or lost."""
    sc = validate(data)
    bases = _run(engine, sc)
    for col in LOSS_COUNTS:
        assert (bases[col] == 0).all(), col
    for c in sc.cargo_classes:
        assert (bases[f"cargo_{c}_lost"] == 0).all(), c


@ENGINES
@PROPERTY_SETTINGS
@given(data=random_scenarios(all_flyers_fly=True))
def test_every_planned_flyer_flies(engine: str, data: dict[str, Any]) -> None:
    """Flights always granted at once, seats for everyone on the first day, days before leave-by:
    every planned flyer flies."""
    sc = validate(data)
    bases = _run(engine, sc)
    planned = bases["base"].map({b: s.personnel_air_planned for b, s in sc.bases.items()})
    assert (bases["personnel_air"] == planned).all()
