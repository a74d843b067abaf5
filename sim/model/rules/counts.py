"""Counts drawn on the road (MODEL.md §6): Poisson counts by inversion, sums of per-event counts,
vehicles destroyed spread over a convoy. Vector forms and their scalar twins side by side."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.model.schema import CountDist

from .road import MAX_EVENTS_PER_SEGMENT

POISSON_INVERSION_MAX = 30.0
"""Largest mean drawn by inversion in ``poisson_count``; larger means call ``rng.poisson``."""


def poisson_by_inversion(u: float, mean: float) -> int:
    """The Poisson(``mean``) count whose CDF first exceeds the uniform ``u`` (inversion).

    One uniform per count, and the count never falls when ``mean`` rises for the same ``u``: common
    random numbers then couple counts monotonically. Stops if the CDF stops growing in floating point.
    """
    p = math.exp(-mean)
    cdf, k = p, 0
    while u >= cdf:
        k += 1
        p *= mean / k
        if cdf + p == cdf:
            break
        cdf += p
    return k


def poisson_count(u: Callable[[], float], rng: np.random.Generator, mean: float) -> int:
    """One Poisson(``mean``) count: by inversion of ``u()`` up to ``POISSON_INVERSION_MAX``, else
    ``rng.poisson``; no draw for a zero mean. The mean is at most ``MAX_EVENTS_PER_SEGMENT``
    (MODEL.md, Bounds): every count of events on a segment goes through here or ``segment_means``."""
    mean = min(mean, MAX_EVENTS_PER_SEGMENT)
    if mean <= 0.0:
        return 0
    if mean <= POISSON_INVERSION_MAX:
        return poisson_by_inversion(u(), mean)
    return int(rng.poisson(mean))


def count_sum(
    rng: np.random.Generator, n_events: np.ndarray, dist: CountDist, factor: np.ndarray | float = 1.0
) -> np.ndarray:
    """Total of ``n_events`` counts, each Poisson(mean·factor) or NB(mean·factor, dispersion)."""
    n = np.asarray(n_events, dtype=float)
    mean = dist.mean * np.asarray(factor, dtype=float)
    if dist.mean == 0.0:
        return np.zeros(np.broadcast(n, mean).shape, dtype=np.int64)
    if dist.dispersion is None:
        return np.asarray(rng.poisson(n * mean), dtype=np.int64)
    r = dist.dispersion
    lam = rng.gamma(n * r, mean / r)
    return np.asarray(rng.poisson(lam), dtype=np.int64)


def count_one(rng: np.random.Generator, dist: CountDist, factor: float = 1.0) -> int:
    """``count_sum`` for one event on Python scalars: the same draws from the same generator state
    (a test checks equality)."""
    if dist.mean == 0.0:
        return 0
    mean = dist.mean * factor
    if dist.dispersion is None:
        return int(rng.poisson(mean))
    r = dist.dispersion
    return int(rng.poisson(rng.gamma(r, mean / r)))


def hypergeometric_split(
    rng: np.random.Generator, counts: list[np.ndarray], draws: np.ndarray
) -> list[np.ndarray]:
    """Spread ``draws`` over categories of sizes ``counts`` without replacement (uniformly)."""
    left_total = np.sum([np.asarray(c, dtype=np.int64) for c in counts], axis=0)
    remaining = np.minimum(np.asarray(draws, dtype=np.int64), left_total)
    out = []
    for i, c in enumerate(counts):
        c = np.asarray(c, dtype=np.int64)
        if i == len(counts) - 1:
            out.append(remaining)
            break
        others = left_total - c
        take = np.asarray(rng.hypergeometric(c, others, remaining), dtype=np.int64)
        out.append(take)
        remaining = remaining - take
        left_total = others
    return out


def hypergeometric_split_one(rng: np.random.Generator, counts: list[int], draws: int) -> list[int]:
    """``hypergeometric_split`` of one convoy on Python ints: the same draws from the same
    generator state (a test checks equality), without numpy's per-call array overhead."""
    left_total = sum(counts)
    remaining = min(draws, left_total)
    out = []
    last = len(counts) - 1
    for i, c in enumerate(counts):
        if i == last:
            out.append(remaining)
            break
        others = left_total - c
        take = int(rng.hypergeometric(c, others, remaining))
        out.append(take)
        remaining -= take
        left_total = others
    return out
