"""``sweep`` a scenario over a design, ``sweep_file`` a sweep file, ``sensitivity`` indices.

As every Python entry point: nothing is written unless ``out`` or ``results_root`` is given; a
folder written can be resumed (``resume=<folder>``) without redoing finished parts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api.common import writes
from sim.experiments import sensitivity as sens
from sim.experiments.designs import Design, Parameter
from sim.experiments.execution import execute
from sim.experiments.executors import Executor, Simulate
from sim.experiments.progress import progress_bar
from sim.experiments.settings import resolve, with_budget
from sim.experiments.specs import load_sweep
from sim.experiments.sweep import (
    SweepResult,
    as_design,
    check_metrics,
    scenario_source,
    sweep_plan,
    sweep_result,
)
from sim.model.errors import ScenarioError
from sim.model.loader import read_yaml, validate
from sim.model.schema import Scenario
from sim.store.resume import manifest_design, reopen, require
from sim.store.roads import write_roads
from sim.store.runstore import RunStore, recorded


def sweep(
    scenario: Scenario | str | Path | None,
    design: Design | pd.DataFrame | None,
    replications: int | None = None,
    engine: str | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    resume: str | Path | None = None,
    progress: bool = False,
    metrics: Sequence[str] | None = None,
    chunk_replications: int | None = None,
    simulate: Simulate | None = None,
    extra: dict[str, Any] | None = None,
    budget_hours: float | None = None,
    force: bool = False,
) -> SweepResult:
    """Run ``replications`` of every point of ``design`` with common random numbers.

    ``design`` is a ``Design`` or a table of points (one column per dotted path). Every path and
    value is validated before anything runs. With ``out`` or ``results_root`` the chunks stream to
    a results folder; ``resume=<folder>`` reopens an interrupted sweep (scenario, design, engine,
    seed and replications come from its manifest) and runs only the chunks that are not finished.
    """
    t0 = time.perf_counter()
    store: RunStore | None = None
    if resume is not None:
        store, settings = reopen(resume, "sweep", engine, replications, seed)
        info = manifest_design(store)
        chunk_replications, metrics = info.get("chunk_replications"), info.get("metrics")
        require(store, "scenario.yaml", "points.parquet")
        sc_file = store.path / "scenario.yaml"
        where: str | None = str(sc_file)
        raw = read_yaml(sc_file)
        base = validate(raw, where)
        points = pd.read_parquet(store.path / "points.parquet")
    else:
        if scenario is None or design is None:
            raise ValueError("sweep needs a scenario and a design (or resume=<results folder>)")
        raw, base, where = scenario_source(scenario)
        points = as_design(design).points()
        settings = resolve(where, base, engine, replications, seed)
    settings = with_budget(settings, budget_hours, force)
    metric_list = check_metrics(metrics, base, where)
    plan = sweep_plan(raw, points, settings, where, chunk_replications)
    if store is None and writes(out, results_root):
        d = as_design(design).to_dict() if design is not None else None
        info = {"design": d, "paths": [c for c in points.columns if c != "point"], "metrics": list(metrics or []),
                "crn": True, "chunk_replications": chunk_replications, "n_points": len(points)}
        store = RunStore.create(results_root, base, "sweep", settings.engine, settings.seed, settings.replications,
                                design=info, out=out)
        store.write_table("points", points)
    sink = store.sink() if store is not None else None
    with recorded(store, t0):
        total = settings.replications * len(points)
        with progress_bar(total, progress) as advance:
            bases, runs = execute(plan, executor, sink, advance, simulate,
                                  where=str(store.path) if store is not None else "memory")
        result = sweep_result(points, bases, runs, metric_list, store.path if store is not None else None)
        if store is not None:
            store.write_table("bases", result.bases)
            store.write_table("runs", result.table)
            store.write_table("summary.csv", result.summary)
            write_roads(store, [t.part_id for t in plan.tasks], sink.roads if sink else None)
    if store is not None:
        store.finish("complete", time.perf_counter() - t0,
                     {"n_points": len(points), "metrics": metric_list, **(extra or {})})
    return result


def sweep_file(
    file: str | Path,
    replications: int | None = None,
    engine: str | None = None,
    seed: int | None = None,
    **kwargs: Any,
) -> SweepResult:
    """Run a sweep file (``scenarios/sweeps/*.yaml``): its scenario, design, metrics and settings;
    arguments given here win over the file's. Errors about design values name the sweep file."""
    spec = load_sweep(file)
    blame_scenario(spec.file, spec.scenario)
    settings = resolve(spec.file, scenario_source(spec.scenario)[1],
                       engine or spec.spec.engine,
                       replications if replications is not None else spec.spec.replications,
                       seed if seed is not None else spec.spec.seed)
    with blamed(spec.file, spec.scenario, spec.design.paths):
        return sweep(spec.scenario, spec.design, replications=settings.replications, engine=settings.engine,
                     seed=settings.seed, metrics=kwargs.pop("metrics", None) or spec.spec.metrics, **kwargs)


def blame_scenario(spec_file: Path, scenario: Path) -> None:
    """Validate the scenario a sweep or sensitivity file names: an unreadable file is a problem of
    the spec's ``scenario`` field; a bad field inside it names the scenario file and that field."""
    try:
        scenario_source(scenario)
    except ScenarioError as exc:
        if exc.field is None:
            raise ScenarioError(spec_file, "scenario", f"{scenario}: {exc.message}") from None
        raise


class blamed:
    """Errors about design values or metrics, raised against the (valid) scenario, name the spec."""

    def __init__(self, spec_file: Path, scenario: Path, paths: Sequence[str], prefix: str = "design.parameters") -> None:
        self.spec_file, self.scenario, self.paths, self.prefix = spec_file, scenario, list(paths), prefix

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, ScenarioError) and exc.file == str(self.scenario):
            field = f"{self.prefix}.{exc.field}" if exc.field in self.paths else exc.field
            raise ScenarioError(self.spec_file, field, f"{exc.message} (applied to {self.scenario})") from None


def sensitivity(
    scenario: Scenario | str | Path,
    parameters: Sequence[Parameter],
    metric: str,
    method: str = "sobol",
    n: int = 64,
    replications: int | None = None,
    engine: str | None = None,
    seed: int | None = None,
    design_seed: int = 0,
    executor: Executor | None = None,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    progress: bool = False,
    simulate: Simulate | None = None,
    budget_hours: float | None = None,
    force: bool = False,
) -> sens.SensitivityResult:
    """Sobol (first and total order) or Morris (elementary effects) indices of ``metric``: the
    design's points swept with common random numbers (mean of ``metric`` per point). The sweep is
    refused before it starts when its cost estimate exceeds ``budget_hours`` unless ``force``."""
    sens.check(method, parameters, n)
    unit, points = sens.design(method, parameters, n, design_seed)
    res = sweep(scenario, points, replications=replications, engine=engine, seed=seed, executor=executor,
                out=out, results_root=results_root, progress=progress, metrics=[metric], simulate=simulate,
                budget_hours=budget_hours, force=force,
                extra={"sensitivity": {"method": method, "metric": metric, "n": n, "design_seed": design_seed}})
    result = sens.indices(method, parameters, unit, res, metric, design_seed)
    if res.path is not None:
        RunStore.open(res.path).write_table(f"sensitivity_{method}.csv", result.indices)
    return result

