"""``run`` a scenario (Monte Carlo replications) and ``trace`` one replication.

Library functions write nothing unless asked: with ``out=`` (a new folder) or ``results_root=``
(a new ``<run-id>`` inside it) the tables stream into a results folder; charts and the report are
drawn by ``sim.report.write_charts`` / ``sim.report.write_report`` (the command line does both).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api.common import Overrides, resolve_scenario, writes
from sim.experiments.draws import label_draws, run_plan
from sim.experiments.execution import execute
from sim.experiments.executors import Executor
from sim.experiments.progress import progress_bar
from sim.experiments.settings import resolve, whole, with_budget
from sim.experiments.summaries import summarize, summary_metrics
from sim.experiments.variance import variance_split
from sim.model.errors import ScenarioError
from sim.model.outcomes import finish_bases, roll_up
from sim.model.schema import Scenario
from sim.store.resume import manifest_design, reopen
from sim.store.roads import write_roads
from sim.store.runstore import RunStore, recorded


@dataclass
class RunResult:
    """Tables of a run: per (point, replication, base), per (point, replication), and summaries."""

    bases: pd.DataFrame
    runs: pd.DataFrame
    summary: pd.DataFrame
    path: Path | None
    scenario: Scenario
    engine: str
    seed: int
    replications: int
    wall_time_s: float = 0.0
    draws: pd.DataFrame | None = None
    """Two-level run (MODEL.md §17): each draw's input values (``draws.parquet``); else ``None``."""
    variance: pd.DataFrame | None = None
    """Two-level run: each metric's variance split (``variance.csv``, ``experiments.variance``)."""


@dataclass
class TraceResult:
    """One traced DES replication: its tables plus the event log and convoy legs."""

    bases: pd.DataFrame
    runs: pd.DataFrame
    events: pd.DataFrame
    legs: pd.DataFrame
    path: Path | None
    scenario: Scenario
    seed: int
    replication: int
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)


def run(
    scenario: Scenario | str | Path,
    engine: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    overrides: Overrides = None,
    resume: str | Path | None = None,
    extra: dict[str, Any] | None = None,
    budget_hours: float | None = None,
    force: bool = False,
    draws: int | None = None,
) -> RunResult:
    """Run ``replications`` replications (default: the scenario's ``run`` block) with ``engine``
    (default ``DEFAULT_ENGINE``). Writes a results folder only with ``out`` or ``results_root``.
    Bad input raises ``ScenarioError`` before any folder is made. ``resume=<folder>`` finishes an
    interrupted run of the same scenario: engine, replications and seed come from its manifest,
    finished parts are not run again. ``extra``: more to record in the manifest. A run whose cost estimate
    exceeds ``budget_hours`` CPU-hours (default ``cost.DEFAULT_BUDGET_HOURS``) is refused before it
    starts unless ``force``.

    ``draws=K`` (default: the scenario's ``run.draws``) makes a two-level run (MODEL.md §17): ``K``
    draws of the uncertain inputs, each run ``replications`` times; the tables get a ``draw``
    column, the summary pools every replication (the predictive distribution), and ``draws`` and
    ``variance`` give the drawn inputs and each metric's variance split."""
    sc, file = resolve_scenario(scenario, overrides)
    store: RunStore | None = None
    if resume is not None:
        store, settings = reopen(resume, "run", engine, replications, seed, scenario=sc, scenario_file=file)
        stored = manifest_design(store).get("draws")
        if draws is not None and draws != stored:
            raise ScenarioError(str(resume), "draws", f"this run was made with draws {stored!r}, not {draws!r}; "
                                "a resumed run keeps its settings (start a new run to change them)")
        k = stored
    else:
        settings = resolve(file, sc, engine, replications, seed)
        k = draws if draws is not None else sc.run.draws
    settings = with_budget(settings, budget_hours, force)
    plan, drawn = run_plan(sc, settings, k, file)
    if store is None and writes(out, results_root):
        store = RunStore.create(results_root, sc, "run", settings.engine, settings.seed, settings.replications,
                                design={"draws": drawn.count} if drawn is not None else None, out=out)
    t0 = time.perf_counter()
    info: dict[str, Any] = {"source": file, **(extra or {})}
    sink = store.sink() if store is not None else None
    with recorded(store, t0):
        with progress_bar(settings.replications * len(plan.arms),
                          progress and len(plan.tasks) > 2) as advance:
            bases, runs = execute(plan, executor, sink, advance,
                                  where=str(store.path) if store is not None else "memory")
        variance = None
        if drawn is not None:
            bases, runs = label_draws(bases), label_draws(runs)
            variance = variance_split(runs, summary_metrics(sc))
        summary = summarize(sc, runs)
        if store is not None:
            store.write_table("bases", bases)
            store.write_table("runs", runs)
            store.write_table("summary.csv", summary)
            if drawn is not None and variance is not None:
                store.write_table("draws", drawn.table)
                store.write_table("variance.csv", variance)
            write_roads(store, [t.part_id for t in plan.tasks], sink.roads if sink else None,
                        pool=drawn is not None)
    wall = time.perf_counter() - t0
    if store is not None:
        store.finish("complete", wall, info)
    return RunResult(bases, runs, summary, store.path if store else None, sc, settings.engine, settings.seed,
                     settings.replications, wall, drawn.table if drawn is not None else None, variance)


def trace(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    replication: int = 0,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    overrides: Overrides = None,
    extra: dict[str, Any] | None = None,
) -> TraceResult:
    """Trace one replication with the SimPy engine: tables, events and convoy legs. Writes
    ``bases.parquet``, ``runs.parquet``, ``events.parquet``, ``convoys.parquet`` (the legs) and
    ``summary.csv`` to a new results folder only with ``out`` or ``results_root``."""
    from sim.engines.des import trace as des_trace

    sc, file = resolve_scenario(scenario, overrides)
    settings = resolve(file, sc, "des", 1, seed)
    rep = whole(replication, "replication", 0, 2**32 - 1, file)
    store = None
    if writes(out, results_root):
        store = RunStore.create(results_root, sc, "trace", "des", settings.seed, 1, out=out)
    t0 = time.perf_counter()
    with recorded(store, t0):
        tr = des_trace(sc, settings.seed, replication=rep)
        bases = finish_bases(sc, tr.bases)
        runs = roll_up(sc, bases)
        summary = summarize(sc, runs)
        events, legs = tr.events.reset_index(drop=True), tr.legs.reset_index(drop=True)
        if store is not None:
            for name, df in (("bases", bases), ("runs", runs), ("events", events), ("convoys", legs)):
                store.write_table(name, df)
            store.write_table("summary.csv", summary)
    if store is not None:
        store.finish("complete", time.perf_counter() - t0, {"source": file, "replication": rep, **(extra or {})})
    return TraceResult(bases, runs, events, legs, store.path if store else None, sc, settings.seed, rep, summary)
