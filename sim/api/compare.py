"""``compare`` a baseline and a variant with common random numbers (and with independent streams,
to show the variance reduction)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.api.common import writes
from sim.experiments.compare import (
    COMPARE_METRICS,
    CompareResult,
    compare_draws_plan,
    compare_draws_result,
    compare_plan,
    compare_result,
    variant_scenario,
)
from sim.experiments.draws import MAX_DRAWS, make_draws
from sim.experiments.execution import execute
from sim.experiments.executors import Executor, Simulate
from sim.experiments.progress import progress_bar
from sim.experiments.settings import resolve, whole, with_budget
from sim.experiments.sweep import check_metrics
from sim.model.schema import Scenario
from sim.store.roads import write_roads
from sim.store.runstore import RunStore, recorded


def compare(
    baseline: Scenario | str | Path,
    variant: Scenario | str | Path | Mapping[str, Any] | Sequence[str] | None,
    replications: int | None = None,
    engine: str | None = None,
    seed: int | None = None,
    metrics: Sequence[str] | None = None,
    executor: Executor | None = None,
    simulate: Simulate | None = None,
    progress: bool = False,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    design: dict[str, Any] | None = None,
    budget_hours: float | None = None,
    force: bool = False,
    draws: int | None = None,
) -> CompareResult:
    """Paired comparison with common random numbers, and the same with independent streams.

    Baseline and variant run with ``crn=True``: replication r of both draws the same numbers, and
    the CI is that of the paired differences. The variant runs once more with independent streams
    to show the variance reduction. With ``out`` or ``results_root`` the parts, ``compare.csv`` and
    both runs tables go to a results folder (``design``: what to record of how it was asked).

    ``draws=K``: a two-level comparison (MODEL.md §17): each of ``K`` draws of the baseline's
    uncertain inputs runs both sides with ``replications`` replications (common random numbers within
    the draw); ``compare.csv`` adds each effect's 5/50/95 % over the draws (``effect_q05`` ...), and
    ``draws.parquet`` the drawn inputs.
    """
    base, var = variant_scenario(baseline, variant)
    where = None if isinstance(baseline, Scenario) else str(baseline)
    settings = resolve(where, base, engine, replications, seed)
    ms = check_metrics(list(metrics or COMPARE_METRICS), base, where)
    settings = with_budget(settings, budget_hours, force)
    drawn = make_draws(base, whole(draws, "draws", 1, MAX_DRAWS, where), settings.seed, where) if draws else None
    plan = compare_plan(base, var, settings) if drawn is None else compare_draws_plan(base, var, settings, drawn)
    store = None
    if writes(out, results_root):
        rec = {**(design or {}), **({"draws": drawn.count} if drawn is not None else {})}
        store = RunStore.create(results_root, base, "compare", settings.engine, settings.seed,
                                settings.replications, design=rec or None, out=out)
    t0 = time.perf_counter()
    sink = store.sink() if store is not None else None
    with recorded(store, t0):
        with progress_bar(3 * settings.replications * (drawn.count if drawn else 1), progress) as advance:
            _, runs = execute(plan, executor, sink, advance, simulate,
                              where=str(store.path) if store is not None else "memory")
        path = store.path if store is not None else None
        res = (compare_result(runs, ms, settings.replications, path) if drawn is None
               else compare_draws_result(runs, ms, settings.replications, drawn, path))
        if store is not None:
            if drawn is not None:
                store.write_table("draws", drawn.table)
            store.write_table("compare.csv", res.table)
            store.write_table("runs_baseline", res.baseline)
            store.write_table("runs_variant", res.variant)
            write_roads(store, [t.part_id for t in plan.tasks], sink.roads if sink else None)
    if store is not None:
        store.finish("complete", time.perf_counter() - t0, {"metrics": ms})
    return res
