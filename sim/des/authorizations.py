"""Authorization chains (MODEL.md §2): a request decided after a delay, retried until granted,
given up or cancelled. Run inside the requesting process with ``yield from``."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass

import simpy

from sim import rules
from sim.scenario import Authorization

GRANTED, GAVE_UP, CANCELLED = rules.GRANTED, rules.GAVE_UP, rules.CANCELLED
STATUS = {GRANTED: "granted", GAVE_UP: "gave_up", CANCELLED: "cancelled"}


@dataclass
class ChainResult:
    """How a chain ended, when, and its decided tries."""

    status: int
    time_hours: float
    n_requests: int
    n_denied: int


def request_chain(
    env: simpy.Environment,
    auth: Authorization,
    p_grant: Callable[[float], float],
    delay: Callable[[], float],
    uniform: Callable[[], float],
    cancel_at: float,
    on_decision: Callable[[float, bool], None] | None = None,
    start_hours: float | None = None,
    on_end: Callable[[ChainResult], None] | None = None,
) -> Generator[simpy.Event, object, ChainResult]:
    """Tries from ``start_hours`` (default ``env.now``): a timeout per decision; ends granted, gave
    up or cancelled at ``cancel_at``. ``on_end(result)`` runs as the chain ends (so a chain can be a
    process of its own, without a parent generator resumed at every try).

    ``delay()`` draws a decision delay (``rules.draw_delay``), ``uniform()`` the try's uniform.
    """
    timeout = env.timeout
    if start_hours is not None and start_hours > env.now:
        yield timeout(start_hours - env.now)
    s0 = now = env.now
    give_up = math.inf if auth.give_up_hours is None else auth.give_up_hours
    retry = auth.retry_hours
    n_req = n_den = 0
    while True:
        d = now + delay()
        if d >= cancel_at:
            if cancel_at > now:
                yield timeout(cancel_at - now)
            res = ChainResult(CANCELLED, cancel_at, n_req, n_den)
            break
        if d > now:
            yield timeout(d - now)
        n_req += 1
        granted = uniform() < p_grant(d)
        if on_decision is not None:
            on_decision(d, granted)
        if granted:
            res = ChainResult(GRANTED, d, n_req, n_den)
            break
        n_den += 1
        now = d + retry
        if now - s0 > give_up:
            res = ChainResult(GAVE_UP, d, n_req, n_den)
            break
        yield timeout(retry)
    if on_end is not None:
        on_end(res)
    return res
