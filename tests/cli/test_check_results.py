"""Damaged results folders: ``check-results`` finds damaged parts (exit 1), ``--repair`` re-runs
only those to a folder byte for byte that of an undamaged run, and ``--resume`` refuses a folder
with a damaged part (exit 2, naming it) instead of failing inside or mixing it in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import sim.engines.dispatch
from sim.api.repair import repair
from sim.api.sweeps import sweep
from sim.cli.main import main
from sim.experiments.designs import parse_design
from sim.experiments.plan import DES_CHUNK_REPLICATIONS
from tests.helpers import fake_engine as fe

RUN = ["--engine", "des", "--replications", "160", "--seed", "4", "--quiet", "--no-charts"]
PART0, PART1, PART2 = "p000000-u0000000", "p000000-u0000050", "p000000-u0000100"


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def _part(path: Path, pid: str) -> Path:
    return path / "tables" / "bases" / f"part-{pid}.parquet"


def _files(path: Path) -> dict[str, bytes]:
    """Every table file of a folder (parts and consolidated tables), by relative name."""
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and f.suffix in (".parquet", ".csv")}


@pytest.fixture
def done(tiny_path, tmp_path, fake_engine) -> Path:
    out = tmp_path / "a"
    assert main(["run", str(tiny_path), *RUN, "--out", str(out)]) == 0
    assert len(_manifest(out)["parts"]["bases"]) == 4
    return out


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []

    def unit(sc, engine, u, seed, point=0, crn=True):
        calls.append(u.index)
        return fe.simulate_unit(sc, engine, u, seed, point, crn)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", fe.chunk_of(unit))
    return calls


def test_clean_folder_exits_0(done, capsys) -> None:
    assert main(["check-results", str(done)]) == 0
    assert "OK" in capsys.readouterr().out


def test_not_a_results_folder_exits_2(tmp_path, capsys) -> None:
    assert main(["check-results", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a results folder" in err and "Traceback" not in err


def test_damaged_parts_are_listed_and_exit_1(done, capsys) -> None:
    _part(done, PART1).unlink()
    p = _part(done, PART2)
    p.write_bytes(p.read_bytes()[:-50])
    assert main(["check-results", str(done)]) == 1
    out = capsys.readouterr().out
    assert PART1 in out and PART2 in out and PART0 not in out
    assert "file missing" in out and "truncated" in out and "--repair" in out


def test_repair_reruns_only_damaged_parts_byte_for_byte(done, tmp_path, monkeypatch, capsys) -> None:
    ref = tmp_path / "ref"
    shutil.copytree(done, ref)
    _part(done, PART1).unlink()
    p = _part(done, PART2)
    p.write_bytes(p.read_bytes()[:100])
    q = _part(done, PART0)
    data = bytearray(q.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size, one bit changed
    q.write_bytes(bytes(data))
    calls = _counting(monkeypatch)
    assert main(["check-results", str(done), "--repair"]) == 0
    assert sorted(calls) == [*range(0, 50), *range(50, 100), *range(100, 150)]  # the three damaged chunks only
    assert _files(done) == _files(ref)
    m, r = _manifest(done), _manifest(ref)
    assert (m["parts"], m["checksums"], m["status"]) == (r["parts"], r["checksums"], r["status"])
    assert main(["check-results", str(done)]) == 0
    calls.clear()
    assert main(["check-results", str(done), "--repair"]) == 0 and calls == []  # nothing to redo


def _interrupted(tiny_path, results_root, monkeypatch) -> Path:
    def unit(sc, engine, u, seed, point=0, crn=True):
        if u.index == 2 * DES_CHUNK_REPLICATIONS + 10:
            raise KeyboardInterrupt
        return fe.simulate_unit(sc, engine, u, seed, point, crn)

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", fe.chunk_of(unit))
    assert main(["run", str(tiny_path), *RUN, "--results-root", str(results_root)]) == 130
    (path,) = list(results_root.iterdir())
    assert list(_manifest(path)["parts"]["bases"]) == [PART0, PART1]
    return path


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_resume_refuses_a_damaged_part(tiny_path, results_root, tmp_path, monkeypatch, capsys, fake_engine,
                                       damage) -> None:
    path = _interrupted(tiny_path, results_root, monkeypatch)
    p = _part(path, PART1)
    if damage == "missing":
        p.unlink()
    else:
        p.write_bytes(p.read_bytes()[:-10])
    before = _manifest(path)
    calls = _counting(monkeypatch)
    capsys.readouterr()
    assert main(["run", str(tiny_path), "--resume", str(path), "--quiet", "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert PART1 in err and PART0 not in err and "check-results" in err and "--repair" in err
    assert "Traceback" not in err and err.count("\n") <= 2
    assert calls == [] and _manifest(path) == before  # nothing ran, nothing was written
    assert not (path / "runs.parquet").exists()
    # repair the part, then resume: the tables of an uninterrupted run
    assert main(["check-results", str(path), "--repair"]) == 0
    assert sorted(calls) == list(range(50, 100))
    assert main(["run", str(tiny_path), "--resume", str(path), "--quiet", "--no-charts"]) == 0
    ref = tmp_path / "ref"
    assert main(["run", str(tiny_path), *RUN, "--out", str(ref)]) == 0
    assert _files(path) == _files(ref)


GRID = {"kind": "grid", "parameters": {"flights.p_grant": [0.1, 0.6]}}


def test_repair_a_sweep(tiny_path, tmp_path) -> None:
    kw = {"replications": 5, "engine": "des", "seed": 3, "chunk_replications": 2, "simulate": fe.simulate_unit}
    a, ref = tmp_path / "a", tmp_path / "ref"
    sweep(tiny_path, parse_design(GRID), out=a, **kw)
    sweep(tiny_path, parse_design(GRID), out=ref, **kw)
    parts = sorted(_manifest(a)["parts"]["bases"])
    assert len(parts) == 2 * 3
    _part(a, parts[4]).write_bytes(b"PAR1 not parquet")
    res = repair(a, simulate=fe.simulate_unit)
    assert res.repaired == [parts[4]] and res.clean
    assert _files(a) == _files(ref)


def test_a_compare_folder_cannot_be_repaired(tiny_path, tmp_path, fake_engine, capsys) -> None:
    out = tmp_path / "c"
    assert main(["compare", str(tiny_path), "--set-variant", "flights.p_grant=0.5", "--engine", "des",
                 "-n", "10", "--seed", "1", "--out", str(out), "--quiet", "--no-charts"]) == 0
    pid = sorted(_manifest(out)["parts"]["bases"])[0]
    _part(out, pid).unlink()
    capsys.readouterr()
    assert main(["check-results", str(out), "--repair"]) == 2
    assert "cannot be repaired" in capsys.readouterr().err
