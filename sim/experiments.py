"""Experiments on a scenario: sweeps over designs, paired comparisons, replications to a target.

Experiments are separate from the model and from how it is executed: they build tasks (sweep point
× chunk of units), hand them to an executor (``sim.executors``) and stream finished chunks to a
results folder (``sim.store``), from which an interrupted sweep resumes. Every point uses the same
seed with common random numbers (``crn=True``): replication r draws the same numbers at every point,
so differences between points are sharp.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import outcomes
from sim.assembly import Assembly, stack
from sim.designs import Design, explicit_points, point_scenarios
from sim.engine import DEFAULT_ENGINE, check_engine
from sim.executors import Executor, SerialExecutor, Simulate, Task, chunks, run_chunks, tasks_for
from sim.loader import ScenarioError, apply_overrides, read_yaml, scenario_dict, validate
from sim.progress import progress_bar
from sim.scenario import Scenario
from sim.store import RunStore, StoreError, recorded
from sim.streams import BLOCK_SIZE

BASES = "bases"
"""Store table of the per-base rows; one part per finished chunk."""


def scenario_source(scenario: Scenario | str | Path) -> tuple[dict[str, Any], Scenario, str | None]:
    """Raw data, validated scenario and file name (None for an in-memory scenario)."""
    if isinstance(scenario, Scenario):
        return scenario_dict(scenario), scenario, None
    raw = read_yaml(scenario)
    return raw, validate(raw, scenario), str(scenario)


def check_metrics(metrics: Sequence[str] | None, sc: Scenario, where: str | None = None) -> list[str]:
    """The metrics to summarize (all summary metrics and cargo columns by default)."""
    known = [*outcomes.SUMMARY_METRICS, *outcomes.cargo_columns(sc)]
    if not metrics:
        return known
    runs_cols = outcomes.run_columns(sc)
    for m in metrics:
        if m not in runs_cols or m in ("point", "replication"):
            raise ScenarioError(where, "metrics", f"unknown metric '{m}' (metrics: {', '.join(known)})")
    return list(metrics)


def execute(
    tasks: list[Task], executor: Executor | None = None, simulate: Simulate | None = None,
    store: RunStore | None = None, progress: bool = False, n_points: int | None = None,
    done: Iterable[str] = (), collect: Callable[[Task, pd.DataFrame], None] | None = None,
) -> list[pd.DataFrame]:
    """Run ``tasks`` not in ``done``; write each finished chunk to ``store`` as it arrives and hand
    it to ``collect``. Without ``collect``, returns the tables computed here, in part order.
    """
    done = set(done)
    todo = [t for t in tasks if t.part_id not in done]
    per_point: dict[int, int] = {}
    for t in tasks:
        per_point[t.point] = per_point.get(t.point, 0) + 1
    total = n_points if n_points is not None else len(per_point)
    out = []
    ex = executor or SerialExecutor()
    with progress_bar(total, progress, "points") as advance:
        advance(sum(1 / per_point[t.point] for t in tasks if t.part_id in done))
        for task, df in run_chunks(ex, todo, simulate):
            if store is not None:
                store.write_part(BASES, task.part_id, df)
            if collect is not None:
                collect(task, df)
            else:
                out.append((task.part_id, df))
            advance(1 / per_point[task.point])
    return [df for _, df in sorted(out, key=lambda item: item[0])]


@dataclass
class SweepResult:
    """A finished sweep: ``table`` (point × replication, parameters + run columns), ``bases``,
    ``summary`` (point × metric with mean, CI and quantiles), ``points`` and the results ``path``."""

    table: pd.DataFrame
    bases: pd.DataFrame
    summary: pd.DataFrame
    points: pd.DataFrame
    path: Path | None
    metrics: list[str]


def _as_design(design: Design | pd.DataFrame) -> Design:
    if isinstance(design, pd.DataFrame):
        return explicit_points(design.drop(columns=["point"], errors="ignore"))
    return design


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
) -> SweepResult:
    """Run ``replications`` of every point of ``design`` with common random numbers.

    ``design`` is a ``Design`` or a table of points (one column per dotted path). Every path and
    value is validated before anything runs. With ``out`` (a folder) or ``results_root`` (a new
    ``<run-id>`` inside it) the chunks stream to a results folder; ``resume=<folder>`` reopens an
    interrupted sweep (scenario, design, engine, seed and replications come from its manifest) and
    runs only the chunks that are not finished.
    """
    t0 = time.perf_counter()
    store: RunStore | None = None
    engine_arg, engine = engine, engine or DEFAULT_ENGINE
    if resume is not None:
        store = RunStore.open(resume)
        m = store.manifest
        if m.get("kind") != "sweep":
            raise ScenarioError(str(resume), "kind", f"not a sweep results folder (kind {m.get('kind')!r})")
        info = m["design"]
        for name, given, stored in (("engine", engine_arg, m["engine"]), ("seed", seed, m["seed"]),
                                    ("replications", replications, m["replications"])):
            if given is not None and given != stored:
                raise ScenarioError(str(resume), name, f"this sweep was run with {name} {stored!r}, not {given!r}; "
                                    "a resumed sweep keeps its settings (start a new sweep to change them)")
        engine, seed, replications = m["engine"], int(m["seed"]), int(m["replications"])
        chunk_replications, metrics = info.get("chunk_replications"), info.get("metrics")
        where = str(store.path / "scenario.yaml")
        for needed in ("scenario.yaml", "points.parquet"):
            if not (store.path / needed).is_file():
                raise StoreError(f"{store.path} has no {needed}: the sweep was stopped before its first "
                                 "point ran; start it again in a new folder")
        raw = read_yaml(where)
        base = validate(raw, where)
        points = pd.read_parquet(store.path / "points.parquet")
        store.update(status="running")
    else:
        if scenario is None or design is None:
            raise ValueError("sweep needs a scenario and a design (or resume=<results folder>)")
        raw, base, where = scenario_source(scenario)
        points = _as_design(design).points()
    metric_list = check_metrics(metrics, base, where)
    scenarios = point_scenarios(raw, points, where)
    for sc in {id(s): s for s in scenarios}.values():
        check_engine(sc, engine)
    seed = base.run.seed if seed is None else int(seed)
    replications = base.run.replications if replications is None else int(replications)
    if replications < 1:
        raise ScenarioError(where, "replications", f"must be a whole number >= 1 (got {replications})")
    point_ids = [int(p) for p in points["point"]]
    if store is None and (out is not None or results_root is not None):
        d = _as_design(design).to_dict() if design is not None else None
        info = {"design": d, "paths": [c for c in points.columns if c != "point"], "metrics": list(metrics or []),
                "crn": True, "chunk_replications": chunk_replications, "n_points": len(points)}
        store = RunStore.create(results_root, base, "sweep", engine, seed, replications, design=info, out=out)
        store.write_table("points", points)
    tasks = tasks_for(scenarios, point_ids, engine, replications, seed, True, chunk_replications)
    done = store.done_parts(BASES) if store is not None else set()
    assembly = Assembly(tasks, dict(zip(point_ids, scenarios, strict=True)))
    with recorded(store, t0):
        if store is not None:
            _add_finished_parts(store, assembly, done)
        execute(tasks, executor, simulate, store, progress, len(point_ids), done,
                collect=lambda task, df: assembly.add(task.part_id, df))
        bases, runs = assembly.tables()
        result = _finish_sweep(points, bases, runs, metric_list)
        result.path = store.path if store is not None else None
        if store is not None:
            store.write_table("bases", result.bases)
            store.write_table("runs", result.table)
            store.write_table("summary.csv", result.summary)
    if store is not None:
        store.finish("complete", time.perf_counter() - t0, {"n_points": len(points), "metrics": metric_list})
    return result


def summarize_metrics(runs: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """``outcomes.summarize`` restricted to ``metrics``: one row per (point, metric)."""
    rows = [{"point": point, "metric": m, **outcomes.describe(grp[m].to_numpy())}
            for point, grp in runs.groupby("point", sort=True) for m in metrics]
    return pd.DataFrame(rows)


def _add_finished_parts(store: RunStore, assembly: Assembly, done: Iterable[str]) -> None:
    """Hand the parts a resumed sweep finished before to ``assembly``."""
    for part_id in sorted(done):
        if part_id not in assembly.tasks:
            raise StoreError(f"{store.path}: part {part_id} of table {BASES} is not a chunk of this sweep's "
                             "plan; the folder was changed by hand or written by another version")
        assembly.add(part_id, pd.read_parquet(store.part_path(BASES, part_id)))


def _finish_sweep(points: pd.DataFrame, bases: pd.DataFrame, runs: pd.DataFrame, metrics: list[str]) -> SweepResult:
    table = points.merge(runs, on="point", how="right")
    lead = ["point", "replication"]
    table = table[lead + [c for c in table.columns if c not in lead]]
    summary = summarize_metrics(runs, metrics)
    summary = points.merge(summary, on="point", how="right")
    return SweepResult(table, bases, summary, points, None, metrics)


# -- paired comparisons -----------------------------------------------------------------------


@dataclass
class CompareResult:
    """``table``: one row per metric with the paired (CRN) difference and its CI, the half-width an
    independent-streams comparison gives, and the variance reduction (independent / paired)."""

    table: pd.DataFrame
    baseline: pd.DataFrame
    variant: pd.DataFrame
    replications: int


def variant_scenario(
    baseline: Scenario | str | Path, variant: Scenario | str | Path | Mapping[str, Any] | Sequence[str] | None,
) -> tuple[Scenario, Scenario]:
    """The baseline and the variant: a scenario, a file, or overrides applied to the baseline."""
    raw, base, where = scenario_source(baseline)
    if variant is None:
        raise ValueError("compare needs a variant: a scenario, a file or overrides")
    if isinstance(variant, Scenario):
        return base, variant
    if isinstance(variant, str | Path):
        return base, scenario_source(variant)[1]
    ov = dict(variant) if isinstance(variant, Mapping) else variant
    paths = list(ov) if isinstance(ov, dict) else [o.split("=", 1)[0].strip() for o in ov]
    from sim.designs import check_paths

    check_paths(raw, paths, where)
    return base, validate(apply_overrides(raw, ov), where)


def _runs(
    sc: Scenario, point: int, crn: bool, engine: str, replications: int, seed: int,
    executor: Executor | None, simulate: Simulate | None, progress: bool = False,
) -> pd.DataFrame:
    tasks = tasks_for([sc], [point], engine, replications, seed, crn)
    return stack({point: sc}, execute(tasks, executor, simulate, progress=progress))[1]


def paired_table(
    base: pd.DataFrame, var: pd.DataFrame, var_ind: pd.DataFrame, metrics: Sequence[str], z: float = 1.959964,
) -> pd.DataFrame:
    """Paired differences (variant − baseline) by replication, and the independent comparison."""
    rows = []
    n = len(base)
    for m in metrics:
        b = base[m].to_numpy(float)
        v = var[m].to_numpy(float)
        vi = var_ind[m].to_numpy(float)
        d = v - b
        var_paired = float(d.var(ddof=1)) if n > 1 else math.nan
        var_ind_diff = float(b.var(ddof=1) + vi.var(ddof=1)) if n > 1 else math.nan
        half = z * math.sqrt(var_paired / n) if n > 1 else math.nan
        half_ind = z * math.sqrt(var_ind_diff / n) if n > 1 else math.nan
        ratio = var_ind_diff / var_paired if var_paired > 0 else (math.inf if var_ind_diff > 0 else math.nan)
        rows.append({
            "metric": m, "baseline_mean": float(b.mean()), "variant_mean": float(v.mean()),
            "diff_mean": float(d.mean()), "ci_low": float(d.mean()) - half, "ci_high": float(d.mean()) + half,
            "diff_ci_halfwidth": half, "diff_mean_independent": float(vi.mean() - b.mean()),
            "diff_ci_halfwidth_independent": half_ind, "variance_reduction": ratio, "n": n,
        })
    return pd.DataFrame(rows)


COMPARE_METRICS: tuple[str, ...] = (
    "on_time", "completion_hours", "wounded", "killed", "vehicles_lost", "ied_strikes", "ambushes",
    "personnel_air", "destroyed_value_usd", "abandoned_value_usd",
)


def compare(
    baseline: Scenario | str | Path,
    variant: Scenario | str | Path | Mapping[str, Any] | Sequence[str] | None,
    replications: int | None = None,
    engine: str = DEFAULT_ENGINE,
    seed: int | None = None,
    metrics: Sequence[str] | None = None,
    executor: Executor | None = None,
    simulate: Simulate | None = None,
    progress: bool = False,
) -> CompareResult:
    """Paired comparison with common random numbers, and the same with independent streams.

    Baseline and variant run with ``crn=True``: replication r of both draws the same numbers, and
    the CI is that of the paired differences. The variant is run once more with ``crn=False``
    (point 1), whose streams are independent of the baseline's, to show the variance reduction.
    """
    base, var = variant_scenario(baseline, variant)
    check_engine(base, engine)
    check_engine(var, engine)
    seed = base.run.seed if seed is None else int(seed)
    n = base.run.replications if replications is None else int(replications)
    ms = check_metrics(list(metrics or COMPARE_METRICS), base)
    b = _runs(base, 0, True, engine, n, seed, executor, simulate, progress)
    v = _runs(var, 1, True, engine, n, seed, executor, simulate, progress)
    vi = _runs(var, 1, False, engine, n, seed, executor, simulate, progress)
    return CompareResult(paired_table(b, v, vi, ms), b, v, n)


# -- replications until a precision target -----------------------------------------------------


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
    d = outcomes.describe(values)
    return {"mean": d["mean"], "ci_low": d["ci_low"], "ci_high": d["ci_high"],
            "halfwidth": (d["ci_high"] - d["ci_low"]) / 2}


def run_until(
    scenario: Scenario | str | Path,
    targets: Mapping[str, float],
    max_replications: int = 100_000,
    engine: str = DEFAULT_ENGINE,
    seed: int | None = None,
    min_replications: int | None = None,
    executor: Executor | None = None,
    simulate: Simulate | None = None,
) -> TargetResult:
    """Add replications until the CI half-width of every metric in ``targets`` is below its target,
    or ``max_replications`` is reached. Replications 0..n-1 are the same as in a run of n."""
    _, sc, where = scenario_source(scenario)
    check_engine(sc, engine)
    check_metrics(list(targets), sc, where)
    for m, t in targets.items():
        if not t > 0:
            raise ScenarioError(where, f"targets.{m}", f"a target half-width is positive (got {t!r})")
    seed = sc.run.seed if seed is None else int(seed)
    block = chunks(engine, 1)[0][0].count if engine == "batch" else 1
    step = BLOCK_SIZE if engine == "batch" else 20
    n = min(max_replications, min_replications or (block if engine == "batch" else 50))
    have: dict[Any, pd.DataFrame] = {}
    while True:
        units = [u for c in chunks(engine, n) for u in c]
        have = {u: df for u, df in have.items() if u in set(units)}
        todo = [u for u in units if u not in have]
        tasks = [Task(f"u{u.index}", 0, sc, engine, (u,), seed, True) for u in todo]
        for task, df in (executor or SerialExecutor()).run(tasks, simulate):
            have[task.units[0]] = df
        bases, runs = stack({0: sc}, list(have.values()))
        rows = [{"metric": m, "target": float(t), **halfwidth(runs[m].to_numpy()), "replications": n}
                for m, t in targets.items()]
        reached = pd.DataFrame(rows)
        reached["met"] = reached["halfwidth"] <= reached["target"]
        if bool(reached["met"].all()) or n >= max_replications:
            return TargetResult(reached, bool(reached["met"].all()), n, runs, bases)
        ratios = [(r["halfwidth"] / r["target"]) ** 2 for r in rows if np.isfinite(r["halfwidth"])]
        grow = max(ratios, default=2.0)
        nxt = max(n + step, math.ceil(n * grow * 1.1))
        if engine == "batch":
            nxt = math.ceil(nxt / block) * block
        n = min(max_replications, nxt)
