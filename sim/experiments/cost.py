"""The cost of a run, estimated from the scenario alone before anything runs (no simulation).

The expected work of one replication is counted in *units*: a convoy driving one segment, one
road event (IED strike, ambush, breakdown, stationary attack) or vehicle hit, one try of a request
chain (flights, lift rounds, medevac), one check of a served base by a lift round (a lift round
looks at every base it serves, so rounds × bases served). The SimPy engine pays each unit in
Python; the batch engine pays an array pass per unit and block (numpy's per-call overhead, the
same for a block of 1 or 4,096 rows) plus per row. The constants below turn units into CPU
seconds; they were measured on the development machine (2 cores, see ``docs/architecture.md``,
"Bounded time") on the three shipped scenarios and the issue-21 extreme cases, and are meant to be
right within a factor of a few, not exactly: the budget check refuses runs that are hours too
long, and the bounded-time property test allows a generous multiple of the estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model import rules
from sim.model.schema import Authorization, Scenario

DES_SECONDS_PER_UNIT = 2.5e-6
"""SimPy engine: CPU seconds per unit of work (one replication pays ``DES_SECONDS_PER_REPLICATION``
plus this per unit). Measured on the development machine."""
DES_SECONDS_PER_REPLICATION = 1.4e-3
"""SimPy engine: fixed CPU seconds per replication (building the environment and processes)."""
BATCH_SECONDS_PER_PASS = 2.0e-4
"""Batch engine: CPU seconds per unit of work and block (numpy calls on a block's arrays)."""
BATCH_SECONDS_PER_ROW_UNIT = 2.0e-8
"""Batch engine: CPU seconds per unit of work and replication (the element work of those calls)."""
BATCH_SECONDS_PER_BLOCK = 0.13
"""Batch engine: fixed CPU seconds per block (setting up its arrays and streams)."""
TRY_WEIGHT = 0.25
"""A request try costs a quarter of a unit (a few arithmetic steps in either engine)."""
BLOCK = 4096
"""Replications per batch block (``sim.engines.blocks.BLOCK_SIZE``; not imported, to keep this
module free of numpy at import time)."""

DEFAULT_BUDGET_HOURS = 2.0
"""CPU-hours a run (or sweep, or comparison) may be estimated to take before it is refused;
``--budget HOURS`` raises it, ``--force`` skips the check."""


@dataclass(frozen=True)
class Work:
    """Expected work of one replication, by kind (units, see the module docstring)."""

    segments: float
    """Convoy legs × segments driven (lift convoys out and back, final convoys)."""
    events: float
    """Road events (IED strikes, ambushes, breakdowns, stationary attacks) and vehicles hit."""
    tries: float
    """Tries of request chains: flights, lift rounds' road movements, medevac."""
    round_checks: float
    """Lift rounds (idle ones included) × bases served."""
    hit_draws: float = 0.0
    """Vehicles hit per segment (at most the convoy's vehicles + 1) × occupancy groups, plus the
    segment's events: the batch engine's hit table of a segment (rows × groups × hits)."""
    rounds: float = 0.0
    """Lift rounds (idle ones included): the batch engine chooses every round's target over all the
    bases a lift serves in a few array passes (the element work is ``round_checks``)."""

    @property
    def units(self) -> float:
        return self.segments + self.events + TRY_WEIGHT * self.tries + self.round_checks


@dataclass(frozen=True)
class Estimate:
    """An estimated run: the work per replication and the CPU seconds of all replications."""

    engine: str
    replications: int
    arms: int
    work: Work
    cpu_seconds: float

    def describe(self) -> str:
        w = self.work
        arms = f" × {self.arms} arms" if self.arms > 1 else ""
        return (f"estimated {hours_text(self.cpu_seconds)} of CPU for {self.replications:,} {self.engine} "
                f"replications{arms} (per replication: {w.segments:,.0f} convoy-segments, {w.events:,.0f} road "
                f"events and hits, {w.tries:,.0f} request tries, {w.round_checks:,.0f} lift round checks)")


def hours_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.1f} CPU-seconds"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} CPU-minutes"
    return f"{seconds / 3600:,.1f} CPU-hours"


def expected_tries(auth: Authorization, window_hours: float) -> float:
    """Expected decided tries of one chain (MODEL.md §2) open for ``window_hours``: 1/p at the
    lowest grant probability, at most the tries that fit (``give_up_hours``, or the window)."""
    step = auth.retry_hours + auth.decision_delay_hours.mean
    fit = (auth.give_up_hours / auth.retry_hours if auth.give_up_hours is not None
           else max(window_hours, 0.0) / step) + 1.0
    p = min([auth.p_grant, *(x.p for x in auth.p_grant_periods)])
    return min(1.0 / p, fit) if p > 0 else fit


def _max_factor(sc: Scenario, attr: str) -> float:
    """The largest product of mitigation factors ``attr`` that can be active (MODEL.md Bounds)."""
    m = sc.mitigations
    f = 1.0
    for mit in (m.escort, m.route_clearance, m.armour, m.air_cover):
        f *= max(1.0, getattr(mit, attr))
    return min(f, rules.MAX_FACTOR)


def _max_threat(sc: Scenario, attr: str) -> float:
    """The largest factor ``attr`` that the security regimes and the night can put on a rate
    (MODEL.md §15-§16): the estimate stays an upper bound."""
    f = max(1.0, getattr(sc.calendar.night, attr))
    if sc.security is not None:
        f *= max(1.0, *(getattr(r, attr) for r in sc.security.regimes.values()))
    return f


def _leg_work(sc: Scenario, segments: list, n: float) -> tuple[float, float, float]:
    """Expected (segments, events and hits, uncapped hit draws) of one convoy of ``n`` vehicles."""
    if n <= 0:
        return float(len(segments)), 0.0, 0.0
    eff = sc.threats.effects
    f = {"ied": _max_factor(sc, "ied_rate_factor") * _max_threat(sc, "ied_rate_factor"),
         "ambush": _max_factor(sc, "ambush_rate_factor") * _max_threat(sc, "ambush_rate_factor"),
         "vehicle": _max_factor(sc, "vehicle_loss_factor"), "casualty": 1.0, "speed": 1.0}
    people = rules.people_model(sc)
    hit_ied = min(n, eff.ied.vehicles_hit.mean * f["vehicle"]) if people else 1.0
    hit_amb = min(n, eff.ambush.vehicles_hit.mean * f["vehicle"]) if people else 1.0
    hit_st = min(n, eff.stationary.vehicles_hit.mean * f["vehicle"]) if people else 1.0
    day = sc.calendar.daylight
    night = {"day": (24.0 - (day.end_hour - day.start_hour)) / 24.0, "night": (day.end_hour - day.start_hour) / 24.0}.get(sc.convoy.driving_hours, 0.0)
    events = draws = 0.0
    groups = 3.0 * max(1, len(sc.vehicle_types))
    for seg in segments:
        ied, amb, bd = (float(x) for x in rules.segment_means(sc, seg, np.asarray(n), f))
        delay = (ied * (eff.ied.delay_hours.mean + eff.ied.repair_hours.mean)
                 + amb * (eff.ambush.delay_hours.mean + eff.ambush.repair_hours.mean)
                 + bd * (eff.breakdown.delay_hours.mean + eff.breakdown.repair_hours.mean))
        drive = float(rules.drive_hours(sc, seg, np.asarray(n), f))
        halted = delay + (drive + delay) * night / max(1.0 - night, 1e-9)
        rate = sc.threats.levels[seg.threat].stationary_attack_rate_per_hour
        stat = float(rules.stationary_mean(rate, halted, f["ambush"]))
        events += ied * (1.0 + hit_ied) + amb * (1.0 + hit_amb) + bd * 2.0 + stat * (1.0 + hit_st)
        if people:
            hits = f["vehicle"] * (ied * eff.ied.vehicles_hit.mean + amb * eff.ambush.vehicles_hit.mean
                                   + stat * eff.stationary.vehicles_hit.mean)
            # the batch engine's hits of a segment: picks capped at the vehicles (+ 1), events looked up
            draws += groups * min(hits, n + 1.0) + ied + amb + stat
    return float(len(segments)), events, draws


def work(sc: Scenario) -> Work:
    """Expected work of one replication of ``sc`` (no simulation; routes from the road network)."""
    from sim.model.network import routes

    rts = routes(sc)
    big, q = sc.convoy.max_vehicles, sc.convoy.escorts_per_convoy
    lift_of = {b: lift for lift in sc.fleet.lifts.values() for b in lift.serves}
    segs = events = tries = checks = draws = lift_rounds = 0.0
    medevac = sc.medevac
    rounds_of: dict[int, float] = {}
    for name, b in sc.bases.items():
        route = rts[name]
        window = sc.hours(b.leave_by) - sc.hours(b.withdraw_from)
        # final convoys: self-propelled units, plus seat vehicles for passengers without seats (§10)
        units = sum(n for c, n in b.cargo.items() if sc.cargo_classes[c].self_propelled)
        if b.seat_vehicle_type is not None and rules.people_model(sc):
            short = b.personnel - rules.base_crews(sc, b) - rules.base_seats(sc, b)
            seats = max(sc.vehicle_types[b.seat_vehicle_type].seats, 1)
            units += max(0, -(-short // seats))
        k_final = -(-units // big) if units else 0
        legs = [(k_final, units / k_final if k_final else 0.0)]
        # lift convoys: truckloads of the road cargo (air-eligible cargo counted as road cargo)
        loads = sum(-(-n // sc.cargo_classes[c].units_per_truck) for c, n in b.cargo.items()
                    if not sc.cargo_classes[c].self_propelled)
        lift = lift_of.get(name)
        if lift is not None and loads and big > q:
            per_round = min(loads, lift.trucks)
            k = rules.convoys_per_round_one(per_round, big, q, lift.escorts)
            if k > 0 and per_round > 0:
                rounds = -(-loads // min(per_round, k * (big - q)))
                convoys = rounds * k
                legs.append((2 * convoys, min(float(big), loads / convoys + q)))
                rounds_of[id(lift)] = rounds_of.get(id(lift), 0.0) + rounds
        for count, n in legs:
            s, e, d = _leg_work(sc, route, n)
            segs += count * s
            events += count * e
            draws += count * d
            if medevac is not None and e > 0:
                tries += count * min(float(len(route)), e) * expected_tries(medevac, 24.0)
        # flight chains (§3): personnel sorties, then cargo sorties
        if b.airstrip is not None:
            a = b.airstrip
            sorties = -(-b.personnel_air_planned // a.seats_per_sortie) if a.seats_per_sortie else 0
            if a.cargo_units_per_sortie:
                air = sum(n for c, n in b.cargo.items() if sc.cargo_classes[c].air_eligible
                          and not sc.cargo_classes[c].self_propelled)
                sorties += -(-air // a.cargo_units_per_sortie)
            tries += sorties * expected_tries(sc.flights, window)
    for lift in sc.fleet.lifts.values():
        served = [sc.bases[b] for b in lift.serves]
        start = min(sc.hours(b.withdraw_from) for b in served)
        if lift.available_from is not None:
            start = max(start, sc.hours(lift.available_from))
        last = max(sc.hours(b.leave_by) for b in served)
        wait = max(sc.hours(b.withdraw_from) for b in served) - start
        flights = any(b.airstrip is not None for b in served)
        idle = (max(last - start, 0.0) if flights else max(wait, 0.0)) / lift.idle_check_hours
        n_rounds = rounds_of.get(id(lift), 0.0) + idle + 1.0
        checks += n_rounds * len(served)
        lift_rounds += n_rounds
        if rules.lift_needs_authorization(sc, lift):
            tries += n_rounds * expected_tries(sc.road_movements, last - start)
    return Work(segs, events, tries, checks, draws, lift_rounds)


def estimate(scenarios: list[Scenario], engine: str, replications: int) -> Estimate:
    """CPU seconds of ``replications`` replications of each of ``scenarios`` with ``engine``."""
    works = [work(sc) for sc in scenarios]
    total = Work(*(sum(getattr(w, f) for w in works) / len(works)
                   for f in ("segments", "events", "tries", "round_checks", "hit_draws", "rounds")))
    seconds = 0.0
    for w in works:
        if engine == "des":
            seconds += replications * (DES_SECONDS_PER_REPLICATION + DES_SECONDS_PER_UNIT * w.units)
        else:
            blocks = math.ceil(replications / BLOCK)
            structural = w.segments + TRY_WEIGHT * w.tries + w.rounds + min(w.events, 50.0)
            rows = w.units + w.hit_draws
            seconds += blocks * (BATCH_SECONDS_PER_BLOCK + BATCH_SECONDS_PER_PASS * structural
                                 + BLOCK * BATCH_SECONDS_PER_ROW_UNIT * rows)
    return Estimate(engine, replications, len(scenarios), total, seconds)
