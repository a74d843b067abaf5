"""Convoys on road segments, every replication at once (MODEL.md §4, §6).

A convoy is a list of vehicle groups (escorts, trucks of each cargo class, empty trucks, or the
final convoy's self-propelled units), each an array over replications. Replications of one call may
be on different routes: segment attributes are gathered per replication from padded route arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import rules
from sim.network import Segment
from sim.scenario import Scenario


@dataclass
class Routes:
    """Routes base → hub as padded arrays of shape (n_routes, max_segments)."""

    km: np.ndarray
    speed_kmh: np.ndarray
    ied_rate_per_100km: np.ndarray
    ambush_rate_per_100km: np.ndarray
    breakdowns_per_1000_vehicle_km: np.ndarray
    cleared: np.ndarray
    n_segments: np.ndarray

    @classmethod
    def build(cls, routes: list[list[Segment]]) -> Routes:
        width = max(1, max(len(r) for r in routes))
        shape = (len(routes), width)
        arrays = {name: np.zeros(shape) for name in (
            "km", "speed_kmh", "ied_rate_per_100km", "ambush_rate_per_100km",
            "breakdowns_per_1000_vehicle_km")}
        arrays["speed_kmh"][:] = 1.0
        cleared = np.zeros(shape, dtype=bool)
        for i, route in enumerate(routes):
            for j, seg in enumerate(route):
                for name, arr in arrays.items():
                    arr[i, j] = getattr(seg, name)
                cleared[i, j] = seg.cleared
        return cls(**arrays, cleared=cleared, n_segments=np.array([len(r) for r in routes], dtype=np.int64))


@dataclass
class SegmentView:
    """Duck-typed ``sim.network.Segment`` whose attributes are arrays over replications."""

    km: np.ndarray
    speed_kmh: np.ndarray
    ied_rate_per_100km: np.ndarray
    ambush_rate_per_100km: np.ndarray
    breakdowns_per_1000_vehicle_km: np.ndarray
    cleared: np.ndarray


class AirCoverDays:
    """Which local days have air cover (MODEL.md §4), one draw per (replication, day), drawn lazily."""

    CHUNK_DAYS = 32

    def __init__(self, sc: Scenario, rng: np.random.Generator, n_reps: int, first_day: int) -> None:
        self.sc, self.rng, self.n_reps, self.first_day = sc, rng, n_reps, first_day
        self.table = np.zeros((n_reps, 0), dtype=bool)

    def _p(self, days: np.ndarray) -> np.ndarray:
        start_hours = days * 24.0 - rules.hour0(self.sc)
        return rules.p_grant_at(self.sc, self.sc.air_cover, start_hours)

    def covered(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        col = rules.day_index(self.sc, t) - self.first_day
        if col.size == 0:
            return np.zeros(0, dtype=bool)
        if col.min() < 0:
            raise AssertionError("air cover asked for a day before the first day of the run")
        need = int(col.max()) + 1
        while self.table.shape[1] < need:
            lo = self.table.shape[1]
            days = self.first_day + np.arange(lo, lo + self.CHUNK_DAYS)
            p = self._p(days.astype(float))
            if np.all((p == 0.0) | (p == 1.0)):
                new = np.broadcast_to(p == 1.0, (self.n_reps, days.size))
            else:
                new = self.rng.random((self.n_reps, days.size)) < p
            self.table = np.concatenate([self.table, new], axis=1)
        return self.table[rows, col]


@dataclass
class Leg:
    """Totals of one convoy's drive, per replication of the call (shape of ``rows``)."""

    arrive_hours: np.ndarray
    ied: np.ndarray
    ambush: np.ndarray
    breakdowns: np.ndarray
    wounded: np.ndarray
    killed: np.ndarray
    destroyed: np.ndarray
    hit: list[np.ndarray] = field(default_factory=list)
    lost: list[np.ndarray] = field(default_factory=list)


@dataclass
class Road:
    """What every convoy drive needs: scenario, routes, streams, air cover."""

    sc: Scenario
    routes: Routes
    streams: object
    air: AirCoverDays

    def drive(
        self,
        rows: np.ndarray,
        t0: np.ndarray,
        route: np.ndarray,
        toward_base: bool,
        groups: list[np.ndarray],
        upt: list[int],
        aboard: list[np.ndarray | None],
        escorted: bool,
        armoured: bool,
        personnel: np.ndarray | None = None,
        final: bool = False,
    ) -> Leg:
        """Drive convoys (one per entry of ``rows``) over their routes, segment by segment.

        ``groups`` are vehicle counts (modified in place as vehicles are destroyed); ``aboard`` the
        units carried by each group (modified in place, ``None`` for groups that carry nothing);
        ``upt`` the units per vehicle of each group. ``personnel`` (final convoys) caps the killed.
        ``final`` convoys draw from the ``final_`` streams, lift convoys from the others, so more or
        fewer lift rounds do not shift final-convoy draws (DESIGN.md §3).
        """
        sc, rt = self.sc, self.routes
        eff = sc.threats.effects
        pre = "final_" if final else ""
        attacks, effects = self.streams[pre + "attacks"], self.streams[pre + "effects"]
        breakdowns, delays = self.streams[pre + "breakdowns"], self.streams[pre + "delays"]
        m = rows.size
        t = np.asarray(t0, dtype=float).copy()
        zeros = [np.zeros(m, dtype=np.int64) for _ in range(7)]
        leg = Leg(t, *zeros[:6], hit=[np.zeros(m, dtype=np.int64) for _ in groups],
                  lost=[np.zeros(m, dtype=np.int64) for _ in groups])
        nseg = rt.n_segments[route]
        for j in range(int(nseg.max(initial=0))):
            on = np.flatnonzero(j < nseg)
            if on.size == 0:
                continue
            r = route[on]
            s = (nseg[on] - 1 - j) if toward_base else np.full(on.size, j)
            seg = SegmentView(rt.km[r, s], rt.speed_kmh[r, s], rt.ied_rate_per_100km[r, s],
                              rt.ambush_rate_per_100km[r, s], rt.breakdowns_per_1000_vehicle_km[r, s],
                              rt.cleared[r, s])
            n = np.sum([g[on] for g in groups], axis=0)
            start = t[on]
            cover = self.air.covered(rows[on], start)
            f = rules.active_factors(sc, escorted, armoured, seg.cleared, cover)
            ied_m, amb_m, bd_m = rules.segment_means(sc, seg, n, f)
            ied = attacks.poisson(ied_m) if ied_m.any() else np.zeros(on.size, dtype=np.int64)
            amb = attacks.poisson(amb_m) if amb_m.any() else np.zeros(on.size, dtype=np.int64)
            bd = breakdowns.poisson(bd_m) if bd_m.any() else np.zeros(on.size, dtype=np.int64)
            delay = np.zeros(on.size)
            ev = np.flatnonzero((ied + amb + bd) > 0)
            if ev.size:
                e_ied, e_amb, e_bd = ied[ev], amb[ev], bd[ev]
                fv, fc = f["vehicle"][ev], f["casualty"][ev]
                vd = (rules.count_sum(effects, e_ied, eff.ied.vehicles_destroyed, fv)
                      + rules.count_sum(effects, e_amb, eff.ambush.vehicles_destroyed, fv))
                if eff.breakdown.p_vehicle_lost > 0.0:
                    vd = vd + breakdowns.binomial(e_bd, eff.breakdown.p_vehicle_lost)
                wounded = (rules.count_sum(effects, e_ied, eff.ied.wounded, fc)
                           + rules.count_sum(effects, e_amb, eff.ambush.wounded, fc))
                killed = (rules.count_sum(effects, e_ied, eff.ied.killed, fc)
                          + rules.count_sum(effects, e_amb, eff.ambush.killed, fc))
                delay[ev] = (rules.delay_sum(delays, e_ied, eff.ied.delay_hours)
                             + rules.delay_sum(delays, e_amb, eff.ambush.delay_hours)
                             + rules.delay_sum(delays, e_bd, eff.breakdown.delay_hours))
                at = on[ev]
                if personnel is not None:
                    killed = np.minimum(killed, personnel[at])
                    personnel[at] -= killed
                leg.wounded[at] += wounded
                leg.killed[at] += killed
                destroyed = np.minimum(vd, n[ev])
                leg.destroyed[at] += destroyed
                hit_rows = np.flatnonzero(destroyed > 0)
                if hit_rows.size:
                    at_h = at[hit_rows]
                    split = rules.hypergeometric_split(effects, [g[at_h] for g in groups], destroyed[hit_rows])
                    for gi, h in enumerate(split):
                        groups[gi][at_h] -= h
                        leg.hit[gi][at_h] += h
                        if aboard[gi] is not None:
                            lost = np.minimum(h * upt[gi], aboard[gi][at_h])
                            aboard[gi][at_h] -= lost
                            leg.lost[gi][at_h] += lost
            leg.ied[on] += ied
            leg.ambush[on] += amb
            leg.breakdowns[on] += bd
            drive = rules.drive_hours(sc, seg, n, f)
            t[on] = rules.advance(sc, start, drive + delay)
        leg.arrive_hours = t
        return leg
