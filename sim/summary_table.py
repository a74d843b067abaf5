"""The tables the CLI prints after ``run`` and ``trace`` (rich). Reads results; never simulates."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.outcomes import describe
from sim.scenario import FATES, Scenario

if TYPE_CHECKING:
    from sim.api import RunResult, TraceResult


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


def print_run_summary(res: RunResult, con: Any) -> None:
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


def print_trace_summary(res: TraceResult, con: Any) -> None:
    """Print what happened in one traced replication."""
    from rich.table import Table

    sc = res.scenario
    short = "%d %b %H:%M"
    t = Table(title=f"{sc.name}: trace of replication {res.replication}, seed {res.seed}")
    for name in ("base", "left", "arrived", "early", "convoys", "IED/amb", "WIA/KIA"):
        t.add_column(name, no_wrap=True, justify="left" if name in ("base", "left", "arrived") else "right")
    for row in res.bases.itertuples(index=False):
        t.add_row(
            str(row.base), calendar_date(sc, row.exit_hours, short), calendar_date(sc, row.last_arrival_hours, short),
            "yes" if row.forced_early else "no", str(row.convoys),
            f"{row.ied_strikes}/{row.ambushes}", f"{row.wounded}/{row.killed}",
        )
    con.print(t)
    kinds = res.events["kind"].value_counts().to_dict() if len(res.events) else {}
    events = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"
    con.print(f"Convoy legs: {len(res.legs)}; events: {events}", highlight=False)
    con.print(cargo_table(sc, res.runs, "Cargo units by fate"))
    con.print(f"Results: {res.path if res.path else '(not written)'}", highlight=False, soft_wrap=True)
