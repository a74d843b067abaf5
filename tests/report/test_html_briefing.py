"""The report reads as a briefing (issue 19): the answer first (key figures with intervals, the
levers' effects of a comparison or a sweep, what the run assumed), then the charts, then sources,
assumptions and the manifest; tables that fit the page; parameter names in words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.experiments.specs import load_sweep
from sim.model.loader import load_scenario
from sim.report.html import CSS, write_report
from sim.report.words import parameter_words
from tests.helpers.paths import KIDAL
from tests.report.test_report import assert_self_contained, make_folder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sc():
    return load_scenario(KIDAL)


def _answer(text: str) -> str:
    m = re.search(r"<section class=answer id=answer>(.*?)</section>", text, re.S)
    assert m, "no answer section"
    return m.group(1)


def _order(text: str, *headings: str) -> list[int]:
    return [text.index(f"<h2>{h}</h2>") for h in headings]


def _no_charts(folder: Path) -> None:
    """An empty charts/ folder with one tiny PNG, so the report does not draw (fast, and the order
    of sections can still be checked)."""
    (folder / "charts").mkdir(exist_ok=True)
    from PIL import Image

    Image.new("RGB", (4, 4), "white").save(folder / "charts" / "completion.png")


def test_a_run_report_opens_with_the_answer(tmp_path, sc):
    folder = make_folder(tmp_path / "run", sc)
    _no_charts(folder)
    text = write_report(folder).read_text(encoding="utf-8")
    assert_self_contained(text)
    a, charts, sources, assumptions, manifest = _order(text, "The answer", "Charts", "Sources", "Assumptions",
                                                       "Manifest")
    assert a < charts < sources < assumptions < manifest
    answer = _answer(text)
    for phrase in ("P(out by the deadline)", "Wilson 95 %", "Completion date", "Wounded", "Killed",
                   "Equipment destroyed (M USD)", "Equipment abandoned (M USD)", "What the run assumed",
                   "no overrides recorded"):
        assert phrase in answer, phrase
    assert re.search(r"median completion \d\d \w\w\w 2023", answer)  # a date, not hours
    assert "stated assumptions" in answer and sc.assumptions[0][:40] in answer
    assert "e+0" not in answer  # money in M USD, not 2.359e+06


def test_overrides_and_label_from_the_manifest_are_in_the_answer(tmp_path, sc):
    folder = make_folder(tmp_path / "run", sc)
    _no_charts(folder)
    m = json.loads((folder / "manifest.json").read_text())
    m.update({"label": "all flights granted",
              "overrides": ["flights.p_grant=1.0", "road_movements.p_grant_periods=[]"]})
    (folder / "manifest.json").write_text(json.dumps(m))
    answer = _answer(write_report(folder).read_text(encoding="utf-8"))
    assert "all flights granted" in answer
    assert "probability a flight is granted: <b>1.0</b> <code>flights.p_grant</code>" in answer
    assert "road_movements.p_grant_periods" in answer and "no overrides recorded" not in answer


def _compare_folder(tmp_path: Path, sc) -> Path:
    folder = make_folder(tmp_path / "cmp", sc)
    _no_charts(folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.to_parquet(folder / "runs_baseline.parquet")
    runs.assign(point=1).to_parquet(folder / "runs_variant.parquet")
    rows = [{"metric": "on_time", "baseline_mean": 0.5, "variant_mean": 0.75, "diff_mean": 0.25, "ci_low": 0.1,
             "ci_high": 0.4, "variance_reduction": 3.0, "n": 25},
            {"metric": "destroyed_value_usd", "baseline_mean": 2.359e6, "variant_mean": 1.2e6, "diff_mean": -1.159e6,
             "ci_low": -1.3e6, "ci_high": -1.0e6, "variance_reduction": 2.0, "n": 25},
            {"metric": "wounded", "baseline_mean": 4.0, "variant_mean": 3.0, "diff_mean": -1.0, "ci_low": -1.5,
             "ci_high": -0.5, "variance_reduction": 1.5, "n": 25}]
    pd.DataFrame(rows).to_csv(folder / "compare.csv", index=False)
    m = json.loads((folder / "manifest.json").read_text())
    m.update({"kind": "compare", "design": {"set_variant": ["flights.p_grant=1.0"]}})
    (folder / "manifest.json").write_text(json.dumps(m))
    return folder


def test_a_comparison_report_gives_the_levers_effects_first(tmp_path, sc):
    text = write_report(_compare_folder(tmp_path, sc)).read_text(encoding="utf-8")
    answer = _answer(text)
    assert "The levers' effects" in answer and "Key figures (baseline)" in answer
    assert "+25.0 pp" in answer and "+10.0 to +40.0 pp" in answer      # P(on time) in points
    assert "equipment destroyed (M USD)" in answer and "2.36" in answer and "-1.16" in answer
    assert "variant overrides" in answer and "probability a flight is granted" in answer


def test_a_sweep_report_names_levers_in_words(tmp_path, sc):
    folder = make_folder(tmp_path / "sweep", sc)
    _no_charts(folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    low = runs.assign(**{"flights.p_grant": 0.1, "convoy.max_vehicles": 50})
    high = runs.assign(point=1, on_time=True, **{"flights.p_grant": 0.9, "convoy.max_vehicles": 50})
    pd.concat([low.assign(on_time=False), high]).to_parquet(folder / "runs.parquet")
    text = write_report(folder).read_text(encoding="utf-8")
    answer = _answer(text)
    assert "The levers' effects" in answer
    assert "probability a flight is granted <code>flights.p_grant</code>" in answer
    assert "0.1 → 0.9" in answer and "0.0 % → 100.0 % (+100.0 pp)" in answer
    assert "convoy.max_vehicles" not in answer  # a lever that does not vary has no effect row
    # the points table, further down, names the parameters in words too
    assert text.count("probability a flight is granted") >= 2


def test_tables_fit_the_page():
    assert "table-layout:fixed" in CSS and "width:100%" in CSS
    assert "overflow-wrap:anywhere" in CSS and "white-space:pre-wrap" in CSS


@pytest.mark.parametrize("path, words", [
    ("flights.p_grant", "probability a flight is granted"),
    ("threats.levels.high.ied_rate_per_100km", "expected IED strikes per 100 km a convoy drives (threats, levels, high)"),
    ("sites.kidal.leave_by", "latest planned final departure (sites, kidal)"),
    ("road_movements.p_grant_periods.0.p", "(road movements, p grant periods, #1)"),
    ("no.such.path", "no.such.path"),
])
def test_parameter_words_come_from_the_schema_docs(path, words):
    assert words in parameter_words(path)


def test_every_parameter_of_the_shipped_sweeps_has_words():
    paths: set[str] = set()
    for f in sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        if "design" in data:
            paths |= set(load_sweep(f).design.paths)
        else:
            paths |= set(data["parameters"])
    assert len(paths) >= 5
    for p in sorted(paths):
        assert parameter_words(p) != p, p


def test_the_cli_manifest_keys_warnings_label_and_overrides_are_in_the_answer(tmp_path, sc):
    """The keys the command line writes at the top of manifest.json (``sim.cli.inputs.inputs_record``):
    ``label``, ``overrides`` (path -> value), ``override_files`` and ``warnings``."""
    folder = make_folder(tmp_path / "run", sc)
    _no_charts(folder)
    m = json.loads((folder / "manifest.json").read_text())
    m.update({"label": "late start + fast flights",
              "overrides": {"flights.p_grant": 0.76, "road_movements.p_grant_periods": []},
              "override_files": ["scenarios/counterfactuals/late_start.yaml"],
              "warnings": ["bases.Tessalit.withdraw_from (01 Jan 2023) is before calendar.start",
                           "base Aguelhok is served by no lift: its cargo is lost"]})
    (folder / "manifest.json").write_text(json.dumps(m))
    answer = _answer(write_report(folder).read_text(encoding="utf-8"))
    box = re.search(r"<div class=warnings[^>]*>(.*?)</div>", answer, re.S)
    assert box, "no warnings box"
    assert "<h3>Warnings (2)</h3>" in box.group(1)
    assert "Tessalit.withdraw_from (01 Jan 2023) is before calendar.start" in box.group(1)
    assert "served by no lift" in box.group(1)
    assert answer.index("class=warnings") < answer.index("What the run assumed")
    assert "<span class=label>late start + fast flights</span>" in answer
    assert "override files: <ul><li>scenarios/counterfactuals/late_start.yaml</li>" in answer
    assert "probability a flight is granted: <b>0.76</b> <code>flights.p_grant</code>" in answer
    assert "road_movements.p_grant_periods" in answer and "no overrides recorded" not in answer


def test_no_warnings_box_without_warnings(tmp_path, sc):
    folder = make_folder(tmp_path / "run", sc)
    _no_charts(folder)
    m = json.loads((folder / "manifest.json").read_text())
    m["warnings"] = []
    (folder / "manifest.json").write_text(json.dumps(m))
    assert "class=warnings" not in _answer(write_report(folder).read_text(encoding="utf-8"))


def test_a_comparison_report_names_both_sides_and_the_variant_files(tmp_path, sc):
    """A comparison's keys (``sim.cli.experiments``): ``baseline_label``, ``variant_label``,
    ``variant_overrides``, ``variant_files``, next to the design's own record (shown once)."""
    folder = _compare_folder(tmp_path, sc)
    m = json.loads((folder / "manifest.json").read_text())
    m.update({"label": "all flights", "baseline_label": "kidal_2023", "variant_label": "all flights",
              "overrides": {}, "override_files": [],
              "variant_overrides": {"flights.p_grant": 1.0, "convoy.max_vehicles": 40},
              "variant_files": ["scenarios/counterfactuals/all_flights.yaml"],
              "warnings": ["deadline '2023-11-01' is a date: read as 00:00 of that day"]})
    (folder / "manifest.json").write_text(json.dumps(m))
    answer = _answer(write_report(folder).read_text(encoding="utf-8"))
    assert "Baseline: <span class=label>kidal_2023</span>" in answer
    assert "Variant: <span class=label>all flights</span>" in answer
    assert answer.count("<span class=label>all flights</span>") == 1
    assert "variant files: <ul><li>scenarios/counterfactuals/all_flights.yaml</li>" in answer
    assert answer.count("flights.p_grant") == 1  # variant_overrides and the design's set_variant, once
    assert "convoy.max_vehicles" in answer
    assert "<h3>Warnings (1)</h3>" in answer and "read as 00:00 of that day" in answer


def test_sweep_points_table_shows_every_metric_the_sweep_names(sc):
    """The report's table of sweep points used to show a fixed four metrics: every metric the sweep
    names now has a column (its mean per point)."""
    import numpy as np

    from sim.model import outcomes
    from sim.report.html import points_table
    from tests.helpers.synthetic import fake_bases

    bases = fake_bases(sc, replications=6, seed=2)
    runs = pd.concat([outcomes.roll_up(sc, bases).assign(point=p, **{"flights.p_grant": v})
                      for p, v in enumerate((0.1, 0.9))], ignore_index=True)
    runs["vehicles_lost"] = np.arange(len(runs))
    html = points_table(sc, runs, metrics=["wounded", "vehicles_lost", "destroyed_value_usd"])
    assert "Vehicles lost" in html or "vehicles lost" in html
    assert "M USD" in html
    assert html.count("<tr>") >= 3
