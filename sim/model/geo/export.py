"""A scenario's road network as GeoJSON (RFC 7946): roads as LineStrings, sites and waypoints as
Points, readable by QGIS or any web map, and read back by ``import-geo`` (``network_import``).

The lines are straight between the scenario's places unless a road has a ``shape``: the shipped
MINUSMA scenarios know only the places' coordinates, so their exported roads are straight segments
between them, and each road's ``km`` (the record's, longer than the line) is kept as a property
beside the line's own ``geodesic_km``.
"""

from __future__ import annotations

import json
from typing import Any

from sim.model.geo.lines import places, road_coords
from sim.model.geo.measure import geodesic_km
from sim.model.schema import Scenario


def dumps(doc: dict[str, Any]) -> str:
    """GeoJSON text with one feature per line (diffs stay readable)."""
    head = {k: v for k, v in doc.items() if k != "features"}
    feats = ",\n".join(json.dumps(f, ensure_ascii=False) for f in doc.get("features", []))
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + feats + "\n]}\n"


def collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **meta, "features": features}


def road_features(sc: Scenario) -> list[dict[str, Any]]:
    """One LineString per road, in the scenario's order, with its attributes as properties."""
    pos = places(sc)
    out = []
    for i, r in enumerate(sc.roads):
        coords = road_coords(sc, r, pos)
        props: dict[str, Any] = {"index": i, "from": r.from_, "to": r.to, "km": r.km, "terrain": r.terrain,
                                 "threat": r.threat, "cleared": r.cleared,
                                 "geodesic_km": round(geodesic_km(coords), 3)}
        out.append({"type": "Feature", "id": f"road_{i}", "properties": props,
                    "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}})
    return out


def off_road(sc: Scenario) -> list[str]:
    """Sites and waypoints no road reaches (``import-geo`` refuses a site off every road)."""
    ends = {n for r in sc.roads for n in (r.from_, r.to)}
    return [n for n in (*sc.sites, *sc.waypoints) if n not in ends]


def site_features(sc: Scenario) -> list[dict[str, Any]]:
    """One Point per site (``kind`` hub or base) and waypoint (``kind: waypoint``) on a road."""
    out = []
    skip = set(off_road(sc))
    for name, s in sc.sites.items():
        if name in skip:
            continue
        out.append({"type": "Feature", "id": name, "properties": {"name": name, "kind": s.kind},
                    "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]}})
    for name, w in sc.waypoints.items():
        if name in skip:
            continue
        out.append({"type": "Feature", "id": name, "properties": {"name": name, "kind": "waypoint"},
                    "geometry": {"type": "Point", "coordinates": [w.lon, w.lat]}})
    return out


def scenario_geojson(sc: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    """(roads, sites) FeatureCollections of a scenario."""
    note = (f"{sc.name}: roads are straight between the scenario's places unless a road has a shape; "
            "'km' is the scenario's road length, 'geodesic_km' the line's length on WGS84")
    return (collection(road_features(sc), name=f"{sc.name} roads", description=note),
            collection(site_features(sc), name=f"{sc.name} sites",
                       description="sites and waypoints on the roads" + (
                           f"; left out, on no road: {', '.join(off_road(sc))}" if off_road(sc) else "")))
