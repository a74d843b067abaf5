"""``network.geojson`` and ``events.geojson`` of results folders."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from sim.api.runs import run, trace
from sim.model.loader import load_scenario
from sim.report.geojson import events_collection, network_collection, read_roads, write_geojson
from tests.helpers.paths import KIDAL, PHASE2
from tests.helpers.synthetic import fake_bases, fake_trace


@pytest.fixture(scope="module")
def sc():
    return load_scenario(KIDAL)


def test_trace_figures_per_road(sc) -> None:
    legs, _ = fake_trace(sc, seed=4)
    doc = network_collection(sc, legs=legs)
    assert doc["figures_from"] == "trace" and len(doc["features"]) == len(sc.roads)
    for f in doc["features"]:
        p = f["properties"]
        r = sc.roads[p["index"]]
        mine = legs[((legs["a"] == r.from_) & (legs["b"] == r.to)) | ((legs["a"] == r.to) & (legs["b"] == r.from_))]
        assert p["convoy_passages"] == len(mine)
        assert p["vehicle_passages"] == mine["vehicles"].sum()
        assert p["ied_strikes"] + p["ambushes"] == mine["ied_strikes"].sum() + mine["ambushes"].sum()
        assert p["strikes_per_100_convoy_km"] == pytest.approx(
            (mine["ied_strikes"].sum() + mine["ambushes"].sum()) / (len(mine) * r.km) * 100)
        assert p["ied_rate_per_100km"] == sc.threats.levels[r.threat].ied_rate_per_100km
        assert f["geometry"]["coordinates"][0] == [sc.sites[r.from_].lon, sc.sites[r.from_].lat] \
            if r.from_ in sc.sites else [sc.waypoints[r.from_].lon, sc.waypoints[r.from_].lat]


def test_run_figures_are_route_totals(sc) -> None:
    bases = fake_bases(sc, replications=10, seed=2)
    doc = network_collection(sc, bases=bases)
    assert doc["figures_from"] == "bases"
    per_run = (bases["ied_strikes"] + bases["ambushes"]).sum() / 10
    for f in doc["features"]:
        assert f["properties"]["bases"] == ["kidal"]  # every road is on Kidal's route
        assert f["properties"]["route_strikes_per_run"] == pytest.approx(per_run)
        assert f["properties"]["route_convoys_per_run"] == pytest.approx(bases["convoys"].sum() / 10)


def test_events_lie_on_their_road_at_their_km(sc) -> None:
    legs, events = fake_trace(sc, seed=4)
    doc = events_collection(sc, events)
    road_events = events[events["kind"].isin(["ied", "ambush", "breakdown"])]
    assert len(doc["features"]) == len(road_events) > 0
    pos = {k: (s.lon, s.lat) for k, s in sc.sites.items()} | {k: (w.lon, w.lat) for k, w in sc.waypoints.items()}
    for f in doc["features"]:
        p = f["properties"]
        r = sc.roads[p["road"]]
        line = LineString([pos[r.from_], pos[r.to]])
        pt = Point(f["geometry"]["coordinates"])
        assert line.distance(pt) < 1e-5
        a, _ = p["segment"].split("-")
        start = Point(pos[a])
        # km along from the segment's start: the same fraction of the line
        assert start.distance(pt) / line.length == pytest.approx(p["km_along"] / r.km, abs=2e-3)
    assert events_collection(sc, events.drop(columns="km_along")) is None


def test_a_trace_folder_and_a_run_folder(tmp_path, sc) -> None:
    tr = trace(sc, seed=3, out=tmp_path / "tr")
    written = write_geojson(tr.path)
    assert sorted(p.name for p in written) == ["events.geojson", "network.geojson"]
    ev = json.loads((tr.path / "events.geojson").read_text())
    assert len(ev["features"]) == int(tr.events["kind"].isin(["ied", "ambush", "breakdown"]).sum())
    net = json.loads((tr.path / "network.geojson").read_text())
    assert sum(f["properties"]["convoy_passages"] for f in net["features"]) == len(tr.legs)
    res = run(sc, engine="batch", replications=16, seed=1, out=tmp_path / "run")
    assert [p.name for p in write_geojson(res.path)] == ["network.geojson"]
    net = json.loads((res.path / "network.geojson").read_text())
    assert net["figures_from"] == "roads" and net["features"][0]["properties"]["replications"] == 16


PER_RUN = ("convoy_passages", "vehicle_passages", "convoy_km", "vehicle_km", "ied_strikes", "ambushes",
           "breakdowns", "stationary_attacks")


def test_a_run_folder_has_each_roads_own_figures(tmp_path) -> None:
    """``network.geojson`` of a run: per road, the roads table's sums over its replications."""
    sc = load_scenario(PHASE2)
    res = run(sc, engine="batch", replications=3000, seed=5, out=tmp_path / "run")
    write_geojson(res.path)
    net = json.loads((res.path / "network.geojson").read_text())
    roads = pd.read_parquet(res.path / "roads.parquet")
    assert net["figures_from"] == "roads" and len(net["features"]) == len(sc.roads) == len(roads)
    for f in net["features"]:
        p = f["properties"]
        row = roads[roads["road"] == p["index"]].iloc[0]
        assert (row["from"], row["to"]) == (p["from"], p["to"]) and p["replications"] == row["replications"] == 3000
        for k in PER_RUN:
            assert p[f"{k}_per_run"] == pytest.approx(row[k] / 3000, rel=1e-12), k
        if row["convoy_km"] > 0:
            assert p["strikes_per_100_convoy_km"] == pytest.approx(
                (row["ied_strikes"] + row["ambushes"]) / row["convoy_km"] * 100, rel=1e-12)
        else:
            assert p["strikes_per_100_convoy_km"] is None
        assert "route_convoys_per_run" not in p
    # roads shared by several bases' routes carry more traffic than any one base's final convoys
    assert max(f["properties"]["convoy_passages_per_run"] for f in net["features"]) > 1.0


def test_an_older_run_folder_falls_back_on_route_figures(tmp_path) -> None:
    """A folder written before the roads table (no ``roads.parquet``, no roads parts): route-level
    figures from the bases table, as before."""
    res = run(load_scenario(KIDAL), engine="batch", replications=16, seed=1, out=tmp_path / "old")
    (res.path / "roads.parquet").unlink()
    shutil.rmtree(res.path / "tables" / "roads")
    write_geojson(res.path)
    net = json.loads((res.path / "network.geojson").read_text())
    assert net["figures_from"] == "bases"
    p = net["features"][0]["properties"]
    assert p["replications"] == 16 and "route_convoys_per_run" in p and "convoy_passages_per_run" not in p


def test_a_stopped_run_reads_the_roads_parts_it_has(tmp_path) -> None:
    """Without ``roads.parquet`` (a run stopped before its end) the parts are added up."""
    res = run(load_scenario(KIDAL), engine="batch", replications=16, seed=1, out=tmp_path / "cut")
    whole = pd.read_parquet(res.path / "roads.parquet")
    (res.path / "roads.parquet").unlink()
    pd.testing.assert_frame_equal(read_roads(res.path), whole)


def test_a_sweep_folder_has_a_roads_table_per_point(tmp_path) -> None:
    """One row per (point, road); ``network.geojson`` gives the first point's figures."""
    from sim.api.sweeps import sweep

    points = pd.DataFrame({"point": [0, 1], "convoy.max_vehicles": [40, 10]})
    res = sweep(KIDAL, points, replications=20, engine="batch", seed=2, out=tmp_path / "sw")
    roads = pd.read_parquet(res.path / "roads.parquet")
    assert sorted(set(roads["point"])) == [0, 1] and (roads["replications"] == 20).all()
    p0, p1 = (roads[roads["point"] == p].set_index("road") for p in (0, 1))
    assert (p1["convoy_passages"] > p0["convoy_passages"]).all()  # smaller convoys: more of them
    write_geojson(res.path)
    net = json.loads((res.path / "network.geojson").read_text())
    assert net["figures_from"] == "roads"
    for f in net["features"]:
        assert f["properties"]["convoy_passages_per_run"] == pytest.approx(p0.loc[f["properties"]["index"],
                                                                                  "convoy_passages"] / 20)
