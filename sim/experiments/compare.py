"""Paired comparisons: a baseline and a variant with common random numbers, and the variant again
with independent streams to show the variance reduction the pairing bought."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.designs import check_paths
from sim.experiments.plan import Arm, Plan, make_plan
from sim.experiments.settings import RunSettings
from sim.experiments.sweep import scenario_source
from sim.model.loader import apply_overrides, is_override_file, load_override_file, validate
from sim.model.schema import Scenario

COMPARE_METRICS: tuple[str, ...] = (
    "on_time", "completion_hours", "wounded", "killed", "vehicles_lost", "ied_strikes", "ambushes",
    "personnel_air", "destroyed_value_usd", "abandoned_value_usd",
)
BASELINE, VARIANT, INDEPENDENT = 0, 1, 2
"""Table points of a comparison's arms: the baseline, the variant (common random numbers) and the
variant with independent streams (keyed by the variant's point)."""


@dataclass
class CompareResult:
    """``table``: one row per metric with the paired (CRN) difference and its CI, the half-width an
    independent-streams comparison gives, and the variance reduction (independent / paired)."""

    table: pd.DataFrame
    baseline: pd.DataFrame
    variant: pd.DataFrame
    replications: int
    path: Path | None = None


def variant_scenario(
    baseline: Scenario | str | Path, variant: Scenario | str | Path | Mapping[str, Any] | Sequence[str] | None,
) -> tuple[Scenario, Scenario]:
    """The baseline and the variant: a scenario, a file, or overrides applied to the baseline."""
    raw, base, where = scenario_source(baseline)
    if variant is None:
        raise ValueError("compare needs a variant: a scenario, a file or overrides")
    if isinstance(variant, Scenario):
        return base, variant
    if isinstance(variant, str | Path):
        if not is_override_file(variant):
            return base, scenario_source(variant)[1]
        variant, where = load_override_file(variant), str(variant)  # a counterfactual file: its overrides
    ov: Mapping[str, Any] | Sequence[str] = dict(variant) if isinstance(variant, Mapping) else variant
    paths = list(ov) if isinstance(ov, dict) else [str(o).split("=", 1)[0].strip() for o in ov]
    check_paths(raw, paths, where)
    return base, validate(apply_overrides(raw, ov), where)


def compare_plan(base: Scenario, var: Scenario, settings: RunSettings) -> Plan:
    """Baseline and variant with common random numbers, and the variant with independent streams."""
    return make_plan([Arm(BASELINE, base), Arm(VARIANT, var), Arm(INDEPENDENT, var, crn=False, stream_point=VARIANT)],
                     settings)


def paired_table(
    base: pd.DataFrame, var: pd.DataFrame, var_ind: pd.DataFrame, metrics: Sequence[str], z: float = 1.959964,
) -> pd.DataFrame:
    """Paired differences (variant − baseline) by replication, and the independent comparison."""
    rows = []
    n = len(base)
    for m in metrics:
        b = base[m].to_numpy(float)
        v = var[m].to_numpy(float)
        vi = var_ind[m].to_numpy(float)
        d = v - b
        var_paired = float(d.var(ddof=1)) if n > 1 else math.nan
        var_ind_diff = float(b.var(ddof=1) + vi.var(ddof=1)) if n > 1 else math.nan
        half = z * math.sqrt(var_paired / n) if n > 1 else math.nan
        half_ind = z * math.sqrt(var_ind_diff / n) if n > 1 else math.nan
        ratio = var_ind_diff / var_paired if var_paired > 0 else (math.inf if var_ind_diff > 0 else math.nan)
        rows.append({
            "metric": m, "baseline_mean": float(b.mean()), "variant_mean": float(v.mean()),
            "diff_mean": float(d.mean()), "ci_low": float(d.mean()) - half, "ci_high": float(d.mean()) + half,
            "diff_ci_halfwidth": half, "diff_mean_independent": float(vi.mean() - b.mean()),
            "diff_ci_halfwidth_independent": half_ind, "variance_reduction": ratio, "n": n,
        })
    return pd.DataFrame(rows)


def compare_result(runs: pd.DataFrame, metrics: Sequence[str], replications: int,
                   path: Path | None = None) -> CompareResult:
    """The comparison of a compare plan's assembled runs table."""
    by = {p: g.reset_index(drop=True) for p, g in runs.groupby("point", sort=True)}
    b, v, vi = by[BASELINE], by[VARIANT], by[INDEPENDENT]
    return CompareResult(paired_table(b, v, vi, metrics), b, v, replications, path)
