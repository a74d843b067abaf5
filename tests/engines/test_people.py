"""The people model and the rules that came with it (MODEL.md §10-§14), on both engines: closed
forms (fixed seeds, z-score tolerances), conservation of people and vehicles, monotone effect of
flights, and the bounds (nobody hurt twice, never more than are aboard)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.loader import validate
from sim.model.schema import Scenario
from tests.helpers import builders

ENGINES = ["des", "batch"]
Z = 4.0
"""Tolerance of every closed-form check, in standard errors (fixed seeds: deterministic)."""


def run(sc: Scenario, engine: str, n: int, seed: int = 3) -> pd.DataFrame:
    return sim.run(sc, engine=engine, replications=n, seed=seed).bases


def reps(engine: str, des: int, batch: int = 4096) -> int:
    return des if engine == "des" else batch


def one_hit(p_wounded: float, passengers: int, crew: int = 3) -> Scenario:
    """One APC on one leg; every strike hits it (vehicles_hit mean 50, capped at the one vehicle),
    nobody is killed, each person aboard is wounded with ``p_wounded``; it is damaged and repaired,
    so it is hit once at most."""
    d = builders.people_leg(passengers=passengers, vehicles=1, hits=50.0)
    d["vehicle_types"]["apc"]["crew"] = crew
    d["sites"]["alpha"]["personnel"] = crew + passengers
    d["protection_levels"]["armoured"] = {"p_destroyed": 0.0, "p_killed": 0.0, "p_wounded": p_wounded}
    d["threats"]["effects"]["ied"]["p_repair"] = 1.0
    d["threats"]["effects"]["ambush"] = {"vehicles_hit": {"mean": 50.0}, "p_repair": 1.0}
    return validate(d)


@pytest.mark.parametrize("engine", ENGINES)
def test_wounded_per_strike_is_binomial_on_the_people_aboard(engine: str) -> None:
    p, aboard = 0.3, 11
    b = run(one_hit(p, passengers=8), engine, reps(engine, 1500))
    hit = b[(b["ied_strikes"] + b["ambushes"]) > 0]
    assert len(hit) > 500
    w = hit["wounded"].to_numpy(float)
    mean, sd = aboard * p, math.sqrt(aboard * p * (1 - p))
    assert abs(w.mean() - mean) <= Z * sd / math.sqrt(len(w))
    p0 = (1 - p) ** aboard
    assert abs((w == 0).mean() - p0) <= Z * math.sqrt(p0 * (1 - p0) / len(w))
    assert (b["killed"] == 0).all() and (w <= aboard).all()
    assert (b["wounded"] == b["wounded_crew"] + b["wounded_passengers"] + b["wounded_contractors"]).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_nobody_aboard_gives_no_passenger_casualty(engine: str) -> None:
    b = run(one_hit(0.5, passengers=0), engine, reps(engine, 400))
    assert (b["wounded_passengers"] == 0).all() and (b["killed_passengers"] == 0).all()
    assert (b["wounded"] <= 3).all() and (b["wounded"] > 0).any()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["people_leg", "people_damage", "people_halts", "people_medevac", "people_seats"])
def test_never_more_casualties_than_people_aboard(engine: str, name: str) -> None:
    sc = builders.PEOPLE[name]()
    b = run(sc, engine, reps(engine, 300))
    for base_name, base in sc.bases.items():
        rows = b[b["base"] == base_name]
        # the base's personnel and the crews of everything else that drove for it bound the hurt
        assert (rows["personnel_killed"] <= base.personnel - rows["personnel_air"]).all()
        hurt_base = rows["personnel_killed"] + rows["personnel_medevac"]
        assert (hurt_base <= rows["wounded_crew"] + rows["wounded_passengers"] + rows["killed_crew"]
                + rows["killed_passengers"]).all()
    assert (b["killed"] == b["killed_in_action"] + b["died_of_wounds"]).all()
    assert (b["killed"] == b["killed_crew"] + b["killed_passengers"] + b["killed_contractors"]).all()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(builders.PEOPLE))
def test_people_and_vehicles_are_conserved(engine: str, name: str) -> None:
    sc = builders.PEOPLE[name]()
    b = run(sc, engine, reps(engine, 200))
    for base_name, base in sc.bases.items():
        rows = b[b["base"] == base_name]
        total = rows["personnel_air"] + rows["personnel_medevac"] + rows["personnel_road"] + rows["personnel_killed"]
        assert (total == base.personnel).all(), base_name
        assert (rows[["personnel_air", "personnel_medevac", "personnel_road", "personnel_killed"]] >= 0).all().all()
    assert (b["vehicles_lost"] == b["vehicles_destroyed"] + b["vehicles_abandoned"]).all()
    if sc.vehicle_types:
        assert (b["vehicles_damaged"] == b["vehicles_repaired"] + b["vehicles_towed"] + b["vehicles_abandoned"]).all()
    else:
        assert (b["vehicles_damaged"] == 0).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_seats_short_by_k_people_add_ceil_k_over_seats_vehicles(engine: str) -> None:
    sc = builders.PEOPLE["people_seats"]()
    base = sc.bases["alpha"]
    b = run(sc, engine, reps(engine, 200))
    crews = 12 * 3  # twelve APCs of three
    passengers = base.personnel - b["personnel_air"].to_numpy() - crews
    short = np.maximum(passengers - 12 * 8, 0)
    assert (b["seat_vehicles"].to_numpy() == -(-short // 30)).all()
    assert (b["seat_vehicles"] > 0).any() and (short > 0).any()


def test_more_flights_never_add_people_or_vehicles_to_the_road() -> None:
    """Per replication under common random numbers: the road's people and vehicles are
    non-increasing functions of the personnel flown (the seat vehicles follow the passengers)."""
    rows = []
    for p in (0.0, 0.3, 0.7, 1.0):
        b = run(validate(builders.people_seats(p)), "batch", 4096)
        rows.append(b.assign(p=p))
    b = pd.concat(rows)
    road = b["personnel_road"] + b["personnel_killed"] + b["personnel_medevac"]
    order = np.argsort(b["personnel_air"].to_numpy(), kind="stable")
    air = b["personnel_air"].to_numpy()[order]
    for col in (road.to_numpy()[order], b["seat_vehicles"].to_numpy()[order]):
        # among rows with more personnel flown, never more on the road
        worst_after = np.minimum.accumulate(col[::-1])[::-1]
        best_before = np.maximum.accumulate(col)
        strictly_more = air[1:] > air[:-1]
        assert (best_before[:-1][strictly_more] >= worst_after[1:][strictly_more]).all()
    by_p = b.groupby("p")["seat_vehicles"].mean()
    assert by_p.is_monotonic_decreasing and by_p.iloc[0] > by_p.iloc[-1]


def halted(rate: float) -> Scenario:
    """One leg leaving at midnight with daylight 06:00-18:00: 6 h halted on its first segment
    (threat ``stat``, stationary rate ``rate`` per hour), none on the second."""
    d = builders.one_leg()
    d["sites"]["alpha"]["withdraw_from"] = "2024-01-02T00:00"
    d["calendar"]["daylight"] = {"start_hour": 6.0, "end_hour": 18.0}
    d["convoy"] = {"max_vehicles": 100, "daylight_only": True}
    d["threats"] = {"levels": {"none": {}, "stat": {"stationary_attack_rate_per_hour": rate}}}
    d["roads"][0]["threat"] = "stat"
    return validate(d)


@pytest.mark.parametrize("engine", ENGINES)
def test_halted_hours_give_poisson_attacks(engine: str) -> None:
    rate, hours = 0.1, 6.0
    b = run(halted(rate), engine, reps(engine, 2000))
    x = b["stationary_attacks"].to_numpy(float)
    lam = rate * hours
    assert abs(x.mean() - lam) <= Z * math.sqrt(lam / len(x))
    p0 = math.exp(-lam)
    assert abs((x == 0).mean() - p0) <= Z * math.sqrt(p0 * (1 - p0) / len(x))
    exit_h = b["exit_hours"].iloc[0]
    assert np.allclose(b["last_arrival_hours"] - exit_h, 6.0 + 3.0 + 2.0)


def dying(km: float) -> Scenario:
    """One road of ``km`` at 20 km/h with many wounded (aggregate model): the wounded ride to the
    hub, half the drive: delay to surgery km / 40 hours."""
    d = builders.one_leg()
    d["roads"] = [{"from": "alpha", "to": "hub", "km": km, "terrain": "track", "threat": "hot"}]
    d["waypoints"] = {}
    d["threats"] = {"levels": {"hot": {"ied_rate_per_100km": 400.0 / km}},
                    "effects": {"ied": {"wounded": {"mean": 3.0}}}}
    d["died_of_wounds"] = {"hours": [1.0, 6.0], "p": [0.1, 0.4]}
    return validate(d)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("km,p", [(40.0, 0.1), (240.0, 0.4), (140.0, 0.25)])
def test_deaths_of_wounds_follow_the_stated_function(engine: str, km: float, p: float) -> None:
    b = run(dying(km), engine, reps(engine, 300, 1024))
    w, d = int(b["wounded"].sum()), int(b["died_of_wounds"].sum())
    assert w > 1000
    assert abs(d / w - p) <= Z * math.sqrt(p * (1 - p) / w)
    assert (b["died_of_wounds"] <= b["wounded"]).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_medevac_granted_shortens_the_delay_and_the_deaths(engine: str) -> None:
    base = dying(240.0)
    data = copy.deepcopy(sim.model.loader.scenario_dict(base))
    data["medevac"] = {"p_grant": 1.0, "flight_hours": 0.5}
    flown = run(validate(data), engine, reps(engine, 300, 1024))
    w, d = int(flown["wounded"].sum()), int(flown["died_of_wounds"].sum())
    # granted at once: delay to surgery 0.5 h, below the first point: p = 0.1
    assert abs(d / w - 0.1) <= Z * math.sqrt(0.09 / w)
    assert (flown["medevac_granted"] == flown["medevac_requests"]).all()
    assert (flown["medevac_requests"] > 0).any()
