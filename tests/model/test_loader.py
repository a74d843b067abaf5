"""Loading scenarios: dotted-path overrides, list indices, the JSON Schema export, hash stability."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from sim.model.loader import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_override,
    read_yaml,
    scenario_dict,
    scenario_hash,
    set_path,
    validate,
)
from sim.model.schema import Scenario


def test_kidal_loads(kidal_path):
    sc = load_scenario(kidal_path)
    assert sc.name == "kidal_2023"
    assert set(sc.bases) == {"kidal"} and set(sc.hubs) == {"gao"}
    assert sum(r.km for r in sc.roads) == pytest.approx(352)


def test_overrides_by_dotted_path(kidal_path):
    sc = load_scenario(kidal_path, {"flights.p_grant": 0.5, "sites.kidal.leave_by": "2023-11-01"})
    assert sc.flights.p_grant == 0.5
    assert sc.sites["kidal"].leave_by == dt.datetime(2023, 11, 1)
    same = load_scenario(kidal_path, ["flights.p_grant=0.5", "sites.kidal.leave_by=2023-11-01"])
    assert scenario_hash(same) == scenario_hash(sc)


def test_override_makes_missing_blocks(kidal_path):
    sc = load_scenario(kidal_path, ["sites.kidal.airstrip=null", "convoy.escorts_per_convoy=2"])
    assert sc.sites["kidal"].airstrip is None
    assert sc.convoy.escorts_per_convoy == 2
    data = set_path({"a": None}, "a.b.c", 1)
    assert data == {"a": {"b": {"c": 1}}}


def test_list_index_paths(kidal_path):
    sc = load_scenario(kidal_path, ["roads.0.km=100", "roads.4.threat=low", "fleet.lifts.gao_north.serves.0=kidal"])
    assert sc.roads[0].km == 100 and sc.roads[4].threat == "low"
    assert sum(r.km for r in sc.roads) == pytest.approx(340)


def test_overrides_do_not_touch_the_input():
    data = {"a": [1, 2, {"b": 3}]}
    out = apply_overrides(data, {"a.2.b": 4, "a.0": 9})
    assert out == {"a": [9, 2, {"b": 4}]}
    assert data == {"a": [1, 2, {"b": 3}]}


@pytest.mark.parametrize(
    ("override", "field"),
    [("roads.9.km=3", "roads.9.km"), ("roads.x.km=3", "roads.x.km"), ("name.first=x", "name.first"),
     ("flights.p_grant", "flights.p_grant"), ("=3", "")],
)
def test_bad_override_paths_name_the_path(kidal_path, override, field):
    with pytest.raises(ScenarioError) as err:
        load_scenario(kidal_path, [override])
    assert err.value.field.removeprefix("--set ").strip() == field
    assert err.value.file == str(kidal_path)


def test_override_values_are_validated(kidal_path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(kidal_path, ["flights.p_grant=1.5"])
    assert err.value.field == "flights.p_grant"
    assert str(kidal_path) in str(err.value)


def test_parse_override_reads_yaml_values():
    assert parse_override("a.b=0.5") == ("a.b", 0.5)
    assert parse_override("a=[1, 2]") == ("a", [1, 2])
    assert parse_override("a=yes please") == ("a", "yes please")
    assert parse_override("a=") == ("a", None)


def _walk_objects(schema):
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def test_schema_is_json_and_closed():
    schema = Scenario.model_json_schema(by_alias=True)
    text = json.dumps(schema)
    assert json.loads(text) == schema
    assert schema["additionalProperties"] is False
    assert {"name", "calendar", "sites", "roads", "threats"} <= set(schema["required"])
    objects = list(_walk_objects(schema))
    assert len(objects) > 20
    assert all(o.get("additionalProperties") is False for o in objects)
    road = schema["$defs"]["Road"]["properties"]
    assert "from" in road and "from_" not in road


def test_schema_accepts_the_shipped_scenario(kidal_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = Scenario.model_json_schema(by_alias=True)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(scenario_dict(load_scenario(kidal_path)), schema)


def test_hash_is_stable(kidal_path, tiny_scenario):
    a = load_scenario(kidal_path)
    b = load_scenario(kidal_path)
    h = scenario_hash(a)
    assert len(h) == 64 and int(h, 16) >= 0
    assert scenario_hash(b) == h
    assert scenario_hash(validate(scenario_dict(a))) == h  # round trip through the scenario as run
    data = tiny_scenario()
    reordered = dict(reversed(list(data.items())))
    assert scenario_hash(validate(reordered)) == scenario_hash(validate(data))
    data["flights"]["p_grant"] = 0.31
    assert scenario_hash(validate(data)) != scenario_hash(validate(tiny_scenario()))


def test_defaults_written_out_give_the_same_hash(tiny_scenario):
    data = tiny_scenario()
    explicit = yaml.safe_load(yaml.safe_dump(scenario_dict(validate(data))))
    assert scenario_hash(validate(explicit)) == scenario_hash(validate(data))


def test_read_yaml_rejects_alias_bombs(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines))
    with pytest.raises(ScenarioError, match="aliases"):
        read_yaml(bomb)


def test_parallel_roads_keep_the_one_routing_prefers(kidal_path):
    """A second, longer but faster (paved) road between the same places is the one routed on."""
    from sim.model.loader import read_yaml, validate
    from sim.model.network import routes

    data = read_yaml(kidal_path)
    data["roads"].append({"from": "kidal", "to": "anefis", "km": 130, "terrain": "paved", "threat": "high"})
    sc = validate(data, kidal_path)
    first = routes(sc)["kidal"][0]
    assert (first.km, first.terrain) == (130, "paved")
    data["routing"] = {"objective": "risk"}
    sc = validate(data, kidal_path)
    assert routes(sc)["kidal"][0].km == 112  # same threat level: the shorter road is less exposed
