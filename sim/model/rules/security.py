"""The security state (MODEL.md §15) and day and night (§16): regime paths, the regime at a time,
the factors it sets, early-exit triggers under a changing hazard, the transient regime
probabilities in closed form. Vector forms (arrays over replications) and their scalar twins.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from sim.model.schema import Scenario

from .calendar import air_cover_last_day, hour0

INF = math.inf
PURPOSES: tuple[str, ...] = ("personnel_flights", "cargo_flights", "road_movements", "air_cover", "medevac")
"""Purposes of authorization requests, each with its grant factor per regime (MODEL.md §15)."""
MAX_REGIME_CHANGES = 2000.0
"""Largest expected count of regime changes per replication up to the horizon (MODEL.md, Bounds)."""


@dataclass(frozen=True)
class SecurityPlan:
    """A scenario's security process as arrays, computed once (``security_plan``)."""

    names: tuple[str, ...]
    initial: int
    ied: np.ndarray
    """IED rate factor per regime."""
    ambush: np.ndarray
    """Ambush (and stationary attack) rate factor per regime."""
    early_exit: np.ndarray
    """Early-exit hazard factor per regime."""
    grants: dict[str, np.ndarray]
    """Grant factor per regime, by purpose."""
    out_per_day: np.ndarray
    """Total transition rate out of each regime, per day."""
    cum_rates: tuple[np.ndarray, ...]
    """Per regime: cumulative rates of its transitions (file order), per day."""
    dests: tuple[np.ndarray, ...]
    """Per regime: the destination of each of its transitions."""
    forced_at: np.ndarray
    """Forced transitions' hours, sorted."""
    forced_to: np.ndarray
    forced_resume: np.ndarray
    """Hour at which the chain restarts after each forced transition (its ``hold_until``, or ``at``)."""
    horizon: float
    """Hours up to which paths are drawn (MODEL.md §15)."""

    @property
    def size(self) -> int:
        return len(self.names)

    def generator_matrix(self) -> np.ndarray:
        """The chain's generator ``Q`` per hour (rows sum to 0)."""
        q = np.zeros((self.size, self.size))
        for r in range(self.size):
            rates = np.diff(np.concatenate([[0.0], self.cum_rates[r]]))
            for k, rate in zip(self.dests[r], rates, strict=True):
                q[r, k] += rate / 24.0
            q[r, r] -= self.out_per_day[r] / 24.0
        return q


def horizon_hours(sc: Scenario) -> float:
    """End of the last day that can have air cover (MODEL.md, Bounds), in hours from the start."""
    return (air_cover_last_day(sc) + 1) * 24.0 - hour0(sc)


def security_plan(sc: Scenario) -> SecurityPlan | None:
    """The scenario's security process, or ``None`` without a ``security`` block."""
    sec = sc.security
    if sec is None:
        return None
    names = tuple(sec.regimes)
    index = {n: i for i, n in enumerate(names)}
    regs = [sec.regimes[n] for n in names]
    cum: list[np.ndarray] = []
    dests: list[np.ndarray] = []
    for n in names:
        out = [t for t in sec.transitions if t.from_ == n and t.rate_per_day > 0.0]
        cum.append(np.cumsum([t.rate_per_day for t in out]) if out else np.zeros(0))
        dests.append(np.array([index[t.to] for t in out], dtype=np.int64))
    forced = sorted(sec.forced, key=lambda f: f.at)
    return SecurityPlan(
        names=names,
        initial=index[sec.initial],
        ied=np.array([r.ied_rate_factor for r in regs]),
        ambush=np.array([r.ambush_rate_factor for r in regs]),
        early_exit=np.array([r.early_exit_factor for r in regs]),
        grants={p: np.array([getattr(r.grant_factors, p) for r in regs]) for p in PURPOSES},
        out_per_day=np.array([c[-1] if c.size else 0.0 for c in cum]),
        cum_rates=tuple(cum),
        dests=tuple(dests),
        forced_at=np.array([sc.hours(f.at) for f in forced], dtype=float),
        forced_to=np.array([index[f.to] for f in forced], dtype=np.int64),
        forced_resume=np.array([sc.hours(f.hold_until if f.hold_until is not None else f.at) for f in forced],
                               dtype=float),
        horizon=horizon_hours(sc),
    )


@dataclass(frozen=True)
class RegimePaths:
    """Regime paths of replications: change times (hours, the first 0, padded with ``inf``) and the
    regime from each change on, arrays ``(replications, changes)``."""

    times: np.ndarray
    regimes: np.ndarray

    def at(self, rows: np.ndarray, t: np.ndarray | float) -> np.ndarray:
        """The regime of replication ``rows[i]`` at time ``t[i]``; ``t`` may be a matrix
        ``(len(rows), k)`` of times per row (the last change at or before the time)."""
        rows = np.asarray(rows)
        t = np.broadcast_to(np.asarray(t, dtype=float), rows.shape) if np.ndim(t) == 0 else np.asarray(t, dtype=float)
        if self.times.shape[1] == 1:
            return np.broadcast_to(self.regimes[rows, 0].reshape(rows.shape + (1,) * (t.ndim - rows.ndim)), t.shape)
        times = self.times[rows]
        if t.ndim == rows.ndim:
            k = np.maximum((times <= t[:, None]).sum(axis=1) - 1, 0)
            return self.regimes[rows, k]
        k = np.maximum((times[:, None, :] <= t[:, :, None]).sum(axis=2) - 1, 0)
        return self.regimes[rows[:, None], k]


def regime_paths(plan: SecurityPlan, rng: np.random.Generator, size: int) -> RegimePaths:
    """Draw ``size`` regime paths (MODEL.md §15), in rounds over the replications still before the
    horizon: each round draws one exponential and one uniform for each of them."""
    tau = np.zeros(size)
    reg = np.full(size, plan.initial, dtype=np.int64)
    nxt = np.zeros(size, dtype=np.int64)  # index of the next forced transition
    n_forced = plan.forced_at.size
    f_at = np.append(plan.forced_at, INF)
    f_to = np.append(plan.forced_to, 0)
    f_resume = np.append(plan.forced_resume, INF)
    times_cols = [np.zeros(size)]
    regs_cols = [reg.copy()]
    active = np.flatnonzero(tau < plan.horizon)
    q = plan.out_per_day
    while active.size:
        e = rng.standard_exponential(active.size)
        u = rng.random(active.size)
        r = reg[active]
        qr = q[r]
        cand = np.where(qr > 0.0, tau[active] + 24.0 * e / np.where(qr > 0.0, qr, 1.0), INF)
        f = f_at[nxt[active]]
        forced = (f <= cand) & (f < plan.horizon)
        jump = ~forced & (cand < plan.horizon)
        new_t = np.full(size, INF)
        new_r = reg.copy()
        fa = active[forced]
        if fa.size:
            k = nxt[fa]
            new_t[fa] = f_at[k]
            reg[fa] = f_to[k]
            tau[fa] = f_resume[k]
            nxt[fa] = np.minimum(k + 1, n_forced)
        ja = active[jump]
        if ja.size:
            rj = reg[ja]
            dest = np.empty(ja.size, dtype=np.int64)
            for regime in np.unique(rj):
                sel = rj == regime
                c = plan.cum_rates[regime]
                dest[sel] = plan.dests[regime][np.minimum(np.searchsorted(c, u[jump][sel] * q[regime], side="right"),
                                                          c.size - 1)]
            new_t[ja] = cand[jump]
            reg[ja] = dest
            tau[ja] = cand[jump]
        new_r[fa] = reg[fa]
        new_r[ja] = reg[ja]
        done = active[~forced & ~jump]
        tau[done] = INF
        times_cols.append(new_t)
        regs_cols.append(new_r)
        active = active[tau[active] < plan.horizon]
    return _compact(np.stack(times_cols, axis=1), np.stack(regs_cols, axis=1))


def _compact(times: np.ndarray, regs: np.ndarray) -> RegimePaths:
    """Each row's changes first (time order kept), padding (``inf``) after them."""
    order = np.argsort(~np.isfinite(times), axis=1, kind="stable")
    t = np.take_along_axis(times, order, axis=1)
    r = np.take_along_axis(regs, order, axis=1)
    width = max(1, int(np.isfinite(t).sum(axis=1).max(initial=1)))
    t, r = t[:, :width], r[:, :width]
    last = np.take_along_axis(r, (np.isfinite(t).sum(axis=1) - 1)[:, None], axis=1)
    r = np.where(np.isfinite(t), r, last)
    return RegimePaths(np.ascontiguousarray(t), np.ascontiguousarray(r))


def regime_path_one(plan: SecurityPlan, rng: np.random.Generator) -> tuple[list[float], list[int]]:
    """``regime_paths(..., size=1)`` for one replication on Python numbers: the same draws in the
    same order (a test checks equality). Change times (the first 0) and the regime from each."""
    times, regs = [0.0], [plan.initial]
    tau, reg, nxt = 0.0, plan.initial, 0
    n_forced = plan.forced_at.size
    horizon = plan.horizon
    while tau < horizon:
        e = float(rng.standard_exponential())
        u = float(rng.random())
        qr = float(plan.out_per_day[reg])
        cand = tau + 24.0 * e / qr if qr > 0.0 else INF
        f = float(plan.forced_at[nxt]) if nxt < n_forced else INF
        if f <= cand and f < horizon:
            times.append(f)
            reg = int(plan.forced_to[nxt])
            regs.append(reg)
            tau = float(plan.forced_resume[nxt])
            nxt += 1
        elif cand < horizon:
            c = plan.cum_rates[reg]
            i = min(int(np.searchsorted(c, u * qr, side="right")), c.size - 1)
            reg = int(plan.dests[reg][i])
            times.append(cand)
            regs.append(reg)
            tau = cand
        else:
            break
    return times, regs


def regime_at_one(times: list[float], regs: list[int], t: float) -> int:
    """The regime at ``t`` of one path (``RegimePaths.at``'s twin)."""
    return regs[max(bisect_right(times, t) - 1, 0)]


def exit_trigger(from_hours: float, mean_hours: float, factor: np.ndarray, paths: RegimePaths,
                 e: np.ndarray) -> np.ndarray:
    """Early-exit triggers under a hazard that changes with the regime (MODEL.md §15): the first
    ``T ≥ from`` at which ``∫ factor(r(s)) ds / mean_hours = e`` (``inf`` if never)."""
    t = paths.times
    lo = np.maximum(t, from_hours)
    hi = np.maximum(np.concatenate([t[:, 1:], np.full((t.shape[0], 1), INF)], axis=1), from_hours)
    c = factor[paths.regimes]
    length = hi - lo
    with np.errstate(invalid="ignore"):
        part = np.where(c > 0.0, c * length / mean_hours, 0.0)
    part = np.where(np.isnan(part), 0.0, part)
    before = np.concatenate([np.zeros((t.shape[0], 1)), np.cumsum(part, axis=1)[:, :-1]], axis=1)
    reach = (c > 0.0) & (before + part >= e[:, None]) & (length > 0.0)
    found = reach.any(axis=1)
    j = reach.argmax(axis=1)
    rows = np.arange(t.shape[0])
    cj = np.where(found, c[rows, j], 1.0)
    return np.where(found, lo[rows, j] + (e - before[rows, j]) * mean_hours / cj, INF)


def exit_trigger_one(from_hours: float, mean_hours: float, factor: np.ndarray, times: list[float],
                     regs: list[int], e: float) -> float:
    """``exit_trigger`` for one path on Python floats (the same operations in the same order)."""
    before = 0.0
    n = len(times)
    for j in range(n):
        lo = max(times[j], from_hours)
        hi = max(times[j + 1], from_hours) if j + 1 < n else INF
        c = float(factor[regs[j]])
        length = hi - lo
        part = c * length / mean_hours if c > 0.0 else 0.0
        if math.isnan(part):
            part = 0.0
        if c > 0.0 and length > 0.0 and before + part >= e:
            return lo + (e - before) * mean_hours / c
        before = before + part
    return INF


def days_in_regimes(plan: SecurityPlan, paths: RegimePaths, until_hours: float) -> np.ndarray:
    """Days each replication spends in each regime from 0 to ``until_hours``: ``(replications,
    regimes)``."""
    t = np.minimum(paths.times, until_hours)
    hi = np.concatenate([t[:, 1:], np.full((t.shape[0], 1), until_hours)], axis=1)
    length = np.maximum(hi - t, 0.0) / 24.0
    out = np.zeros((t.shape[0], plan.size))
    for r in range(plan.size):
        out[:, r] = np.where(paths.regimes == r, length, 0.0).sum(axis=1)
    return out


def days_in_regimes_one(plan: SecurityPlan, times: list[float], regs: list[int], until_hours: float) -> list[float]:
    """``days_in_regimes`` of one path (the same sums; equal to rounding)."""
    out = [0.0] * plan.size
    n = len(times)
    for j in range(n):
        lo = min(times[j], until_hours)
        hi = min(times[j + 1], until_hours) if j + 1 < n else until_hours
        out[regs[j]] += max(hi - lo, 0.0) / 24.0
    return out


def regime_probabilities(plan: SecurityPlan, hours: np.ndarray) -> np.ndarray:
    """P(regime at t) for each of ``hours`` (sorted), in closed form: the chain's transient
    distribution ``p(s) expm(Q (t − s))`` between forced transitions, point masses at them and
    holds kept (MODEL.md §15). ``(len(hours), regimes)``."""
    from scipy.linalg import expm  # only for charts and tests: not at import time

    q = plan.generator_matrix()
    out = np.zeros((len(hours), plan.size))
    p = np.zeros(plan.size)
    p[plan.initial] = 1.0
    s = 0.0
    k = 0
    events = list(zip(plan.forced_at, plan.forced_to, plan.forced_resume, strict=True))
    for i, t in enumerate(np.asarray(hours, dtype=float)):
        while k < len(events) and events[k][0] <= t and events[k][0] < plan.horizon:
            at, to, resume = events[k]
            p = np.zeros(plan.size)
            p[int(to)] = 1.0
            s = float(resume)
            k += 1
        if t >= plan.horizon:
            t = plan.horizon
        out[i] = p if t <= s else p @ expm(q * (min(t, plan.horizon) - s))
    return out


@dataclass(frozen=True)
class GrantFactor:
    """The regime's grant factor for the tries of request chains (MODEL.md §15): entry ``i`` of a
    chain belongs to replication ``rows[i]`` and has the purpose ``which[i]`` (a row of
    ``factors``, ``(purposes, regimes)``)."""

    factors: np.ndarray
    which: np.ndarray
    rows: np.ndarray
    paths: RegimePaths

    @staticmethod
    def of(plan: SecurityPlan, paths: RegimePaths, purposes: str | tuple[list[str], np.ndarray],
           rows: np.ndarray) -> GrantFactor:
        """Grant factors for chains of one purpose (a name), or of the purposes ``names[which[i]]``
        (a pair ``(names, which)``), entry ``i`` belonging to replication ``rows[i]``."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if isinstance(purposes, str):
            return GrantFactor(plan.grants[purposes][None, :], np.zeros(rows.size, dtype=np.int64), rows, paths)
        names, which = purposes
        return GrantFactor(np.stack([plan.grants[n] for n in names]), np.asarray(which, dtype=np.int64).reshape(-1),
                           rows, paths)

    def __call__(self, idx: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Factors of the tries decided at ``d`` (``(len(idx), k)``) of entries ``idx``."""
        reg = self.paths.at(self.rows[idx], d)
        return self.factors[self.which[idx][:, None], reg]


def is_night(sc: Scenario, t: np.ndarray | float) -> np.ndarray:
    """Whether segments started at ``t`` are driven at night (MODEL.md §16)."""
    t = np.asarray(t, dtype=float)
    hours = sc.convoy.driving_hours
    if hours != "any":
        return np.full(t.shape, hours == "night")
    d = sc.calendar.daylight
    tod = np.mod(t + hour0(sc), 24.0)
    return (tod < d.start_hour) | (tod >= d.end_hour)


def is_night_one(hours: str, start_hour: float, end_hour: float, h0: float, t: float) -> bool:
    """``is_night`` for one time on Python floats."""
    if hours != "any":
        return hours == "night"
    tod = (t + h0) % 24.0
    return tod < start_hour or tod >= end_hour
