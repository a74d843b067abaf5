"""The command line's output step (``sim.cli.common.write_outputs``, issue 19): the report takes
the tables the run holds in memory instead of reading them again, the chart counter follows
``--quiet``, and ``withdrawal-sim bench`` finds the chart benchmark (timing nothing here)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim.report.charts
import sim.report.geojson
import sim.report.results
from sim.cli.main import main
from tests.helpers.paths import KIDAL

ROOT = Path(__file__).resolve().parents[2]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def parquet_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables read back from disk by ``sim.report.results.read_table`` (their file names)."""
    reads: list[str] = []
    real = pd.read_parquet

    def counting(p: Any, *a: Any, **k: Any) -> pd.DataFrame:
        reads.append(Path(p).name)
        return real(p, *a, **k)

    monkeypatch.setattr(sim.report.results.pd, "read_parquet", counting)
    return reads


@pytest.fixture
def no_drawing(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Charts and GeoJSON replaced by recorders (the report is still written): their keyword arguments."""
    calls: list[dict[str, Any]] = []

    def charts(path: Any, sc: Any = None, tables: Any = None, **kw: Any) -> list[Path]:
        calls.append({"tables": tables, **kw})
        return []

    monkeypatch.setattr(sim.report.charts, "write_charts", charts)
    monkeypatch.setattr(sim.report.geojson, "write_geojson", lambda *a, **k: [])
    return calls


def test_the_report_of_a_run_takes_the_tables_in_memory(tmp_path: Path, fake_engine: None,
                                                        no_drawing: list, parquet_reads: list[str]) -> None:
    out = tmp_path / "r"
    assert main(["run", str(KIDAL), "-n", "6", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "The answer" in text and "6 runs" in text
    assert parquet_reads == []  # neither runs nor bases read back from the folder
    assert set(no_drawing[0]["tables"]) >= {"runs", "bases"}


def test_the_report_of_a_folder_reads_no_per_base_table_it_does_not_need(tmp_path: Path, fake_engine: None,
                                                                         parquet_reads: list[str]) -> None:
    from sim.report.html import write_report

    out = tmp_path / "r"
    assert main(["run", str(KIDAL), "-n", "6", "--seed", "3", "--out", str(out), "--quiet", "--no-charts"]) == 0
    parquet_reads.clear()
    text = write_report(out, charts=False).read_text(encoding="utf-8")
    assert "6 runs" in text
    assert not any(name.startswith("bases") for name in parquet_reads), parquet_reads
    assert any(name.startswith("runs") for name in parquet_reads), parquet_reads


@pytest.mark.parametrize(("flags", "progress"), [(["--quiet"], False), ([], True)])
def test_the_chart_counter_follows_quiet(tmp_path: Path, fake_engine: None, no_drawing: list,
                                         monkeypatch: pytest.MonkeyPatch, flags: list[str], progress: bool) -> None:
    monkeypatch.setattr(sys, "stderr", _Terminal())  # as if on a terminal: only --quiet silences it
    assert main(["run", str(KIDAL), "-n", "4", "--out", str(tmp_path / "r"), "--format", "json", *flags]) == 0
    assert no_drawing and no_drawing[0]["progress"] is progress


def test_bench_finds_the_chart_benchmark(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``bench --only bench_charts --quick`` runs it; its subprocess runs are replaced by fixed figures."""
    import benchmarks.bench_charts as bc
    from sim.cli.bench import available

    assert "bench_charts" in available(ROOT)
    sizes: list[int] = []

    def measured(n: int, charts: bool, scenario: object = None) -> dict[str, float]:
        sizes.append(n)
        peak = 130.0 if charts else 100.0
        return {"simulation_s": 2.0, "charts_s": 1.0, "report_s": 0.5, "peak_mb_simulation": 90.0,
                "peak_mb_charts": 110.0, "peak_mb": peak}

    monkeypatch.setattr(bc, "measure_in_subprocess", measured)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--only", "bench_charts", "--out", str(out)]) == 1  # 1.3x: a missed target
    assert sizes == [10_000, 10_000, 100_000, 100_000]  # quick: 10^4 and 10^5, without and with charts
    import json

    res = json.loads(out.read_text())["results"]["bench_charts"]
    assert res["peak_memory_vs_no_charts[100000]"]["value"] == pytest.approx(1.3)
    assert res["charts_vs_simulation_time[10000]"]["ok"] is True
