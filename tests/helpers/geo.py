"""GeoJSON layouts for the geography tests: features and files built in code (no scenario dicts:
those come from ``tests.helpers.builders``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def line(coords: list[tuple[float, float]], ident: str | None = None, **props: Any) -> dict[str, Any]:
    """A LineString road feature (properties: ``terrain``, ``threat``, ``cleared``, ``km``, …)."""
    feat: dict[str, Any] = {"type": "Feature", "properties": props,
                            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}}
    if ident is not None:
        feat["id"] = ident
    return feat


def site(name: str, kind: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    """A Point site feature."""
    return {"type": "Feature", "id": name, "properties": {"name": name, "kind": kind, **props},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write(path: Path, features: list[dict[str, Any]]) -> Path:
    """A FeatureCollection file."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def cross_layout(tmp: Path) -> tuple[Path, Path]:
    """Two roads crossing at (1, 16): ``west``–``east`` along the parallel 16° N and ``south``–``north``
    along the meridian 1° E; a hub at the west end, bases at the north and east ends (the east base
    stands 500 m north of its road's end), a waypoint ``village`` on the west arm (0.5° E) and a
    dead-end stub from (1.5, 16) to (1.5, 15.8). Every road is track, high threat."""
    roads = [
        line([(0.0, 16.0), (0.5, 16.0), (2.0, 16.0)], "ew", terrain="track", threat="high"),
        line([(1.0, 15.0), (1.0, 17.0)], "sn", terrain="track", threat="high"),
        line([(1.5, 16.0), (1.5, 15.8)], "stub", terrain="track", threat="high"),
    ]
    sites = [
        site("west", "hub", 0.0, 16.0),
        site("north", "base", 1.0, 17.0),
        site("east", "base", 2.0, 16.0045),
        site("south", "waypoint", 1.0, 15.0),
        site("village", "waypoint", 0.5, 16.0),
    ]
    return write(tmp / "roads.geojson", roads), write(tmp / "sites.geojson", sites)
