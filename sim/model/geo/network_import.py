"""GeoJSON roads and sites → the nodes and edges of a scenario's road network.

1. Every road line (a LineString, or each line of a MultiLineString) is checked: positions in
   range, at least two distinct ones, not crossing itself.
2. Lines are cut where they cross or touch each other, where a line's end lies within ``join_m``
   of another line, and where a site lies within ``snap_km`` of them (at the site's nearest point
   on the line). Cut points within ``join_m`` of each other, and the cut points of one site, are one
   node; a node holding a site is named by it, the others are junctions.
3. Dead ends (a piece whose far end is a junction no other piece reaches) cannot be on any route
   from a base to a hub: they are dropped, and said so. A junction joining exactly two pieces of
   the same terrain, threat and clearance is dissolved into one road.
4. Every group of connected roads must reach a hub; every site must lie near a road.

Geometry (cuts, distances, snapping) is done in a local azimuthal equidistant plane in metres
(``measure.FlatPlane``); a piece's km is the geodesic length of its positions on WGS84, or, when the
road's feature has a ``km`` property, that km shared among the feature's pieces in proportion to
their geodesic lengths (a recorded road length is longer than its digitized line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from sim.model.errors import ScenarioError
from sim.model.geo.cleanup import Edge, Union, check_connected, dissolve, name_junctions, prune
from sim.model.geo.files import Feature, line_parts, point, read_features
from sim.model.geo.measure import FlatPlane, geodesic_km

SITE_KINDS: tuple[str, ...] = ("hub", "base", "waypoint")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SNAP_KM = 1.0
"""Default: a site within 1 km of a road is on it (a camp stands beside the road, not on its axis)."""
JOIN_M = 25.0
"""Default: road ends and crossings within 25 m are one place (digitizing slack)."""


@dataclass(frozen=True)
class ImportOptions:
    """How roads and sites are joined, and what a road gets when its feature does not say."""

    snap_km: float = SNAP_KM
    join_m: float = JOIN_M
    terrain: str | None = None
    threat: str | None = None
    km_property: bool = True
    """Use a road feature's ``km`` property when it has one (else its geodesic length)."""
    simplify_m: float = 50.0
    """Tolerance for the road shapes written to the scenario (drawing only; km are measured first)."""


@dataclass
class Imported:
    """The network read from two GeoJSON files, as plain scenario data."""

    sites: dict[str, dict[str, Any]]
    waypoints: dict[str, dict[str, float]]
    roads: list[dict[str, Any]]
    road_features: list[str]
    """The feature label of each road (for messages)."""
    site_features: dict[str, str]
    """The feature label of each site or waypoint read from the sites file."""
    notes: list[str] = field(default_factory=list)


@dataclass
class _Line:
    feature: Feature
    ll: list[tuple[float, float]]
    xy: LineString
    cum: np.ndarray
    attrs: tuple[str, str, bool]
    km_prop: float | None


@dataclass
class _Site:
    feature: Feature
    key: str
    kind: str
    lon: float
    lat: float
    fields: dict[str, Any]


def site_key(p: Path, feat: Feature) -> str:
    """The scenario name of a site: its ``name`` property if it is a valid name, else a slug of it."""
    name = feat.properties.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(p, f"{feat.label}.properties.name", "a site needs a 'name' (text)")
    if NAME.match(name):
        return name
    slug = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if not slug or slug[0].isdigit():
        slug = f"site_{slug}"
    return slug


def _road_attrs(p: Path, feat: Feature, opts: ImportOptions) -> tuple[tuple[str, str, bool], float | None]:
    props = feat.properties
    out: list[str] = []
    for key, default in (("terrain", opts.terrain), ("threat", opts.threat)):
        value = props.get(key, default)
        if value is None:
            raise ScenarioError(p, f"{feat.label}.properties.{key}",
                                f"no '{key}': give each road one, or a default (--{key})")
        if not isinstance(value, str) or not value:
            raise ScenarioError(p, f"{feat.label}.properties.{key}", f"'{key}' is the name of a level (text)")
        out.append(value)
    cleared = props.get("cleared", False)
    if not isinstance(cleared, bool):
        raise ScenarioError(p, f"{feat.label}.properties.cleared", "'cleared' is true or false")
    km = props.get("km") if opts.km_property else None
    if km is not None and (isinstance(km, bool) or not isinstance(km, int | float) or not 0 < km <= 40_000):
        raise ScenarioError(p, f"{feat.label}.properties.km", f"'km' is a length in km (0 to 40,000), got {km!r}")
    return (out[0], out[1], cleared), (float(km) if km is not None else None)


def read_sites(path: str | Path) -> list[_Site]:
    p = Path(path)
    out: list[_Site] = []
    seen: dict[str, str] = {}
    for feat in read_features(p):
        lon, lat = point(p, feat)
        key = site_key(p, feat)
        if key in seen:
            raise ScenarioError(p, feat.label, f"site name '{key}' is already used by {seen[key]}")
        seen[key] = feat.label
        kind = feat.properties.get("kind", "waypoint")
        if kind not in SITE_KINDS:
            raise ScenarioError(p, f"{feat.label}.properties.kind", f"kind is one of {list(SITE_KINDS)}, not {kind!r}")
        fields = {k: v for k, v in feat.properties.items() if k not in ("name", "kind", "id", "lat", "lon")}
        out.append(_Site(feat, key, str(kind), lon, lat, fields))
    return out


def _lines(p: Path, opts: ImportOptions, plane_of: list[tuple[float, float]]) -> tuple[list[_Line], FlatPlane]:
    feats = read_features(p)
    raw: list[tuple[Feature, list[tuple[float, float]], tuple[str, str, bool], float | None]] = []
    for feat in feats:
        parts = line_parts(p, feat)
        attrs, km = _road_attrs(p, feat, opts)
        for part in parts:
            if not LineString(part).is_simple:
                raise ScenarioError(p, feat.label, "the road crosses itself (self-intersecting line): split it "
                                                   "into roads that do not")
            raw.append((feat, part, attrs, km))
    plane = FlatPlane.around([c for _, part, _, _ in raw for c in part] + plane_of)
    lines = []
    for feat, part, attrs, km in raw:
        xy = plane.to_xy(part)
        seg = np.hypot(*np.diff(np.asarray(xy), axis=0).T)
        lines.append(_Line(feat, part, LineString(xy), np.concatenate([[0.0], np.cumsum(seg)]), attrs, km))
    return lines, plane


def _at(line: _Line, s: float) -> tuple[int, tuple[float, float]]:
    """Segment index and (lon, lat) of the point ``s`` metres along a line (linear in lon/lat within a
    segment, as GeoJSON draws it)."""
    k = int(np.clip(np.searchsorted(line.cum, s, side="right") - 1, 0, len(line.ll) - 2))
    span = line.cum[k + 1] - line.cum[k]
    f = 0.0 if span <= 0 else float(np.clip((s - line.cum[k]) / span, 0.0, 1.0))
    (x0, y0), (x1, y1) = line.ll[k], line.ll[k + 1]
    return k, (x0 + f * (x1 - x0), y0 + f * (y1 - y0))


def _piece(line: _Line, s0: float, s1: float) -> list[tuple[float, float]]:
    k0, p0 = _at(line, s0)
    k1, p1 = _at(line, s1)
    inner = [line.ll[k] for k in range(k0 + 1, k1 + 1) if s0 < line.cum[k] < s1]
    return [p0, *inner, p1]


def _points_of(geom: Any) -> list[Point]:
    out: list[Point] = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Point):
            out.append(g)
        elif not g.is_empty:  # an overlapping stretch: its ends are the junctions
            out.extend(shapely.get_parts(g.boundary))
    return out


def import_network(roads_path: str | Path, sites_path: str | Path, opts: ImportOptions | None = None) -> Imported:
    """The network of a roads file (LineStrings) and a sites file (Points); ``ScenarioError`` naming
    the file and the feature for bad input. See the module's docstring for the rules."""
    opts = opts or ImportOptions()
    rp, sp = Path(roads_path), Path(sites_path)
    sites = read_sites(sp)
    lines, plane = _lines(rp, opts, [(s.lon, s.lat) for s in sites])
    join, snap = float(opts.join_m), float(opts.snap_km) * 1000.0

    # cut points: (line, metres along it, position, site index or -1)
    cuts: list[tuple[int, float, tuple[float, float], int]] = []

    def cut(i: int, s: float, site: int = -1) -> int:
        s = float(np.clip(s, 0.0, lines[i].xy.length))
        cuts.append((i, s, _at(lines[i], s)[1], site))
        return len(cuts) - 1

    ends = [(cut(i, 0.0), cut(i, ln.xy.length)) for i, ln in enumerate(lines)]
    pairs: list[tuple[int, int]] = []
    tree = shapely.STRtree([ln.xy for ln in lines])
    for i, ln in enumerate(lines):
        for k in tree.query(ln.xy, predicate="dwithin", distance=join):
            k = int(k)
            if k <= i:
                continue
            for q in _points_of(ln.xy.intersection(lines[k].xy)):
                pairs.append((cut(i, ln.xy.project(q)), cut(k, lines[k].xy.project(q))))
        for end, s in zip(ends[i], (0.0, ln.xy.length), strict=True):
            e = Point(ln.xy.interpolate(s))
            for k in tree.query(e, predicate="dwithin", distance=join):
                k = int(k)
                if k != i and 0.0 < lines[k].xy.distance(e) <= join:
                    pairs.append((end, cut(k, lines[k].xy.project(e))))
    for j, site in enumerate(sites):
        sxy = Point(plane.to_xy([(site.lon, site.lat)])[0])
        near = [int(k) for k in tree.query(sxy, predicate="dwithin", distance=snap)]
        if not near:
            k = min(range(len(lines)), key=lambda i: lines[i].xy.distance(sxy))
            nearest = lines[k].xy.interpolate(lines[k].xy.project(sxy))
            d = geodesic_km([(site.lon, site.lat), plane.to_lonlat([(nearest.x, nearest.y)])[0]])
            raise ScenarioError(sp, site.feature.label, f"site '{site.key}' is off every road: the nearest road is "
                                                        f"{d:.1f} km away (more than {opts.snap_km:g} km; --snap-km)")
        first = -1
        for k in near:
            c = cut(k, lines[k].xy.project(sxy), j)
            if first >= 0:
                pairs.append((first, c))
            first = c if first < 0 else first

    uf = Union(len(cuts))
    for a, b in pairs:
        uf.union(a, b)
    pts = shapely.points(plane.to_xy([c[2] for c in cuts]))
    ptree = shapely.STRtree(pts)
    left, right = ptree.query(pts, predicate="dwithin", distance=join)
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        uf.union(a, b)

    node_site: dict[int, int] = {}
    for idx, (_, _, _, j) in enumerate(cuts):
        if j < 0:
            continue
        root = uf.find(idx)
        other = node_site.setdefault(root, j)
        if other != j:
            site_a, site_b = sites[other], sites[j]
            raise ScenarioError(sp, site_b.feature.label, f"sites '{site_a.key}' and '{site_b.key}' meet the roads at the same "
                                                     f"place (within {join:g} m of one junction)")

    def node(idx: int) -> int | str:
        root = uf.find(idx)
        return sites[node_site[root]].key if root in node_site else root

    edges = _cut_lines(rp, lines, cuts, node, opts)
    notes: list[str] = []
    check_connected(rp, edges, lambda e: lines[e.line].feature.label, {s.key for s in sites if s.kind == "hub"})
    edges = prune(edges, {s.key for s in sites}, notes)
    edges = dissolve(edges, [ln.attrs for ln in lines], {s.key for s in sites})
    names = name_junctions(edges, {s.key for s in sites})
    position = {uf.find(i): c[2] for i, c in reversed(list(enumerate(cuts)))}

    out_sites: dict[str, dict[str, Any]] = {}
    waypoints: dict[str, dict[str, float]] = {}
    for s in sites:
        if s.kind == "waypoint":
            waypoints[s.key] = {"lat": s.lat, "lon": s.lon}
        else:
            out_sites[s.key] = {"kind": s.kind, "lat": s.lat, "lon": s.lon, **s.fields}
    for raw, name in names.items():
        lon, lat = position[int(raw)]
        waypoints[name] = {"lat": round(lat, 6), "lon": round(lon, 6)}
    roads = [_road_dict(e, lines[e.line], names, plane, opts) for e in edges]
    return Imported(out_sites, waypoints, roads, [lines[e.line].feature.label for e in edges],
                    {s.key: s.feature.label for s in sites}, notes)


def _cut_lines(p: Path, lines: list[_Line], cuts: list[tuple[int, float, tuple[float, float], int]],
               node: Any, opts: ImportOptions) -> list[Edge]:
    per_line: list[list[tuple[float, int | str]]] = [[] for _ in lines]
    for idx, (i, s, _, _) in enumerate(cuts):
        per_line[i].append((s, node(idx)))
    edges: list[Edge] = []
    for i, ln in enumerate(lines):
        runs: list[list[Any]] = []  # [node, first s, last s]
        for s, n in sorted(per_line[i], key=lambda t: t[0]):
            if runs and runs[-1][0] == n:
                runs[-1][2] = s
            else:
                runs.append([n, s, s])
        mine = []
        # pieces from node to node; the stretch a node covers on the line (cut points within join_m)
        # goes to the piece after it, and the last node's to the last piece: the line's whole length
        # is kept
        for k, ((n0, s0, _), (n1, s1, s1_last)) in enumerate(zip(runs, runs[1:], strict=False)):
            ll = _piece(ln, s0, s1_last if k == len(runs) - 2 else s1)
            mine.append(Edge(n0, n1, ll, geodesic_km(ll), i))
        if not mine:
            raise ScenarioError(p, ln.feature.label, "the road joins a place to itself (a loop or a stub within "
                                                     f"{opts.join_m:g} m): it cannot be a road between two places")
        edges.extend(mine)
    by_feature: dict[int, list[Edge]] = {}
    for e in edges:
        by_feature.setdefault(lines[e.line].feature.index, []).append(e)
    for group in by_feature.values():
        km_prop = lines[group[0].line].km_prop
        if km_prop is not None:  # the recorded length, shared in proportion to the geodesic lengths
            total = sum(e.km for e in group)
            for e in group:
                e.km = km_prop * e.km / total
    return edges


def _road_dict(e: Edge, line: _Line, names: dict[int | str, str], plane: FlatPlane,
               opts: ImportOptions) -> dict[str, Any]:
    terrain, threat, cleared = line.attrs
    road: dict[str, Any] = {"from": str(e.a), "to": str(e.b), "km": round(e.km, 3), "terrain": terrain,
                            "threat": threat}
    if cleared:
        road["cleared"] = True
    inner = e.ll[1:-1]
    if inner and opts.simplify_m > 0:
        xy = LineString(plane.to_xy(e.ll)).simplify(opts.simplify_m, preserve_topology=False)
        kept = plane.to_lonlat(list(xy.coords))[1:-1]
        inner = kept
    if inner:
        road["shape"] = [[round(lon, 5), round(lat, 5)] for lon, lat in inner]
    return road
