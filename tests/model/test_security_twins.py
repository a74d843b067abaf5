"""The security rules' vector forms (batch engine) and their scalar twins (SimPy engine), MODEL.md
§15-§16: the same regime paths from the same generator state, the same early-exit triggers, days
in regimes and night flags, and ``rules.advance`` and ``rules.Clock`` bit for bit for ``moves: night``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.model import rules
from sim.model.loader import apply_overrides, read_yaml, validate
from sim.model.rules import security as sec
from sim.model.schema import Scenario

KIDAL = Path(__file__).resolve().parents[2] / "scenarios" / "kidal_2023.yaml"

SECURITY: dict[str, Any] = {
    "initial": "calm",
    "regimes": {
        "calm": {},
        "tense": {"ied_rate_factor": 1.5, "early_exit_factor": 2.0},
        "fighting": {"ied_rate_factor": 3.0, "early_exit_factor": 4.0},
        "truce": {"early_exit_factor": 0.0},
    },
    "transitions": [
        {"from": "calm", "to": "tense", "rate_per_day": 0.3},
        {"from": "tense", "to": "calm", "rate_per_day": 0.25},
        {"from": "tense", "to": "fighting", "rate_per_day": 0.1},
        {"from": "fighting", "to": "tense", "rate_per_day": 0.2},
        {"from": "fighting", "to": "truce", "rate_per_day": 0.05},
        {"from": "truce", "to": "calm", "rate_per_day": 0.5},
    ],
    "forced": [{"at": "2023-10-05", "to": "fighting", "hold_until": "2023-10-09"},
               {"at": "2023-11-01T06:00", "to": "fighting"},
               {"at": "2023-11-20", "to": "truce", "hold_until": "2023-11-22"}],
}
"""Four regimes (one with a zero hazard), a chain between them, forced changes with and without holds."""


def kidal(security: dict[str, Any] | None = None, **overrides: object) -> Scenario:
    d = apply_overrides(read_yaml(KIDAL), overrides)
    d["security"] = copy.deepcopy(SECURITY if security is None else security)
    return validate(d, KIDAL)


def _one_path(paths: sec.RegimePaths, row: int) -> tuple[list[float], list[int]]:
    paths.complete()  # both stages (the SimPy engine draws the whole path)
    keep = np.isfinite(paths.times[row])
    return paths.times[row][keep].tolist(), paths.regimes[row][keep].tolist()


@pytest.mark.parametrize("security", [SECURITY, {**SECURITY, "forced": []}, {**SECURITY, "transitions": []}])
def test_regime_paths_and_regime_path_one(security: dict[str, Any]) -> None:
    plan = sec.security_plan(kidal(security))
    assert plan is not None
    changes = 0
    for seed in range(300):
        vec = sec.regime_paths(plan, np.random.default_rng(seed), 1)
        times, regs = sec.regime_path_one(plan, np.random.default_rng(seed))
        assert _one_path(vec, 0) == (times, regs)
        changes += len(times) - 1
    assert changes > 300


def test_regime_at_one_and_paths_at() -> None:
    plan = sec.security_plan(kidal())
    assert plan is not None
    paths = sec.regime_paths(plan, np.random.default_rng(5), 50)
    rng = np.random.default_rng(6)
    for row in range(50):
        times, regs = _one_path(paths, row)
        t = np.concatenate([rng.uniform(-50.0, plan.horizon + 100.0, 200), times, np.nextafter(times, -np.inf)])
        vec = paths.at(np.full(t.size, row), t)
        assert vec.tolist() == [sec.regime_at_one(times, regs, float(x)) for x in t]


def test_exit_trigger_and_exit_trigger_one() -> None:
    plan = sec.security_plan(kidal())
    assert plan is not None
    n = 400
    paths = sec.regime_paths(plan, np.random.default_rng(11), n)
    rng = np.random.default_rng(12)
    for factor in (plan.early_exit, np.ones(plan.size), np.array([0.0, 2.0, 0.0, 1.0])):
        for from_hours in (0.0, 100.0, float(rng.uniform(0.0, 2000.0)), plan.horizon + 10.0):
            e = rng.standard_exponential(n) * rng.choice([0.1, 1.0, 5.0], n)
            with np.errstate(invalid="ignore"):
                vec = sec.exit_trigger(from_hours, 24.0 / 0.2, factor, paths, e)
            one = [sec.exit_trigger_one(from_hours, 24.0 / 0.2, factor, *_one_path(paths, i), float(e[i]))
                   for i in range(n)]
            assert vec.tolist() == one


def test_early_exit_with_regimes_and_early_exit_one() -> None:
    sc = kidal()
    plan = sec.security_plan(sc)
    assert plan is not None
    base = next(b for b in sc.bases.values() if b.early_exit is not None)
    ep = rules.exit_plan(sc, base)
    for seed in range(200):
        paths = sec.regime_paths(plan, np.random.default_rng(10_000 + seed), 1)
        with np.errstate(invalid="ignore"):
            vec = rules.early_exit(sc, base, np.random.default_rng(seed), 1, (plan.early_exit, paths))
        times, regs = _one_path(paths, 0)
        one = rules.early_exit_one(ep, np.random.default_rng(seed), (plan.early_exit, times, regs))
        assert (float(vec.trigger_hours[0]), float(vec.leave_by_hours[0]), float(vec.cutoff_hours[0]),
                bool(vec.forced[0])) == (one.trigger_hours, one.leave_by_hours, one.cutoff_hours, one.forced)


def test_days_in_regimes_and_days_in_regimes_one() -> None:
    sc = kidal()
    plan = sec.security_plan(sc)
    assert plan is not None
    paths = sec.regime_paths(plan, np.random.default_rng(21), 300)
    for until in (0.0, 30.5, sc.hours(sc.calendar.deadline), plan.horizon, plan.horizon + 500.0):
        vec = sec.days_in_regimes(plan, paths, until)
        one = np.array([sec.days_in_regimes_one(plan, *_one_path(paths, i), until) for i in range(300)])
        np.testing.assert_allclose(vec, one, rtol=0.0, atol=1e-9)  # sums in another order: rounding only
        np.testing.assert_allclose(one.sum(axis=1), until / 24.0, rtol=1e-12)


@pytest.mark.parametrize("moves", ["any", "day", "night"])
def test_is_night_and_is_night_one(moves: str) -> None:
    sc = kidal(**{"convoy.daylight_only": False, "convoy.moves": moves, "calendar.start": "2023-09-30T05:30"})
    d = sc.calendar.daylight
    h0 = rules.hour0(sc)
    rng = np.random.default_rng(2)
    edges = np.array([d.start_hour, d.end_hour]) - h0
    t = np.concatenate([rng.uniform(-30.0, 2000.0, 3000), np.arange(-24.0, 72.0, 0.25),
                        edges, np.nextafter(edges, -np.inf), edges + 24.0 * 7])
    vec = sec.is_night(sc, t)
    one = [sec.is_night_one(sc.convoy.driving_hours, float(d.start_hour), float(d.end_hour), h0, float(x)) for x in t]
    assert vec.tolist() == one
    if moves == "any":
        assert 0 < sum(one) < len(one)


def test_advance_and_clock_moving_by_night() -> None:
    sc = kidal(**{"convoy.daylight_only": False, "convoy.moves": "night", "calendar.start": "2023-09-30T05:30"})
    clock = rules.Clock(sc)
    d = sc.calendar.daylight
    h0 = rules.hour0(sc)
    rng = np.random.default_rng(1)
    edges = np.array([d.start_hour, d.end_hour, 0.0]) - h0
    t = np.concatenate([rng.uniform(-30.0, 2000.0, 2000), np.arange(-24.0, 72.0, 0.5), edges,
                        np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
    night = 24.0 - (d.end_hour - d.start_hour)
    h = np.concatenate([rng.exponential(8.0, 2000),
                        np.resize([0.0, 0.5, 6.0, night, night + 0.5, 2 * night, 30.0], t.size - 2000)])
    vec = rules.advance(sc, t, h)
    one = np.array([clock.advance(float(a), float(b)) for a, b in zip(t, h, strict=True)])
    assert np.array_equal(vec, one)
    # driving happens only outside the daylight window: a start inside it waits for its end
    start = d.start_hour + 1.0 - h0
    assert clock.advance(start, 1.0) == pytest.approx(d.end_hour - h0 + 1.0)
