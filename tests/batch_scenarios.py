"""Small synthetic scenarios that isolate one rule each, shared by the batch and agreement tests."""

from __future__ import annotations

import copy
from typing import Any

from sim.loader import validate
from sim.scenario import Scenario

_LEG: dict[str, Any] = {
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


def leg_data() -> dict[str, Any]:
    """One base, no lift, no flights: 20 vehicles and 40 people drive 100 km (60 + 40) to the hub."""
    return copy.deepcopy(_LEG)


def threats_on_leg(ied_rate: float = 0.8, ambush_rate: float = 0.3) -> Scenario:
    """One leg with IED strikes and ambushes (with effects), no breakdowns."""
    d = leg_data()
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
    d = leg_data()
    base = d["sites"]["alpha"]
    base["personnel"] = 20
    base["personnel_air_planned"] = 20
    base["airstrip"] = {"sorties_per_day": 1, "seats_per_sortie": 20}
    d["flights"] = {"p_grant": p_grant, "retry_hours": retry_hours, "give_up_hours": give_up_hours}
    return validate(d)


def loading_makespan(teams: int = 3, containers: int = 10) -> Scenario:
    """A 10-truck lift, two convoys of 5 (spacing 1 h), ``teams`` loading teams, 2 h per truck; 5 vehicles."""
    d = leg_data()
    base = d["sites"]["alpha"]
    base["cargo"] = {"containers": containers, "vehicles": 5}
    base["loading"] = {"teams": teams, "hours_per_truck_load": 2.0}
    d["fleet"] = {"lifts": {"north": {"hub": "hub", "trucks": containers, "serves": ["alpha"]}}}
    d["convoy"] = {"max_vehicles": 5, "min_spacing_hours": 1.0}
    return validate(d)


def destruction_cutoff() -> Scenario:
    """A lift too small to empty the base before the cut-off; destruction capacity-limited, early exit."""
    d = leg_data()
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
    d = leg_data()
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
    d = leg_data()
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
    d = leg_data()
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
