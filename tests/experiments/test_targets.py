"""Replications until a precision target: targets met or the cap reached, the first n replications
those of a plain run of n, none run twice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.api.sweeps import sweep
from sim.engines.streams import BLOCK_SIZE
from sim.experiments.targets import run_until
from sim.model.loader import ScenarioError
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL


def test_run_until_reaches_targets_and_cap() -> None:
    res = run_until(KIDAL, {"on_time": 0.03, "wounded": 0.5}, max_replications=2000, engine="des", seed=3,
                    simulate=fe.simulate_unit)
    assert res.met and res.replications <= 2000
    assert (res.reached["halfwidth"] <= res.reached["target"]).all()
    assert len(res.runs) == res.replications
    assert res.runs["replication"].tolist() == list(range(res.replications))
    capped = run_until(KIDAL, {"on_time": 0.001}, max_replications=120, engine="des", seed=3,
                       simulate=fe.simulate_unit)
    assert not capped.met and capped.replications == 120
    # the first n replications are those of a plain run of n
    ref = sweep(KIDAL, pd.DataFrame({"flights.p_grant": [0.1]}), replications=120, engine="des", seed=3,
                simulate=fe.simulate_unit)
    np.testing.assert_array_equal(capped.runs["completion_hours"], ref.table["completion_hours"])


@pytest.mark.parametrize("first", [None, 55])
def test_run_until_runs_no_replication_twice(first: int | None) -> None:
    """The module's promise: one plan grows into the next and no replication is run twice, also
    when a plan ends inside a part (55 replications: the last part of 10 holds 5)."""
    seen: list[int] = []

    def count(sc, engine, unit, seed, point=0, crn=True):  # noqa: ANN001, ANN202 - the simulate signature
        seen.extend(range(unit.first, unit.first + unit.count))
        return fe.simulate_unit(sc, engine, unit, seed, point, crn)

    res = run_until(KIDAL, {"wounded": 0.3}, max_replications=3000, engine="des", seed=1, min_replications=first,
                    simulate=count)
    assert res.replications > (first or 50)  # it grew
    assert sorted(seen) == list(range(res.replications))


def test_batch_starts_at_one_whole_block() -> None:
    seen: list[tuple[int, int]] = []

    def count(sc, engine, unit, seed, point=0, crn=True):  # noqa: ANN001, ANN202
        seen.append((unit.first, unit.count))
        return fe.simulate_unit(sc, engine, unit, seed, point, crn)

    res = run_until(KIDAL, {"wounded": 100.0}, engine="batch", seed=1, simulate=count)
    assert res.met and res.replications == BLOCK_SIZE and seen == [(0, BLOCK_SIZE)]


def test_run_until_checks_its_arguments() -> None:
    with pytest.raises(ScenarioError, match="targets.wounded"):
        run_until(KIDAL, {"wounded": 0.0}, engine="des", simulate=fe.simulate_unit)
    with pytest.raises(ScenarioError, match="metrics"):
        run_until(KIDAL, {"woundd": 1.0}, engine="des", simulate=fe.simulate_unit)
    with pytest.raises(ScenarioError, match="max_replications"):
        run_until(KIDAL, {"wounded": 1.0}, max_replications=0, engine="des", simulate=fe.simulate_unit)
