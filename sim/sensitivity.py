"""Global sensitivity: Sobol and Morris indices (SALib) of a metric over chosen parameters.

SALib draws the points; the sweep machinery evaluates them (mean metric per point over the
replications, common random numbers across points); SALib computes the indices with bootstrap
confidence intervals. Integer parameters are rounded, dates interpolated, as in ``sim.designs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.designs import Parameter
from sim.engine import DEFAULT_ENGINE
from sim.executors import Executor, Simulate
from sim.experiments import SweepResult, sweep
from sim.loader import ScenarioError
from sim.scenario import Scenario

METHODS: tuple[str, ...] = ("sobol", "morris")


@dataclass
class SensitivityResult:
    """``indices``: one row per parameter (Sobol: S1, S1_conf, ST, ST_conf; Morris: mu_star,
    mu_star_conf, sigma, mu); ``sweep``: the evaluated points."""

    method: str
    metric: str
    indices: pd.DataFrame
    sweep: SweepResult


def problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem: parameters on [0, 1], mapped onto their bounds by ``Parameter.scale``."""
    return {"num_vars": len(parameters), "names": [p.path for p in parameters],
            "bounds": [[0.0, 1.0]] * len(parameters)}


def _generator(seed: int, purpose: int) -> np.random.Generator:
    """A generator of its own for SALib (given an int 0, SALib's analysis falls back to global state)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(purpose,))))


def sample(method: str, parameters: Sequence[Parameter], n: int, seed: int, num_levels: int = 4) -> np.ndarray:
    """SALib's sample on the unit cube: Sobol (Saltelli) needs n a power of two; Morris n trajectories."""
    prob = problem(parameters)
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(prob, n, calc_second_order=False, scramble=True, seed=_generator(seed, 0))
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(prob, n, num_levels=num_levels, seed=_generator(seed, 0))
    raise ValueError(f"unknown method '{method}' (methods: {', '.join(METHODS)})")


def points_table(parameters: Sequence[Parameter], unit: np.ndarray) -> pd.DataFrame:
    """Scale unit-cube samples onto each parameter's bounds (one column per path)."""
    # points at the top of the unit interval land on ``high`` (SALib samples include 1.0)
    clipped = np.clip(unit, 0.0, np.nextafter(1.0, 0.0))
    return pd.DataFrame({p.path: p.scale(clipped[:, j]) for j, p in enumerate(parameters)})


def analyze(
    method: str, parameters: Sequence[Parameter], unit: np.ndarray, y: np.ndarray, seed: int,
    conf_level: float = 0.95, num_resamples: int = 1000,
) -> pd.DataFrame:
    """The indices table from model outputs ``y`` at the sampled points ``unit``."""
    prob = problem(parameters)
    if method == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(prob, y, calc_second_order=False, conf_level=conf_level,
                                    num_resamples=num_resamples, print_to_console=False,
                                    seed=_generator(seed, 1))
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
    else:
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(prob, unit, y, conf_level=conf_level, num_resamples=num_resamples,
                                     print_to_console=False, seed=_generator(seed, 1))
        cols = ["mu_star", "mu_star_conf", "sigma", "mu"]
    out = pd.DataFrame({"parameter": prob["names"], **{c: np.asarray(res[c], dtype=float) for c in cols}})
    return out


def sensitivity(
    scenario: Scenario | str | Path,
    parameters: Sequence[Parameter],
    metric: str,
    method: str = "sobol",
    n: int = 64,
    replications: int | None = None,
    engine: str = DEFAULT_ENGINE,
    seed: int | None = None,
    design_seed: int = 0,
    executor: Executor | None = None,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    progress: bool = False,
    simulate: Simulate | None = None,
) -> SensitivityResult:
    """Sobol (first and total order) or Morris (elementary effects) indices of ``metric``.

    Sobol evaluates n × (d + 2) points, Morris n × (d + 1). Each point is the mean of ``metric``
    over ``replications`` replications with common random numbers.
    """
    if method not in METHODS:
        raise ScenarioError(None, "method", f"unknown method '{method}' (methods: {', '.join(METHODS)})")
    if not parameters:
        raise ScenarioError(None, "parameters", "sensitivity needs at least one parameter with bounds")
    for p in parameters:
        p.check(sampled=True)
    if method == "sobol" and (n < 2 or n & (n - 1)):
        raise ScenarioError(None, "n", f"Sobol sensitivity needs n a power of two (got {n})")
    unit = sample(method, parameters, n, design_seed)
    points = points_table(parameters, unit)
    res = sweep(scenario, points, replications=replications, engine=engine, seed=seed, executor=executor,
                out=out, results_root=results_root, progress=progress, metrics=[metric], simulate=simulate)
    y = res.table.groupby("point", sort=True)[metric].mean().to_numpy(float)
    indices = analyze(method, parameters, unit, y, design_seed)
    if res.path is not None:
        from sim.store import RunStore

        RunStore.open(res.path).write_table(f"sensitivity_{method}.csv", indices)
    return SensitivityResult(method, metric, indices, res)
