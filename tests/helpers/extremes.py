"""Valid but extreme scenarios of issue 21 (bounded time), built from kidal_2023 (raw dicts)."""
from __future__ import annotations

import copy

from sim.model.loader import read_yaml
from tests.helpers.paths import KIDAL


def kidal():
    return read_yaml(KIDAL)

def size(e):
    d = kidal()
    d["threats"]["size_elasticity"] = e
    d["threats"]["reference_convoy_vehicles"] = 1
    return d

def extreme_effects():
    d = kidal()
    for name in ("escort", "route_clearance", "armour", "air_cover"):
        m = d["mitigations"].setdefault(name, {})
        for f in ("ied_rate_factor", "ambush_rate_factor", "casualty_factor", "vehicle_loss_factor"):
            m[f] = 1000
    for k in ("ied", "ambush", "stationary"):
        e = d["threats"]["effects"].setdefault(k, {})
        e["vehicles_hit"] = {"mean": 1000}
    return d

def extreme_rates():
    d = kidal()
    for lvl in d["threats"]["levels"].values():
        for f in ("ied_rate_per_100km", "ambush_rate_per_100km", "breakdowns_per_1000_vehicle_km", "stationary_attack_rate_per_hour"):
            lvl[f] = 100
    for r in d["roads"]:
        r["km"] = 40000
    for k in ("ied", "ambush"):
        d["threats"]["effects"][k]["delay_hours"] = {"mean": 10000, "cv": 1.0}
    d["threats"]["effects"]["breakdown"]["delay_hours"] = {"mean": 10000, "cv": 1.0}
    return d

def many_bases(n=1000):
    d = kidal()
    kid = d["sites"].pop("kidal")
    for i in range(n):
        b = copy.deepcopy(kid)
        b.pop("early_exit", None)
        b["cargo"] = {"containers": 3, "armoured_vehicles": 2, "soft_vehicles": 2}
        b["personnel"] = 20
        b["personnel_air_planned"] = 0
        name = "kidal" if i == 0 else f"b{i}"
        d["sites"][name] = b
        if i:
            d["roads"].append({"from": name, "to": "anefis", "km": 10, "terrain": "track", "threat": "high"})
    d["fleet"]["lifts"]["gao_north"]["serves"] = ["kidal"] + [f"b{i}" for i in range(1, n)]
    d["road_movements"]["required"] = False
    return d

def size50(e):
    d = kidal()
    d["threats"]["size_elasticity"] = e
    return d

CASES = {"size+5": lambda: size(5), "size-10": lambda: size50(-10), "effects1000": extreme_effects,
         "rates100": extreme_rates, "bases1000": many_bases}
