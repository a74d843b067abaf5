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

from .security import SecurityState

BASE_CREW, OTHER_CREW, PASSENGERS, CONTRACTORS = 0, 1, 2, 3
KINDS = 4
"""Kinds of people, in the order their deaths of wounds are drawn (MODEL.md §14)."""

Remove = Callable[[np.ndarray, np.ndarray], None]
"""``remove(sets, rows)``: one vehicle of set ``sets[i]`` in row ``rows[i]`` destroyed or abandoned."""


@dataclass
class OccupantArrays:
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
               base_sets: int, m: int) -> OccupantArrays:
        """Seat ``passengers`` (per row) in the vehicle ``sets`` (type, count per row); the crews of the
        first ``base_sets`` sets are the base's own when military."""
        occ = rules.seat(sc, [(t, np.broadcast_to(np.asarray(n, dtype=np.int64), (m,))) for t, n in sets],
                         np.broadcast_to(np.asarray(passengers, dtype=np.int64), (m,)))
        types = [sc.vehicle_types[t] for t in occ.types]
        prot = [sc.protection_levels[vt.protection] for vt in types]
        kind = [CONTRACTORS if vt.crew_kind == "contractor" else (BASE_CREW if s < base_sets else OTHER_CREW)
                for vt, s in zip(types, occ.source, strict=True)]
        z = np.zeros(m, dtype=np.int64)
        counts = np.stack([np.broadcast_to(c, (m,)) for c in occ.counts]).astype(np.int64)
        keep = np.flatnonzero(counts.any(axis=1))  # groups empty in every row never matter
        counts = counts[keep]

        def per_group(values: list, dtype: type) -> np.ndarray:
            return np.array(values, dtype=dtype)[keep]

        return cls(
            counts=counts, crew=per_group(occ.crew, np.int64),
            passengers=np.stack([np.broadcast_to(p, (m,)) for p in occ.passengers]).astype(np.int64)[keep],
            source=per_group(occ.source, np.int64), kind=per_group(kind, np.int64),
            p_destroyed=per_group([p.p_destroyed for p in prot], float),
            p_killed=per_group([p.p_killed for p in prot], float),
            p_wounded=per_group([p.p_wounded for p in prot], float),
            vulnerability=per_group([vt.vulnerability for vt in types], float),
            tows=per_group([vt.tows for vt in types], np.int64),
            speed=per_group([vt.speed_factor for vt in types], float),
            escort=per_group([vt.escort for vt in types], bool),
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


def hit_order(rng: np.random.Generator, avail: np.ndarray, weights: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """The groups of up to ``hits`` vehicles picked one after another, each with probability
    proportional to its group's weight among the vehicles not yet picked (MODEL.md §11 step 2),
    as (rows, max hits) group indices in order of picking, -1 for none. A vehicle of weight 0 is
    never picked: picking stops when the weights left sum to 0. ``avail`` is (groups, rows),
    ``weights`` (groups,). Each pass works on the rows with a pick left, over the groups that can be
    hit somewhere (``rules.pick_group`` on a (rows, groups) table).

    A row's picks are capped at its vehicles of weight > 0 plus one before anything is sized (the
    pass after the last vehicle finds nothing left and ends the row, as it would uncapped, so the
    draws are those of the uncapped picks): the table is (rows, at most vehicles + 1) however many
    hits were drawn (MODEL.md, Bounds)."""
    m = avail.shape[1]
    hittable = (avail * (weights > 0)[:, None]).sum(axis=0)
    hits = np.minimum(hits, hittable + 1)
    k = int(hits.max(initial=0))
    out = np.full((m, k), -1, dtype=np.int64)
    live = np.flatnonzero((weights > 0) & avail.any(axis=1))
    if k == 0 or live.size == 0:
        return out
    left = avail[live].T.copy()  # (rows, live groups)
    w = weights[live]
    a = np.flatnonzero(hits > 0)
    for j in range(k):
        cum = np.cumsum(left[a] * w, axis=1)
        total = cum[:, -1]
        g = np.minimum((cum <= (rng.random(a.size) * total)[:, None]).sum(axis=1), live.size - 1)
        ok = total > 0
        a, g = a[ok], g[ok]
        out[a, j] = live[g]
        left[a, g] -= 1
        a = a[hits[a] > j + 1]
        if a.size == 0:
            break
    return out


def _casualties(occ: OccupantArrays, rng: np.random.Generator, g: np.ndarray, r: np.ndarray, fc: np.ndarray) -> None:
    """Killed and wounded among the crew and the passengers of hit vehicles (group ``g``, row ``r``)."""
    pk, pw = rules.casualty_probabilities(occ.p_killed[g], occ.p_wounded[g], fc)
    n = np.concatenate([np.broadcast_to(occ.crew[g], g.shape), occ.passengers[g, r]])
    pk2, pw2 = np.concatenate([pk, pk]), np.concatenate([pw, pw])
    killed = rng.binomial(n, pk2)
    wounded = rng.binomial(n - killed, pw2)
    kinds = np.concatenate([occ.kind[g], np.full(g.size, PASSENGERS)])
    rr = np.concatenate([r, r])
    np.add.at(occ.killed, (kinds, rr), killed)
    np.add.at(occ.wounded, (kinds, rr), wounded)


def _abandon(occ: OccupantArrays, rows: np.ndarray, order: np.ndarray, left: np.ndarray, remove: Remove) -> None:
    """Damaged vehicles ``left`` (a mask over ``order``) stripped and left: out of their sets."""
    if left.any():
        i, j = np.nonzero(left)
        occ.abandoned[rows] += left.sum(axis=1)
        remove(occ.source[order[i, j]], rows[i])


def _tow(occ: OccupantArrays, rows: np.ndarray, unrepaired: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Unrepaired damaged vehicles, in order of damage, are towed while the convoy's tow capacity
    lasts: the k-th is towed if k ≤ ``capacity`` (less the tows before this segment) at its turn.
    Capacity never grows within a segment, so the towed ones are the first of the sequence.
    Returns the towed mask."""
    rank = np.cumsum(unrepaired, axis=1)
    towed = unrepaired & (rank <= capacity - occ.towed[rows][:, None])
    n_towed = towed.sum(axis=1)
    occ.towed[rows] += n_towed
    occ.towing[rows] |= n_towed > 0
    return towed


def hit_events(ends: np.ndarray, k: int) -> np.ndarray:
    """(rows, ``k``): for each hit ``j`` of a row, the number of its events whose hits end by ``j``
    (``ends`` (rows, events) the cumulative hit counts, non-decreasing per row). One
    ``np.searchsorted`` on the rows laid end to end, each shifted past the one before, so no
    (rows, hits, events) table is built."""
    m, e = ends.shape
    if m == 0 or k == 0:
        return np.zeros((m, k), dtype=np.int64)
    span = max(int(ends.max(initial=0)), k) + 1
    shift = np.arange(m, dtype=np.int64)[:, None] * span
    flat = (ends + shift).ravel()
    found = np.searchsorted(flat, np.arange(k, dtype=np.int64)[None, :] + shift, side="right")
    return found - np.arange(m, dtype=np.int64)[:, None] * e


def attacks(occ: OccupantArrays, rows: np.ndarray, events: list[tuple[np.ndarray, AttackEffects]],
            f_vehicle: np.ndarray, f_casualty: np.ndarray, effects: np.random.Generator,
            delays: np.random.Generator, remove: Remove, with_delay: bool) -> np.ndarray:
    """A segment's attacks on the convoy of each of ``rows`` (MODEL.md §11 steps 1-5): ``events`` are
    (events per row, effects) by kind in the order they happen (IEDs, then ambushes). Each event's
    damaged vehicles are settled before the next event. Returns the repair hours per row (0 without
    ``with_delay``).

    A vehicle is hit at most once on its leg and each hit picks among the vehicles not hit yet, so
    the hits of all the segment's events are one sequence of successive weighted picks
    (``hit_order``), cut into events by their hit counts. Settling changes no group count, so the
    tow capacity an event's damaged vehicles meet is the one after that event's hits."""
    m = rows.size
    n_events = np.sum([n for n, _ in events], axis=0)
    e_max = int(n_events.max(initial=0))
    col = np.arange(e_max)[None, :]
    kind = np.full((m, e_max), -1, dtype=np.int64)
    lo = np.zeros(m, dtype=np.int64)
    per_event = np.zeros((m, e_max), dtype=np.int64)
    for ki, (n, e) in enumerate(events):
        hi = lo + n
        mask = (col >= lo[:, None]) & (col < hi[:, None])
        kind[mask] = ki
        if mask.any():
            i, _ = np.nonzero(mask)
            per_event[mask] = rules.count_sum(effects, np.ones(i.size), e.vehicles_hit, f_vehicle[i])
        lo = hi
    avail = occ.counts[:, rows]
    drawn = per_event.sum(axis=1)
    order = hit_order(effects, avail, occ.vulnerability, drawn)
    hit = order >= 0
    if not hit.any():
        return np.zeros(m)
    k = order.shape[1]
    ends = np.cumsum(per_event, axis=1)
    event = np.minimum(hit_events(ends, k), e_max - 1)  # (rows, k): each hit's event
    n_hit = hit.sum(axis=1)
    last = np.minimum(np.take_along_axis(ends, event, axis=1), n_hit[:, None]) - 1
    tows = np.where(hit, occ.tows[np.maximum(order, 0)], 0)
    after = (avail * occ.tows[:, None]).sum(axis=0)[:, None] - np.cumsum(tows, axis=1)
    capacity = np.take_along_axis(after, np.maximum(last, 0), axis=1)  # after the hits of each hit's event
    i, j = np.nonzero(hit)
    g, r = order[i, j], rows[i]
    np.add.at(occ.counts, (g, r), -1)  # hit vehicles are not hit again on this leg
    _casualties(occ, effects, g, r, f_casualty[i])
    dead = effects.random(g.size) < occ.p_destroyed[g]
    if dead.any():
        np.add.at(occ.destroyed, r[dead], 1)
        remove(occ.source[g[dead]], r[dead])
    damaged = np.zeros(order.shape, dtype=bool)
    damaged[i[~dead], j[~dead]] = True
    hit_kind = np.maximum(np.take_along_axis(kind, event, axis=1), 0)
    p_repair = np.array([e.p_repair for _, e in events])[hit_kind]
    fixed = damaged & (effects.random(order.shape) < p_repair)
    unrepaired = damaged & ~fixed
    occ.damaged[rows] += damaged.sum(axis=1)
    n_fixed = fixed.sum(axis=1)
    occ.repaired[rows] += n_fixed
    occ.spent[rows] += n_fixed  # repaired after a hit: they drive on, not hit again
    if unrepaired.any():
        towed = _tow(occ, rows, unrepaired, capacity)
        _abandon(occ, rows, order, unrepaired & ~towed, remove)
    delay = np.zeros(m)
    if with_delay and n_fixed.any():
        dists = [e.repair_hours for _, e in events]
        if all(d == dists[0] for d in dists):  # one repair-time distribution: one gamma sum
            return rules.delay_sum(delays, n_fixed, dists[0])
        for ki, dist in enumerate(dists):
            n = (fixed & (hit_kind == ki)).sum(axis=1)
            if n.any():
                delay += rules.delay_sum(delays, n, dist)
    return delay


def breakdowns(occ: OccupantArrays, rows: np.ndarray, n: np.ndarray, p_repair: float, repair_hours: DelayDist,
               u: np.random.Generator, effects: np.random.Generator, delays: np.random.Generator,
               remove: Remove) -> np.ndarray:
    """A segment's ``n`` breakdowns per row (MODEL.md §11): each damages one vehicle that can still be
    hit, picked uniformly, while there is one; repaired with ``p_repair`` (it stays in its group),
    else it leaves its group and is towed or abandoned. A repaired breakdown changes nothing the
    next one sees, so only the unrepaired are picked, one after another (``hit_order`` with every
    weight 1). Returns the repair hours per row."""
    avail = occ.counts[:, rows]
    total = avail.sum(axis=0)
    n_unrep = effects.binomial(n, 1.0 - p_repair)
    n_fixed = n - n_unrep
    short = np.flatnonzero(n > total)  # rare: vehicles may run out, so the order of the trials matters
    if short.size:
        k = int(n[short].max())
        trials = np.arange(k)[None, :] < n[short, None]
        unrepaired = trials & (effects.random((short.size, k)) >= p_repair)
        before: np.ndarray = np.cumsum(unrepaired, axis=1) - unrepaired  # unrepaired breakdowns before each one
        happens = trials & (before < total[short, None])  # a vehicle is left to break down
        n_fixed[short] = (trials & ~unrepaired & happens).sum(axis=1)
        n_unrep[short] = (unrepaired & happens).sum(axis=1)
    occ.damaged[rows] += n_fixed + n_unrep
    occ.repaired[rows] += n_fixed
    if n_unrep.any():
        order = hit_order(u, avail, np.ones(avail.shape[0]), n_unrep)
        picked = order >= 0
        i, j = np.nonzero(picked)
        np.add.at(occ.counts, (order[i, j], rows[i]), -1)
        tows = np.where(picked, occ.tows[np.maximum(order, 0)], 0)
        capacity = (avail * occ.tows[:, None]).sum(axis=0)[:, None] - np.cumsum(tows, axis=1)
        towed = _tow(occ, rows, picked, capacity)
        _abandon(occ, rows, order, picked & ~towed, remove)
    if n_fixed.any():
        return rules.delay_sum(delays, n_fixed, repair_hours)
    return np.zeros(rows.size)


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
             medevac: np.random.Generator, wounds: np.random.Generator, security: SecurityState | None = None,
             leg_rows: np.ndarray | None = None) -> Evacuated:
    """``records``: per segment driven, in order, the middle time ``t_e`` (m,) and the wounded by kind
    (KINDS, m). One medevac chain per segment with wounded, then per kind the deaths of wounds. The
    chains of every segment of the leg are run together (they are independent). ``security`` and
    ``leg_rows`` (the replication of each row) give the regimes' medevac grant factors (MODEL.md §15)."""
    m = arrival.size
    out = Evacuated(np.zeros((KINDS, m), dtype=np.int64), np.zeros((KINDS, m), dtype=np.int64),
                    np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64))
    rows, times, hurt = [], [], []
    for t_e, wounded in records:
        a = np.flatnonzero(wounded.sum(axis=0) > 0)
        rows.append(a)
        times.append(t_e[a])
        hurt.append(wounded[:, a])
    a = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    if a.size == 0:
        return out
    te = np.concatenate(times)
    wounded = np.concatenate(hurt, axis=1)
    delay = arrival[a] - te
    granted = np.zeros(a.size, dtype=bool)
    if sc.medevac is not None:
        grant = None if security is None or leg_rows is None else security.grant("medevac", leg_rows[a])
        ch = rules.chain(sc, sc.medevac, medevac, te, arrival[a], grant=grant)
        granted = ch.status == rules.GRANTED
        np.add.at(out.requests, a, ch.n_requests)
        np.add.at(out.granted, a, granted.astype(np.int64))
        delay = np.where(granted, ch.time_hours - te + sc.medevac.flight_hours, delay)
    if sc.died_of_wounds is not None:
        deaths = wounds.binomial(wounded, rules.dow_probability(sc, delay)[None, :])
    else:
        deaths = np.zeros_like(wounded)
    for kind in range(KINDS):
        np.add.at(out.deaths[kind], a, deaths[kind])
        np.add.at(out.flown[kind], a, np.where(granted, wounded[kind] - deaths[kind], 0))
    return out
