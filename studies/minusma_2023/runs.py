"""Runs of the case study, through the library's one execution path (in memory)."""

from __future__ import annotations

import pandas as pd

from sim.api.runs import run
from sim.model.schema import Scenario


def simulate_runs(sc: Scenario, engine: str, replications: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(bases, runs)`` of ``replications`` replications of ``sc`` (nothing written)."""
    res = run(sc, engine=engine, replications=replications, seed=seed)
    return res.bases, res.runs
