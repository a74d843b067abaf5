"""The Python API without surprises (issue 19, item 8): library calls write nothing unless given
``out=`` (run in an empty working directory), ``sweep_file`` runs a sweep file, what a user needs
to build a sweep is exported, and ``withdrawal_sim`` is an import name that a local ``sim.py``
does not shadow."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from setuptools import find_packages

import sim
import withdrawal_sim
from sim.experiments.sweep import SweepResult

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def _sweep_spec(tmp_path: Path, scenario: Path) -> Path:
    spec = {"description": "two flight rates", "scenario": str(scenario), "replications": 12, "seed": 5,
            "metrics": ["on_time", "wounded"],
            "design": {"kind": "grid", "parameters": {"flights.p_grant": [0.2, 0.8]}}}
    path = tmp_path / "specs" / "sweep.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # Sobol of 4 points
def test_library_calls_write_nothing_without_out(tiny_path: Path, tmp_path: Path, empty_cwd: Path,
                                                 fake_trace: None) -> None:
    spec = _sweep_spec(tmp_path, tiny_path)
    before_tmp = _files(tmp_path)
    grid = sim.Design("grid", (sim.Parameter("flights.p_grant", values=(0.1, 0.9)),))
    sim.run(tiny_path, replications=8, seed=1)
    sim.trace(tiny_path, seed=1)
    sim.sweep(tiny_path, grid, replications=6, seed=1)
    sim.sweep_file(spec)
    sim.compare(tiny_path, {"flights.p_grant": 1.0}, replications=6, seed=1)
    sim.sensitivity(tiny_path, [sim.Parameter("flights.p_grant", low=0.0, high=1.0)], "wounded",
                    method="sobol", n=4, replications=2, seed=1)
    assert _files(empty_cwd) == set()          # no results/ folder, no charts, nothing
    assert _files(tmp_path) == before_tmp       # nor anywhere else under the test's folder


def test_sweep_file_runs_a_sweep_file(tiny_path: Path, tmp_path: Path, empty_cwd: Path,
                                      fake_engine: None) -> None:
    spec = _sweep_spec(tmp_path, tiny_path)
    res = sim.sweep_file(spec)
    assert isinstance(res, SweepResult) and res.path is None
    assert res.points["flights.p_grant"].tolist() == [0.2, 0.8]
    assert len(res.table) == 2 * 12 and res.metrics == ["on_time", "wounded"]
    fewer = withdrawal_sim.sweep_file(spec, replications=3, out=tmp_path / "out")
    assert len(fewer.table) == 2 * 3 and fewer.path == tmp_path / "out"
    assert (tmp_path / "out" / "manifest.json").is_file() and _files(empty_cwd) == set()


def test_a_sweep_built_in_python_from_the_exported_names(tiny_path: Path, empty_cwd: Path,
                                                        fake_engine: None) -> None:
    for name in ("Design", "Parameter", "parse_design", "parse_parameter", "SweepResult", "CompareResult",
                 "SensitivityResult", "load_sweep", "sweep", "sweep_file"):
        assert name in sim.__all__ and name in withdrawal_sim.__all__, name
    ws = withdrawal_sim
    design = ws.Design("grid", (ws.Parameter("flights.p_grant", values=(0.1, 0.9)),
                                ws.Parameter("convoy.max_vehicles", values=(10, 20))))
    same = ws.parse_design({"kind": "grid", "parameters": {"flights.p_grant": [0.1, 0.9],
                                                           "convoy.max_vehicles": [10, 20]}})
    assert design.points().equals(same.points()) and len(design.points()) == 4
    res = ws.sweep(tiny_path, design, replications=4, seed=2)
    assert isinstance(res, ws.SweepResult) and len(res.table) == 16


def test_withdrawal_sim_is_sim_under_its_own_name() -> None:
    assert withdrawal_sim.__all__ == sim.__all__
    for name in withdrawal_sim.__all__:
        assert getattr(withdrawal_sim, name) is getattr(sim, name), name
    with pytest.raises(AttributeError):
        _ = withdrawal_sim.no_such_name


def _python(cwd: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_local_sim_py_does_not_shadow_withdrawal_sim(tmp_path: Path) -> None:
    (tmp_path / "sim.py").write_text("'my own notes'\n", encoding="utf-8")
    shadowed = _python(tmp_path, "import sim; print(hasattr(sim, 'run'))")
    assert shadowed.stdout.split() == ["False"]  # the problem the canonical name solves
    res = _python(tmp_path, "import withdrawal_sim as ws; import sim.api; "
                            "print(ws.run is sim.api.run, ws.Design.__module__)")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["True", "sim.experiments.designs"]
    late = _python(tmp_path, "import sim; import withdrawal_sim")
    assert late.returncode != 0 and "a different module named 'sim' is already imported" in late.stderr


def test_both_names_are_packaged() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = set(find_packages(str(ROOT), include=include))
    assert {"sim", "sim.api", "withdrawal_sim"} <= packages
    assert not {p for p in packages if p.startswith(("tests", "studies", "benchmarks"))}
