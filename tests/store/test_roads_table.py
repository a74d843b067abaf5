"""The ``roads`` table in a results folder: parts per chunk written before the chunk's bases part,
``roads.parquet`` at the end; a resumed run ends with the table of an uninterrupted one, and
``check-results --repair`` re-runs a chunk whose roads part is damaged (real engines, fixed seeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim.engines.dispatch
from sim.api.repair import check_results, repair
from sim.api.runs import run
from sim.model import traffic
from sim.store.runstore import ROADS, RunStore

RUN: dict[str, Any] = {"engine": "des", "replications": 120, "seed": 4}
"""Three chunks of the SimPy engine (50, 50, 20 replications)."""


def test_parts_and_table(tiny_path: Path, tmp_path: Path) -> None:
    res = run(tiny_path, out=tmp_path / "a", **RUN)
    m = RunStore.open(res.path, resume=False).manifest
    assert set(m["parts"][ROADS]) == set(m["parts"]["bases"])
    assert "roads.parquet" in m["files"]
    roads = pd.read_parquet(res.path / "roads.parquet")
    assert list(roads.columns) == list(traffic.ROADS_COLUMNS)
    assert (roads["replications"] == 120).all() and roads["convoy_passages"].sum() > 0
    assert roads["ied_strikes"].sum() + roads["ambushes"].sum() == res.bases["ied_strikes"].sum() + \
        res.bases["ambushes"].sum()


def test_a_resumed_run_has_the_roads_table_of_an_uninterrupted_one(tiny_path: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    whole = run(tiny_path, out=tmp_path / "whole", **RUN)
    real = sim.engines.dispatch.simulate_units
    calls = [0]

    def stops_at_the_second_chunk(*args: Any, **kwargs: Any) -> pd.DataFrame:
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", stops_at_the_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        run(tiny_path, out=tmp_path / "cut", **RUN)
    assert not (tmp_path / "cut" / "roads.parquet").exists()
    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", real)
    resumed = run(tiny_path, resume=tmp_path / "cut")
    pd.testing.assert_frame_equal(pd.read_parquet(resumed.path / "roads.parquet"),
                                  pd.read_parquet(whole.path / "roads.parquet"))


def test_repair_re_runs_a_damaged_roads_part(tiny_path: Path, tmp_path: Path) -> None:
    res = run(tiny_path, out=tmp_path / "a", **RUN)
    store = RunStore.open(res.path, resume=False)
    pid = sorted(store.done_parts(ROADS))[1]
    part = store.part_path(ROADS, pid)
    before = pd.read_parquet(part)
    part.write_bytes(part.read_bytes()[:100])
    check = check_results(res.path)
    assert [(d.table, d.part_id) for d in check.damaged] == [(ROADS, pid)]
    fixed = repair(res.path)
    assert fixed.clean and fixed.repaired == [pid]
    pd.testing.assert_frame_equal(pd.read_parquet(part), before)
