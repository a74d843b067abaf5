"""The security state (MODEL.md §15) and the night's factors (§16) in one SimPy replication: the
replication's regime path (stream ``security``) and what it sets, on Python numbers."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from sim.model import rules
from sim.model.rules import security as sec
from sim.model.schema import Scenario

Threat = tuple[float, float, bool]
"""A segment's regime IED and ambush factors and whether it is driven at night (``Regimes.threat``)."""


class RegimeGrant:
    """``min(1, p_grant(d) · factor(regime at d))`` for one purpose in one replication (MODEL.md
    §15): a ``rules.PGrant`` with the regime's factor (never ``fixed``)."""

    __slots__ = ("p", "factors", "times", "regs", "fixed")

    def __init__(self, p: rules.PGrant, factors: list[float], times: list[float], regs: list[int]) -> None:
        self.p, self.factors, self.times, self.regs = p, factors, times, regs
        self.fixed: float | None = None

    def __call__(self, t: float) -> float:
        f = self.factors[self.regs[max(bisect_right(self.times, t) - 1, 0)]]
        return min(1.0, self.p(t) * f)


class Regimes:
    """One replication's regime path: change times (hours, the first 0) and the regime from each."""

    __slots__ = ("plan", "times", "regs", "_paths")

    def __init__(self, plan: sec.SecurityPlan, times: list[float], regs: list[int]) -> None:
        self.plan, self.times, self.regs = plan, times, regs
        self._paths: sec.RegimePaths | None = None

    @staticmethod
    def draw(plan: sec.SecurityPlan, rng: np.random.Generator) -> Regimes:
        """The replication's path (``rules.security.regime_path_one``)."""
        times, regs = sec.regime_path_one(plan, rng)
        return Regimes(plan, times, regs)

    def at(self, t: float) -> int:
        """The regime at ``t`` (the last change at or before it)."""
        return sec.regime_at_one(self.times, self.regs, t)

    def exit_hazard(self) -> tuple[np.ndarray, list[float], list[int]]:
        """``rules.early_exit_one``'s ``security``: the regimes' hazard factors and the path."""
        return self.plan.early_exit, self.times, self.regs

    def p_grant(self, purpose: str, p: rules.PGrant) -> rules.PGrant | RegimeGrant:
        """The grant probability of ``purpose`` at decision times; ``p`` itself (and its fast path)
        when every regime's factor for it is 1."""
        factors = [float(f) for f in self.plan.grants[purpose]]
        if all(f == 1.0 for f in factors):
            return p
        return RegimeGrant(p, factors, self.times, self.regs)

    def grant_factor(self, purpose: str, n: int) -> sec.GrantFactor | None:
        """``rules.chain``'s ``grant`` for ``n`` chains of ``purpose`` of this replication; ``None``
        when every regime's factor for it is 1."""
        if all(float(f) == 1.0 for f in self.plan.grants[purpose]):
            return None
        if self._paths is None:
            self._paths = sec.RegimePaths(np.array([self.times], dtype=float), np.array([self.regs], dtype=np.int64))
        return sec.GrantFactor.of(self.plan, self._paths, purpose, np.zeros(n, dtype=np.int64))

    def days(self, until_hours: float) -> list[float]:
        """Days in each regime from the start to ``until_hours`` (``days_in_regimes_one``)."""
        return sec.days_in_regimes_one(self.plan, self.times, self.regs, until_hours)


def threat_scaled(sc: Scenario, plan: sec.SecurityPlan | None) -> bool:
    """Whether any regime or the night can change a segment's factors (``ThreatClock`` is needed)."""
    n = sc.calendar.night
    if n.ied_rate_factor != 1.0 or n.ambush_rate_factor != 1.0 or n.speed_factor != 1.0:
        return True
    return plan is not None and bool(np.any(plan.ied != 1.0) or np.any(plan.ambush != 1.0))


class ThreatClock:
    """The factors the regime and the night put on a segment started at ``t`` (MODEL.md §15-§16),
    as ``Static.factors`` takes them: ``None`` when none applies (every factor 1), so the segment's
    numbers are bit for bit those without a security state or a night."""

    __slots__ = ("regimes", "ied", "ambush", "night", "hours", "start", "end", "h0")

    def __init__(self, sc: Scenario, regimes: Regimes | None) -> None:
        self.regimes = regimes
        plan = None if regimes is None else regimes.plan
        self.ied = [] if plan is None else [float(f) for f in plan.ied]
        self.ambush = [] if plan is None else [float(f) for f in plan.ambush]
        n = sc.calendar.night
        self.night = n.ied_rate_factor != 1.0 or n.ambush_rate_factor != 1.0 or n.speed_factor != 1.0
        self.hours = sc.convoy.driving_hours
        self.start = float(sc.calendar.daylight.start_hour)
        self.end = float(sc.calendar.daylight.end_hour)
        self.h0 = rules.hour0(sc)

    def __call__(self, t: float) -> Threat | None:
        ied = ambush = 1.0
        r = self.regimes
        if r is not None:
            k = r.at(t)
            ied, ambush = self.ied[k], self.ambush[k]
        dark = self.night and sec.is_night_one(self.hours, self.start, self.end, self.h0, t)
        if ied == 1.0 and ambush == 1.0 and not dark:
            return None
        return ied, ambush, dark


def scale_threat_one(sc: Scenario, f: dict[str, float], threat: Threat) -> dict[str, float]:
    """``batch.security.scale_threat`` for one segment on Python floats: the same products in the
    same order (the regime's factors, then the night's where they differ from 1)."""
    ied, ambush, dark = threat
    out = dict(f)
    out["ied"] = out["ied"] * ied
    out["ambush"] = out["ambush"] * ambush
    if dark:
        night = sc.calendar.night
        if night.ied_rate_factor != 1.0:
            out["ied"] = out["ied"] * night.ied_rate_factor
        if night.ambush_rate_factor != 1.0:
            out["ambush"] = out["ambush"] * night.ambush_rate_factor
        if night.speed_factor != 1.0:
            out["speed"] = out["speed"] * night.speed_factor
    return out
