"""Country borders under the maps, from the Natural Earth file shipped in ``sim/report/data/``
(1:50m Admin 0 countries, public domain; ``sim/report/data/README.md`` says where it came from).
Read from the package, never from the network."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

LAND = "#f3f1ec"
BORDER = "#8c8c8c"
COUNTRY_TEXT = "#8a8a8a"


@lru_cache(maxsize=1)
def countries() -> dict[str, Any]:
    """The shipped countries (a GeoJSON FeatureCollection)."""
    blob = resources.files("sim.report").joinpath("data", "countries.geojson").read_bytes()
    return json.loads(blob)


def _path(geom: dict[str, Any]) -> MplPath:
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    verts: list[tuple[float, float]] = []
    codes: list[Any] = []
    for poly in polys:
        for ring in poly:
            pts = [(float(x), float(y)) for x, y in ring]
            verts.extend(pts)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(pts) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(verts, codes)


@lru_cache(maxsize=1)
def _paths() -> tuple[tuple[MplPath, tuple[float, float, float, float]], ...]:
    """Each country's outline and its bounds (lon0, lat0, lon1, lat1)."""
    out = []
    for f in countries()["features"]:
        path = _path(f["geometry"])
        ext = path.get_extents()
        out.append((path, (float(ext.x0), float(ext.y0), float(ext.x1), float(ext.y1))))
    return tuple(out)


@lru_cache(maxsize=32)
def country_anchors(view: tuple[float, float, float, float]) -> tuple[tuple[str, tuple[tuple[float, float], ...]], ...]:
    """The countries with a sizeable part in ``view`` (lon0, lat0, lon1, lat1), each with points
    inside that part (a representative point first, then a grid over it) where a name may stand."""
    from shapely.geometry import Point, box, shape

    frame = box(*view)
    out = []
    for feat in countries()["features"]:
        part = shape(feat["geometry"]).intersection(frame)
        if part.is_empty or part.area <= 0.02 * frame.area:
            continue
        p = part.representative_point()
        x0, y0, x1, y1 = part.bounds
        grid = [(x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * j / 4) for j in (1, 2, 3) for i in (1, 2, 3)]
        inside = [(x, y) for x, y in grid if part.contains(Point(x, y))]
        out.append((str(feat["properties"]["name"]), ((float(p.x), float(p.y)), *inside)))
    return tuple(out)


def draw_borders(ax: Axes, view: tuple[float, float, float, float]) -> list[tuple[str, list[tuple[float, float]]]]:
    """Fill the countries and draw their borders under everything else (those whose bounds meet
    ``view``: the others would be clipped away, at a cost, when drawn); ``country_anchors(view)``,
    for labelling."""
    x0, y0, x1, y1 = view
    for path, (a0, b0, a1, b1) in _paths():
        if a1 < x0 or a0 > x1 or b1 < y0 or b0 > y1:
            continue
        ax.add_patch(PathPatch(path, facecolor=LAND, edgecolor=BORDER, lw=0.8, zorder=0.2, label="_country",
                               gid="country"))
    return [(name, list(anchors)) for name, anchors in country_anchors(tuple(float(v) for v in view))]
