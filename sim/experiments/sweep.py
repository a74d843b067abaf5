"""Sweeps: a scenario and a design over dotted parameter paths, every point run with common random
numbers (replication r draws the same numbers at every point, so differences between points are
sharp). This module builds a sweep's plan and its tables; ``sim.api.sweep`` runs it, with or
without a results folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments import summaries
from sim.experiments.designs import Design, explicit_points, point_scenarios
from sim.experiments.plan import Plan, make_plan, sweep_arms
from sim.experiments.settings import RunSettings
from sim.model import outcomes
from sim.model.errors import ScenarioError
from sim.model.loader import read_yaml, scenario_dict, validate
from sim.model.schema import Scenario


def scenario_source(scenario: Scenario | str | Path) -> tuple[dict[str, Any], Scenario, str | None]:
    """Raw data, validated scenario and file name (None for an in-memory scenario)."""
    if isinstance(scenario, Scenario):
        return scenario_dict(scenario), scenario, None
    raw = read_yaml(scenario)
    return raw, validate(raw, scenario), str(scenario)


def known_metrics(sc: Scenario) -> list[str]:
    """Every metric a summary can name: the summary metrics and the cargo columns."""
    return [*summaries.SUMMARY_METRICS, *outcomes.cargo_columns(sc)]


def check_metrics(metrics: Sequence[str] | None, sc: Scenario, where: str | Path | None = None) -> list[str]:
    """The metrics to summarize (all summary metrics and cargo columns by default)."""
    known = known_metrics(sc)
    if not metrics:
        return known
    runs_cols = outcomes.run_columns(sc)
    for m in metrics:
        if m not in runs_cols or m in ("point", "replication"):
            from sim.model.input_checks import did_you_mean

            raise ScenarioError(where, "metrics", f"unknown metric '{m}'{did_you_mean(m, known)} "
                                f"(metrics: {', '.join(known)})")
    return list(metrics)


@dataclass
class SweepResult:
    """A finished sweep: ``table`` (point × replication, parameters + run columns), ``bases``,
    ``summary`` (point × metric with mean, CI and quantiles), ``points`` and the results ``path``."""

    table: pd.DataFrame
    bases: pd.DataFrame
    summary: pd.DataFrame
    points: pd.DataFrame
    path: Path | None
    metrics: list[str]


def as_design(design: Design | pd.DataFrame) -> Design:
    """A ``Design``, or a table of points (one column per dotted path) as an explicit design."""
    if isinstance(design, pd.DataFrame):
        return explicit_points(design.drop(columns=["point"], errors="ignore"))
    return design


def sweep_plan(raw: dict[str, Any], points: pd.DataFrame, settings: RunSettings, where: str | Path | None,
               chunk_replications: int | None = None) -> Plan:
    """The plan of a sweep: one arm per point of ``points`` (every path and value validated)."""
    scenarios = point_scenarios(raw, points, where)
    ids = [int(p) for p in points["point"]]
    return make_plan(sweep_arms(dict(zip(ids, scenarios, strict=True))), settings, chunk_replications)


def summarize_metrics(runs: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """``summaries.summarize`` restricted to ``metrics``: one row per (point, metric)."""
    rows = [{"point": point, "metric": m, **summaries.describe(grp[m].to_numpy())}
            for point, grp in runs.groupby("point", sort=True) for m in metrics]
    return pd.DataFrame(rows)


def sweep_result(points: pd.DataFrame, bases: pd.DataFrame, runs: pd.DataFrame, metrics: list[str],
                 path: Path | None = None) -> SweepResult:
    """The tables of a sweep from its assembled ``bases`` and ``runs``."""
    table = points.merge(runs, on="point", how="right")
    lead = ["point", "replication"]
    table = table[lead + [c for c in table.columns if c not in lead]]
    summary = points.merge(summarize_metrics(runs, metrics), on="point", how="right")
    return SweepResult(table, bases, summary, points, path, metrics)
