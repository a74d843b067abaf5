"""The SimPy engine's security state and night (MODEL.md §15-§16): a block whose regimes change
nothing changes no table but for its new columns (the stream ``security`` is separate); regimes and
the night scale threats, hazards and grants; the new columns; the trace's regime changes."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from sim.engines.batch import simulate as batch_simulate
from sim.engines.des import simulate, trace
from sim.engines.des.air_cover import AirCoverDays
from sim.engines.des.engine import build
from sim.engines.des.security import Regimes
from sim.engines.des.state import Static
from sim.engines.streams import Streams
from sim.model import outcomes
from sim.model.loader import validate
from sim.model.schema import Scenario
from tests.helpers.builders import SECURITY_BLOCK as SECURITY
from tests.helpers.builders import people_medevac, two_bases

MEDEVAC = {"p_grant": 0.5, "decision_delay_hours": {"mean": 2.0, "cv": 0.5}, "retry_hours": 3.0, "flight_hours": 1.0}


def scenario(security: dict[str, Any] | None = SECURITY, **convoy: Any) -> dict[str, Any]:
    d = two_bases()
    d["medevac"] = copy.deepcopy(MEDEVAC)
    d["died_of_wounds"] = {"hours": [1.0, 6.0, 24.0], "p": [0.05, 0.15, 0.3]}
    d["convoy"].update(convoy)
    if security is not None:
        d["security"] = copy.deepcopy(security)
    return d


def one_regime(**factors: Any) -> dict[str, Any]:
    """A security state of one regime with ``factors``, no change ever."""
    return {"initial": "only", "regimes": {"only": factors}}


def neutral(security: dict[str, Any]) -> dict[str, Any]:
    """``security`` with every regime's factors 1 (the same chain)."""
    out = copy.deepcopy(security)
    out["regimes"] = {name: {} for name in out["regimes"]}
    return out


def des(d: dict[str, Any], n: int = 60, seed: int = 4) -> pd.DataFrame:
    return simulate(validate(d), 0, n, seed)


def test_regimes_of_factor_one_change_no_table_but_add_their_columns() -> None:
    for convoy in ({}, {"daylight_only": False}):  # by day only; at any hour (night flags drawn)
        plain = des(scenario(None, **convoy))
        with_block = des(scenario(neutral(SECURITY), **convoy))
        sc = validate(scenario(neutral(SECURITY)))
        extra = outcomes.security_columns(sc)
        assert extra == ["security_calm_days", "security_tense_days", "security_fighting_days"]
        assert list(with_block.columns) == outcomes.base_columns(sc)
        pd.testing.assert_frame_equal(plain, with_block.drop(columns=extra))
    night_of_ones = scenario(None, daylight_only=False)
    night_of_ones["calendar"]["night"] = {"ied_rate_factor": 1.0, "ambush_rate_factor": 1.0, "speed_factor": 1.0}
    pd.testing.assert_frame_equal(des(night_of_ones), des(scenario(None, daylight_only=False)))


def test_security_columns_match_the_batch_table_and_the_path() -> None:
    sc = validate(scenario())
    t = des(scenario(), n=40)
    b = batch_simulate(sc, 0, 0, 40, seed=4)
    assert list(t.columns) == list(b.columns) == outcomes.base_columns(sc)
    cols = outcomes.security_columns(sc)
    days = t[cols].to_numpy()
    per_rep = days.reshape(-1, len(sc.bases), len(cols))
    assert (per_rep == per_rep[:, :1, :]).all()  # the same on every base of a replication
    np.testing.assert_allclose(days.sum(axis=1), sc.hours(sc.calendar.deadline) / 24.0, rtol=1e-12)
    assert (days[:, 2] >= 3.0 - 1e-9).all()  # the forced offensive's three held days (before the deadline)
    runs = outcomes.roll_up(sc, t)
    np.testing.assert_array_equal(runs[cols].to_numpy(), per_rep[:, 0, :])


def test_a_regime_without_threat_has_no_attacks_and_one_with_more_has_more() -> None:
    base = des(scenario(None), n=80)
    quiet = des(scenario(one_regime(ied_rate_factor=0.0, ambush_rate_factor=0.0)), n=80)
    hot = des(scenario(one_regime(ied_rate_factor=3.0, ambush_rate_factor=3.0)), n=80)
    assert base["ied_strikes"].sum() > 0 and base["ambushes"].sum() > 0
    assert quiet["ied_strikes"].sum() == 0 and quiet["ambushes"].sum() == 0
    assert hot["ied_strikes"].sum() > 2 * base["ied_strikes"].sum()
    assert hot["ambushes"].sum() > 2 * base["ambushes"].sum()


def test_stationary_attacks_take_the_ambush_factor() -> None:
    d = scenario(None)
    d["threats"]["levels"]["high"]["stationary_attack_rate_per_hour"] = 0.05
    base = des(d, n=40)
    d["security"] = one_regime(ambush_rate_factor=0.0)
    quiet = des(d, n=40)
    assert base["stationary_attacks"].sum() > 0
    assert quiet["stationary_attacks"].sum() == 0


def test_grant_factors_by_purpose() -> None:
    base = des(scenario(None), n=40)
    no_flights = des(scenario(one_regime(grant_factors={"personnel_flights": 0.0, "cargo_flights": 0.0})), n=40)
    assert base["flights_granted"].sum() > 0
    assert no_flights["flights_granted"].sum() == 0 and no_flights["flight_requests"].sum() > 0
    only_cargo = des(scenario(one_regime(grant_factors={"personnel_flights": 0.0})), n=40)
    assert only_cargo["personnel_air"].sum() == 0 and only_cargo["flights_granted"].sum() > 0
    no_road = des(scenario(one_regime(grant_factors={"road_movements": 0.0})), n=10)
    assert no_road["road_requests"].sum() > 0
    assert (no_road["cargo_boxes_road"] == 0).all()
    always = des(scenario(one_regime(grant_factors={"personnel_flights": 10.0, "cargo_flights": 10.0})), n=40)
    assert (always["flights_denied"] == 0).all()  # min(1, 0.4 · 10): every try granted


def test_medevac_grant_factor() -> None:
    d = people_medevac()
    base = des(d, n=80)
    d["security"] = one_regime(grant_factors={"medevac": 0.0})
    never = des(d, n=80)
    d["security"] = one_regime(grant_factors={"medevac": 2.0})
    always = des(d, n=80)
    assert base["medevac_requests"].sum() > 0 and 0 < base["medevac_granted"].sum() < base["medevac_requests"].sum()
    assert never["medevac_granted"].sum() == 0 and never["medevac_requests"].sum() > 0
    assert (always["medevac_granted"] == always["medevac_requests"]).all()  # one try each, granted


def test_early_exit_factor() -> None:
    never = des(scenario(one_regime(early_exit_factor=0.0)), n=40)
    assert not never["forced_early"].any()
    assert des(scenario(one_regime(early_exit_factor=20.0)), n=40).query("base == 'north'")["forced_early"].all()


def test_air_cover_grant_factor_at_the_day_start() -> None:
    d = scenario(SECURITY)
    d["air_cover"] = {"p_grant": 1.0}
    sc = validate(d)
    static = Static(sc)
    assert static.security is not None
    fighting = static.security.names.index("fighting")
    calm = static.security.names.index("calm")
    # calm to day 3's start plus an hour, fighting from then: day 3 covered, day 4 not
    day3 = 3 * 24.0 - static.hour0
    air = AirCoverDays(static, Streams(1, "des", unit=0), Regimes(static.security, [0.0, day3 + 1.0], [calm, fighting]))
    assert air.covered(day3 + 12.0)
    assert not air.covered(day3 + 24.0)


def test_night_factors_and_moving_by_night() -> None:
    def with_night(**night: float) -> dict[str, Any]:
        d = scenario(None, daylight_only=False, moves="night")
        d["calendar"]["night"] = night
        return d
    base = des(scenario(None, daylight_only=False, moves="night"), n=60)
    dark = des(with_night(ied_rate_factor=0.0, ambush_rate_factor=0.0), n=60)
    assert base["ied_strikes"].sum() > 0
    assert dark["ied_strikes"].sum() == 0 and dark["ambushes"].sum() == 0
    slow = des(with_night(speed_factor=0.5), n=60)
    assert slow["road_hours"].sum() > base["road_hours"].sum()
    # by day only, night factors never apply
    by_day = scenario(None)
    by_day["calendar"]["night"] = {"ied_rate_factor": 0.0, "speed_factor": 0.5}
    pd.testing.assert_frame_equal(des(by_day), des(scenario(None)))


def _path(sc: Scenario, seed: int, replication: int) -> Regimes:
    rep = build(Static(sc), seed, replication)
    assert rep.regimes is not None
    return rep.regimes


def test_the_trace_records_each_regime_change() -> None:
    sc = validate(scenario())
    seen = 0
    for replication in range(6):
        tr = trace(sc, seed=3, replication=replication)
        ev = tr.events
        regime = ev[ev["kind"] == "regime"]
        path = _path(sc, 3, replication)
        end = ev["time_hours"].max()
        expect = [(t, path.plan.names[k]) for t, k in zip(path.times[1:], path.regs[1:], strict=True) if t <= end]
        assert list(zip(regime["time_hours"], regime["detail"], strict=True)) == expect
        assert (regime["base"] == "").all()
        assert ev["time_hours"].is_monotonic_increasing
        seen += len(regime)
        for t in regime["time_hours"]:  # a change comes before other events at its time
            kinds = ev.loc[ev["time_hours"] == t, "kind"].tolist()
            assert kinds == sorted(kinds, key=lambda k: k != "regime")
    assert seen > 6
    plain = trace(validate(scenario(None)), seed=3)
    assert not (plain.events["kind"] == "regime").any()
