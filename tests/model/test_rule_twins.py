"""Each rule's vector form (batch engine) and its scalar twin (SimPy engine) give the same values:
bit for bit on random and boundary inputs, and the same draws from the same generator state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import rules
from sim.model.loader import apply_overrides, read_yaml, validate
from sim.model.schema import CountDist, Scenario

KIDAL = Path(__file__).resolve().parents[2] / "scenarios" / "kidal_2023.yaml"


def kidal(**overrides: object) -> Scenario:
    return validate(apply_overrides(read_yaml(KIDAL), overrides), KIDAL)


@pytest.mark.parametrize("daylight", [False, True])
def test_advance_and_clock(daylight: bool) -> None:
    sc = kidal(**{"convoy.daylight_only": daylight, "calendar.start": "2023-09-30T05:30"})
    clock = rules.Clock(sc)
    rng = np.random.default_rng(1)
    t = np.concatenate([rng.uniform(-30, 2000, 2000), np.arange(-24.0, 72.0, 0.5)])
    h = np.concatenate([rng.exponential(8.0, 2000), np.tile([0.0, 0.5, 6.0, 12.0, 12.5], 39)[:192]])
    vec = rules.advance(sc, t, h)
    one = np.array([clock.advance(float(a), float(b)) for a, b in zip(t, h, strict=True)])
    assert np.array_equal(vec, one)


def test_p_grant_at_and_pgrant() -> None:
    sc = kidal()
    auth = sc.road_movements
    p = rules.PGrant(sc, auth)
    t = np.linspace(-100, 3000, 4001)
    bounds = [sc.hours(x.from_) for x in auth.p_grant_periods]
    t = np.concatenate([t, bounds, np.nextafter(bounds, -np.inf)])
    assert np.array_equal(rules.p_grant_at(sc, auth, t), np.array([p(float(x)) for x in t]))


def test_early_exit_and_early_exit_one() -> None:
    sc = kidal()
    base = next(iter(sc.bases.values()))
    plan = rules.exit_plan(sc, base)
    for seed in range(200):
        vec = rules.early_exit(sc, base, np.random.default_rng(seed), 1)
        one = rules.early_exit_one(plan, np.random.default_rng(seed))
        assert (float(vec.trigger_hours[0]), float(vec.leave_by_hours[0]), float(vec.cutoff_hours[0]),
                bool(vec.forced[0])) == (one.trigger_hours, one.leave_by_hours, one.cutoff_hours, one.forced)


def test_known_and_known_one() -> None:
    rng = np.random.default_rng(3)
    t, trig = rng.uniform(0, 100, 500), np.where(rng.random(500) < 0.3, np.inf, rng.uniform(0, 100, 500))
    leave, cut = rng.uniform(0, 100, 500), rng.uniform(0, 100, 500)
    vl, vc = rules.known(t, trig, 90.0, 80.0, leave, cut)
    for i in range(500):
        assert (vl[i], vc[i]) == rules.known_one(float(t[i]), float(trig[i]), 90.0, 80.0, float(leave[i]), float(cut[i]))


@pytest.mark.parametrize("dispersion", [None, 0.7])
def test_count_sum_of_one_event_and_count_one(dispersion: float | None) -> None:
    dist = CountDist(mean=1.3, dispersion=dispersion)
    for seed in range(300):
        a = rules.count_sum(np.random.default_rng(seed), np.array([1]), dist, np.array([0.6]))
        b = rules.count_one(np.random.default_rng(seed), dist, 0.6)
        assert int(a[0]) == b


def test_hypergeometric_split_and_split_one() -> None:
    rng = np.random.default_rng(5)
    for seed in range(300):
        counts = [int(x) for x in rng.integers(0, 6, 4)]
        draws = int(rng.integers(0, 12))
        a = rules.hypergeometric_split(np.random.default_rng(seed), [np.array([c]) for c in counts], np.array([draws]))
        b = rules.hypergeometric_split_one(np.random.default_rng(seed), counts, draws)
        assert [int(x[0]) for x in a] == b


def test_truckloads_load_and_their_twins() -> None:
    sc = kidal()
    upt = {c: sc.cargo_classes[c].units_per_truck for c in sc.cargo_classes}
    order = rules.class_order(sc)
    truck = [c for c in order if not sc.cargo_classes[c].self_propelled]
    rng = np.random.default_rng(7)
    for _ in range(300):
        pool = {c: int(rng.integers(0, 400)) for c in truck}
        trucks = int(rng.integers(0, 300))
        assert int(rules.truckloads(sc, {c: np.array(v) for c, v in pool.items()})) == rules.truckloads_one(upt, pool)
        vu, vt = rules.load(sc, {c: np.array([v]) for c, v in pool.items()}, np.array([trucks]))
        ou, ot = rules.load_one(order, upt, pool, trucks)
        assert {c: int(v[0]) for c, v in vu.items()} == ou and {c: int(v[0]) for c, v in vt.items()} == ot


def test_convoys_per_round_and_its_twin() -> None:
    rng = np.random.default_rng(9)
    for _ in range(500):
        n, big, q, esc = (int(x) for x in (rng.integers(0, 400), rng.integers(1, 60), rng.integers(0, 6),
                                           rng.integers(0, 30)))
        assert int(rules.convoys_per_round(np.array([n]), big, q, esc)[0]) == rules.convoys_per_round_one(n, big, q, esc)


def test_split_even_on_ints_and_arrays() -> None:
    for total in range(0, 40):
        for k in range(0, 7):
            for i in range(0, 8):
                assert rules.split_even(total, k, i) == int(rules.split_even(np.array([total]), np.array([k]), i)[0])


def test_final_convoy_groups_fill_by_class_and_split_evenly() -> None:
    groups = rules.final_convoy_groups([7, 0, 5], 5)
    assert groups == [[4, 0, 0], [3, 0, 1], [0, 0, 4]]
    assert rules.final_convoy_groups([0, 0], 5) == []
    sizes = [sum(g) for g in rules.final_convoy_groups([143], 100)]
    assert sizes == [72, 71]


def test_out_times_twins() -> None:
    """``out_times`` (sparse events over replications) equals ``out_times_one`` row by row (MODEL.md §8)."""
    from sim.model.rules.extraction import out_times, out_times_one

    rng = np.random.default_rng(5)
    n_reps, n_events = 40, 300
    rows = rng.integers(0, n_reps, n_events)
    times = rng.choice([1.0, 2.0, 5.0, 7.5, 30.0], n_events)  # ties on purpose
    amounts = rng.integers(0, 6, n_events)
    totals = rng.integers(0, 60, n_reps)
    totals[:3] = 0
    events = []
    for j in range(0, n_events, 10):  # events as the engines make them: columns over some rows each
        sel = slice(j, j + 10)
        r, t, a = rows[sel], times[sel], amounts[sel]
        for k in range(len(r)):
            events.append((r[k:k + 1], t[k:k + 1], a[k:k + 1]))
    vec = out_times(events, totals, n_reps)
    for r in range(n_reps):
        events = [(float(t), int(a)) for rr, t, a in zip(rows, times, amounts, strict=True) if rr == r]
        one = out_times_one(events, int(totals[r]))
        assert np.array_equal(vec[r], np.array(one), equal_nan=True), r
    assert np.isnan(vec[:3]).all() and np.isinf(vec).any() and np.isfinite(vec).any()
