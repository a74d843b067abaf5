"""The Python API for scripts: ``run`` a scenario, ``trace`` one replication.

The model does not know how it is executed or stored: this module cuts a run into chunks of units
(``sim.executors``), hands each finished chunk to ``sim.store`` as a Parquet part, and consolidates
the parts with ``sim.outcomes`` at the end.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim import engine as engine_mod
from sim.engine import DEFAULT_ENGINE
from sim.executors import Executor, SerialExecutor, Task, run_chunks, tasks_for
from sim.loader import ScenarioError, load_scenario, scenario_dict, scenario_hash
from sim.outcomes import finish_bases, roll_up, summarize
from sim.progress import progress_bar
from sim.scenario import Scenario
from sim.store import RunStore, StoreError, recorded


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


def resolve_scenario(
    scenario: Scenario | str | Path, overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> tuple[Scenario, str]:
    """The validated scenario and the name to use in messages (its file, or its name)."""
    if isinstance(scenario, Scenario):
        if overrides:
            raise ValueError("overrides apply to scenario files; pass a path, or change the Scenario")
        return scenario, f"<scenario {scenario.name}>"
    return load_scenario(scenario, overrides), str(scenario)


def _whole(value: Any, name: str, minimum: int, file: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(file, name, f"must be a whole number >= {minimum} (got {value!r})")
    return int(value)


def check_engine(sc: Scenario, engine: str, file: str) -> None:
    """``engine.check_engine`` with its refusal turned into a ``ScenarioError`` (bad input)."""
    try:
        engine_mod.check_engine(sc, engine)
    except ValueError as exc:
        hint = "; try --engine des" if engine == "batch" else ""
        raise ScenarioError(file, "engine", f"the '{engine}' engine cannot run this scenario: {exc}{hint}") from None


def write_charts(path: Path, sc: Scenario, tables: Mapping[str, pd.DataFrame]) -> str | None:
    """Charts and report by ``sim.report`` when it is there; returns an error text if they failed.

    A chart that fails does not fail the run: its tables are already written.
    """
    try:
        from sim import report
    except ImportError:
        return None
    try:
        fn = getattr(report, "write_run_charts", None)
        if fn is not None:
            fn(path, sc, dict(tables))
        fn = getattr(report, "write_report", None)
        if fn is not None:
            fn(path)
    except Exception as exc:  # the run's tables are safe: say what failed, keep them
        msg = f"charts or report failed: {type(exc).__name__}: {exc}"
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
        return msg
    return None


def _close(store: RunStore | None, status: str, t0: float, extra: dict[str, Any] | None = None) -> None:
    if store is not None:
        store.finish(status, time.perf_counter() - t0, extra)


def _reopen_run(
    folder: str | Path, sc: Scenario, file: str, engine: str | None, replications: int | None, seed: int | None,
) -> tuple[RunStore, str, int, int]:
    """The run folder ``folder`` reopened to finish it: its engine, replications and seed.

    The scenario given must be the one the folder was run with (same hash); settings given
    explicitly must match the manifest."""
    store = RunStore.open(folder)
    m = store.manifest
    where = str(folder)
    if m.get("kind") != "run":
        raise ScenarioError(where, "kind", f"not a run results folder (kind {m.get('kind')!r}); "
                            "a sweep resumes with 'withdrawal-sim sweep --resume'")
    if m.get("scenario", {}).get("sha256") != scenario_hash(sc):
        raise ScenarioError(file, None, f"this is not the scenario {where} was run with "
                            "(compare its scenario.yaml; --set overrides must be the same)")
    for name, given, stored in (("engine", engine, m["engine"]), ("seed", seed, m["seed"]),
                                ("replications", replications, m["replications"])):
        if given is not None and given != stored:
            raise ScenarioError(where, name, f"this run was made with {name} {stored!r}, not {given!r}; "
                                "a resumed run keeps its settings (start a new run to change them)")
    if not (store.path / "scenario.yaml").is_file():  # cut short right after its manifest
        text = yaml.safe_dump(scenario_dict(sc), sort_keys=False, allow_unicode=True)
        store.write_text("scenario.yaml", text)
    store.update(status="running")
    return store, str(m["engine"]), int(m["replications"]), int(m["seed"])


def _done_frames(store: RunStore, tasks: list[Task], n_bases: int) -> list[pd.DataFrame]:
    """The finished parts of a resumed run; ``StoreError`` if they are not chunks of this run."""
    expected = {t.part_id: t.replications * n_bases for t in tasks}
    listed = store.manifest["parts"].get("bases", {})
    for part, rows in listed.items():
        if expected.get(part) != rows:
            raise StoreError(f"{store.path}: part {part} ({rows} rows) is not a chunk of this run; "
                             "start a new run")
    return [pd.read_parquet(store.part_path("bases", part)) for part in listed]


def run(
    scenario: Scenario | str | Path,
    engine: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    results_root: str | Path | None = "results",
    progress: bool = False,
    executor: Executor | None = None,
    charts: bool = True,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    resume: str | Path | None = None,
) -> RunResult:
    """Run ``replications`` replications (default: the scenario's ``run`` block) with ``engine``
    (default ``DEFAULT_ENGINE``).

    Writes ``results_root/<run-id>/`` (or ``out``); with ``out=None`` and ``results_root=None``
    nothing is written. Bad input raises ``ScenarioError`` before any folder is made.
    ``resume=<folder>`` finishes an interrupted run of the same scenario: engine, replications and
    seed come from its manifest, finished parts are not run again.
    """
    sc, file = resolve_scenario(scenario, overrides)
    store = None
    if resume is not None:
        store, engine, replications, seed = _reopen_run(resume, sc, file, engine, replications, seed)
    engine = engine or DEFAULT_ENGINE
    reps = _whole(sc.run.replications if replications is None else replications, "replications", 1, file)
    seed_ = _whole(sc.run.seed if seed is None else seed, "seed", 0, file)
    check_engine(sc, engine, file)
    tasks = tasks_for([sc], [0], engine, reps, seed_)
    frames = _done_frames(store, tasks, len(sc.bases)) if store is not None else []
    done = store.done_parts("bases") if store is not None else set()
    if store is None and (out is not None or results_root is not None):
        store = RunStore.create(results_root, sc, "run", engine, seed_, reps, out=out)
    t0 = time.perf_counter()
    with recorded(store, t0):
        ex = executor or SerialExecutor()
        todo = [t for t in tasks if t.part_id not in done]
        with progress_bar(reps, progress and len(tasks) > 2) as advance:
            advance(sum(t.replications for t in tasks if t.part_id in done))
            for task, df in run_chunks(ex, todo):
                if store is not None:
                    store.write_part("bases", task.part_id, df)
                frames.append(df)
                advance(task.replications)
        bases = finish_bases(sc, pd.concat(frames, ignore_index=True))
        runs = roll_up(sc, bases)
        summary = summarize(sc, runs)
        extra: dict[str, Any] = {"source": file}
        if store is not None:
            store.write_table("bases", bases)
            store.write_table("runs", runs)
            store.write_table("summary.csv", summary)
            if charts:
                err = write_charts(store.path, sc, {"bases": bases, "runs": runs, "summary": summary})
                if err:
                    extra["charts_error"] = err
    wall = time.perf_counter() - t0
    _close(store, "complete", t0, extra)
    return RunResult(bases, runs, summary, store.path if store else None, sc, engine, seed_, reps, wall)


def _des_trace(sc: Scenario, seed: int, replication: int) -> Any:
    from sim.des import trace as des_trace

    return des_trace(sc, seed, replication=replication)


def trace(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    replication: int = 0,
    out: str | Path | None = None,
    results_root: str | Path | None = "results",
    charts: bool = True,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> TraceResult:
    """Trace one replication with the SimPy engine: tables, events and convoy legs.

    Writes ``bases.parquet``, ``runs.parquet``, ``events.parquet``, ``convoys.parquet`` (the legs)
    and ``summary.csv`` to a new results folder (nothing with ``out=None, results_root=None``).
    """
    sc, file = resolve_scenario(scenario, overrides)
    seed_ = _whole(sc.run.seed if seed is None else seed, "seed", 0, file)
    rep = _whole(replication, "replication", 0, file)
    check_engine(sc, "des", file)
    store = None
    if out is not None or results_root is not None:
        store = RunStore.create(results_root, sc, "trace", "des", seed_, 1, out=out)
    t0 = time.perf_counter()
    with recorded(store, t0):
        tr = _des_trace(sc, seed_, rep)
        bases = finish_bases(sc, tr.bases)
        runs = roll_up(sc, bases)
        summary = summarize(sc, runs)
        events, legs = tr.events.reset_index(drop=True), tr.legs.reset_index(drop=True)
        extra: dict[str, Any] = {"source": file, "replication": rep}
        if store is not None:
            for name, df in (("bases", bases), ("runs", runs), ("events", events), ("convoys", legs)):
                store.write_table(name, df)
            store.write_table("summary.csv", summary)
            if charts:
                tables = {"bases": bases, "runs": runs, "summary": summary, "events": events, "convoys": legs}
                err = write_charts(store.path, sc, tables)
                if err:
                    extra["charts_error"] = err
    _close(store, "complete", t0, extra)
    return TraceResult(bases, runs, events, legs, store.path if store else None, sc, seed_, rep, summary)
