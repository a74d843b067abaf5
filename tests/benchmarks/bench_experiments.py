"""Benchmark: a sweep of 16 points on 2 workers (local processes, Dask LocalCluster) against 1.

Target: speed-up of at least 1.6× on 2 workers. ``run(quick)`` returns the figures so that
``withdrawal-sim bench`` can print them; ``python tests/benchmarks/bench_experiments.py [--quick]``
prints them directly. Not collected by pytest (the default run collects test_*.py only).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
KIDAL = ROOT / "scenarios" / "kidal_2023.yaml"
TARGET_SPEEDUP = 1.6
N_POINTS = 16
WORKERS = 2


REPEATS = 3
"""Each timing is the best of this many: the shared machine's noise only ever adds time."""

def _design() -> Any:
    from sim.designs import parse_design

    return parse_design({"kind": "grid", "parameters": {
        "flights.p_grant": [0.1, 0.3, 0.6, 0.9],
        "convoy.max_vehicles": [40, 80, 120, 150],
    }})


def _engine() -> str:
    from sim.engine import check_engine
    from sim.loader import load_scenario

    try:
        check_engine(load_scenario(KIDAL), "batch")
        return "batch"
    except (ImportError, ValueError):
        return "des"


def _warm(executor: Any, engine: str) -> None:
    """Start the workers and import the engine in them before timing."""
    from sim.engine import Unit
    from sim.executors import Task
    from sim.loader import load_scenario

    sc = load_scenario(KIDAL)
    tasks = [Task(f"w{i}", 0, sc, engine, (Unit(0, 0, 1),), 1) for i in range(WORKERS * 2)]
    for _ in executor.run(tasks):
        pass


def _time_sweep(executor: Any, engine: str, replications: int) -> tuple[float, pd.DataFrame]:
    from sim.experiments import sweep

    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = sweep(KIDAL, _design(), replications=replications, engine=engine, seed=1, executor=executor,
                    metrics=["on_time", "completion_hours", "wounded", "killed"],
                    chunk_replications=replications if engine == "des" else None)
        best = min(best, time.perf_counter() - t0)
    return best, res.table


def run(quick: bool = False) -> dict[str, Any]:
    """Time the 16-point sweep serially, on 2 processes and on a 2-worker Dask LocalCluster.

    Returns ``{figure: {"value", "target", "ok"}}`` (the shape ``withdrawal-sim bench`` prints).
    Workers are started (and the engine imported in them) before the clock starts.
    """
    from sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor

    engine = _engine()
    replications = (1024 if quick else 4096) if engine == "batch" else (10 if quick else 40)
    serial_s, ref = _time_sweep(SerialExecutor(), engine, replications)
    out: dict[str, Any] = {
        "setup": {"value": f"{N_POINTS} points x {replications} replications, {engine} engine, {WORKERS} workers"},
        "serial_s": {"value": round(serial_s, 3)},
    }
    for label, make in (("processes", lambda: ProcessExecutor(WORKERS)),
                        ("dask", lambda: DaskExecutor("local", workers=WORKERS))):
        try:
            ex = make()
        except Exception as exc:  # e.g. distributed missing: report, do not crash the bench
            out[f"{label}_speedup"] = {"value": None, "target": f">= {TARGET_SPEEDUP}", "ok": False,
                                       "error": f"{type(exc).__name__}: {exc}"}
            continue
        with ex:
            _warm(ex, engine)
            t, table = _time_sweep(ex, engine, replications)
        out[f"{label}_s"] = {"value": round(t, 3)}
        out[f"{label}_speedup"] = {"value": round(serial_s / t, 2), "target": f">= {TARGET_SPEEDUP}",
                                   "ok": serial_s / t >= TARGET_SPEEDUP}
        same = bool(table.equals(ref))
        out[f"{label}_identical_tables"] = {"value": same, "target": True, "ok": same}
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for name, fig in run(quick="--quick" in argv).items():
        mark = "" if fig.get("ok") is None else ("  ok" if fig["ok"] else "  MISSED")
        target = f" (target {fig['target']})" if "target" in fig else ""
        print(f"{name}: {fig['value']}{target}{mark}{'  ' + fig['error'] if 'error' in fig else ''}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
