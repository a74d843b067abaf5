"""The command line in a real ``python -m sim`` process: bad input exits 2 with one paragraph and
no traceback, and a real run writes its tables, charts and report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import assert_bad_input
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.integration


def _subprocess(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("WITHDRAWAL_SIM_TRACEBACK", None)
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout, check=False)


@pytest.mark.parametrize("case", ["empty", "unknown_key", "bad_set"])
def test_no_traceback_in_a_real_process(case, tmp_path, tiny_scenario, write_scenario, results_root):
    data = tiny_scenario()
    args: list[str] = []
    field = None
    if case == "empty":
        path = tmp_path / "empty.yaml"
        path.write_text("")
    elif case == "bad_set":
        path = write_scenario(data)
        args, field = ["--set", "roads.7.km=1"], "--set roads.7.km"
    else:
        data["convoy"]["max_vehicels"] = 3
        path, field = write_scenario(data), "convoy.max_vehicels"
    res = _subprocess(["run", str(path), *args, "--results-root", str(results_root)])
    assert_bad_input(res.returncode, res.stderr, path, field, results_root)
    assert res.stdout == ""


def test_help_and_version_in_a_real_process() -> None:
    res = _subprocess(["--help"])
    assert res.returncode == 0 and "validate" in res.stdout and "sweep" in res.stdout
    res = _subprocess(["--version"])
    assert res.returncode == 0 and res.stdout.startswith("withdrawal-sim ")


@pytest.mark.slow
def test_real_run_in_a_process_with_charts(kidal_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = _subprocess(["run", str(kidal_path), "--replications", "500", "--out", str(out)], timeout=600)
    assert res.returncode == 0, res.stderr
    assert "P(out by deadline)" in res.stdout
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert {"network.png", "completion.png"} <= {p.name for p in (out / "charts").iterdir()}
    assert (out / "report.html").is_file()
