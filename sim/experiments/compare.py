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
from sim.experiments.draws import Draws
from sim.experiments.plan import Arm, Plan, make_plan
from sim.experiments.settings import RunSettings
from sim.experiments.summaries import quantiles
from sim.experiments.sweep import scenario_source
from sim.model.loader import (
    apply_overrides,
    is_override_file,
    load_override_file,
    scenario_dict,
    validate,
    validate_plain,
)
from sim.model.schema import Scenario
from sim.model.uncertain_fields import with_values

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
    draws: pd.DataFrame | None = None
    """A two-level comparison's drawn inputs (one row per draw); else ``None``."""


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


def compare_draws_plan(base: Scenario, var: Scenario, settings: RunSettings, drawn: Draws) -> Plan:
    """A two-level comparison (MODEL.md §17): for each draw ``k`` of the baseline's uncertain inputs,
    the baseline and the variant with those inputs on the streams of draw ``k`` (common random
    numbers within a draw, independent across draws), and the variant on streams of its own. Points:
    baseline ``k``, variant ``K + k``, independent variant ``2K + k``. Inputs the variant sets
    itself (a plain override of an uncertain field) keep the variant's value."""
    k_all = drawn.count
    var_fields = set(var.uncertainty.fields) if var.uncertainty is not None else set()
    raw = scenario_dict(var)
    arms: list[Arm] = []
    variants = []
    for k in range(k_all):
        values = {p: float(drawn.table[p].iloc[k]) for p in var_fields if p in drawn.table.columns}
        variants.append(validate_plain(with_values(raw, values), "variant"))
    for k, sc in enumerate(drawn.scenarios):
        arms.append(Arm(k, sc, crn=False, stream_point=k))
    for k, sc in enumerate(variants):
        arms.append(Arm(k_all + k, sc, crn=False, stream_point=k))
    for k, sc in enumerate(variants):
        arms.append(Arm(2 * k_all + k, sc, crn=False, stream_point=k_all + k))
    return make_plan(arms, settings, exact=True)


def effect_spread(base: pd.DataFrame, var: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per metric, the 5/50/95 % quantiles over the draws of each draw's mean paired difference
    (``base`` and ``var`` row-aligned, with ``draw``)."""
    rows = []
    for m in metrics:
        d = pd.Series(var[m].to_numpy(float) - base[m].to_numpy(float))
        per_draw = d.groupby(base["draw"].to_numpy()).mean().to_numpy()
        q05, q50, q95 = quantiles(per_draw)
        rows.append({"metric": m, "effect_q05": q05, "effect_q50": q50, "effect_q95": q95,
                     "draws": int(per_draw.size)})
    return pd.DataFrame(rows)


def compare_draws_result(runs: pd.DataFrame, metrics: Sequence[str], replications: int, drawn: Draws,
                         path: Path | None = None) -> CompareResult:
    """The comparison of a two-level compare plan's runs: ``paired_table`` over every draw's
    replications pooled, with each effect's spread over the draws (``effect_spread``)."""
    k_all = drawn.count
    point = runs["point"].to_numpy()
    sides = []
    for role in range(3):
        g = runs[(point >= role * k_all) & (point < (role + 1) * k_all)].copy()
        g.insert(1, "draw", g["point"].to_numpy() - role * k_all)
        g["point"] = role
        sides.append(g.sort_values(["draw", "replication"], kind="stable").reset_index(drop=True))
    b, v, vi = sides
    table = paired_table(b, v, vi, metrics).merge(effect_spread(b, v, metrics), on="metric")
    return CompareResult(table, b, v, replications, path, drawn.table)


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
