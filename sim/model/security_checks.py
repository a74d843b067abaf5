"""Checks of a scenario's security state (MODEL.md §15) that the schema cannot make alone: names of
regimes that must exist, forced transitions that must not overlap, a bounded count of changes."""

from __future__ import annotations

import math

from sim.model.schema import Scenario

MAX_REGIME_CHANGES = 2000.0
"""Largest expected count of regime changes per replication up to the horizon (MODEL.md, Bounds)."""
AIR_COVER_HORIZON_DAYS = 366
"""``rules.calendar.AIR_COVER_HORIZON_DAYS``, here without numpy (validation imports no numpy)."""


def horizon_days(sc: Scenario) -> float:
    """Days from the start to the security path's horizon (``rules.security.horizon_hours`` / 24,
    in plain Python: a test checks they agree)."""
    s = sc.calendar.start
    h0 = s.hour + s.minute / 60.0 + s.second / 3600.0
    last_day = math.floor((sc.hours(sc.calendar.deadline) + h0) / 24.0) + AIR_COVER_HORIZON_DAYS
    return ((last_day + 1) * 24.0 - h0) / 24.0


class SecurityProblem(ValueError):
    """A problem with the ``security`` block; the message starts with the field path."""


def _fail(path: str, message: str) -> None:
    raise SecurityProblem(f"{path}: {message}")


def check_security(sc: Scenario) -> None:
    """Raise ``SecurityProblem`` naming the first field of ``security`` that is wrong."""
    sec = sc.security
    if sec is None:
        return
    known = sorted(sec.regimes)
    if sec.initial not in sec.regimes:
        _fail("security.initial", f"'{sec.initial}' is not a regime (regimes: {known})")
    seen: set[tuple[str, str]] = set()
    for i, tr in enumerate(sec.transitions):
        for key, name in (("from", tr.from_), ("to", tr.to)):
            if name not in sec.regimes:
                _fail(f"security.transitions.{i}.{key}", f"'{name}' is not a regime (regimes: {known})")
        if tr.from_ == tr.to:
            _fail(f"security.transitions.{i}", f"a transition from '{tr.from_}' to itself changes nothing; remove it")
        if (tr.from_, tr.to) in seen:
            _fail(f"security.transitions.{i}", f"a second transition from '{tr.from_}' to '{tr.to}'; add the rates into one")
        seen.add((tr.from_, tr.to))
    start = sc.calendar.start
    order = sorted(range(len(sec.forced)), key=lambda k: sec.forced[k].at)
    for k in order:
        f = sec.forced[k]
        if f.to not in sec.regimes:
            _fail(f"security.forced.{k}.to", f"'{f.to}' is not a regime (regimes: {known})")
        if f.at < start:
            _fail(f"security.forced.{k}.at", f"{f.at} is before calendar.start ({start}); move it, or the start")
    for a, b in zip(order, order[1:], strict=False):
        fa, fb = sec.forced[a], sec.forced[b]
        end = fa.hold_until if fa.hold_until is not None else fa.at
        if fb.at == fa.at or fb.at < end:
            what = "at the same time as" if fb.at == fa.at else "inside the hold of"
            _fail(f"security.forced.{b}.at", f"{fb.at} is {what} forced transition {a} "
                  f"({fa.at}{' to ' + str(fa.hold_until) if fa.hold_until is not None else ''}); forced "
                  "transitions and their holds may not overlap")
    out: dict[str, float] = {}
    for tr in sec.transitions:
        out[tr.from_] = out.get(tr.from_, 0.0) + tr.rate_per_day
    if out:
        worst = max(out, key=lambda n: out[n])
        days = horizon_days(sc)
        if out[worst] * days > MAX_REGIME_CHANGES:
            _fail("security.transitions", f"regime '{worst}' is left at {out[worst]:g} per day: over the "
                  f"{days:.0f}-day horizon (the deadline plus a year) that is more than "
                  f"{MAX_REGIME_CHANGES:.0f} expected changes; use rates of at most "
                  f"{MAX_REGIME_CHANGES / days:.2f} per day")
