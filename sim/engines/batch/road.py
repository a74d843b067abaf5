"""Convoys on road segments, every replication at once (MODEL.md §4, §6, §11-§14).

A convoy is a list of vehicle sets (escorts, trucks of each cargo class, empty trucks, or the
final convoy's self-propelled units and seat vehicles), each an array over replications. Replications
of one call may be on different routes: segment attributes are gathered per replication from padded
route arrays. With the people model, the convoy's occupancy groups (``people.OccupantArrays``) decide
what a strike hits and who is hurt; without it, the aggregate model's counts per event apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.engines.batch.tallies import RoadTally
from sim.engines.streams import Streams
from sim.model import rules
from sim.model.network import Segment
from sim.model.schema import Scenario

from .air_cover import AirCoverTable
from .people import CONTRACTORS, KINDS, PASSENGERS, OccupantArrays, attacks, breakdowns, evacuate
from .security import SecurityState, scale_threat

LEG_COUNTS: tuple[str, ...] = (
    "ied_strikes", "ambushes", "breakdowns", "stationary_attacks", "wounded", "killed", "killed_in_action",
    "died_of_wounds", "vehicles_lost", "vehicles_destroyed", "vehicles_damaged", "vehicles_repaired",
    "vehicles_towed", "vehicles_abandoned", "wounded_crew", "wounded_passengers", "wounded_contractors",
    "killed_crew", "killed_passengers", "killed_contractors", "medevac_requests", "medevac_granted",
)
"""Per-base counts (``outcomes.BASE_COUNTS``) a convoy leg adds to."""


@dataclass
class Routes:
    """Routes base → hub as padded arrays of shape (n_routes, max_segments)."""

    km: np.ndarray
    speed_kmh: np.ndarray
    ied_rate_per_100km: np.ndarray
    ambush_rate_per_100km: np.ndarray
    breakdowns_per_1000_vehicle_km: np.ndarray
    stationary_rate_per_hour: np.ndarray
    cleared: np.ndarray
    n_segments: np.ndarray

    @classmethod
    def build(cls, sc: Scenario, routes: list[list[Segment]]) -> Routes:
        width = max(1, max(len(r) for r in routes))
        shape = (len(routes), width)
        arrays = {name: np.zeros(shape) for name in (
            "km", "speed_kmh", "ied_rate_per_100km", "ambush_rate_per_100km",
            "breakdowns_per_1000_vehicle_km")}
        arrays["speed_kmh"][:] = 1.0
        stationary = np.zeros(shape)
        cleared = np.zeros(shape, dtype=bool)
        for i, route in enumerate(routes):
            for j, seg in enumerate(route):
                for name, arr in arrays.items():
                    arr[i, j] = getattr(seg, name)
                stationary[i, j] = sc.threats.levels[seg.threat].stationary_attack_rate_per_hour
                cleared[i, j] = seg.cleared
        return cls(**arrays, stationary_rate_per_hour=stationary, cleared=cleared,
                   n_segments=np.array([len(r) for r in routes], dtype=np.int64))


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
    counts: dict[str, np.ndarray]
    """``LEG_COUNTS`` of the leg."""
    hit: list[np.ndarray] = field(default_factory=list)
    """Per vehicle set: vehicles destroyed or abandoned."""
    lost: list[np.ndarray] = field(default_factory=list)
    """Per vehicle set: units of cargo lost with them."""
    base_killed: np.ndarray | None = None
    """Final convoys: the base's personnel killed (in action or of wounds)."""
    base_flown: np.ndarray | None = None
    """Final convoys: the base's wounded personnel flown out by medevac, alive."""


class _Convoys:
    """The convoys of one ``drive`` call as it goes: vehicle sets and their cargo as (sets, rows)
    arrays, and the leg's tallies. ``write_back`` returns the sets and cargo to the caller's arrays."""

    def __init__(self, groups: Sequence[np.ndarray], upt: Sequence[int], aboard: Sequence[np.ndarray | None],
                 leg: Leg) -> None:
        m = leg.arrive_hours.size
        self.groups, self.aboard, self.leg = groups, aboard, leg
        self.sets = np.stack([np.asarray(g, dtype=np.int64) for g in groups]) if len(groups) else np.zeros((0, m), np.int64)
        self.carried = np.stack([np.asarray(a, dtype=np.int64) if a is not None else np.zeros(m, dtype=np.int64)
                                 for a in aboard]) if len(aboard) else np.zeros((0, m), np.int64)
        self.upt = np.asarray(list(upt), dtype=np.int64)
        self.hit = np.zeros_like(self.sets)
        self.lost = np.zeros_like(self.sets)

    def vehicles(self, rows: np.ndarray) -> np.ndarray:
        return self.sets[:, rows].sum(axis=0)

    def remove(self, sets: np.ndarray, rows: np.ndarray) -> None:
        """One vehicle of set ``sets[i]`` in row ``rows[i]`` destroyed or abandoned, with its cargo.
        Pairs may repeat: ``k`` vehicles of one set lose ``min(k · upt, aboard)`` units, as one by one."""
        width = self.sets.shape[1]
        key, n = np.unique(np.asarray(sets, dtype=np.int64) * width + rows, return_counts=True)
        self.remove_n(key // width, key % width, n.astype(np.int64))

    def remove_n(self, s: np.ndarray, rows: np.ndarray, n: np.ndarray) -> None:
        """``n`` vehicles of set ``s[i]`` in ``rows[i]`` destroyed or abandoned (pairs distinct)."""
        self.sets[s, rows] -= n
        self.hit[s, rows] += n
        lost = np.minimum(n * self.upt[s], self.carried[s, rows])
        self.carried[s, rows] -= lost
        self.lost[s, rows] += lost

    def write_back(self) -> None:
        for i, g in enumerate(self.groups):
            g[:] = self.sets[i]
        for i, a in enumerate(self.aboard):
            if a is not None:
                a[:] = self.carried[i]
        self.leg.hit = list(self.hit)
        self.leg.lost = list(self.lost)


@dataclass
class Roads:
    """What every convoy drive needs: scenario, routes, streams, air cover; and where traffic per
    road is tallied (``None``: not tallied)."""

    sc: Scenario
    tally: RoadTally | None = field(default=None, kw_only=True)
    routes: Routes
    streams: Streams
    air: AirCoverTable
    security: SecurityState | None = None
    """The block's regime paths (MODEL.md §15); ``None`` without a security state."""

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
        escort_sets: Sequence[bool] | None = None,
        occupants: OccupantArrays | None = None,
    ) -> Leg:
        """Drive convoys (one per entry of ``rows``) over their routes, segment by segment.

        ``groups`` are vehicle counts per set (modified in place as vehicles are destroyed or
        abandoned); ``aboard`` the units carried by each set (modified in place, ``None`` for sets
        that carry nothing); ``upt`` the units per vehicle of each set. ``escort_sets`` marks the
        escort sets (their share of the convoy scales the escort factors, MODEL.md §12); without it
        an ``escorted`` convoy has the full factors (the aggregate model's final convoys).
        ``personnel`` (aggregate final convoys) caps the killed. ``occupants`` (people model) are
        the convoys' occupancy groups. ``final`` convoys draw from the ``final_`` streams, lift
        convoys from the others, so more or fewer lift rounds do not shift final-convoy draws
        (docs/architecture.md, "Randomness").
        """
        sc, rt = self.sc, self.routes
        eff = sc.threats.effects
        pre = "final_" if final else ""
        attacks, effects = self.streams[pre + "attacks"], self.streams[pre + "effects"]
        breakdowns, delays = self.streams[pre + "breakdowns"], self.streams[pre + "delays"]
        m = rows.size
        t = np.asarray(t0, dtype=float).copy()
        leg = Leg(t, {k: np.zeros(m, dtype=np.int64) for k in LEG_COUNTS})  # hit, lost: from write_back
        cv = _Convoys(groups, upt, aboard, leg)
        c = leg.counts
        occ = occupants
        evac = sc.medevac is not None or sc.died_of_wounds is not None
        records: list[tuple[np.ndarray, np.ndarray]] = []
        escort_idx = [i for i, e in enumerate(escort_sets or ()) if e]
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
            if occ is not None:
                n = occ.vehicles(on)
                share: np.ndarray | float = rules.escort_share(sc, occ.escorts(on), n) if escorted else 0.0
            else:
                n = cv.vehicles(on)
                if not escorted:
                    share = 0.0
                elif escort_sets is None:
                    share = 1.0
                else:
                    share = rules.escort_share(sc, cv.sets[escort_idx][:, on].sum(axis=0), n)
            if self.tally is not None:
                at_start = n if occ is None else cv.vehicles(on)
            start = t[on]
            cover = self.air.covered(rows[on], start)
            f = rules.active_factors(sc, share, armoured, seg.cleared, cover)
            scale_threat(sc, self.security, rows[on], start, f)
            fv = np.broadcast_to(f["vehicle"], on.shape)
            fc = np.broadcast_to(f["casualty"], on.shape)
            ied_m, amb_m, bd_m = rules.segment_means(sc, seg, n, f)
            ied = attacks.poisson(ied_m) if ied_m.any() else np.zeros(on.size, dtype=np.int64)
            amb = attacks.poisson(amb_m) if amb_m.any() else np.zeros(on.size, dtype=np.int64)
            bd = breakdowns.poisson(bd_m) if bd_m.any() else np.zeros(on.size, dtype=np.int64)
            drive = rules.drive_hours(sc, seg, n, f)
            if occ is not None:
                drive = drive / occ.speed_factor(on, sc.convoy.tow_speed_factor)
                w0 = occ.wounded[:, on].copy()
            delay = np.zeros(on.size)
            wounded_seg = np.zeros(on.size, dtype=np.int64)
            ev = np.flatnonzero((ied + amb + bd) > 0)
            if ev.size and occ is not None:
                delay[ev] = self._people_events(cv, occ, on[ev], ied[ev], amb[ev], bd[ev], fv[ev], fc[ev], pre)
            elif ev.size:
                e_ied, e_amb, e_bd = ied[ev], amb[ev], bd[ev]
                at = on[ev]
                vd = (rules.count_sum(effects, e_ied, eff.ied.vehicles_destroyed, fv[ev])
                      + rules.count_sum(effects, e_amb, eff.ambush.vehicles_destroyed, fv[ev]))
                by_attacks = np.minimum(vd, n[ev])
                by_breakdowns = np.zeros(ev.size, dtype=np.int64)
                if eff.breakdown.p_vehicle_lost > 0.0:
                    by_breakdowns = np.minimum(breakdowns.binomial(e_bd, eff.breakdown.p_vehicle_lost),
                                               n[ev] - by_attacks)
                wounded = (rules.count_sum(effects, e_ied, eff.ied.wounded, fc[ev])
                           + rules.count_sum(effects, e_amb, eff.ambush.wounded, fc[ev]))
                killed = (rules.count_sum(effects, e_ied, eff.ied.killed, fc[ev])
                          + rules.count_sum(effects, e_amb, eff.ambush.killed, fc[ev]))
                delay[ev] = (rules.delay_sum(delays, e_ied, eff.ied.delay_hours)
                             + rules.delay_sum(delays, e_amb, eff.ambush.delay_hours)
                             + rules.delay_sum(delays, e_bd, eff.breakdown.delay_hours))
                if personnel is not None:
                    killed = np.minimum(killed, personnel[at])
                    personnel[at] -= killed
                wounded_seg[ev] += wounded
                c["killed_in_action"][at] += killed
                c["vehicles_destroyed"][at] += by_attacks
                c["vehicles_abandoned"][at] += by_breakdowns
                self._destroy(cv, effects, at, by_attacks + by_breakdowns)
            c["ied_strikes"][on] += ied
            c["ambushes"][on] += amb
            c["breakdowns"][on] += bd
            end = rules.advance(sc, start, drive + delay)
            halted = end - start - drive
            rate = rt.stationary_rate_per_hour[r, s]
            exposed = np.flatnonzero((rate > 0.0) & (halted > 0.0) & (n > 0))
            stat: np.ndarray | None = None
            if exposed.size:
                n_stat = attacks.poisson(rules.stationary_mean(
                    rate[exposed], halted[exposed], np.broadcast_to(f["ambush"], on.shape)[exposed]))
                hit = np.flatnonzero(n_stat > 0)
                if hit.size:
                    at_local, k_stat = exposed[hit], n_stat[hit]
                    c["stationary_attacks"][on[at_local]] += k_stat
                    if self.tally is not None:
                        stat = np.zeros(on.size, dtype=np.int64)
                        stat[at_local] = k_stat
                    if occ is not None:
                        self._stationary_people(cv, occ, on[at_local], k_stat, fv[at_local], fc[at_local], pre)
                    else:
                        wounded_seg[at_local] += self._stationary_aggregate(
                            cv, on[at_local], k_stat, fv[at_local], fc[at_local], personnel, pre)
            if self.tally is not None:
                self.tally.add(rows[on], r, s, at_start, ied, amb, bd, stat)
            if occ is not None:
                w_seg = occ.wounded[:, on] - w0
            else:
                w_seg = np.zeros((KINDS, on.size), dtype=np.int64)
                w_seg[0] = wounded_seg
                c["wounded"][on] += wounded_seg
            if evac and w_seg.any():
                t_e = np.zeros(m)
                t_e[on] = (start + end) / 2.0
                full = np.zeros((KINDS, m), dtype=np.int64)
                full[:, on] = w_seg
                records.append((t_e, full))
            t[on] = end
        leg.arrive_hours = t
        cv.write_back()
        self._finish(leg, occ, records, personnel, pre, rows)
        return leg

    # ------------------------------------------------------------ aggregate model

    def _destroy(self, cv: _Convoys, effects: np.random.Generator, at: np.ndarray, destroyed: np.ndarray) -> None:
        """``destroyed`` vehicles spread over the convoy's sets without replacement (MODEL.md §6)."""
        hit_rows = np.flatnonzero(destroyed > 0)
        c = cv.leg.counts
        c["vehicles_lost"][at] += destroyed
        if hit_rows.size:
            at_h = at[hit_rows]
            split = rules.hypergeometric_split(effects, list(cv.sets[:, at_h]), destroyed[hit_rows])
            for gi, h in enumerate(split):
                cv.remove_n(np.full(at_h.size, gi), at_h, h)

    def _stationary_aggregate(self, cv: _Convoys, at: np.ndarray, k: np.ndarray, fv: np.ndarray, fc: np.ndarray,
                              personnel: np.ndarray | None, pre: str) -> np.ndarray:
        """The aggregate model's stationary attacks (MODEL.md §13): counts per attack; their wounded."""
        e = self.sc.threats.effects.stationary
        effects = self.streams[pre + "effects"]
        alive = cv.vehicles(at)
        vd = np.minimum(rules.count_sum(effects, k, e.vehicles_destroyed, fv), alive)
        wounded = rules.count_sum(effects, k, e.wounded, fc)
        killed = rules.count_sum(effects, k, e.killed, fc)
        if personnel is not None:
            killed = np.minimum(killed, personnel[at])
            personnel[at] -= killed
        cv.leg.counts["killed_in_action"][at] += killed
        cv.leg.counts["vehicles_destroyed"][at] += vd
        self._destroy(cv, effects, at, vd)
        return wounded

    # ------------------------------------------------------------ people model

    def _people_events(self, cv: _Convoys, occ: OccupantArrays, at: np.ndarray, ied: np.ndarray, amb: np.ndarray,
                       bd: np.ndarray, fv: np.ndarray, fc: np.ndarray, pre: str) -> np.ndarray:
        """A segment's IEDs, then its ambushes, then its breakdowns on the people model (MODEL.md
        §11), each event settled before the next; the segment's delays per row."""
        eff = self.sc.threats.effects
        effects, delays = self.streams[pre + "effects"], self.streams[pre + "delays"]
        delay = (rules.delay_sum(delays, ied, eff.ied.delay_hours) + rules.delay_sum(delays, amb, eff.ambush.delay_hours)
                 + rules.delay_sum(delays, bd, eff.breakdown.delay_hours))
        a = np.flatnonzero(ied + amb > 0)
        if a.size:
            delay[a] += attacks(occ, at[a], [(ied[a], eff.ied), (amb[a], eff.ambush)], fv[a], fc[a], effects, delays,
                                cv.remove, True)
        b = np.flatnonzero(bd > 0)
        if b.size:
            delay[b] += breakdowns(occ, at[b], bd[b], eff.breakdown.p_repair, eff.breakdown.repair_hours,
                                   self.streams[pre + "breakdowns"], effects, delays, cv.remove)
        return delay

    def _stationary_people(self, cv: _Convoys, occ: OccupantArrays, at: np.ndarray, k: np.ndarray, fv: np.ndarray,
                           fc: np.ndarray, pre: str) -> None:
        """Stationary attacks on the people model (MODEL.md §13): no delay of their own."""
        e = self.sc.threats.effects.stationary
        effects, delays = self.streams[pre + "effects"], self.streams[pre + "delays"]
        attacks(occ, at, [(k, e)], fv, fc, effects, delays, cv.remove, False)

    # ------------------------------------------------------------ the end of the leg

    def _finish(self, leg: Leg, occ: OccupantArrays | None, records: list[tuple[np.ndarray, np.ndarray]],
                personnel: np.ndarray | None, pre: str, leg_rows: np.ndarray) -> None:
        """People's tallies, medevac and deaths of wounds at the end of the leg (MODEL.md §14)."""
        c = leg.counts
        sc = self.sc
        m = leg.arrive_hours.size
        if occ is not None:
            c["wounded"] += occ.wounded.sum(axis=0)
            c["killed_in_action"] += occ.killed.sum(axis=0)
            c["vehicles_destroyed"] += occ.destroyed
            c["vehicles_damaged"] += occ.damaged
            c["vehicles_repaired"] += occ.repaired
            c["vehicles_towed"] += occ.towed
            c["vehicles_abandoned"] += occ.abandoned
            c["vehicles_lost"] += occ.destroyed + occ.abandoned
            c["wounded_crew"] += occ.wounded[0] + occ.wounded[1]
            c["wounded_passengers"] += occ.wounded[PASSENGERS]
            c["wounded_contractors"] += occ.wounded[CONTRACTORS]
            killed = occ.killed.copy()
        else:
            killed = np.zeros((KINDS, m), dtype=np.int64)
        deaths = np.zeros((KINDS, m), dtype=np.int64)
        flown = np.zeros((KINDS, m), dtype=np.int64)
        if records:
            out = evacuate(sc, records, leg.arrive_hours, self.streams[pre + "medevac"], self.streams[pre + "wounds"],
                           self.security, leg_rows)
            deaths, flown = out.deaths, out.flown
            c["medevac_requests"] += out.requests
            c["medevac_granted"] += out.granted
        dead = deaths.sum(axis=0)
        c["died_of_wounds"] += dead
        c["killed"] += c["killed_in_action"] + dead
        if occ is not None:
            killed += deaths
            c["killed_crew"] += killed[0] + killed[1]
            c["killed_passengers"] += killed[PASSENGERS]
            c["killed_contractors"] += killed[CONTRACTORS]
            leg.base_killed = killed[0] + killed[PASSENGERS]
            leg.base_flown = flown[0] + flown[PASSENGERS]
        elif personnel is not None:  # aggregate final convoys: deaths of the base's personnel, capped
            personnel -= np.minimum(dead, personnel)
