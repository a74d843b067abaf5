"""The commands ``sweep``, ``compare`` and ``sensitivity``: bad sweep files exit 2 naming the
field, results folders written, resume."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from tests.helpers.paths import KIDAL


def _cli(args: list[str]) -> int:
    from sim.cli.main import main

    return main(args)


def test_cli_bad_sweep_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        "scenario: nowhere.yaml\ndesign: {kind: grid, parameters: {flights.p_grant: [0.1]}}\n": "scenario",
        f"scenario: {KIDAL}\ndesign: {{kind: grid, parameters: {{flights.p_grnt: [0.1]}}}}\n": "flights.p_grnt",
        f"scenario: {KIDAL}\ndesign: {{kind: lhs, parameters: {{flights.p_grant: {{low: 0, high: 1}}}}}}\n": "design.n",
        f"scenario: {KIDAL}\nreplications: -3\ndesign: {{kind: grid, parameters: {{flights.p_grant: [0.1]}}}}\n":
            "replications",
        f"scenario: {KIDAL}\nmetrix: [on_time]\ndesign: {{kind: grid, parameters: {{flights.p_grant: [0.1]}}}}\n":
            "metrix",
    }
    for i, (text, field) in enumerate(cases.items()):
        f = tmp_path / f"bad{i}.yaml"
        f.write_text(text)
        out = tmp_path / f"out{i}"
        assert _cli(["sweep", str(f), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert field in err and "Traceback" not in err
        assert not out.exists()


def test_cli_sweep_and_compare_with_batch_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"scenario: {os.path.relpath(KIDAL, tmp_path)}\nreplications: 40\nseed: 3\n"
                    "metrics: [on_time, wounded]\n"
                    "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.9], convoy.max_vehicles: [50, 150]}}\n")
    out = tmp_path / "sw"
    assert _cli(["sweep", str(spec), "--out", str(out), "--no-charts", "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 * 40
    out2 = tmp_path / "cmp"
    assert _cli(["compare", str(KIDAL), "--set-variant", "convoy.max_vehicles=50", "--replications", "40",
                 "--out", str(out2), "--no-charts", "--quiet"]) == 0
    table = pd.read_csv(out2 / "compare.csv")
    assert {"diff_mean", "variance_reduction"} <= set(table.columns)
    assert _cli(["compare", str(KIDAL), "--replications", "10", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    capsys.readouterr()


def test_cli_compare_stores_and_charts_its_results(tmp_path: Path, fake_engine, capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(KIDAL), "--set-variant", "convoy.max_vehicles=50", "--engine", "des",
                 "--replications", "12", "--metrics", "wounded,on_time", "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    table = pd.read_csv(out / "compare.csv")
    assert table["metric"].tolist() == ["wounded", "on_time"]
    assert (out / "runs_baseline.parquet").is_file() and (out / "runs_variant.parquet").is_file()
    assert (out / "charts" / "paired.png").is_file() and (out / "report.html").is_file()
    assert "Paired comparison" in (out / "report.html").read_text(encoding="utf-8")


def test_cli_sweep_resume_and_sensitivity(tmp_path: Path, fake_engine, capsys) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"scenario: {KIDAL}\nreplications: 6\nseed: 3\nengine: des\nmetrics: [on_time, wounded]\n"
                    "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.9]}}\n")
    out = tmp_path / "sw"
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 0
    assert {"sweep_on_time_flights_p_grant.png", "network.png"} <= {p.name for p in (out / "charts").iterdir()}
    # resuming a finished sweep redoes nothing and keeps its tables
    before = pd.read_parquet(out / "runs.parquet")
    assert main(["sweep", str(spec), "--resume", str(out), "--quiet", "--no-charts"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)
    assert main(["sweep", str(spec), "--resume", str(out), "--seed", "4", "--quiet"]) == 2
    assert "seed" in capsys.readouterr().err
    sens = tmp_path / "sens.yaml"
    sens.write_text(f"scenario: {KIDAL}\nmethod: morris\nmetric: wounded\nn: 4\nreplications: 2\nengine: des\n"
                    "parameters: {convoy.max_vehicles: {low: 30, high: 150}, flights.p_grant: {low: 0, high: 0.9}}\n")
    out2 = tmp_path / "sens"
    assert main(["sensitivity", str(sens), "--out", str(out2), "--quiet"]) == 0
    assert len(pd.read_csv(out2 / "sensitivity_morris.csv")) == 2
    assert (out2 / "charts" / "tornado.png").is_file()
    bad = tmp_path / "bad_sens.yaml"
    bad.write_text(sens.read_text().replace("method: morris", "method: sobol").replace("n: 4", "n: 6"))
    assert main(["sensitivity", str(bad), "--out", str(tmp_path / "x"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "power of two" in err and not (tmp_path / "x").exists()
