"""The variance of a two-level run split by the law of total variance (MODEL.md §17): how much of a
metric's spread comes from not knowing the inputs (between draws) and how much from chance (within a
draw), and how widely each metric's mean moves across the draws."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.summaries import quantiles

VARIANCE_COLUMNS: tuple[str, ...] = (
    "metric", "draws", "replications", "mean", "var_total", "var_parameter", "var_run", "share_parameter",
    "mean_q05", "mean_q50", "mean_q95",
)
"""Columns of ``variance.csv``: per metric, the pooled mean and variance, the parameter part
``Var_k(mean_k) - mean_k(var_k)/R`` (floored at 0), the run-to-run part ``mean_k(var_k)``, the
parameter part's share of their sum, and the 5/50/95 % quantiles of the draws' means."""


def variance_split(runs: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per metric of ``runs`` (a two-level run's table with ``draw``): ``VARIANCE_COLUMNS``.
    Needs at least two replications per draw for the run-to-run part (NaN otherwise) and two draws
    for the parameter part."""
    draws = runs["draw"].to_numpy()
    order = np.argsort(draws, kind="stable")
    keys, starts, counts = np.unique(draws[order], return_index=True, return_counts=True)
    k = keys.size
    rows = []
    for m in metrics:
        x = runs[m].to_numpy(dtype=float)[order]
        sums = np.add.reduceat(x, starts) if k else np.empty(0)
        means = sums / counts
        dev = x - np.repeat(means, counts)
        ss = np.add.reduceat(dev * dev, starts) if k else np.empty(0)
        var_within = ss / np.maximum(counts - 1, 1)
        r = float(np.mean(counts)) if k else math.nan
        var_run = float(np.mean(var_within)) if k and counts.min() > 1 else math.nan
        if k > 1:
            between = float(np.var(means, ddof=1))
            var_param = max(0.0, between - (var_run / r if not math.isnan(var_run) else 0.0))
        else:
            var_param = math.nan
        total = float(np.var(x, ddof=1)) if x.size > 1 else math.nan
        parts = var_param + var_run
        share = var_param / parts if parts > 0 else (0.0 if parts == 0 else math.nan)
        q05, q50, q95 = quantiles(means) if k else (math.nan,) * 3
        rows.append({"metric": m, "draws": int(k), "replications": int(x.size), "mean": float(x.mean()) if x.size else math.nan,
                     "var_total": total, "var_parameter": var_param, "var_run": var_run, "share_parameter": share,
                     "mean_q05": q05, "mean_q50": q50, "mean_q95": q95})
    return pd.DataFrame(rows, columns=list(VARIANCE_COLUMNS))


def exceedance(runs: pd.DataFrame, metric: str, thresholds: Sequence[float]) -> dict[float, float]:
    """The pooled predictive probability ``P(metric >= t)`` for each threshold ``t``."""
    x = runs[metric].to_numpy(dtype=float)
    return {float(t): float(np.mean(x >= t)) if x.size else math.nan for t in thresholds}
