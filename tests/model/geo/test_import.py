"""GeoJSON roads and sites into scenario blocks: the round trip on the shipped scenarios, splitting
at junctions and sites on a synthetic layout, and one clear message per bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.model.errors import ScenarioError
from sim.model.geo.blocks import import_geo
from sim.model.geo.export import dumps, scenario_geojson
from sim.model.geo.measure import geodesic_km
from sim.model.geo.network_import import ImportOptions, import_network
from sim.model.loader import load_scenario, scenario_dict, validate
from tests.helpers import geo
from tests.helpers.builders import edit, one_leg
from tests.helpers.paths import SCENARIOS, SHIPPED

GEO = SCENARIOS / "geo"


def _export(sc, tmp: Path) -> tuple[Path, Path]:
    roads, sites = scenario_geojson(sc)
    (tmp / "r.geojson").write_text(dumps(roads))
    (tmp / "s.geojson").write_text(dumps(sites))
    return tmp / "r.geojson", tmp / "s.geojson"


def _without_sources(sc) -> dict:
    d = scenario_dict(sc)
    d.pop("sources", None)
    return d


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_round_trip_yaml_geojson_yaml_gives_the_same_network(path: Path, tmp_path: Path) -> None:
    sc = load_scenario(path)
    roads, sites = _export(sc, tmp_path)
    back = import_geo(roads, sites, into=path)
    assert back.scenario is not None
    assert back.scenario.roads == sc.roads  # same order, ends, km, terrain, threat, clearance
    assert back.scenario.waypoints == sc.waypoints
    assert back.scenario.sites == sc.sites
    assert _without_sources(back.scenario) == _without_sources(sc)  # nothing else changed
    ids = [s.id for s in back.scenario.sources]
    assert ids[-2:] == ["geo_roads", "geo_sites"] and ids[:-2] == [s.id for s in sc.sources]
    assert "sha256" in back.scenario.sources[-1].citation
    # the written YAML is an ordinary scenario file
    out = tmp_path / "back.yaml"
    out.write_text(yaml.safe_dump(back.data, sort_keys=False))
    assert load_scenario(out).roads == sc.roads


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_geojson_is_current_and_imports_back(path: Path) -> None:
    sc = load_scenario(path)
    roads, sites = scenario_geojson(sc)
    assert (GEO / f"{sc.name}.roads.geojson").read_text() == dumps(roads)
    assert (GEO / f"{sc.name}.sites.geojson").read_text() == dumps(sites)
    back = import_geo(GEO / f"{sc.name}.roads.geojson", GEO / f"{sc.name}.sites.geojson", into=path)
    assert back.scenario.roads == sc.roads and back.scenario.waypoints == sc.waypoints


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_geodesic_km_of_the_shipped_lines(path: Path) -> None:
    """With the km properties ignored, each road's km is its straight line's geodesic length (which
    the export records as ``geodesic_km``): the record's km are longer than the straight lines, so
    the round trip keeps them as properties instead."""
    sc = load_scenario(path)
    roads, _ = scenario_geojson(sc)
    net = import_network(GEO / f"{sc.name}.roads.geojson", GEO / f"{sc.name}.sites.geojson",
                         ImportOptions(km_property=False))
    for road, feat in zip(net.roads, roads["features"], strict=True):
        assert (road["from"], road["to"]) == (feat["properties"]["from"], feat["properties"]["to"])
        assert road["km"] == pytest.approx(feat["properties"]["geodesic_km"], abs=1e-3)
        assert road["km"] == pytest.approx(geodesic_km(feat["geometry"]["coordinates"]), abs=1e-3)


def test_roads_split_at_junctions_and_sites(tmp_path: Path) -> None:
    roads, sites = geo.cross_layout(tmp_path)
    net = import_network(roads, sites)
    ends = [(r["from"], r["to"]) for r in net.roads]
    assert ends == [("west", "village"), ("village", "junction_1"), ("junction_1", "east"),
                    ("south", "junction_1"), ("junction_1", "north")]
    assert net.waypoints["junction_1"] == pytest.approx({"lat": 16.0, "lon": 1.0})
    assert set(net.sites) == {"west", "north", "east"} and set(net.waypoints) == {"south", "village", "junction_1"}
    # km: geodesic lengths of the pieces, which add up to the lines they came from
    assert net.roads[0]["km"] == pytest.approx(geodesic_km([(0, 16), (0.5, 16)]), abs=1e-3)
    ew = sum(r["km"] for r in net.roads[:3])
    assert ew == pytest.approx(geodesic_km([(0, 16), (2, 16)]), abs=3e-3)  # km are rounded to metres
    sn = net.roads[3]["km"] + net.roads[4]["km"]
    assert sn == pytest.approx(geodesic_km([(1, 15), (1, 17)]), abs=2e-3)
    # the stub led nowhere: dropped, said so, and its junction dissolved into the east road
    assert any("dead-end" in n for n in net.notes)
    assert "shape" not in net.roads[2]  # (1, 16) → (1.5, 16) → (2, 16) simplified to a straight line


def test_km_property_is_shared_among_the_pieces(tmp_path: Path) -> None:
    roads = geo.write(tmp_path / "r.geojson", [
        geo.line([(0.0, 16.0), (1.0, 16.0), (3.0, 16.0)], terrain="paved", threat="low", km=400),
        geo.line([(1.0, 16.0), (1.0, 17.0)], terrain="track", threat="high")])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("hub", "hub", 0.0, 16.0), geo.site("b", "base", 3.0, 16.0),
                                               geo.site("c", "base", 1.0, 17.0)])
    net = import_network(roads, sites)
    km = {(r["from"], r["to"]): r["km"] for r in net.roads}
    assert km[("hub", "junction_1")] + km[("junction_1", "b")] == pytest.approx(400.0)
    assert km[("hub", "junction_1")] == pytest.approx(400 / 3, rel=1e-3)  # a third of the line, a third of the km
    assert km[("junction_1", "c")] == pytest.approx(geodesic_km([(1, 16), (1, 17)]), abs=1e-3)
    assert {r["terrain"] for r in net.roads} == {"paved", "track"}


def test_shapes_are_kept_for_maps(tmp_path: Path) -> None:
    wiggle = [(0.0, 16.0), (0.2, 16.1), (0.4, 15.9), (0.6, 16.1), (0.8, 16.0)]
    roads = geo.write(tmp_path / "r.geojson", [geo.line(wiggle, terrain="track", threat="low")])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 0.8, 16.0)])
    net = import_network(roads, sites)
    assert net.roads[0]["shape"] == [list(p) for p in wiggle[1:-1]]
    assert net.roads[0]["km"] == pytest.approx(geodesic_km(wiggle), abs=1e-3)


def test_two_features_end_to_end_become_one_road(tmp_path: Path) -> None:
    roads = geo.write(tmp_path / "r.geojson", [
        geo.line([(0.0, 16.0), (0.5, 16.2)], terrain="track", threat="low"),
        geo.line([(0.5, 16.2), (1.0, 16.0)], terrain="track", threat="low"),
        geo.line([(1.0, 16.0), (1.5, 16.0)], terrain="track", threat="high")])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 1.5, 16.0)])
    net = import_network(roads, sites)
    assert [(r["from"], r["to"], r["threat"]) for r in net.roads] == [("h", "junction_1", "low"),
                                                                      ("junction_1", "b", "high")]
    assert net.roads[0]["shape"] == [[0.5, 16.2]]


def test_a_whole_scenario_from_geojson_runs(tmp_path: Path) -> None:
    """Into a scenario: its sites keep their blocks, coordinates come from the file, it validates."""
    data = one_leg()
    scen = tmp_path / "sc.yaml"
    scen.write_text(yaml.safe_dump(data))
    roads = geo.write(tmp_path / "r.geojson", [geo.line([(1.0, 17.0), (0.4, 16.6), (0.0, 16.0)], terrain="track",
                                                        threat="none")])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("hub", "hub", 0.0, 16.0),
                                               geo.site("alpha", "base", 1.0, 17.0)])
    res = import_geo(roads, sites, into=scen)
    sc = res.scenario
    assert sc.sites["alpha"].personnel == 40 and sc.waypoints == {}
    assert [(r.from_, r.to) for r in sc.roads] == [("alpha", "hub")]
    assert sc.roads[0].km == pytest.approx(geodesic_km([(1.0, 17.0), (0.4, 16.6), (0.0, 16.0)]), abs=1e-3)
    from sim.api.runs import run

    assert len(run(sc, engine="batch", replications=8, seed=1).runs) == 8


def test_blocks_alone_validate_against_the_schema(tmp_path: Path) -> None:
    roads, sites = geo.cross_layout(tmp_path)
    with pytest.raises(ScenarioError, match=r"features.1 \(id 'north'\).properties.withdraw_from.*--into"):
        import_geo(roads, sites)
    feats = json.loads(sites.read_text())["features"]
    for f in feats:
        if f["properties"]["kind"] == "base":
            f["properties"].update(withdraw_from="2024-01-02", leave_by="2024-02-01", personnel=0)
    geo.write(sites, feats)
    res = import_geo(roads, sites)
    assert res.scenario is None and set(res.data) == {"sources", "sites", "waypoints", "roads"}
    base = edit(one_leg(), sites={}, waypoints={}, roads=[], threats={"levels": {"high": {}}})
    sc = validate({**base, **{k: v for k, v in res.data.items()}})
    assert len(sc.roads) == 5


def test_a_bad_level_name_names_the_feature(tmp_path: Path) -> None:
    scen = tmp_path / "sc.yaml"
    scen.write_text(yaml.safe_dump(one_leg()))
    roads = geo.write(tmp_path / "r.geojson", [geo.line([(1.0, 17.0), (0.0, 16.0)], "rn1", terrain="track",
                                                        threat="extreme")])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("hub", "hub", 0.0, 16.0), geo.site("alpha", "base", 1.0, 17.0)])
    with pytest.raises(ScenarioError) as e:
        import_geo(roads, sites, into=scen)
    assert e.value.file == str(roads) and e.value.field == "features.0 (id 'rn1')" and "extreme" in e.value.message


# ---------------------------------------------------------------- bad input


def _sites(tmp: Path) -> Path:
    return geo.write(tmp / "s.geojson", [geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 1.0, 16.0)])


OK_ROAD = geo.line([(0.0, 16.0), (1.0, 16.0)], "ok", terrain="track", threat="low")


@pytest.mark.parametrize(("roads", "field", "message"), [
    ("this is not json", None, "not GeoJSON: not valid JSON"),
    ('{"type": "Topology", "objects": {}}', "type", "FeatureCollection"),
    ('{"features": []}', None, "not GeoJSON"),
    ({"type": "FeatureCollection", "features": []}, "features", "no features"),
    ([{"type": "Feature", "id": "e", "properties": {}, "geometry": {"type": "LineString", "coordinates": []}}],
     "features.0 (id 'e')", "empty geometry"),
    ([{"type": "Feature", "properties": {"name": "null"}, "geometry": None}], "features.0 (name 'null')",
     "empty geometry"),
    ([OK_ROAD, geo.line([(0.0, 16.0), (0.0, 16.0)], "dot", terrain="t", threat="low")], "features.1 (id 'dot')",
     "two distinct positions"),
    ([OK_ROAD, geo.line([(0.0, 16.0), (0.6, 16.3), (0.6, 15.7), (0.3, 16.2)], "knot", terrain="t", threat="low")],
     "features.1 (id 'knot')", "crosses itself"),
    ([OK_ROAD, geo.line([(3.0, 18.0), (4.0, 18.0)], "island", terrain="t", threat="low")], "features.1 (id 'island')",
     "disconnected roads"),
    ([OK_ROAD, geo.line([(0.0, 16.0), (200.0, 16.0)], "far", terrain="t", threat="low")], "features.1 (id 'far')",
     "out of range"),
    ([geo.line([(1780000.0, 1810000.0), (1790000.0, 1820000.0)], "utm", terrain="t", threat="low")],
     "features.0 (id 'utm')", "projected, or swapped"),
    ([{"type": "Feature", "id": "pt", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 16]}}],
     "features.0 (id 'pt')", "LineString or MultiLineString"),
    ([geo.line([(0.0, 16.0), (1.0, 16.0)], "bare")], "features.0 (id 'bare').properties.terrain", "--terrain"),
    ([geo.line([(0.0, 16.0), (1.0, 16.0)], "k", terrain="t", threat="low", km=-3)], "features.0 (id 'k').properties.km",
     "length in km"),
])
def test_bad_roads(tmp_path: Path, roads, field, message) -> None:
    path = tmp_path / "roads.geojson"
    if isinstance(roads, str):
        path.write_text(roads)
    elif isinstance(roads, dict):
        path.write_text(json.dumps(roads))
    else:
        geo.write(path, roads)
    with pytest.raises(ScenarioError) as e:
        import_network(path, _sites(tmp_path))
    assert e.value.file == str(path)
    assert e.value.field == field or (field is not None and e.value.field.startswith(f"{field}.coordinates"))
    assert message in e.value.message


def test_a_site_off_every_road(tmp_path: Path) -> None:
    roads = geo.write(tmp_path / "r.geojson", [OK_ROAD])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 1.0, 16.0),
                                               geo.site("camp", "base", 0.5, 16.2)])
    with pytest.raises(ScenarioError) as e:
        import_network(roads, sites)
    assert e.value.file == str(sites) and e.value.field == "features.2 (id 'camp')"
    assert "off every road" in e.value.message and "22.1 km" in e.value.message
    # within --snap-km it is on the road: the road is split at its nearest point
    net = import_network(roads, sites, ImportOptions(snap_km=25.0))
    assert [(r["from"], r["to"]) for r in net.roads] == [("h", "camp"), ("camp", "b")]


@pytest.mark.parametrize(("sites", "field", "message"), [
    ([geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 1.0, 95.0)], "features.1 (id 'b').coordinates",
     "out of range"),
    ([geo.site("h", "hub", 0.0, 16.0), geo.site("b", "camp", 1.0, 16.0)], "features.1 (id 'b').properties.kind",
     "kind is one of"),
    ([geo.site("h", "hub", 0.0, 16.0), geo.site("h", "base", 1.0, 16.0)], "features.1 (id 'h')", "already used"),
    ([{"type": "Feature", "properties": {"kind": "hub"}, "geometry": {"type": "Point", "coordinates": [0, 16]}}],
     "features.0.properties.name", "needs a 'name'"),
    ([OK_ROAD], "features.0 (id 'ok')", "a site is a Point"),
])
def test_bad_sites(tmp_path: Path, sites, field, message) -> None:
    path = geo.write(tmp_path / "sites.geojson", sites)
    with pytest.raises(ScenarioError) as e:
        import_network(geo.write(tmp_path / "r.geojson", [OK_ROAD]), path)
    assert e.value.file == str(path) and e.value.field == field and message in e.value.message


def test_names_become_scenario_names(tmp_path: Path) -> None:
    roads = geo.write(tmp_path / "r.geojson", [OK_ROAD])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("Camp Castor", "hub", 0.0, 16.0),
                                               geo.site("Tin-Aouker", "base", 1.0, 16.0)])
    net = import_network(roads, sites)
    assert set(net.sites) == {"camp_castor", "tin_aouker"}
