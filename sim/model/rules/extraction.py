"""How fast a base empties (MODEL.md §8): the first times at which given shares of its personnel and
of its cargo are out, from the times of each flight and each arrival. Vector form (sparse events
over replications) and its scalar twin (one base of the SimPy engine) side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OUT_SHARES: tuple[int, ...] = (10, 25, 50, 75, 90, 100)
"""Shares (%) of a base's personnel and cargo whose time out is an output column."""


def out_columns() -> list[str]:
    """``personnel_out_<p>_hours`` then ``cargo_out_<p>_hours`` for every share of ``OUT_SHARES``."""
    return [f"{what}_out_{p}_hours" for what in ("personnel", "cargo") for p in OUT_SHARES]


def needed(share: int, total: np.ndarray | int) -> np.ndarray | int:
    """Units out for ``share`` % of ``total``: ``ceil(share · total / 100)`` in integers."""
    if isinstance(total, int):
        return -(-(share * total) // 100)
    t = np.asarray(total, dtype=np.int64)
    return -(-(share * t) // 100)


def out_times(events: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], totals: np.ndarray, n_reps: int,
              shares: Sequence[int] = OUT_SHARES) -> np.ndarray:
    """(replications, shares): the first time at which at least ``share`` % of ``totals`` (per
    replication) are out; ``inf`` if never, ``nan`` where the total is 0. ``events`` are (replication
    rows, times, units out) of each flight or arrival: one column each of a (replications, events)
    table, sorted by time per row."""
    totals = np.broadcast_to(np.asarray(totals, dtype=np.int64), (n_reps,))
    out = np.full((n_reps, len(shares)), np.inf)
    if events:
        t = np.full((n_reps, len(events)), np.inf)
        a = np.zeros((n_reps, len(events)), dtype=np.int64)
        for j, (rows, times, amounts) in enumerate(events):
            t[rows, j] = times
            a[rows, j] = amounts
        order = np.argsort(t, axis=1, kind="stable")
        t = np.take_along_axis(t, order, axis=1)
        cum = np.cumsum(np.take_along_axis(a, order, axis=1), axis=1)
        for i, share in enumerate(shares):
            need = np.maximum(np.asarray(needed(share, totals)), 1)
            enough = cum >= need[:, None]
            first = enough.argmax(axis=1)
            reached = enough[np.arange(n_reps), first]
            out[reached, i] = t[np.flatnonzero(reached), first[reached]]
    out[totals == 0] = np.nan
    return out


def out_times_one(events: Sequence[tuple[float, int]], total: int, shares: Sequence[int] = OUT_SHARES) -> list[float]:
    """``out_times`` of one base on Python numbers: ``events`` are (time, units out)."""
    if total == 0:
        return [float("nan")] * len(shares)
    ordered = sorted((t, a) for t, a in events if a > 0)
    out = []
    for share in shares:
        need = max(int(needed(share, total)), 1)
        acc, when = 0, float("inf")
        for t, a in ordered:
            acc += a
            if acc >= need:
                when = float(t)
                break
        out.append(when)
    return out
