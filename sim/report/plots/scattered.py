"""Charts of scattered sweep designs (Latin hypercube, Sobol): each point's mean against each
parameter with a binned-mean smoother, and partial-dependence lines from a small response surface.

A scattered design has (almost) as many values of each parameter as points, so lines over one
parameter and heatmaps over two mean nothing there; these charts use every point instead."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.report.plots.style import CYCLE, OKABE_ITO, date_axis, hours_to_num, styled
from sim.report.plots.sweeps import as_dates, metric_label, metric_scale, parameter_columns


def numeric_parameter(values: pd.Series) -> np.ndarray:
    """A parameter's values as numbers: numbers as they are, dates as days since the earliest, other
    values by their rank."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(float)
    dates = pd.to_datetime(values, errors="coerce", utc=True)
    if dates.notna().all():
        return ((dates - dates.min()).dt.total_seconds() / 86400.0).to_numpy(float)
    return pd.Series(pd.factorize(values, sort=True)[0], index=values.index).to_numpy(float)


def varying_parameters(summary: pd.DataFrame) -> list[str]:
    """Parameter columns of a sweep summary that take more than one value."""
    return [c for c in parameter_columns(summary) if summary[c].nunique() > 1]


def is_scattered(summary: pd.DataFrame) -> bool:
    """True when the points are not a full grid of the varying parameters' values (LHS, Sobol, random)."""
    params = varying_parameters(summary)
    if len(params) < 2:
        return False
    pts = summary.drop_duplicates("point") if "point" in summary else summary
    combos = math.prod(int(pts[p].nunique()) for p in params)
    return combos > len(pts)


def binned_means(x: np.ndarray, y: np.ndarray, n_bins: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Smoother of a scatter: mean x and mean y in equal-count bins of x (about 4 points per bin,
    3 to 12 bins); empty bins dropped."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        return x, y
    k = n_bins or int(np.clip(len(x) // 4, 3, 12))
    k = max(1, min(k, len(np.unique(x))))
    order = np.argsort(x, kind="stable")
    groups = [g for g in np.array_split(order, k) if len(g)]
    return np.array([x[g].mean() for g in groups]), np.array([y[g].mean() for g in groups])


def _points(summary: pd.DataFrame, metric: str, params: Sequence[str]) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    df = summary[summary["metric"] == metric]
    if df.empty:
        raise ValueError(f"metric '{metric}' is not in the summary")
    df = df.sort_values("point") if "point" in df else df
    u = np.column_stack([numeric_parameter(df[p]) for p in params]) if params else np.zeros((len(df), 0))
    return u, df["mean"].to_numpy(float) * metric_scale(metric), df


def _features(u: np.ndarray, interactions: bool) -> np.ndarray:
    cols = [np.ones(len(u))]
    for j in range(u.shape[1]):
        cols += [u[:, j], u[:, j] ** 2]
    if interactions:
        for j in range(u.shape[1]):
            for k in range(j + 1, u.shape[1]):
                cols.append(u[:, j] * u[:, k])
    return np.column_stack(cols)


def partial_dependence(
    summary: pd.DataFrame, metric: str, params: Sequence[str] | None = None, n_grid: int = 21
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Parameter → (values on a grid over its range, partial dependence of the metric's mean).

    The response surface is a least-squares quadratic in the parameters (scaled to 0–1), with their
    pairwise products when there are at least twice as many points as terms; the partial
    dependence at v is the mean prediction over the design's points with that parameter set to v."""
    names = list(params) if params is not None else varying_parameters(summary)
    x, y, _ = _points(summary, metric, names)
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    u = (x - lo) / span
    d = len(names)
    interactions = len(u) >= 2 * (1 + 2 * d + d * (d - 1) // 2)
    coef, *_ = np.linalg.lstsq(_features(u, interactions), y, rcond=None)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    grid = np.linspace(0.0, 1.0, n_grid)
    for j, name in enumerate(names):
        pd_vals = np.empty(n_grid)
        for i, v in enumerate(grid):
            uu = u.copy()
            uu[:, j] = v
            pd_vals[i] = float(np.mean(_features(uu, interactions) @ coef))
        out[name] = (lo[j] + grid * span[j], pd_vals)
    return out


def _panel_grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


@styled
def plot_scatter(summary: pd.DataFrame, metric: str, params: Sequence[str] | None = None,
                 start: dt.datetime | None = None) -> Axes:
    """One panel per varying parameter: each point's mean of ``metric`` (with its 95 % CI) against
    the parameter, and a binned-mean smoother; completion hours as calendar dates when ``start`` is
    given. Returns the first panel (the figure holds them all)."""
    names = list(params) if params is not None else varying_parameters(summary)
    if not names:
        raise ValueError("no parameter varies in the summary")
    x, y, df = _points(summary, metric, names)
    k = metric_scale(metric)
    dates = as_dates(metric, start)
    if dates and start is not None:  # y in hours from the start: shown as dates
        y = hours_to_num(start, y / k)
        k = 1.0
    rows, cols = _panel_grid(len(names))
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(len(names))]
    def scaled(v: np.ndarray) -> np.ndarray:
        return hours_to_num(start, v) if dates and start is not None else v * k

    lo = scaled(df["ci_low"].to_numpy(float)) if "ci_low" in df else None
    hi = scaled(df["ci_high"].to_numpy(float)) if "ci_high" in df else None
    unit = " (%)" if metric == "on_time" else ""
    for j, (ax, name) in enumerate(zip(axes, names, strict=True)):
        xs = x[:, j]
        if lo is not None and hi is not None:
            ax.errorbar(xs, y, yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)], fmt="o", ms=4,
                        color=OKABE_ITO["blue"], ecolor="#9ab", elinewidth=0.8, alpha=0.85, label="point mean (95 % CI)")
        else:
            ax.scatter(xs, y, s=16, color=OKABE_ITO["blue"], label="point mean")
        bx, by = binned_means(xs, y)
        ax.plot(bx, by, color=OKABE_ITO["vermillion"], lw=2.2, label="binned mean")
        ax.set_xlabel(name + ("" if pd.api.types.is_numeric_dtype(df[name]) else " (days from the earliest)"))
        ax.set_ylabel(metric_label(metric) + unit + (" (local time)" if dates else ""))
        if metric == "on_time":
            ax.set_ylim(-2, 102)
        if dates:
            date_axis(ax, "y")
        ax.set_title(name, fontsize=11)
    axes[0].legend(loc="best", fontsize=8, framealpha=0.9)
    fig.suptitle(f"{metric_label(metric)} across {len(y)} design points", fontweight="bold")
    return axes[0]


@styled
def plot_partial_dependence(summary: pd.DataFrame, metric: str, params: Sequence[str] | None = None,
                            ax: Axes | None = None, start: dt.datetime | None = None) -> Axes:
    """Partial dependence of ``metric`` on each varying parameter, on one axis from each
    parameter's low end (0) to its high end (1): one line per parameter; completion hours as
    calendar dates when ``start`` is given."""
    names = list(params) if params is not None else varying_parameters(summary)
    if not names:
        raise ValueError("no parameter varies in the summary")
    curves = partial_dependence(summary, metric, names)
    dates = as_dates(metric, start)
    if ax is None:
        fig = Figure(figsize=(9.0, 5.0), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    for i, (name, (xs, ys)) in enumerate(curves.items()):
        u = np.linspace(0.0, 1.0, len(xs))
        if dates and start is not None:
            ys = hours_to_num(start, np.asarray(ys, dtype=float) / metric_scale(metric))
        ax.plot(u, ys, color=CYCLE[i % len(CYCLE)], lw=2.2,
                label=f"{name} ({xs[0]:.3g} → {xs[-1]:.3g})")
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["low", "", "middle", "", "high"])
    if metric == "on_time":
        ax.set_ylim(-2, 102)
    ax.set_xlabel("Position in the parameter's range (its low → high value)")
    ax.set_ylabel(metric_label(metric) + (" (%)" if metric == "on_time" else "") + (" (local time)" if dates else ""))
    if dates:
        date_axis(ax, "y")
    ax.set_title(f"Partial dependence: {metric_label(metric)}")
    ax.legend(loc="best", fontsize=8.5, framealpha=0.9)
    return ax
