"""The Python entry points ``sim.run`` and ``sim.trace``: in memory unless asked to write, a
results folder with ``out=`` or ``results_root=`` (tables only: charts and the report are the
command line's), resume, and the lazy names of ``import sim``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim
import sim.api
from sim.api import RunResult, TraceResult, resolve_scenario, run, trace
from sim.model.errors import ScenarioError
from sim.model.loader import load_scenario
from tests.helpers import fake_engine as fe


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_run_writes_nothing_by_default(tiny_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       fake_engine: None) -> None:
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    res = run(tiny_path, engine="des", replications=30, seed=2)
    assert isinstance(res, RunResult) and res.path is None
    assert _files(tmp_path) == before  # no results/ folder, nothing at all
    assert (res.engine, res.replications, res.seed) == ("des", 30, 2)
    assert res.runs["replication"].tolist() == list(range(30)) and len(res.bases) == 30
    assert {"on_time", "wounded"} <= set(res.summary["metric"])


def test_run_with_out_or_results_root_writes_tables_only(tiny_path: Path, tmp_path: Path,
                                                         fake_engine: None) -> None:
    res = run(tiny_path, engine="des", replications=60, seed=2, out=tmp_path / "out")
    assert res.path == tmp_path / "out"
    files = _files(res.path)
    assert {"manifest.json", "scenario.yaml", "bases.parquet", "runs.parquet", "summary.csv"} <= files
    assert not any(f.startswith("charts/") for f in files) and "report.html" not in files
    pd.testing.assert_frame_equal(pd.read_parquet(res.path / "runs.parquet"), res.runs)
    m = json.loads((res.path / "manifest.json").read_text())
    assert (m["kind"], m["status"], m["extra"]["source"]) == ("run", "complete", str(tiny_path))
    assert sum(m["parts"]["bases"].values()) == 60
    memory = run(tiny_path, engine="des", replications=60, seed=2)
    pd.testing.assert_frame_equal(memory.bases, res.bases)
    in_root = run(tiny_path, engine="des", replications=5, seed=2, results_root=tmp_path / "root",
                  extra={"note": "x"})
    assert in_root.path is not None and in_root.path.parent == tmp_path / "root"
    assert json.loads((in_root.path / "manifest.json").read_text())["extra"]["note"] == "x"


def test_run_resumes_an_interrupted_folder(tiny_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           fake_engine: None) -> None:
    import sim.engines.dispatch

    def stop_at_unit_60(sc, engine, unit, seed, point=0, crn=True):  # noqa: ANN001, ANN202
        if unit.index == 60:
            raise KeyboardInterrupt
        return fe.simulate_unit(sc, engine, unit, seed, point, crn)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", fe.chunk_of(stop_at_unit_60))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(tiny_path, engine="des", replications=120, seed=2, out=out)
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    ran: list[int] = []

    def count(sc, engine, unit, seed, point=0, crn=True):  # noqa: ANN001, ANN202
        ran.append(unit.index)
        return fe.simulate_unit(sc, engine, unit, seed, point, crn)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", fe.chunk_of(count))
    res = run(tiny_path, resume=out)
    assert min(ran) == 50 and len(ran) == 70  # the first chunk (50) was kept
    assert (res.engine, res.replications, res.seed, res.path) == ("des", 120, 2, out)
    ref = run(tiny_path, engine="des", replications=120, seed=2)
    pd.testing.assert_frame_equal(res.runs, ref.runs)
    with pytest.raises(ScenarioError, match="not the scenario"):
        run(tiny_path, resume=out, overrides=["flights.p_grant=0.9"])
    with pytest.raises(ScenarioError, match="replications"):
        run(tiny_path, resume=out, replications=7)


def test_trace_in_memory_and_in_a_folder(tiny_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        fake_trace: None) -> None:
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    tr = trace(tiny_path, seed=4, replication=3)
    assert isinstance(tr, TraceResult) and tr.path is None and _files(tmp_path) == before
    assert tr.runs["replication"].tolist() == [3] and len(tr.legs) > 0 and len(tr.events) > 0
    assert {"on_time", "wounded"} <= set(tr.summary["metric"])
    out = trace(tiny_path, seed=4, replication=3, out=tmp_path / "t")
    assert {"bases.parquet", "runs.parquet", "events.parquet", "convoys.parquet", "summary.csv"} <= _files(out.path)
    m = json.loads((out.path / "manifest.json").read_text())
    assert (m["kind"], m["engine"], m["replications"], m["extra"]["replication"]) == ("trace", "des", 1, 3)
    with pytest.raises(ScenarioError, match="replication"):
        trace(tiny_path, replication=-1)


def test_resolve_scenario(tiny_path: Path) -> None:
    sc, where = resolve_scenario(tiny_path, ["flights.p_grant=0.9"])
    assert sc.flights.p_grant == 0.9 and where == str(tiny_path)
    same, name = resolve_scenario(sc)
    assert same is sc and name == "<scenario tiny>"
    with pytest.raises(ValueError, match="overrides apply to scenario files"):
        resolve_scenario(sc, {"flights.p_grant": 0.1})


def test_the_lazy_names_of_sim() -> None:
    """Every name ``import sim`` lists resolves, to the entry points of ``sim.api`` and the layers."""
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    assert sim.run is sim.api.run and sim.trace is sim.api.trace
    assert sim.sweep is sim.api.sweep and sim.sweep_file is sim.api.sweep_file
    assert sim.compare is sim.api.compare and sim.sensitivity is sim.api.sensitivity
    assert sim.load_scenario is load_scenario
    with pytest.raises(AttributeError):
        _ = sim.no_such_name
