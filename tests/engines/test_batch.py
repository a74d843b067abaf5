"""The vectorized engine: conservation, determinism, block independence, closed forms (DESIGN.md §1)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.engines.batch import simulate
from sim.engines.dispatch import simulate_unit, simulate_units, units
from sim.engines.streams import BLOCK_SIZE
from sim.model import outcomes
from sim.model.loader import load_scenario, validate
from sim.model.schema import FATES, Scenario
from tests.helpers.builders import (
    FINAL_ONLY,
    SYNTHETIC,
    chain_only,
    loading_makespan,
    never_empties,
    one_leg,
    threats_on_leg,
    tiny,
)
from tests.helpers.paths import KIDAL

Z_TOL = 4.0
"""Closed-form checks pass when |z| < 4 (fixed seeds: deterministic)."""


def run(sc: Scenario, replications: int, seed: int = 1) -> pd.DataFrame:
    return pd.concat([simulate_unit(sc, "batch", u, seed) for u in units("batch", replications)],
                     ignore_index=True)


def scenarios() -> dict[str, Scenario]:
    out = {name: f() for name, f in SYNTHETIC.items()}
    out["kidal_2023"] = load_scenario(KIDAL)
    out["tiny"] = validate(tiny())
    return out


@pytest.fixture(scope="module")
def tables() -> dict[str, tuple[Scenario, pd.DataFrame]]:
    return {name: (sc, run(sc, BLOCK_SIZE, seed=3)) for name, sc in scenarios().items()}


def test_columns_are_the_shared_schema(tables: dict) -> None:
    for sc, df in tables.values():
        assert list(df.columns) == outcomes.base_columns(sc)
        assert len(df) == BLOCK_SIZE * len(sc.bases)


def test_cargo_and_personnel_are_conserved_in_every_replication(tables: dict) -> None:
    for name, (sc, df) in tables.items():
        for b, base in sc.bases.items():
            rows = df[df.base == b]
            for c in sc.cargo_classes:
                total = sum(rows[f"cargo_{c}_{f}"] for f in FATES)
                assert (total == base.cargo.get(c, 0)).all(), (name, b, c)
            people = rows.personnel_air + rows.personnel_medevac + rows.personnel_road + rows.personnel_killed
            assert (people == base.personnel).all(), (name, b)


def test_no_negative_counts_or_times(tables: dict) -> None:
    for name, (_sc, df) in tables.items():
        numeric = df.drop(columns=["base", "forced_early", *outcomes.OUT_TIMES])
        assert (numeric.to_numpy(float) >= 0).all(), name
        assert np.isfinite(numeric.to_numpy(float)).all(), name
        out = df[list(outcomes.OUT_TIMES)].to_numpy(float)  # inf: that share never out; nan: none to take out
        assert not (out < 0).any(), name
        assert (np.diff(np.nan_to_num(out[:, :6], nan=0.0, posinf=1e300), axis=1) >= 0).all(), name  # shares in order
        assert (np.diff(np.nan_to_num(out[:, 6:], nan=0.0, posinf=1e300), axis=1) >= 0).all(), name
        assert (df.last_arrival_hours >= df.exit_hours).all(), name
        assert (df.flights_granted + df.flights_denied == df.flight_requests).all(), name
        assert (df.trucks_lost <= df.vehicles_lost).all(), name
        assert (df.personnel_killed <= df.killed).all(), name


def test_same_seed_same_table_other_seed_other_table() -> None:
    sc = SYNTHETIC["shared_trucks"]()
    a = simulate(sc, 2, 2048, 300, seed=11)
    b = simulate(sc, 2, 2048, 300, seed=11)
    c = simulate(sc, 2, 2048, 300, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert a.replication.min() == 2048


def test_blocks_do_not_depend_on_the_number_of_blocks() -> None:
    sc = SYNTHETIC["shared_trucks"]()
    short = run(sc, BLOCK_SIZE + 100, seed=5)
    long = run(sc, 3 * BLOCK_SIZE, seed=5)
    pd.testing.assert_frame_equal(short, long[long.replication < BLOCK_SIZE + 100].reset_index(drop=True))
    few = simulate(sc, 0, 0, 7, seed=5)
    pd.testing.assert_frame_equal(few, short[short.replication < 7].reset_index(drop=True))


def test_point_and_crn_choose_the_streams() -> None:
    sc = SYNTHETIC["shared_trucks"]()
    a = simulate(sc, 0, 0, 200, seed=5, point=0)
    b = simulate(sc, 0, 0, 200, seed=5, point=3)
    c = simulate(sc, 0, 0, 200, seed=5, point=3, crn=False)
    assert (b.point == 3).all()
    pd.testing.assert_frame_equal(a.drop(columns="point"), b.drop(columns="point"))
    assert not a.drop(columns="point").equals(c.drop(columns="point"))


def test_a_chunk_of_blocks_is_its_blocks_stacked() -> None:
    """``simulate_units`` (what an executor runs for a chunk) gives the blocks of ``simulate_unit``
    one after the other."""
    sc = SYNTHETIC["shared_trucks"]()
    us = units("batch", 2 * BLOCK_SIZE + 30)
    assert [u.count for u in us] == [BLOCK_SIZE, BLOCK_SIZE, 30]
    chunk = simulate_units(sc, "batch", us, 4)
    pd.testing.assert_frame_equal(chunk, pd.concat([simulate_unit(sc, "batch", u, 4) for u in us],
                                                   ignore_index=True))
    assert simulate_units(sc, "batch", (), 4).empty


def test_count_must_fit_one_block() -> None:
    with pytest.raises(ValueError, match="one block"):
        simulate(threats_on_leg(), 0, 0, BLOCK_SIZE + 1, seed=1)


# ---------------------------------------------------------------- closed forms (DESIGN.md §1)


def test_ied_strikes_on_one_leg_are_poisson() -> None:
    rate = 0.8
    df = run(threats_on_leg(ied_rate=rate), 4 * BLOCK_SIZE)
    lam = rate * 100 / 100  # 100 km, one convoy of 20 vehicles, no mitigation factors
    x = df.ied_strikes.to_numpy()
    z_mean = (x.mean() - lam) / math.sqrt(lam / x.size)
    p0 = math.exp(-lam)
    z_p0 = ((x == 0).mean() - p0) / math.sqrt(p0 * (1 - p0) / x.size)
    assert abs(z_mean) < Z_TOL and abs(z_p0) < Z_TOL, (z_mean, z_p0)


@pytest.mark.parametrize(("p", "give_up", "k"), [(0.3, 72.0, 4), (0.5, 30.0, 2), (0.2, 0.0, 1)])
def test_personnel_go_by_road_with_probability_of_all_denied(p: float, give_up: float, k: int) -> None:
    df = run(chain_only(p_grant=p, retry_hours=24.0, give_up_hours=give_up), 4 * BLOCK_SIZE)
    road = (df.personnel_road == 20).to_numpy()
    expected = (1 - p) ** k
    z = (road.mean() - expected) / math.sqrt(expected * (1 - expected) / road.size)
    assert abs(z) < Z_TOL, (road.mean(), expected, z)
    assert (df.flight_requests[road] == k).all()
    assert ((df.personnel_road == 20) | (df.personnel_air == 20)).all()


def test_drive_time_with_daylight_halts_is_exact() -> None:
    d = one_leg()
    d["convoy"] = {"max_vehicles": 100, "daylight_only": True}
    df = simulate(validate(d), 0, 0, 50, seed=1)
    # leaves at 15:00 on day 1 (t = 39 h); 60 km at 20 km/h end exactly at 18:00; waits the night;
    # 40 km from 06:00 on day 2 arrive at 08:00 (t = 56 h)
    assert (df.exit_hours == 39.0).all()
    assert (df.last_arrival_hours == 56.0).all()
    assert (df.road_hours == 17.0).all()
    assert (df.personnel_road == 40).all() and (df.cargo_vehicles_road == 20).all()


@pytest.mark.parametrize("teams", [1, 2, 3, 5])
def test_loading_makespan_with_c_teams_is_exact(teams: int) -> None:
    df = simulate(loading_makespan(teams=teams), 0, 0, 20, seed=1)
    per_convoy = math.ceil(5 / teams) * 2.0  # two convoys of 5 trucks, loaded one after the other
    arrive = 39.0 + 5.0  # the lift leaves the hub at withdraw_from, 100 km at 20 km/h
    loaded = arrive + 2 * per_convoy  # the second convoy (arrived 1 h later) waits for the area
    assert (df.exit_hours == loaded).all()  # empty base: the final convoy leaves at the last loading
    assert (df.last_arrival_hours == loaded + 5.0).all()
    assert (df.cargo_containers_road == 10).all()
    assert (df.convoys == 3).all()
    assert (df.road_hours == 5 * 5.0).all()


# ---------------------------------------------------------------- final-convoy streams (DESIGN.md §3)

def test_lift_rounds_do_not_shift_final_convoy_draws() -> None:
    """Final convoys draw from their own streams: holding or releasing the lift (0 or dozens of lift
    convoys) leaves every replication's final-convoy outcome unchanged when its departure is."""
    held = simulate(never_empties(0.0), 0, 0, BLOCK_SIZE, seed=5)
    released = simulate(never_empties(1.0), 0, 0, BLOCK_SIZE, seed=5)
    assert (held.convoys == 2).all() and (held.cargo_containers_road == 0).all()
    assert released.convoys.mean() > 8 and released.cargo_containers_road.mean() > 20
    last_final = held.leave_by_hours.iloc[0] + 1.0  # the second final convoy, 1 h after leave-by
    assert (held.exit_hours == last_final).all() and (released.exit_hours == last_final).all()
    assert held.personnel_killed.mean() > 0.3 and held.cargo_vehicles_lost.mean() > 0.3  # not trivial
    pd.testing.assert_frame_equal(held[FINAL_ONLY], released[FINAL_ONLY])


def test_air_cover_of_a_day_does_not_depend_on_who_asked_first() -> None:
    """Days are drawn lazily, 32 at a time, always from the first day on: asking for a late day first
    or for the days in order gives every replication the same cover."""
    from sim.engines.batch.air_cover import AirCoverTable
    from sim.model import rules

    sc = never_empties(0.5)
    first_day = int(rules.day_index(sc, 0.0))
    rows = np.arange(50)
    late = np.full(50, 24.0 * 70 + 3.0)
    early = np.full(50, 24.0 * 2 + 3.0)
    a = AirCoverTable(sc, np.random.default_rng(8), 50, first_day)
    b = AirCoverTable(sc, np.random.default_rng(8), 50, first_day)
    late_a, early_a = a.covered(rows, late), a.covered(rows, early)
    early_b, late_b = b.covered(rows, early), b.covered(rows, late)
    assert np.array_equal(late_a, late_b) and np.array_equal(early_a, early_b)
    assert 0 < late_a.sum() < 50  # p_grant 0.5: some days covered, some not
    with pytest.raises(AssertionError, match="before the first day"):
        a.covered(rows[:1], np.array([-48.0]))


def test_air_cover_has_a_horizon_and_a_bounded_table() -> None:
    """No day later than a year after the deadline's day is covered (MODEL.md, Bounds), in either
    engine, and the batch table never holds more days than up to that horizon (a convoy pushed to
    ~10^7 h by absurd delays used to grow it day by day, quadratically)."""
    from sim.engines.batch.air_cover import AirCoverTable
    from sim.engines.des.air_cover import AirCoverDays
    from sim.engines.des.state import Static
    from sim.engines.streams import Streams
    from sim.model import rules

    raw = never_empties(1.0).model_dump(by_alias=True, mode="json")
    raw["air_cover"] = {"p_grant": 1.0}
    sc = validate(raw)
    first_day = int(rules.day_index(sc, 0.0))
    last = rules.air_cover_last_day(sc)
    rows = np.arange(8)
    table = AirCoverTable(sc, np.random.default_rng(1), 8, first_day)
    before = 24.0 * last - rules.hour0(sc) + 1.0  # inside the last covered day
    after = before + 24.0
    assert table.covered(rows, np.full(8, before)).all()
    assert not table.covered(rows, np.full(8, after)).any()
    assert not table.covered(rows, np.full(8, 1e7)).any()
    assert table.table.shape[1] == last - first_day + 1
    days = AirCoverDays(Static(sc), Streams(1, "des", unit=0))
    assert days.covered(before) and not days.covered(after) and not days.covered(1e7)
    assert len(days.uniforms) <= last + 1
