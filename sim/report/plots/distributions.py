"""Monte Carlo charts of a run: extraction curve, cargo fates, completion dates, casualties, strikes."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.experiments.summaries import quantiles_of_counts, quantiles_selected, wilson
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

QUANTILE_VALUES = 1 << 19
"""Shares held at once per quantity when the extraction band's quantiles are taken: the grid is
visited in blocks of ``QUANTILE_VALUES // n`` times (at least one), so memory is bounded whatever
the run size (4 MB per quantity), and the quantiles are exact."""

_CHUNK_VALUES = 1 << 16
"""Replications × grid times per chunk when the shares are computed: temporaries are bounded by
this (times the bases per replication), whatever the run size or block."""

_LATTICE_LIMIT = 1 << 22
"""Largest share numerator counted on its lattice (``np.bincount``: 32 MB of counts at most);
beyond (a scenario of over 200,000 persons or units) the shares are selected instead, as exactly."""

_SHARE_STEP = math.gcd(100, *OUT_SHARES)
"""The shares of ``OUT_SHARES`` are multiples of this (5 %): a base's share out in these steps is
an integer, so a replication's share is an integer numerator over ``100 / _SHARE_STEP`` × total."""


@dataclass(frozen=True)
class _Layout:
    """The table's rows in (point, replication) order: ``order`` (``None`` when the table is in
    that order already, as the engines write it: chunks are then slices, no copy) and the sorted
    dense replication codes."""

    order: np.ndarray | None
    codes: np.ndarray
    n: int

    def chunks(self, reps: int) -> Iterator[tuple[slice | np.ndarray, np.ndarray]]:
        """Per chunk of ``reps`` replications: its rows (a slice or indices) and the first row of
        each replication within them (for ``np.add.reduceat``)."""
        bounds = np.searchsorted(self.codes, np.arange(0, self.n + reps, reps))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            if hi > lo:
                local = self.codes[lo:hi]
                rows = slice(lo, hi) if self.order is None else self.order[lo:hi]
                yield rows, np.flatnonzero(np.r_[True, local[1:] != local[:-1]])


def _layout(bases: pd.DataFrame) -> _Layout:
    """Dense code (0 … n−1) of each row's (point, replication), in row order when possible."""
    rep = bases["replication"].to_numpy(np.int64)
    if "point" in bases.columns and len(rep):
        point = bases["point"].to_numpy(np.int64)
        key = (point - point.min()) * (int(rep.max()) + 1) + rep
    else:
        key = rep
    uniq, codes = np.unique(key, return_inverse=True)
    codes = codes.astype(np.int64, copy=False)
    if codes.size < 2 or bool((codes[1:] >= codes[:-1]).all()):
        return _Layout(None, codes, len(uniq))
    order = np.argsort(codes, kind="stable")
    return _Layout(order, codes[order], len(uniq))


@dataclass(frozen=True)
class _Numerators:
    """How the share numerators of a table are computed: ``chunks(grid, reps)`` yields (personnel,
    cargo) numerators, grid × replications, over ``denominators``; a numerator array of integers
    means the shares lie on a lattice (counted exactly with ``np.bincount``). Chunks are time-major
    (grid × replications): the long axis innermost."""

    layout: _Layout
    denominators: tuple[float, float]
    chunks: Callable[[np.ndarray, int], Iterator[tuple[np.ndarray, np.ndarray]]]


def _numerators(bases: pd.DataFrame, sc: Scenario) -> _Numerators:
    """From the simulated times out (``simulated_times``) when the table has them, else the
    reconstruction from totals (``extraction_shares`` says how)."""
    lay = _layout(bases)
    total_pers = float(sum(b.personnel for b in sc.bases.values())) or 1.0
    total_cargo = float(sum(sum(b.cargo.values()) for b in sc.bases.values())) or 1.0
    base_codes, base_names = pd.factorize(bases["base"], sort=False)
    if simulated_times(bases):
        scale = 100 // _SHARE_STEP
        return _Numerators(lay, (scale * total_pers, scale * total_cargo),
                           partial(_simulated_chunks, _simulated_columns(bases, sc, base_codes, base_names), lay))
    return _Numerators(lay, (total_pers, total_cargo),
                       partial(_reconstructed_chunks, bases, sc, lay, base_codes, base_names))


def _reconstructed_chunks(
    bases: pd.DataFrame, sc: Scenario, lay: _Layout, base_codes: np.ndarray, base_names: pd.Index,
    grid_hours: np.ndarray, reps: int,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Personnel (integer persons) and cargo (units, fractional while a lift shuttles) out at each
    grid time, reconstructed from totals, per chunk of replications (folders written before the
    times out only)."""
    t = np.asarray(grid_hours, dtype=float)[:, None]
    start_of = np.array([sc.hours(sc.bases[str(b)].withdraw_from) if str(b) in sc.bases else 0.0
                         for b in base_names] + [0.0])
    steps = [c for c, cls in sc.cargo_classes.items() if cls.self_propelled]
    ramps = [c for c, cls in sc.cargo_classes.items() if not cls.self_propelled]
    needed = ["last_arrival_hours", "personnel_air", "personnel_road",
              *(f"cargo_{c}_{how}" for c in (*steps, *ramps) for how in ("road", "air"))]
    col = {c: bases[c].to_numpy() for c in needed}
    for rows, firsts in lay.chunks(reps):

        def moved(classes: list[str], rows: slice | np.ndarray = rows) -> np.ndarray:
            out = np.zeros(len(col["last_arrival_hours"][rows]))
            for c in classes:
                out += col[f"cargo_{c}_road"][rows].astype(float) + col[f"cargo_{c}_air"][rows].astype(float)
            return out

        arrive = col["last_arrival_hours"][rows].astype(float)[None, :]
        start = start_of[base_codes[rows]][None, :]
        out_p = (col["personnel_air"][rows].astype(np.int64) + col["personnel_road"][rows].astype(np.int64))[None, :]
        done = t >= arrive
        span = np.maximum(arrive - start, 1e-9)
        frac = np.clip((t - start) / span, 0.0, 1.0)
        frac[:, ~np.isfinite(arrive[0])] = 0.0
        pers = np.add.reduceat(out_p * done, firsts, axis=1)
        cargo = np.add.reduceat(moved(steps)[None, :] * done + moved(ramps)[None, :] * frac, firsts, axis=1)
        yield pers, cargo


def simulated_times(bases: pd.DataFrame) -> bool:
    """Whether the table has the engines' times out (``outcomes.OUT_TIMES``); folders written before
    them have only totals, and the curve is then reconstructed (``extraction_shares``)."""
    return all(c in bases.columns for c in OUT_TIMES)


def _simulated_columns(bases: pd.DataFrame, sc: Scenario, base_codes: np.ndarray, base_names: pd.Index
                       ) -> list[tuple[list[np.ndarray], np.ndarray]]:
    """Per quantity (personnel, cargo): the times-out columns and the units of each row's base."""
    k = len(OUT_SHARES)
    units_p = np.array([sc.bases[str(b)].personnel if str(b) in sc.bases else 0 for b in base_names], dtype=np.int64)
    units_c = np.array([sum(sc.bases[str(b)].cargo.values()) if str(b) in sc.bases else 0 for b in base_names],
                       dtype=np.int64)
    return [([bases[c].to_numpy(float) for c in OUT_TIMES[:k]], units_p[base_codes]),
            ([bases[c].to_numpy(float) for c in OUT_TIMES[k:]], units_c[base_codes])]


def _simulated_chunks(
    columns: list[tuple[list[np.ndarray], np.ndarray]], lay: _Layout, grid_hours: np.ndarray, reps: int,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The shares out from the simulated times at which each base had 10, 25, 50, 75, 90 and 100 %
    of its personnel and cargo out (MODEL.md §8): between those times a base counts the last share
    it reached (a staircase from below, exact at each level). Numerators in integers: a base's
    share in steps of ``_SHARE_STEP`` % times its units."""
    t = np.asarray(grid_hours, dtype=float)[:, None]
    levels = np.array([0, *(p // _SHARE_STEP for p in OUT_SHARES)], dtype=np.int64)
    for rows, firsts in lay.chunks(reps):
        shares = []
        for cols, units in columns:
            reached = np.zeros((t.shape[0], len(cols[0][rows])), dtype=np.intp)
            for c in cols:
                reached += c[rows][None, :] <= t  # nan and inf never count
            out = levels[reached] * units[rows][None, :]
            shares.append(out if len(firsts) == out.shape[1] else np.add.reduceat(out, firsts, axis=1))
        yield shares[0], shares[1]


def extraction_shares(
    bases: pd.DataFrame, sc: Scenario, grid_hours: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Share of personnel and of cargo out at each grid time, one row per (point, replication)
    (in (point, replication) order). Holds n × grid arrays: for small tables and tests; the chart
    uses ``extraction_quantiles``, whose memory does not grow with n and whose quantiles are those
    of these shares (``summaries.quantiles``).

    With the engines' times out (``simulated_times``: every table written since they exist) the
    shares come from simulated times of each flight and arrival (``_simulated_chunks``).
    Older folders hold totals only, and the curve is then an approximation:
    - personnel out (air + road) count as out at the base's ``last_arrival_hours`` (people mostly
      leave with the final convoy; flown people left earlier, so the personnel curve is a lower bound);
    - self-propelled cargo out (they drive in the final convoy) likewise at ``last_arrival_hours``;
    - other cargo out (road + air) arrives at an even rate from the base's ``withdraw_from`` to its
      ``last_arrival_hours`` (the lift shuttles through the window).
    Shares are of the scenario's total personnel and cargo units.
    """
    grid = np.atleast_1d(np.asarray(grid_hours, dtype=float))
    num = _numerators(bases, sc)
    parts = list(num.chunks(grid, max(1, _CHUNK_VALUES // max(len(grid), 1))))
    if not parts:
        return np.zeros((0, len(grid))), np.zeros((0, len(grid)))
    dp, dc = num.denominators
    return np.hstack([p for p, _ in parts]).T / dp, np.hstack([c for _, c in parts]).T / dc


def extraction_quantiles(
    bases: pd.DataFrame, sc: Scenario, grid_hours: np.ndarray, qs: Sequence[float] = (0.05, 0.5, 0.95)
) -> tuple[np.ndarray, np.ndarray, int]:
    """Quantiles across replications of the personnel and cargo shares at each grid time
    (``len(qs)`` × grid each) and the number of replications: exactly ``summaries.quantiles`` of
    each column of ``extraction_shares``, without holding it.

    The grid is visited in blocks of ``QUANTILE_VALUES // n`` times; each block's shares of every
    replication are gathered (n × block values, 4 MB per quantity at most) and each time's quantiles
    taken: from the counts of the integer numerators (``np.bincount``, ``summaries.quantiles_of_counts``)
    when the shares lie on a lattice, as simulated times give them (up to ``_LATTICE_LIMIT``), else
    by partial sorting
    (``summaries.quantiles_selected``; the cargo of folders reconstructed from totals)."""
    grid = np.atleast_1d(np.asarray(grid_hours, dtype=float))
    g = len(grid)
    num = _numerators(bases, sc)
    n = num.layout.n
    out = [np.full((len(qs), g), np.nan), np.full((len(qs), g), np.nan)]
    if n == 0:
        return out[0], out[1], 0
    block = int(np.clip(QUANTILE_VALUES // n, 1, g))
    reps = max(1, _CHUNK_VALUES // block)
    for lo in range(0, g, block):
        cols = slice(lo, min(g, lo + block))
        held: list[np.ndarray] = []
        row = 0
        for chunk in num.chunks(grid[cols], reps):
            if not held:  # time-major, so that each time's values are contiguous
                held = [np.empty((c.shape[0], n), dtype=c.dtype) for c in chunk]
            for whole, part in zip(held, chunk, strict=True):
                whole[:, row:row + part.shape[1]] = part
            row += chunk[0].shape[1]
        for acc, values, den in zip(out, held, num.denominators, strict=True):
            for j in range(values.shape[0]):
                x = values[j]
                if np.issubdtype(x.dtype, np.integer) and int(x.max()) < _LATTICE_LIMIT:
                    acc[:, lo + j] = quantiles_of_counts(np.bincount(x), qs, den)
                else:
                    acc[:, lo + j] = quantiles_selected(x / den, qs)
        del held
    return out[0], out[1], n


@styled
def plot_extraction(bases: pd.DataFrame, sc: Scenario, ax: Axes | None = None, *, n_grid: int = 240) -> Axes:
    """Share of personnel and of cargo out over calendar time: median and 5–95 % band across runs.

    From the simulated times at which each base had given shares of its personnel and cargo out
    (``extraction_shares``; a reconstruction from totals for folders written before those columns,
    said in the title); the quantiles come from ``extraction_quantiles`` (exact, the project's one
    quantile method; memory independent of the run count).
    Artists: two median lines, two bands, the deadline line.
    """
    ax = new_axes(ax, fixed=True)
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
    ax = new_axes(ax, fixed=True)
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
    ax = new_axes(ax, fixed=True)
    _count_bars(runs, {"wounded": ("wounded", OKABE_ITO["orange"]),
                       "killed": ("killed", OKABE_ITO["vermillion"])}, ax)
    ax.set_xlabel("Casualties per run (persons)")
    ax.set_ylabel("Share of runs (%)")
    ax.set_title(f"Casualties ({len(runs):,} runs)")
    return ax


@styled
def plot_strikes(runs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Distribution across runs of IED strikes and ambushes per run (two bar containers)."""
    ax = new_axes(ax, fixed=True)
    _count_bars(runs, {"ied_strikes": ("IED strikes", OKABE_ITO["vermillion"]),
                       "ambushes": ("ambushes", OKABE_ITO["reddish_purple"])}, ax)
    ax.set_xlabel("Attacks per run (count)")
    ax.set_ylabel("Share of runs (%)")
    ax.set_title(f"IED strikes and ambushes ({len(runs):,} runs)")
    return ax
