"""withdrawal-sim: Monte Carlo simulation of road withdrawals from remote bases against a deadline.

The Python API, imported lazily so that ``import sim`` stays light::

    import sim
    sc = sim.load_scenario("scenarios/kidal_2023.yaml", {"flights.p_grant": 0.5})
    res = sim.run(sc, replications=2000)                # in memory: nothing is written
    res = sim.run(sc, replications=2000, out="my_run")   # a results folder (tables, manifest)
    sim.write_charts(res.path); sim.write_report(res.path)
    tr = sim.trace(sc, replication=3)                    # events and convoy legs of one run
    sw = sim.sweep_file("scenarios/sweeps/kidal_flights_convoy_grid.yaml")
    grid = sim.Design("grid", (sim.Parameter("flights.p_grant", values=(0.1, 0.9)),))
    sw = sim.sweep("scenarios/kidal_2023.yaml", grid, replications=200)

``withdrawal_sim`` is the canonical import name (``import withdrawal_sim as ws``: the same names,
and not shadowed by a local ``sim.py``); ``sim`` keeps working and is the implementation package.

Layers, lowest first: ``sim.model`` (schema, loader, network, rules, outcome schema) ←
``sim.engines`` (streams, ``des``, ``batch``) ← ``sim.experiments`` (plans, execution, executors,
designs, sweeps, comparisons, sensitivity) ← ``sim.store`` (results folders) ← ``sim.report``
(charts, report, animation) ← ``sim.api`` (these entry points) ← ``sim.cli`` (the command line).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "load_scenario": "sim.model.loader",
    "load_override_file": "sim.model.loader",
    "ScenarioError": "sim.model.errors",
    "StoreError": "sim.model.errors",
    "Scenario": "sim.model.schema",
    "run": "sim.api.runs",
    "trace": "sim.api.runs",
    "RunResult": "sim.api.runs",
    "TraceResult": "sim.api.runs",
    "sweep": "sim.api.sweeps",
    "sweep_file": "sim.api.sweeps",
    "sensitivity": "sim.api.sweeps",
    "compare": "sim.api.compare",
    "run_until": "sim.experiments.targets",
    "Design": "sim.experiments.designs",
    "Parameter": "sim.experiments.designs",
    "parse_design": "sim.experiments.designs",
    "parse_parameter": "sim.experiments.designs",
    "load_sweep": "sim.experiments.specs",
    "SweepResult": "sim.experiments.sweep",
    "CompareResult": "sim.experiments.compare",
    "SensitivityResult": "sim.experiments.sensitivity",
    "RunStore": "sim.store.runstore",
    "write_charts": "sim.report.charts",
    "write_report": "sim.report.html",
    "ENGINES": "sim.engines.dispatch",
    "DEFAULT_ENGINE": "sim.engines.dispatch",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
