"""Truck lifts (MODEL.md §5): a fleet at a hub running rounds to the bases it serves."""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy
from simpy.events import ConditionValue
from simpy.resources.resource import Request

from sim.model import rules
from sim.model.schema import Lift

from .authorizations import GRANTED, STATUS, Chain, Requests
from .people import Occupants
from .road import ConvoyState, convoy
from .simpy_internals import OwnEvent, late, own_event, reschedule
from .state import BaseState, Replication


@dataclass
class Round:
    """One round of a lift: its target base, convoys and the departures from the base so far."""

    lift: str
    index: int
    base: BaseState
    n_convoys: int
    spec: Lift
    previous_departure_hours: float = -math.inf


def choose(rep: Replication, bases: list[BaseState], g: float) -> tuple[BaseState | None, bool]:
    """The round's target at grant time ``g`` (earliest known leave-by), and whether to idle."""
    best, best_leave, idle = None, math.inf, False
    for b in bases:
        leave, cutoff = b.known(g)
        if not g < cutoff:
            continue
        wf = rep.static.withdraw_from[b.name]
        if wf <= g and b.pool_total() > 0 and leave < best_leave:
            best, best_leave = b, leave
        if wf > g or b.n_open_cargo_chains > 0:
            idle = True
    return best, idle and best is None


def lift(rep: Replication, name: str, spec: Lift) -> Generator[simpy.Event, Any, None]:
    """The lift's rounds: authorization, target, convoys out and back, until it stands down."""
    env, static = rep.env, rep.static
    sc = static.sc
    bases = [rep.bases[b] for b in spec.serves]
    start = min(static.withdraw_from[b] for b in spec.serves)
    if spec.available_from is not None:
        start = max(start, sc.hours(spec.available_from))
    if start > env.now:
        yield env.timeout(start - env.now)
    big, q = sc.convoy.max_vehicles, sc.convoy.escorts_per_convoy
    spacing = sc.convoy.min_spacing_hours
    latest_cutoff = max(static.planned_cutoff[b] for b in spec.serves)
    trucks = spec.trucks
    escorts = spec.escorts  # the pool (MODEL.md §5.3, §12)
    rec = rep.recorder
    requests = None
    if rules.lift_needs_authorization(sc, spec):
        p_road = static.p_road if rep.regimes is None else rep.regimes.p_grant("road_movements", static.p_road)
        requests = Requests(env, sc.road_movements, p_road, rep.draws("road_delay"), rep.draws("road_u"))
    for index in itertools.count():
        n_req = 0
        if requests is not None:
            on_decision = None
            if rec is not None:
                def on_decision(d: float, ok: bool) -> None:
                    rec.event(d, "road_request", None, name, None, detail="granted" if ok else "denied")
            res = Chain(requests, latest_cutoff, on_decision)
            yield res.done
            n_req = res.n_requests
            if res.status != GRANTED:
                bases[0].counts["road_requests"] += n_req
                if rec is not None:
                    rec.event(res.time_hours, "road_request", None, name, None, detail=STATUS[res.status])
                return
        yield late(env)
        g = env.now
        target, idle = choose(rep, bases, g)
        (target or bases[0]).counts["road_requests"] += n_req
        if target is None:
            if not idle:
                return
            yield env.timeout(spec.idle_check_hours)
            continue
        pool = {c: target.pool[c] for c in static.truck_classes}
        n = min(static.truckloads(pool), trucks)
        k = rules.convoys_per_round_one(n, big, q, escorts)
        if k == 0:
            return
        rnd = Round(name, index, target, k, spec)
        procs = [
            env.process(lift_convoy(rep, rnd, i, int(rules.split_even(n, k, i)), g + i * spacing))
            for i in range(k)
        ]
        done: ConditionValue = yield env.all_of(procs)  # each convoy's (trucks, escorts) lost
        trucks -= sum(lost[0] for lost in done.values())
        escorts -= sum(lost[1] for lost in done.values())


def loading(env: simpy.Environment, teams: simpy.Resource, trucks: int, hours: float) -> simpy.Event:
    """Load ``trucks`` trucks with the base's loading teams (a Resource of ``teams.capacity``).

    Up to ``capacity`` team requests are made; a granted team loads trucks one after another,
    ``hours`` each, while trucks are left to start, then releases. The returned event fires when
    the last truck is loaded: with the teams free the makespan is ``ceil(trucks / capacity) ·
    hours``, and teams busy elsewhere delay it as the Resource decides.

    Each truck starts as soon as a team is free, so the times are those of a request per truck
    (the same sums of ``hours``; a test compares the two with teams busy elsewhere), for a third of
    the events: a truck costs one event, a team its request and release.
    """
    done = env.event()
    if trucks <= 0:
        return done.succeed()
    job = _Loading(env, teams, hours, trucks, done)
    for _ in range(min(trucks, int(teams.capacity))):
        teams.request().callbacks.append(job.start)
    return done


class _Loading:
    """One convoy's trucks being loaded: callbacks, not processes. A granted team schedules one
    event of its own again for each truck it loads (as ``authorizations.Chain`` does), so a truck
    costs one event and no new ``Timeout``. Nothing here refers back to itself: a finished loading
    is freed without the cycle collector."""

    __slots__ = ("env", "teams", "hours", "to_start", "to_load", "done")

    def __init__(self, env: simpy.Environment, teams: simpy.Resource, hours: float, trucks: int,
                 done: simpy.Event) -> None:
        self.env, self.teams, self.hours, self.done = env, teams, hours, done
        self.to_start = self.to_load = trucks

    def start(self, req: Request) -> None:
        """Team request ``req`` is granted: load the next truck, or release if none is left."""
        if not self.to_start:
            self.teams.release(req)
            return
        self.to_start -= 1
        tick = own_event(self.env, req)  # its value: the team, while it loads
        reschedule(self.env, tick, self.loaded, self.hours)

    def loaded(self, tick: OwnEvent[Request]) -> None:
        """A team has loaded a truck: it loads the next, or is released."""
        self.to_load -= 1
        if self.to_start:
            self.to_start -= 1
            reschedule(self.env, tick, self.loaded, self.hours)
            return
        self.teams.release(tick.value)
        if not self.to_load:
            self.done.succeed()


def _crews(rep: Replication, spec: Lift, sets: list[tuple[str | None, int]]) -> Occupants | None:
    """The occupancy groups of a lift convoy in the people model (crews only); ``None`` otherwise."""
    static = rep.static
    if not static.people:
        return None
    truck = spec.truck_type or ""
    typed = [(t if t is not None else truck, n) for t, n in sets]
    return Occupants.seated(static.type_info, static.seating_order, static.sc.vehicle_types, typed, 0, 0)


def lift_convoy(
    rep: Replication, rnd: Round, i: int, trucks: int, depart_hours: float
) -> Generator[simpy.Event, object, tuple[int, int]]:
    """Convoy ``i`` of a round: out to the base, loaded, back to the hub. Returns the trucks and
    the escorts lost on the way (destroyed or abandoned)."""
    env, static = rep.env, rep.static
    sc = static.sc
    b = rnd.base
    q = sc.convoy.escorts_per_convoy
    route = static.routes[b.name]
    ident = f"{rnd.lift}/r{rnd.index}/c{i}"
    rec = rep.recorder
    if depart_hours > env.now:
        yield env.timeout(depart_hours - env.now)
    b.counts["convoys"] += 1
    spec = rnd.spec
    out = ConvoyState(ident, "outbound", rnd.lift, b, [q, trucks], [1, 1], [None, None], q > 0, False,
                      n_trucks=[False, True], escort_sets=[True, False],
                      occupants=_crews(rep, spec, [(spec.escort_type, q), (spec.truck_type, trucks)]))
    yield from convoy(rep, out, route, True)
    arrival = env.now
    # escorts lost on the way are gone from the pool: the return leg drives with the survivors
    trucks = out.groups[1]
    escorts = out.groups[0]
    destroyed = out.hit[1]
    # convoys arriving together are loaded in convoy order
    yield late(env, rank=i / (rnd.n_convoys + 1))
    got = {c: 0 for c in static.truck_classes}
    took = dict(got)
    area, teams = b.loading_resources(env, static.specs[b.name].loading.teams)
    with area.request() as req:
        yield req
        yield late(env)
        s = env.now
        ready = arrival
        if s < b.cutoff_hours:
            got, took = static.load(b.pool, trucks)
            for c in static.truck_classes:
                b.pool[c] -= got[c]
            used = sum(took.values())
            if rec is not None:
                rec.event(s, "loading_start", b.name, rnd.lift, ident, detail=f"trucks={used} units={sum(got.values())}")
            if used:
                hours = static.specs[b.name].loading.hours_per_truck_load
                proc = loading(env, teams, used, hours)
                if sum(got.values()):
                    b.loads_pending.append(proc)
                b.check_done()
                yield proc
                if sum(got.values()):
                    b.last_load_end_hours = max(b.last_load_end_hours, env.now)
            if rec is not None:
                rec.event(env.now, "loading_end", b.name, rnd.lift, ident)
            ready = env.now
        depart = max(ready, rnd.previous_departure_hours + sc.convoy.min_spacing_hours)
        rnd.previous_departure_hours = depart
    if depart > env.now:
        yield env.timeout(depart - env.now)
    classes = static.truck_classes
    empty = trucks - sum(took.values())
    sets: list[tuple[str | None, int]] = [(spec.escort_type, escorts), *((spec.truck_type, took[c]) for c in classes),
                                          (spec.truck_type, empty)]
    back = ConvoyState(ident, "return", rnd.lift, b, [escorts, *(took[c] for c in classes), empty],
                       [1, *(static.upt[c] for c in classes), 1], [None, *(got[c] for c in classes), None],
                       q > 0, False, n_trucks=[False, *(True for _ in classes), True],
                       escort_sets=[True, *(False for _ in classes), False], occupants=_crews(rep, spec, sets))
    yield from convoy(rep, back, route, False)
    arrived = 0
    for ic, c in enumerate(classes):
        lost = back.lost[ic + 1]
        b.add_fate(c, "lost", lost)
        b.add_fate(c, "road", got[c] - lost)
        arrived += got[c] - lost
    if arrived:
        b.out_cargo.append((env.now, arrived))
    if sum(got.values()):
        b.last_arrival_hours = max(b.last_arrival_hours, env.now)
    return destroyed + sum(back.hit[1:]), out.hit[0] + back.hit[0]
