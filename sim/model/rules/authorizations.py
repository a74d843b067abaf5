"""Authorization chains (MODEL.md §2): grant probabilities in time, decision delays, request chains."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model.schema import AirCover, Authorization, DelayDist, Lift, Scenario

INF = math.inf
GRANTED, GAVE_UP, CANCELLED = 0, 1, 2


def p_grant_at(sc: Scenario, auth: Authorization | AirCover, t: np.ndarray | float) -> np.ndarray:
    """``p_grant`` at time ``t``; inside a ``p_grant_periods`` window its ``p`` (later periods win)."""
    t = np.asarray(t, dtype=float)
    p = np.full(t.shape, auth.p_grant, dtype=float)
    for period in auth.p_grant_periods:
        lo = sc.hours(period.from_)
        hi = INF if period.until is None else sc.hours(period.until)
        p = np.where((t >= lo) & (t < hi), period.p, p)
    return p


class PGrant:
    """``p_grant_at`` for one time on Python floats (the scalar twin): a step function evaluated
    once at each period boundary (a test checks equality with ``p_grant_at``)."""

    def __init__(self, sc: Scenario, auth: Authorization | AirCover, earliest: float = -math.inf) -> None:
        """``earliest``: no time asked is before it (a run's start, for authorization decisions)."""
        bounds = set()
        for period in auth.p_grant_periods:
            bounds.add(sc.hours(period.from_))
            if period.until is not None:
                bounds.add(sc.hours(period.until))
        self.bounds = sorted(bounds)
        self.first = float(auth.p_grant)
        self.values = [float(p_grant_at(sc, auth, b)) for b in self.bounds]
        self.fixed: float | None = None
        """The p_grant at every time from ``earliest`` when it does not change, else ``None``."""
        if not self.bounds:
            self.fixed = self.first
        elif earliest >= self.bounds[-1]:  # every period boundary is past: the last value holds
            self.fixed = self.values[-1]

    def __call__(self, t: float) -> float:
        if not self.bounds:  # no periods: the same p_grant at every time
            return self.first
        i = bisect_right(self.bounds, t)
        return self.first if i == 0 else self.values[i - 1]


def draw_delay(rng: np.random.Generator, dist: DelayDist, size: int | tuple[int, ...] | None = None) -> np.ndarray:
    """One delay per entry: gamma with ``dist.mean`` and ``dist.cv`` (fixed when cv is 0)."""
    if dist.mean == 0.0 or dist.cv == 0.0:
        return np.full(() if size is None else size, float(dist.mean))
    shape = 1.0 / dist.cv**2
    return rng.gamma(shape, dist.mean / shape, size=size)


def delay_sum(rng: np.random.Generator, n_events: np.ndarray, dist: DelayDist) -> np.ndarray:
    """Total delay of ``n_events`` independent delays of ``dist`` (a gamma sum)."""
    n = np.asarray(n_events, dtype=float)
    if dist.mean == 0.0:
        return np.zeros(n.shape)
    if dist.cv == 0.0:
        return n * dist.mean
    shape = 1.0 / dist.cv**2
    return rng.gamma(n * shape, dist.mean / shape)


@dataclass
class ChainOutcomes:
    """Outcome of authorization chains: ``status`` GRANTED / GAVE_UP / CANCELLED per entry."""

    status: np.ndarray
    time_hours: np.ndarray
    n_requests: np.ndarray
    n_denied: np.ndarray


def chain(
    sc: Scenario,
    auth: Authorization,
    rng: np.random.Generator,
    submit_hours: np.ndarray,
    cancel_hours: np.ndarray,
    first_chunk: int = 4,
    grant: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> ChainOutcomes:
    """Run request chains (MODEL.md §2) for every entry of ``submit_hours`` at once.

    Tries are drawn in chunks (``first_chunk`` tries, doubling while entries stay open): for the
    entries still open, a matrix of decision delays and one of uniforms; decision times are
    cumulative sums, and the first try that is cancelled, granted or gives up ends the chain.
    No loop runs over entries. ``grant`` (the security state, MODEL.md §15) gives the factor on
    the grant probability of the tries of entries ``idx`` decided at ``d``.
    """
    s0 = np.asarray(submit_hours, dtype=float).reshape(-1)
    shape = np.shape(submit_hours)
    cancel = np.broadcast_to(np.asarray(cancel_hours, dtype=float), shape).reshape(-1)
    status = np.full(s0.shape, -1, dtype=np.int64)
    time = np.full(s0.shape, np.nan)
    n_req = np.zeros(s0.shape, dtype=np.int64)
    n_den = np.zeros(s0.shape, dtype=np.int64)
    give_up = INF if auth.give_up_hours is None else auth.give_up_hours
    idx = np.arange(s0.size)
    start = s0.copy()  # submission time of the next try of each open entry
    # each try advances a chain by at least retry_hours, so give-up and cancel times bound the tries
    horizon = min(give_up, float(np.max(cancel - s0, initial=0.0)))
    bound = math.floor(horizon / auth.retry_hours) + 1 if math.isfinite(horizon) else None
    k = bound if bound is not None and bound <= 8 * first_chunk else first_chunk
    while idx.size:
        cols = np.arange(k)
        delay = draw_delay(rng, auth.decision_delay_hours, (idx.size, k))
        u = rng.random((idx.size, k))
        # decision j = start + sum(delays[:j+1]) + j * retry
        d = start[idx, None] + np.cumsum(delay, axis=1) + auth.retry_hours * cols
        cancelled = d >= cancel[idx, None]
        p = p_grant_at(sc, auth, d)
        if grant is not None:
            p = np.minimum(1.0, p * grant(idx, d))
        granted = ~cancelled & (u < p)
        gave_up = ~cancelled & ~granted & (d + auth.retry_hours - s0[idx, None] > give_up)
        end = cancelled | granted | gave_up
        ended = end.any(axis=1)
        j = np.where(ended, end.argmax(axis=1), k - 1)
        rows = np.arange(idx.size)
        n_decided = j + 1 - cancelled[rows, j]
        n_req[idx] += np.where(ended, n_decided, k)
        # tries before j were denied; try j itself was denied only if the chain gave up there
        n_den[idx] += np.where(ended, j + gave_up[rows, j], k)
        st = np.select([cancelled[rows, j], granted[rows, j]], [CANCELLED, GRANTED], GAVE_UP)
        tm = np.where(cancelled[rows, j], cancel[idx], d[rows, j])
        done = idx[ended]
        status[done] = st[ended]
        time[done] = tm[ended]
        start[idx[~ended]] = d[~ended, k - 1] + auth.retry_hours
        idx = idx[~ended]
        k = min(2 * k, 256)
    return ChainOutcomes(status.reshape(shape), time.reshape(shape), n_req.reshape(shape), n_den.reshape(shape))


def lift_needs_authorization(sc: Scenario, lift: Lift) -> bool:
    """Whether each round of ``lift`` waits for a road-movement authorization (MODEL.md §5)."""
    return sc.road_movements.required if lift.needs_authorization is None else lift.needs_authorization
