"""Charts of a results folder, drawn in one place for every command: a run, a trace, a sweep, a
comparison, a sensitivity analysis. The chart functions themselves (``sim.report.plots``) take
tables and never simulate; this module picks the charts the tables allow and saves them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.model.outcomes import roll_up
from sim.model.schema import Scenario
from sim.report import plots
from sim.report.results import read_results
from sim.store.atomic import atomic_write


def save_axes(ax: Axes, path: Path, fmt: str = "png") -> Path:
    """Save the figure of ``ax`` to ``path`` atomically (temp file in the folder, then rename)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported chart format '{fmt}'")
    fig = ax.figure
    if not isinstance(fig, Figure):  # a SubFigure cannot save itself
        raise TypeError("save_axes saves the axes of a top-level Figure")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"Software": None} if fmt == "png" else None
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, bbox_inches="tight", metadata=meta),
                        suffix=f".{fmt}")


def _first_point(df: pd.DataFrame) -> pd.DataFrame:
    if "point" in df.columns and df["point"].nunique() > 1:
        return df[df["point"] == df["point"].min()]
    return df


def chart_plan(sc: Scenario, tables: Mapping[str, pd.DataFrame],
               labels: Mapping[str, Any] | None = None) -> dict[str, Callable[[], Axes]]:
    """Chart name → drawing function, for the charts the available tables allow. ``labels``: the
    manifest's ``baseline_label`` and ``variant_label`` (a comparison's sides by name)."""
    labels = labels or {}
    start, deadline = sc.calendar.start, sc.hours(sc.calendar.deadline)
    plan: dict[str, Callable[[], Axes]] = {"network": lambda: plots.plot_network(sc)}
    bases = tables.get("bases")
    runs = tables.get("runs")
    if runs is None and bases is not None and len(bases):
        runs = roll_up(sc, bases)
    legs = tables.get("legs", tables.get("convoys"))
    events = tables.get("events")
    if legs is not None and len(legs):
        leave_by = plots.leave_by_from_bases(bases) if bases is not None and len(bases) else {
            b: sc.hours(s.leave_by) for b, s in sc.bases.items()}
        plan["timeline"] = lambda: plots.plot_timeline(legs, events, start=start, deadline_hours=deadline,
                                                       leave_by_hours=leave_by)
    many = runs is not None and len(_first_point(runs)) >= 2  # distributions need more than one run
    if bases is not None and len(bases):
        b0 = _first_point(bases)
        if many:
            plan["extraction"] = lambda: plots.plot_extraction(b0, sc)
        plan["cargo_fates"] = lambda: plots.plot_cargo_fates(b0)
    if runs is not None and many:
        r0 = _first_point(runs)
        plan["completion"] = lambda: plots.plot_completion(r0, start=start, deadline_hours=deadline)
        plan["casualties"] = lambda: plots.plot_casualties(r0)
        plan["strikes"] = lambda: plots.plot_strikes(r0)
    summary = tables.get("summary")
    if summary is not None and len(summary) and "point" in summary and summary["point"].nunique() > 1:
        plan.update(sweep_plan(summary))
    if tables.get("sensitivity") is not None:
        plan["tornado"] = lambda: plots.plot_tornado(tables["sensitivity"])
    if tables.get("comparison") is not None:
        plan["paired"] = lambda: plots.plot_paired(tables["comparison"],
                                                   variant=str(labels.get("variant_label") or "variant"),
                                                   baseline=str(labels.get("baseline_label") or "baseline"))
    return plan


def sweep_plan(summary: pd.DataFrame, metrics: Sequence[str] | None = None) -> dict[str, Callable[[], Axes]]:
    """A sweep's charts: per metric a line chart over each parameter that varies, and a heatmap
    when exactly two vary. ``metrics``: those of the summary by default, in its order."""
    params = [c for c in plots.sweeps.parameter_columns(summary) if summary[c].nunique() > 1]
    names = list(metrics) if metrics is not None else list(dict.fromkeys(summary["metric"]))
    out: dict[str, Callable[[], Axes]] = {}
    for metric in names:
        if not (summary["metric"] == metric).any():
            continue
        for p in params:
            out[f"sweep_{metric}_{p.replace('.', '_')}"] = partial(plots.plot_sweep, summary, p, metric)
        if len(params) == 2:
            out[f"heatmap_{metric}"] = partial(plots.plot_heatmap, summary, params[0], params[1], metric)
    return out


def write_charts(
    path: str | Path, sc: Scenario | None = None, tables: Mapping[str, pd.DataFrame] | None = None, *,
    svg: bool = False,
) -> list[Path]:
    """Draw the charts ``tables`` allow into ``path/charts/`` (PNG, and SVG if asked); their paths.

    With no ``sc`` or ``tables``, they are read from the folder. Tables: ``bases`` and ``runs`` → extraction, cargo fates, completion, casualties, strikes;
    ``legs`` (or ``convoys``) with ``events`` → timeline; a multi-point ``summary`` → sweep line or
    heatmap; ``sensitivity`` → tornado; ``comparison`` → paired differences. The network map always.
    """
    manifest: dict[str, Any] = {}
    if sc is None or tables is None:
        sc_read, manifest, tables_read = read_results(path)
        sc, tables = sc or sc_read, tables if tables is not None else tables_read
    out_dir = Path(path) / "charts"
    written: list[Path] = []
    for name, draw in chart_plan(sc, tables, manifest).items():
        try:
            ax = draw()
        except ValueError:  # a chart its data cannot make (a sweep line over scattered points)
            continue
        written.append(save_axes(ax, out_dir / f"{name}.png", "png"))
        if svg:
            written.append(save_axes(ax, out_dir / f"{name}.svg", "svg"))
    return written
