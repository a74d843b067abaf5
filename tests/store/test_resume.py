"""Reopening a results folder: the sink an experiment streams parts to, ``recorded`` marking a run
interrupted or failed, and ``reopen`` refusing a folder that is not the experiment's."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.experiments.executors import Chunk
from sim.model.errors import ScenarioError, StoreError
from sim.model.loader import validate
from sim.store.resume import manifest_design, reopen, require
from sim.store.runstore import RunStore, recorded
from tests.helpers.builders import changed, tiny


@pytest.fixture
def sc():
    return validate(tiny())


def test_part_sink_writes_lists_and_reads_parts(sc, results_root) -> None:
    store = RunStore.create(results_root, sc, "run", "des", 1, 10)
    sink = store.sink()
    df = pd.DataFrame({"replication": [0, 1], "x": [0.5, 1.5]})
    sink.write("p000000-u0000000", Chunk(df))
    assert sink.finished() == {"p000000-u0000000": 2}
    pd.testing.assert_frame_equal(sink.read("p000000-u0000000"), df)
    assert RunStore.open(store.path).sink().finished() == {"p000000-u0000000": 2}
    assert store.sink("runs").finished() == {}


@pytest.mark.parametrize(("error", "status"), [(KeyboardInterrupt, "interrupted"), (RuntimeError, "failed")])
def test_recorded_marks_the_folder(sc, results_root, error: type[BaseException], status: str) -> None:
    store = RunStore.create(results_root, sc, "run", "des", 1, 10)
    with pytest.raises(error) as caught, recorded(store, 0.0):
        raise error("stop")
    m = store.manifest
    assert m["status"] == status and caught.value.results_path == str(store.path)  # type: ignore[attr-defined]
    assert ("error" in m["extra"]) == (status == "failed")
    with pytest.raises(error), recorded(None, 0.0):  # nothing to record
        raise error("stop")


def test_reopen_checks_kind_settings_and_scenario(sc, results_root) -> None:
    store = RunStore.create(results_root, sc, "run", "des", 5, 30)
    store.finish("interrupted", 1.0)
    again, settings = reopen(store.path, "run", scenario=sc)
    assert (settings.engine, settings.replications, settings.seed) == ("des", 30, 5)
    assert again.manifest["status"] == "running"
    assert reopen(store.path, "run", "des", 30, 5)[1] == settings  # the same settings, given again
    with pytest.raises(ScenarioError, match="not a sweep results folder"):
        reopen(store.path, "sweep")
    with pytest.raises(ScenarioError, match="seed 5, not 6"):
        reopen(store.path, "run", seed=6)
    with pytest.raises(ScenarioError, match="engine 'des', not 'batch'"):
        reopen(store.path, "run", engine="batch")
    with pytest.raises(ScenarioError, match="not the scenario"):
        reopen(store.path, "run", scenario=changed(tiny(), flights__p_grant=0.9))
    with pytest.raises(StoreError, match="not a results folder"):
        reopen(results_root / "nothing", "run")


def test_require_and_manifest_design(sc, results_root) -> None:
    store = RunStore.create(results_root, sc, "sweep", "des", 5, 30, design={"n_points": 3})
    assert manifest_design(store) == {"n_points": 3}
    require(store, "scenario.yaml")
    with pytest.raises(StoreError, match="has no points.parquet"):
        require(store, "scenario.yaml", "points.parquet")
    assert manifest_design(RunStore.create(results_root, sc, "run", "des", 5, 30)) == {}
