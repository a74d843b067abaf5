"""The one builder of synthetic scenarios: every scenario dict a test makes comes from here.

Raw dicts (the form of a YAML file), fresh on every call, so a test changes what it needs:

- ``tiny()``: one base ``alpha`` with a lift, flights and threats on two roads via ``mid``;
- ``one_leg()``: one base, no lift, no flights: 20 vehicles and 40 people drive 100 km to the hub;
- ``one_road()``: ``one_leg`` lightened to 10 people and 5 vehicles, with a ``hot`` threat level;
- ``mixed_cargo()``: ``one_leg`` with four cargo classes (priorities, handover) on one 100 km road;
- ``two_bases()``: two bases sharing a lift, every mechanism of the model switched on;
- ``random_scenarios()``: a hypothesis strategy of valid random scenarios (1-4 bases);
  ``seeded_random_scenario(seed)`` one of them picked by a seeded ``random.Random``.

``edit(data, a__b__c=value)`` and ``without(data, "a__b")`` change a copy at ``a__b__c`` paths
(list items by index); ``changed`` is ``edit`` then ``validate``. The functions returning a
``Scenario`` (``threats_on_leg``, ``chain_only`` …, ``SYNTHETIC``) isolate one rule each; the batch,
agreement and SimPy tests share them.
"""

from __future__ import annotations

import copy
import math
import random
from typing import Any, Protocol

import pandas as pd
from hypothesis import strategies as st

from sim.model.loader import validate
from sim.model.schema import Scenario

# ---------------------------------------------------------------- editing


def _node(data: Any, keys: list[str], make: bool) -> Any:
    node = data
    for k in keys:
        node = node[int(k)] if isinstance(node, list) else (node.setdefault(k, {}) if make else node[k])
    return node


def edit(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of raw scenario ``data`` with values set at ``a__b__c`` paths (``roads__0__km``:
    list items by index; missing mappings are made)."""
    data = copy.deepcopy(data)
    for path, value in changes.items():
        *head, last = path.split("__")
        node = _node(data, head, make=True)
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def without(data: dict[str, Any], *paths: str) -> dict[str, Any]:
    """A deep copy of ``data`` without the keys (or list items) at ``a__b__c`` ``paths``."""
    data = copy.deepcopy(data)
    for path in paths:
        *head, last = path.split("__")
        node = _node(data, head, make=False)
        del node[int(last) if isinstance(node, list) else last]
    return data


def changed(data: dict[str, Any], **changes: Any) -> Scenario:
    """``edit(data, **changes)``, validated."""
    return validate(edit(data, **changes))


# ---------------------------------------------------------------- base scenarios


def tiny() -> dict[str, Any]:
    """One base ``alpha`` (120 people, three cargo classes, an airstrip), one hub, one waypoint, two
    roads (60 km high threat, 80 km low), a 20-truck lift, flights, 40 replications."""
    return {
        "name": "tiny",
        "description": "one base, one hub, two roads: a synthetic scenario for tests",
        "calendar": {"start": "2024-01-01T00:00", "deadline": "2024-03-01T00:00"},
        "cargo_classes": {
            "containers": {"units_per_truck": 1, "value_usd": 10000, "priority": 1, "destroy_hours_per_unit": 2.0},
            "sensitive": {"units_per_truck": 2, "air_eligible": True, "sensitive": True, "value_usd": 50000,
                          "priority": 3, "destroy_hours_per_unit": 1.0},
            "vehicles": {"self_propelled": True, "value_usd": 80000, "priority": 2, "destroy_hours_per_unit": 0.5},
        },
        "sites": {
            "hub": {"kind": "hub", "lat": 16.0, "lon": 0.0},
            "alpha": {
                "kind": "base", "lat": 17.0, "lon": 1.0, "personnel": 120, "personnel_air_planned": 40,
                "cargo": {"containers": 30, "sensitive": 6, "vehicles": 12},
                "withdraw_from": "2024-01-02", "leave_by": "2024-02-01T06:00",
                "airstrip": {"sorties_per_day": 1, "seats_per_sortie": 20, "cargo_units_per_sortie": 2},
            },
        },
        "waypoints": {"mid": {"lat": 16.5, "lon": 0.5}},
        "roads": [
            {"from": "alpha", "to": "mid", "km": 60, "terrain": "track", "threat": "high"},
            {"from": "mid", "to": "hub", "km": 80, "terrain": "track", "threat": "low"},
        ],
        "terrain": {"track": {"speed_kmh": 20}},
        "threats": {
            "levels": {
                "low": {"ied_rate_per_100km": 0.05, "ambush_rate_per_100km": 0.02,
                        "breakdowns_per_1000_vehicle_km": 0.2},
                "high": {"ied_rate_per_100km": 0.3, "ambush_rate_per_100km": 0.1,
                         "breakdowns_per_1000_vehicle_km": 0.4},
            },
            "effects": {
                "ied": {"vehicles_destroyed": {"mean": 0.5}, "wounded": {"mean": 1.5}, "killed": {"mean": 0.2},
                        "delay_hours": {"mean": 3.0, "cv": 0.5}},
                "ambush": {"wounded": {"mean": 2.0}, "killed": {"mean": 0.3}},
            },
        },
        "fleet": {"lifts": {"north": {"hub": "hub", "trucks": 20, "escorts": 4, "serves": ["alpha"]}}},
        "flights": {"p_grant": 0.3, "retry_hours": 24, "give_up_hours": 72},
        "convoy": {"max_vehicles": 30, "escorts_per_convoy": 2, "min_spacing_hours": 1.0},
        "run": {"seed": 7, "replications": 40},
    }


def one_leg() -> dict[str, Any]:
    """One base, no lift, no flights: 20 vehicles and 40 people drive 100 km (60 + 40) to the hub."""
    return {
        "name": "one_leg",
        "calendar": {"start": "2024-01-01T00:00", "deadline": "2024-03-01T00:00"},
        "cargo_classes": {
            "containers": {"units_per_truck": 1, "value_usd": 10000, "priority": 1, "destroy_hours_per_unit": 2.0},
            "vehicles": {"self_propelled": True, "value_usd": 80000, "priority": 2},
        },
        "sites": {
            "hub": {"kind": "hub", "lat": 16.0, "lon": 0.0},
            "alpha": {"kind": "base", "lat": 17.0, "lon": 1.0, "personnel": 40, "cargo": {"vehicles": 20},
                      "withdraw_from": "2024-01-02T15:00", "leave_by": "2024-02-01T06:00"},
        },
        "waypoints": {"mid": {"lat": 16.5, "lon": 0.5}},
        "roads": [
            {"from": "alpha", "to": "mid", "km": 60, "terrain": "track", "threat": "none"},
            {"from": "mid", "to": "hub", "km": 40, "terrain": "track", "threat": "none"},
        ],
        "terrain": {"track": {"speed_kmh": 20}},
        "threats": {"levels": {"none": {}}},
        "convoy": {"max_vehicles": 100},
    }


def one_road() -> dict[str, Any]:
    """``one_leg`` with 10 people and 5 vehicles (the only cargo class) leaving by 10 Jan, a daylight
    window of 06:00-18:00 and a ``hot`` threat level (IEDs 0.7, ambushes 0.3 per 100 km) no road
    has yet: the closed forms of the SimPy engine."""
    d = edit(one_leg(), name="one_road", calendar__deadline="2024-02-01T00:00",
             calendar__daylight={"start_hour": 6.0, "end_hour": 18.0},
             cargo_classes={"vehicles": {"self_propelled": True}},
             sites__alpha__personnel=10, sites__alpha__cargo={"vehicles": 5}, sites__alpha__leave_by="2024-01-10")
    d["threats"]["levels"]["hot"] = {"ied_rate_per_100km": 0.7, "ambush_rate_per_100km": 0.3}
    del d["convoy"]
    return d


def mixed_cargo() -> dict[str, Any]:
    """``one_leg`` with four cargo classes (boxes 2 per truck priority 1, guns 1 per truck priority 3,
    food handed over, cars self-propelled), 10 people and 2 cars at ``alpha`` leaving by 20 Jan, a
    destruction team (48 h lead), an early-exit hazard, and one 100 km road straight to the hub;
    daylight driving only: the shared rules' arithmetic."""
    d = edit(one_leg(), name="rules", calendar__daylight={"start_hour": 6.0, "end_hour": 18.0},
             cargo_classes={
                 "boxes": {"units_per_truck": 2, "priority": 1, "destroy_hours_per_unit": 2.0},
                 "guns": {"units_per_truck": 1, "priority": 3, "destroy_hours_per_unit": 1.0},
                 "food": {"units_per_truck": 1, "priority": 2, "if_left": "handover"},
                 "cars": {"self_propelled": True, "priority": 2},
             },
             sites__alpha__personnel=10, sites__alpha__cargo={"cars": 2},
             sites__alpha__withdraw_from="2024-01-02", sites__alpha__leave_by="2024-01-20",
             sites__alpha__destruction={"teams": 1, "lead_hours": 48},
             sites__alpha__early_exit={"from": "2024-01-05", "hazard_per_day": 0.5, "notice_hours": 24},
             waypoints={}, roads=[{"from": "alpha", "to": "hub", "km": 100, "terrain": "track", "threat": "none"}],
             convoy={"daylight_only": True})
    return d


def two_bases() -> dict[str, Any]:
    """Two bases (``north``: five cargo classes, early exit, loading and destruction teams, an airstrip;
    ``east``: a cleared paved road) sharing one lift, with road authorizations, air cover periods,
    every mitigation, daylight driving and convoy slowdown: every mechanism at once."""
    return {
        "name": "two_bases",
        "calendar": {"start": "2024-01-01T04:00", "deadline": "2024-02-15T00:00",
                     "daylight": {"start_hour": 6.0, "end_hour": 19.0}},
        "cargo_classes": {
            "boxes": {"units_per_truck": 2, "value_usd": 1000, "priority": 1, "destroy_hours_per_unit": 2.0},
            "guns": {"units_per_truck": 1, "air_eligible": True, "sensitive": True, "priority": 3,
                     "destroy_hours_per_unit": 1.0},
            "food": {"units_per_truck": 3, "priority": 2, "if_left": "handover"},
            "cars": {"self_propelled": True, "priority": 2},
            "tanks": {"self_propelled": True, "priority": 4},
        },
        "sites": {
            "hub": {"kind": "hub", "lat": 0.0, "lon": 0.0},
            "north": {"kind": "base", "lat": 2.0, "lon": 1.0, "personnel": 300, "personnel_air_planned": 100,
                      "cargo": {"boxes": 61, "guns": 14, "food": 10, "cars": 30, "tanks": 7},
                      "withdraw_from": "2024-01-02", "leave_by": "2024-01-25",
                      "early_exit": {"from": "2024-01-08", "hazard_per_day": 0.2, "notice_hours": 36},
                      "loading": {"teams": 3, "hours_per_truck_load": 1.5},
                      "destruction": {"teams": 2, "lead_hours": 40},
                      "airstrip": {"sorties_per_day": 2, "seats_per_sortie": 40, "cargo_units_per_sortie": 3}},
            "east": {"kind": "base", "lat": 1.0, "lon": 2.0, "personnel": 80,
                     "cargo": {"boxes": 30, "guns": 5, "cars": 12},
                     "withdraw_from": "2024-01-04", "leave_by": "2024-01-20",
                     "destruction": {"teams": 1, "lead_hours": 30}},
        },
        "waypoints": {"x": {"lat": 1.0, "lon": 1.0}},
        "roads": [
            {"from": "north", "to": "x", "km": 90, "terrain": "track", "threat": "high"},
            {"from": "east", "to": "x", "km": 50, "terrain": "paved", "threat": "high", "cleared": True},
            {"from": "x", "to": "hub", "km": 120, "terrain": "paved", "threat": "low"},
        ],
        "terrain": {"track": {"speed_kmh": 20}, "paved": {"speed_kmh": 40}},
        "threats": {
            "levels": {
                "low": {"ied_rate_per_100km": 0.2, "ambush_rate_per_100km": 0.1,
                        "breakdowns_per_1000_vehicle_km": 1.0},
                "high": {"ied_rate_per_100km": 1.0, "ambush_rate_per_100km": 0.5,
                         "breakdowns_per_1000_vehicle_km": 2.0},
            },
            "size_elasticity": 0.3, "reference_convoy_vehicles": 30,
            "effects": {
                "ied": {"vehicles_destroyed": {"mean": 1.2, "dispersion": 1.0}, "wounded": {"mean": 2.0},
                        "killed": {"mean": 1.5, "dispersion": 0.5}, "delay_hours": {"mean": 3.0, "cv": 0.5}},
                "ambush": {"vehicles_destroyed": {"mean": 1.0}, "wounded": {"mean": 2.0, "dispersion": 1.0},
                           "killed": {"mean": 2.0}, "delay_hours": {"mean": 5.0, "cv": 1.0}},
                "breakdown": {"p_vehicle_lost": 0.3, "delay_hours": {"mean": 1.0, "cv": 1.0}},
            },
        },
        "mitigations": {"escort": {"ambush_rate_factor": 0.7, "casualty_factor": 0.8},
                        "route_clearance": {"ied_rate_factor": 0.4, "speed_factor": 0.5},
                        "armour": {"casualty_factor": 0.5, "vehicle_loss_factor": 0.8},
                        "air_cover": {"ied_rate_factor": 0.5, "speed_factor": 1.2}},
        "fleet": {"lifts": {"shuttle": {"hub": "hub", "trucks": 25, "escorts": 4, "serves": ["north", "east"],
                                        "idle_check_hours": 12}}},
        "flights": {"p_grant": 0.4, "decision_delay_hours": {"mean": 6, "cv": 0.5}, "retry_hours": 12,
                    "give_up_hours": 48},
        "road_movements": {"required": True, "p_grant": 0.7, "decision_delay_hours": {"mean": 4, "cv": 0.3},
                           "retry_hours": 12},
        "air_cover": {"p_grant": 0.5, "p_grant_periods": [{"from": "2024-01-10", "p": 0.2}]},
        "convoy": {"max_vehicles": 14, "escorts_per_convoy": 2, "min_spacing_hours": 0.5, "daylight_only": True,
                   "slowdown_per_100_vehicles": 0.5, "final_convoy_armoured": True},
    }


# ---------------------------------------------------------------- scenarios that isolate one rule

FINAL_ONLY = ["exit_hours", "personnel_killed", "personnel_road", "cargo_vehicles_lost", "cargo_vehicles_road"]
"""Outputs made only by the final convoys (and the base's exit), not by lift convoys."""


def never_empties(p_road_grant: float) -> Scenario:
    """The tiny scenario with far more containers than its lift can carry: the base never empties,
    so its final convoys (two of 20 vehicles) leave at leave-by whether the lift runs or not.
    Air cover on half the days, with an effect: a day's cover must not depend on who asked first."""
    d = tiny()
    d["sites"]["alpha"]["cargo"] = {"containers": 2000, "sensitive": 6, "vehicles": 40}
    d["fleet"]["lifts"]["north"]["trucks"] = 10
    d["threats"]["levels"]["low"].update(ied_rate_per_100km=0.5, ambush_rate_per_100km=0.3)
    d["threats"]["levels"]["high"].update(ied_rate_per_100km=1.5, ambush_rate_per_100km=0.8)
    d["threats"]["effects"]["breakdown"] = {"p_vehicle_lost": 0.2, "delay_hours": {"mean": 1.0}}
    d["road_movements"] = {"required": True, "p_grant": p_road_grant, "retry_hours": 12}
    d["air_cover"] = {"p_grant": 0.5}
    d.setdefault("mitigations", {})["air_cover"] = {
        "ied_rate_factor": 0.3, "ambush_rate_factor": 0.3, "speed_factor": 1.2}
    return validate(d)


def threats_on_leg(ied_rate: float = 0.8, ambush_rate: float = 0.3) -> Scenario:
    """One leg with IED strikes and ambushes (with effects), no breakdowns."""
    d = one_leg()
    d["threats"] = {
        "levels": {"none": {"ied_rate_per_100km": ied_rate, "ambush_rate_per_100km": ambush_rate}},
        "effects": {
            "ied": {"vehicles_destroyed": {"mean": 0.5, "dispersion": 1.0}, "wounded": {"mean": 1.5},
                    "killed": {"mean": 0.3, "dispersion": 0.5}, "delay_hours": {"mean": 3.0, "cv": 0.5}},
            "ambush": {"vehicles_destroyed": {"mean": 0.4}, "wounded": {"mean": 2.0},
                       "delay_hours": {"mean": 2.0, "cv": 1.0}},
        },
    }
    d["convoy"] = {"max_vehicles": 100, "daylight_only": True}
    return validate(d)


def chain_only(p_grant: float = 0.3, retry_hours: float = 24.0, give_up_hours: float = 72.0) -> Scenario:
    """One personnel sortie of 20 seats; fixed decision delay 0: P(by road) = (1 − p)^k."""
    d = one_leg()
    base = d["sites"]["alpha"]
    base["personnel"] = 20
    base["personnel_air_planned"] = 20
    base["airstrip"] = {"sorties_per_day": 1, "seats_per_sortie": 20}
    d["flights"] = {"p_grant": p_grant, "retry_hours": retry_hours, "give_up_hours": give_up_hours}
    return validate(d)


def loading_makespan(teams: int = 3, containers: int = 10) -> Scenario:
    """A 10-truck lift, two convoys of 5 (spacing 1 h), ``teams`` loading teams, 2 h per truck; 5 vehicles."""
    d = one_leg()
    base = d["sites"]["alpha"]
    base["cargo"] = {"containers": containers, "vehicles": 5}
    base["loading"] = {"teams": teams, "hours_per_truck_load": 2.0}
    d["fleet"] = {"lifts": {"north": {"hub": "hub", "trucks": containers, "serves": ["alpha"]}}}
    d["convoy"] = {"max_vehicles": 5, "min_spacing_hours": 1.0}
    return validate(d)


def destruction_cutoff() -> Scenario:
    """A lift too small to empty the base before the cut-off; destruction capacity-limited, early exit."""
    d = one_leg()
    base = d["sites"]["alpha"]
    base["cargo"] = {"containers": 200, "vehicles": 20}
    base["withdraw_from"] = "2024-01-02T00:00"
    base["leave_by"] = "2024-01-08T00:00"
    base["destruction"] = {"teams": 2, "lead_hours": 24}
    base["early_exit"] = {"from": "2024-01-03", "hazard_per_day": 0.3, "notice_hours": 12}
    d["threats"]["levels"]["none"] = {"ied_rate_per_100km": 0.3, "breakdowns_per_1000_vehicle_km": 0.5}
    d["threats"]["effects"] = {"ied": {"vehicles_destroyed": {"mean": 1.0}, "wounded": {"mean": 1.0}},
                               "breakdown": {"p_vehicle_lost": 0.2, "delay_hours": {"mean": 1.0, "cv": 1.0}}}
    d["fleet"] = {"lifts": {"north": {"hub": "hub", "trucks": 30, "escorts": 4, "serves": ["alpha"]}}}
    d["convoy"] = {"max_vehicles": 20, "escorts_per_convoy": 2, "min_spacing_hours": 0.5}
    d["mitigations"] = {"escort": {"ied_rate_factor": 0.5, "vehicle_loss_factor": 0.5}}
    return validate(d)


def add_beta(d: dict, containers: int, leave_by: str) -> None:
    """A second base ``beta`` (30 people, 8 vehicles, 2 loading teams) on a 50 km high-threat road to ``mid``."""
    d["sites"]["beta"] = {"kind": "base", "lat": 17.5, "lon": 0.2, "personnel": 30,
                          "cargo": {"containers": containers, "vehicles": 8},
                          "withdraw_from": "2024-01-03T00:00", "leave_by": leave_by,
                          "loading": {"teams": 2, "hours_per_truck_load": 1.5}}
    d["roads"].append({"from": "beta", "to": "mid", "km": 50, "terrain": "track", "threat": "high"})


def shared_trucks() -> Scenario:
    """Two bases served by one lift with road authorizations, flights giving cargo up to the road."""
    d = one_leg()
    d["cargo_classes"]["sensitive"] = {"units_per_truck": 2, "air_eligible": True, "priority": 3,
                                       "destroy_hours_per_unit": 1.0}
    d["sites"]["alpha"]["cargo"] = {"containers": 40, "sensitive": 8, "vehicles": 10}
    d["sites"]["alpha"]["airstrip"] = {"sorties_per_day": 2, "seats_per_sortie": 10, "cargo_units_per_sortie": 4}
    d["sites"]["alpha"]["personnel_air_planned"] = 20
    d["sites"]["alpha"]["leave_by"] = "2024-01-12T00:00"
    add_beta(d, containers=25, leave_by="2024-01-10T12:00")
    d["threats"] = {
        "levels": {"none": {"breakdowns_per_1000_vehicle_km": 0.3},
                   "high": {"ied_rate_per_100km": 0.5, "ambush_rate_per_100km": 0.2,
                            "breakdowns_per_1000_vehicle_km": 0.5}},
        "size_elasticity": 0.5, "reference_convoy_vehicles": 10,
        "effects": {"ied": {"vehicles_destroyed": {"mean": 0.8}, "wounded": {"mean": 1.0},
                            "killed": {"mean": 0.2}, "delay_hours": {"mean": 2.0, "cv": 0.5}},
                    "ambush": {"vehicles_destroyed": {"mean": 0.5, "dispersion": 2.0},
                               "wounded": {"mean": 1.5}, "delay_hours": {"mean": 3.0, "cv": 0.5}},
                    "breakdown": {"p_vehicle_lost": 0.1, "delay_hours": {"mean": 1.0, "cv": 0.5}}},
    }
    d["fleet"] = {"lifts": {"north": {"hub": "hub", "trucks": 18, "escorts": 4, "serves": ["alpha", "beta"],
                                      "idle_check_hours": 12}}}
    d["flights"] = {"p_grant": 0.4, "decision_delay_hours": {"mean": 6, "cv": 0.5}, "retry_hours": 12,
                    "give_up_hours": 36}
    d["road_movements"] = {"required": True, "p_grant": 0.6, "decision_delay_hours": {"mean": 8, "cv": 0.5},
                           "retry_hours": 12}
    d["air_cover"] = {"p_grant": 0.5}
    d["mitigations"] = {"air_cover": {"ambush_rate_factor": 0.5}, "escort": {"casualty_factor": 0.7}}
    d["convoy"] = {"max_vehicles": 12, "escorts_per_convoy": 2, "min_spacing_hours": 0.5,
                   "daylight_only": True, "slowdown_per_100_vehicles": 1.0}
    return validate(d)


def early_exit() -> Scenario:
    """One base under an early-exit hazard with slow flights: forced exits cut the plan short."""
    d = one_leg()
    base = d["sites"]["alpha"]
    base["personnel_air_planned"] = 30
    base["airstrip"] = {"sorties_per_day": 1, "seats_per_sortie": 10}
    base["early_exit"] = {"from": "2024-01-05", "hazard_per_day": 0.2, "notice_hours": 24}
    base["leave_by"] = "2024-01-15T00:00"
    d["flights"] = {"p_grant": 0.3, "decision_delay_hours": {"mean": 24, "cv": 0.5}, "retry_hours": 24}
    return validate(d)


def split_authorization() -> Scenario:
    """Two lifts from one hub under a p_grant 0 road hold: ``held`` (alpha) needs authorization, ``free`` (beta) not.

    Only beta's cargo can go by road; alpha's chain is refused until its cut-off, so its containers are
    destroyed or abandoned and all its road requests are counted on alpha.
    """
    d = one_leg()
    d["sites"]["alpha"]["cargo"] = {"containers": 30, "vehicles": 10}
    d["sites"]["alpha"]["leave_by"] = "2024-01-12T00:00"
    d["sites"]["alpha"]["destruction"] = {"teams": 1, "lead_hours": 24}
    add_beta(d, containers=24, leave_by="2024-01-12T00:00")
    d["threats"] = {
        "levels": {"none": {"breakdowns_per_1000_vehicle_km": 0.3},
                   "high": {"ied_rate_per_100km": 0.6, "ambush_rate_per_100km": 0.3}},
        "effects": {"ied": {"vehicles_destroyed": {"mean": 0.6}, "wounded": {"mean": 1.0},
                            "delay_hours": {"mean": 2.0, "cv": 0.5}},
                    "ambush": {"vehicles_destroyed": {"mean": 0.4}, "wounded": {"mean": 1.5},
                               "delay_hours": {"mean": 3.0, "cv": 0.5}},
                    "breakdown": {"p_vehicle_lost": 0.1, "delay_hours": {"mean": 1.0, "cv": 0.5}}},
    }
    d["fleet"] = {"lifts": {
        "held": {"hub": "hub", "trucks": 10, "escorts": 2, "serves": ["alpha"], "needs_authorization": True},
        "free": {"hub": "hub", "trucks": 8, "escorts": 2, "serves": ["beta"], "needs_authorization": False},
    }}
    d["road_movements"] = {"required": True, "p_grant": 0.7, "p_grant_periods": [{"from": "2024-01-01", "p": 0.0}],
                           "decision_delay_hours": {"mean": 8, "cv": 0.5}, "retry_hours": 12}
    d["convoy"] = {"max_vehicles": 12, "escorts_per_convoy": 2, "min_spacing_hours": 0.5, "daylight_only": True}
    return validate(d)


SYNTHETIC = {
    "threats_on_leg": threats_on_leg,
    "chain_only": chain_only,
    "loading_makespan": loading_makespan,
    "destruction_cutoff": destruction_cutoff,
    "shared_trucks": shared_trucks,
    "early_exit": early_exit,
    "split_authorization": split_authorization,
}


# ---------------------------------------------------------------- the people model (MODEL.md §10-§14)

PEOPLE_TYPES: dict[str, Any] = {
    "apc": {"protection": "armoured", "seats": 8, "crew": 3, "escort": True},
    "truck": {"protection": "soft", "seats": 2, "crew": 1, "crew_kind": "contractor", "tows": 1},
    "bus": {"protection": "soft", "seats": 30, "crew": 1, "crew_kind": "contractor", "speed_factor": 0.8},
}
PROTECTION: dict[str, Any] = {
    "armoured": {"p_destroyed": 0.1, "p_killed": 0.05, "p_wounded": 0.2},
    "soft": {"p_destroyed": 0.4, "p_killed": 0.15, "p_wounded": 0.35},
}


def as_people(d: dict[str, Any], hits: float = 1.2) -> dict[str, Any]:
    """A scenario dict turned to the people model: vehicle types and protection levels, every
    self-propelled class an APC, lifts of contractor trucks escorted by APCs, events that hit
    vehicles (their per-event casualty and loss counts removed)."""
    d = copy.deepcopy(d)
    d["vehicle_types"] = copy.deepcopy(PEOPLE_TYPES)
    d["protection_levels"] = copy.deepcopy(PROTECTION)
    for cls in d["cargo_classes"].values():
        if cls.get("self_propelled"):
            cls["vehicle_type"] = "apc"
    for lift in d.get("fleet", {}).get("lifts", {}).values():
        lift["truck_type"] = "truck"
        lift["escort_type"] = "apc"
    for base in d["sites"].values():
        if base.get("kind") == "base":
            base["seat_vehicle_type"] = "bus"
    eff = d["threats"].setdefault("effects", {})
    for k in ("ied", "ambush"):
        e = eff.setdefault(k, {})
        for f in ("vehicles_destroyed", "wounded", "killed"):
            e.pop(f, None)
        e["vehicles_hit"] = {"mean": hits}
    bd = eff.setdefault("breakdown", {})
    bd.pop("p_vehicle_lost", None)
    return d


def people_leg(passengers: int = 40, vehicles: int = 6, hits: float = 1.2) -> dict[str, Any]:
    """One leg, no lift, no flights, a high IED rate: ``vehicles`` APCs (8 seats, 3 crew) and
    ``passengers`` more people than their crews; buses (30 seats) carry those who do not fit."""
    d = one_leg()
    d["sites"]["alpha"]["cargo"] = {"vehicles": vehicles}
    d["sites"]["alpha"]["personnel"] = passengers + 3 * vehicles
    d["threats"] = {"levels": {"none": {"ied_rate_per_100km": 1.5, "ambush_rate_per_100km": 0.5}},
                    "effects": {"ied": {"delay_hours": {"mean": 2.0, "cv": 0.5}}}}
    return as_people(d, hits)


def people_damage() -> dict[str, Any]:
    """People model with damage and recovery: hit vehicles repaired, towed by trucks, or abandoned;
    breakdowns; a towing slowdown; escort factors that scale with the escort ratio."""
    d = as_people(tiny())
    eff = d["threats"]["effects"]
    for k in ("ied", "ambush"):
        eff[k]["p_repair"] = 0.3
        eff[k]["repair_hours"] = {"mean": 2.0, "cv": 0.5}
    eff["breakdown"] = {"p_repair": 0.6, "repair_hours": {"mean": 1.0}, "delay_hours": {"mean": 0.5}}
    d["threats"]["levels"]["low"]["breakdowns_per_1000_vehicle_km"] = 2.0
    d["convoy"]["tow_speed_factor"] = 0.6
    d["mitigations"] = {"escort": {"ied_rate_factor": 0.7, "casualty_factor": 0.8, "full_effect_ratio": 0.2}}
    return d


def people_halts() -> dict[str, Any]:
    """People model with attacks on halted convoys (daylight halts at a high threat level)."""
    d = as_people(tiny())
    d["threats"]["levels"]["high"]["stationary_attack_rate_per_hour"] = 0.05
    d["threats"]["effects"]["stationary"] = {"vehicles_hit": {"mean": 0.8}}
    d["convoy"]["daylight_only"] = True
    return d


def people_medevac() -> dict[str, Any]:
    """People model with medevac requests and deaths of wounds."""
    d = as_people(tiny(), hits=2.0)
    d["medevac"] = {"p_grant": 0.5, "decision_delay_hours": {"mean": 1.0, "cv": 0.5}, "retry_hours": 2.0,
                    "flight_hours": 1.0}
    d["died_of_wounds"] = {"hours": [1.0, 6.0, 24.0], "p": [0.05, 0.15, 0.3]}
    return d


def people_seats(flights_p: float = 0.2) -> dict[str, Any]:
    """People model whose passengers outnumber the base's seats unless flights take them: buses added."""
    d = as_people(tiny())
    d["sites"]["alpha"]["personnel"] = 300
    d["sites"]["alpha"]["personnel_air_planned"] = 120
    d["flights"]["p_grant"] = flights_p
    return d


def aggregate_extras() -> dict[str, Any]:
    """The aggregate model with the rules that apply to it too: halted exposure, medevac and deaths
    of wounds, an escort ratio, and escorts lost from a finite pool."""
    d = tiny()
    d["threats"]["levels"]["high"]["stationary_attack_rate_per_hour"] = 0.05
    d["threats"]["effects"]["stationary"] = {"wounded": {"mean": 1.0}, "killed": {"mean": 0.2},
                                             "vehicles_destroyed": {"mean": 0.3}}
    d["threats"]["effects"]["ied"]["vehicles_destroyed"] = {"mean": 1.5}
    d["convoy"]["daylight_only"] = True
    d["medevac"] = {"p_grant": 0.6, "decision_delay_hours": {"mean": 2.0, "cv": 0.5}, "retry_hours": 3.0}
    d["died_of_wounds"] = {"hours": [0.5, 12.0], "p": [0.02, 0.2]}
    d["mitigations"] = {"escort": {"ied_rate_factor": 0.6, "full_effect_ratio": 0.1}}
    return d


PEOPLE = {
    "people_leg": lambda: validate(people_leg()),
    "people_damage": lambda: validate(people_damage()),
    "people_halts": lambda: validate(people_halts()),
    "people_medevac": lambda: validate(people_medevac()),
    "people_seats": lambda: validate(people_seats()),
    "aggregate_extras": lambda: validate(aggregate_extras()),
}
"""One synthetic scenario per rule of the people model (and the aggregate model's new rules)."""


# ---------------------------------------------------------------- random valid scenarios


def _day(offset_hours: float) -> str:
    """An ISO timestamp ``offset_hours`` after 2024-01-01T00:00 (whole hours)."""
    return str(pd.Timestamp("2024-01-01T00:00") + pd.Timedelta(hours=offset_hours)).replace(" ", "T")


class Pick(Protocol):
    """The choices a random scenario is made of."""

    def integers(self, lo: int, hi: int) -> int: ...
    def sampled_from(self, items: list[Any]) -> Any: ...
    def booleans(self) -> bool: ...
    def subset(self, items: list[str]) -> list[str]: ...


class DrawPick:
    """Choices drawn by a hypothesis ``draw`` (the strategies ``random_scenarios`` always drew)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integers(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def sampled_from(self, items: list[Any]) -> Any:
        return self.draw(st.sampled_from(items))

    def booleans(self) -> bool:
        return self.draw(st.booleans())

    def subset(self, items: list[str]) -> list[str]:
        return self.draw(st.lists(st.sampled_from(items), min_size=0, max_size=len(items), unique=True))


class SeededPick:
    """Choices from ``random.Random(seed)``: uniform, a subset of uniform size in random order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integers(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def sampled_from(self, items: list[Any]) -> Any:
        return self.rng.choice(items)

    def booleans(self) -> bool:
        return self.rng.random() < 0.5

    def subset(self, items: list[str]) -> list[str]:
        return self.rng.sample(items, self.rng.randint(0, len(items)))


def _authorization(pick: Pick) -> dict[str, Any]:
    out: dict[str, Any] = {
        "p_grant": pick.sampled_from([0.0, 0.3, 0.7, 1.0]),
        "retry_hours": pick.sampled_from([6.0, 12.0, 24.0]),
        "decision_delay_hours": {"mean": pick.sampled_from([0.0, 2.0, 12.0]),
                                 "cv": pick.sampled_from([0.0, 0.5])},
    }
    give_up = pick.sampled_from([None, 0.0, 24.0, 96.0])
    if give_up is not None:
        out["give_up_hours"] = give_up
    return out


@st.composite
def random_scenarios(draw: st.DrawFn, zero_threat: bool = False, all_flyers_fly: bool = False) -> dict[str, Any]:
    """A valid raw scenario dict. ``zero_threat``: no attacks or breakdowns anywhere.
    ``all_flyers_fly``: flights always granted at once, enough seats, no early exit, time enough."""
    return random_scenario(DrawPick(draw), zero_threat, all_flyers_fly)


def seeded_random_scenario(seed: int, zero_threat: bool = False, all_flyers_fly: bool = False) -> dict[str, Any]:
    """A scenario of ``random_scenarios``' kind picked by ``random.Random(seed)``: the same dict for
    a seed whatever else the process has run (hypothesis' examples, even derandomized, depend on the
    constants of the modules imported so far, and so on the tests run before)."""
    return random_scenario(SeededPick(seed), zero_threat, all_flyers_fly)


def random_scenario(pick: Pick, zero_threat: bool = False, all_flyers_fly: bool = False) -> dict[str, Any]:
    """The body of ``random_scenarios``, its choices made by ``pick``."""
    n_bases = pick.integers(1, 4)
    classes = {
        "containers": {"units_per_truck": pick.integers(1, 3), "value_usd": 1000,
                       "priority": pick.integers(1, 3),
                       "destroy_hours_per_unit": pick.sampled_from([0.5, 2.0])},
        "sensitive": {"units_per_truck": pick.integers(1, 2), "air_eligible": True,
                      "value_usd": 5000, "priority": pick.integers(1, 3),
                      "if_left": pick.sampled_from(["destroy", "handover"])},
        "vehicles": {"self_propelled": True, "value_usd": 8000, "priority": pick.integers(1, 3)},
    }
    levels = {}
    for name in ("low", "high"):
        if zero_threat:
            levels[name] = {"ied_rate_per_100km": 0.0, "ambush_rate_per_100km": 0.0,
                            "breakdowns_per_1000_vehicle_km": 0.0}
        else:
            levels[name] = {
                "ied_rate_per_100km": pick.sampled_from([0.0, 0.2, 1.0]),
                "ambush_rate_per_100km": pick.sampled_from([0.0, 0.1, 0.5]),
                "breakdowns_per_1000_vehicle_km": pick.sampled_from([0.0, 0.3, 2.0]),
            }
    dispersion = pick.sampled_from([None, 0.5])
    count = {"mean": pick.sampled_from([0.0, 0.5, 2.0])}
    if dispersion is not None:
        count["dispersion"] = dispersion
    effects = {
        "ied": {"vehicles_destroyed": dict(count), "wounded": {"mean": pick.sampled_from([0.0, 1.5])},
                "killed": {"mean": pick.sampled_from([0.0, 0.5, 3.0])},
                "delay_hours": {"mean": pick.sampled_from([0.0, 3.0]), "cv": 0.5}},
        "ambush": {"vehicles_destroyed": {"mean": pick.sampled_from([0.0, 1.0])},
                   "killed": {"mean": pick.sampled_from([0.0, 1.0])},
                   "wounded": {"mean": 1.0}},
        "breakdown": {"p_vehicle_lost": pick.sampled_from([0.0, 0.3, 1.0]),
                      "delay_hours": {"mean": pick.sampled_from([0.0, 1.0])}},
    }
    sites: dict[str, Any] = {"hub": {"kind": "hub", "lat": 16.0, "lon": 0.0}}
    waypoints: dict[str, Any] = {}
    roads: list[dict[str, Any]] = []
    base_names = [f"b{i}" for i in range(n_bases)]
    for i, name in enumerate(base_names):
        personnel = pick.integers(0, 150)
        cargo = {
            "containers": pick.integers(0, 40),
            "sensitive": pick.integers(0, 10),
            "vehicles": pick.integers(1 if personnel > 0 else 0, 25),
        }
        withdraw_h = 24 * pick.integers(1, 5)
        stay_h = 24 * pick.integers(3, 20) if all_flyers_fly else pick.sampled_from([6, 24, 72, 240, 480])
        base: dict[str, Any] = {
            "kind": "base", "lat": 17.0 + i, "lon": 1.0 + i, "personnel": personnel,
            "personnel_air_planned": pick.integers(0, personnel),
            "cargo": cargo, "withdraw_from": _day(withdraw_h), "leave_by": _day(withdraw_h + stay_h),
            "loading": {"teams": pick.integers(1, 4),
                        "hours_per_truck_load": pick.sampled_from([0.5, 1.0, 3.0])},
            "destruction": {"teams": pick.integers(0, 3),
                            "lead_hours": pick.sampled_from([0.0, 24.0, 48.0])},
        }
        if all_flyers_fly:
            seats = pick.integers(10, 60)
            sorties = max(1, math.ceil(base["personnel_air_planned"] / seats))
            base["airstrip"] = {"sorties_per_day": sorties + pick.integers(0, 2),
                                "seats_per_sortie": seats,
                                "cargo_units_per_sortie": pick.integers(0, 4)}
        elif pick.booleans():
            base["airstrip"] = {"sorties_per_day": pick.integers(1, 3),
                                "seats_per_sortie": pick.integers(0, 60),
                                "cargo_units_per_sortie": pick.integers(0, 4)}
        else:
            base["personnel_air_planned"] = 0
        if not all_flyers_fly and pick.booleans():
            base["early_exit"] = {"from": _day(withdraw_h),
                                  "hazard_per_day": pick.sampled_from([0.0, 0.2, 1.0]),
                                  "notice_hours": pick.sampled_from([0.0, 12.0, 48.0])}
        sites[name] = base
        previous = name
        n_segments = pick.integers(1, 3)
        for j in range(n_segments - 1):
            wp = f"w{i}_{j}"
            waypoints[wp] = {"lat": 16.5 + 0.1 * i, "lon": 0.5 + 0.1 * j}
            roads.append(_road(pick, previous, wp))
            previous = wp
        roads.append(_road(pick, previous, "hub"))
    served = pick.subset(base_names)
    lifts = {}
    if served:
        lifts["north"] = {"hub": "hub", "trucks": pick.integers(0, 15),
                          "escorts": pick.integers(0, 4), "serves": served,
                          "idle_check_hours": pick.sampled_from([6.0, 24.0])}
    data: dict[str, Any] = {
        "name": "prop", "description": "random property-test scenario",
        "calendar": {"start": "2024-01-01T00:00", "deadline": "2024-03-01T00:00"},
        "cargo_classes": classes, "sites": sites, "waypoints": waypoints, "roads": roads,
        "terrain": {"track": {"speed_kmh": pick.sampled_from([10.0, 25.0])},
                    "paved": {"speed_kmh": pick.sampled_from([40.0, 60.0])}},
        "threats": {"levels": levels, "effects": effects,
                    "size_elasticity": pick.sampled_from([0.0, 0.5]),
                    "reference_convoy_vehicles": 20},
        "mitigations": {"escort": {"ied_rate_factor": 0.5, "casualty_factor": 0.7},
                        "air_cover": {"ambush_rate_factor": 0.3, "speed_factor": 1.2}},
        "air_cover": {"p_grant": pick.sampled_from([0.0, 0.5, 1.0])},
        "fleet": {"lifts": lifts},
        "convoy": {"max_vehicles": pick.integers(3, 30),
                   "escorts_per_convoy": pick.integers(0, 2),
                   "min_spacing_hours": pick.sampled_from([0.0, 1.0, 4.0]),
                   "daylight_only": pick.booleans(),
                   "final_convoy_escorted": pick.booleans(),
                   "final_convoy_armoured": pick.booleans()},
        "run": {"seed": 3, "replications": 5},
    }
    if all_flyers_fly:
        data["flights"] = {"p_grant": 1.0, "retry_hours": 24.0,
                           "decision_delay_hours": {"mean": 0.0}}
    else:
        data["flights"] = _authorization(pick)
    road = _authorization(pick)
    road["required"] = pick.booleans()
    data["road_movements"] = road
    return data


def _road(pick: Pick, a: str, b: str) -> dict[str, Any]:
    return {"from": a, "to": b, "km": pick.sampled_from([5.0, 40.0, 150.0]),
            "terrain": pick.sampled_from(["track", "paved"]),
            "threat": pick.sampled_from(["low", "high"]), "cleared": pick.booleans()}


# ---------------------------------------------------------------- threat and consent over time (MODEL.md §15-§16)

SECURITY_BLOCK: dict[str, Any] = {
    "initial": "calm",
    "regimes": {
        "calm": {},
        "tense": {"ied_rate_factor": 1.8, "ambush_rate_factor": 1.5, "early_exit_factor": 2.0,
                  "grant_factors": {"personnel_flights": 0.6, "road_movements": 0.7}},
        "fighting": {"ied_rate_factor": 3.0, "ambush_rate_factor": 4.0, "early_exit_factor": 5.0,
                     "grant_factors": {"personnel_flights": 0.2, "cargo_flights": 0.0, "road_movements": 0.3,
                                       "air_cover": 0.0, "medevac": 1.5}},
    },
    "transitions": [
        {"from": "calm", "to": "tense", "rate_per_day": 0.25},
        {"from": "tense", "to": "calm", "rate_per_day": 0.2},
        {"from": "tense", "to": "fighting", "rate_per_day": 0.15},
        {"from": "fighting", "to": "tense", "rate_per_day": 0.3},
    ],
    "forced": [{"at": "2024-01-12", "to": "fighting", "hold_until": "2024-01-15"}],
}
"""Three regimes, a random chain between them and a dated offensive held for three days."""


def security_regimes() -> dict[str, Any]:
    """``two_bases`` (every mechanism at once) under ``SECURITY_BLOCK``: regimes change threat, the
    early-exit hazard and the grant probabilities of flights, lift rounds and air cover."""
    d = two_bases()
    d["name"] = "security_regimes"
    d["security"] = copy.deepcopy(SECURITY_BLOCK)
    d["sites"]["east"]["early_exit"] = {"from": "2024-01-06", "hazard_per_day": 0.1, "notice_hours": 24}
    return d


def security_people() -> dict[str, Any]:
    """The people model with medevac and deaths of wounds under ``SECURITY_BLOCK`` (the medevac
    grant factor and the threat factors)."""
    d = people_medevac()
    d["name"] = "security_people"
    sec = copy.deepcopy(SECURITY_BLOCK)
    sec["forced"] = [{"at": "2024-01-03", "to": "fighting"}]
    d["security"] = sec
    return d


def night_moves(moves: str = "night") -> dict[str, Any]:
    """``tiny`` driven only by night (or at ``any`` hour), with night factors on threat and speed."""
    d = tiny()
    d["name"] = f"night_{moves}"
    d["calendar"]["daylight"] = {"start_hour": 6.5, "end_hour": 18.5}
    d["calendar"]["night"] = {"ied_rate_factor": 2.5, "ambush_rate_factor": 0.5, "speed_factor": 0.7}
    d["convoy"]["moves"] = moves
    return d


SECURITY = {
    "security_regimes": lambda: validate(security_regimes()),
    "security_people": lambda: validate(security_people()),
    "night_only": lambda: validate(night_moves("night")),
    "night_any_hour": lambda: validate(night_moves("any")),
}
"""One synthetic scenario per rule of the security state and of day and night."""
