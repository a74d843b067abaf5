"""Monte Carlo charts of a run: extraction curve, cargo fates, completion dates, casualties, strikes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.experiments.summaries import wilson
from sim.model.schema import FATES, Scenario
from sim.report.plots.style import (
    FATE_COLOURS,
    FATE_LABELS,
    OKABE_ITO,
    date_axis,
    hours_to_num,
    new_axes,
    styled,
)


def extraction_shares(
    bases: pd.DataFrame, sc: Scenario, grid_hours: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Share of personnel and of cargo out at each grid time, one row per (point, replication).

    The bases table holds totals, not times of each unit, so the curve is an approximation:
    - personnel out (air + road) count as out at the base's ``last_arrival_hours`` (people mostly
      leave with the final convoy; flown people left earlier, so the personnel curve is a lower bound);
    - self-propelled cargo out (they drive in the final convoy) likewise at ``last_arrival_hours``;
    - other cargo out (road + air) arrives at an even rate from the base's ``withdraw_from`` to its
      ``last_arrival_hours`` (the lift shuttles through the window).
    Shares are of the scenario's total personnel and cargo units.
    """
    keys = ["point", "replication"]
    reps = bases[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    idx = reps.reset_index().merge(bases, on=keys)["index"].to_numpy()
    n = len(reps)
    total_pers = float(sum(b.personnel for b in sc.bases.values()))
    total_cargo = float(sum(sum(b.cargo.values()) for b in sc.bases.values()))
    t = np.asarray(grid_hours, dtype=float)[None, :]
    pers = np.zeros((n, t.shape[1]))
    cargo = np.zeros((n, t.shape[1]))
    arrive = bases["last_arrival_hours"].to_numpy(float)[:, None]
    start = np.array([sc.hours(sc.bases[b].withdraw_from) if b in sc.bases else 0.0
                      for b in bases["base"].astype(str)])[:, None]
    out_p = (bases["personnel_air"].to_numpy(float) + bases["personnel_road"].to_numpy(float))[:, None]
    step = np.zeros(len(bases))
    ramp = np.zeros(len(bases))
    for c, cls in sc.cargo_classes.items():
        moved = bases[f"cargo_{c}_road"].to_numpy(float) + bases[f"cargo_{c}_air"].to_numpy(float)
        if cls.self_propelled:
            step += moved
        else:
            ramp += moved
    done = (t >= arrive).astype(float)
    span = np.maximum(arrive - start, 1e-9)
    frac = np.clip((t - start) / span, 0.0, 1.0)
    frac = np.where(np.isfinite(arrive), frac, 0.0)
    np.add.at(pers, idx, out_p * done)
    np.add.at(cargo, idx, step[:, None] * done + ramp[:, None] * frac)
    return (pers / total_pers if total_pers else pers, cargo / total_cargo if total_cargo else cargo)


@styled
def plot_extraction(bases: pd.DataFrame, sc: Scenario, ax: Axes | None = None, *, n_grid: int = 240) -> Axes:
    """Share of personnel and of cargo out over calendar time: median and 5–95 % band across runs.

    See ``extraction_shares`` for the approximation (the bases table has totals, not unit times).
    Artists: two median lines, two bands, the deadline line.
    """
    ax = new_axes(ax)
    deadline = sc.hours(sc.calendar.deadline)
    t0 = min([sc.hours(b.withdraw_from) for b in sc.bases.values()] + [0.0])
    arr = bases["last_arrival_hours"].to_numpy(float)
    t1 = max(float(np.nanmax(arr[np.isfinite(arr)])) if np.isfinite(arr).any() else deadline, deadline)
    grid = np.linspace(t0, t1 + 0.03 * (t1 - t0), n_grid)
    pers, cargo = extraction_shares(bases, sc, grid)
    x = hours_to_num(sc.calendar.start, grid)
    for share, name, colour in ((pers, "personnel", OKABE_ITO["blue"]), (cargo, "cargo units", OKABE_ITO["orange"])):
        q05, q50, q95 = np.quantile(share * 100.0, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(x, q05, q95, color=colour, alpha=0.25, linewidth=0, label=f"{name}: 5–95 %")
        ax.plot(x, q50, color=colour, lw=2.4, label=f"{name}: median")
    ax.axvline(float(hours_to_num(sc.calendar.start, deadline)), color=OKABE_ITO["vermillion"], lw=2,
               ls="--", label=f"deadline {sc.calendar.deadline:%d %b}")
    ax.set_ylim(0, 105)
    date_axis(ax)
    ax.set_xlabel("Date (local time)")
    ax.set_ylabel("Share out (% of total)")
    n = len(bases[["point", "replication"]].drop_duplicates())
    ax.set_title(f"Extraction over time ({n:,} runs)")
    ax.legend(loc="upper left", framealpha=0.9)
    return ax


def fate_means(bases: pd.DataFrame) -> pd.DataFrame:
    """Mean cargo units per run by base (rows) and fate (columns, ``FATES`` order), all classes."""
    out = {}
    for f in FATES:
        cols = [c for c in bases.columns if c.startswith("cargo_") and c.endswith(f"_{f}")]
        out[f] = bases[cols].sum(axis=1) if cols else 0.0
    frame = pd.DataFrame(out).assign(base=bases["base"].astype(str).to_numpy())
    return frame.groupby("base", sort=False)[list(FATES)].mean()


@styled
def plot_cargo_fates(bases: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars of mean cargo units per run by fate, one bar per base (fates never seen omitted)."""
    ax = new_axes(ax, (max(6.0, 2.0 + 1.4 * bases["base"].nunique()), 5.0))
    means = fate_means(bases)
    labels = [b.replace("_", " ").title() for b in means.index]
    bottom = np.zeros(len(means))
    for f in FATES:
        v = means[f].to_numpy(float)
        if not (v > 0).any():
            continue
        ax.bar(labels, v, width=0.6, bottom=bottom, color=FATE_COLOURS[f], label=FATE_LABELS[f],
               edgecolor="white", linewidth=0.6)
        bottom += v
    ax.set_xlabel("Base")
    ax.set_ylabel("Cargo units (mean per run)")
    ax.set_title("Cargo fate by base")
    ax.grid(axis="x", visible=False)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    return ax


@styled
def plot_completion(
    runs: pd.DataFrame, ax: Axes | None = None, *, start: dt.datetime, deadline_hours: float
) -> Axes:
    """Histogram of completion dates, the deadline, and P(out by the deadline) with its Wilson 95 % CI.

    Artists: one histogram (bar container), the deadline line, a median line.
    """
    ax = new_axes(ax)
    h = runs["completion_hours"].to_numpy(float)
    fin = h[np.isfinite(h)]
    n = len(runs)
    k = int(runs["on_time"].astype(bool).sum())
    lo, hi = wilson(k, n)
    x = hours_to_num(start, fin)
    dl = float(hours_to_num(start, deadline_hours))
    if len(x):
        spread = max(float(x.max() - x.min()), 1.0 / 24.0)
        nbins = int(np.clip(np.sqrt(len(x)) * 2, 10, 60))
        bins = np.linspace(x.min() - 0.02 * spread, x.max() + 0.02 * spread, nbins + 1)
        weights = np.full(len(x), 100.0 / n)
        counts, _, _ = ax.hist(x, bins=bins, weights=weights, color=OKABE_ITO["blue"], alpha=0.85,  # type: ignore[arg-type]  # bins: matplotlib's stub wants a Sequence, hist takes an array of edges
                               edgecolor="white", label="completion date")
        ax.set_ylim(0, 1.4 * float(np.max(counts)))
        pad = 0.05 * (max(x.max(), dl) - min(x.min(), dl)) + 0.5
        ax.set_xlim(min(x.min(), dl) - pad, max(x.max(), dl) + pad)
        ax.axvline(float(np.median(x)), color=OKABE_ITO["black"], lw=1.8, ls=":",
                   label=f"median {(start + dt.timedelta(hours=float(np.median(fin)))):%d %b %Y}")
    ax.axvline(dl, color=OKABE_ITO["vermillion"], lw=2.2, ls="--", label="deadline")
    p = 100.0 * k / n if n else float("nan")
    ax.text(0.02, 0.95, f"P(out by deadline) = {p:.1f} %\n95 % CI {100 * lo:.1f}–{100 * hi:.1f} %  (n = {n:,})",
            transform=ax.transAxes, va="top", fontsize=11,
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "#bbbbbb"})
    if len(fin) < n:
        ax.text(0.02, 0.78, f"{n - len(fin)} runs never finished", transform=ax.transAxes, va="top")
    date_axis(ax)
    ax.set_xlabel("Completion date (local time)")
    ax.set_ylabel("Share of runs (%)")
    ax.set_title("When is everyone out?")
    ax.legend(loc="upper right", framealpha=0.9)
    return ax


def _count_bars(runs: pd.DataFrame, cols: dict[str, tuple[str, str]], ax: Axes) -> None:
    """Side-by-side bars of the share of runs with each count, one container per column."""
    data = {c: runs[c].to_numpy(int) for c in cols}
    top = max([int(v.max()) for v in data.values() if v.size] + [0])
    binw = max(1, int(np.ceil((top + 1) / 40)))
    edges = np.arange(0, top + binw + 1, binw)
    width = 0.8 * binw / len(cols)
    for i, (c, (label, colour)) in enumerate(cols.items()):
        v = data[c]
        hist, _ = np.histogram(v, bins=edges)
        share = 100.0 * hist / max(len(v), 1)
        ax.bar(edges[:-1] + (i - (len(cols) - 1) / 2) * width + (binw - 1) / 2, share, width=width,
               color=colour, label=f"{label} (mean {v.mean() if v.size else float('nan'):.2f})")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper right", framealpha=0.9)


@styled
def plot_casualties(runs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Distribution across runs of wounded and killed per run (two bar containers)."""
    ax = new_axes(ax)
    _count_bars(runs, {"wounded": ("wounded", OKABE_ITO["orange"]),
                       "killed": ("killed", OKABE_ITO["vermillion"])}, ax)
    ax.set_xlabel("Casualties per run (persons)")
    ax.set_ylabel("Share of runs (%)")
    ax.set_title(f"Casualties ({len(runs):,} runs)")
    return ax


@styled
def plot_strikes(runs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Distribution across runs of IED strikes and ambushes per run (two bar containers)."""
    ax = new_axes(ax)
    _count_bars(runs, {"ied_strikes": ("IED strikes", OKABE_ITO["vermillion"]),
                       "ambushes": ("ambushes", OKABE_ITO["reddish_purple"])}, ax)
    ax.set_xlabel("Attacks per run (count)")
    ax.set_ylabel("Share of runs (%)")
    ax.set_title(f"IED strikes and ambushes ({len(runs):,} runs)")
    return ax
