"""A convoy on the road (MODEL.md §6): driven segment by segment, one timeout per segment."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from sim.model import rules
from sim.model.network import Segment

from .state import BaseState, Replication

if TYPE_CHECKING:
    import numpy as np

    from .draws import Draws


@dataclass
class ConvoyState:
    """Vehicles of a convoy in groups (escorts, trucks by class, empty trucks, or self-propelled
    units by class), the units each group carries (``None``: nothing), and who it belongs to."""

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
    """Which groups are trucks (for ``trucks_lost``)."""
    hit: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    killed_aboard: int = 0
    personnel_at_start: int | None = None
    """Personnel aboard at the start of the current segment (for the trace)."""

    def __post_init__(self) -> None:
        self.hit = [0] * len(self.groups)
        self.lost = [0] * len(self.groups)


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
    escorted, armoured = cv.escorted, cv.armoured
    never_covered, covered = rep.air_cover.never, rep.air_cover.covered
    for j, seg in enumerate(reversed(segments) if toward_base else segments):
        t = env.now
        n = sum(cv.groups)
        if rec is not None:
            at_start = list(cv.groups)
            cv.personnel_at_start = cv.personnel
        flags = (escorted, armoured, seg.cleared, False if never_covered else covered(t))
        ied_m, amb_m, bd_m, drive = static.segment(seg, n, flags)
        ied = poisson(attack_u, attacks, ied_m)
        amb = poisson(attack_u, attacks, amb_m)
        bd = poisson(breakdown_count_u, breakdowns, bd_m)
        delay: float = 0
        destroyed = wounded = killed = 0
        if ied or amb or bd:
            f = static.factors(flags)
            if effects is None:
                effects, delays = streams[pre + "effects"], streams[pre + "delays"]
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
                    delay += dh
                    if rec is not None:
                        rec.incident(rep, t, drive, "breakdown", cv, seg, toward=toward_base, vd=lost, w=0, k=0, dh=dh)
            if destroyed:
                split = rules.hypergeometric_split_one(effects, cv.groups, destroyed)
                for gi, h in enumerate(split):
                    if not h:
                        continue
                    cv.groups[gi] -= h
                    cv.hit[gi] += h
                    if cv.n_trucks[gi]:
                        counts["trucks_lost"] += h
                    carried = cv.aboard[gi]
                    if carried is not None:
                        lost_units = min(h * cv.upt[gi], carried)
                        cv.aboard[gi] = carried - lost_units
                        cv.lost[gi] += lost_units
        end = static.advance(t, drive + delay)
        if end > t:
            yield env.timeout(end - t)
        if ied or amb or bd:
            counts["ied_strikes"] += ied
            counts["ambushes"] += amb
            counts["breakdowns"] += bd
            counts["wounded"] += wounded
            counts["killed"] += killed
            counts["vehicles_lost"] += destroyed
        if rec is not None:
            rec.leg(rep, cv, j, seg, toward_base, t, end, at_start, ied, amb, bd, drive, delay)
    b.road_hours += env.now - depart
    if rec is not None:
        rec.event(env.now, "convoy_arrive", b.name, cv.lift, cv.ident, detail=cv.kind)
    return env.now
