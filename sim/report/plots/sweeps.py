"""Sweep and comparison charts: metric vs a parameter, heatmaps, tornado, paired differences."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.report.plots.style import CYCLE, OKABE_ITO, date_axis, hours_to_num, new_axes, styled

SUMMARY_STATS: frozenset[str] = frozenset(
    {"point", "metric", "n", "mean", "ci_low", "ci_high", "q05", "q50", "q95", "std", "sd"}
)
"""Columns of a sweep summary that are not parameters."""

METRIC_LABELS: dict[str, str] = {
    "on_time": "P(out by deadline)",
    "completion_hours": "Completion date",
    "n_forced_early": "Bases forced out early (count)",
    "wounded": "Wounded (persons per run)",
    "killed": "Killed (persons per run)",
    "personnel_killed": "Personnel killed (persons per run)",
    "vehicles_lost": "Vehicles lost (per run)",
    "ied_strikes": "IED strikes (per run)",
    "ambushes": "Ambushes (per run)",
    "breakdowns": "Breakdowns (per run)",
    "personnel_air": "Personnel out by air (persons)",
    "personnel_road": "Personnel out by road (persons)",
    "flight_requests": "Flight requests (count)",
    "flights_granted": "Flights granted (count)",
    "convoys": "Convoys (count)",
    "destroyed_value_usd": "Value destroyed (USD)",
    "abandoned_value_usd": "Value abandoned (USD)",
}


def metric_label(metric: str) -> str:
    """Axis label with units for a metric name (``cargo_<class>_<fate>`` → units per run)."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    if metric.startswith("cargo_"):
        return f"{metric.removeprefix('cargo_').replace('_', ' ')} (cargo units per run)"
    return metric.replace("_", " ")


def parameter_columns(summary: pd.DataFrame) -> list[str]:
    """The parameter columns of a sweep summary (everything that is not a statistic)."""
    return [c for c in summary.columns if c not in SUMMARY_STATS]


def metric_scale(metric: str) -> float:
    """Factor from a metric's stored unit to the unit charts show (probabilities in %)."""
    return 100.0 if metric == "on_time" else 1.0


_scale = metric_scale


def is_probability(metric: str) -> bool:
    """Metrics that are probabilities (shown on 0–100 %, whatever their values)."""
    return metric == "on_time" or metric.startswith("p_")


PROBABILITY_LIMITS: tuple[float, float] = (-2.0, 102.0)
"""Axis limits of a probability in %: the whole 0–100 % range, a little margin."""


def metric_unit(metric: str) -> str:
    """The unit a paired difference of ``metric`` is in: pp, USD, persons, hours or count."""
    if is_probability(metric):
        return "percentage points"
    if metric.endswith("_usd"):
        return "USD"
    if metric in ("wounded", "killed", "personnel_killed", "personnel_air", "personnel_road") or \
            metric.startswith("personnel_"):
        return "persons"
    if metric.endswith("_hours"):
        return "hours"
    if metric.startswith("cargo_"):
        return "cargo units"
    return "count"


def _fmt_tick(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, int | float) else str(v)


def as_dates(metric: str, start: dt.datetime | None) -> bool:
    """True when ``metric`` is a time from the scenario start shown as calendar dates."""
    return start is not None and metric == "completion_hours"


@styled
def plot_sweep(summary: pd.DataFrame, parameter: str, metric: str, ax: Axes | None = None, *,
               start: dt.datetime | None = None) -> Axes:
    """Mean of ``metric`` against ``parameter`` with its confidence band.

    ``summary`` has columns point, metric, mean, ci_low, ci_high and one column per parameter. When
    other parameters vary too, one line per combination of their values (at most 8). Artists: one
    line and one band per combination.
    """
    ax = new_axes(ax)
    df = summary[summary["metric"] == metric]
    if df.empty:
        raise ValueError(f"metric '{metric}' is not in the summary")
    if parameter not in df.columns:
        raise ValueError(f"parameter '{parameter}' is not a column of the summary")
    others = [c for c in parameter_columns(df) if c != parameter and df[c].nunique() > 1]
    groups = list(df.groupby(others, sort=True)) if others else [((), df)]
    if len(groups) > 8:
        raise ValueError(f"{len(groups)} combinations of {', '.join(others)}; slice the summary first")
    k = _scale(metric)
    dates = as_dates(metric, start)

    def y(v: np.ndarray) -> np.ndarray:
        return hours_to_num(start, v) if dates and start is not None else k * v

    for i, (key, grp) in enumerate(groups):
        g = grp.sort_values(parameter)
        x = g[parameter].to_numpy(float)
        colour = CYCLE[i % len(CYCLE)]
        key_t = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{o} = {v:g}" if isinstance(v, int | float) else f"{o} = {v}"
                          for o, v in zip(others, key_t, strict=True)) or "mean"
        ax.fill_between(x, y(g["ci_low"].to_numpy(float)), y(g["ci_high"].to_numpy(float)),
                        color=colour, alpha=0.25, linewidth=0)
        ax.plot(x, y(g["mean"].to_numpy(float)), marker="o", color=colour, lw=2, label=f"{label} (95 % CI band)")
    if is_probability(metric):
        ax.set_ylim(*PROBABILITY_LIMITS)
    if dates:
        date_axis(ax, "y")
    ax.set_xlabel(parameter)
    ax.set_ylabel(metric_label(metric) + (" (%)" if metric == "on_time" else "") + (" (local time)" if dates else ""))
    ax.set_title(f"{metric_label(metric)} vs {parameter}")
    ax.legend(loc="best", framealpha=0.9)
    return ax


@styled
def plot_heatmap(
    summary: pd.DataFrame, x: str, y: str, metric: str, ax: Axes | None = None, *, annotate: bool = True,
    start: dt.datetime | None = None,
) -> Axes:
    """Mean of ``metric`` over a grid of two parameters (cividis colour map, with a colour bar).

    The figure grows with the number of columns and rows; x labels are rotated when there are many
    (and thinned to at most 25), so they never overprint. Probabilities use the whole 0–100 %
    colour range; completion hours show as calendar dates when ``start`` is given."""
    df = summary[summary["metric"] == metric]
    if df.empty:
        raise ValueError(f"metric '{metric}' is not in the summary")
    k = _scale(metric)
    grid = df.pivot_table(index=y, columns=x, values="mean", aggfunc="mean").sort_index().sort_index(axis=1)
    ncol, nrow = grid.shape[1], grid.shape[0]
    ax = new_axes(ax, (max(8.0, 2.5 + 0.45 * ncol), max(6.0, 2.0 + 0.35 * nrow)))
    dates = as_dates(metric, start)
    z = hours_to_num(start, grid.to_numpy(float)) if dates and start is not None else k * grid.to_numpy(float)
    vmin: float | None = None
    vmax: float | None = None
    if is_probability(metric):
        vmin, vmax = 0.0, 100.0
    elif np.isfinite(z).any() and np.nanmin(z) == np.nanmax(z):  # a constant: a range around it
        c = float(np.nanmin(z))
        vmin, vmax = c - 0.5 * (abs(c) or 1.0), c + 0.5 * (abs(c) or 1.0)
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="cividis", vmin=vmin, vmax=vmax)
    step_x = max(1, int(np.ceil(ncol / 25)))
    step_y = max(1, int(np.ceil(nrow / 25)))
    xs = list(range(0, ncol, step_x))
    ax.set_xticks(xs, [_fmt_tick(grid.columns[i]) for i in xs],
                  rotation=45 if ncol > 6 else 0, ha="right" if ncol > 6 else "center",
                  rotation_mode="anchor")
    ys = list(range(0, nrow, step_y))
    ax.set_yticks(ys, [_fmt_tick(grid.index[i]) for i in ys])
    ax.grid(False)
    if annotate and z.size <= 150:
        mid = np.nanmean(z)
        for (i, j), v in np.ndenumerate(z):
            if np.isfinite(v):
                text = mdates.num2date(v).strftime("%d %b") if dates else f"{v:.3g}"
                ax.text(j, i, text, ha="center", va="center", fontsize=9,
                        color="black" if v > mid else "white")
    cb = ax.figure.colorbar(im, ax=ax)
    if dates:
        loc = mdates.AutoDateLocator()
        cb.ax.yaxis.set_major_locator(loc)
        cb.ax.yaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    cb.set_label(metric_label(metric) + (" (%)" if metric == "on_time" else "") + " — mean")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{metric_label(metric)} over {x} × {y}")
    return ax


@styled
def plot_tornado(indices: pd.DataFrame, ax: Axes | None = None, *, metric: str | None = None) -> Axes:
    """Sensitivity indices, most influential parameter on top.

    Accepts Sobol indices (columns parameter, S1, S1_conf, ST, ST_conf: two bars per parameter),
    Morris screening (parameter, mu_star, mu_star_conf: one bar), or one-at-a-time swings
    (parameter, low, high and optionally baseline: bars from the baseline to each end).
    """
    ax = new_axes(ax, (8.0, max(3.0, 1.0 + 0.5 * len(indices))))
    df = indices.copy()
    what = f" of {metric_label(metric)}" if metric else ""
    if {"S1", "ST"} <= set(df.columns):
        df = df.sort_values("ST")
        y = np.arange(len(df))
        for col, off, colour, lab in (("ST", 0.2, OKABE_ITO["blue"], "total-order ST"),
                                      ("S1", -0.2, OKABE_ITO["orange"], "first-order S1")):
            err = df.get(f"{col}_conf")
            ax.barh(y + off, df[col], height=0.38, color=colour, label=lab,
                    xerr=None if err is None else err.to_numpy(float), capsize=3)
        ax.set_xlabel("Sobol index (share of output variance; bars: 95 % CI)")
        ax.set_title(f"Sobol sensitivity{what}")
        ax.legend(loc="lower right", framealpha=0.9)
    elif "mu_star" in df.columns:
        df = df.sort_values("mu_star")
        y = np.arange(len(df))
        err = df.get("mu_star_conf")
        ax.barh(y, df["mu_star"], color=OKABE_ITO["blue"], xerr=None if err is None else err.to_numpy(float),
                capsize=3, label="μ* (mean |elementary effect|)")
        ax.set_xlabel(f"Morris μ*{' — ' + metric_label(metric) if metric else ''} (bars: 95 % CI)")
        ax.set_title(f"Morris screening{what}")
        ax.legend(loc="lower right", framealpha=0.9)
    elif {"low", "high"} <= set(df.columns):
        base = df["baseline"].to_numpy(float) if "baseline" in df else np.zeros(len(df))
        df = df.assign(_b=base, _swing=(df["high"] - df["low"]).abs()).sort_values("_swing")
        y = np.arange(len(df))
        ax.barh(y, df["low"] - df["_b"], left=df["_b"], color=OKABE_ITO["sky_blue"], label="parameter low")
        ax.barh(y, df["high"] - df["_b"], left=df["_b"], color=OKABE_ITO["vermillion"], label="parameter high")
        ax.set_xlabel(metric_label(metric) if metric else "Output at the parameter's low / high value")
        ax.set_title(f"One-at-a-time swings{what}")
        ax.legend(loc="lower right", framealpha=0.9)
    else:
        raise ValueError("a tornado needs columns S1/ST (Sobol), mu_star (Morris) or low/high (one at a time)")
    ax.set_yticks(np.arange(len(df)), [str(p) for p in df["parameter"]])
    ax.set_ylabel("Parameter")
    ax.grid(axis="y", visible=False)
    return ax


@styled
def plot_paired(diffs: pd.DataFrame, ax: Axes | None = None, *, variant: str = "variant",
                baseline: str = "baseline") -> Axes:
    """Paired differences (variant − baseline) per metric with their confidence intervals, one panel
    per unit (percentage points, USD, persons, hours, counts), so each panel's axis fits its own
    effects. ``diffs`` has columns metric, diff_mean, ci_low, ci_high. Intervals that exclude zero
    are drawn solid; each row is labelled with its value and interval. Returns the first panel (its
    figure holds them all; with ``ax`` given, only metrics of one unit may be drawn on it).
    Artists: one error-bar container per row, a zero line per panel."""
    df = diffs.reset_index(drop=True)
    units = list(dict.fromkeys(metric_unit(str(m)) for m in df["metric"]))
    if ax is not None and len(units) > 1:
        raise ValueError(f"metrics in {len(units)} units ({', '.join(units)}) need one panel each; pass no axes")
    sizes = [int(sum(metric_unit(str(m)) == u for m in df["metric"])) for u in units]
    if ax is None:
        fig = Figure(figsize=(9.0, 0.9 * len(units) + 0.55 * sum(sizes) + 0.8), layout="constrained")
        FigureCanvasAgg(fig)
        gs = fig.add_gridspec(len(units), 1, height_ratios=[max(s, 1) + 0.8 for s in sizes])
        axes = [fig.add_subplot(gs[i]) for i in range(len(units))]
    else:
        axes = [ax]
    for a, unit in zip(axes, units, strict=True):
        sub = df[[metric_unit(str(m)) == unit for m in df["metric"]]].reset_index(drop=True)
        y = np.arange(len(sub))[::-1]
        for yi, metric, ci_low, ci_high, diff_mean in zip(y, sub["metric"], sub["ci_low"], sub["ci_high"],
                                                          sub["diff_mean"], strict=True):
            k = _scale(str(metric))
            lo, hi, m = k * float(ci_low), k * float(ci_high), k * float(diff_mean)
            sig = lo > 0 or hi < 0
            colour = OKABE_ITO["vermillion"] if sig else OKABE_ITO["grey"]
            a.errorbar([m], [yi], xerr=[[m - lo], [hi - m]], fmt="o", color=colour, capsize=4, lw=2,
                       mfc=colour if sig else "white")
            suffix = " pp" if unit == "percentage points" else ""
            a.annotate(f"{m:+.3g}{suffix} [{lo:+.3g}, {hi:+.3g}]", (m, yi), xytext=(0, 9),
                       textcoords="offset points", ha="center", fontsize=9)
        a.axvline(0.0, color=OKABE_ITO["black"], lw=1)
        a.set_yticks(y, [metric_label(str(m)) for m in sub["metric"]])
        a.set_ylim(-0.7, len(sub) - 0.3)
        a.set_xlabel(f"Difference {variant} − {baseline} ({unit})")
        a.set_ylabel("Metric")
        a.grid(axis="y", visible=False)
    axes[0].set_title(f"Paired comparison: {variant} vs {baseline} (95 % CI)")
    return axes[0]
