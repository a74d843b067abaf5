"""Replications until a precision target: add replications until the CI half-width of every chosen
metric is below its target. Replications 0..n-1 are the same as in a run of n, and none is run twice:
one plan grows into the next, its finished parts kept in memory."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engines.blocks import BLOCK_SIZE
from sim.experiments import summaries
from sim.experiments.execution import MemorySink, execute
from sim.experiments.executors import Executor, Simulate
from sim.experiments.plan import Arm, make_plan
from sim.experiments.settings import MAX_REPLICATIONS, RunSettings, resolve, whole
from sim.experiments.sweep import check_metrics, scenario_source
from sim.model.errors import ScenarioError
from sim.model.schema import Scenario


@dataclass
class TargetResult:
    """``reached``: per metric the target, the half-width reached, the estimate and its CI."""

    reached: pd.DataFrame
    met: bool
    replications: int
    runs: pd.DataFrame
    bases: pd.DataFrame


def halfwidth(values: np.ndarray) -> dict[str, float]:
    """Mean, CI and half-width of a metric (Wilson for booleans)."""
    d = summaries.describe(values)
    return {"mean": d["mean"], "ci_low": d["ci_low"], "ci_high": d["ci_high"],
            "halfwidth": (d["ci_high"] - d["ci_low"]) / 2}


def _whole_parts(n: int, unit: int) -> int:
    """``n`` rounded up to whole parts, so that no part of one plan is cut short in the next (only
    the cap may end a plan inside a part, and then it is the last plan)."""
    return math.ceil(n / unit) * unit


def run_until(
    scenario: Scenario | str | Path,
    targets: Mapping[str, float],
    max_replications: int = 100_000,
    engine: str | None = None,
    seed: int | None = None,
    min_replications: int | None = None,
    executor: Executor | None = None,
    simulate: Simulate | None = None,
) -> TargetResult:
    """Add replications until the CI half-width of every metric in ``targets`` is below its target,
    or ``max_replications`` is reached."""
    _, sc, where = scenario_source(scenario)
    check_metrics(list(targets), sc, where)
    for m, t in targets.items():
        if isinstance(t, bool) or not isinstance(t, int | float) or not t > 0:
            raise ScenarioError(where, f"targets.{m}", f"a target half-width is positive (got {t!r})")
    cap = whole(max_replications, "max_replications", 1, MAX_REPLICATIONS, where)
    base = resolve(where, sc, engine, 1, seed)
    unit = BLOCK_SIZE if base.engine == "batch" else 10  # replications per part
    step = BLOCK_SIZE if base.engine == "batch" else 20
    first = min_replications if min_replications is not None else (BLOCK_SIZE if base.engine == "batch" else 50)
    n = min(cap, _whole_parts(whole(first, "min_replications", 1, MAX_REPLICATIONS, where), unit))
    sink = MemorySink()
    while True:
        settings = RunSettings(base.engine, n, base.seed)
        plan = make_plan([Arm(0, sc)], settings, chunk_replications=unit)
        # the last unit of a smaller plan may be cut short: such parts are not chunks of this plan
        sink.parts = {k: v for k, v in sink.parts.items() if plan.expected_rows().get(k) == len(v)}
        bases, runs = execute(plan, executor, sink, simulate=simulate, where="memory")
        widths = {m: halfwidth(runs[m].to_numpy()) for m in targets}
        reached = pd.DataFrame([{"metric": m, "target": float(t), **widths[m], "replications": n}
                                for m, t in targets.items()])
        reached["met"] = reached["halfwidth"] <= reached["target"]
        if bool(reached["met"].all()) or n >= cap:
            return TargetResult(reached, bool(reached["met"].all()), n, runs, bases)
        ratios = [(widths[m]["halfwidth"] / float(t)) ** 2 for m, t in targets.items()
                  if np.isfinite(widths[m]["halfwidth"])]
        grow = max(ratios, default=2.0)
        n = min(cap, _whole_parts(max(n + step, math.ceil(n * grow * 1.1)), unit))
