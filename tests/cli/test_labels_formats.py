"""Issue 19 (command line): runs labelled by their overrides, --set-file and counterfactual files,
sweep --resume without the spec, tables that fit 80 columns, --format, show, input warnings,
plain errors with "did you mean", bench targets, one quantile method."""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.cli.main import main
from tests.helpers.paths import KIDAL

CF = KIDAL.parent / "counterfactuals" / "all_flights_granted.yaml"
SETS = ["--set", "flights.p_grant=0.76", "--set", "road_movements.p_grant_periods=[]"]


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_override_run_is_labelled_in_title_and_manifest(tmp_path: Path, fake_engine, capsys) -> None:
    out = tmp_path / "r"
    assert main(["run", str(KIDAL), "-n", "8", *SETS, "--out", str(out), "--no-charts"]) == 0
    text = capsys.readouterr().out
    assert "flights.p_grant=0.76, road_movements.p_grant_periods=[]" in " ".join(text.split())
    m = _manifest(out)
    assert m["overrides"] == {"flights.p_grant": 0.76, "road_movements.p_grant_periods": []}
    assert m["label"] == "flights.p_grant=0.76, road_movements.p_grant_periods=[]"
    assert m["override_files"] == [] and m["warnings"] == []
    out2 = tmp_path / "r2"
    assert main(["run", str(KIDAL), "-n", "8", "--set-file", str(CF), "--label", "every flight",
                 "--out", str(out2), "--no-charts"]) == 0
    assert "kidal_2023 [every flight]" in capsys.readouterr().out
    m2 = _manifest(out2)
    assert m2["label"] == "every flight" and m2["overrides"] == {"flights.p_grant": 1.0}
    assert m2["override_files"] == [str(CF)]


def test_set_file_matches_set_and_validate_checks_a_counterfactual(tmp_path: Path, fake_engine, capsys) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(KIDAL), "-n", "8", "--set-file", str(CF), "--out", str(a), "--quiet", "--no-charts"]) == 0
    assert main(["run", str(KIDAL), "-n", "8", "--set", "flights.p_grant=1.0", "--out", str(b), "--quiet",
                 "--no-charts"]) == 0
    assert _manifest(a)["scenario"]["sha256"] == _manifest(b)["scenario"]["sha256"]
    assert _manifest(a)["label"] == "all_flights_granted"
    capsys.readouterr()
    assert main(["validate", str(KIDAL), "--set-file", str(CF)]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["validate", str(CF)]) == 2
    assert "--set-file" in capsys.readouterr().err


def test_compare_accepts_a_counterfactual_file_and_names_the_variant(tmp_path: Path, fake_engine, capsys) -> None:
    out = tmp_path / "c"
    assert main(["compare", str(KIDAL), str(CF), "-n", "12", "--metrics", "on_time,destroyed_value_usd",
                 "--out", str(out), "--no-charts"]) == 0
    text = capsys.readouterr().out
    assert "all_flights_granted" in text and "variant" not in text
    m = _manifest(out)
    assert m["variant_label"] == "all_flights_granted" and m["baseline_label"] == "kidal_2023"
    assert m["variant_overrides"] == {"flights.p_grant": 1.0} and m["variant_files"] == [str(CF)]


def test_sweep_resume_needs_no_spec_file(tmp_path: Path, fake_engine, capsys) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"scenario: {KIDAL}\nreplications: 4\nseed: 3\nmetrics: [on_time, wounded]\n"
                    "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.9]}}\n")
    out = tmp_path / "sw"
    assert main(["sweep", str(spec), "--set", "convoy.max_vehicles=50", "--out", str(out), "--quiet",
                 "--no-charts"]) == 0
    assert _manifest(out)["overrides"] == {"convoy.max_vehicles": 50}
    before = pd.read_parquet(out / "runs.parquet")
    assert main(["sweep", "--resume", str(out), "--quiet", "--no-charts"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)
    assert main(["sweep"]) == 2
    capsys.readouterr()


def _lines_fit(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width, line


def test_tables_fit_80_columns_without_breaking_words_or_numbers() -> None:
    from rich.console import Console

    from sim.report.terminal import print_comparison, print_sweep_summary

    table = pd.DataFrame([
        {"metric": m, "baseline_mean": b, "variant_mean": v, "diff_mean": v - b, "ci_low": v - b - 1,
         "ci_high": v - b + 1, "diff_ci_halfwidth_independent": 2.0, "variance_reduction": r}
        for m, b, v, r in (("destroyed_value_usd", 2_359_123.0, 1_000_000.0, 1.2),
                           ("on_time", 1.0, 1.0, math.inf), ("completion_hours", 880.0, 870.0, math.nan),
                           ("wounded", 1.5, 0.5, 1.4))])
    buf = io.StringIO()
    con = Console(width=80, file=buf, force_terminal=False)
    print_comparison(SimpleNamespace(table=table, replications=100), con, "kidal_2023",
                     "flights.p_grant=0.76, road_movements.p_grant_periods=[]")
    text = buf.getvalue()
    _lines_fit(text)
    for bad in ("inf", "nan", "e+0", "variant"):
        assert bad not in text
    assert "2.36" in text and "USD)" in text and "—" in text and "does not vary" in text
    points = pd.DataFrame({"point": [0, 1], "flights.p_grant": [0.1, 0.9], "convoy.max_vehicles": [50, 150]})
    metrics = ["completion_hours", "destroyed_value_usd", "vehicles_lost", "personnel_air", "on_time", "killed"]
    summary = pd.DataFrame([{"point": p, "metric": m, "mean": 1234567.0 + p, "ci_low": 1e6, "ci_high": 2e6}
                            for p in (0, 1) for m in metrics])
    res = SimpleNamespace(points=points, summary=summary, metrics=metrics,
                          table=pd.DataFrame({"point": [0, 0, 1, 1]}))
    buf = io.StringIO()
    print_sweep_summary(res, Console(width=80, file=buf, force_terminal=False))
    text = buf.getvalue()
    _lines_fit(text)
    words = set(text.replace("│", " ").replace("┃", " ").split())
    assert {"Completion", "flights.p_grant", "convoy.max_vehicles", "1.23", "USD)"} <= words
    assert "e+06" not in text and all(f"({m})" not in text for m in ("ion", "hou"))
    for m in metrics:  # every metric the sweep names, not the first five
        from sim.report.terminal import metric_cell

        assert metric_cell(m).split()[0] in words


def test_format_and_show(tmp_path: Path, fake_engine, capsys) -> None:
    out = tmp_path / "r"
    assert main(["run", str(KIDAL), "-n", "8", *SETS, "--out", str(out), "--no-charts", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "run" and data["overrides"]["flights.p_grant"] == 0.76
    assert {"metric", "mean", "ci_low", "q50"} <= set(data["rows"][0])
    for fmt, probe in (("csv", "metric,"), ("markdown", "| outcome | value |"), ("table", "P(out by deadline)")):
        assert main(["show", str(out), "--format", fmt]) == 0
        assert probe in capsys.readouterr().out
    assert main(["show", str(tmp_path / "nothing")]) == 2


def test_suspicious_inputs_warn_on_stderr_and_in_the_manifest(tmp_path: Path, fake_engine, capsys) -> None:
    from sim.model.input_checks import input_warnings
    from sim.model.loader import load_scenario, read_yaml

    out = tmp_path / "r"
    assert main(["run", str(KIDAL), "-n", "4", "--set", "calendar.deadline=2023-12-31",
                 "--set", "sites.kidal.airstrip=null", "--out", str(out), "--quiet", "--no-charts"]) == 0
    err = capsys.readouterr().err
    assert "00:00 of that day" in err and "no airstrip" in err
    assert len(_manifest(out)["warnings"]) == 2
    sc = load_scenario(KIDAL)
    lifts = sc.fleet.model_copy(update={"lifts": {}})
    bare = sc.model_copy(update={"fleet": lifts})
    w = input_warnings(bare, read_yaml(KIDAL))
    assert any("no lift serves" in x and "destroyed or abandoned" in x for x in w)
    assert input_warnings(sc, read_yaml(KIDAL)) == []


def test_plain_errors_and_did_you_mean(tmp_path: Path, capsys) -> None:
    text = KIDAL.read_text(encoding="utf-8")
    bad = tmp_path / "nokind.yaml"
    bad.write_text(text.replace("kind: hub", "", 1), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "missing 'kind' (one of base, hub)" in err and "discriminator" not in err
    assert main(["validate", str(KIDAL), "--set", "flights.p_grnt=0.5"]) == 2
    assert "did you mean 'p_grant'" in capsys.readouterr().err
    assert main(["run", str(KIDAL), "-n", "2", "--set", "sites.kidal.personel=3", "--out", str(tmp_path / "x")]) == 2
    assert "did you mean 'personnel'" in capsys.readouterr().err
    assert main(["compare", str(KIDAL), str(CF), "-n", "2", "--metrics", "woundd", "--out", str(tmp_path / "y")]) == 2
    assert "did you mean 'wounded'" in capsys.readouterr().err


def test_bench_des_reports_a_missed_target(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.bench_des as bd

    monkeypatch.setattr(bd, "Static", lambda sc: None)
    monkeypatch.setattr(bd, "load_scenario", lambda *a: None)
    monkeypatch.setattr(bd, "bare_events_per_second", lambda n: 1000.0)
    monkeypatch.setattr(bd, "model_rates", lambda static, first, n: {
        "events_per_second": 100.0, "replications_per_second": 1.0, "events": 10})
    figures = bd.run(quick=True)
    fig = figures["kidal_ratio_to_bare"]
    assert isinstance(fig, dict) and fig["ok"] is False and fig["value"] == pytest.approx(0.1)


def test_terminal_and_report_give_the_same_quantiles(fake_engine) -> None:
    from sim.api.runs import run
    from sim.experiments.summaries import quantiles
    from sim.report.html import key_figures
    from sim.report.terminal import run_rows

    res = run(KIDAL, replications=40, seed=5)
    median = dict(run_rows(res.scenario, res.runs))["Completion date, median"]
    assert median in key_figures(res.scenario, res.runs)
    assert quantiles([1.0, 2.0, 3.0, 4.0], [0.5]) == [2.5]
    assert quantiles([1.0, float("nan")], [0.0, 0.5, 1.0]) == [1.0, math.inf, math.inf]
    assert quantiles([], [0.5])[0] != quantiles([], [0.5])[0]  # NaN for no data


@pytest.mark.skipif(os.cpu_count() is None, reason="needs a process pool")
def test_run_workers_goes_through_the_one_path(tmp_path: Path, capsys) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(KIDAL), "-n", "64", "--out", str(a), "--quiet", "--no-charts"]) == 0
    assert main(["run", str(KIDAL), "-n", "64", "--workers", "2", "--out", str(b), "--quiet", "--no-charts"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(a / "runs.parquet"), pd.read_parquet(b / "runs.parquet"))
    capsys.readouterr()


def test_an_interrupted_run_still_says_what_it_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import sim.api.runs

    def stop(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.api.runs, "execute", stop)
    out = tmp_path / "r"
    assert main(["run", str(KIDAL), "-n", "8", *SETS, "--out", str(out), "--no-charts"]) == 130
    m = _manifest(out)
    assert m["status"] == "interrupted" and m["overrides"]["flights.p_grant"] == 0.76
    capsys.readouterr()
