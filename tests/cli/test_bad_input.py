"""Bad input through the CLI: exit code 2, one message naming the file and the field, no
traceback, and no results folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sim.cli.main import main
from tests.helpers.builders import edit, without
from tests.helpers.cli import assert_bad_input


def _drop(path: str) -> Callable[[dict], dict]:
    return lambda d: without(d, path.replace(".", "__"))


def _set(path: str, value: Any) -> Callable[[dict], dict]:
    return lambda d: edit(d, **{path.replace(".", "__"): value})


# (case id, change to the tiny scenario, field the message must name)
MALFORMED: list[tuple[str, Callable[[dict], dict], str]] = [
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


@pytest.mark.parametrize(("change", "field"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_scenarios(change, field, tiny_scenario, write_scenario, results_root, capsys):
    path = write_scenario(change(tiny_scenario()))
    code = main(["run", str(path), "--results-root", str(results_root)])
    out, err = capsys.readouterr()
    assert_bad_input(code, err, path, field, results_root)
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
    assert_bad_input(code, err, path, None, results_root)
    assert message in err


def test_directory_instead_of_file(tmp_path, results_root, capsys):
    code = main(["run", str(tmp_path), "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    assert_bad_input(code, err, tmp_path, None, results_root)
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
    assert_bad_input(code, err, tiny_path, field, results_root)


@pytest.mark.parametrize(("flag", "field"), [("--replications=0", "replications"), ("--seed=-4", "seed"),
                                            ("--workers=0", "workers")])
def test_bad_run_numbers(flag, field, tiny_path, results_root, capsys):
    code = main(["run", str(tiny_path), flag, "--results-root", str(results_root)])
    _, err = capsys.readouterr()
    assert_bad_input(code, err, tiny_path, field, results_root)


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
