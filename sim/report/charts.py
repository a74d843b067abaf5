"""Charts of a results folder, drawn in one place for every command: a run, a trace, a sweep, a
comparison, a sensitivity analysis. The chart functions themselves (``sim.report.plots``) take
tables and never simulate; this module picks the charts the tables allow and saves them."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from sim.experiments.progress import progress_bar
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
    crop = _settle(fig, ax)
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, bbox_inches=crop, metadata=meta),
                        suffix=f".{fmt}")


def _settle(fig: Figure, ax: Axes) -> Bbox | None:
    """Fix the figure's layout so that saving renders it once, and say what of it to save.

    A figure with a layout engine (constrained layout) has it run here, once, without a render,
    and then frozen (``savefig`` would otherwise draw the figure twice: a dry run to settle the
    layout, then the picture). The whole figure is saved (its layout fits every label, title and
    legend inside it), except a map (a fixed aspect, which leaves empty bands beside it): the box
    of what it draws plus 0.1 inch, as ``bbox_inches="tight"`` gives it without its extra render."""
    engine = fig.get_layout_engine()
    if engine is not None and engine.adjust_compatible is False:  # constrained: positions set at draw
        engine.execute(fig)
        fig.set_layout_engine(None)  # None (not "none", a placeholder that savefig still settles)
    if ax.get_aspect() == "auto":
        return None
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)  # type: ignore[attr-defined]


def _first_point(df: pd.DataFrame) -> pd.DataFrame:
    if "point" in df.columns and df["point"].nunique() > 1:
        return df[df["point"] == df["point"].min()]
    return df


def chart_plan(sc: Scenario, tables: Mapping[str, pd.DataFrame],
               metrics: Sequence[str] | None = None,
               labels: Mapping[str, Any] | None = None) -> dict[str, Callable[[], Axes]]:
    """Chart name → drawing function, for the charts the available tables allow (``metrics``: those
    a sweep named, each charted; ``labels``: the manifest's ``baseline_label`` and
    ``variant_label``, a comparison's sides by name)."""
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
            if sc.security is not None:
                plan["security"] = lambda: plots.plot_security(b0, sc)
        plan["cargo_fates"] = lambda: plots.plot_cargo_fates(b0)
    if runs is not None and many:
        r0 = _first_point(runs)
        plan["completion"] = lambda: plots.plot_completion(r0, start=start, deadline_hours=deadline)
        plan["casualties"] = lambda: plots.plot_casualties(r0)
        plan["strikes"] = lambda: plots.plot_strikes(r0)
    summary = tables.get("summary")
    if summary is not None and len(summary) and "point" in summary and summary["point"].nunique() > 1:
        plan.update(sweep_plan(summary, metrics, start=start))
    if tables.get("sensitivity") is not None:
        plan["tornado"] = lambda: plots.plot_tornado(tables["sensitivity"])
    if tables.get("comparison") is not None:
        plan["paired"] = lambda: plots.plot_paired(tables["comparison"],
                                                   variant=str(labels.get("variant_label") or "variant"),
                                                   baseline=str(labels.get("baseline_label") or "baseline"))
    return plan


def sweep_plan(summary: pd.DataFrame, metrics: Sequence[str] | None = None, *,
               start: dt.datetime | None = None) -> dict[str, Callable[[], Axes]]:
    """A sweep's charts, for every metric (``metrics``: those the sweep named, else all of the
    summary, in its order). A grid: per metric a line chart over each parameter that varies, and a
    heatmap when exactly two vary. A scattered design (LHS, Sobol, random points): per metric a
    scatter of the points against each parameter with a smoother, and partial-dependence lines."""
    params = plots.scattered.varying_parameters(summary)
    names = list(metrics) if metrics else list(dict.fromkeys(summary["metric"]))
    scattered = plots.scattered.is_scattered(summary)
    out: dict[str, Callable[[], Axes]] = {}
    for metric in names:
        if not (summary["metric"] == metric).any():
            continue
        if scattered:
            out[f"scatter_{metric}"] = partial(plots.plot_scatter, summary, metric, params, start=start)
            out[f"partial_dependence_{metric}"] = partial(plots.plot_partial_dependence, summary, metric, params,
                                                          start=start)
            continue
        for p in params:
            out[f"sweep_{metric}_{p.replace('.', '_')}"] = partial(plots.plot_sweep, summary, p, metric, start=start)
        if len(params) == 2:
            out[f"heatmap_{metric}"] = partial(plots.plot_heatmap, summary, params[0], params[1], metric,
                                                     start=start)
    return out


def manifest_metrics(manifest: Mapping[str, object]) -> list[str] | None:
    """The metrics a sweep named, as its manifest records them (``None`` when it names none)."""
    for where in (manifest, manifest.get("extra"), manifest.get("design")):
        if isinstance(where, Mapping):
            m = where.get("metrics")
            if isinstance(m, list) and m:
                return [str(x) for x in m]
    return None


def write_charts(
    path: str | Path, sc: Scenario | None = None, tables: Mapping[str, pd.DataFrame] | None = None, *,
    svg: bool = False, metrics: Sequence[str] | None = None, progress: bool | None = None,
) -> list[Path]:
    """Draw the charts ``tables`` allow into ``path/charts/`` (PNG, and SVG if asked); their paths.

    With no ``sc`` or ``tables``, they are read from the folder. Tables: ``bases`` and ``runs`` → extraction, cargo fates, completion, casualties, strikes;
    ``legs`` (or ``convoys``) with ``events`` → timeline; a multi-point ``summary`` → sweep line or
    heatmap, or scatter and partial dependence for a scattered design; ``sensitivity`` → tornado;
    ``comparison`` → paired differences. The network map always. ``metrics``: the metrics a sweep
    named (default: from the folder's manifest, else every metric of the summary). ``progress``: a
    counter of the charts on stderr (default: when stderr is a terminal). The cost of each chart is
    one pass over the table columns it reads: it does not grow with the replication count beyond
    the tables themselves.
    """
    manifest: Mapping[str, Any] = {}
    if sc is None or tables is None:
        sc_read, manifest, tables_read = read_results(path)
        sc, tables = sc or sc_read, tables if tables is not None else tables_read
    elif metrics is None and (Path(path) / "manifest.json").is_file():
        try:
            manifest = json.loads((Path(path) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
    if metrics is None and isinstance(manifest, Mapping):
        metrics = manifest_metrics(manifest)
    out_dir = Path(path) / "charts"
    written: list[Path] = []
    plan = chart_plan(sc, tables, metrics, manifest if isinstance(manifest, Mapping) else None)
    enabled = sys.stderr.isatty() if progress is None else progress
    with progress_bar(len(plan), enabled, "charts") as advance:
        for name, draw in plan.items():
            try:
                ax = draw()
            except ValueError:  # a chart its data cannot make
                advance(1)
                continue
            written.append(save_axes(ax, out_dir / f"{name}.png", "png"))
            if svg:
                written.append(save_axes(ax, out_dir / f"{name}.svg", "svg"))
            advance(1)
    return written
