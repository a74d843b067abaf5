"""Flights (MODEL.md §3): each planned sortie is an authorization chain; its load flies or falls back."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sim.model.rules import Sortie

from .authorizations import CANCELLED, GAVE_UP, GRANTED, STATUS, Chain, Requests
from .state import BaseState, Replication


def flight_plan(rep: Replication, b: BaseState) -> None:
    """Start one request chain per planned sortie of base ``b``, from its submit time."""
    env, static = rep.env, rep.static
    sc = static.sc
    req = Requests(env, sc.flights, static.p_flights, rep.draws("flight_delay"), rep.draws("flight_u"))
    by_kind = None
    regimes = rep.regimes
    if regimes is not None:  # MODEL.md §15: the regime's grant factor by purpose (the same draws)
        by_kind = {kind: Requests(env, sc.flights, regimes.p_grant(purpose, static.p_flights), req.delay, req.uniform)
                   for kind, purpose in (("personnel", "personnel_flights"), ("cargo", "cargo_flights"))}
    tracing = rep.recorder is not None
    for s in static.sorties[b.name]:
        personnel = s.kind == "personnel"
        r = req if by_kind is None else by_kind[s.kind]
        cancel = b.leave_by_hours if personnel else b.cutoff_hours
        chain = Chain(r, cancel, decisions(rep, b, s) if tracing else None, s.submit_hours,
                      partial(resolved, rep, b, s))
        if personnel:
            b.personnel_chains.append(chain.done)


def decisions(rep: Replication, b: BaseState, s: Sortie) -> Callable[[float, bool], None] | None:
    """The trace's record of each decision of sortie ``s`` (``None`` when not tracing)."""
    rec = rep.recorder
    if rec is None:
        return None

    def on_decision(d: float, ok: bool) -> None:
        rec.event(d, "flight_request", b.name, None, None,
                  detail=f"{'granted' if ok else 'denied'} {s.kind} {s.cargo_class or ''} {s.amount}".strip())
    return on_decision


def resolved(rep: Replication, b: BaseState, s: Sortie, res: Chain) -> None:
    """Sortie ``s`` is resolved: tally it; its load flew, falls back to the road pool or stays."""
    personnel = s.kind == "personnel"
    rec = rep.recorder
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
            b.out_people.append((res.time_hours, s.amount))
        else:
            b.out_cargo.append((res.time_hours, s.amount))
    if personnel:
        return  # personnel not flown ride the final convoy
    cls = s.cargo_class
    if cls is None:
        raise ValueError(f"cargo sortie without a cargo class: {s!r}")
    if res.status == GRANTED:
        b.add_fate(cls, "air", s.amount)
    elif res.status == CANCELLED:
        return  # cancelled cargo stays for destruction
    b.open_cargo[cls] -= s.amount
    b.n_open_cargo_chains -= 1
    if res.status == GAVE_UP:
        b.pool[cls] += s.amount
    b.check_done()
