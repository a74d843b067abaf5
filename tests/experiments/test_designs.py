"""Designs: exact expansion (grid sizes, LHS strata, Sobol balance) and path checks before running."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.experiments.designs import (
    Design,
    Parameter,
    check_paths,
    explicit_points,
    parse_design,
    point_scenarios,
    sobol_exponent,
)
from sim.model.loader import ScenarioError, read_yaml
from tests.helpers.paths import KIDAL


@pytest.fixture(scope="module")
def raw() -> dict:
    return read_yaml(KIDAL)


def test_grid_size_is_the_product_of_the_axes() -> None:
    d = parse_design({"kind": "grid", "parameters": {
        "flights.p_grant": [0.1, 0.5, 0.9],
        "convoy.max_vehicles": {"range": [50, 150, 25]},
        "sites.kidal.leave_by": {"low": dt.date(2023, 10, 25), "high": dt.date(2023, 11, 14), "num": 3},
    }})
    pts = d.points()
    assert len(pts) == 3 * 5 * 3
    assert list(pts.columns) == ["point", "flights.p_grant", "convoy.max_vehicles", "sites.kidal.leave_by"]
    assert pts["point"].tolist() == list(range(45))
    assert sorted(pts["convoy.max_vehicles"].unique()) == [50, 75, 100, 125, 150]
    assert pts["convoy.max_vehicles"].dtype == np.int64
    dates = sorted(pts["sites.kidal.leave_by"].unique())
    assert [pd.Timestamp(x).to_pydatetime() for x in dates] == [
        dt.datetime(2023, 10, 25), dt.datetime(2023, 11, 4), dt.datetime(2023, 11, 14)]
    # every combination exactly once
    assert not pts.drop(columns="point").duplicated().any()


def test_grid_float_range_and_linspace() -> None:
    p = Parameter("flights.p_grant", low=0.0, high=1.0, step=0.25)
    assert p.grid_values() == [0.0, 0.25, 0.5, 0.75, 1.0]
    p = Parameter("flights.p_grant", low=0.0, high=1.0, num=3)
    assert p.grid_values() == [0.0, 0.5, 1.0]
    p = Parameter("sites.kidal.leave_by", low=dt.date(2023, 10, 1), high=dt.date(2023, 10, 8), step=7)
    assert p.grid_values() == [dt.datetime(2023, 10, 1), dt.datetime(2023, 10, 8)]


def test_lhs_one_point_per_stratum_per_dimension() -> None:
    n = 20
    d = parse_design({"kind": "lhs", "n": n, "seed": 4, "parameters": {
        "flights.p_grant": {"low": 0.0, "high": 1.0},
        "threats.levels.high.ied_rate_per_100km": {"low": 0.1, "high": 0.5},
        "sites.kidal.leave_by": {"low": dt.date(2023, 10, 1), "high": dt.date(2023, 10, 21)},
    }})
    pts = d.points()
    assert len(pts) == n
    u0 = pts["flights.p_grant"].to_numpy()
    u1 = (pts["threats.levels.high.ied_rate_per_100km"].to_numpy() - 0.1) / 0.4
    hours = (pts["sites.kidal.leave_by"] - pd.Timestamp("2023-10-01")).dt.total_seconds().to_numpy() / 3600
    u2 = hours / (20 * 24)
    for u in (u0, u1):
        assert sorted(np.floor(u * n).astype(int)) == list(range(n))
    # dates are rounded to the minute, so allow the boundary minute
    strata = np.floor(u2 * n + 1e-9).astype(int).clip(0, n - 1)
    assert len(set(strata)) >= n - 1
    # same seed, same points
    pd.testing.assert_frame_equal(pts, d.points())


def test_lhs_integer_parameter_is_rounded_and_covers_the_range() -> None:
    d = Design("lhs", (Parameter("convoy.max_vehicles", low=1, high=4),), n=8, seed=1)
    vals = d.points()["convoy.max_vehicles"]
    assert vals.dtype == np.int64
    assert sorted(vals.value_counts().to_dict().items()) == [(1, 2), (2, 2), (3, 2), (4, 2)]


def test_sobol_balance_and_power_of_two() -> None:
    assert sobol_exponent(16) == 4 and sobol_exponent(10) == 4 and sobol_exponent(1) == 0
    d = parse_design({"kind": "sobol", "n": 10, "seed": 2, "parameters": {
        "flights.p_grant": {"low": 0.0, "high": 1.0},
        "threats.levels.high.ied_rate_per_100km": {"low": 0.0, "high": 1.0},
    }})
    pts = d.points()
    assert len(pts) == 16  # rounded up to a power of two
    for c in ("flights.p_grant", "threats.levels.high.ied_rate_per_100km"):
        # a (0, m, d)-net: every 1/16 interval of each axis holds exactly one point
        assert sorted(np.floor(pts[c].to_numpy() * 16).astype(int)) == list(range(16))
    # and each 1/4 × 1/4 square holds exactly one of the 16 points
    cells = np.floor(pts.iloc[:, 1:].to_numpy() * 4).astype(int)
    assert len({tuple(c) for c in cells}) == 16


def test_bad_designs_are_named() -> None:
    with pytest.raises(ScenarioError, match="design.kind"):
        parse_design({"kind": "factorial", "parameters": {"flights.p_grant": [0.1]}}, "s.yaml")
    with pytest.raises(ScenarioError, match="design.n"):
        parse_design({"kind": "lhs", "parameters": {"flights.p_grant": {"low": 0, "high": 1}}}, "s.yaml")
    with pytest.raises(ScenarioError, match="need bounds"):
        parse_design({"kind": "lhs", "n": 4, "parameters": {"flights.p_grant": [0.1, 0.2]}}, "s.yaml")
    with pytest.raises(ScenarioError, match="below low"):
        parse_design({"kind": "lhs", "n": 4, "parameters": {"flights.p_grant": {"low": 1, "high": 0}}}, "s.yaml")
    with pytest.raises(ScenarioError, match="s.yaml: design.parameters.flights.p_grant.lo"):
        parse_design({"kind": "grid", "parameters": {"flights.p_grant": {"lo": 0}}}, "s.yaml")


@pytest.mark.parametrize("path", ["flights.p_grnt", "fleet.lifts.gao_nrth.trucks", "convoy.max_vehicles.x",
                                  "sites.kidall.leave_by", "nothing"])
def test_bad_paths_rejected_before_running(raw: dict, path: str) -> None:
    pts = explicit_points(pd.DataFrame({path: [1]})).points()
    with pytest.raises(ScenarioError) as err:
        point_scenarios(raw, pts, KIDAL)
    assert err.value.field == path
    assert str(KIDAL) in str(err.value)


def test_bad_value_names_path_and_point(raw: dict) -> None:
    pts = explicit_points(pd.DataFrame({"flights.p_grant": [0.5, 1.5], "convoy.max_vehicles": [50, 60]})).points()
    with pytest.raises(ScenarioError, match=r"at point 1 \(flights.p_grant=1.5\)") as err:
        point_scenarios(raw, pts, KIDAL)
    assert err.value.field == "flights.p_grant"


def test_valid_paths_give_one_scenario_per_point(raw: dict) -> None:
    d = parse_design({"kind": "grid", "parameters": {
        "fleet.lifts.gao_north.trucks": [0, 200],
        "road_movements.p_grant_periods.0.p": [0.0, 1.0],
        "mitigations.escort.speed_factor": [1.0],  # a default not written in the file
    }})
    scs = point_scenarios(raw, d.points(), KIDAL)
    assert len(scs) == 4
    assert [s.fleet.lifts["gao_north"].trucks for s in scs] == [0, 0, 200, 200]
    assert [s.road_movements.p_grant_periods[0].p for s in scs] == [0.0, 1.0, 0.0, 1.0]
    check_paths(raw, ["sites.kidal.early_exit.from"])
