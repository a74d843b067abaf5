"""``run --draws K`` from the command line: the files of a two-level run, ``show``, an interrupted
two-level run resumed and repaired to the folder of an uninterrupted one, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim.engines.dispatch
from sim.cli.main import main
from tests.helpers.builders import edit, tiny
from tests.helpers.cli import assert_bad_input

RATE = "threats.levels.high.ied_rate_per_100km"
UNCERTAIN = ["--set", f"{RATE}={{dist: gamma, mean: 0.3, cv: 0.5}}",
             "--set", "flights.p_grant={dist: beta, mean: 0.3, concentration: 10}"]
RUN = ["--engine", "batch", "-n", "20", "--draws", "6", "--seed", "3", "--quiet", "--no-charts", *UNCERTAIN]


def _files(path: Path) -> dict[str, bytes]:
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and f.suffix in (".parquet", ".csv")}


@pytest.fixture
def tiny_file(write_scenario: Any) -> Path:
    return write_scenario(tiny())


def test_run_with_draws_writes_its_tables_and_show_reprints_them(tiny_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "r"
    assert main(["run", str(tiny_file), *RUN, "--out", str(out)]) == 0
    draws = pd.read_parquet(out / "draws.parquet")
    assert list(draws["draw"]) == list(range(6)) and {RATE, "flights.p_grant"} <= set(draws.columns)
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["draw"].unique()) == list(range(6)) and set(runs["point"]) == {0} and len(runs) == 120
    variance = pd.read_csv(out / "variance.csv")
    assert {"wounded", "ied_strikes"} <= set(variance["metric"])
    assert json.loads((out / "manifest.json").read_text())["design"] == {"draws": 6}
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "6 draws × 20 replications" in shown and "Parameter uncertainty" in shown


def test_an_interrupted_two_level_run_resumes_and_repairs_to_the_uninterrupted_folder(
        tiny_file: Path, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    ref = tmp_path / "ref"
    assert main(["run", str(tiny_file), *RUN, "--out", str(ref)]) == 0
    real = sim.engines.dispatch.simulate_units
    calls: list[int] = []

    def cut(sc: Any, engine: str, chunk: Any, seed: int, point: int = 0, crn: bool = True, **kw: Any) -> Any:
        calls.append(point)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(sc, engine, chunk, seed, point, crn, **kw)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", cut)
    out = tmp_path / "cut"
    assert main(["run", str(tiny_file), *RUN, "--out", str(out)]) == 130
    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", real)
    assert main(["run", str(tiny_file), "--resume", str(out), "--quiet", "--no-charts", *UNCERTAIN]) == 0
    assert _files(out) == _files(ref)
    part = sorted((out / "tables" / "bases").glob("*.parquet"))[2]
    part.unlink()
    assert main(["check-results", str(out), "--repair"]) == 0
    assert _files(out) == _files(ref)


def test_resume_keeps_the_draws(tiny_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "r"
    assert main(["run", str(tiny_file), *RUN, "--out", str(out)]) == 0
    capsys.readouterr()
    code = main(["run", str(tiny_file), "--resume", str(out), "--draws", "7", "--quiet", "--no-charts", *UNCERTAIN])
    assert code == 2 and "draws 6, not 7" in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "data", "field"), [
    (["--draws", "0", *UNCERTAIN], tiny(), "draws"),
    (["--draws", "3"], tiny(), "draws"),
    ([], edit(tiny(), flights__p_grant={"dist": "betta", "mean": 0.3}), "flights.p_grant.dist"),
    ([], edit(tiny(), flights__p_grant={"dist": "beta", "mean": 0.3, "concentration": -1}),
     "flights.p_grant.concentration"),
    (["--set", f"{RATE}={{dist: lognormal, mean: 0.3, cv: -2}}"], tiny(), f"{RATE}.cv"),
])
def test_bad_uncertain_input_is_refused(extra: list[str], data: dict, field: str, write_scenario: Any,
                                        results_root: Path, capsys: Any) -> None:
    path = write_scenario(data)
    code = main(["run", str(path), "-n", "5", "--results-root", str(results_root), *extra])
    out, err = capsys.readouterr()
    assert_bad_input(code, err, path, field, results_root)


def test_schema_knows_the_distributions(capsys: Any) -> None:
    assert main(["schema"]) == 0
    text = capsys.readouterr().out
    schema = json.loads(text)
    assert "uncertainty" in schema["properties"]
    for form in ("Gamma", "Lognormal", "Beta", "Triangular", "Uniform", "Counts", "Fixed"):
        assert form in schema["$defs"], form
