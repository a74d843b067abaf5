"""Early exits (MODEL.md §1): when security pressure pulls a base's leave-by forward, and what is
known of it at a given time. Vector forms and their scalar twins side by side."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from sim.model.schema import Base, Scenario

from .security import RegimePaths, exit_trigger, exit_trigger_one

INF = math.inf
T = TypeVar("T", float, np.ndarray)


@dataclass(frozen=True)
class ExitPlan:
    """A base's early-exit inputs in hours (``early_exit`` and ``early_exit_one`` draw from it)."""

    from_hours: float | None
    """Start of the hazard; ``None`` when there is no hazard."""
    mean_hours: float
    notice_hours: float
    planned_leave_hours: float
    lead_hours: float

    @property
    def planned_cutoff_hours(self) -> float:
        return self.planned_leave_hours - self.lead_hours


@dataclass(frozen=True)
class Exit(Generic[T]):
    """Trigger time (inf if none), effective leave-by, cut-off and the forced flag: floats for one
    base of one replication (SimPy), arrays over replications or (replications, bases) (batch)."""

    trigger_hours: T
    leave_by_hours: T
    cutoff_hours: T
    forced: T | bool

    @staticmethod
    def stack(exits: list[Exit[np.ndarray]]) -> Exit[np.ndarray]:
        """One exit per base (arrays over replications) as arrays (replications, bases)."""
        return Exit(np.stack([e.trigger_hours for e in exits], axis=1),
                    np.stack([e.leave_by_hours for e in exits], axis=1),
                    np.stack([e.cutoff_hours for e in exits], axis=1),
                    np.stack([np.asarray(e.forced) for e in exits], axis=1))


def exit_plan(sc: Scenario, base: Base) -> ExitPlan:
    """The early-exit inputs of ``base``, computed once per scenario."""
    ee = base.early_exit
    hazard = ee is not None and ee.hazard_per_day != 0.0
    from_hours = sc.hours(ee.from_) if hazard and ee is not None else None
    return ExitPlan(from_hours, 24.0 / ee.hazard_per_day if hazard and ee is not None else INF,
                    0.0 if ee is None else ee.notice_hours, sc.hours(base.leave_by), base.destruction.lead_hours)


def early_exit(sc: Scenario, base: Base, rng: np.random.Generator, size: int,
               security: tuple[np.ndarray, RegimePaths] | None = None) -> Exit[np.ndarray]:
    """Draw the early exit of ``base`` for ``size`` replications (MODEL.md §1); ``security`` (the
    regimes' hazard factors and the replications' regime paths) makes the hazard follow the
    regimes (MODEL.md §15)."""
    plan = exit_plan(sc, base)
    planned, lead, notice = plan.planned_leave_hours, plan.lead_hours, plan.notice_hours
    if plan.from_hours is None:
        trig = np.full(size, INF)
    elif security is not None:
        trig = exit_trigger(plan.from_hours, plan.mean_hours, security[0], security[1],
                            rng.standard_exponential(size))
    else:
        trig = plan.from_hours + rng.exponential(plan.mean_hours, size)
    forced = trig + notice < planned
    leave = np.where(forced, trig + notice, planned)
    # the cut-off never moves later than planned: a late trigger finds the base already cut off
    cutoff = np.where(forced, np.minimum(np.maximum(leave - lead, trig), planned - lead), planned - lead)
    return Exit(np.where(forced, trig, INF), leave, cutoff, forced)


def early_exit_one(plan: ExitPlan, rng: np.random.Generator,
                   security: tuple[np.ndarray, list[float], list[int]] | None = None) -> Exit[float]:
    """``early_exit`` for one replication on Python floats: the same draw and the same operations
    as ``early_exit(..., size=1)`` (a test checks equality); numpy on one-element arrays costs
    about ten times as much, once per SimPy replication. ``security``: the regimes' hazard factors
    and the replication's path (change times, regimes)."""
    planned, lead = plan.planned_leave_hours, plan.lead_hours
    if plan.from_hours is None:
        trig = INF
    elif security is not None:
        trig = exit_trigger_one(plan.from_hours, plan.mean_hours, security[0], security[1], security[2],
                                float(rng.standard_exponential()))
    else:
        trig = plan.from_hours + float(rng.exponential(plan.mean_hours))
    notice = plan.notice_hours
    if not trig + notice < planned:
        return Exit(INF, planned, planned - lead, False)
    leave = trig + notice
    return Exit(trig, leave, min(max(leave - lead, trig), planned - lead), True)


def known(t: np.ndarray, trigger: np.ndarray, planned_leave: np.ndarray | float, planned_cutoff: np.ndarray | float,
          leave: np.ndarray, cutoff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leave-by and cut-off as known at time ``t``: the planned ones before the trigger, the
    effective ones from the trigger on (MODEL.md §1)."""
    before = t < trigger
    return np.where(before, planned_leave, leave), np.where(before, planned_cutoff, cutoff)


def known_one(t: float, trigger: float, planned_leave: float, planned_cutoff: float, leave: float,
              cutoff: float) -> tuple[float, float]:
    """``known`` for one base of one replication on Python floats (a test checks equality)."""
    if t < trigger:
        return planned_leave, planned_cutoff
    return leave, cutoff
