"""``import-geo``, ``export-geo``, ``incident-rates`` and ``map`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli.main import main
from sim.model.loader import load_scenario
from tests.helpers import geo
from tests.helpers.cli import assert_bad_input
from tests.helpers.paths import KIDAL, SCENARIOS


def test_export_then_import_gives_the_scenario_back(tmp_path: Path, capsys) -> None:
    assert main(["export-geo", str(KIDAL), "--out", str(tmp_path)]) == 0
    roads, sites = tmp_path / "kidal_2023.roads.geojson", tmp_path / "kidal_2023.sites.geojson"
    assert roads.is_file() and sites.is_file()
    out = tmp_path / "kidal_again.yaml"
    assert main(["import-geo", str(roads), str(sites), "--into", str(KIDAL), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    back, orig = load_scenario(out), load_scenario(KIDAL)
    assert back.roads == orig.roads and back.waypoints == orig.waypoints and back.sites == orig.sites
    assert out.read_text().startswith("# Written by withdrawal-sim import-geo")
    assert main(["validate", str(out)]) == 0


def test_import_a_network_alone(tmp_path: Path) -> None:
    roads, sites = geo.cross_layout(tmp_path)
    feats = json.loads(sites.read_text())["features"]
    for f in feats:
        if f["properties"]["kind"] == "base":
            f["properties"].update(withdraw_from="2024-01-02", leave_by="2024-02-01")
    geo.write(sites, feats)
    out = tmp_path / "part.yaml"
    assert main(["import-geo", str(roads), str(sites), "--out", str(out)]) == 0
    part = yaml.safe_load(out.read_text())
    assert set(part) == {"sources", "sites", "waypoints", "roads"} and len(part["roads"]) == 5
    assert "dead-end" in out.read_text().split("\n")[1]


@pytest.mark.parametrize(("roads", "field"), [
    ("not json at all", None),
    ([geo.line([(0.0, 16.0), (1.0, 16.0)], "ok", terrain="t", threat="low"),
      geo.line([(5.0, 18.0), (6.0, 18.0)], "island", terrain="t", threat="low")], "features.1 (id 'island')"),
    ([geo.line([(0.0, 16.0), (1.0, 216.0)], "bad", terrain="t", threat="low")], "features.0 (id 'bad')"),
])
def test_bad_gis_input_exits_2(tmp_path: Path, capsys, roads, field) -> None:
    path = tmp_path / "roads.geojson"
    if isinstance(roads, str):
        path.write_text(roads)
    else:
        geo.write(path, roads)
    sites = geo.write(tmp_path / "sites.geojson", [geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 1.0, 16.0)])
    out = tmp_path / "out" / "part.yaml"
    code = main(["import-geo", str(path), str(sites), "--out", str(out), "--terrain", "t", "--threat", "low"])
    assert_bad_input(code, capsys.readouterr().err, path, field, tmp_path / "out")


def test_a_site_off_every_road_exits_2(tmp_path: Path, capsys) -> None:
    roads = geo.write(tmp_path / "r.geojson", [geo.line([(0.0, 16.0), (1.0, 16.0)], terrain="t", threat="low")])
    sites = geo.write(tmp_path / "s.geojson", [geo.site("h", "hub", 0.0, 16.0), geo.site("b", "base", 1.0, 16.0),
                                               geo.site("far", "waypoint", 0.5, 17.0)])
    code = main(["import-geo", str(roads), str(sites), "--out", str(tmp_path / "out" / "x.yaml")])
    assert_bad_input(code, capsys.readouterr().err, sites, "features.2 (id 'far')", tmp_path / "out")


def test_export_a_results_folder(tmp_path: Path) -> None:
    out = tmp_path / "tr"
    assert main(["trace", str(KIDAL), "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert (out / "network.geojson").is_file() and (out / "events.geojson").is_file()  # written with the charts
    (out / "network.geojson").unlink()
    assert main(["export-geo", str(out)]) == 0
    assert json.loads((out / "network.geojson").read_text())["figures_from"] == "trace"
    pytest.importorskip("folium")
    assert main(["map", str(out)]) == 0 and (out / "map.html").is_file()


def test_incident_rates(tmp_path: Path, capsys) -> None:
    inc = tmp_path / "incidents.csv"
    # on the Tarkint - Tin Aouker road (index 3), 2 km off its axis; one far off every road
    inc.write_text("date,kind,lat,lon\n2023-08-05,ied,17.11,0.245\n2023-08-20,ambush,17.11,0.245\n"
                   "2023-08-21,ied,17.5,1.5\n")
    out, ov = tmp_path / "rates.csv", tmp_path / "evidence.yaml"
    assert main(["incident-rates", str(inc), "--scenario", str(KIDAL), "--from", "2023-08-01", "--until",
                 "2023-09-01", "--convoys", "40", "--out", str(out), "--overrides-out", str(ov)]) == 0
    assert "3 incidents, 3 from 2023-08-01 to 2023-09-01 (excluded), 2 within 5 km" in capsys.readouterr().out
    t = pd.read_csv(out).set_index(["road", "kind"])
    assert t.loc[(3, "ied"), "incidents"] == 1 and t.loc[(3, "ambush"), "incidents"] == 1
    assert t.loc[(3, "ied"), "rate_per_100km"] == pytest.approx(1 / (40 * 80 / 100))
    assert t["incidents"].sum() == 2 and t.loc[(3, "ied"), "days"] == 31
    from sim.model.loader import load_override_file

    sc = load_scenario(KIDAL, load_override_file(ov))
    assert sc.roads[3].threat == "evidence_road_3"
    assert sc.threats.levels["evidence_road_3"].ambush_rate_per_100km == pytest.approx(1 / 32)


def test_incident_rates_need_traffic_for_levels(tmp_path: Path, capsys) -> None:
    inc = tmp_path / "i.csv"
    inc.write_text("date,kind,lat,lon\n2023-08-05,ied,17.11,0.245\n")
    code = main(["incident-rates", str(inc), "--scenario", str(KIDAL), "--out", str(tmp_path / "r.csv"),
                 "--overrides-out", str(tmp_path / "o.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "--overrides-out" in err and "Traceback" not in err
    assert not (tmp_path / "o.yaml").exists() and not (tmp_path / "r.csv").exists()  # nothing half-written


def test_shipped_geo_files_import(tmp_path: Path) -> None:
    g = SCENARIOS / "geo"
    out = tmp_path / "p2.yaml"
    assert main(["import-geo", str(g / "minusma_phase2_2023.roads.geojson"), str(g / "minusma_phase2_2023.sites.geojson"),
                 "--into", str(SCENARIOS / "minusma_phase2_2023.yaml"), "--out", str(out)]) == 0
    assert load_scenario(out).roads == load_scenario(SCENARIOS / "minusma_phase2_2023.yaml").roads
