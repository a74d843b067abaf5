"""Sobol and Morris indices of a metric (SALib) over the fake engine's known dependencies, their
independence from numpy's global state, and the indices table in a results folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.api.sweeps import sensitivity
from sim.experiments.designs import parse_parameter
from sim.model.errors import ScenarioError
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL


def test_sensitivity_tables() -> None:
    ps = [parse_parameter("convoy.max_vehicles", {"low": 30, "high": 150}),
          parse_parameter("flights.p_grant", {"low": 0.0, "high": 0.9})]
    s = sensitivity(KIDAL, ps, "completion_hours", "sobol", n=16, replications=4, engine="des", seed=1,
                    simulate=fe.simulate_unit)
    assert list(s.indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(s.sweep.points) == 16 * 4
    idx = s.indices.set_index("parameter")
    # completion depends on p_grant only in the fake engine
    # (n = 16 base samples: the estimate is rough, the zero is exact)
    assert idx.loc["flights.p_grant", "ST"] > 0.5 and idx.loc["flights.p_grant", "ST_conf"] > 0
    assert abs(idx.loc["convoy.max_vehicles", "ST"]) < 1e-12
    m = sensitivity(KIDAL, ps, "wounded", "morris", n=6, replications=4, engine="des", seed=1,
                    simulate=fe.simulate_unit)
    assert list(m.indices.columns) == ["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    mi = m.indices.set_index("parameter")
    assert mi.loc["convoy.max_vehicles", "mu_star"] > 0 and mi.loc["flights.p_grant", "mu_star"] == 0


def test_sensitivity_ignores_global_random_state() -> None:
    """SALib falls back to numpy's global state for a seed of 0; ours never does."""
    ps = [parse_parameter("convoy.max_vehicles", {"low": 30, "high": 150}),
          parse_parameter("flights.p_grant", {"low": 0.0, "high": 0.9})]
    tables = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)  # noqa: NPY002 - the point is that this must not matter
        s = sensitivity(KIDAL, ps, "completion_hours", "sobol", n=8, replications=2, engine="des", seed=1,
                        design_seed=0, simulate=fe.simulate_unit)
        tables.append(s.indices)
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_sensitivity_writes_its_indices_to_the_results_folder(tmp_path: Path) -> None:
    ps = [parse_parameter("convoy.max_vehicles", {"low": 30, "high": 150}),
          parse_parameter("flights.p_grant", {"low": 0.0, "high": 0.9})]
    out = tmp_path / "sens"
    s = sensitivity(KIDAL, ps, "wounded", "morris", n=4, replications=2, engine="des", seed=1,
                    simulate=fe.simulate_unit, out=out)
    assert s.sweep.path == out
    pd.testing.assert_frame_equal(pd.read_csv(out / "sensitivity_morris.csv"), s.indices, check_dtype=False)
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["status"] == "complete"
    assert m["extra"]["sensitivity"] == {"method": "morris", "metric": "wounded", "n": 4, "design_seed": 0}
    memory = sensitivity(KIDAL, ps, "wounded", "morris", n=4, replications=2, engine="des", seed=1,
                         simulate=fe.simulate_unit)
    assert memory.sweep.path is None
    pd.testing.assert_frame_equal(memory.indices, s.indices)


def test_bad_sensitivity_arguments() -> None:
    ps = [parse_parameter("flights.p_grant", {"low": 0.0, "high": 0.9})]
    with pytest.raises(ScenarioError, match="power of two"):
        sensitivity(KIDAL, ps, "wounded", "sobol", n=6, replications=2, engine="des", simulate=fe.simulate_unit)
