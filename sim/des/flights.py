"""Flights (MODEL.md §3): each planned sortie is an authorization chain; its load flies or falls back."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.rules import Sortie

from .authorizations import CANCELLED, GAVE_UP, GRANTED, STATUS, request_chain
from .state import BaseState, Replication


def flight_plan(rep: Replication, b: BaseState) -> None:
    """Start one ``sortie`` process per planned sortie of base ``b``."""
    for s in rep.static.sorties[b.name]:
        proc = rep.env.process(sortie(rep, b, s))
        if s.kind == "personnel":
            b.personnel_chains.append(proc)


def sortie(rep: Replication, b: BaseState, s: Sortie) -> Generator[simpy.Event, object, None]:
    """Request the sortie from its submit time until granted, given up or cancelled."""
    env, static = rep.env, rep.static
    if s.submit_hours > env.now:
        yield env.timeout(s.submit_hours - env.now)
    personnel = s.kind == "personnel"
    cancel = b.leave_by_hours if personnel else b.cutoff_hours
    rec = rep.recorder
    on_decision = None
    if rec is not None:
        def on_decision(d: float, ok: bool) -> None:
            rec.event(d, "flight_request", b.name, None, None,
                      detail=f"{'granted' if ok else 'denied'} {s.kind} {s.cargo_class or ''} {s.amount}".strip())
    res = yield from request_chain(env, static.sc.flights, static.p_flights, rep.draws("flight_delay"),
                                   rep.draws("flight_u"), cancel, on_decision)
    c = b.counts
    c["flight_requests"] += res.n_requests
    c["flights_denied"] += res.n_denied
    b.last_resolved_hours = max(b.last_resolved_hours, res.time_hours)
    if rec is not None and res.status != GRANTED:
        rec.event(res.time_hours, "flight_request", b.name, None, None,
                  detail=f"{STATUS[res.status]} {s.kind} {s.cargo_class or ''} {s.amount}".strip())
    if res.status == GRANTED:
        c["flights_granted"] += 1
        b.last_arrival_hours = max(b.last_arrival_hours, res.time_hours)
        if personnel:
            c["personnel_air"] += s.amount
        else:
            b.add_fate(s.cargo_class, "air", s.amount)
    if personnel or res.status == CANCELLED:
        return  # personnel not flown ride the final convoy; cancelled cargo stays for destruction
    b.open_cargo[s.cargo_class] -= s.amount
    b.n_open_cargo_chains -= 1
    if res.status == GAVE_UP:
        b.pool[s.cargo_class] += s.amount
    b.check_done()
