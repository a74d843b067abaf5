"""withdrawal-sim: Monte Carlo simulation of road withdrawals from remote bases against a deadline.

Public API (imported lazily, so ``import sim`` stays light)::

    import sim
    sc = sim.load_scenario("scenarios/kidal_2023.yaml", {"flights.p_grant": 0.5})
    res = sim.run(sc, replications=2000, results_root=None)   # in memory; results_root="results" writes
    res.runs["on_time"].mean()
    tr = sim.trace(sc, replication=3, results_root=None)      # events and convoy legs of one run
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

_LAZY: dict[str, str] = {
    "load_scenario": "sim.loader",
    "ScenarioError": "sim.loader",
    "Scenario": "sim.scenario",
    "run": "sim.api",
    "trace": "sim.api",
    "RunResult": "sim.api",
    "TraceResult": "sim.api",
    "RunStore": "sim.store",
    "StoreError": "sim.store",
    "ENGINES": "sim.engine",
    "DEFAULT_ENGINE": "sim.engine",
}
_OPTIONAL: dict[str, str] = {"sweep": "sim.experiments", "compare": "sim.experiments"}
"""Names provided by modules that may not be installed in every checkout."""


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


__all__ = [*_LAZY, *(n for n, m in _OPTIONAL.items() if _available(m))]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or _OPTIONAL.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
