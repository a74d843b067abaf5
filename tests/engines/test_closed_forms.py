"""Closed forms of DESIGN.md §1 checked on the SimPy engine (fixed seeds, stated tolerances)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.engines import des
from sim.model import rules
from sim.model.network import routes
from sim.model.schema import Scenario
from tests.helpers.builders import changed, one_road


def build(**changes: Any) -> Scenario:
    """``one_road()`` (base ``alpha``, 60 + 40 km via ``mid``) with changes at ``a__b__c`` paths, validated."""
    return changed(one_road(), **changes)


def z_poisson_mean(x: np.ndarray, lam: float) -> float:
    return (x.mean() - lam) / math.sqrt(lam / x.size)


def z_proportion(hits: np.ndarray, p: float) -> float:
    return (hits.mean() - p) / math.sqrt(p * (1 - p) / hits.size)


def test_strikes_on_a_leg_are_poisson() -> None:
    """One final convoy on one 100 km hot road, no effects: IED strikes ~ Poisson(0.7), ambushes
    ~ Poisson(0.3). Mean and P(0) within |z| < 4 over 2000 replications."""
    sc = build(roads=[{"from": "alpha", "to": "hub", "km": 100, "terrain": "track", "threat": "hot"}],
               waypoints={})
    df = des.simulate(sc, 0, 2000, seed=11)
    for col, lam in (("ied_strikes", 0.7), ("ambushes", 0.3)):
        x = df[col].to_numpy()
        assert abs(z_poisson_mean(x, lam)) < 4, col
        assert abs(z_proportion(x == 0, math.exp(-lam))) < 4, col


def test_p_road_is_all_tries_denied() -> None:
    """One personnel sortie, zero decision delay, p = 0.3, retry 24 h, give up after 48 h: k = 3
    tries, P(personnel by road) = 0.7³. |z| < 4 over 2000 replications."""
    sc = build(**{"sites__alpha__personnel_air_planned": 10,
                  "sites__alpha__airstrip": {"sorties_per_day": 1, "seats_per_sortie": 10},
                  "flights": {"p_grant": 0.3, "retry_hours": 24, "give_up_hours": 48}})
    k = math.floor(48 / 24) + 1
    df = des.simulate(sc, 0, 2000, seed=12)
    by_road = df["personnel_road"].to_numpy() == 10
    assert abs(z_proportion(by_road, 0.7**k)) < 4
    assert set(df["flight_requests"]) <= {1, 2, 3}
    assert np.all((df["personnel_air"] == 10) == (df["flights_granted"] == 1))


def test_drive_time_with_daylight_halts_is_exact() -> None:
    """Leave at 15:00 on day 2 (t = 39 h): 3 h to mid (18:00 sharp), halt, 2 h from 06:00: 56 h."""
    sc = build(convoy={"daylight_only": True})
    df = des.simulate(sc, 0, 3, seed=1)
    assert df["exit_hours"].tolist() == [39.0] * 3
    assert df["last_arrival_hours"].tolist() == [56.0] * 3
    assert df["road_hours"].tolist() == [17.0] * 3
    tr = des.trace(sc, seed=1)
    legs = tr.legs
    assert legs[["a", "b"]].values.tolist() == [["alpha", "mid"], ["mid", "hub"]]
    assert legs["arrive_hours"].tolist() == [42.0, 56.0]
    assert legs["halt_hours"].tolist() == [0.0, 12.0]


def test_drive_time_without_daylight_rule() -> None:
    sc = build()
    df = des.simulate(sc, 0, 1, seed=1)
    assert df["last_arrival_hours"].iloc[0] == 39.0 + 5.0


@pytest.mark.parametrize(("trucks", "teams", "makespan"), [(10, 4, 6.0), (8, 4, 4.0), (1, 4, 2.0), (7, 1, 14.0)])
def test_loading_makespan_with_teams(trucks: int, teams: int, makespan: float) -> None:
    """A lift of ``trucks`` trucks loads at a base with ``teams`` teams of 2 h per truck:
    the loading takes ceil(trucks/teams)·2 h, exactly."""
    sc = build(**{
        "cargo_classes": {"vehicles": {"self_propelled": True}, "boxes": {"units_per_truck": 1}},
        "sites__alpha__cargo": {"vehicles": 2, "boxes": trucks},
        "sites__alpha__withdraw_from": "2024-01-02T00:00",
        "sites__alpha__loading": {"teams": teams, "hours_per_truck_load": 2.0},
        "fleet": {"lifts": {"l": {"hub": "hub", "trucks": 50, "serves": ["alpha"]}}},
    })
    loading = sc.bases["alpha"].loading
    assert float(rules.loading_hours(trucks, loading.teams, loading.hours_per_truck_load)) == makespan
    tr = des.trace(sc, seed=3)
    ev = tr.events
    start = ev.loc[ev["kind"] == "loading_start", "time_hours"].to_numpy()
    end = ev.loc[ev["kind"] == "loading_end", "time_hours"].to_numpy()
    assert start.tolist() == [24.0 + 5.0]  # the convoy leaves the hub at withdraw_from, 5 h drive
    assert (end - start).tolist() == [makespan]
    row = tr.bases.iloc[0]
    assert row["cargo_boxes_road"] == trucks
    # truck convoy back at 24 + 5 + makespan + 5; the base empties when loading ends
    assert row["exit_hours"] == 24.0 + 5.0 + makespan
    assert row["last_arrival_hours"] == 24.0 + 10.0 + makespan


def test_route_is_the_one_drawn() -> None:
    sc = build()
    assert [(s.a, s.b) for s in routes(sc)["alpha"]] == [("alpha", "mid"), ("mid", "hub")]
