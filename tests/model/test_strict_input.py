"""Strict input (issue 21): duplicate keys, YAML 1.2 core-schema scalars, non-standard tags,
booleans that are not numbers (in files and in ``--set``), dates before ``calendar.start``,
impossible dates, bounded scenario names. Each case through ``withdrawal-sim validate``: exit 2,
one paragraph naming the file, the field (and the lines), no traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli.main import main
from sim.model.loader import load_scenario, read_yaml, validate
from sim.model.strict_yaml import load_strict
from tests.helpers.builders import edit
from tests.helpers.cli import assert_bad_input
from tests.helpers.fuzz_mutations import get, walk
from tests.helpers.paths import SHIPPED


def _kidal_text(kidal_path: Path) -> str:
    return kidal_path.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    """1-based number of the first line that starts with ``needle``."""
    return next(i + 1 for i, line in enumerate(text.splitlines()) if line.startswith(needle))


def _validate(path: Path, capsys: Any, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["validate", str(path), *args])
    return code, capsys.readouterr().err


def _refused(path: Path, capsys: Any, field: str, *args: str, also: tuple[str, ...] = ()) -> str:
    code, err = _validate(path, capsys, *args)
    assert_bad_input(code, err, path, field, path.parent / "no-results")
    for text in also:
        assert text in err, err
    return err


# -- duplicate keys ------------------------------------------------------------------------------------


def test_a_site_defined_twice_is_refused_with_both_lines(kidal_path, tmp_path, capsys):
    text = _kidal_text(kidal_path)
    first = _line_of(text, "  kidal:")
    block = text.splitlines()[first - 1:first + 13]  # the kidal base, repeated under sites
    lines = text.splitlines()
    at = _line_of(text, "waypoints:") - 1
    lines[at:at] = block
    path = tmp_path / "dup_site.yaml"
    path.write_text("\n".join(lines) + "\n")
    _refused(path, capsys, "sites.kidal", also=(f"lines {first} and {at + 1}",))


def test_p_grant_twice_in_flights_is_refused(kidal_path, tmp_path, capsys):
    text = _kidal_text(kidal_path)
    at = _line_of(text, "flights:")
    lines = text.splitlines()
    lines.insert(at, "  p_grant: 0.9")
    path = tmp_path / "dup_p.yaml"
    path.write_text("\n".join(lines) + "\n")
    _refused(path, capsys, "flights.p_grant", also=(f"lines {at + 1} and {at + 2}",))


def test_two_roads_blocks_are_refused(kidal_path, tmp_path, capsys):
    text = _kidal_text(kidal_path)
    first = _line_of(text, "roads:")
    path = tmp_path / "dup_roads.yaml"
    path.write_text(text + "roads:\n  - {from: kidal, to: gao, km: 300, terrain: track, threat: high}\n")
    second = len(text.splitlines()) + 1
    _refused(path, capsys, "roads", also=(f"lines {first} and {second}",))


def test_keys_that_read_as_the_same_value_are_duplicates():
    with pytest.raises(yaml.YAMLError, match="given twice"):
        load_strict("a:\n  1: x\n  01: y\n")


def test_merge_keys_and_anchors_still_work():
    data = load_strict("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n")
    assert data == {"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}, "list": [{"x": 1, "y": 2}]}


def test_the_many_bases_file_of_anchors_and_merges_validates(tmp_path):
    from tests.helpers.many_bases import many_bases_yaml

    path = tmp_path / "many.yaml"
    path.write_text(many_bases_yaml(50))
    sc = load_scenario(path)
    assert len(sc.bases) == 50 and len(sc.roads) == 50


# -- YAML 1.2 core schema -------------------------------------------------------------------------------

CORE = [
    ("24:00", "24:00"), ("1:30:00", "1:30:00"), ("0100", 100), ("0o17", 15), ("0x1F", 31), ("-007", -7),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("true", True), ("True", True),
    ("TRUE", True), ("False", False), ("tRUE", "tRUE"), ("1e3", 1000.0), (".5", 0.5), ("-.inf", float("-inf")),
    ("1_000", "1_000"), ("0b101", "0b101"), ("~", None), ("null", None), ("NULL", None), ("", None),
    ("2023-10-31", dt.date(2023, 10, 31)), ("2024-02-30", "2024-02-30"), ("=", "="),
]


@pytest.mark.parametrize(("scalar", "value"), CORE, ids=[c[0] or "empty" for c in CORE])
def test_scalars_follow_the_yaml_1_2_core_schema(scalar, value):
    assert load_strict(f"k: {scalar}\n") == {"k": value}


def test_sexagesimal_notice_hours_is_refused_not_1440(kidal_path, tmp_path, capsys):
    path = tmp_path / "sexagesimal.yaml"
    path.write_text(_kidal_text(kidal_path).replace("notice_hours: 48}", "notice_hours: 24:00}"))
    _refused(path, capsys, "sites.kidal.early_exit.notice_hours", also=("24:00",))


def test_a_leading_zero_is_decimal_not_octal(kidal_path, tmp_path):
    path = tmp_path / "octal.yaml"
    path.write_text(_kidal_text(kidal_path).replace("personnel: 1000 ", "personnel: 01000"))
    assert load_scenario(path).bases["kidal"].personnel == 1000  # not 512


@pytest.mark.parametrize("word", ["yes", "on", "y", "1"])
def test_yes_on_are_not_booleans(word, kidal_path, tmp_path, capsys):
    path = tmp_path / "yes.yaml"
    path.write_text(_kidal_text(kidal_path).replace("daylight_only: true", f"daylight_only: {word}"))
    _refused(path, capsys, "convoy.daylight_only")


@pytest.mark.parametrize("word", ["True", "TRUE"])
def test_true_in_any_core_case_is_a_boolean(word, kidal_path, tmp_path):
    path = tmp_path / "true.yaml"
    path.write_text(_kidal_text(kidal_path).replace("daylight_only: true", f"daylight_only: {word}"))
    assert load_scenario(path).convoy.daylight_only is True


@pytest.mark.parametrize("tagged", ["!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!secret x",
                                    "!!python/name:os.system"])
def test_non_standard_tags_are_refused_naming_the_line(tagged, kidal_path, tmp_path, capsys):
    text = _kidal_text(kidal_path)
    at = _line_of(text, "description:")
    path = tmp_path / "tag.yaml"
    path.write_text(text.replace("description: >-", f"description: {tagged}\nzz_old: >-", 1))
    _refused(path, capsys, "description", also=(f"line {at}", tagged.split()[0].split(":")[0]))


def test_standard_tags_are_read():
    assert load_strict("a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!bool true\n") == \
        {"a": "12", "b": 7, "c": 1.0, "d": True}


# -- booleans are not numbers -----------------------------------------------------------------------------


def _numeric_paths(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [p for p in walk(data) if isinstance(get(data, p), int | float) and not isinstance(get(data, p), bool)]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_no_number_of_a_shipped_scenario_accepts_a_boolean(path):
    """Every number in the shipped files (counts, probabilities, rates, coordinates, hours) refuses
    ``true`` and ``false``, naming its field."""
    raw = read_yaml(path)
    paths = _numeric_paths(raw)
    assert len(paths) > 40
    accepted = []
    for p in paths:
        for flag in (True, False):
            data = edit(raw, **{"__".join(str(k) for k in p): flag})
            try:
                validate(data, path)
            except Exception as exc:  # noqa: BLE001 (the check below says which)
                dotted = ".".join(str(k) for k in p)
                if dotted not in str(exc):
                    accepted.append(f"{dotted}={flag}: {exc}")
            else:
                accepted.append(f"{'.'.join(str(k) for k in p)}={flag} accepted")
    assert accepted == []


@pytest.mark.parametrize(("text", "field"), [("trucks: 200", "fleet.lifts.gao_north.trucks"),
                                             ("p_grant: 0.0", "air_cover.p_grant")])
def test_true_as_a_count_or_probability_in_a_file(text, field, kidal_path, tmp_path, capsys):
    path = tmp_path / "bool.yaml"
    path.write_text(_kidal_text(kidal_path).replace(text, text.split(":")[0] + ": true", 1))
    _refused(path, capsys, field, also=("not true",))


@pytest.mark.parametrize(("override", "field"), [
    ("flights.p_grant=true", "flights.p_grant"), ("convoy.max_vehicles=true", "convoy.max_vehicles"),
    ("sites.kidal.personnel=false", "sites.kidal.personnel"), ("convoy.daylight_only=yes", "convoy.daylight_only"),
    ("sites.kidal.early_exit.notice_hours=24:00", "sites.kidal.early_exit.notice_hours"),
    ("description=!!binary aGVsbG8=", "description"), ("calendar.start=2024-02-30", "calendar.start"),
    ("calendar.start=2023-13-45", "calendar.start"), ("calendar.deadline=0000-01-01", "calendar.deadline"),
    ("threats={a: 1, a: 2}", "threats"),
])
def test_set_goes_through_the_same_strict_reading(override, field, kidal_path, capsys):
    err = _refused(kidal_path, capsys, field, "--set", override)
    if "a: 2" in override:
        assert "given twice" in err


def test_set_reads_numbers_by_yaml_1_2(kidal_path):
    sc = load_scenario(kidal_path, ["sites.kidal.personnel=01000", "flights.p_grant=5e-1", "convoy.daylight_only=False"])
    assert sc.bases["kidal"].personnel == 1000 and sc.flights.p_grant == 0.5 and sc.convoy.daylight_only is False


# -- dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "field"), [
    ({"sites__alpha__withdraw_from": "2023-12-20"}, "sites.alpha.withdraw_from"),
    ({"sites__alpha__withdraw_from": "2023-12-01", "sites__alpha__leave_by": "2023-12-15"},
     "sites.alpha.withdraw_from"),
    ({"sites__alpha__early_exit": {"from": "2023-12-30", "hazard_per_day": 0.1}}, "sites.alpha.early_exit.from"),
    ({"fleet__lifts__north__available_from": "2023-12-31T12:00"}, "fleet.lifts.north.available_from"),
])
def test_times_before_calendar_start_are_refused(change, field, tiny_scenario, write_scenario, capsys):
    path = write_scenario(edit(tiny_scenario(), **change))
    _refused(path, capsys, field, also=("before calendar.start",))


@pytest.mark.parametrize("engine", ["batch", "des"])
def test_run_refuses_a_base_before_the_start_with_exit_2(engine, tiny_scenario, write_scenario, results_root,
                                                          capsys):
    path = write_scenario(edit(tiny_scenario(), sites__alpha__withdraw_from="2023-12-20"))
    code = main(["run", str(path), "-n", "2", "--engine", engine, "--no-charts", "--results-root", str(results_root)])
    assert_bad_input(code, capsys.readouterr().err, path, "sites.alpha.withdraw_from", results_root)


def test_an_impossible_date_in_a_file_names_the_field(kidal_path, tmp_path, capsys):
    path = tmp_path / "date.yaml"
    path.write_text(_kidal_text(kidal_path).replace("withdraw_from: 2023-10-01", "withdraw_from: 2023-02-30"))
    _refused(path, capsys, "sites.kidal.withdraw_from")


# -- names ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "ok"), [("x" * 80, True), ("é" * 80, True), ("kidal 2023 (b)", True),
                                          ("x" * 81, False), ("x" * 10_000, False), ("", False), ("   ", False),
                                          ("two\nlines", False), ("tab\there", False), ("nul\x00", False)])
def test_scenario_names_are_bounded(name, ok, tiny_scenario, write_scenario, capsys):
    path = write_scenario(edit(tiny_scenario(), name=name))
    if ok:
        assert _validate(path, capsys)[0] == 0
    else:
        err = _refused(path, capsys, "name")
        assert len(err) < 500  # the message does not repeat a 10,000-character name


# -- validation is linear in the file's size -----------------------------------------------------------------


def _operations(path: Path) -> int:
    """Python and C function calls made by ``load_scenario``: a count that does not depend on the
    machine's speed or load, unlike a timing."""
    import sys

    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        load_scenario(path)
    finally:
        sys.setprofile(None)
    return calls


def test_validation_is_linear_in_the_number_of_bases(tmp_path):
    """500 and 2,000 bases (anchors and merge keys): four times the bases costs about four times
    the work (the quadratic per-base route search and site lookups made it sixteen)."""
    from tests.helpers.many_bases import many_bases_yaml

    ops = {}
    for n in (500, 2000):
        path = tmp_path / f"many{n}.yaml"
        path.write_text(many_bases_yaml(n))
        ops[n] = _operations(path)
    assert ops[2000] < 6 * ops[500], ops
