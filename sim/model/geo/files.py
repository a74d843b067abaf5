"""Reading GeoJSON (RFC 7946) files: one clear ``ScenarioError`` per bad file or feature.

A file is a ``FeatureCollection`` (or a single ``Feature``); each feature is named in messages by
its index in the file and, when it has one, its ``id`` or ``name`` (``features.3 (id 'rn16')``).
Coordinates are ``[lon, lat]`` degrees on WGS84 (a third value, the height, is ignored).
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.model.errors import ScenarioError

MAX_GEOJSON_BYTES = 50_000_000
"""Largest GeoJSON file read (50 MB: a country's main roads from OpenStreetMap are a few MB)."""


@dataclass(frozen=True)
class Feature:
    """One feature of a file: its index, how messages name it, its geometry and properties."""

    index: int
    label: str
    geometry: dict[str, Any]
    properties: dict[str, Any] = field(default_factory=dict)


def read_bytes(path: Path, limit: int = MAX_GEOJSON_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or ``ScenarioError``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ScenarioError(path, None, "file not found") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(path, None, "not a regular file")
    if st.st_size > limit:
        raise ScenarioError(path, None, f"file is {st.st_size} bytes; the limit is {limit}")
    try:
        return path.read_bytes()[: limit + 1]
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read: {exc.strerror or exc}") from None


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (what ``sources:`` records)."""
    return hashlib.sha256(read_bytes(path)).hexdigest()


def _label(i: int, feat: dict[str, Any]) -> str:
    props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
    ident = feat.get("id", props.get("id") if props else None)
    name = props.get("name") if props else None
    if ident is not None:
        return f"features.{i} (id {ident!r})"
    if name is not None:
        return f"features.{i} (name {name!r})"
    return f"features.{i}"


def read_features(path: str | Path) -> list[Feature]:
    """The features of a GeoJSON file, checked for structure (not yet for geometry type)."""
    p = Path(path)
    blob = read_bytes(p)
    try:
        doc = json.loads(blob.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(p, None, f"not GeoJSON: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(p, None, f"not GeoJSON: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                     f"{exc.msg})") from None
    except RecursionError:
        raise ScenarioError(p, None, "not GeoJSON: nested too deeply") from None
    if not isinstance(doc, dict) or "type" not in doc:
        raise ScenarioError(p, None, "not GeoJSON: expected an object with a 'type' (a FeatureCollection)")
    raw: Any
    if doc["type"] == "Feature":
        raw = [doc]
    elif doc["type"] == "FeatureCollection":
        raw = doc.get("features")
        if not isinstance(raw, list):
            raise ScenarioError(p, "features", "a FeatureCollection needs a list of features")
    else:
        raise ScenarioError(p, "type", f"expected a FeatureCollection or a Feature, not {doc['type']!r}")
    if "crs" in doc:  # RFC 7946 dropped 'crs'; old files use it for other systems
        name = str(doc["crs"])
        if "4326" not in name and "CRS84" not in name:
            raise ScenarioError(p, "crs", f"coordinates must be WGS84 longitude/latitude (got crs {name})")
    out = []
    for i, feat in enumerate(raw):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise ScenarioError(p, f"features.{i}", "not a GeoJSON Feature")
        geom = feat.get("geometry")
        label = _label(i, feat)
        if not isinstance(geom, dict) or not geom.get("coordinates"):
            raise ScenarioError(p, label, "empty geometry")
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise ScenarioError(p, f"{label}.properties", "properties must be an object")
        out.append(Feature(i, label, geom, props))
    if not out:
        raise ScenarioError(p, "features", "the file has no features")
    return out


def position(p: Path, label: str, value: Any, where: str = "") -> tuple[float, float]:
    """``(lon, lat)`` of a GeoJSON position, checked: two finite numbers in range."""
    at = f"{label}.coordinates{where}"
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise ScenarioError(p, at, f"a position is [lon, lat], got {value!r}")
    lon, lat = value[0], value[1]
    if isinstance(lon, bool) or isinstance(lat, bool) or not isinstance(lon, int | float) \
            or not isinstance(lat, int | float):
        raise ScenarioError(p, at, f"a position is two numbers [lon, lat], got {value!r}")
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat)) or not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise ScenarioError(p, at, f"coordinates out of range: [{lon}, {lat}] (longitude -180 to 180, "
                                   "latitude -90 to 90; are they projected, or swapped?)")
    return lon, lat


def line_parts(p: Path, feat: Feature) -> list[list[tuple[float, float]]]:
    """The lines of a LineString or MultiLineString feature, as lists of (lon, lat)."""
    kind = feat.geometry.get("type")
    coords = feat.geometry["coordinates"]
    if kind == "LineString":
        parts = [coords]
    elif kind == "MultiLineString":
        parts = coords
    else:
        raise ScenarioError(p, feat.label, f"a road is a LineString or MultiLineString, not a {kind}")
    out = []
    for j, part in enumerate(parts):
        where = f".{j}" if kind == "MultiLineString" else ""
        if not isinstance(part, list) or not part:
            raise ScenarioError(p, f"{feat.label}.coordinates{where}", "empty geometry")
        pts = [position(p, feat.label, v, f"{where}.{k}") for k, v in enumerate(part)]
        dedup = [q for k, q in enumerate(pts) if k == 0 or q != pts[k - 1]]
        if len(dedup) < 2:
            raise ScenarioError(p, f"{feat.label}.coordinates{where}", "a road needs two distinct positions")
        out.append(dedup)
    return out


def point(p: Path, feat: Feature) -> tuple[float, float]:
    """(lon, lat) of a Point feature."""
    if feat.geometry.get("type") != "Point":
        raise ScenarioError(p, feat.label, f"a site is a Point, not a {feat.geometry.get('type')}")
    return position(p, feat.label, feat.geometry["coordinates"])
