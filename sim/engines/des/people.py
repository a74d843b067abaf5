"""The people model in the SimPy engine (MODEL.md §10, §11, §13, §14): a convoy's occupancy
groups, the vehicles a strike hits and the people aboard them, damage and recovery, evacuation.

Kinds of people, in the order their casualties are drawn: the base's own crews, other military
crews, passengers (the base's personnel), contractors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.model import rules
from sim.model.schema import AttackEffects, DelayDist, Scenario, VehicleType

BASE_CREW, OTHER_CREW, PASSENGERS, CONTRACTORS = 0, 1, 2, 3
KINDS = 4


@dataclass(frozen=True)
class TypeInfo:
    """What the engine reads of a vehicle type, as Python numbers."""

    name: str
    p_destroyed: float
    p_killed: float
    p_wounded: float
    vulnerability: float
    contractor: bool
    tows: int
    speed_factor: float
    escort: bool


def type_infos(sc: Scenario) -> dict[str, TypeInfo]:
    out = {}
    for name, vt in sc.vehicle_types.items():
        prot = sc.protection_levels[vt.protection]
        out[name] = TypeInfo(name, prot.p_destroyed, prot.p_killed, prot.p_wounded, vt.vulnerability,
                             vt.crew_kind == "contractor", vt.tows, vt.speed_factor, vt.escort)
    return out


@dataclass
class Occupants:
    """A convoy's occupancy groups (``rules.seat_one``) and what happens to the people aboard."""

    counts: list[int]
    crew: list[int]
    passengers: list[int]
    info: list[TypeInfo]
    source: list[int]
    crew_kind: list[int]
    """Per group: ``BASE_CREW``, ``OTHER_CREW`` or ``CONTRACTORS``."""
    wounded: list[int] = field(default_factory=lambda: [0] * KINDS)
    killed: list[int] = field(default_factory=lambda: [0] * KINDS)
    towing: bool = False
    towed: int = 0
    destroyed: int = 0
    damaged: int = 0
    repaired: int = 0
    abandoned: int = 0

    @classmethod
    def seated(cls, static_types: dict[str, TypeInfo], order: list[str], types: dict[str, VehicleType],
               sets: list[tuple[str, int]], passengers: int, base_sets: int) -> Occupants:
        """Seat ``passengers`` in the vehicle ``sets``; the crews of the first ``base_sets`` sets are
        the base's own when military."""
        occ = rules.seat_one(order, types, sets, passengers)
        infos = [static_types[t] for t in occ.types]
        kinds = [CONTRACTORS if i.contractor else (BASE_CREW if s < base_sets else OTHER_CREW)
                 for i, s in zip(infos, occ.source, strict=True)]
        return cls([int(c) for c in occ.counts], list(occ.crew), [int(p) for p in occ.passengers], infos,
                   list(occ.source), kinds)

    def vehicles(self) -> int:
        return sum(self.counts)

    def escorts(self) -> int:
        return sum(c for c, i in zip(self.counts, self.info, strict=True) if i.escort)

    def speed_factor(self, tow_factor: float) -> float:
        """The smallest speed factor of the types in the convoy, times the towing factor while it tows."""
        f = min((i.speed_factor for c, i in zip(self.counts, self.info, strict=True) if c > 0), default=1.0)
        return f * tow_factor if self.towing else f

    def tow_capacity(self) -> int:
        return max(0, sum(c * i.tows for c, i in zip(self.counts, self.info, strict=True)) - self.towed)


@dataclass
class Damage:
    """A damaged vehicle waiting for its fate: its group, the cause's repair chance and hours."""

    group: int
    p_repair: float
    repair_hours: DelayDist
    repair: AttackEffects | None
    """The event that damaged it; ``None`` for a breakdown (its vehicle is still in its group)."""


def strike(occ: Occupants, e: AttackEffects, f_vehicle: float, f_casualty: float, rng: np.random.Generator,
           remove: Callable[[int], None]) -> tuple[int, int, list[Damage]]:
    """One IED, ambush or stationary attack on the convoy (MODEL.md §11 steps 1-5): vehicles hit,
    destroyed or damaged, casualties among those aboard. Returns (vehicles hit, destroyed, damaged).
    A hit vehicle leaves the occupancy groups (it is not hit again); ``remove(group)`` is called for
    each destroyed one (its set loses it and its cargo)."""
    avail = list(occ.counts)
    h = min(rules.count_one(rng, e.vehicles_hit, f_vehicle), sum(avail))
    destroyed, damaged = 0, []
    for _ in range(h):
        weights = [a * i.vulnerability for a, i in zip(avail, occ.info, strict=True)]
        g = rules.pick_group_one(float(rng.random()), weights)
        if g < 0:
            break
        avail[g] -= 1
        info = occ.info[g]
        dead = float(rng.random()) < info.p_destroyed
        pk, pw = rules.casualty_probabilities(info.p_killed, info.p_wounded, f_casualty)
        pk_f, pw_f = float(pk), float(pw)
        for kind, n in ((occ.crew_kind[g], occ.crew[g]), (PASSENGERS, occ.passengers[g])):
            if n <= 0:
                continue
            k = int(rng.binomial(n, pk_f))
            w = int(rng.binomial(n - k, pw_f)) if n > k else 0
            occ.killed[kind] += k
            occ.wounded[kind] += w
        occ.counts[g] -= 1
        if dead:
            destroyed += 1
            occ.destroyed += 1
            remove(g)
        else:
            damaged.append(Damage(g, e.p_repair, e.repair_hours, e))
    return h, destroyed, damaged


def breakdown_damage(occ: Occupants, u: float, p_repair: float, repair_hours: DelayDist) -> Damage | None:
    """The vehicle a breakdown damages (``rules.pick_group_one`` with every vulnerability 1)."""
    g = rules.pick_group_one(u, [float(c) for c in occ.counts])
    return None if g < 0 else Damage(g, p_repair, repair_hours, None)


def evacuate(sc: Scenario, records: list[tuple[float, list[int]]], arrival: float, medevac_rng: np.random.Generator,
             wounds_rng: np.random.Generator,
             grant: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> tuple[list[int], int, int, list[int]]:
    """Medevac chains and deaths of wounds of one leg (MODEL.md §14): per kind the deaths, the
    decided medevac requests, the granted chains, and per kind the wounded flown out alive.
    ``grant``: the regimes' medevac grant factors (``rules.chain``'s ``grant``, MODEL.md §15)."""
    deaths = [0] * KINDS
    flown = [0] * KINDS
    n_req = n_granted = 0
    if not records:
        return deaths, n_req, n_granted, flown
    t_e = np.array([r[0] for r in records])
    granted = np.zeros(len(records), dtype=bool)
    delay = arrival - t_e
    if sc.medevac is not None:
        ch = rules.chain(sc, sc.medevac, medevac_rng, t_e, np.full(len(records), arrival), grant=grant)
        granted = ch.status == rules.GRANTED
        n_req = int(ch.n_requests.sum())
        n_granted = int(granted.sum())
        delay = np.where(granted, ch.time_hours - t_e + sc.medevac.flight_hours, delay)
    p = rules.dow_probability(sc, delay)
    for i, (_, wounded) in enumerate(records):
        for kind in range(KINDS):
            w = wounded[kind]
            if w <= 0:
                continue
            d = int(wounds_rng.binomial(w, float(p[i]))) if sc.died_of_wounds is not None else 0
            deaths[kind] += d
            if granted[i]:
                flown[kind] += w - d
    return deaths, n_req, n_granted, flown
