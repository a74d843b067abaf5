"""A convoy on the road (MODEL.md §6, §11-§14): driven segment by segment, one timeout per segment."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from sim.model import rules
from sim.model.network import Segment

from .people import CONTRACTORS, KINDS, PASSENGERS, Damage, Occupants, breakdown_damage, evacuate, strike
from .state import BaseState, Replication

if TYPE_CHECKING:
    import numpy as np

    from .draws import Draws


@dataclass
class ConvoyState:
    """Vehicles of a convoy in sets (escorts, trucks by class, empty trucks, or self-propelled units
    by class and the seat vehicles), the units each set carries (``None``: nothing), and who it
    belongs to. With the people model, ``occupants`` holds its occupancy groups."""

    ident: str
    kind: str  # outbound, return, final
    lift: str
    base: BaseState
    groups: list[int]
    upt: list[int]
    aboard: list[int | None]
    escorted: bool
    armoured: bool
    personnel: int | None = None
    n_trucks: list[bool] = field(default_factory=list)
    """Which sets are trucks (for ``trucks_lost``)."""
    escort_sets: list[bool] = field(default_factory=list)
    """Which sets are escort vehicles (the escort ratio, MODEL.md §12)."""
    occupants: Occupants | None = None
    hit: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    killed_aboard: int = 0
    personnel_at_start: int | None = None
    """Personnel aboard at the start of the current segment (for the trace)."""
    spent: int = 0
    """People model: vehicles hit and repaired, which drive on but are not hit again."""
    evac: list[tuple[float, list[int]]] = field(default_factory=list)
    """Per segment with wounded: its middle time and the wounded by kind (MODEL.md §14)."""
    base_killed: int = 0
    """People model: the base's personnel killed in action aboard."""
    base_flown: int = 0
    """The base's wounded personnel flown out by medevac, alive."""

    def __post_init__(self) -> None:
        self.hit = [0] * len(self.groups)
        self.lost = [0] * len(self.groups)
        if not self.escort_sets:
            self.escort_sets = [False] * len(self.groups)

    def remove(self, s: int, n: int) -> None:
        """``n`` vehicles of set ``s`` destroyed or abandoned: out of the convoy, their cargo lost."""
        self.groups[s] -= n
        self.hit[s] += n
        carried = self.aboard[s]
        if carried is not None:
            lost_units = min(n * self.upt[s], carried)
            self.aboard[s] = carried - lost_units
            self.lost[s] += lost_units
        if self.n_trucks[s]:
            self.base.counts["trucks_lost"] += n


def _escort_share(rep: Replication, cv: ConvoyState) -> float:
    """MODEL.md §12: the aggregate model's final convoys are fully escorted when flagged; other
    convoys by their escort vehicles still driving."""
    if not cv.escorted:
        return 0.0
    if cv.kind == "final" and cv.occupants is None:
        return 1.0
    occ = cv.occupants
    if occ is not None:
        escorts, n = occ.escorts(), occ.vehicles() + cv.spent
    else:
        escorts = sum(g for g, e in zip(cv.groups, cv.escort_sets, strict=True) if e)
        n = sum(cv.groups)
    return rules.escort_share_one(rep.static.escort_full_ratio, escorts, n)


def convoy(
    rep: Replication, cv: ConvoyState, segments: list[Segment], toward_base: bool
) -> Generator[simpy.Event, object, float]:
    """Drive ``cv`` over a route (segments base → hub; driven reversed ``toward_base``) from
    ``env.now``; tally on its base; return the arrival time."""
    env, static, streams = rep.env, rep.static, rep.streams
    sc = static.sc
    eff = sc.threats.effects
    b = cv.base
    counts = b.counts
    depart = env.now
    rec = rep.recorder
    occ = cv.occupants
    if rec is not None:
        rec.event(env.now, "convoy_depart", b.name, cv.lift, cv.ident, detail=cv.kind)
    # final convoys draw from their own streams: lift rounds do not shift them (docs/architecture.md, "Randomness")
    pre = "final_" if cv.kind == "final" else ""
    attacks, breakdowns = streams[pre + "attacks"], streams[pre + "breakdowns"]
    # made at the first incident: most convoys have none
    effects: np.random.Generator | None = None
    delays: np.random.Generator  # made with effects
    bd_u: Draws | None = None
    bd_delay: Draws  # made with bd_u
    attack_u, breakdown_count_u = rep.draws(pre + "attack_u"), rep.draws(pre + "breakdown_count_u")
    p_lost = eff.breakdown.p_vehicle_lost
    poisson = rules.poisson_count
    armoured = cv.armoured
    never_covered, covered = rep.air_cover.never, rep.air_cover.covered
    stationary = static.stationary
    threat_at = rep.threat  # the regime's and the night's factors (MODEL.md §15-§16), where any differs from 1
    per_road = rep.roads
    for j, seg in enumerate(reversed(segments) if toward_base else segments):
        t = env.now
        n = sum(cv.groups) if occ is None else occ.vehicles() + cv.spent
        if per_road is not None:
            at_start_vehicles = n if occ is None else sum(cv.groups)
        if rec is not None:
            at_start = list(cv.groups)
            cv.personnel_at_start = cv.personnel
        flags = (_escort_share(rep, cv), armoured, seg.cleared, False if never_covered else covered(t))
        threat = None if threat_at is None else threat_at(t)
        ied_m, amb_m, bd_m, drive = static.segment(seg, n, flags, threat)
        if occ is not None:
            drive = drive / occ.speed_factor(sc.convoy.tow_speed_factor)
        ied = poisson(attack_u, attacks, ied_m)
        amb = poisson(attack_u, attacks, amb_m)
        bd = poisson(breakdown_count_u, breakdowns, bd_m)
        delay: float = 0
        destroyed = wounded = killed = 0
        before = (list(occ.wounded), list(occ.killed)) if occ is not None else None
        if ied or amb or bd:
            f = static.factors(flags, threat)
            if effects is None:
                effects, delays = streams[pre + "effects"], streams[pre + "delays"]
            if occ is not None:
                for kind, n_ev, e in (("ied", ied, eff.ied), ("ambush", amb, eff.ambush)):
                    for _ in range(n_ev):
                        w0, k0 = sum(occ.wounded), sum(occ.killed)
                        _, dead, dmg = strike(occ, e, f["vehicle"], f["casualty"], effects,
                                              lambda g: cv.remove(occ.source[g], 1))
                        destroyed += dead
                        delay += _resolve(cv, occ, dmg, effects, delays, True)
                        dh = float(rules.draw_delay(delays, e.delay_hours))
                        delay += dh
                        if rec is not None:
                            rec.incident(rep, t, drive, kind, cv, seg, toward=toward_base, vd=dead,
                                         w=sum(occ.wounded) - w0, k=sum(occ.killed) - k0, dh=dh)
                if bd:
                    if bd_u is None:
                        bd_u, bd_delay = rep.draws(pre + "breakdown_u"), rep.draws(pre + "breakdown_delay")
                    for _ in range(bd):
                        d = breakdown_damage(occ, bd_u(), eff.breakdown.p_repair, eff.breakdown.repair_hours)
                        if d is not None:
                            delay += _resolve(cv, occ, [d], effects, delays, True)
                        dh = bd_delay()
                        delay += dh
                        if rec is not None:
                            rec.incident(rep, t, drive, "breakdown", cv, seg, toward=toward_base, vd=0, w=0, k=0, dh=dh)
            else:
                alive = n
                for kind, n_ev, e in (("ied", ied, eff.ied), ("ambush", amb, eff.ambush)):
                    for _ in range(n_ev):
                        vd = min(rules.count_one(effects, e.vehicles_destroyed, f["vehicle"]), alive)
                        w = rules.count_one(effects, e.wounded, f["casualty"])
                        k = rules.count_one(effects, e.killed, f["casualty"])
                        if cv.personnel is not None:
                            k = min(k, cv.personnel)
                            cv.personnel -= k
                            cv.killed_aboard += k
                        dh = float(rules.draw_delay(delays, e.delay_hours))
                        alive -= vd
                        destroyed += vd
                        wounded += w
                        killed += k
                        delay += dh
                        if rec is not None:
                            rec.incident(rep, t, drive, kind, cv, seg, toward=toward_base, vd=vd, w=w, k=k, dh=dh)
                lost_bd = 0
                if bd:
                    if bd_u is None:
                        bd_u, bd_delay = rep.draws(pre + "breakdown_u"), rep.draws(pre + "breakdown_delay")
                    for _ in range(bd):
                        lost = 0
                        if p_lost > 0.0 and alive > 0:
                            lost = int(bd_u() < p_lost)
                        dh = bd_delay()
                        alive -= lost
                        destroyed += lost
                        lost_bd += lost
                        delay += dh
                        if rec is not None:
                            rec.incident(rep, t, drive, "breakdown", cv, seg, toward=toward_base, vd=lost, w=0, k=0, dh=dh)
                if destroyed:
                    split = rules.hypergeometric_split_one(effects, cv.groups, destroyed)
                    for gi, h in enumerate(split):
                        if h:
                            cv.remove(gi, h)
                counts["vehicles_abandoned"] += lost_bd
                counts["vehicles_destroyed"] += destroyed - lost_bd
        end = static.advance(t, drive + delay)
        n_stat = 0
        if stationary:
            rate = static.stationary_rate[seg.threat]
            if rate > 0.0 and end - t - drive > 0.0 and n > 0:
                f = static.factors(flags, threat)
                n_stat = poisson(attack_u, attacks, float(rules.stationary_mean(rate, end - t - drive, f["ambush"])))
                if n_stat:
                    if effects is None:
                        effects, delays = streams[pre + "effects"], streams[pre + "delays"]
                    e = eff.stationary
                    if occ is not None:
                        for _ in range(n_stat):
                            _, dead, dmg = strike(occ, e, f["vehicle"], f["casualty"], effects,
                                                  lambda g: cv.remove(occ.source[g], 1))
                            destroyed += dead
                            _resolve(cv, occ, dmg, effects, delays, False)
                    else:
                        alive = sum(cv.groups)
                        vd_stat = 0
                        for _ in range(n_stat):
                            vd = min(rules.count_one(effects, e.vehicles_destroyed, f["vehicle"]), alive)
                            w = rules.count_one(effects, e.wounded, f["casualty"])
                            k = rules.count_one(effects, e.killed, f["casualty"])
                            if cv.personnel is not None:
                                k = min(k, cv.personnel)
                                cv.personnel -= k
                                cv.killed_aboard += k
                            alive -= vd
                            vd_stat += vd
                            wounded += w
                            killed += k
                        if vd_stat:
                            for gi, h in enumerate(rules.hypergeometric_split_one(effects, cv.groups, vd_stat)):
                                if h:
                                    cv.remove(gi, h)
                        destroyed += vd_stat
                        counts["vehicles_destroyed"] += vd_stat
        if occ is not None and before is not None:
            w_seg = [a - b_ for a, b_ in zip(occ.wounded, before[0], strict=True)]
            wounded = sum(w_seg)
            killed = sum(a - b_ for a, b_ in zip(occ.killed, before[1], strict=True))
            if wounded and static.evacuation:
                cv.evac.append(((t + end) / 2.0, w_seg))
        elif wounded and static.evacuation:
            cv.evac.append(((t + end) / 2.0, [wounded, 0, 0, 0]))
        if end > t:
            yield env.timeout(end - t)
        if ied or amb or bd or n_stat:
            counts["ied_strikes"] += ied
            counts["ambushes"] += amb
            counts["breakdowns"] += bd
            counts["stationary_attacks"] += n_stat
            counts["wounded"] += wounded
            counts["killed"] += killed
            counts["killed_in_action"] += killed
            counts["vehicles_lost"] += destroyed
        if per_road is not None:
            per_road.add(seg, at_start_vehicles, ied, amb, bd, n_stat)
        if rec is not None:
            rec.leg(rep, cv, j, seg, toward_base, t, end, at_start, ied, amb, bd, drive, delay)
    arrival = env.now
    if occ is not None:
        counts["vehicles_lost"] += occ.abandoned
        _tally_people(cv, occ)
    if cv.evac:
        _evacuate(rep, cv, occ, pre, arrival)
    b.road_hours += arrival - depart
    if rec is not None:
        rec.event(arrival, "convoy_arrive", b.name, cv.lift, cv.ident, detail=cv.kind)
    return arrival





def _resolve(cv: ConvoyState, occ: Occupants, damages: list[Damage], effects: np.random.Generator,
             delays: np.random.Generator, with_delay: bool) -> float:
    """Damaged vehicles in order of damage (MODEL.md §11): repaired, towed or abandoned; the repair
    hours added to the segment's delays (``with_delay``)."""
    delay = 0.0
    for d in damages:
        occ.damaged += 1
        hit_by_event = d.repair is not None
        if float(effects.random()) < d.p_repair:
            occ.repaired += 1
            if with_delay:
                delay += float(rules.draw_delay(delays, d.repair_hours))
            if hit_by_event:
                cv.spent += 1
            continue
        if not hit_by_event:
            occ.counts[d.group] -= 1
        if occ.tow_capacity() >= 1:
            occ.towed += 1
            occ.towing = True
            continue
        occ.abandoned += 1
        cv.remove(occ.source[d.group], 1)
    return delay


def _tally_people(cv: ConvoyState, occ: Occupants) -> None:
    c = cv.base.counts
    c["wounded_crew"] += occ.wounded[0] + occ.wounded[1]
    c["wounded_passengers"] += occ.wounded[PASSENGERS]
    c["wounded_contractors"] += occ.wounded[CONTRACTORS]
    c["killed_crew"] += occ.killed[0] + occ.killed[1]
    c["killed_passengers"] += occ.killed[PASSENGERS]
    c["killed_contractors"] += occ.killed[CONTRACTORS]
    c["vehicles_destroyed"] += occ.destroyed
    c["vehicles_damaged"] += occ.damaged
    c["vehicles_repaired"] += occ.repaired
    c["vehicles_towed"] += occ.towed
    c["vehicles_abandoned"] += occ.abandoned
    cv.base_killed = occ.killed[0] + occ.killed[PASSENGERS]


def _evacuate(rep: Replication, cv: ConvoyState, occ: Occupants | None, pre: str, arrival: float) -> None:
    """Medevac and deaths of wounds of the leg's wounded (MODEL.md §14)."""
    sc = rep.static.sc
    grant = None if rep.regimes is None else rep.regimes.grant_factor("medevac", len(cv.evac))
    deaths, n_req, n_granted, flown = evacuate(sc, cv.evac, arrival, rep.streams[pre + "medevac"],
                                               rep.streams[pre + "wounds"], grant)
    c = cv.base.counts
    dead = sum(deaths)
    c["died_of_wounds"] += dead
    c["killed"] += dead
    c["medevac_requests"] += n_req
    c["medevac_granted"] += n_granted
    if occ is not None:
        c["killed_crew"] += deaths[0] + deaths[1]
        c["killed_passengers"] += deaths[PASSENGERS]
        c["killed_contractors"] += deaths[CONTRACTORS]
        cv.base_killed += deaths[0] + deaths[PASSENGERS]
        cv.base_flown += flown[0] + flown[PASSENGERS]
    elif cv.personnel is not None:  # aggregate final convoys: deaths of the base's personnel, capped
        k = min(dead, cv.personnel)
        cv.personnel -= k
        cv.killed_aboard += k
    assert len(deaths) == KINDS
