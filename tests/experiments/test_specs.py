"""Sweep and sensitivity files as pydantic models: the shipped files load and match their JSON
Schema; a bad field is a ``ScenarioError`` naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.experiments.designs import Design
from sim.experiments.specs import SPECS, LoadedSensitivity, LoadedSweep, load_sensitivity, load_sweep
from sim.model.errors import ScenarioError
from sim.model.loader import read_yaml
from tests.helpers.paths import KIDAL, SWEEPS


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_shipped_files_load_and_match_their_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = read_yaml(path)
    kind = "sensitivity" if "method" in data else "sweep"
    schema = SPECS[kind].model_json_schema(by_alias=True)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)  # dates as an editor sees them
    loaded = load_sensitivity(path) if kind == "sensitivity" else load_sweep(path)
    assert loaded.file == path and loaded.scenario == (path.parent / data["scenario"])
    if isinstance(loaded, LoadedSweep):
        assert isinstance(loaded.design, Design) and loaded.design.points().shape[0] >= 1
    else:
        assert isinstance(loaded, LoadedSensitivity) and len(loaded.parameters) == len(data["parameters"])


GRID = "design: {kind: grid, parameters: {flights.p_grant: [0.1]}}\n"


@pytest.mark.parametrize(("text", "field"), [
    (f"scenario: {KIDAL}\nreplications: 0\n{GRID}", "replications"),
    (f"scenario: {KIDAL}\nseed: -1\n{GRID}", "seed"),
    (f"scenario: {KIDAL}\nengine: fast\n{GRID}", "engine"),
    (f"scenario: {KIDAL}\ncolour: blue\n{GRID}", "colour"),
    (f"scenario: {KIDAL}\n", "design"),
    (f"scenario: {KIDAL}\ndesign: {{kind: cube, parameters: {{flights.p_grant: [0.1]}}}}\n", "design.kind"),
    ("scenario: missing.yaml\n" + GRID, "scenario"),
])
def test_bad_sweep_files_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_sweep(f)
    assert err.value.file == str(f) and err.value.field == field, err.value


@pytest.mark.parametrize(("text", "field"), [
    ("method: sobol\nmetric: on_time\nn: 6\nparameters: {flights.p_grant: {low: 0, high: 1}}\n", "n"),
    ("method: slope\nmetric: on_time\nparameters: {flights.p_grant: {low: 0, high: 1}}\n", "method"),
    ("metric: on_time\nparameters: {}\n", "parameters"),
    ("metric: on_time\nparameters: {flights.p_grant: [0.1, 0.2]}\n", "parameters.flights.p_grant"),
])
def test_bad_sensitivity_files_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(f"scenario: {KIDAL}\n" + text)
    with pytest.raises(ScenarioError) as err:
        load_sensitivity(f)
    assert err.value.file == str(f) and err.value.field is not None and err.value.field.startswith(field), err.value
