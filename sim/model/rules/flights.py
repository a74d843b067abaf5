"""The flight plan of a base (MODEL.md §3) and what starts in its road pool."""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.schema import Base, Scenario


@dataclass(frozen=True)
class Sortie:
    """A planned flight: personnel or units of one cargo class, submitted at ``submit_hours``."""

    kind: str  # "personnel" or "cargo"
    cargo_class: str | None
    amount: int
    submit_hours: float


def class_order(sc: Scenario) -> list[str]:
    """Cargo classes by priority, highest first; ties in file order."""
    names = list(sc.cargo_classes)
    return sorted(names, key=lambda c: (-sc.cargo_classes[c].priority, names.index(c)))


def flies_cargo(sc: Scenario, base: Base, cls: str) -> bool:
    """Whether class ``cls`` of ``base`` is planned to fly (else it is road cargo)."""
    a = base.airstrip
    return a is not None and a.cargo_units_per_sortie > 0 and sc.cargo_classes[cls].air_eligible


def sorties(sc: Scenario, base: Base) -> list[Sortie]:
    """The flight plan of a base (MODEL.md §3)."""
    a = base.airstrip
    if a is None:
        return []
    loads: list[tuple[str, str | None, int]] = []
    people = base.personnel_air_planned
    while a.seats_per_sortie > 0 and people > 0:
        n = min(a.seats_per_sortie, people)
        loads.append(("personnel", None, n))
        people -= n
    for c in class_order(sc):
        units = base.cargo.get(c, 0)
        if not flies_cargo(sc, base, c) or sc.cargo_classes[c].self_propelled:
            continue
        while units > 0:
            n = min(a.cargo_units_per_sortie, units)
            loads.append(("cargo", c, n))
            units -= n
    t0 = sc.hours(base.withdraw_from)
    return [
        Sortie(kind, c, n, t0 + 24.0 * (i // a.sorties_per_day)) for i, (kind, c, n) in enumerate(loads)
    ]


def road_cargo(sc: Scenario, base: Base) -> dict[str, int]:
    """Units of each truck-borne class that start in the road pool (not flying, not driving)."""
    return {
        c: (0 if sc.cargo_classes[c].self_propelled or flies_cargo(sc, base, c) else base.cargo.get(c, 0))
        for c in sc.cargo_classes
    }


def self_propelled_units(sc: Scenario, base: Base) -> dict[str, int]:
    """Units of each self-propelled class at the base (they leave in the final convoy)."""
    return {c: base.cargo.get(c, 0) for c, cls in sc.cargo_classes.items() if cls.self_propelled}
