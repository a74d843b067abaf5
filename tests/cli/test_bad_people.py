"""Bad input of the people model (MODEL.md §10-§14): exit 2 with the file and the field named, no
traceback, no results folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sim.cli.main import main
from tests.helpers.builders import as_people, edit, tiny, without
from tests.helpers.cli import assert_bad_input


def _set(path: str, value: Any, people: bool = True) -> Callable[[], dict]:
    return lambda: edit(as_people(tiny()) if people else tiny(), **{path.replace(".", "__"): value})


def _drop(path: str) -> Callable[[], dict]:
    return lambda: without(as_people(tiny()), path.replace(".", "__"))


CASES: list[tuple[str, Callable[[], dict], str]] = [
    ("unknown_vehicle_type", _set("cargo_classes.vehicles.vehicle_type", "tank"), "cargo_classes.vehicles.vehicle_type"),
    ("unknown_truck_type", _set("fleet.lifts.north.truck_type", "lorry"), "fleet.lifts.north.truck_type"),
    ("missing_truck_type", _drop("fleet.lifts.north.truck_type"), "fleet.lifts.north.truck_type"),
    ("missing_escort_type", _drop("fleet.lifts.north.escort_type"), "fleet.lifts.north.escort_type"),
    ("missing_class_type", _drop("cargo_classes.vehicles.vehicle_type"), "cargo_classes.vehicles.vehicle_type"),
    ("type_on_a_truck_class", _set("cargo_classes.containers.vehicle_type", "apc"), "cargo_classes.containers.vehicle_type"),
    ("unknown_protection", _set("vehicle_types.apc.protection", "steel"), "vehicle_types.apc.protection"),
    ("negative_seats", _set("vehicle_types.bus.seats", -4), "vehicle_types.bus.seats"),
    ("negative_vulnerability", _set("vehicle_types.apc.vulnerability", -1.0), "vehicle_types.apc.vulnerability"),
    ("crews_cannot_be_filled", lambda: edit(as_people(tiny()), sites__alpha__personnel=20,
                                            sites__alpha__personnel_air_planned=0), "sites.alpha.personnel"),
    ("crews_would_fly", _set("sites.alpha.personnel_air_planned", 100), "sites.alpha.personnel_air_planned"),
    ("no_seat_vehicle_when_needed", lambda: without(edit(as_people(tiny()), sites__alpha__personnel=400),
                                                    "sites__alpha__seat_vehicle_type"), "sites.alpha.seat_vehicle_type"),
    ("seat_vehicle_without_seats", lambda: edit(as_people(tiny()), sites__alpha__personnel=400,
                                                vehicle_types__bus__seats=0), "sites.alpha.seat_vehicle_type"),
    ("probabilities_above_1", _set("protection_levels.soft.p_wounded", 0.9), "protection_levels.soft"),
    ("per_event_wounded_in_people_model", _set("threats.effects.ied.wounded", {"mean": 1.0}),
     "threats.effects.ied.wounded"),
    ("breakdown_loss_in_people_model", _set("threats.effects.breakdown.p_vehicle_lost", 0.1),
     "threats.effects.breakdown.p_vehicle_lost"),
    ("people_field_without_vehicle_types", _set("threats.effects.ied.vehicles_hit", {"mean": 1.0}, people=False),
     "threats.effects.ied.vehicles_hit"),
    ("seat_type_without_vehicle_types", _set("sites.alpha.seat_vehicle_type", "bus", people=False),
     "sites.alpha.seat_vehicle_type"),
    ("dow_points_mismatch", _set("died_of_wounds", {"hours": [1, 2], "p": [0.1]}), "died_of_wounds"),
    ("dow_hours_not_increasing", _set("died_of_wounds", {"hours": [2, 1], "p": [0.1, 0.2]}), "died_of_wounds"),
    ("negative_stationary_rate", _set("threats.levels.low.stationary_attack_rate_per_hour", -1),
     "threats.levels.low.stationary_attack_rate_per_hour"),
    ("escort_ratio_negative", _set("mitigations.escort.full_effect_ratio", -0.5), "mitigations.escort.full_effect_ratio"),
    ("tow_speed_above_1", _set("convoy.tow_speed_factor", 1.5), "convoy.tow_speed_factor"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_people_input(make, field, write_scenario, results_root, capsys):
    path = write_scenario(make())
    code = main(["run", str(path), "--results-root", str(results_root)])
    out, err = capsys.readouterr()
    assert_bad_input(code, err, path, field, results_root)
    assert out == ""


def test_the_people_builder_is_valid(write_scenario, capsys):
    assert main(["validate", str(write_scenario(as_people(tiny())))]) == 0
