"""The settings of a run, checked in one place for every command and every Python entry point:
engine, replications, seed, workers. A bad value is a ``ScenarioError`` naming the file and the
setting (the CLI exits with code 2), raised before anything runs or is written."""

from __future__ import annotations

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


@dataclass(frozen=True)
class RunSettings:
    """What every run fixes: the engine, the replications (per point) and the root seed."""

    engine: str
    replications: int
    seed: int


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
) -> RunSettings:
    """The settings of a run: those given, else the scenario's ``run`` block, else the defaults."""
    run = defaults.run if defaults is not None else None
    eng = check_engine(engine if engine is not None else DEFAULT_ENGINE, file)
    reps = replications if replications is not None else (run.replications if run is not None else 1000)
    s = seed if seed is not None else (run.seed if run is not None else 0)
    return RunSettings(eng, whole(reps, "replications", 1, MAX_REPLICATIONS, file),
                       whole(s, "seed", 0, MAX_SEED, file))


def check_workers(workers: int | None, dask: str | None, file: str | Path | None = None) -> None:
    """``workers`` is a whole number ≥ 1 (when given); ``dask`` is ``local`` or a scheduler address."""
    if workers is not None:
        whole(workers, "workers", 1, MAX_WORKERS, file)
    if dask is not None and (not isinstance(dask, str) or not dask.strip()):
        raise ScenarioError(file, "dask", "'local' or a scheduler address such as tcp://host:8786")
