"""The settings of a run, checked in one place for every command and every Python entry point:
engine, replications, seed, workers. A bad value is a ``ScenarioError`` naming the file and the
setting (the CLI exits with code 2), raised before anything runs or is written."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.engines.dispatch import DEFAULT_ENGINE, ENGINES
from sim.model.errors import ScenarioError
from sim.model.schema import Scenario

MAX_SEED = 2**63 - 1
"""Largest root seed (numpy's SeedSequence takes any non-negative int; the manifest stores int64)."""
MAX_REPLICATIONS = 10**9
"""Most replications of one run or sweep point: far beyond any useful precision (a billion
replications of the fastest scenario take hours); a larger number is a typo."""
MAX_WORKERS = 1024
MAX_BUDGET_HOURS = 1e6
"""Largest ``--budget`` (CPU-hours)."""


@dataclass(frozen=True)
class RunSettings:
    """What every run fixes: the engine, the replications (per point) and the root seed."""

    engine: str
    replications: int
    seed: int
    budget_hours: float | None = None
    """CPU-hours the run may be estimated to take (``cost.DEFAULT_BUDGET_HOURS`` when ``None``)."""
    force: bool = False
    """Run whatever the estimate (``--force``)."""
    source: str | Path | None = None
    """The file named in messages."""


def whole(value: Any, name: str, minimum: int, maximum: int, file: str | Path | None) -> int:
    """``value`` as an int in ``[minimum, maximum]``, or a ``ScenarioError`` on ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ScenarioError(file, name, f"must be a whole number from {minimum} to {maximum:,} (got {value!r})")
    return int(value)


def check_engine(engine: Any, file: str | Path | None) -> str:
    if engine not in ENGINES:
        raise ScenarioError(file, "engine", f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    return str(engine)


def resolve(
    file: str | Path | None,
    defaults: Scenario | None = None,
    engine: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    budget_hours: float | None = None,
    force: bool = False,
) -> RunSettings:
    """The settings of a run: those given, else the scenario's ``run`` block, else the defaults.
    ``budget_hours`` and ``force`` are checked against the cost estimate when the plan is made
    (``check_budget``)."""
    run = defaults.run if defaults is not None else None
    eng = check_engine(engine if engine is not None else DEFAULT_ENGINE, file)
    reps = replications if replications is not None else (run.replications if run is not None else 1000)
    s = seed if seed is not None else (run.seed if run is not None else 0)
    if budget_hours is not None and (isinstance(budget_hours, bool) or not isinstance(budget_hours, int | float)
                                     or not 0 < budget_hours <= MAX_BUDGET_HOURS):
        raise ScenarioError(file, "budget", f"CPU-hours from 0 to {MAX_BUDGET_HOURS:,} (got {budget_hours!r})")
    return RunSettings(eng, whole(reps, "replications", 1, MAX_REPLICATIONS, file),
                       whole(s, "seed", 0, MAX_SEED, file), budget_hours, bool(force), file)


def with_budget(settings: RunSettings, budget_hours: float | None = None, force: bool = False) -> RunSettings:
    """``settings`` with the budget and ``force`` of the caller (checked as ``resolve`` does)."""
    if budget_hours is None and not force:
        return settings
    checked = resolve(settings.source, None, settings.engine, settings.replications, settings.seed,
                      budget_hours, force)
    return dataclasses.replace(settings, budget_hours=checked.budget_hours, force=checked.force)


def check_budget(scenarios: list[Scenario], settings: RunSettings) -> None:
    """Refuse (``ScenarioError`` on ``replications``, exit 2) a run whose estimated CPU time
    (``sim.experiments.cost``) exceeds the budget, with the estimate and how to override it."""
    if settings.force:
        return
    from sim.experiments.cost import DEFAULT_BUDGET_HOURS, estimate, hours_text

    budget = settings.budget_hours if settings.budget_hours is not None else DEFAULT_BUDGET_HOURS
    est = estimate(scenarios, settings.engine, settings.replications)
    if est.cpu_seconds > budget * 3600.0:
        need = max(1, math.ceil(est.cpu_seconds / 3600.0 * 1.2))
        raise ScenarioError(settings.source, "replications",
                            f"{est.describe()}: over the budget of {hours_text(budget * 3600.0)}. Run fewer "
                            f"replications, or give --budget {need} (CPU-hours) or --force to run it anyway")


def check_workers(workers: int | None, dask: str | None, file: str | Path | None = None) -> None:
    """``workers`` is a whole number ≥ 1 (when given); ``dask`` is ``local`` or a scheduler address."""
    if workers is not None:
        whole(workers, "workers", 1, MAX_WORKERS, file)
    if dask is not None and (not isinstance(dask, str) or not dask.strip()):
        raise ScenarioError(file, "dask", "'local' or a scheduler address such as tcp://host:8786")
