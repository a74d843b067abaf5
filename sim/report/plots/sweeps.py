"""Sweep and comparison charts: metric vs a parameter, heatmaps, tornado, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.report.plots.style import CYCLE, OKABE_ITO, new_axes, styled

SUMMARY_STATS: frozenset[str] = frozenset(
    {"point", "metric", "n", "mean", "ci_low", "ci_high", "q05", "q50", "q95", "std", "sd"}
)
"""Columns of a sweep summary that are not parameters."""

METRIC_LABELS: dict[str, str] = {
    "on_time": "P(out by deadline)",
    "completion_hours": "Completion (hours from start)",
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


@styled
def plot_sweep(summary: pd.DataFrame, parameter: str, metric: str, ax: Axes | None = None) -> Axes:
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
    for i, (key, grp) in enumerate(groups):
        g = grp.sort_values(parameter)
        x = g[parameter].to_numpy(float)
        colour = CYCLE[i % len(CYCLE)]
        key_t = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{o} = {v:g}" if isinstance(v, int | float) else f"{o} = {v}"
                          for o, v in zip(others, key_t, strict=True)) or "mean"
        ax.fill_between(x, k * g["ci_low"].to_numpy(float), k * g["ci_high"].to_numpy(float),
                        color=colour, alpha=0.25, linewidth=0)
        ax.plot(x, k * g["mean"].to_numpy(float), marker="o", color=colour, lw=2, label=f"{label} (95 % CI band)")
    ax.set_xlabel(parameter)
    ax.set_ylabel(metric_label(metric) + (" (%)" if metric == "on_time" else ""))
    ax.set_title(f"{metric_label(metric)} vs {parameter}")
    ax.legend(loc="best", framealpha=0.9)
    return ax


@styled
def plot_heatmap(
    summary: pd.DataFrame, x: str, y: str, metric: str, ax: Axes | None = None, *, annotate: bool = True
) -> Axes:
    """Mean of ``metric`` over a grid of two parameters (cividis colour map, with a colour bar)."""
    ax = new_axes(ax, (8.0, 6.0))
    df = summary[summary["metric"] == metric]
    if df.empty:
        raise ValueError(f"metric '{metric}' is not in the summary")
    k = _scale(metric)
    grid = df.pivot_table(index=y, columns=x, values="mean", aggfunc="mean").sort_index().sort_index(axis=1)
    z = k * grid.to_numpy(float)
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="cividis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, int | float) else str(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, int | float) else str(v) for v in grid.index])
    ax.grid(False)
    if annotate and z.size <= 150:
        mid = np.nanmean(z)
        for (i, j), v in np.ndenumerate(z):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=9,
                        color="black" if v > mid else "white")
    cb = ax.figure.colorbar(im, ax=ax)
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
    """Paired differences (variant − baseline) per metric with their confidence intervals.

    ``diffs`` has columns metric, diff_mean, ci_low, ci_high. Metrics have different units, so each
    row is labelled with its own value and interval; intervals that exclude zero are drawn solid.
    Artists: one error-bar container per row, the zero line.
    """
    ax = new_axes(ax, (9.0, max(3.0, 1.2 + 0.55 * len(diffs))))
    df = diffs.reset_index(drop=True)
    y = np.arange(len(df))[::-1]
    for yi, metric, ci_low, ci_high, diff_mean in zip(y, df["metric"], df["ci_low"], df["ci_high"], df["diff_mean"],
                                                      strict=True):
        k = _scale(str(metric))
        lo, hi, m = k * float(ci_low), k * float(ci_high), k * float(diff_mean)
        sig = lo > 0 or hi < 0
        colour = OKABE_ITO["vermillion"] if sig else OKABE_ITO["grey"]
        ax.errorbar([m], [yi], xerr=[[m - lo], [hi - m]], fmt="o", color=colour, capsize=4, lw=2,
                    mfc=colour if sig else "white")
        unit = " pp" if str(metric) == "on_time" else ""
        ax.annotate(f"{m:+.3g}{unit} [{lo:+.3g}, {hi:+.3g}]", (m, yi), xytext=(0, 9),
                    textcoords="offset points", ha="center", fontsize=9)
    ax.axvline(0.0, color=OKABE_ITO["black"], lw=1)
    ax.set_yticks(y, [metric_label(str(m)) for m in df["metric"]])
    ax.set_ylim(-0.7, len(df) - 0.3)
    ax.set_xlabel(f"Difference {variant} − {baseline} (each metric's units; P in percentage points)")
    ax.set_ylabel("Metric")
    ax.set_title(f"Paired comparison: {variant} vs {baseline} (95 % CI)")
    ax.grid(axis="y", visible=False)
    return ax
