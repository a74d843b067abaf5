"""The tables the command line prints after a run, a trace, a sweep or a comparison (rich).
Reads results; never simulates."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.experiments.summaries import describe
from sim.model.schema import FATES, Scenario


class RunTables(Protocol):
    """What a run's summary reads (``sim.api.RunResult``)."""

    scenario: Scenario
    replications: int
    engine: str
    seed: int
    runs: pd.DataFrame
    path: Path | None


class TraceTables(Protocol):
    """What a trace's summary reads (``sim.api.TraceResult``)."""

    scenario: Scenario
    replication: int
    seed: int
    bases: pd.DataFrame
    runs: pd.DataFrame
    events: pd.DataFrame
    legs: pd.DataFrame
    path: Path | None


def calendar_date(sc: Scenario, hours: float, fmt: str = "%d %b %Y %H:%M") -> str:
    """Hours from ``calendar.start`` as a local date and time; non-finite hours read 'never'."""
    if not math.isfinite(hours):
        return "never"
    return f"{sc.calendar.start + dt.timedelta(hours=float(hours)):{fmt}}"


def completion_quantiles(runs: pd.DataFrame) -> list[float]:
    """5/50/95 % completion hours (values that occurred, so 'never' stays 'never')."""
    x = runs["completion_hours"].to_numpy(float)
    if x.size == 0:
        return [math.nan] * 3
    x = np.where(np.isnan(x), np.inf, x)
    return [float(v) for v in np.quantile(x, [0.05, 0.5, 0.95], method="inverted_cdf")]


def _num(x: float, digits: int = 2) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.{digits}f}"


def stat_line(values: pd.Series, scale: float = 1.0) -> str:
    """``mean (95% CI lo–hi); 5–95 %: a–b`` of ``values / scale``."""
    d = describe(values.to_numpy(float) / scale)
    ci = f" (95% CI {_num(d['ci_low'])}–{_num(d['ci_high'])})" if d["n"] > 1 else ""
    return f"{_num(d['mean'])}{ci}; 5–95 %: {_num(d['q05'])}–{_num(d['q95'])}"


def run_rows(sc: Scenario, runs: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, value) rows of the run summary."""
    on_time = describe(runs["on_time"].to_numpy(bool))
    q = completion_quantiles(runs)
    rows = [
        ("Replications", f"{len(runs):,}"),
        ("Deadline", calendar_date(sc, sc.hours(sc.calendar.deadline))),
        ("P(out by deadline)",
         f"{on_time['mean']:.1%} (95% Wilson CI {on_time['ci_low']:.1%}–{on_time['ci_high']:.1%})"),
        ("Completion date, 5 %", calendar_date(sc, q[0])),
        ("Completion date, median", calendar_date(sc, q[1])),
        ("Completion date, 95 %", calendar_date(sc, q[2])),
        ("Forced early exits (bases)", stat_line(runs["n_forced_early"])),
        ("Wounded", stat_line(runs["wounded"])),
        ("Killed", stat_line(runs["killed"])),
        ("IED strikes", stat_line(runs["ied_strikes"])),
        ("Ambushes", stat_line(runs["ambushes"])),
        ("Vehicles lost", stat_line(runs["vehicles_lost"])),
        ("Personnel out by air (mean)", _num(runs["personnel_air"].mean(), 1)),
        ("Personnel out by road (mean)", _num(runs["personnel_road"].mean(), 1)),
        ("Personnel killed (mean)", _num(runs["personnel_killed"].mean(), 2)),
        ("Value destroyed (USD M)", stat_line(runs["destroyed_value_usd"], 1e6)),
        ("Value abandoned (USD M)", stat_line(runs["abandoned_value_usd"], 1e6)),
    ]
    return rows


def cargo_table(sc: Scenario, runs: pd.DataFrame, title: str = "Cargo units by fate (mean per replication)") -> Any:
    """Mean cargo units by class (rows) and fate (columns)."""
    from rich.table import Table

    t = Table(title=title)
    t.add_column("class")
    for f in FATES:
        t.add_column(f, justify="right")
    for c in sc.cargo_classes:
        t.add_row(c, *(_num(float(runs[f"cargo_{c}_{f}"].mean()), 1) for f in FATES))
    return t


def print_run_summary(res: RunTables, con: Any) -> None:
    """Print the summary of a run: outcome table, cargo table, results folder."""
    from rich.table import Table

    t = Table(title=f"{res.scenario.name}: {res.replications:,} replications, engine {res.engine}, seed {res.seed}")
    t.add_column("outcome")
    t.add_column("value")
    for label, value in run_rows(res.scenario, res.runs):
        t.add_row(label, value)
    con.print(t)
    con.print(cargo_table(res.scenario, res.runs))
    con.print(f"Results: {res.path if res.path else '(not written)'}", highlight=False, soft_wrap=True)


def print_trace_summary(res: TraceTables, con: Any) -> None:
    """Print what happened in one traced replication."""
    from rich.table import Table

    sc = res.scenario
    short = "%d %b %H:%M"
    t = Table(title=f"{sc.name}: trace of replication {res.replication}, seed {res.seed}")
    for name in ("base", "left", "arrived", "early", "convoys", "IED/amb", "WIA/KIA"):
        t.add_column(name, no_wrap=True, justify="left" if name in ("base", "left", "arrived") else "right")
    b = res.bases
    for base, left, arrived, forced, convoys, ied, amb, wounded, killed in zip(
            b["base"], b["exit_hours"], b["last_arrival_hours"], b["forced_early"], b["convoys"],
            b["ied_strikes"], b["ambushes"], b["wounded"], b["killed"], strict=True):
        t.add_row(
            str(base), calendar_date(sc, left, short), calendar_date(sc, arrived, short),
            "yes" if forced else "no", str(convoys), f"{ied}/{amb}", f"{wounded}/{killed}",
        )
    con.print(t)
    kinds = res.events["kind"].value_counts().to_dict() if len(res.events) else {}
    events = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"
    con.print(f"Convoy legs: {len(res.legs)}; events: {events}", highlight=False)
    con.print(cargo_table(sc, res.runs, "Cargo units by fate"))
    con.print(f"Results: {res.path if res.path else '(not written)'}", highlight=False, soft_wrap=True)


def _fmt(v: float) -> str:
    return f"{v:.3g}" if not abs(v) >= 1e5 else f"{v:.3e}"


def print_sweep_summary(res: Any, con: Any) -> None:
    """One row per point: parameters, then each metric's mean [95 % CI] (first five metrics)."""
    from rich.table import Table

    params = [c for c in res.points.columns if c != "point"]
    metrics = res.metrics[:5]
    n_rep = int(res.table.groupby("point").size().iloc[0])
    t = Table(title=f"Sweep: {len(res.points)} points × {n_rep} replications (mean [95 % CI])")
    for c in ["point", *params, *metrics]:
        t.add_column(c, justify="right", overflow="fold")
    by = res.summary.set_index(["point", "metric"])
    for rec in res.points.head(100).to_dict("records"):
        cells = [str(rec["point"]), *[f"{rec[p]:.4g}" if isinstance(rec[p], float) else str(rec[p]) for p in params]]
        for m in metrics:
            r = by.loc[(rec["point"], m)]
            cells.append(f"{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]")
        t.add_row(*cells)
    con.print(t)
    if len(res.points) > 100:
        con.print(f"(first 100 of {len(res.points)} points; all in summary.csv)")


def print_comparison(res: Any, con: Any) -> None:
    """The paired differences of a comparison, with the independent-streams half-width."""
    from rich.table import Table

    t = Table(title=f"Paired comparison, variant − baseline ({res.replications} replications, common random numbers)")
    for c in ("metric", "baseline", "variant", "diff", "95 % CI (CRN)", "± indep.", "var. ratio"):
        t.add_column(c, justify="right", overflow="fold")
    for r in res.table.to_dict("records"):
        t.add_row(r["metric"], _fmt(r["baseline_mean"]), _fmt(r["variant_mean"]), _fmt(r["diff_mean"]),
                  f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", _fmt(r["diff_ci_halfwidth_independent"]),
                  _fmt(r["variance_reduction"]))
    con.print(t)
    con.print("± indep.: CI half-width of the difference with independent streams; "
              "var. ratio: variance of the difference, independent / common random numbers", highlight=False)


def print_indices(res: Any, con: Any) -> None:
    """Sensitivity indices, one row per parameter."""
    from rich.table import Table

    t = Table(title=f"{res.method.capitalize()} indices of {res.metric}")
    for c in res.indices.columns:
        t.add_column(c, justify="right")
    for r in res.indices.itertuples(index=False):
        t.add_row(*[f"{v:.3g}" if isinstance(v, float) else str(v) for v in r])
    con.print(t)
