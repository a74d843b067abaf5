"""The people model in the batch engine (MODEL.md §10, §11, §13, §14), every convoy of a call at once.

A convoy's occupancy groups (``rules.seat``) are arrays of shape (groups, rows); what a group's
vehicle type is (protection, vulnerability, tows, speed, escort) is one number per group. Loops run
over the events of a segment and the hits of an event, never over replications: each pass works on
the rows that still have an event or a hit at that rank. The SimPy engine does the same per convoy
(``sim.engines.des.people``); the agreement tests compare the two in distribution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model import rules
from sim.model.schema import AttackEffects, DelayDist, Scenario

BASE_CREW, OTHER_CREW, PASSENGERS, CONTRACTORS = 0, 1, 2, 3
KINDS = 4
"""Kinds of people, in the order their deaths of wounds are drawn (MODEL.md §14)."""

Remove = Callable[[np.ndarray, np.ndarray], None]
"""``remove(sets, rows)``: one vehicle of set ``sets[i]`` in row ``rows[i]`` destroyed or abandoned."""


@dataclass
class Occupants:
    """The occupancy groups of one convoy per row, and what has happened to the people and vehicles
    aboard on the current leg. Rows are the positions of the convoys in the ``drive`` call."""

    counts: np.ndarray
    """(G, m) vehicles of each group that can still be hit."""
    crew: np.ndarray
    passengers: np.ndarray
    """(G, m) passengers per vehicle of each group."""
    source: np.ndarray
    kind: np.ndarray
    p_destroyed: np.ndarray
    p_killed: np.ndarray
    p_wounded: np.ndarray
    vulnerability: np.ndarray
    tows: np.ndarray
    speed: np.ndarray
    escort: np.ndarray
    wounded: np.ndarray
    """(KINDS, m) wounded in action on the leg."""
    killed: np.ndarray
    """(KINDS, m) killed in action on the leg."""
    towing: np.ndarray
    towed: np.ndarray
    destroyed: np.ndarray
    damaged: np.ndarray
    repaired: np.ndarray
    abandoned: np.ndarray
    spent: np.ndarray
    """Vehicles hit and repaired: they drive on (count in ``n``) but are not hit again."""

    @classmethod
    def seated(cls, sc: Scenario, sets: list[tuple[str, np.ndarray]], passengers: np.ndarray | int,
               base_sets: int, m: int) -> Occupants:
        """Seat ``passengers`` (per row) in the vehicle ``sets`` (type, count per row); the crews of the
        first ``base_sets`` sets are the base's own when military."""
        occ = rules.seat(sc, [(t, np.broadcast_to(np.asarray(n, dtype=np.int64), (m,))) for t, n in sets],
                         np.broadcast_to(np.asarray(passengers, dtype=np.int64), (m,)))
        types = [sc.vehicle_types[t] for t in occ.types]
        prot = [sc.protection_levels[vt.protection] for vt in types]
        kind = [CONTRACTORS if vt.crew_kind == "contractor" else (BASE_CREW if s < base_sets else OTHER_CREW)
                for vt, s in zip(types, occ.source, strict=True)]
        z = np.zeros(m, dtype=np.int64)
        return cls(
            counts=np.stack([np.broadcast_to(c, (m,)) for c in occ.counts]).astype(np.int64),
            crew=np.array(occ.crew, dtype=np.int64),
            passengers=np.stack([np.broadcast_to(p, (m,)) for p in occ.passengers]).astype(np.int64),
            source=np.array(occ.source, dtype=np.int64), kind=np.array(kind, dtype=np.int64),
            p_destroyed=np.array([p.p_destroyed for p in prot]), p_killed=np.array([p.p_killed for p in prot]),
            p_wounded=np.array([p.p_wounded for p in prot]),
            vulnerability=np.array([vt.vulnerability for vt in types], dtype=float),
            tows=np.array([vt.tows for vt in types], dtype=np.int64),
            speed=np.array([vt.speed_factor for vt in types], dtype=float),
            escort=np.array([vt.escort for vt in types], dtype=bool),
            wounded=np.zeros((KINDS, m), dtype=np.int64), killed=np.zeros((KINDS, m), dtype=np.int64),
            towing=np.zeros(m, dtype=bool), towed=z.copy(), destroyed=z.copy(), damaged=z.copy(),
            repaired=z.copy(), abandoned=z.copy(), spent=z.copy())

    def vehicles(self, rows: np.ndarray) -> np.ndarray:
        """Vehicles in the convoy for the road rules (``n``): those that can be hit and the repaired."""
        return self.counts[:, rows].sum(axis=0) + self.spent[rows]

    def escorts(self, rows: np.ndarray) -> np.ndarray:
        return (self.counts[:, rows] * self.escort[:, None]).sum(axis=0)

    def speed_factor(self, rows: np.ndarray, tow_factor: float) -> np.ndarray:
        """The smallest speed factor of the types in the convoy, times the towing factor while it tows."""
        c = self.counts[:, rows]
        f = np.where(c > 0, self.speed[:, None], np.inf).min(axis=0, initial=np.inf)
        f = np.where(np.isfinite(f), f, 1.0)
        return np.where(self.towing[rows], f * tow_factor, f)

    def tow_capacity(self, rows: np.ndarray) -> np.ndarray:
        return np.maximum(0, (self.counts[:, rows] * self.tows[:, None]).sum(axis=0) - self.towed[rows])


def strike(occ: Occupants, rows: np.ndarray, e: AttackEffects, f_vehicle: np.ndarray, f_casualty: np.ndarray,
           rng: np.random.Generator, remove: Remove) -> np.ndarray:
    """One IED, ambush or stationary attack on the convoy of each of ``rows`` (MODEL.md §11 steps
    1-5). Returns the damaged vehicles' groups in order of damage, shape (rows, hits), -1 for none."""
    avail = occ.counts[:, rows].copy()
    h = np.minimum(rules.count_sum(rng, np.ones(rows.size), e.vehicles_hit, f_vehicle), avail.sum(axis=0))
    hmax = int(h.max(initial=0))
    damaged = np.full((rows.size, hmax), -1, dtype=np.int64)
    stopped = np.zeros(rows.size, dtype=bool)
    for j in range(hmax):
        a = np.flatnonzero((h > j) & ~stopped)
        if a.size == 0:
            break
        weights = avail[:, a] * occ.vulnerability[:, None]
        g = rules.pick_group(rng.random(a.size), list(weights))
        none = g < 0
        stopped[a[none]] = True  # no vehicle left that can be hit: the event's later hits miss
        a, g = a[~none], g[~none]
        r = rows[a]
        avail[g, a] -= 1
        dead = rng.random(a.size) < occ.p_destroyed[g]
        pk, pw = rules.casualty_probabilities(occ.p_killed[g], occ.p_wounded[g], f_casualty[a])
        for kind, n in ((occ.kind[g], occ.crew[g]), (np.full(a.size, PASSENGERS), occ.passengers[g, r])):
            k = rng.binomial(n, pk)
            w = rng.binomial(n - k, pw)
            np.add.at(occ.killed, (kind, r), k)
            np.add.at(occ.wounded, (kind, r), w)
        occ.counts[g, r] -= 1
        occ.destroyed[r[dead]] += 1
        if dead.any():
            remove(occ.source[g[dead]], r[dead])
        damaged[a[~dead], j] = g[~dead]
    return damaged


def resolve(occ: Occupants, rows: np.ndarray, damaged: np.ndarray, p_repair: float, repair_hours: DelayDist,
            hit_by_event: bool, effects: np.random.Generator, delays: np.random.Generator, remove: Remove,
            with_delay: bool) -> np.ndarray:
    """Damaged vehicles in order of damage (MODEL.md §11): repaired, towed or abandoned. Returns the
    repair hours per row (0 without ``with_delay``)."""
    delay = np.zeros(rows.size)
    for j in range(damaged.shape[1]):
        a = np.flatnonzero(damaged[:, j] >= 0)
        if a.size == 0:
            continue
        g, r = damaged[a, j], rows[a]
        occ.damaged[r] += 1
        fixed = effects.random(a.size) < p_repair
        occ.repaired[r[fixed]] += 1
        if with_delay and fixed.any():
            delay[a[fixed]] += rules.draw_delay(delays, repair_hours, size=int(fixed.sum()))
        if hit_by_event:
            occ.spent[r[fixed]] += 1
        g, r = g[~fixed], r[~fixed]
        if r.size == 0:
            continue
        if not hit_by_event:
            occ.counts[g, r] -= 1
        tow = occ.tow_capacity(r) >= 1
        occ.towed[r[tow]] += 1
        occ.towing[r[tow]] = True
        left = ~tow
        occ.abandoned[r[left]] += 1
        if left.any():
            remove(occ.source[g[left]], r[left])
    return delay


def breakdown(occ: Occupants, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The group of the vehicle a breakdown damages (``rules.pick_group`` with every vulnerability 1),
    shape (rows, 1), -1 for none."""
    return rules.pick_group(u, list(occ.counts[:, rows].astype(float)))[:, None]


@dataclass
class Evacuated:
    """Medevac and deaths of wounds of a leg (MODEL.md §14), per row of the drive call."""

    deaths: np.ndarray
    """(KINDS, m)"""
    flown: np.ndarray
    """(KINDS, m) wounded flown out by medevac, alive."""
    requests: np.ndarray
    granted: np.ndarray


def evacuate(sc: Scenario, records: list[tuple[np.ndarray, np.ndarray]], arrival: np.ndarray,
             medevac: np.random.Generator, wounds: np.random.Generator) -> Evacuated:
    """``records``: per segment driven, in order, the middle time ``t_e`` (m,) and the wounded by kind
    (KINDS, m). One medevac chain per segment with wounded, then per kind the deaths of wounds."""
    m = arrival.size
    out = Evacuated(np.zeros((KINDS, m), dtype=np.int64), np.zeros((KINDS, m), dtype=np.int64),
                    np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64))
    for t_e, wounded in records:
        a = np.flatnonzero(wounded.sum(axis=0) > 0)
        if a.size == 0:
            continue
        te = t_e[a]
        delay = arrival[a] - te
        granted = np.zeros(a.size, dtype=bool)
        if sc.medevac is not None:
            ch = rules.chain(sc, sc.medevac, medevac, te, arrival[a])
            granted = ch.status == rules.GRANTED
            out.requests[a] += ch.n_requests
            out.granted[a] += granted
            delay = np.where(granted, ch.time_hours - te + sc.medevac.flight_hours, delay)
        p = rules.dow_probability(sc, delay)
        for kind in range(KINDS):
            w = wounded[kind, a]
            d = wounds.binomial(w, p) if sc.died_of_wounds is not None else np.zeros(a.size, dtype=np.int64)
            out.deaths[kind, a] += d
            out.flown[kind, a] += np.where(granted, w - d, 0)
    return out
