"""Incidents counted per road on a synthetic layout, and the rates made from them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sim.model.errors import ScenarioError
from sim.model.geo import incidents as inc
from sim.model.loader import apply_overrides, validate
from tests.helpers.builders import edit, one_leg

START, END = dt.datetime(2023, 9, 1), dt.datetime(2023, 10, 1)  # 30 days


def layout() -> dict:
    """``one_leg`` laid on the grid: alpha (1, 17) → mid (1, 16) along the meridian (60 km), mid →
    hub (0, 16) along the parallel (40 km)."""
    return edit(one_leg(), sites__hub__lat=16.0, sites__hub__lon=0.0, sites__alpha__lat=17.0,
                sites__alpha__lon=1.0, waypoints__mid={"lat": 16.0, "lon": 1.0})


def points() -> list[dict]:
    def pt(ident: str, lon: float, lat: float, date: str, kind: str) -> dict:
        return {"type": "Feature", "id": ident, "properties": {"date": date, "kind": kind},
                "geometry": {"type": "Point", "coordinates": [lon, lat]}}

    return [
        pt("A", 1.02, 16.5, "2023-09-03", "IED"),        # 2.1 km east of road 0, halfway along it
        pt("B", 0.3, 16.03, "2023-09-10T14:00", "ambush"),  # 3.3 km north of road 1
        pt("C", 0.5, 16.1, "2023-09-11", "ied"),          # 11 km from any road: outside a 5 km buffer
        pt("D", 1.0, 16.0, "2023-09-12", "ied"),          # at mid: as near road 1 as road 0 → road 0
        pt("E", 1.02, 16.5, "2023-10-02", "ied"),         # outside the window
        pt("F", 0.6, 15.99, "2023-09-20", "protest"),     # a kind the model has no rate for
    ]


@pytest.fixture
def sc():
    return validate(layout())


@pytest.fixture
def geojson(tmp_path: Path) -> Path:
    p = tmp_path / "incidents.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": points()}))
    return p


def test_each_incident_goes_to_its_nearest_road_within_the_buffer(sc, geojson) -> None:
    a = inc.assign(sc, inc.read_incidents(geojson), buffer_km=5.0)
    assert a["road"].tolist() == [0, 1, -1, 0, 0, 1]
    assert a["kind"].tolist() == ["ied", "ambush", "ied", "ied", "ied", "protest"]
    assert a.loc[0, "distance_km"] == pytest.approx(2.14, abs=0.03)
    assert a.loc[0, "km_along"] == pytest.approx(30.0, abs=0.3)  # halfway along the 60 km road
    assert a.loc[3, "km_along"] == pytest.approx(60.0, abs=1e-6)  # at mid, the end of road 0
    assert a.loc[1, "km_along"] == pytest.approx(40.0 * 0.7, abs=0.3)  # 0.7 of the way from mid to hub
    wide = inc.assign(sc, inc.read_incidents(geojson), buffer_km=12.0)
    assert wide["road"].tolist()[2] == 1  # C is 11.1 km from road 1, 55 km from road 0


def test_rates_per_100_convoy_km(sc, geojson) -> None:
    a = inc.assign(sc, inc.read_incidents(geojson), buffer_km=5.0)
    t = inc.rates(sc, a, START, END, passages={0: 10, 1: 20}).set_index(["road", "kind"])
    assert t.loc[(0, "ied"), "incidents"] == 2  # A and D; E is after the window, C off the road
    assert t.loc[(1, "ambush"), "incidents"] == 1 and t.loc[(1, "protest"), "incidents"] == 1
    assert t.loc[(0, "ambush"), "incidents"] == 0
    assert t.loc[(0, "ied"), "days"] == 30.0
    # 2 incidents / (10 convoys x 60 km / 100) and their exact interval (chi-square quantiles / 2)
    assert t.loc[(0, "ied"), "exposure_100km"] == pytest.approx(6.0)
    assert t.loc[(0, "ied"), "rate_per_100km"] == pytest.approx(2 / 6)
    assert t.loc[(0, "ied"), "rate_lower"] == pytest.approx(0.242209 / 6, rel=1e-5)
    assert t.loc[(0, "ied"), "rate_upper"] == pytest.approx(7.224688 / 6, rel=1e-5)
    assert t.loc[(1, "ambush"), "rate_per_100km"] == pytest.approx(1 / 8)
    assert t.loc[(0, "ambush"), "rate_upper"] == pytest.approx(3.688879 / 6, rel=1e-5)  # none seen
    # density without traffic: per 100 km of road per 30 days
    assert t.loc[(0, "ied"), "per_100km_per_30d"] == pytest.approx(2 / 0.6)
    no_traffic = inc.rates(sc, a, START, END)
    assert no_traffic["rate_per_100km"].isna().all()


def test_csv_reads_like_geojson(sc, geojson, tmp_path: Path) -> None:
    rows = ["id,date,kind,lat,lon"] + [
        f"{f['id']},{f['properties']['date']},{f['properties']['kind']},{f['geometry']['coordinates'][1]},"
        f"{f['geometry']['coordinates'][0]}" for f in points()]
    p = tmp_path / "incidents.csv"
    p.write_text("\n".join(rows) + "\n")
    a = inc.assign(sc, inc.read_incidents(p), 5.0)
    b = inc.assign(sc, inc.read_incidents(geojson), 5.0)
    assert a.drop(columns="incident").equals(b.drop(columns="incident"))
    assert a["incident"].tolist()[0] == "row 2 (id 'A')"


def test_evidence_levels_make_a_valid_scenario(sc, geojson) -> None:
    a = inc.assign(sc, inc.read_incidents(geojson), 5.0)
    t = inc.rates(sc, a, START, END, passages={0: 10, 1: 20})
    ov = inc.evidence_overrides(sc, t)
    assert ov["roads.0.threat"] == "evidence_road_0"
    out = validate(apply_overrides(layout(), ov))
    lvl = out.threats.levels[out.roads[0].threat]
    assert lvl.ied_rate_per_100km == pytest.approx(1 / 3, abs=1e-6) and lvl.ambush_rate_per_100km == 0.0
    assert out.threats.levels[out.roads[1].threat].ambush_rate_per_100km == pytest.approx(0.125)
    # roads without traffic keep their level
    only0 = inc.evidence_overrides(sc, inc.rates(sc, a, START, END, passages={0: 10}))
    assert "roads.1.threat" not in only0 and "roads.0.threat" in only0


def test_traffic_file(sc, tmp_path: Path) -> None:
    p = tmp_path / "traffic.csv"
    p.write_text("from,to,convoys\nhub,mid,12\nalpha,mid,3\n")
    assert inc.read_traffic(p, sc) == {1: 12.0, 0: 3.0}
    p.write_text("from,to,convoys\nhub,alpha,12\n")
    with pytest.raises(ScenarioError, match="row 2: no road between 'hub' and 'alpha'"):
        inc.read_traffic(p, sc)


@pytest.mark.parametrize(("text", "message"), [
    ("id,date,kind,lat\n1,2023-09-01,ied,16\n", "columns date, kind, lat, lon"),
    ("date,kind,lat,lon\n2023-09-01,ied,95,1\n", "row 2: coordinates out of range"),
    ("date,kind,lat,lon\n01/09/2023,ied,16,1\n", "row 2.date: a date is ISO 8601"),
    ("date,kind,lat,lon\n2023-09-01,,16,1\n", "row 2.kind: an incident needs a 'kind'"),
    ("date,kind,lat,lon\n", "no incidents"),
])
def test_bad_incident_csv(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(ScenarioError, match=message) as e:
        inc.read_incidents(p)
    assert e.value.file == str(p)


def test_bad_incident_geojson(tmp_path: Path) -> None:
    p = tmp_path / "bad.geojson"
    feats = points()
    del feats[2]["properties"]["date"]
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    with pytest.raises(ScenarioError) as e:
        inc.read_incidents(p)
    assert e.value.field == "features.2 (id 'C').properties.date"
