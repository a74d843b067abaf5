"""The SimPy engine: conservation, determinism, trace = simulate, and sense on the Kidal scenario."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
import simpy

from sim.engines import des
from sim.engines.des.engine import replications
from sim.engines.des.lifts import loading
from sim.engines.des.state import Static
from sim.model import outcomes, rules
from sim.model.loader import load_scenario, validate
from sim.model.schema import FATES, Scenario
from tests.helpers import builders
from tests.helpers.builders import FINAL_ONLY, never_empties
from tests.helpers.paths import KIDAL


@pytest.fixture(scope="module")
def two_bases() -> Scenario:
    return validate(builders.two_bases())


@pytest.fixture(scope="module")
def kidal() -> Scenario:
    return load_scenario(KIDAL)


@pytest.fixture(scope="module")
def kidal_shuttle() -> Scenario:
    return load_scenario(KIDAL, ["road_movements.p_grant_periods=[]"])


def check_conservation(sc: Scenario, df: pd.DataFrame) -> None:
    """Every unit of every class and every person ends in exactly one fate, in every row (MODEL.md
    §8): personnel in ``personnel_air``, ``personnel_medevac``, ``personnel_road`` or
    ``personnel_killed``; ``killed = killed_in_action + died_of_wounds``; ``vehicles_lost =
    vehicles_destroyed + vehicles_abandoned``. In the people model (§10-§11) every damaged vehicle
    is repaired, towed or abandoned, and the killed and wounded split by who was hit."""
    assert list(df.columns) == outcomes.base_columns(sc)
    for name, base in sc.bases.items():
        rows = df[df["base"] == name]
        assert len(rows) > 0
        people = (rows["personnel_air"] + rows["personnel_medevac"] + rows["personnel_road"]
                  + rows["personnel_killed"])
        assert (people == base.personnel).all(), name
        for c in sc.cargo_classes:
            total = sum(rows[f"cargo_{c}_{f}"] for f in FATES)
            assert (total == base.cargo.get(c, 0)).all(), (name, c)
            assert all((rows[f"cargo_{c}_{f}"] >= 0).all() for f in FATES)
    counts = df[list(outcomes.BASE_COUNTS)]
    assert (counts >= 0).all().all()
    assert (df["personnel_killed"] <= df["killed"]).all()
    assert (df["killed"] == df["killed_in_action"] + df["died_of_wounds"]).all()
    assert (df["died_of_wounds"] <= df["wounded"]).all() and (df["personnel_medevac"] <= df["wounded"]).all()
    assert (df["medevac_granted"] <= df["medevac_requests"]).all()
    assert (df["vehicles_lost"] == df["vehicles_destroyed"] + df["vehicles_abandoned"]).all()
    assert (df["trucks_lost"] <= df["vehicles_lost"]).all()
    if sc.vehicle_types:
        fixed = df["vehicles_repaired"] + df["vehicles_towed"] + df["vehicles_abandoned"]
        assert (df["vehicles_damaged"] == fixed).all()
        for what in ("killed", "wounded"):
            split = df[f"{what}_crew"] + df[f"{what}_passengers"] + df[f"{what}_contractors"]
            assert (df[what] == split).all(), what
    assert (df["flights_granted"] + df["flights_denied"] == df["flight_requests"]).all()
    assert (df["exit_hours"] <= df["last_arrival_hours"]).all()


def test_conservation_two_bases(two_bases: Scenario) -> None:
    df = des.simulate(two_bases, 0, 150, seed=5)
    check_conservation(two_bases, df)
    # the scenario exercises what it is meant to
    assert df["cargo_boxes_road"].sum() > 0 and df["cargo_guns_air"].sum() > 0
    assert df["cargo_boxes_lost"].sum() > 0 and df["cargo_food_road"].sum() > 0
    assert df["cargo_cars_lost"].sum() > 0 and df["personnel_killed"].sum() > 0
    assert df["forced_early"].any() and (~df["forced_early"]).any()
    assert df["road_requests"].sum() > 0 and df["trucks_lost"].sum() > 0


def test_conservation_kidal(kidal: Scenario, kidal_shuttle: Scenario) -> None:
    held = des.simulate(kidal, 0, 100, seed=2)
    check_conservation(kidal, held)
    shuttle = des.simulate(kidal_shuttle, 0, 25, seed=2)
    check_conservation(kidal_shuttle, shuttle)
    # the people model's fates are exercised: medevac, deaths of wounds, seat vehicles, towing,
    # and (shuttling lift trucks) abandoned vehicles and killed contractor crews
    assert held["personnel_medevac"].sum() > 0 and held["died_of_wounds"].sum() > 0
    assert held["seat_vehicles"].sum() > 0 and held["vehicles_towed"].sum() > 0
    assert shuttle["vehicles_abandoned"].sum() > 0 and shuttle["killed_contractors"].sum() > 0


def test_determinism(two_bases: Scenario) -> None:
    a = des.simulate(two_bases, 3, 20, seed=9)
    b = des.simulate(two_bases, 3, 20, seed=9)
    pd.testing.assert_frame_equal(a, b)
    c = des.simulate(two_bases, 3, 20, seed=10)
    assert not a.equals(c)
    # a replication's outcome does not depend on the range it is run in
    one = des.simulate(two_bases, 7, 1, seed=9)
    pd.testing.assert_frame_equal(one, a[a["replication"] == 7].reset_index(drop=True))


def test_points_and_common_random_numbers(two_bases: Scenario) -> None:
    a = des.simulate(two_bases, 0, 5, seed=4, point=0)
    b = des.simulate(two_bases, 0, 5, seed=4, point=3)
    assert (b["point"] == 3).all()
    pd.testing.assert_frame_equal(a.drop(columns="point"), b.drop(columns="point"))
    c = des.simulate(two_bases, 0, 5, seed=4, point=3, crn=False)
    assert not a.drop(columns="point").equals(c.drop(columns="point"))


@pytest.mark.parametrize("replication", [0, 4])
def test_trace_equals_simulate(two_bases: Scenario, replication: int) -> None:
    tr = des.trace(two_bases, seed=6, replication=replication)
    df = des.simulate(two_bases, replication, 1, seed=6)
    pd.testing.assert_frame_equal(tr.bases, df)
    assert list(tr.events.columns) == list(outcomes.TRACE_EVENT_COLUMNS)
    assert list(tr.legs.columns) == list(outcomes.TRACE_LEG_COLUMNS)
    legs, ev = tr.legs, tr.events
    # legs add up to the table's counts, per base
    for col in ("ied_strikes", "ambushes", "breakdowns"):
        assert legs.groupby("base")[col].sum().reindex(df["base"], fill_value=0).tolist() == df[col].tolist()
    per_kind = ev["kind"].value_counts()
    assert per_kind.get("ied", 0) == df["ied_strikes"].sum()
    assert per_kind.get("ambush", 0) == df["ambushes"].sum()
    assert per_kind.get("breakdown", 0) == df["breakdowns"].sum()
    assert ev["vehicles_destroyed"].sum() == df["vehicles_lost"].sum()
    assert ev["wounded"].sum() == df["wounded"].sum() and ev["killed"].sum() == df["killed"].sum()
    assert (legs["halt_hours"] >= -1e-9).all() and (legs["arrive_hours"] >= legs["depart_hours"]).all()
    assert ev["time_hours"].is_monotonic_increasing
    # road hours: each drive (outbound, return, final) from its first departure to its last arrival
    drives = legs.groupby(["base", "convoy", "kind"]).agg(t0=("depart_hours", "min"), t1=("arrive_hours", "max"))
    road = (drives["t1"] - drives["t0"]).groupby(level="base").sum()
    assert road.reindex(df["base"]).fillna(0).to_numpy() == pytest.approx(df["road_hours"].to_numpy(), abs=1e-6)


def test_trace_equals_simulate_with_breakdown_losses(kidal: Scenario) -> None:
    """Kidal's final convoy has ~25 breakdowns a pass; in the people model (MODEL.md §11) each
    damages a vehicle, repaired with p 0.95, else towed or abandoned (a breakdown destroys nothing,
    so its records show no vehicle destroyed): the traced path (a record per breakdown) and the
    untraced one draw alike, damaged vehicles that were not repaired included."""
    breakdowns = not_repaired = 0
    for r in range(6):
        tr = des.trace(kidal, seed=2, replication=r)
        df = des.simulate(kidal, r, 1, seed=2)
        pd.testing.assert_frame_equal(tr.bases, df)
        ev = tr.events
        on_breakdowns = ev.loc[ev["kind"] == "breakdown"]
        assert len(on_breakdowns) == int(df["breakdowns"].sum())
        assert (on_breakdowns["vehicles_destroyed"] == 0).all()
        breakdowns += len(on_breakdowns)
        not_repaired += int((df["vehicles_towed"] + df["vehicles_abandoned"]).sum())
    assert breakdowns >= 6 * 15 and not_repaired > 0


def test_trace_kinds(two_bases: Scenario) -> None:
    kinds: set[str] = set()
    for r in range(6):
        kinds |= set(des.trace(two_bases, seed=6, replication=r).events["kind"])
    assert {"flight_request", "road_request", "convoy_depart", "convoy_arrive", "ied", "ambush",
            "breakdown", "loading_start", "loading_end", "final_departure"} <= kinds
    assert {"early_exit", "cutoff", "destruction"} <= kinds


def test_scalar_advance_matches_rules(two_bases: Scenario) -> None:
    """The engine's float ``advance`` (``rules.Clock``) is bit-identical to ``rules.advance``."""
    static = Static(two_bases)
    assert isinstance(static.clock, rules.Clock) and static.advance == static.clock.advance
    rng = np.random.default_rng(0)
    t = np.concatenate([rng.uniform(-30, 900, 20000), np.arange(-30.0, 900.0, 0.5)])
    h = np.concatenate([rng.exponential(15, 20000), np.tile([0.0, 1.0, 2.0, 13.0, 26.0], 372)])
    ref = rules.advance(two_bases, t, h)
    clock = rules.Clock(two_bases)
    mine = np.array([clock.advance(a, b) for a, b in zip(t.tolist(), h.tolist(), strict=True)])
    assert np.array_equal(ref, mine)
    assert np.array_equal(ref, [static.advance(a, b) for a, b in zip(t.tolist(), h.tolist(), strict=True)])


def test_scalar_loading_arithmetic_matches_rules(two_bases: Scenario, kidal: Scenario) -> None:
    """The engine's integer ``truckloads`` and ``load`` equal ``rules``' on random pools."""
    rng = np.random.default_rng(1)
    for sc in (two_bases, kidal):
        static = Static(sc)
        for _ in range(500):
            pool = {c: int(rng.integers(0, 400)) for c in static.truck_classes}
            trucks = int(rng.integers(0, 300))
            assert static.truckloads(pool) == int(rules.truckloads(sc, pool))
            units, used = static.load(pool, trucks)
            ref_units, ref_used = rules.load(sc, pool, trucks)
            assert units == {c: int(v) for c, v in ref_units.items()}
            assert used == {c: int(v) for c, v in ref_used.items()}


def test_fixed_p_grant_matches_rules(kidal: Scenario) -> None:
    """An authorization whose periods all begin before the run reads one fixed p_grant, equal to
    ``rules.p_grant_at`` at every time of the run; one with a later period has none."""
    static = Static(kidal)
    held = static.p_road  # p_grant 0.8, held at 0 from 24 Sep: before the run starts on 1 Oct
    assert held.fixed == 0.0
    for t in np.linspace(static.start_hours, 2000.0, 97).tolist():
        assert held.fixed == float(rules.p_grant_at(kidal, kidal.road_movements, t)) == held(t)
    later = load_scenario(KIDAL, ["road_movements.p_grant_periods=[{from: 2023-11-01, p: 0.0}]"])
    p = rules.PGrant(later, later.road_movements, Static(later).start_hours)
    assert p.fixed is None and p(0.0) == 0.8 and p(later.hours(later.calendar.deadline)) == 0.0


@pytest.mark.parametrize(("trucks", "teams", "makespan"), [(10, 4, 6.0), (8, 4, 4.0), (1, 4, 2.0), (7, 1, 14.0),
                                                         (0, 3, 0.0)])
def test_loading_by_teams(trucks: int, teams: int, makespan: float) -> None:
    """``ceil(trucks/teams)`` loads of 2 h; every team released; a truck costs one event, a team two
    (request, release), and the end one more."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=teams)
    done = loading(env, res, trucks, 2.0)
    env.run()
    assert done.processed and env.now == makespan and res.count == 0 and not res.queue
    assert next(env._eid) == trucks + 2 * min(trucks, teams) + 1


def _loading_per_truck(env: simpy.Environment, teams: simpy.Resource, trucks: int, hours: float) -> simpy.Event:
    """The reference: a team request per truck, released when that truck is loaded."""
    done, left = env.event(), [trucks]

    def loaded(ev: simpy.Event) -> None:
        teams.release(ev.value)
        left[0] -= 1
        if left[0] == 0:
            done.succeed()

    for _ in range(trucks):
        teams.request().callbacks.append(lambda req: env.timeout(hours, req).callbacks.append(loaded))
    return done


def test_loading_with_busy_teams_matches_a_request_per_truck() -> None:
    """Teams held elsewhere: each truck starts as soon as a team is free, as with a request per
    truck (2 of 3 teams busy 0-5 h, 6 trucks of 2 h from 0.5 h: the free team loads 3 trucks by
    6.5 h and the 6th by 8.5 h, the others one each, 5-7 h), over 200 random cases."""
    rng = np.random.default_rng(11)
    cases = [(3, [(0.0, 5.0), (0.0, 5.0)], 0.5, 6, 2.0)]
    for _ in range(200):
        capacity = int(rng.integers(1, 5))
        holds = [(float(rng.integers(0, 8)), float(rng.integers(1, 12))) for _ in range(int(rng.integers(0, 6)))]
        cases.append((capacity, holds, float(rng.integers(0, 10)) + 0.5, int(rng.integers(1, 15)),
                      float(rng.choice([0.5, 1.5, 2.0]))))
    for i, (capacity, holds, start, trucks, hours) in enumerate(cases):
        env_a, env_b = simpy.Environment(), simpy.Environment()
        ends = []
        for env, load in ((env_a, loading), (env_b, _loading_per_truck)):
            res = simpy.Resource(env, capacity=capacity)
            for t0, dt in holds:
                env.process(_hold(env, res, t0, dt))
            env.run(until=start)
            done = load(env, res, trucks, hours)
            env.run(until=done)
            ends.append(env.now)
            env.run()
            assert res.count == 0 and not res.queue
        assert ends[0] == ends[1], (capacity, holds, start, trucks, hours)
        if i == 0:
            assert ends[0] == 8.5


def _hold(env: simpy.Environment, res: simpy.Resource, t0: float, dt: float):
    yield env.timeout(t0)
    with res.request() as req:
        yield req
        yield env.timeout(dt)


def test_replications_leave_little_cyclic_garbage(kidal: Scenario, kidal_shuttle: Scenario) -> None:
    """A finished replication must be freed by reference counting, not left to the cycle collector:
    when a chain's event held the chain, every replication became cyclic garbage and collection took
    20-30 % of the run time. SimPy's environment and resources are cyclic by construction (bound
    classes), about 10 objects each; the bound leaves room for those only."""
    for sc in (kidal, kidal_shuttle):
        static = Static(sc)
        gc.collect()
        enabled = gc.isenabled()
        gc.disable()
        try:
            for _ in replications(static, 4, 0, 10):
                pass
            found = gc.collect()
        finally:
            if enabled:
                gc.enable()
        assert found <= 10 * 40, f"{sc.name}: {found / 10:.0f} objects in cycles per replication"


def test_kidal_trucks_held(kidal: Scenario) -> None:
    """Trucks held in Gao: nothing goes by truck; the cut-off destroys by priority."""
    df = des.simulate(kidal, 0, 60, seed=3)
    base = kidal.bases["kidal"]
    assert (df["cargo_containers_road"] == 0).all() and (df["cargo_sensitive_road"] == 0).all()
    driven = [c for c, cls in kidal.cargo_classes.items() if cls.self_propelled]
    assert len(driven) >= 2
    # only the final convoys: the self-propelled units and the seat vehicles (MODEL.md §7, §10)
    assert df["seat_vehicles"].max() > 0
    n_final = -(-(sum(base.cargo[c] for c in driven) + df["seat_vehicles"]) // kidal.convoy.max_vehicles)
    assert (df["convoys"] == n_final).all()
    assert (df["road_requests"] > 0).all() and (df["trucks_lost"] == 0).all()
    left = df["cargo_containers_destroyed"] + df["cargo_containers_abandoned"]
    assert (left == base.cargo["containers"]).all()
    # sensitive items (priority 3) are destroyed before any container (priority 1)
    some_containers = df["cargo_containers_destroyed"] > 0
    assert (df.loc[some_containers, "cargo_sensitive_abandoned"] == 0).all()
    for c in driven:
        assert (df[f"cargo_{c}_road"] + df[f"cargo_{c}_lost"] == base.cargo[c]).all(), c


def test_kidal_trucks_shuttle(kidal_shuttle: Scenario) -> None:
    """Without the hold the 200 trucks shuttle and carry containers out."""
    df = des.simulate(kidal_shuttle, 0, 12, seed=3)
    assert (df["cargo_containers_road"] > 0).mean() > 0.5
    assert (df["convoys"] > 1).all()
    tr = des.trace(kidal_shuttle, seed=3, replication=0)
    lift_legs = tr.legs[tr.legs["kind"] != "final"]
    assert len(lift_legs) > 0
    assert (lift_legs["vehicles"] == lift_legs["trucks"] + lift_legs["escorts"]).all()


# ---------------------------------------------------------------- final-convoy streams (DESIGN.md §3)

def test_lift_rounds_do_not_shift_final_convoy_draws() -> None:
    """Final convoys draw from their own streams: holding or releasing the lift (0 or dozens of lift
    convoys) leaves every replication's final-convoy outcome unchanged when its departure is."""
    held = des.simulate(never_empties(0.0), 0, 150, seed=5)
    released = des.simulate(never_empties(1.0), 0, 150, seed=5)
    assert (held["convoys"] == 2).all() and (held["cargo_containers_road"] == 0).all()
    assert released["convoys"].mean() > 8 and released["cargo_containers_road"].mean() > 20
    last_final = held["leave_by_hours"].iloc[0] + 1.0  # the second final convoy, 1 h after leave-by
    assert (held["exit_hours"] == last_final).all() and (released["exit_hours"] == last_final).all()
    assert held["personnel_killed"].mean() > 0.3 and held["cargo_vehicles_lost"].mean() > 0.3  # not trivial
    pd.testing.assert_frame_equal(held[FINAL_ONLY], released[FINAL_ONLY])
