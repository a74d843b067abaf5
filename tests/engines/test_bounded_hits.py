"""Bounded time (issue 21) in the batch people model: a segment's hit table is at most the vehicles
that can be hit + 1 wide however many hits were drawn, each hit's event is found without a
(rows, hits, events) table, and a lift serving many bases chooses its target in a few array passes."""

from __future__ import annotations

import time

import numpy as np

from sim.engines.batch.people import hit_events, hit_order
from sim.model.loader import validate
from tests.helpers import extremes


def _uncapped_hit_order(rng, avail, weights, hits):
    """``hit_order`` as it was before the cap (the reference for equal draws)."""
    k = int(hits.max(initial=0))
    m = avail.shape[1]
    out = np.full((m, k), -1, dtype=np.int64)
    live = np.flatnonzero((weights > 0) & avail.any(axis=1))
    if k == 0 or live.size == 0:
        return out
    left = avail[live].T.copy()
    w = weights[live]
    a = np.flatnonzero(hits > 0)
    for j in range(k):
        cum = np.cumsum(left[a] * w, axis=1)
        total = cum[:, -1]
        g = np.minimum((cum <= (rng.random(a.size) * total)[:, None]).sum(axis=1), live.size - 1)
        ok = total > 0
        a, g = a[ok], g[ok]
        out[a, j] = live[g]
        left[a, g] -= 1
        a = a[hits[a] > j + 1]
        if a.size == 0:
            break
    return out


def test_hit_table_is_capped_at_the_vehicles():
    avail = np.array([[2, 0, 1], [1, 3, 0], [4, 4, 4]])  # (groups, rows); group 2 has weight 0
    weights = np.array([1.0, 2.0, 0.0])
    order = hit_order(np.random.default_rng(3), avail, weights, np.array([10**12, 5, 10**12]))
    assert order.shape == (3, 4)  # at most the 3 vehicles of weight > 0 (+ 1)
    assert ((order >= 0).sum(axis=1) == [3, 3, 1]).all()
    assert not (order == 2).any()


def test_capped_hits_draw_as_the_uncapped_ones():
    rng = np.random.default_rng(11)
    for _ in range(50):
        g, m = rng.integers(1, 5), rng.integers(1, 7)
        avail = rng.integers(0, 4, size=(g, m))
        weights = rng.choice([0.0, 0.5, 1.0, 3.0], size=g)
        hits = rng.integers(0, 15, size=m)
        a, b = np.random.default_rng(5), np.random.default_rng(5)
        capped, ref = hit_order(a, avail, weights, hits), _uncapped_hit_order(b, avail, weights, hits)
        assert (capped == ref[:, :capped.shape[1]]).all() and (ref[:, capped.shape[1]:] == -1).all()
        assert a.random() == b.random()  # same draws consumed


def test_hit_events_match_the_broadcast_count():
    rng = np.random.default_rng(2)
    for _ in range(50):
        m, e, k = rng.integers(1, 6), rng.integers(1, 6), rng.integers(1, 12)
        ends = np.cumsum(rng.integers(0, 4, size=(m, e)), axis=1)
        ref = (ends[:, None, :] <= np.arange(k)[None, :, None]).sum(axis=2)
        assert (hit_events(ends, int(k)) == ref).all()


def test_many_hits_per_event_are_cheap():
    from sim.api.runs import run

    raw = extremes.kidal()
    for kind in ("ied", "ambush", "stationary"):
        raw["threats"]["effects"][kind]["vehicles_hit"] = {"mean": 1000}
    for name in ("escort", "route_clearance", "air_cover"):
        raw["mitigations"].setdefault(name, {})["vehicle_loss_factor"] = 1000
    t = time.process_time()
    run(validate(raw), engine="batch", replications=64, seed=1)
    assert time.process_time() - t < 30.0  # (rows, hits ~1e6, events) tables before the cap


def test_a_lift_serving_many_bases_chooses_in_array_passes():
    from sim.api.runs import run

    sc = validate(extremes.many_bases(30))
    t = time.process_time()
    res = run(sc, engine="batch", replications=8, seed=1)
    assert time.process_time() - t < 30.0
    assert res is not None
