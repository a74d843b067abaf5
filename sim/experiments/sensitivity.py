"""Global sensitivity: Sobol and Morris indices (SALib) of a metric over chosen parameters.

SALib draws the points; the sweep machinery evaluates them (mean metric per point over the
replications, common random numbers across points); SALib computes the indices with bootstrap
confidence intervals. Integer parameters are rounded, dates interpolated, as in ``sim.experiments.designs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.designs import Parameter
from sim.experiments.sweep import SweepResult
from sim.model.errors import ScenarioError

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


def check(method: str, parameters: Sequence[Parameter], n: int, where: str | Path | None = None) -> None:
    """A sensitivity analysis that can run: a known method, parameters with bounds, a usable n."""
    if method not in METHODS:
        raise ScenarioError(where, "method", f"unknown method '{method}' (methods: {', '.join(METHODS)})")
    if not parameters:
        raise ScenarioError(where, "parameters", "sensitivity needs at least one parameter with bounds")
    for p in parameters:
        p.check(sampled=True, where=str(where or "design"))
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ScenarioError(where, "n", f"a whole number >= 2 (got {n!r})")
    if method == "sobol" and n & (n - 1):
        raise ScenarioError(where, "n", f"Sobol sensitivity needs n a power of two (got {n})")


def design(method: str, parameters: Sequence[Parameter], n: int, design_seed: int) -> tuple[np.ndarray, pd.DataFrame]:
    """The unit-cube sample and its table of points (Sobol evaluates n × (d + 2) points, Morris
    n × (d + 1))."""
    unit = sample(method, parameters, n, design_seed)
    return unit, points_table(parameters, unit)


def indices(method: str, parameters: Sequence[Parameter], unit: np.ndarray, result: SweepResult, metric: str,
            design_seed: int) -> SensitivityResult:
    """The indices of ``metric`` from a sweep of the design's points (the mean of ``metric`` per
    point over its replications)."""
    y = result.table.groupby("point", sort=True)[metric].mean().to_numpy(float)
    return SensitivityResult(method, metric, analyze(method, parameters, unit, y, design_seed), result)
