"""Cross-checks of the people model (MODEL.md §10–§14): vehicle types and protection levels that
exist, crews and seats that can be filled, and no field that the model in use would ignore."""

from __future__ import annotations

from sim.model.schema import AttackEffects, Scenario
from sim.model.vehicles import base_crews, base_seats


class PeopleProblem(ValueError):
    """A scenario's vehicles or people do not fit together; the message starts with the field path."""


def _fail(path: str, message: str) -> None:
    raise PeopleProblem(f"{path}: {message}")


def _type(sc: Scenario, path: str, name: str | None, needed: bool) -> None:
    if name is None:
        if needed:
            _fail(path, f"the people model needs a vehicle type here (known: {sorted(sc.vehicle_types)})")
        return
    if name not in sc.vehicle_types:
        _fail(path, f"unknown vehicle type '{name}' (known: {sorted(sc.vehicle_types)})")


def _aggregate_only(sc: Scenario) -> None:
    """Without vehicle types, the fields of the people model would be ignored: refuse them."""
    hint = "this is a field of the people model: define vehicle_types, or remove it"
    if sc.protection_levels:
        _fail("protection_levels", hint)
    for c, cls in sc.cargo_classes.items():
        if cls.vehicle_type is not None:
            _fail(f"cargo_classes.{c}.vehicle_type", hint)
    for name, base in sc.bases.items():
        if base.seat_vehicle_type is not None:
            _fail(f"sites.{name}.seat_vehicle_type", hint)
    for name, lift in sc.fleet.lifts.items():
        for f in ("truck_type", "escort_type"):
            if getattr(lift, f) is not None:
                _fail(f"fleet.lifts.{name}.{f}", hint)
    eff = sc.threats.effects
    for kind in ("ied", "ambush", "stationary"):
        e: AttackEffects = getattr(eff, kind)
        if e.vehicles_hit.mean > 0:
            _fail(f"threats.effects.{kind}.vehicles_hit", hint)
        if e.p_repair > 0:
            _fail(f"threats.effects.{kind}.p_repair", hint)
    if eff.breakdown.p_repair > 0:
        _fail("threats.effects.breakdown.p_repair", hint)


def check_people(sc: Scenario) -> None:
    """Raise ``PeopleProblem`` naming the first field of the people model that does not fit."""
    if not sc.vehicle_types:
        _aggregate_only(sc)
        return
    for t, vt in sc.vehicle_types.items():
        if vt.protection not in sc.protection_levels:
            _fail(f"vehicle_types.{t}.protection",
                  f"unknown protection level '{vt.protection}' (known: {sorted(sc.protection_levels)})")
    for c, cls in sc.cargo_classes.items():
        _type(sc, f"cargo_classes.{c}.vehicle_type", cls.vehicle_type, cls.self_propelled)
        if cls.vehicle_type is not None and not cls.self_propelled:
            _fail(f"cargo_classes.{c}.vehicle_type", "only self-propelled classes are vehicles")
    for name, lift in sc.fleet.lifts.items():
        _type(sc, f"fleet.lifts.{name}.truck_type", lift.truck_type, True)
        escorted = lift.escorts > 0 and sc.convoy.escorts_per_convoy > 0
        _type(sc, f"fleet.lifts.{name}.escort_type", lift.escort_type, escorted)
    eff = sc.threats.effects
    per_event = "in the people model casualties and losses come from the vehicles hit (vehicles_hit and " \
                "protection_levels): remove it"
    for kind in ("ied", "ambush", "stationary"):
        e: AttackEffects = getattr(eff, kind)
        for f in ("vehicles_destroyed", "wounded", "killed"):
            if getattr(e, f).mean > 0:
                _fail(f"threats.effects.{kind}.{f}", per_event)
    if eff.breakdown.p_vehicle_lost > 0:
        _fail("threats.effects.breakdown.p_vehicle_lost",
              "in the people model a breakdown damages a vehicle (p_repair, towing, or abandoned): remove it")
    for name, base in sc.bases.items():
        crews = base_crews(sc, base)
        if crews > base.personnel:
            _fail(f"sites.{name}.personnel",
                  f"{base.personnel} people cannot crew the base's vehicles, which need {crews} military crew")
        if base.personnel_air_planned > base.personnel - crews:
            _fail(f"sites.{name}.personnel_air_planned",
                  f"at most {base.personnel - crews}: the {crews} crews of the base's vehicles drive them out")
        _type(sc, f"sites.{name}.seat_vehicle_type", base.seat_vehicle_type, False)
        if base.personnel - crews > base_seats(sc, base):
            if base.seat_vehicle_type is None:
                _fail(f"sites.{name}.seat_vehicle_type",
                      f"up to {base.personnel - crews} passengers and {base_seats(sc, base)} seats: give the "
                      "vehicle type that carries the others")
            elif sc.vehicle_types[base.seat_vehicle_type].seats == 0:
                _fail(f"sites.{name}.seat_vehicle_type", f"'{base.seat_vehicle_type}' has no seats")
