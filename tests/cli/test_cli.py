"""The command line end to end in this process: validate, schema, run, trace, the commands it
has, interrupts, charts and report after a run, determinism.

Tests with the ``fake_engine`` fixture run the closed-form fake engine; the ``real`` tests run the
SimPy and batch engines. Tests that start a ``python -m sim`` process are in ``tests/integration/``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

import sim.engines.dispatch
import sim.report.charts
from sim.cli.common import write_outputs
from sim.cli.main import COMMANDS, build_parser, main
from sim.experiments.plan import DES_CHUNK_REPLICATIONS, chunks
from sim.model.loader import load_scenario, scenario_hash
from tests.helpers import fake_engine as fe
from tests.helpers.synthetic import fake_bases, fake_runs


def _only_run(root: Path) -> Path:
    runs = list(root.iterdir())
    assert len(runs) == 1, runs
    return runs[0]


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def test_validate_ok(kidal_path, tiny_path, capsys):
    assert main(["validate", str(kidal_path), str(tiny_path)]) == 0
    out = capsys.readouterr().out
    assert f"OK  {kidal_path}" in out and "kidal_2023" in out and f"OK  {tiny_path}" in out


def test_validate_with_set(tiny_path, capsys):
    assert main(["validate", str(tiny_path), "--set", "flights.p_grant=0.9"]) == 0
    assert main(["validate", str(tiny_path), "--set", "flights.p_grant=9"]) == 2
    assert "flights.p_grant" in capsys.readouterr().err


def test_schema_stdout_and_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Scenario" and schema["additionalProperties"] is False
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == schema
    assert main(["schema", "--out", str(tmp_path / "no" / "such" / "dir" / "s.json")]) == 2
    assert "cannot write the schema" in capsys.readouterr().err


@pytest.mark.parametrize(("kind", "title", "field"), [("sweep", "SweepSpec", "design"),
                                                      ("sensitivity", "SensitivitySpec", "method")])
def test_schema_of_sweep_and_sensitivity_files(kind, title, field, capsys):
    assert main(["schema", "--kind", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == title and field in schema["properties"] and schema["additionalProperties"] is False
    with pytest.raises(SystemExit):
        main(["schema", "--kind", "plan"])
    assert "invalid choice" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "validate" in capsys.readouterr().err


def test_run_writes_a_complete_results_folder(tiny_path, results_root, capsys, fake_engine):
    code = main(["run", str(tiny_path), "--engine", "des", "--replications", "120", "--seed", "5",
                 "--results-root", str(results_root), "--no-charts"])
    out = capsys.readouterr().out
    assert code == 0
    path = _only_run(results_root)
    assert path.name.split("-")[2:4] == ["tiny", "des"]
    for text in ("P(out by deadline)", "Wilson", "Completion date, median", "Wounded", "Killed",
                 "IED strikes", "Ambushes", "Vehicles lost", "Personnel out by air", "Value abandoned",
                 "containers", "handed", str(path)):
        assert text in out, text
    m = _manifest(path)
    assert (m["status"], m["seed"], m["replications"], m["engine"], m["kind"]) == ("complete", 5, 120, "des", "run")
    assert m["scenario"]["sha256"] == scenario_hash(load_scenario(tiny_path))
    assert sum(m["parts"]["bases"].values()) == 120  # every replication of the one base, in parts
    assert len(m["parts"]["bases"]) == len(chunks("des", 120)) > 1
    bases = pd.read_parquet(path / "bases.parquet")
    runs = pd.read_parquet(path / "runs.parquet")
    summary = pd.read_csv(path / "summary.csv")
    assert len(bases) == 120 and runs["replication"].tolist() == list(range(120))
    assert {"on_time", "wounded"} <= set(summary["metric"])
    assert (path / "scenario.yaml").exists()


def test_run_quiet_out_and_set(tiny_path, tmp_path, capsys, fake_engine):
    out = tmp_path / "mine"
    code = main(["run", str(tiny_path), "--replications", "8", "--out", str(out), "--quiet", "--no-charts",
                 "--set", "flights.p_grant=0.9", "--set", "convoy.max_vehicles=20"])
    assert code == 0
    assert capsys.readouterr().out.strip() == str(out)
    m = _manifest(out)
    changed = load_scenario(tiny_path, {"flights.p_grant": 0.9, "convoy.max_vehicles": 20})
    assert m["scenario"]["sha256"] == scenario_hash(changed)
    assert "p_grant: 0.9" in (out / "scenario.yaml").read_text()


def test_same_seed_same_tables(tiny_path, tmp_path, fake_engine):
    paths = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["run", str(tiny_path), "--engine", "des", "--replications", "60", "--seed", "3",
                     "--out", str(out), "--quiet", "--no-charts"]) == 0
        paths.append(out)
    for table in ("bases.parquet", "runs.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(paths[0] / table), pd.read_parquet(paths[1] / table))
    other = tmp_path / "c"
    assert main(["run", str(tiny_path), "--engine", "des", "--replications", "60", "--seed", "4",
                 "--out", str(other), "--quiet", "--no-charts"]) == 0
    assert not pd.read_parquet(other / "runs.parquet").equals(pd.read_parquet(paths[0] / "runs.parquet"))


def test_interrupt_keeps_finished_parts(tiny_path, results_root, capsys, monkeypatch, fake_engine):
    def interrupted(sc, engine, unit, seed, point=0, crn=True):
        if unit.index == DES_CHUNK_REPLICATIONS + 10:
            raise KeyboardInterrupt
        return fe.simulate_unit(sc, engine, unit, seed, point, crn)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", fe.chunk_of(interrupted))
    code = main(["run", str(tiny_path), "--engine", "des", "--replications", "120",
                 "--results-root", str(results_root), "--no-charts"])
    err = capsys.readouterr().err
    path = _only_run(results_root)
    assert code == 130 and "interrupted" in err and str(path) in err
    m = _manifest(path)
    assert m["status"] == "interrupted"
    assert list(m["parts"]["bases"].values()) == [DES_CHUNK_REPLICATIONS]  # the chunk before unit 60
    assert not (path / "runs.parquet").exists()


def test_unexpected_error_exits_1(tiny_path, results_root, capsys, monkeypatch, fake_engine):
    def broken(*args, **kwargs):
        raise RuntimeError("engine fell over")

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", broken)
    code = main(["run", str(tiny_path), "--replications", "5", "--results-root", str(results_root)])
    err = capsys.readouterr().err
    assert code == 1 and "internal error" in err and "engine fell over" in err and "Traceback" not in err
    m = _manifest(_only_run(results_root))
    assert m["status"] == "failed" and "engine fell over" in m["extra"]["error"]


def test_trace_writes_events_and_convoys(tiny_path, results_root, capsys, fake_trace):
    code = main(["trace", str(tiny_path), "--replication", "2", "--seed", "9",
                 "--results-root", str(results_root), "--no-charts"])
    out = capsys.readouterr().out
    assert code == 0
    path = _only_run(results_root)
    assert path.name.split("-")[2:4] == ["tiny", "trace"]
    for name in ("bases.parquet", "runs.parquet", "events.parquet", "convoys.parquet", "summary.csv"):
        assert (path / name).exists(), name
    m = _manifest(path)
    assert (m["kind"], m["engine"], m["status"], m["extra"]["replication"]) == ("trace", "des", "complete", 2)
    assert "Convoy legs" in out and "alpha" in out
    assert pd.read_parquet(path / "runs.parquet")["replication"].tolist() == [2]


def test_commands_come_from_the_command_modules(capsys):
    """Every command is registered by one of the modules ``sim.cli.main.COMMANDS``."""
    assert [m.__name__ for m in COMMANDS] == ["sim.cli.run", "sim.cli.experiments", "sim.cli.show",
                                               "sim.cli.charts", "sim.cli.results", "sim.cli.geo", "sim.cli.bench",
                                               "sim.cli.calibrate"]
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == ["validate", "schema", "run", "trace", "sweep", "compare", "sensitivity",
                                 "show", "report", "animate", "check-results", "import-geo", "export-geo",
                                 "incident-rates", "map", "bench", "calibrate"]
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("withdrawal-sim ")


def test_run_draws_charts_and_report(tiny_path, tmp_path, fake_engine):
    """After a run the command line draws the charts and the report (``write_outputs``); with
    ``--no-charts`` only the tables are written."""
    out = tmp_path / "with"
    assert main(["run", str(tiny_path), "--replications", "20", "--out", str(out), "--quiet"]) == 0
    charts = {p.name for p in (out / "charts").iterdir()}
    assert {"network.png", "completion.png", "cargo_fates.png"} <= charts
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "Key figures" in text and text.count("<img") == len(charts)
    bare = tmp_path / "without"
    assert main(["run", str(tiny_path), "--replications", "20", "--out", str(bare), "--quiet", "--no-charts"]) == 0
    assert not (bare / "charts").exists() and not (bare / "report.html").exists()


def test_trace_draws_the_timeline(tiny_path, tmp_path, fake_trace):
    out = tmp_path / "trace"
    assert main(["trace", str(tiny_path), "--out", str(out), "--quiet"]) == 0
    assert {"network.png", "timeline.png"} <= {p.name for p in (out / "charts").iterdir()}
    assert (out / "report.html").is_file()


def test_charts_are_optional(tiny_path, results_root, monkeypatch, capsys, fake_engine):
    """A failing chart does not fail the run: the tables are kept, the error printed as a warning
    and recorded in the manifest."""
    given = {}

    def write_charts(path, sc=None, tables=None, svg=False, progress=None):
        given.update(sc=sc, tables=tables)
        raise RuntimeError("no fonts")

    monkeypatch.setattr(sim.report.charts, "write_charts", write_charts)
    assert main(["run", str(tiny_path), "--replications", "4", "--results-root", str(results_root),
                 "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning: charts or report failed: RuntimeError: no fonts" in err and "Traceback" not in err
    assert given["sc"].name == "tiny" and set(given["tables"]) == {"bases", "runs", "summary"}
    path = _only_run(results_root)
    m = _manifest(path)
    assert m["status"] == "complete" and "no fonts" in m["extra"]["charts_error"]
    assert (path / "runs.parquet").is_file() and not (path / "report.html").exists()


def test_write_outputs_reads_the_folder_without_tables(tmp_path, kidal_path):
    """``write_outputs`` of a folder whose tables are not in memory reads them from the folder."""
    from sim.store.runstore import RunStore

    sc = load_scenario(kidal_path)
    store = RunStore.create(None, sc, "run", "batch", 1, 10, out=tmp_path / "run")
    bases = fake_bases(sc, replications=10)
    store.write_table("bases", bases)
    store.write_table("runs", fake_runs(sc, bases))
    write_outputs(store.path, argparse.Namespace(no_charts=False))
    assert {"network.png", "completion.png"} <= {p.name for p in (store.path / "charts").iterdir()}
    assert (store.path / "report.html").is_file()
    write_outputs(None, argparse.Namespace(no_charts=False))  # no folder: nothing to draw


# -- the real engines ------------------------------------------------------------------------------


def test_real_batch_run_and_determinism(kidal_path, tmp_path, capsys):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["run", str(kidal_path), "--replications", "200", "--seed", "1", "--out", str(out),
                     "--no-charts"]) == 0
    assert "P(out by deadline)" in capsys.readouterr().out
    for table in ("bases.parquet", "runs.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(outs[0] / table), pd.read_parquet(outs[1] / table))
    assert len(pd.read_parquet(outs[0] / "runs.parquet")) == 200


def test_real_des_run_and_determinism(kidal_path, tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["run", str(kidal_path), "--engine", "des", "--replications", "4", "--seed", "2",
                     "--out", str(out), "--no-charts", "--quiet"]) == 0
    for table in ("bases.parquet", "runs.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(outs[0] / table), pd.read_parquet(outs[1] / table))


def test_real_trace(kidal_path, results_root, capsys):
    assert main(["trace", str(kidal_path), "--results-root", str(results_root), "--no-charts"]) == 0
    path = _only_run(results_root)
    legs = pd.read_parquet(path / "convoys.parquet")
    events = pd.read_parquet(path / "events.parquet")
    assert len(legs) > 0 and list(events.columns)[:3] == ["replication", "time_hours", "kind"]
    assert "Convoy legs" in capsys.readouterr().out
