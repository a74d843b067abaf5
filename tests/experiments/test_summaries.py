"""Summaries of result tables: Wilson intervals for shares, normal intervals and quantiles for means."""

from __future__ import annotations

import math

import numpy as np

from sim.experiments import summaries


def test_wilson_interval_closed_form() -> None:
    lo, hi = summaries.wilson(0, 100)
    assert lo == 0.0 and math.isclose(hi, 3.841459 / (100 + 3.841459), rel_tol=1e-5)
    lo, hi = summaries.wilson(50, 100)
    assert math.isclose(lo + hi, 1.0) and lo < 0.5 < hi


def test_describe_booleans_and_numbers() -> None:
    d = summaries.describe(np.array([True, False, True, True]))
    assert d["mean"] == 0.75 and (d["ci_low"], d["ci_high"]) == summaries.wilson(3, 4)
    assert math.isnan(d["q50"])
    x = np.arange(1.0, 101.0)
    d = summaries.describe(x)
    half = 1.959964 * x.std(ddof=1) / 10
    assert d["n"] == 100 and d["mean"] == 50.5
    assert math.isclose(d["ci_high"] - d["mean"], half) and math.isclose(d["mean"] - d["ci_low"], half)
    assert d["q50"] == 50.5 and d["q05"] < d["q50"] < d["q95"]
