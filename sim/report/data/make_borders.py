"""Build the country borders shipped with the package (``sim/report/data/countries.geojson``).

Run once at development time, never at run time (CI and users may have no network):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python sim/report/data/make_borders.py package/countries-50m.json

``world-atlas`` (npm, ISC licence, by Mike Bostock) redistributes Natural Earth's 1:50m Admin 0
country boundaries, version 4.1.0, as TopoJSON. Natural Earth is public domain
(https://www.naturalearthdata.com/about/terms-of-use/). This script decodes the TopoJSON, clips
the countries to a generous box around the shipped scenarios (Mali and its neighbours), rounds
coordinates to 1e-3 degrees (about 100 m, far below the 1:50m generalisation) and writes GeoJSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping, shape

BOX = (-20.0, 2.0, 20.0, 32.0)
"""lon_min, lat_min, lon_max, lat_max: Mali (lon -12.2 to 4.3, lat 10.1 to 25.0) with its neighbours
and a margin; the maps' views are set by the scenario's places, well inside it."""
DECIMALS = 3
OUT = Path(__file__).resolve().parent / "countries.geojson"


def decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute (lon, lat) positions of every arc (quantized, delta-encoded in the file)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indices: list[int]) -> list[tuple[float, float]]:
    """A ring from arc indices (``~i``, i.e. ``-i - 1``, is arc i reversed); shared ends kept once."""
    out: list[tuple[float, float]] = []
    for i in indices:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def geometry(arcs: list[list[tuple[float, float]]], geom: dict[str, Any]) -> dict[str, Any] | None:
    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(arcs, r) for r in geom["arcs"]]}
    if geom["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[ring(arcs, r) for r in poly] for poly in geom["arcs"]]}
    return None


def rounded(coords: Any) -> Any:
    if isinstance(coords, tuple | list) and coords and isinstance(coords[0], float | int):
        return [round(float(c), DECIMALS) for c in coords]
    return [rounded(c) for c in coords]


def main(src: str) -> None:
    topo = json.loads(Path(src).read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    clip = box(*BOX)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        geom = geometry(arcs, g)
        if geom is None:
            continue
        shp = shape(geom).buffer(0)  # repairs the odd ring the decoding leaves unclosed
        if not shp.intersects(clip):
            continue
        part = shp.intersection(clip)
        if part.is_empty or part.area < 1e-6:
            continue
        features.append({"type": "Feature", "id": g.get("id"),
                         "properties": {"name": g["properties"]["name"], "iso_n3": g.get("id")},
                         "geometry": {"type": part.geom_type, "coordinates": rounded(mapping(part)["coordinates"])}})
    features.sort(key=lambda f: f["properties"]["name"])
    doc = {"type": "FeatureCollection",
           "name": "Natural Earth 1:50m Admin 0 countries (v4.1.0), clipped",
           "license": "Public domain (Natural Earth, https://www.naturalearthdata.com/about/terms-of-use/)",
           "source": "world-atlas 2.0.2 (npm), countries-50m.json, decoded from TopoJSON by sim/report/data/make_borders.py",
           "bbox": list(BOX), "features": features}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(features)} countries)")


if __name__ == "__main__":
    main(sys.argv[1])
