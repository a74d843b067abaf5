"""Shared fixtures: the shipped Kidal scenario, a temporary results root, a tiny synthetic scenario.

``tiny_scenario`` is a fixture returning the builder ``make_tiny_scenario``: call it for a fresh
dict (one hub, one base, one waypoint, two roads) and change what the test needs; ``write_scenario``
writes such a dict to a YAML file. ``fake_engine`` and ``fake_trace`` replace the engines in this
process with the closed-form fakes of ``tests/_fake_engine.py`` and ``tests/synthetic.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.loader import validate
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
KIDAL = ROOT / "scenarios" / "kidal_2023.yaml"

_TINY: dict[str, Any] = {
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


def changed(data: dict[str, Any], **changes: Any) -> Scenario:
    """A validated copy of raw scenario ``data`` with values set at ``a__b__c`` paths
    (``roads__0__km``: list items by index)."""
    data = copy.deepcopy(data)
    for path, value in changes.items():
        node: Any = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        node[keys[-1]] = value
    return validate(data)


def make_tiny_scenario() -> dict[str, Any]:
    """A fresh copy of the tiny synthetic scenario as raw data (the form of a YAML file)."""
    return copy.deepcopy(_TINY)


FINAL_ONLY = ["exit_hours", "personnel_killed", "personnel_road", "cargo_vehicles_lost", "cargo_vehicles_road"]
"""Outputs made only by the final convoys (and the base's exit), not by lift convoys."""


def never_empties(p_road_grant: float) -> Scenario:
    """The tiny scenario with far more containers than its lift can carry: the base never empties,
    so its final convoys (two of 20 vehicles) leave at leave-by whether the lift runs or not.
    Air cover on half the days, with an effect: a day's cover must not depend on who asked first."""
    d = make_tiny_scenario()
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


@pytest.fixture
def kidal_path() -> Path:
    """The shipped scenario ``scenarios/kidal_2023.yaml``."""
    return KIDAL


@pytest.fixture
def results_root(tmp_path: Path) -> Path:
    """A results root that does not exist yet (the store makes it)."""
    return tmp_path / "results"


@pytest.fixture
def tiny_scenario() -> Callable[[], dict[str, Any]]:
    """The builder of the tiny synthetic scenario dict: ``data = tiny_scenario()``."""
    return make_tiny_scenario


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(data, name="scenario.yaml") -> Path``: a scenario dict as a YAML file."""

    def write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def tiny_path(write_scenario: Callable[..., Path]) -> Path:
    """The tiny scenario written to a YAML file."""
    return write_scenario(make_tiny_scenario(), "tiny.yaml")


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both engine names run the closed-form fake engine of ``tests/_fake_engine.py`` here."""
    from _fake_engine import simulate_unit

    import sim.engine

    def check(sc: Any, engine: str) -> None:
        if engine not in sim.engine.ENGINES:
            raise ValueError(f"unknown engine '{engine}'")

    monkeypatch.setattr(sim.engine, "simulate_unit", simulate_unit)
    monkeypatch.setattr(sim.engine, "check_engine", check)


@pytest.fixture
def fake_trace(monkeypatch: pytest.MonkeyPatch, fake_engine: None) -> None:
    """``sim.api.trace`` uses synthetic legs and events instead of the SimPy engine."""
    from types import SimpleNamespace

    from _fake_engine import simulate_unit
    from synthetic import fake_trace as make_trace

    import sim.api
    from sim.engine import Unit

    def trace(sc: Any, seed: int, replication: int) -> SimpleNamespace:
        bases = simulate_unit(sc, "des", Unit(replication, replication, 1), seed)
        legs, events = make_trace(sc, seed)
        return SimpleNamespace(bases=bases, events=events, legs=legs)

    monkeypatch.setattr(sim.api, "_des_trace", trace)
