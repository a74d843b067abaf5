"""Authorization chains (MODEL.md §2): a request decided after a delay, retried until granted,
given up or cancelled.

A chain is driven by event callbacks, not a process: each decision and each retry wait is one
scheduled event whose callback takes the next step, so a try costs two events and no generator
resume. The chain schedules one event of its own again and again (``Chain.tick``: only the chain
holds it, and SimPy's step has cleared its callbacks when it is scheduled anew): 0.37 µs a step
against 0.88 µs for a new ``Timeout`` and its callback (measured in one process).
A chain carries its own outcome (``status``, ``time_hours``, ``n_requests``, ``n_denied``);
``Chain.done`` fires when it ends, without a value: an event whose value is the chain that holds it
would make every chain, and the replication its callbacks reach, garbage for the cycle collector.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from sim.model import rules
from sim.model.schema import Authorization

from .security import RegimeGrant
from .simpy_internals import own_event, reschedule

GRANTED, GAVE_UP, CANCELLED = rules.GRANTED, rules.GAVE_UP, rules.CANCELLED
STATUS = {GRANTED: "granted", GAVE_UP: "gave_up", CANCELLED: "cancelled"}


class Requests:
    """What the chains of one authorization share in one replication: the environment, the grant
    probability ``p_grant(t)`` at decision time ``t`` (read once when it is fixed), ``delay()``
    drawing a decision delay (``rules.draw_delay``), ``uniform()`` drawing a try's uniform, and
    the authorization's retry and give-up hours. With a security state ``p_grant`` carries the
    regime's factor of the chains' purpose (``security.RegimeGrant``, MODEL.md §15)."""

    __slots__ = ("env", "p_grant", "p_fixed", "delay", "uniform", "give_up", "retry")

    def __init__(self, env: simpy.Environment, auth: Authorization, p_grant: rules.PGrant | RegimeGrant,
                 delay: Callable[[], float], uniform: Callable[[], float]) -> None:
        self.env, self.p_grant, self.p_fixed = env, p_grant, p_grant.fixed
        self.delay, self.uniform = delay, uniform
        self.give_up = math.inf if auth.give_up_hours is None else auth.give_up_hours
        self.retry = auth.retry_hours


class Chain:
    """One authorization chain of ``req``: tries from ``start_hours`` (default ``env.now``), a
    timeout per decision and per retry wait; ends granted, gave up or cancelled at ``cancel_at``.

    When it ends, ``status`` (GRANTED, GAVE_UP or CANCELLED), ``time_hours`` (when), ``n_requests``
    (decided tries) and ``n_denied`` are set, ``on_end(chain)`` runs, then ``done`` is triggered.
    ``on_decision(t, granted)`` runs at each decision.
    """

    __slots__ = ("req", "cancel_at", "on_decision", "on_end", "s0", "now", "n_requests", "n_denied",
                 "d", "done", "status", "time_hours", "tick")

    def __init__(
        self,
        req: Requests,
        cancel_at: float,
        on_decision: Callable[[float, bool], None] | None = None,
        start_hours: float | None = None,
        on_end: Callable[[Chain], None] | None = None,
    ) -> None:
        env = req.env
        self.req, self.cancel_at, self.on_decision, self.on_end = req, cancel_at, on_decision, on_end
        self.n_requests = 0
        self.done = simpy.Event(env)
        self.tick = own_event(env)
        now = env.now
        if start_hours is None:
            self.s0 = self.now = now
            self._try()
        else:
            wait = max(start_hours - now, 0.0)
            self.s0 = self.now = now + wait  # the time the environment will have then
            self._after(wait, self._try)

    def _after(self, delay: float, step: Callable[[simpy.Event], None]) -> None:
        """Run ``step`` after ``delay`` hours, as a timeout's callback would (one event)."""
        reschedule(self.req.env, self.tick, step, delay)

    def _try(self, _ev: simpy.Event | None = None) -> None:
        now = self.now  # the chain's own clock (d + retry), as the environment's may differ by an ulp
        req = self.req
        d = now + req.delay()
        cancel_at = self.cancel_at
        if d >= cancel_at:
            if cancel_at > now:
                self._after(cancel_at - now, self._cancelled)
            else:
                self._end(CANCELLED, cancel_at)
            return
        self.d = d
        if d > now:
            reschedule(req.env, self.tick, self._decide, d - now)
        else:
            self._decide()

    def _cancelled(self, _ev: simpy.Event) -> None:
        self._end(CANCELLED, self.cancel_at)

    def _decide(self, _ev: simpy.Event | None = None) -> None:
        d, req = self.d, self.req
        self.n_requests += 1
        p = req.p_fixed
        granted = req.uniform() < (req.p_grant(d) if p is None else p)
        if self.on_decision is not None:
            self.on_decision(d, granted)
        if granted:
            self._end(GRANTED, d)
            return
        self.now = now = d + req.retry
        if now - self.s0 > req.give_up:
            self._end(GAVE_UP, d)
            return
        reschedule(req.env, self.tick, self._try, req.retry)

    def _end(self, status: int, time_hours: float) -> None:
        self.status, self.time_hours = status, time_hours
        self.n_denied = self.n_requests - (status == GRANTED)  # every other decided try was denied
        if self.on_end is not None:
            self.on_end(self)
        self.done.succeed()
