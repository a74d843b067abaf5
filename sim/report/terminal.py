"""The summaries the command line prints after a run, a trace, a sweep or a comparison, and that
``withdrawal-sim show`` reprints from a results folder. Reads results; never simulates.

Each summary is a list of ``Block`` (title, columns with units, rows of text, footnotes) drawn in
one of ``FORMATS``: ``table`` (rich, fitted to the console: numbers and header words never break,
a long table wraps its text columns at spaces), ``markdown``; ``csv`` and ``json`` print the
machine-readable table behind the summary (``summary.csv``, ``compare.csv``, the indices) with the
run's label and overrides (json). Money is in M USD, probabilities in %, completion as dates;
a ratio that cannot be computed prints "—" with a footnote, never ``inf`` or ``nan``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim.experiments.summaries import QUANTILE_METHOD, describe, quantiles
from sim.model.schema import FATES, Scenario

FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")
"""Output formats of ``--format``."""

DASH = "—"


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


@dataclass
class Block:
    """One table of a summary: its columns (``numeric``: right-aligned, never wrapped)."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


# -- numbers ---------------------------------------------------------------------------------------


def calendar_date(sc: Scenario, hours: float, fmt: str = "%d %b %Y %H:%M") -> str:
    """Hours from ``calendar.start`` as a local date and time; non-finite hours read 'never'."""
    if not math.isfinite(hours):
        return "never"
    return f"{sc.calendar.start + dt.timedelta(hours=float(hours)):{fmt}}"


def completion_quantiles(runs: pd.DataFrame) -> list[float]:
    """5/50/95 % completion hours (``sim.experiments.summaries.quantiles``: 'never' stays 'never')."""
    return quantiles(runs["completion_hours"].to_numpy(float))


def num(x: Any, digits: int = 2) -> str:
    """A finite number with thousands separators and ``digits`` decimals (fewer for big values);
    ``—`` when not finite."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return DASH
    if abs(v) >= 1e4:
        digits = 0
    elif abs(v) >= 100:
        digits = min(digits, 1)
    return f"{v:,.{digits}f}"


UNITS: tuple[tuple[str, str, str, float], ...] = (
    # (metric suffix or name, label, unit, scale)
    ("on_time", "P(out by deadline)", "%", 100.0),
    ("completion_hours", "Completion", "days from start", 1 / 24),
    ("_usd", "", "M USD", 1e-6),
    ("ied_strikes", "IED strikes", "count", 1.0),
    ("personnel_air", "Personnel out by air", "persons", 1.0),
    ("personnel_road", "Personnel out by road", "persons", 1.0),
    ("personnel_", "", "persons", 1.0),
    ("wounded", "Wounded", "persons", 1.0),
    ("killed", "Killed", "persons", 1.0),
    ("died_of_wounds", "Died of wounds", "persons", 1.0),
    ("medevac_granted", "Medevac granted", "flights", 1.0),
    ("vehicles_", "", "vehicles", 1.0),
    ("seat_vehicles", "Seat vehicles", "vehicles", 1.0),
    ("flight", "", "flights", 1.0),
    ("convoys", "Convoys", "convoys", 1.0),
    ("n_forced_early", "Bases forced out early", "bases", 1.0),
    ("cargo_", "", "units", 1.0),
)


def metric_unit(metric: str) -> tuple[str, str, float]:
    """``(label, unit, scale)`` of a metric: e.g. ``destroyed_value_usd`` → ("destroyed value",
    "M USD", 1e-6); counts of events are "count"."""
    for key, label, unit, scale in UNITS:
        if metric == key or (key.endswith("_") and metric.startswith(key)) or (
                key.startswith("_") and metric.endswith(key)) or (key == "flight" and "flight" in metric):
            if label:
                return label, unit, scale
            text = metric.removesuffix("_usd").replace("_", " ")
            return text[:1].upper() + text[1:], unit, scale
    text = metric.replace("_", " ")
    return text[:1].upper() + text[1:], "count", 1.0


def metric_cell(metric: str) -> str:
    """``Wounded (persons)``: a metric's name in words with its unit."""
    label, unit, _ = metric_unit(metric)
    return f"{label} ({unit})"


# -- summaries ------------------------------------------------------------------------------------


def stat_line(values: pd.Series, scale: float = 1.0) -> str:
    """``mean (95% CI lo–hi); 5–95 %: a–b`` of ``values / scale``."""
    d = describe(values.to_numpy(float) / scale)
    ci = f" (95% CI {num(d['ci_low'])}–{num(d['ci_high'])})" if d["n"] > 1 else ""
    return f"{num(d['mean'])}{ci}; 5–95 %: {num(d['q05'])}–{num(d['q95'])}"


def run_rows(sc: Scenario, runs: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, value) rows of the run summary."""
    on_time = describe(runs["on_time"].to_numpy(bool))
    q = completion_quantiles(runs)
    return [
        ("Replications", f"{len(runs):,}"),
        ("Deadline", calendar_date(sc, sc.hours(sc.calendar.deadline))),
        ("P(out by deadline)",
         f"{on_time['mean']:.1%} (95% Wilson CI {on_time['ci_low']:.1%}–{on_time['ci_high']:.1%})"),
        ("Completion date, 5 %", calendar_date(sc, q[0])),
        ("Completion date, median", calendar_date(sc, q[1])),
        ("Completion date, 95 %", calendar_date(sc, q[2])),
        ("Forced early exits (bases)", stat_line(runs["n_forced_early"])),
        ("Wounded (persons)", stat_line(runs["wounded"])),
        ("Killed (persons)", stat_line(runs["killed"])),
        ("IED strikes (count)", stat_line(runs["ied_strikes"])),
        ("Ambushes (count)", stat_line(runs["ambushes"])),
        ("Vehicles lost", stat_line(runs["vehicles_lost"])),
        ("Personnel out by air (mean, persons)", num(runs["personnel_air"].mean(), 1)),
        ("Personnel out by road (mean, persons)", num(runs["personnel_road"].mean(), 1)),
        ("Personnel killed (mean, persons)", num(runs["personnel_killed"].mean(), 2)),
        ("Value destroyed (M USD)", stat_line(runs["destroyed_value_usd"], 1e6)),
        ("Value abandoned (M USD)", stat_line(runs["abandoned_value_usd"], 1e6)),
    ]


def title_of(name: str, label: str | None) -> str:
    """``kidal_2023 [flights.p_grant=0.76]``: a scenario named with the label of the run."""
    return f"{name} [{label}]" if label else name


def cargo_block(sc: Scenario, runs: pd.DataFrame, title: str = "Cargo units by fate (mean per replication)") -> Block:
    """Mean cargo units by class (rows) and fate (columns)."""
    b = Block(title, ["class", *[f.replace("_", " ") for f in FATES]], numeric=set(range(1, 1 + len(FATES))))
    for c in sc.cargo_classes:
        b.rows.append([c, *(num(float(runs[f"cargo_{c}_{f}"].mean()), 1) for f in FATES)])
    return b


DRAW_METRICS: tuple[str, ...] = (
    "on_time", "n_forced_early", "wounded", "killed", "ied_strikes", "ambushes", "vehicles_lost",
    "personnel_road", "destroyed_value_usd", "abandoned_value_usd",
)
"""Metrics of the parameter-uncertainty table of a two-level run (every one is in variance.csv)."""


def draws_block(variance: pd.DataFrame, summary: pd.DataFrame, draws: int, replications: int) -> Block:
    """A two-level run's table: per metric the pooled predictive 5-95 %, the 5-95 % of the draws'
    means, and the parameter part's share of the variance (law of total variance)."""
    t = Block(f"Parameter uncertainty: {draws:,} draws × {replications:,} replications",
              ["metric (unit)", "mean", "predictive 5–95 %", "mean over draws 5–95 %", "parameter share"],
              numeric={1, 2, 3, 4})
    q = ({str(r["metric"]): (float(r["q05"]), float(r["q95"])) for r in summary.to_dict("records")}
         if {"metric", "q05", "q95"} <= set(summary.columns) else {})
    var = {str(r["metric"]): r for r in variance.to_dict("records")}
    for m in DRAW_METRICS:
        if m not in var:
            continue
        v = var[m]
        pred = f"{_value(m, q[m][0])}–{_value(m, q[m][1])}" if m in q and m != "on_time" else "–"
        share = "–" if pd.isna(v["share_parameter"]) else f"{float(v['share_parameter']):.0%}"
        t.rows.append([metric_cell(m), _value(m, float(v["mean"])), pred,
                       f"{_value(m, float(v['mean_q05']))}–{_value(m, float(v['mean_q95']))}", share])
    t.notes.append("Predictive: all replications of all draws pooled. Mean over draws: how far the expected "
                   "value moves with the uncertain inputs. Parameter share: Var(draw means) less their "
                   "run-to-run noise, over the total (MODEL.md §17).")
    return t


def run_blocks(res: RunTables, label: str | None = None) -> list[Block]:
    """The run summary: outcomes, then cargo by fate (and, for a two-level run, the parameter
    uncertainty of each metric)."""
    variance = getattr(res, "variance", None)
    k = int(variance["draws"].iloc[0]) if variance is not None and len(variance) else 0
    size = f"{k:,} draws × {res.replications:,} replications" if k else f"{res.replications:,} replications"
    t = Block(f"{title_of(res.scenario.name, label)}: {size}, engine {res.engine}, seed {res.seed}",
              ["outcome", "value"])
    t.rows = [[a, v] for a, v in run_rows(res.scenario, res.runs)]
    t.notes.append(f"Quantiles: {QUANTILE_METHOD}.")
    if k:
        t.notes.append("The replications of all draws are pooled: 5–95 % ranges are predictive; a 95 % CI "
                       "treats them as independent, which they are not across draws (see the next table).")
    elif res.scenario.uncertainty is not None and res.scenario.uncertainty.fields:
        n = len(res.scenario.uncertainty.fields)
        t.notes.append(f"The scenario has {n} uncertain input{'s' if n != 1 else ''}, held at their means here: "
                       "give --draws K for the predictive distribution over them.")
    blocks = [t, cargo_block(res.scenario, res.runs)]
    if k and variance is not None:
        blocks.append(draws_block(variance, getattr(res, "summary", pd.DataFrame()), k, res.replications))
    return blocks


def trace_blocks(res: TraceTables, label: str | None = None) -> list[Block]:
    """What happened in one traced replication: per base, then cargo by fate."""
    sc = res.scenario
    short = "%d %b %H:%M"
    t = Block(f"{title_of(sc.name, label)}: trace of replication {res.replication}, seed {res.seed}",
              ["base", "left", "arrived", "early", "convoys", "IED/amb.", "WIA/KIA"], numeric={4, 5, 6})
    b = res.bases
    for base, left, arrived, forced, convoys, ied, amb, wounded, killed in zip(
            b["base"], b["exit_hours"], b["last_arrival_hours"], b["forced_early"], b["convoys"],
            b["ied_strikes"], b["ambushes"], b["wounded"], b["killed"], strict=True):
        t.rows.append([str(base), calendar_date(sc, left, short), calendar_date(sc, arrived, short),
                       "yes" if forced else "no", str(convoys), f"{ied}/{amb}", f"{wounded}/{killed}"])
    kinds = res.events["kind"].value_counts().to_dict() if len(res.events) else {}
    events = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"
    t.notes.append(f"Convoy legs: {len(res.legs)}; events: {events}")
    return [t, cargo_block(sc, res.runs, "Cargo units by fate")]


def _value(metric: str, x: float) -> str:
    if metric.endswith("_usd"):
        return num(x / 1e6)
    _, _, scale = metric_unit(metric)
    return num(x * scale, 1 if scale != 1.0 else 2)


def sweep_blocks(res: Any, label: str | None = None) -> list[Block]:
    """The points (parameters) and, per point, every metric's mean and 95 % CI in its unit."""
    params = [c for c in res.points.columns if c != "point"]
    n_rep = int(res.table.groupby("point").size().iloc[0]) if len(res.table) else 0
    head = f"Sweep{f' [{label}]' if label else ''}: {len(res.points)} points × {n_rep:,} replications"
    pts = Block(f"{head}: the points", ["point", *params], numeric=set(range(1 + len(params))))
    shown = res.points.head(100)
    for rec in shown.to_dict("records"):
        pts.rows.append([str(rec["point"]), *[f"{rec[p]:.4g}" if isinstance(rec[p], float) else str(rec[p])
                                              for p in params]])
    vals = Block(f"{head}: mean and 95 % CI per point", ["point", "metric (unit)", "mean", "95 % CI"],
                 numeric={0, 2, 3})
    by = res.summary.set_index(["point", "metric"])
    for rec in shown.to_dict("records"):
        for m in res.metrics:
            if (rec["point"], m) not in by.index:
                continue
            r = by.loc[(rec["point"], m)]
            vals.rows.append([str(rec["point"]), metric_cell(m), _value(m, r["mean"]),
                              f"{_value(m, r['ci_low'])} – {_value(m, r['ci_high'])}"])
    if len(res.points) > 100:
        vals.notes.append(f"First 100 of {len(res.points)} points; all in summary.csv.")
    return [pts, vals]


def compare_blocks(res: Any, baseline: str = "baseline", variant: str = "variant") -> list[Block]:
    """The paired differences of a comparison, with the independent-streams half-width; the sides
    are called by their labels (``variant``: the label or the override list of the variant)."""
    short = max(len(baseline), len(variant)) <= 14
    a, b = (baseline, variant) if short else ("A", "B")
    t = Block(f"Paired comparison {variant} − {baseline}: {res.replications:,} replications, "
              "common random numbers",
              ["metric (unit)", a, b, f"{b}−{a}", "95% CI", "± indep.", "var. ratio"], numeric={1, 2, 3, 4, 5, 6})
    undefined = False
    for r in res.table.to_dict("records"):
        m = r["metric"]
        ratio = float(r["variance_reduction"])
        if not math.isfinite(ratio):
            undefined = True
        t.rows.append([metric_cell(m), _value(m, r["baseline_mean"]), _value(m, r["variant_mean"]),
                       _value(m, r["diff_mean"]), f"{_value(m, r['ci_low'])} – {_value(m, r['ci_high'])}",
                       _value(m, r["diff_ci_halfwidth_independent"]), num(ratio, 1)])
    if not short:
        t.notes.append(f"A: {baseline}; B: {variant}.")
    t.notes.append("± indep.: CI half-width of the difference with independent streams; "
                   "var. ratio: variance of the difference, independent / common random numbers.")
    if undefined:
        t.notes.append("— : no ratio, the paired difference does not vary (the same in every replication).")
    if "effect_q50" not in res.table.columns:
        return [t]
    k = int(res.table["draws"].iloc[0]) if len(res.table) else 0
    t.title = t.title.replace(f"{res.replications:,} replications", f"{k:,} draws × {res.replications:,} replications")
    e = Block(f"Effect {variant} − {baseline} over the {k:,} draws of the uncertain inputs",
              ["metric (unit)", f"{b}−{a}", "95% CI (chance)", "draws 5 %", "median", "draws 95 %"],
              numeric={1, 2, 3, 4, 5})
    for r in res.table.to_dict("records"):
        m = r["metric"]
        e.rows.append([metric_cell(m), _value(m, r["diff_mean"]), f"{_value(m, r['ci_low'])} – {_value(m, r['ci_high'])}",
                       _value(m, r["effect_q05"]), _value(m, r["effect_q50"]), _value(m, r["effect_q95"])])
    e.notes.append("95% CI (chance): run-to-run noise only, replications of all draws pooled. Draws: the "
                   "effect's mean within each draw (common random numbers), its spread over the draws.")
    return [t, e]


def indices_blocks(res: Any) -> list[Block]:
    """Sensitivity indices, one row per parameter."""
    cols = list(res.indices.columns)
    t = Block(f"{res.method.capitalize()} indices of {metric_cell(res.metric)}", cols,
              numeric={i for i, c in enumerate(cols) if c != "parameter"})
    for r in res.indices.itertuples(index=False):
        t.rows.append([num(v, 3) if isinstance(v, float) else str(v) for v in r])
    return [t]


# -- drawing ---------------------------------------------------------------------------------------


def _longest_word(texts: Sequence[str]) -> int:
    return max((len(w) for t in texts for w in str(t).split()), default=1)


def rich_table(block: Block, width: int = 80) -> Any:
    """The block as a rich table that never breaks a word or a number within ``width`` columns:
    numeric cells never wrap, text columns are at least as wide as their longest word (at most 24)
    and wrap at spaces, and when the table would be wider than ``width`` its headers go one word
    a line."""
    from rich.markup import escape
    from rich.table import Table

    natural = sum(max([len(c), *(len(r[i]) for r in block.rows)]) for i, c in enumerate(block.columns))
    fold_headers = natural + 3 * len(block.columns) + 1 > width
    t = Table(title=escape(block.title), title_justify="left")
    for i, c in enumerate(block.columns):
        head = escape("\n".join(c.split()) if fold_headers else c)
        if i in block.numeric:
            t.add_column(head, justify="right", no_wrap=True)
        else:
            cells = [r[i] for r in block.rows]
            t.add_column(head, min_width=min(24, max(_longest_word([c]), _longest_word(cells))))
    for r in block.rows:
        t.add_row(*(escape(x) for x in r))
    return t


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(blocks: Sequence[Block]) -> str:
    """The blocks as GitHub-flavoured Markdown tables."""
    out = []
    for b in blocks:
        out.append(f"**{_md_cell(b.title)}**\n")
        out.append("| " + " | ".join(_md_cell(c) for c in b.columns) + " |")
        out.append("|" + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.columns))) + "|")
        out.extend("| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows)
        out.extend(f"\n{n}" for n in b.notes)
        out.append("")
    return "\n".join(out)


def _plain(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _plain(v.item())
    return v


def table_csv(table: pd.DataFrame) -> str:
    """``table`` as CSV (non-finite numbers empty)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(table.columns))
    for row in table.itertuples(index=False):
        w.writerow(["" if (v := _plain(x)) is None else v for x in row])
    return buf.getvalue()


def table_json(table: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    """``{**meta, "rows": [...]}`` (non-finite numbers null)."""
    rows = [{k: _plain(v) for k, v in r.items()} for r in table.to_dict("records")]
    return json.dumps({**meta, "rows": rows}, indent=2, default=str, allow_nan=False) + "\n"


def emit(blocks: Sequence[Block], table: pd.DataFrame, meta: Mapping[str, Any], fmt: str, con: Any) -> None:
    """Print a summary in ``fmt``: ``table`` and ``markdown`` draw the blocks, ``csv`` and ``json``
    the machine-readable ``table`` (``json`` with ``meta``: kind, scenario, label, overrides)."""
    import sys

    if fmt == "csv":
        sys.stdout.write(table_csv(table))
    elif fmt == "json":
        sys.stdout.write(table_json(table, meta))
    elif fmt == "markdown":
        sys.stdout.write(markdown(blocks) + "\n")
    else:
        for b in blocks:
            con.print(rich_table(b, int(getattr(con, "width", 80) or 80)), crop=False)
            for n in b.notes:
                con.print(n, highlight=False, markup=False)


def _results_line(path: Path | None, con: Any) -> None:
    con.print(f"Results: {path if path else '(not written)'}", highlight=False, soft_wrap=True, markup=False)


def print_run_summary(res: RunTables, con: Any, label: str | None = None, fmt: str = "table",
                      meta: Mapping[str, Any] | None = None) -> None:
    """Print the summary of a run: outcome table, cargo table, results folder."""
    emit(run_blocks(res, label), getattr(res, "summary", pd.DataFrame()),
         {"kind": "run", "scenario": res.scenario.name, "label": label, **(meta or {})}, fmt, con)
    if fmt == "table":
        _results_line(res.path, con)


def print_trace_summary(res: TraceTables, con: Any, label: str | None = None, fmt: str = "table",
                        meta: Mapping[str, Any] | None = None) -> None:
    """Print what happened in one traced replication."""
    emit(trace_blocks(res, label), res.bases,
         {"kind": "trace", "scenario": res.scenario.name, "label": label, **(meta or {})}, fmt, con)
    if fmt == "table":
        _results_line(res.path, con)


def print_sweep_summary(res: Any, con: Any, label: str | None = None, fmt: str = "table",
                        meta: Mapping[str, Any] | None = None) -> None:
    """The points of a sweep, and every metric it names per point (mean, 95 % CI)."""
    emit(sweep_blocks(res, label), res.summary, {"kind": "sweep", "label": label, **(meta or {})}, fmt, con)


def print_comparison(res: Any, con: Any, baseline: str = "baseline", variant: str = "variant", fmt: str = "table",
                     meta: Mapping[str, Any] | None = None) -> None:
    """The paired differences of a comparison, with the independent-streams half-width."""
    emit(compare_blocks(res, baseline, variant), res.table,
         {"kind": "compare", "baseline": baseline, "variant": variant, **(meta or {})}, fmt, con)


def print_indices(res: Any, con: Any, fmt: str = "table", meta: Mapping[str, Any] | None = None) -> None:
    """Sensitivity indices, one row per parameter."""
    emit(indices_blocks(res), res.indices,
         {"kind": "sensitivity", "method": res.method, "metric": res.metric, **(meta or {})}, fmt, con)
