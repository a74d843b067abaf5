"""Bad input through the CLI: exit code 2, one message naming the file and the field, no
traceback, and no results folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _drop(path: str) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        *head, last = path.split(".")
        node: Any = d
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        del node[int(last) if isinstance(node, list) else last]

    return change


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        *head, last = path.split(".")
        node: Any = d
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


# (case id, change to the tiny scenario, field the message must name)
MALFORMED: list[tuple[str, Callable[[dict], None], str]] = [
    ("missing_calendar", _drop("calendar"), "calendar"),
    ("missing_name", _drop("name"), "name"),
    ("missing_base_leave_by", _drop("sites.alpha.leave_by"), "sites.alpha.leave_by"),
    ("wrong_type", _set("convoy.max_vehicles", "many"), "convoy.max_vehicles"),
    ("wrong_type_block", _set("flights", 3), "flights"),
    ("unknown_key", _set("flights.p_grnat", 0.5), "flights.p_grnat"),
    ("unknown_top_key", _set("colour", "blue"), "colour"),
    ("negative_km", _set("roads.0.km", -5), "roads.0.km"),
    ("zero_speed", _set("terrain.track.speed_kmh", 0), "terrain.track.speed_kmh"),
    ("probability_above_1", _set("flights.p_grant", 1.5), "flights.p_grant"),
    ("probability_below_0", _set("road_movements.p_grant", -0.1), "road_movements.p_grant"),
    ("negative_count", _set("fleet.lifts.north.trucks", -1), "fleet.lifts.north.trucks"),
    ("negative_personnel", _set("sites.alpha.personnel", -3), "sites.alpha.personnel"),
    ("leave_before_withdraw", _set("sites.alpha.leave_by", "2024-01-01"), "sites.alpha"),
    ("deadline_before_start", _set("calendar.deadline", "2023-12-01"), "calendar"),
    ("road_to_unknown_site", _set("roads.1.to", "nowhere"), "roads.1.to"),
    ("unknown_threat_level", _set("roads.0.threat", "extreme"), "roads.0.threat"),
    ("unknown_terrain", _set("roads.0.terrain", "swamp"), "roads.0.terrain"),
    ("disconnected_base", _set("roads.1.to", "mid2"), "roads.1.to"),
    ("unreachable_base", _drop("roads.1"), "sites.alpha"),
    ("unknown_cargo_class", _set("sites.alpha.cargo.fuel", 3), "sites.alpha.cargo.fuel"),
    ("lift_serves_unknown_base", _set("fleet.lifts.north.serves", ["beta"]), "fleet.lifts.north.serves.0"),
    ("bad_date", _set("sites.alpha.withdraw_from", "the day after"), "sites.alpha.withdraw_from"),
    ("sensitive_handover", _set("cargo_classes.sensitive.if_left", "handover"), "cargo_classes.sensitive"),
    ("lift_serves_nothing", _set("fleet.lifts.north.serves", []), "fleet.lifts.north.serves"),
    ("time_zone_offset", _set("calendar.start", "2023-10-01T00:00:00+00:00"), "calendar.start"),
]


def _assert_bad(code: int, err: str, file: Path | str, field: str | None, results_root: Path) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert str(file) in err, err
    if field:
        assert field in err, err
    assert err.count("\n") <= 2, err  # one paragraph
    assert not results_root.exists() or list(results_root.iterdir()) == []


@pytest.mark.parametrize(("change", "field"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_scenarios(change, field, tiny_scenario, write_scenario, results_root, capsys):
    data = tiny_scenario()
    change(data)
    path = write_scenario(data)
    code = main(["run", str(path), "--results-root", str(results_root)])
    out, err = capsys.readouterr()
    _assert_bad(code, err, path, field, results_root)
    assert out == ""


FILES: list[tuple[str, bytes | None, str]] = [
    ("empty", b"", "empty"),
    ("only_comments", b"# nothing here\n", "empty"),
    ("not_yaml", b"name: [unclosed\ncalendar: {", "not valid YAML"),
    ("yaml_list", b"- a\n- b\n", "mapping"),
    ("yaml_scalar", b"just words\n", "mapping"),
    ("invalid_utf8", b"name: \xff\xfe\n", "UTF-8"),
    ("missing_file", None, "not found"),
]


@pytest.mark.parametrize(("content", "message"), [f[1:] for f in FILES], ids=[f[0] for f in FILES])
def test_unreadable_files(content, message, tmp_path, results_root, capsys):
    path = tmp_path / "scenario.yaml"
    if content is not None:
        path.write_bytes(content)
    code = main(["run", str(path), "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    _assert_bad(code, err, path, None, results_root)
    assert message in err


def test_directory_instead_of_file(tmp_path, results_root, capsys):
    code = main(["run", str(tmp_path), "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    _assert_bad(code, err, tmp_path, None, results_root)
    assert "directory" in err


@pytest.mark.parametrize(
    ("override", "field"),
    [("roads.9.km=3", "--set roads.9.km"), ("name.first=x", "--set name.first"),
     ("flights.p_grant", "--set flights.p_grant"), ("flights.p_grant=2", "flights.p_grant"),
     ("flights.nonsense=1", "flights.nonsense")],
)
def test_bad_set(override, field, tiny_path, results_root, capsys):
    code = main(["run", str(tiny_path), "--set", override, "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    _assert_bad(code, err, tiny_path, field, results_root)


@pytest.mark.parametrize(("flag", "field"), [("--replications=0", "replications"), ("--seed=-4", "seed")])
def test_bad_run_numbers(flag, field, tiny_path, results_root, capsys):
    code = main(["run", str(tiny_path), flag, "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    _assert_bad(code, err, tiny_path, field, results_root)


def test_engine_refusal_is_bad_input(tiny_path, results_root, capsys, monkeypatch):
    import sim.engine

    class Unsupported(ValueError):
        pass

    def refuse(sc, engine):
        raise Unsupported("convoy.slowdown_per_100_vehicles: a convoy's speed depends on its losses")

    monkeypatch.setattr(sim.engine, "check_engine", refuse)
    code = main(["run", str(tiny_path), "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    _assert_bad(code, err, tiny_path, "convoy.slowdown_per_100_vehicles", results_root)
    assert "--engine des" in err


def test_unwritable_results_root(tiny_path, tmp_path, capsys, fake_engine):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code = main(["run", str(tiny_path), "--replications", "5", "--results-root", str(blocker / "results")])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert str(blocker / "results") in err and "cannot create results root" in err


def test_out_folder_in_use(tiny_path, tmp_path, capsys, fake_engine):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code = main(["run", str(tiny_path), "--replications", "5", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2 and "not empty" in err and str(out) in err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_validate_reports_every_bad_file(tiny_path, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a mapping\n")
    code = main(["validate", str(tiny_path), str(bad), str(tmp_path / "missing.yaml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"OK  {tiny_path}" in out
    assert str(bad) in err and "missing.yaml" in err and "Traceback" not in err


def _subprocess(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120, check=False)


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
    _assert_bad(res.returncode, res.stderr, path, field, results_root)
    assert res.stdout == ""
