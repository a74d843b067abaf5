"""The installed package works without the checkout: a wheel built from the source imports and
runs a scenario from a folder that holds nothing of the repository, and ``bench`` says what to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel's contents unpacked into a folder of their own (the site-packages of an install)."""
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src")
    # build from a copy of the tracked files, as a fresh clone would
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, src / f)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, text=True)
    wheels = list(out.glob("withdrawal_sim-*.whl"))
    assert len(wheels) == 1, wheels
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheels[0]) as z:
        names = z.namelist()
        assert not [n for n in names if n.startswith(("studies/", "benchmarks/", "tests/", "scenarios/"))], names
        # the borders and Leaflet the maps read from the package (no network at run time)
        assert {"sim/report/data/countries.geojson", "sim/report/data/leaflet/leaflet.js",
                "sim/report/data/leaflet/leaflet.css", "sim/report/data/leaflet/LICENSE",
                "sim/report/data/README.md"} <= set(names), names
        z.extractall(site)
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_installed_package_runs_a_scenario(installed: Path, tmp_path: Path) -> None:
    shutil.copy(ROOT / "scenarios" / "kidal_2023.yaml", tmp_path / "kidal.yaml")
    code = (f"import sim; assert sim.__file__.startswith({str(installed)!r}), sim.__file__; "
            "r = sim.run('kidal.yaml', replications=64, seed=3); print(len(r.runs), r.path)")
    res = _run(installed, tmp_path, "-c", code)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["64", "None"]
    res = _run(installed, tmp_path, "-m", "sim", "run", "kidal.yaml", "-n", "64", "--quiet", "--out", "out")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "runs.parquet").is_file() and (tmp_path / "out" / "report.html").is_file()
    assert (tmp_path / "out" / "charts" / "network.png").is_file() and (tmp_path / "out" / "network.geojson").is_file()
    assert "charts_error" not in (tmp_path / "out" / "manifest.json").read_text()


def test_installed_bench_says_what_to_do(installed: Path, tmp_path: Path) -> None:
    res = _run(installed, tmp_path, "-m", "sim", "bench", "--quick")
    assert res.returncode == 2
    assert "source checkout" in res.stderr and "Traceback" not in res.stderr
