"""Convoys on road segments, every replication at once (MODEL.md §4, §6).

A convoy is a list of vehicle groups (escorts, trucks of each cargo class, empty trucks, or the
final convoy's self-propelled units), each an array over replications. Replications of one call may
be on different routes: segment attributes are gathered per replication from padded route arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.engines.streams import Streams
from sim.model import rules
from sim.model.network import Segment
from sim.model.schema import Scenario

from .air_cover import AirCoverTable


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
    """Duck-typed ``sim.model.network.Segment`` whose attributes are arrays over replications."""

    km: np.ndarray
    speed_kmh: np.ndarray
    ied_rate_per_100km: np.ndarray
    ambush_rate_per_100km: np.ndarray
    breakdowns_per_1000_vehicle_km: np.ndarray
    cleared: np.ndarray


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
class Roads:
    """What every convoy drive needs: scenario, routes, streams, air cover."""

    sc: Scenario
    routes: Routes
    streams: Streams
    air: AirCoverTable

    def drive(
        self,
        rows: np.ndarray,
        t0: np.ndarray,
        route: np.ndarray,
        toward_base: bool,
        groups: Sequence[np.ndarray],
        upt: Sequence[int],
        aboard: Sequence[np.ndarray | None],
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
        fewer lift rounds do not shift final-convoy draws (docs/architecture.md, "Randomness").
        """
        sc, rt = self.sc, self.routes
        eff = sc.threats.effects
        pre = "final_" if final else ""
        attacks, effects = self.streams[pre + "attacks"], self.streams[pre + "effects"]
        breakdowns, delays = self.streams[pre + "breakdowns"], self.streams[pre + "delays"]
        m = rows.size
        t = np.asarray(t0, dtype=float).copy()
        z = [np.zeros(m, dtype=np.int64) for _ in range(6)]
        leg = Leg(t, z[0], z[1], z[2], z[3], z[4], z[5], hit=[np.zeros(m, dtype=np.int64) for _ in groups],
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
                        carried = aboard[gi]
                        if carried is not None:
                            lost = np.minimum(h * upt[gi], carried[at_h])
                            carried[at_h] -= lost
                            leg.lost[gi][at_h] += lost
            leg.ied[on] += ied
            leg.ambush[on] += amb
            leg.breakdowns[on] += bd
            drive = rules.drive_hours(sc, seg, n, f)
            t[on] = rules.advance(sc, start, drive + delay)
        leg.arrive_hours = t
        return leg
