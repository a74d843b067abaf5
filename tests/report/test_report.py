"""Charts and the self-contained HTML report of a results folder (synthetic tables, no engine)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.experiments.summaries import summarize
from sim.model.loader import ScenarioError, load_scenario, scenario_dict
from sim.report.charts import chart_plan, save_axes, write_charts
from sim.report.html import write_report
from sim.report.results import read_results, read_table
from tests.helpers.paths import KIDAL
from tests.helpers.synthetic import fake_bases, fake_runs, fake_trace


@pytest.fixture(scope="module")
def sc():
    return load_scenario(KIDAL)


def make_folder(path: Path, sc, *, trace: bool = False, manifest: bool = True, description: str | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    data = scenario_dict(sc)
    if description is not None:
        data["description"] = description
    (path / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    if manifest:
        (path / "manifest.json").write_text(json.dumps({"run_id": "t1", "seed": 5, "engine": "batch",
                                                        "status": "complete"}))
    bases = fake_bases(sc, replications=1 if trace else 25, seed=4)
    runs = fake_runs(sc, bases)
    bases.to_parquet(path / "bases.parquet")
    runs.to_parquet(path / "runs.parquet")
    summarize(sc, runs).to_csv(path / "summary.csv", index=False)
    if trace:
        legs, events = fake_trace(sc, seed=4)
        legs.to_parquet(path / "convoys.parquet")
        events.to_parquet(path / "events.parquet")
    return path


def test_write_charts_chooses_by_tables(tmp_path, sc):
    bases = fake_bases(sc, replications=10)
    written = write_charts(tmp_path, sc, {"bases": bases, "runs": fake_runs(sc, bases)})
    names = {p.name for p in written}
    assert names == {"network.png", "extraction.png", "cargo_fates.png", "completion.png",
                     "casualties.png", "strikes.png"} | ({"security.png"} if sc.security is not None else set())
    for p in written:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in (tmp_path / "charts").iterdir() if p.name.startswith(".")]  # no temp files left
    legs, events = fake_trace(sc)
    written = write_charts(tmp_path / "t", sc, {"convoys": legs, "events": events}, svg=True)
    assert {p.name for p in written} == {"network.png", "network.svg", "timeline.png", "timeline.svg"}
    assert (tmp_path / "t" / "charts" / "timeline.svg").read_text().lstrip().startswith("<?xml")


def assert_self_contained(text: str) -> None:
    assert "http" not in text
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    assert "href=" not in text
    srcs = re.findall(r'src="([^"]*)"', text)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "url(" not in text


def test_report_is_one_self_contained_file(tmp_path, sc):
    folder = make_folder(tmp_path / "run", sc, description="<script>alert('x')</script> & co")
    out = write_report(folder)
    assert out == folder / "report.html"
    text = out.read_text(encoding="utf-8")
    assert_self_contained(text)
    assert "&lt;script&gt;alert" in text  # user text escaped
    for phrase in ("Key figures", "P(out by the deadline)", "Wilson", "Completion date", "Wounded", "Killed",
                   "IED strikes", "Cargo units by fate", "Sources", "Assumptions", "Manifest", "SC/15398"):
        assert phrase in text, phrase
    # map, extraction, fates, completion, casualties, strikes; the security state's chart when there is one
    assert text.count("<img") == 6 + (sc.security is not None)
    assert re.search(r"\d\d \w\w\w 2023", text)  # completion quantiles as dates
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_report_of_a_trace_folder_has_the_timeline(tmp_path, sc):
    folder = make_folder(tmp_path / "trace", sc, trace=True)
    text = write_report(folder).read_text(encoding="utf-8")
    assert_self_contained(text)
    assert "Traced run" in text and 'alt="timeline"' in text


def test_report_of_a_sweep_folder_lists_points(tmp_path, sc):
    folder = make_folder(tmp_path / "sweep", sc)
    runs = pd.read_parquet(folder / "runs.parquet")
    more = runs.assign(point=1, on_time=False)
    both = pd.concat([runs.assign(**{"flights.p_grant": 0.1}), more.assign(**{"flights.p_grant": 0.9})])
    both.to_parquet(folder / "runs.parquet")
    text = write_report(folder).read_text(encoding="utf-8")
    assert "flights.p_grant" in text and "0.0 % (0.0–" in text


def test_report_uses_existing_charts(tmp_path, sc):
    folder = make_folder(tmp_path / "run", sc)
    (folder / "charts").mkdir()
    from sim.report.plots import plot_network

    save_axes(plot_network(sc), folder / "charts" / "network.png")
    text = write_report(folder).read_text(encoding="utf-8")
    assert text.count("<img") == 1


def test_not_a_results_folder(tmp_path):
    with pytest.raises(ScenarioError, match="not a results folder"):
        read_results(tmp_path)
    with pytest.raises(ScenarioError, match="not a results folder"):
        write_report(tmp_path / "missing")
    (tmp_path / "scenario.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="scenario.yaml"):
        write_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_cli_report(tmp_path, sc, capsys):
    from sim.cli.main import main

    folder = make_folder(tmp_path / "run", sc)
    assert main(["report", str(folder)]) == 0
    assert (folder / "report.html").is_file()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert "not a results folder" in err and "Traceback" not in err


def test_write_charts_reads_the_folder_when_not_given_tables(tmp_path, sc):
    """With no scenario or tables, ``write_charts`` reads them from the results folder."""
    folder = make_folder(tmp_path / "run", sc)
    written = write_charts(folder)
    assert {p.name for p in written} == {"network.png", "extraction.png", "cargo_fates.png", "completion.png",
                                          "casualties.png", "strikes.png"} | ({"security.png"} if sc.security else set())
    assert all(p.parent == folder / "charts" for p in written)


def test_chart_plan_of_sweeps_comparisons_and_sensitivity(sc):
    bases = fake_bases(sc, replications=4)
    runs = fake_runs(sc, bases)
    summary = summarize(sc, pd.concat([runs, runs.assign(point=1)], ignore_index=True))
    summary["flights.p_grant"] = summary["point"].map({0: 0.1, 1: 0.9})
    comparison = pd.DataFrame({"metric": ["wounded"], "diff_mean": [1.0], "ci_low": [0.5], "ci_high": [1.5]})
    sensitivity = pd.DataFrame({"parameter": ["a"], "mu_star": [0.3], "mu_star_conf": [0.1]})
    plan = chart_plan(sc, {"bases": bases, "runs": runs, "summary": summary, "comparison": comparison,
                           "sensitivity": sensitivity})
    assert {"network", "completion", "paired", "tornado", "sweep_wounded_flights_p_grant"} <= set(plan)
    one = chart_plan(sc, {"bases": bases.iloc[:1]})  # one run: no distributions
    assert set(one) == {"network", "cargo_fates"}


def test_read_results_and_read_table(tmp_path, sc):
    folder = make_folder(tmp_path / "run", sc, trace=True)
    sc_read, manifest, tables = read_results(folder)
    assert sc_read.name == sc.name and manifest["run_id"] == "t1"
    assert {"bases", "runs", "convoys", "events", "summary"} <= set(tables)
    assert read_table(folder, "legs") is None
    (folder / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ScenarioError, match="a manifest is a JSON object"):
        read_results(folder)
