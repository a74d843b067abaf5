"""The result schema: the per-base table and its roll-up per replication."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engines.batch import simulate
from sim.model import outcomes
from sim.model.loader import load_scenario
from tests.helpers.paths import KIDAL, PHASE2


def _bases(path: Path = PHASE2) -> tuple:
    sc = load_scenario(path)
    parts = [simulate(sc, 0, 0, 200, seed=1).assign(point=p) for p in range(3)]
    return sc, outcomes.finish_bases(sc, pd.concat(parts, ignore_index=True))


@pytest.mark.parametrize("path", [PHASE2, KIDAL])
def test_roll_up_fast_path_equals_groupby(path: Path) -> None:
    """Sorted tables take the reshape path; shuffled ones the groupby path: the same numbers (with
    several bases, and with one, where the base's columns are the totals)."""
    sc, bases = _bases(path)
    fast = outcomes.roll_up(sc, bases)
    cols = {c: bases[c].to_numpy() for c in bases.columns}
    assert outcomes.roll_up_columns(sc, cols, len(bases)) is not None
    shuffled = bases.sample(frac=1.0, random_state=3)
    assert outcomes.roll_up_columns(sc, {c: shuffled[c].to_numpy() for c in bases.columns}, len(bases)) is None
    pd.testing.assert_frame_equal(fast, outcomes.roll_up(sc, shuffled).reset_index(drop=True))
    assert list(fast.columns) == outcomes.run_columns(sc) and len(fast) == 3 * 200


def test_finish_bases_types_and_order() -> None:
    sc, bases = _bases()
    assert list(bases.columns) == outcomes.base_columns(sc)
    assert all(bases[c].dtype == np.int64 for c in outcomes.cargo_columns(sc))
    keys = list(zip(bases["point"], bases["replication"], bases["base"], strict=True))
    assert keys == sorted(keys)
