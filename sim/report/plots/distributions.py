"""Monte Carlo charts of a run: extraction curve, cargo fates, completion dates, casualties, strikes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.experiments.summaries import wilson
from sim.model.outcomes import OUT_TIMES
from sim.model.rules.extraction import OUT_SHARES
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

QUANTILE_BINS = 1001
"""Resolution of the extraction curve's quantiles: shares are counted on 1,001 levels (0.1 pp)."""

_CHUNK_REPLICATIONS = 1024
"""Replications per chunk when the curves are counted: memory is chunk × grid, whatever the run size."""


def _replication_codes(bases: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Dense code (0 … n−1) of each row's (point, replication), and n."""
    rep = bases["replication"].to_numpy(np.int64)
    if "point" in bases.columns:
        point = bases["point"].to_numpy(np.int64)
        key = (point - point.min()) * (int(rep.max()) + 1) + rep if len(rep) else rep
    else:
        key = rep
    uniq, codes = np.unique(key, return_inverse=True)
    return codes.astype(np.int64, copy=False), len(uniq)


def _chunk_rows(order: np.ndarray, sorted_codes: np.ndarray,
                bounds: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per chunk of replications: its table rows (in replication order) and the first row of each
    replication within them (for ``np.add.reduceat``)."""
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if hi > lo:
            local = sorted_codes[lo:hi]
            yield order[lo:hi], np.flatnonzero(np.r_[True, local[1:] != local[:-1]])


def _share_chunks(
    bases: pd.DataFrame, sc: Scenario, grid_hours: np.ndarray, chunk: int = _CHUNK_REPLICATIONS
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(personnel share, cargo share) of consecutive chunks of replications, each chunk × grid.

    The rows are visited once in replication order; no array grows with the replication count
    beyond one index per row."""
    codes, n = _replication_codes(bases)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    total_pers = float(sum(b.personnel for b in sc.bases.values())) or 1.0
    total_cargo = float(sum(sum(b.cargo.values()) for b in sc.bases.values())) or 1.0
    t = np.asarray(grid_hours, dtype=float)[None, :]
    base_codes, base_names = pd.factorize(bases["base"], sort=False)
    start_of = np.array([sc.hours(sc.bases[str(b)].withdraw_from) if str(b) in sc.bases else 0.0
                         for b in base_names] + [0.0])
    steps = [c for c, cls in sc.cargo_classes.items() if cls.self_propelled]
    ramps = [c for c, cls in sc.cargo_classes.items() if not cls.self_propelled]
    bounds = np.searchsorted(sorted_codes, np.arange(0, n + chunk, chunk))
    if simulated_times(bases):
        yield from _simulated_share_chunks(bases, sc, t, order, sorted_codes, bounds, base_codes, base_names,
                                           total_pers, total_cargo)
        return
    needed = ["last_arrival_hours", "personnel_air", "personnel_road",
              *(f"cargo_{c}_{how}" for c in (*steps, *ramps) for how in ("road", "air"))]
    col = {c: bases[c].to_numpy() for c in needed}
    for rows, firsts in _chunk_rows(order, sorted_codes, bounds):

        def moved(classes: list[str], rows: np.ndarray = rows) -> np.ndarray:
            out = np.zeros(len(rows))
            for c in classes:
                out += col[f"cargo_{c}_road"][rows].astype(float) + col[f"cargo_{c}_air"][rows].astype(float)
            return out

        arrive = col["last_arrival_hours"][rows].astype(float)[:, None]
        start = start_of[base_codes[rows]][:, None]
        out_p = (col["personnel_air"][rows].astype(float) + col["personnel_road"][rows].astype(float))[:, None]
        done = t >= arrive
        span = np.maximum(arrive - start, 1e-9)
        frac = np.clip((t - start) / span, 0.0, 1.0)
        frac[~np.isfinite(arrive[:, 0])] = 0.0
        pers = np.add.reduceat(out_p * done, firsts, axis=0)
        cargo = np.add.reduceat(moved(steps)[:, None] * done + moved(ramps)[:, None] * frac, firsts, axis=0)
        yield pers / total_pers, cargo / total_cargo


def simulated_times(bases: pd.DataFrame) -> bool:
    """Whether the table has the engines' times out (``outcomes.OUT_TIMES``); folders written before
    them have only totals, and the curve is then reconstructed (``extraction_shares``)."""
    return all(c in bases.columns for c in OUT_TIMES)


def _simulated_share_chunks(
    bases: pd.DataFrame, sc: Scenario, t: np.ndarray, order: np.ndarray, sorted_codes: np.ndarray,
    bounds: np.ndarray, base_codes: np.ndarray, base_names: pd.Index, total_pers: float, total_cargo: float,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The shares out from the simulated times at which each base had 10, 25, 50, 75, 90 and 100 %
    of its personnel and cargo out (MODEL.md §8): between those times a base counts the last share
    it reached (a staircase from below, exact at each level)."""
    levels = np.array([0.0, *(p / 100.0 for p in OUT_SHARES)])
    k = len(OUT_SHARES)
    pers_cols = [bases[c].to_numpy(float) for c in OUT_TIMES[:k]]
    cargo_cols = [bases[c].to_numpy(float) for c in OUT_TIMES[k:]]
    units_p = np.array([float(sc.bases[str(b)].personnel) if str(b) in sc.bases else 0.0 for b in base_names])
    units_c = np.array([float(sum(sc.bases[str(b)].cargo.values())) if str(b) in sc.bases else 0.0
                        for b in base_names])
    for rows, firsts in _chunk_rows(order, sorted_codes, bounds):
        shares = []
        for cols, units in ((pers_cols, units_p), (cargo_cols, units_c)):
            reached = np.zeros((len(rows), t.shape[1]), dtype=np.int64)
            for c in cols:
                reached += c[rows][:, None] <= t  # nan and inf never count
            out = levels[reached] * units[base_codes[rows]][:, None]
            shares.append(np.add.reduceat(out, firsts, axis=0))
        yield shares[0] / total_pers, shares[1] / total_cargo


def extraction_shares(
    bases: pd.DataFrame, sc: Scenario, grid_hours: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Share of personnel and of cargo out at each grid time, one row per (point, replication)
    (in (point, replication) order). Holds n × grid arrays: for small tables and tests; the chart
    uses ``extraction_quantiles``, whose memory does not grow with n.

    With the engines' times out (``simulated_times``: every table written since they exist) the
    shares come from simulated times of each flight and arrival (``_simulated_share_chunks``).
    Older folders hold totals only, and the curve is then an approximation:
    - personnel out (air + road) count as out at the base's ``last_arrival_hours`` (people mostly
      leave with the final convoy; flown people left earlier, so the personnel curve is a lower bound);
    - self-propelled cargo out (they drive in the final convoy) likewise at ``last_arrival_hours``;
    - other cargo out (road + air) arrives at an even rate from the base's ``withdraw_from`` to its
      ``last_arrival_hours`` (the lift shuttles through the window).
    Shares are of the scenario's total personnel and cargo units.
    """
    parts = list(_share_chunks(bases, sc, grid_hours))
    g = len(np.atleast_1d(grid_hours))
    if not parts:
        return np.zeros((0, g)), np.zeros((0, g))
    return np.vstack([p for p, _ in parts]), np.vstack([c for _, c in parts])


def extraction_quantiles(
    bases: pd.DataFrame, sc: Scenario, grid_hours: np.ndarray, qs: Sequence[float] = (0.05, 0.5, 0.95)
) -> tuple[np.ndarray, np.ndarray, int]:
    """Quantiles across replications of the personnel and cargo shares at each grid time
    (``len(qs)`` × grid each) and the number of replications, in one pass over the table.

    Each chunk of replications is counted into a grid × ``QUANTILE_BINS`` histogram of share levels,
    so memory is bounded by the chunk size and the grid, not by the replication count; the
    quantiles (inverted CDF: the smallest level with at least q of the runs at or below it) are
    exact to 1/(``QUANTILE_BINS`` − 1) of the total (0.1 percentage point)."""
    g = len(np.atleast_1d(grid_hours))
    levels = QUANTILE_BINS - 1
    counts = [np.zeros(g * QUANTILE_BINS, dtype=np.int64), np.zeros(g * QUANTILE_BINS, dtype=np.int64)]
    offset = (np.arange(g) * QUANTILE_BINS)[None, :]
    n = 0
    for pers, cargo in _share_chunks(bases, sc, grid_hours):
        n += len(pers)
        for acc, share in zip(counts, (pers, cargo), strict=True):
            idx = np.rint(np.clip(share, 0.0, 1.0) * levels).astype(np.int64) + offset
            acc += np.bincount(idx.ravel(), minlength=g * QUANTILE_BINS)
    out = []
    for acc in counts:
        cum = np.cumsum(acc.reshape(g, QUANTILE_BINS), axis=1)
        qv = np.empty((len(qs), g))
        for i, q in enumerate(qs):
            need = max(1, int(np.ceil(q * n - 1e-9))) if n else 1
            qv[i] = np.argmax(cum >= need, axis=1) / levels if n else np.nan
        out.append(qv)
    return out[0], out[1], n


@styled
def plot_extraction(bases: pd.DataFrame, sc: Scenario, ax: Axes | None = None, *, n_grid: int = 240) -> Axes:
    """Share of personnel and of cargo out over calendar time: median and 5–95 % band across runs.

    From the simulated times at which each base had given shares of its personnel and cargo out
    (``extraction_shares``; a reconstruction from totals for folders written before those columns,
    said in the title); the quantiles come from ``extraction_quantiles`` (one pass, memory
    independent of the run count).
    Artists: two median lines, two bands, the deadline line.
    """
    ax = new_axes(ax)
    deadline = sc.hours(sc.calendar.deadline)
    t0 = min([sc.hours(b.withdraw_from) for b in sc.bases.values()] + [0.0])
    arr = bases["last_arrival_hours"].to_numpy(float)
    t1 = max(float(np.nanmax(arr[np.isfinite(arr)])) if np.isfinite(arr).any() else deadline, deadline)
    grid = np.linspace(t0, t1 + 0.03 * (t1 - t0), n_grid)
    pers, cargo, n = extraction_quantiles(bases, sc, grid)
    x = hours_to_num(sc.calendar.start, grid)
    for share, name, colour in ((pers, "personnel", OKABE_ITO["blue"]), (cargo, "cargo units", OKABE_ITO["orange"])):
        q05, q50, q95 = share * 100.0
        ax.fill_between(x, q05, q95, color=colour, alpha=0.25, linewidth=0, label=f"{name}: 5–95 %")
        ax.plot(x, q50, color=colour, lw=2.4, label=f"{name}: median")
    ax.axvline(float(hours_to_num(sc.calendar.start, deadline)), color=OKABE_ITO["vermillion"], lw=2,
               ls="--", label=f"deadline {sc.calendar.deadline:%d %b}")
    ax.set_ylim(0, 105)
    date_axis(ax)
    ax.set_xlabel("Date (local time)")
    ax.set_ylabel("Share out (% of total)")
    how = "simulated times of each flight and arrival" if simulated_times(bases) else "reconstructed from totals"
    ax.set_title(f"Extraction over time ({n:,} runs; {how})")
    ax.legend(loc="upper left", framealpha=0.9)
    return ax


def fate_means(bases: pd.DataFrame) -> pd.DataFrame:
    """Mean cargo units per run by base (rows, first-seen order) and fate (columns, ``FATES``
    order), all classes; one pass per column, no copy of the table."""
    codes, names = pd.factorize(bases["base"].astype(str), sort=False)
    k = len(names)
    rows = np.bincount(codes, minlength=k).astype(float) if k else np.zeros(0)
    out: dict[str, np.ndarray] = {}
    for f in FATES:
        total = np.zeros(k)
        for c in bases.columns:
            if c.startswith("cargo_") and c.endswith(f"_{f}"):
                total += np.bincount(codes, weights=bases[c].to_numpy(float, copy=False), minlength=k)
        out[f] = total / np.maximum(rows, 1.0)
    frame = pd.DataFrame(out, index=pd.Index([str(n) for n in names], name="base"))
    return frame[list(FATES)]


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
