"""Unit tests of the shared model arithmetic in sim/model/rules/ (MODEL.md), on the
``mixed_cargo`` scenario of the builder (one base ``alpha``, four cargo classes, one road)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import rules
from sim.model.schema import Scenario
from tests.helpers.builders import changed, mixed_cargo


def scenario(**changes: object) -> Scenario:
    """``mixed_cargo()`` with changes at ``a__b__c`` paths, validated."""
    return changed(mixed_cargo(), **changes)


def test_advance_without_daylight_adds_hours() -> None:
    sc = scenario(convoy={"daylight_only": False})
    assert float(rules.advance(sc, 20.0, 7.5)) == 27.5


@pytest.mark.parametrize(
    ("t", "h", "end"),
    [
        (8.0, 2.0, 10.0),  # inside the window
        (20.0, 2.0, 32.0),  # after the window: next day 06:00 + 2
        (2.0, 1.0, 7.0),  # before the window: 06:00 + 1
        (15.0, 3.0, 18.0),  # ends exactly at the window end: ends there
        (15.0, 5.0, 32.0),  # 3 h today, 2 h tomorrow from 06:00
        (6.0, 30.0, 60.0),  # 12 + 12 + 6: two nights
        (9.0, 0.0, 9.0),  # no work: no move, even at night
        (23.0, 0.0, 23.0),
    ],
)
def test_advance_daylight_halts(t: float, h: float, end: float) -> None:
    sc = scenario()
    assert float(rules.advance(sc, t, h)) == end


def test_day_index_and_hour0() -> None:
    sc = scenario(calendar__start="2024-01-01T05:30")
    assert rules.hour0(sc) == 5.5
    assert int(rules.day_index(sc, 18.4)) == 0 and int(rules.day_index(sc, 18.5)) == 1


def test_p_grant_periods_later_wins() -> None:
    sc = scenario(flights={"p_grant": 0.5, "p_grant_periods": [
        {"from": "2024-01-02", "until": "2024-01-04", "p": 0.1},
        {"from": "2024-01-03", "p": 0.9}]})
    p = rules.p_grant_at(sc, sc.flights, np.array([0.0, 24.0, 47.9, 48.0, 100.0]))
    assert p.tolist() == [0.5, 0.1, 0.1, 0.9, 0.9]


def test_chain_tries_until_give_up_with_zero_delay() -> None:
    sc = scenario(flights={"p_grant": 0.0, "retry_hours": 24, "give_up_hours": 72})
    ch = rules.chain(sc, sc.flights, np.random.default_rng(1), np.array([10.0]), np.array([1e9]))
    # k = floor(72/24) + 1 = 4 tries at 10, 34, 58, 82; gives up at the last decision
    assert ch.status[0] == rules.GAVE_UP and ch.n_requests[0] == 4 and ch.n_denied[0] == 4
    assert ch.time_hours[0] == 82.0


def test_chain_granted_and_cancelled() -> None:
    sc = scenario(flights={"p_grant": 1.0, "decision_delay_hours": {"mean": 5.0}})
    ch = rules.chain(sc, sc.flights, np.random.default_rng(1), np.array([10.0, 10.0]), np.array([100.0, 15.0]))
    assert ch.status.tolist() == [rules.GRANTED, rules.CANCELLED]
    assert ch.time_hours.tolist() == [15.0, 15.0]  # decided at 15 ≥ cancel 15: cancelled, not counted
    assert ch.n_requests.tolist() == [1, 0]


def test_chain_all_denied_probability() -> None:
    sc = scenario(flights={"p_grant": 0.4, "retry_hours": 24, "give_up_hours": 48})
    n = 20000
    ch = rules.chain(sc, sc.flights, np.random.default_rng(3), np.zeros(n), np.full(n, 1e9))
    p = 0.6**3
    z = ((ch.status == rules.GAVE_UP).mean() - p) / math.sqrt(p * (1 - p) / n)
    assert abs(z) < 4


def test_split_even() -> None:
    parts = [int(rules.split_even(10, 3, i)) for i in range(4)]
    assert parts == [4, 3, 3, 0]
    assert sum(int(rules.split_even(7, 7, i)) for i in range(7)) == 7


def test_load_by_priority() -> None:
    sc = scenario()
    units, used = rules.load(sc, {"boxes": 5, "guns": 2, "food": 4}, 5)
    # guns (priority 3) first: 2 trucks; food (2): 3 trucks; boxes: none left
    assert {c: int(v) for c, v in units.items()} == {"guns": 2, "food": 3, "boxes": 0}
    assert {c: int(v) for c, v in used.items()} == {"guns": 2, "food": 3, "boxes": 0}
    units, used = rules.load(sc, {"boxes": 5}, 10)
    assert int(units["boxes"]) == 5 and int(used["boxes"]) == 3  # 2 per truck, last truck half full


def test_truckloads_and_loading_hours() -> None:
    sc = scenario(sites__alpha__loading={"teams": 4, "hours_per_truck_load": 2.0})
    assert int(rules.truckloads(sc, {"boxes": 5, "guns": 2})) == 5
    loading = sc.bases["alpha"].loading
    assert [float(rules.loading_hours(n, loading.teams, loading.hours_per_truck_load))
            for n in (0, 1, 4, 5, 9)] == [0, 2, 2, 4, 6]
    hours = rules.loading_hours(np.array([0, 1, 4, 5, 9]), 4, 2.0)  # the batch engine's arrays
    assert hours.tolist() == [0, 2, 2, 4, 6]


def test_destroy_left_budget_by_priority() -> None:
    sc = scenario()
    d, a, h = rules.destroy_left(sc, {"boxes": 10, "guns": 3, "food": 5}, 7.5)
    # guns first (1 h each): 3 destroyed, 4.5 h left; boxes 2 h each: 2 destroyed, 8 abandoned
    assert int(d["guns"]) == 3 and int(a["guns"]) == 0
    assert int(d["boxes"]) == 2 and int(a["boxes"]) == 8
    assert int(h["food"]) == 5 and int(d["food"]) == 0 and int(a["food"]) == 0


def test_hypergeometric_split_sums() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        counts = [int(x) for x in rng.integers(0, 6, size=4)]
        draws = int(rng.integers(0, 30))
        out = [int(x) for x in rules.hypergeometric_split(rng, counts, draws)]
        assert sum(out) == min(draws, sum(counts))
        assert all(0 <= o <= c for o, c in zip(out, counts, strict=True))


def test_early_exit_forced_logic() -> None:
    sc = scenario()
    base = sc.bases["alpha"]
    ex = rules.early_exit(sc, base, np.random.default_rng(2), 5000)
    planned = sc.hours(base.leave_by)
    forced = ex.forced
    assert forced.any() and (~forced).any()
    trig = ex.trigger_hours
    assert np.all(ex.leave_by_hours[forced] == trig[forced] + 24.0)
    # lead hours before the new leave-by, not before the trigger, never after the planned cut-off
    expected = np.minimum(np.maximum(trig[forced] + 24.0 - 48.0, trig[forced]), planned - 48.0)
    assert np.all(ex.cutoff_hours[forced] == expected)
    assert np.any(trig[forced] > planned - 48.0)  # the cap is exercised
    assert np.all(ex.leave_by_hours[~forced] == planned) and np.all(np.isinf(trig[~forced]))
    assert np.all(ex.cutoff_hours[~forced] == planned - 48.0)
    assert np.all(trig[forced] >= sc.hours(base.early_exit.from_))


def test_early_exit_without_hazard_is_never_forced() -> None:
    sc = scenario(sites__alpha__early_exit=None)
    ex = rules.early_exit(sc, sc.bases["alpha"], np.random.default_rng(2), 10)
    assert not ex.forced.any() and np.all(ex.leave_by_hours == sc.hours(sc.bases["alpha"].leave_by))


@pytest.mark.parametrize(("early_exit", "cases"), [
    (None, {(False, False)}),
    ({"from": "2024-01-05", "hazard_per_day": 0.05, "notice_hours": 72}, {(True, False), (False, False)}),
    ({"from": "2024-01-02", "hazard_per_day": 3.0, "notice_hours": 0}, {(True, True)}),
])
def test_early_exit_one_equals_the_vector_draw(early_exit: dict | None, cases: set) -> None:
    """Every branch (not forced; forced, cut-off before the trigger; cut-off at the trigger)."""
    sc = scenario(sites__alpha__early_exit=early_exit)
    base = sc.bases["alpha"]
    seen = set()
    for seed in range(400):
        rng_vec, rng = np.random.default_rng(seed), np.random.default_rng(seed)
        ex = rules.early_exit(sc, base, rng_vec, 1)
        one = rules.early_exit_one(rules.exit_plan(sc, base), rng)
        assert isinstance(one, rules.Exit)
        got = (one.trigger_hours, one.leave_by_hours, one.cutoff_hours, one.forced)
        assert all(type(x) is float for x in got[:3]) and type(got[3]) is bool  # Python scalars
        vec = (float(ex.trigger_hours[0]), float(ex.leave_by_hours[0]), float(ex.cutoff_hours[0]), bool(ex.forced[0]))
        assert got == vec
        assert rng.bit_generator.state == rng_vec.bit_generator.state  # the same draws consumed
        seen.add((one.forced, one.cutoff_hours == one.trigger_hours))
    assert seen == cases


def test_count_sum_and_delay_sum_means() -> None:
    sc = scenario()
    from sim.model.schema import CountDist, DelayDist

    rng = np.random.default_rng(9)
    n = np.full(20000, 3)
    x = rules.count_sum(rng, n, CountDist(mean=0.5, dispersion=0.8), 2.0)
    assert abs(x.mean() - 3.0) < 4 * x.std() / math.sqrt(x.size)
    d = rules.delay_sum(rng, n, DelayDist(mean=2.0, cv=0.5))
    assert abs(d.mean() - 6.0) < 4 * d.std() / math.sqrt(d.size)
    assert np.all(rules.delay_sum(rng, n, DelayDist(mean=2.0)) == 6.0)
    assert sc.name == "rules"


def test_poisson_by_inversion_is_the_exact_quantile() -> None:
    """For uniforms on a grid the count is the Poisson quantile: the smallest k with CDF(k) > u."""
    from scipy import stats

    u = (np.arange(2000) + 0.5) / 2000
    for mean in (0.01, 0.3, 2.5, 12.0, rules.POISSON_INVERSION_MAX):
        got = np.array([rules.poisson_by_inversion(float(x), mean) for x in u])
        cdf = stats.poisson.cdf(got, mean)
        below = stats.poisson.cdf(got - 1, mean)
        assert np.all(below <= u + 1e-12) and np.all(u < cdf + 1e-12), mean


def test_poisson_by_inversion_rises_with_the_mean_and_ends_near_one() -> None:
    u = np.random.default_rng(0).random(500)
    means = [0.0, 0.05, 0.5, 1.0, 4.0, 20.0]
    counts = np.array([[rules.poisson_by_inversion(float(x), m) for x in u] for m in means])
    assert np.all(np.diff(counts, axis=0) >= 0)
    assert rules.poisson_by_inversion(1.0 - 2**-53, 0.5) < 40  # round-off cannot loop forever


def test_poisson_count_chooses_inversion_or_numpy() -> None:
    rng = np.random.default_rng(1)
    taken: list[float] = []

    def u() -> float:
        taken.append(0.5)
        return 0.5

    assert rules.poisson_count(u, rng, 0.0) == 0 and not taken
    assert rules.poisson_count(u, rng, 2.0) == 2 and taken == [0.5]
    before = rng.bit_generator.state
    big = rules.poisson_count(u, rng, 1000.0)
    assert taken == [0.5] and rng.bit_generator.state != before and 850 < big < 1150


def test_hypergeometric_split_one_matches_the_array_version() -> None:
    for seed in range(300):
        pick = np.random.default_rng(seed + 10_000)
        counts = [int(c) for c in pick.integers(0, 12, size=int(pick.integers(1, 5)))]
        draws = int(pick.integers(0, 40))
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert rules.hypergeometric_split_one(a, counts, draws) == [int(x) for x in rules.hypergeometric_split(b, counts, draws)]
        assert a.bit_generator.state == b.bit_generator.state


def test_count_one_matches_count_sum_of_one_event() -> None:
    from sim.model.schema import CountDist

    for dist in (CountDist(mean=0.7), CountDist(mean=2.0, dispersion=0.5), CountDist(mean=0.0)):
        a, b = np.random.default_rng(7), np.random.default_rng(7)
        for factor in (1.0, 0.5, 3.0) * 20:
            assert rules.count_one(a, dist, factor) == int(rules.count_sum(b, np.ones(1), dist, factor)[0])


def test_split_even_on_plain_integers_matches_arrays() -> None:
    for total in range(0, 30):
        for k in range(0, 6):
            for i in range(0, 7):
                assert rules.split_even(total, k, i) == int(rules.split_even(np.int64(total), np.int64(k), i))
