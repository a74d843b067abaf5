"""The vehicles and crews a scenario's people model implies (MODEL.md §10), on plain Python: used
by validation (which imports no numpy) and by the rules."""

from __future__ import annotations

from sim.model.schema import Base, Scenario


def people_model(sc: Scenario) -> bool:
    """Whether the people model applies (the scenario has vehicle types)."""
    return bool(sc.vehicle_types)


def seating_order(sc: Scenario) -> list[str]:
    """Vehicle types in the order passengers take seats: lowest ``p_killed`` first, ties in file order."""
    names = list(sc.vehicle_types)
    return sorted(names, key=lambda t: (sc.protection_levels[sc.vehicle_types[t].protection].p_killed,
                                        names.index(t)))


def base_units_by_type(sc: Scenario, base: Base) -> dict[str, int]:
    """The base's self-propelled units by vehicle type."""
    out: dict[str, int] = {}
    for c, n in base.cargo.items():
        cls = sc.cargo_classes[c]
        if cls.self_propelled and cls.vehicle_type is not None:
            out[cls.vehicle_type] = out.get(cls.vehicle_type, 0) + n
    return out


def base_crews(sc: Scenario, base: Base) -> int:
    """Military crews of the base's self-propelled units: the base's personnel who must drive."""
    vt = sc.vehicle_types
    return sum(n * vt[t].crew for t, n in base_units_by_type(sc, base).items() if vt[t].crew_kind == "military")


def base_seats(sc: Scenario, base: Base) -> int:
    """Passenger seats of the base's self-propelled units."""
    return sum(n * sc.vehicle_types[t].seats for t, n in base_units_by_type(sc, base).items())
