"""Property tests over randomly generated valid scenarios, for both engines (MODEL.md).

Each example builds a raw scenario dict (1-4 bases, each with its own road chain of 1-3 segments
to one hub), validates it with ``sim.loader.validate`` and runs a few replications of the SimPy
engine (``sim.des``) and the numpy engine (``sim.batch``). Hypothesis runs derandomized, so the
examples are the same on every run.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.loader import validate
from sim.scenario import FATES, Scenario

des = pytest.importorskip("sim.des")
batch = pytest.importorskip("sim.batch")

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


def _day(offset_hours: float) -> str:
    """An ISO timestamp ``offset_hours`` after 2024-01-01T00:00 (whole hours)."""
    return str(pd.Timestamp("2024-01-01T00:00") + pd.Timedelta(hours=offset_hours)).replace(" ", "T")


def _authorization(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "p_grant": draw(st.sampled_from([0.0, 0.3, 0.7, 1.0])),
        "retry_hours": draw(st.sampled_from([6.0, 12.0, 24.0])),
        "decision_delay_hours": {"mean": draw(st.sampled_from([0.0, 2.0, 12.0])),
                                 "cv": draw(st.sampled_from([0.0, 0.5]))},
    }
    give_up = draw(st.sampled_from([None, 0.0, 24.0, 96.0]))
    if give_up is not None:
        out["give_up_hours"] = give_up
    return out


@st.composite
def scenarios(draw: st.DrawFn, zero_threat: bool = False, all_flyers_fly: bool = False) -> dict[str, Any]:
    """A valid raw scenario dict. ``zero_threat``: no attacks or breakdowns anywhere.
    ``all_flyers_fly``: flights always granted at once, enough seats, no early exit, time enough."""
    n_bases = draw(st.integers(1, 4))
    classes = {
        "containers": {"units_per_truck": draw(st.integers(1, 3)), "value_usd": 1000,
                       "priority": draw(st.integers(1, 3)),
                       "destroy_hours_per_unit": draw(st.sampled_from([0.5, 2.0]))},
        "sensitive": {"units_per_truck": draw(st.integers(1, 2)), "air_eligible": True,
                      "value_usd": 5000, "priority": draw(st.integers(1, 3)),
                      "if_left": draw(st.sampled_from(["destroy", "handover"]))},
        "vehicles": {"self_propelled": True, "value_usd": 8000, "priority": draw(st.integers(1, 3))},
    }
    levels = {}
    for name in ("low", "high"):
        if zero_threat:
            levels[name] = {"ied_rate_per_100km": 0.0, "ambush_rate_per_100km": 0.0,
                            "breakdowns_per_1000_vehicle_km": 0.0}
        else:
            levels[name] = {
                "ied_rate_per_100km": draw(st.sampled_from([0.0, 0.2, 1.0])),
                "ambush_rate_per_100km": draw(st.sampled_from([0.0, 0.1, 0.5])),
                "breakdowns_per_1000_vehicle_km": draw(st.sampled_from([0.0, 0.3, 2.0])),
            }
    dispersion = draw(st.sampled_from([None, 0.5]))
    count = {"mean": draw(st.sampled_from([0.0, 0.5, 2.0]))}
    if dispersion is not None:
        count["dispersion"] = dispersion
    effects = {
        "ied": {"vehicles_destroyed": dict(count), "wounded": {"mean": draw(st.sampled_from([0.0, 1.5]))},
                "killed": {"mean": draw(st.sampled_from([0.0, 0.5, 3.0]))},
                "delay_hours": {"mean": draw(st.sampled_from([0.0, 3.0])), "cv": 0.5}},
        "ambush": {"vehicles_destroyed": {"mean": draw(st.sampled_from([0.0, 1.0]))},
                   "killed": {"mean": draw(st.sampled_from([0.0, 1.0]))},
                   "wounded": {"mean": 1.0}},
        "breakdown": {"p_vehicle_lost": draw(st.sampled_from([0.0, 0.3, 1.0])),
                      "delay_hours": {"mean": draw(st.sampled_from([0.0, 1.0]))}},
    }
    sites: dict[str, Any] = {"hub": {"kind": "hub", "lat": 16.0, "lon": 0.0}}
    waypoints: dict[str, Any] = {}
    roads: list[dict[str, Any]] = []
    base_names = [f"b{i}" for i in range(n_bases)]
    for i, name in enumerate(base_names):
        personnel = draw(st.integers(0, 150))
        cargo = {
            "containers": draw(st.integers(0, 40)),
            "sensitive": draw(st.integers(0, 10)),
            "vehicles": draw(st.integers(1 if personnel > 0 else 0, 25)),
        }
        withdraw_h = 24 * draw(st.integers(1, 5))
        if all_flyers_fly:
            stay_h = 24 * draw(st.integers(3, 20))
        else:
            stay_h = draw(st.sampled_from([6, 24, 72, 240, 480]))
        base: dict[str, Any] = {
            "kind": "base", "lat": 17.0 + i, "lon": 1.0 + i, "personnel": personnel,
            "personnel_air_planned": draw(st.integers(0, personnel)),
            "cargo": cargo, "withdraw_from": _day(withdraw_h), "leave_by": _day(withdraw_h + stay_h),
            "loading": {"teams": draw(st.integers(1, 4)),
                        "hours_per_truck_load": draw(st.sampled_from([0.5, 1.0, 3.0]))},
            "destruction": {"teams": draw(st.integers(0, 3)),
                            "lead_hours": draw(st.sampled_from([0.0, 24.0, 48.0]))},
        }
        if all_flyers_fly:
            seats = draw(st.integers(10, 60))
            sorties = max(1, math.ceil(base["personnel_air_planned"] / seats))
            base["airstrip"] = {"sorties_per_day": sorties + draw(st.integers(0, 2)),
                                "seats_per_sortie": seats,
                                "cargo_units_per_sortie": draw(st.integers(0, 4))}
        elif draw(st.booleans()):
            base["airstrip"] = {"sorties_per_day": draw(st.integers(1, 3)),
                                "seats_per_sortie": draw(st.integers(0, 60)),
                                "cargo_units_per_sortie": draw(st.integers(0, 4))}
        else:
            base["personnel_air_planned"] = 0
        if not all_flyers_fly and draw(st.booleans()):
            base["early_exit"] = {"from": _day(withdraw_h),
                                  "hazard_per_day": draw(st.sampled_from([0.0, 0.2, 1.0])),
                                  "notice_hours": draw(st.sampled_from([0.0, 12.0, 48.0]))}
        sites[name] = base
        previous = name
        n_segments = draw(st.integers(1, 3))
        for j in range(n_segments - 1):
            wp = f"w{i}_{j}"
            waypoints[wp] = {"lat": 16.5 + 0.1 * i, "lon": 0.5 + 0.1 * j}
            roads.append(_road(draw, previous, wp))
            previous = wp
        roads.append(_road(draw, previous, "hub"))
    served = draw(st.lists(st.sampled_from(base_names), min_size=0, max_size=n_bases, unique=True))
    lifts = {}
    if served:
        lifts["north"] = {"hub": "hub", "trucks": draw(st.integers(0, 15)),
                          "escorts": draw(st.integers(0, 4)), "serves": served,
                          "idle_check_hours": draw(st.sampled_from([6.0, 24.0]))}
    data: dict[str, Any] = {
        "name": "prop", "description": "random property-test scenario",
        "calendar": {"start": "2024-01-01T00:00", "deadline": "2024-03-01T00:00"},
        "cargo_classes": classes, "sites": sites, "waypoints": waypoints, "roads": roads,
        "terrain": {"track": {"speed_kmh": draw(st.sampled_from([10.0, 25.0]))},
                    "paved": {"speed_kmh": draw(st.sampled_from([40.0, 60.0]))}},
        "threats": {"levels": levels, "effects": effects,
                    "size_elasticity": draw(st.sampled_from([0.0, 0.5])),
                    "reference_convoy_vehicles": 20},
        "mitigations": {"escort": {"ied_rate_factor": 0.5, "casualty_factor": 0.7},
                        "air_cover": {"ambush_rate_factor": 0.3, "speed_factor": 1.2}},
        "air_cover": {"p_grant": draw(st.sampled_from([0.0, 0.5, 1.0]))},
        "fleet": {"lifts": lifts},
        "convoy": {"max_vehicles": draw(st.integers(3, 30)),
                   "escorts_per_convoy": draw(st.integers(0, 2)),
                   "min_spacing_hours": draw(st.sampled_from([0.0, 1.0, 4.0])),
                   "daylight_only": draw(st.booleans()),
                   "final_convoy_escorted": draw(st.booleans()),
                   "final_convoy_armoured": draw(st.booleans())},
        "run": {"seed": 3, "replications": N_REPLICATIONS},
    }
    if all_flyers_fly:
        data["flights"] = {"p_grant": 1.0, "retry_hours": 24.0,
                           "decision_delay_hours": {"mean": 0.0}}
    else:
        data["flights"] = _authorization(draw)
    road = _authorization(draw)
    road["required"] = draw(st.booleans())
    data["road_movements"] = road
    return data


def _road(draw: st.DrawFn, a: str, b: str) -> dict[str, Any]:
    return {"from": a, "to": b, "km": draw(st.sampled_from([5.0, 40.0, 150.0])),
            "terrain": draw(st.sampled_from(["track", "paved"])),
            "threat": draw(st.sampled_from(["low", "high"])), "cleared": draw(st.booleans())}


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
@given(data=scenarios())
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
@given(data=scenarios(zero_threat=True))
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
@given(data=scenarios(all_flyers_fly=True))
def test_every_planned_flyer_flies(engine: str, data: dict[str, Any]) -> None:
    """Flights always granted at once, seats for everyone on the first day, days before leave-by:
    every planned flyer flies."""
    sc = validate(data)
    bases = _run(engine, sc)
    planned = bases["base"].map({b: s.personnel_air_planned for b, s in sc.bases.items()})
    assert (bases["personnel_air"] == planned).all()
