"""Summaries of result tables: means with confidence intervals, Wilson intervals, quantiles."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.model.outcomes import cargo_columns
from sim.model.schema import Scenario


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


QUANTILE_METHOD = (
    "linear interpolation between order statistics (numpy's 'linear', Hyndman-Fan type 7); "
    "a run that never completes counts as later than every other"
)
"""How every quantile of the project is computed (terminal, report, summary.csv): ``quantiles``."""


def _type7(pick: Callable[[np.ndarray], np.ndarray], n: int, probs: Sequence[float]) -> list[float]:
    """``QUANTILE_METHOD`` from the order statistics of ``n`` values: ``pick(ranks)`` gives the
    values of the given 0-based ranks of the sorted values (NaN already counted as +inf)."""
    if n == 0:
        return [math.nan] * len(probs)
    h = [(n - 1) * float(p) for p in probs]
    ranks = np.unique(np.array([r for x in h for r in (math.floor(x), math.ceil(x))], dtype=np.int64))
    value = dict(zip(ranks.tolist(), (float(v) for v in pick(ranks)), strict=True))
    out = []
    for x in h:
        lo, hi = math.floor(x), math.ceil(x)
        a, b = value[lo], value[hi]
        out.append(a if hi == lo or a == b else (math.inf if math.isinf(b) else a + (x - lo) * (b - a)))
    return out


def quantiles(values: pd.Series | np.ndarray, probs: Sequence[float] = (0.05, 0.5, 0.95)) -> list[float]:
    """The ``probs`` quantiles of ``values`` by ``QUANTILE_METHOD``: the one quantile function of
    the project. NaN (a completion that never happened) counts as +inf, so a quantile that reaches
    such runs is +inf ('never'), not a date computed from the others. Empty input gives NaN.
    (``quantiles_selected`` and ``quantiles_of_counts``: the same numbers without a full sort.)"""
    x = np.sort(np.where(np.isnan(np.asarray(values, dtype=float)), np.inf, np.asarray(values, dtype=float)))
    return _type7(lambda ranks: x[ranks], x.size, probs)


def quantiles_selected(values: np.ndarray, probs: Sequence[float] = (0.05, 0.5, 0.95)) -> list[float]:
    """``quantiles`` of ``values`` by partial sorting (``np.partition`` at the ranks needed): the
    same numbers, in linear time."""
    x = np.asarray(values, dtype=float)
    x = np.where(np.isnan(x), np.inf, x)

    def pick(ranks: np.ndarray) -> np.ndarray:
        return np.partition(x, ranks)[ranks]

    return _type7(pick, x.size, probs)


def quantiles_of_counts(counts: np.ndarray, probs: Sequence[float] = (0.05, 0.5, 0.95),
                        denominator: float = 1.0) -> list[float]:
    """``quantiles`` of values on a lattice, from their counts: ``counts[i]`` values equal to
    ``i / denominator`` (e.g. numerators of shares counted with ``np.bincount``). The same numbers
    as ``quantiles`` of the values themselves, in memory of the lattice's size."""
    cum = np.cumsum(np.asarray(counts, dtype=np.int64))
    n = int(cum[-1]) if cum.size else 0
    return _type7(lambda ranks: np.searchsorted(cum, ranks, side="right") / denominator, n, probs)


def describe(values: pd.Series | np.ndarray, z: float = 1.959964) -> dict[str, float]:
    """Mean with a normal CI, and the 5/50/95 % quantiles (``quantiles``). Booleans get a Wilson interval."""
    arr = np.asarray(values)
    n = arr.size
    if arr.dtype == bool:
        lo, hi = wilson(int(arr.sum()), n, z)
        mean = float(arr.mean()) if n else math.nan
        return {"n": n, "mean": mean, "ci_low": lo, "ci_high": hi,
                "q05": math.nan, "q50": math.nan, "q95": math.nan}
    x = arr.astype(float)
    mean = float(x.mean()) if n else math.nan
    half = z * float(x.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    q05, q50, q95 = quantiles(x)
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half,
            "q05": float(q05), "q50": float(q50), "q95": float(q95)}


SUMMARY_METRICS: tuple[str, ...] = (
    "on_time", "completion_hours", "n_forced_early", "wounded", "killed", "personnel_killed",
    "vehicles_lost", "ied_strikes", "ambushes", "breakdowns", "personnel_air", "personnel_road",
    "flight_requests", "flights_granted", "convoys", "destroyed_value_usd", "abandoned_value_usd",
    "killed_in_action", "died_of_wounds", "personnel_medevac", "medevac_granted", "vehicles_damaged",
    "vehicles_abandoned", "seat_vehicles", "stationary_attacks",
)


def summary_metrics(sc: Scenario) -> list[str]:
    """The metrics a summary covers: ``SUMMARY_METRICS`` and the cargo by fate of ``sc``."""
    return [*SUMMARY_METRICS, *cargo_columns(sc)]


def summarize(sc: Scenario, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (point, metric): mean, CI, quantiles. Cargo by fate included."""
    metrics = summary_metrics(sc)
    rows = []
    for point, grp in runs.groupby("point", sort=True):
        for m in metrics:
            rows.append({"point": point, "metric": m, **describe(grp[m].to_numpy())})
    return pd.DataFrame(rows)
