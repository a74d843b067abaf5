"""The lines of a scenario's roads, and positions along them.

A road's line runs from its ``from`` place through its ``shape`` (if any) to its ``to`` place. A
position "``km`` along a road" is placed at the same fraction of the line's geodesic length as ``km``
is of the road's ``km`` (the record's km is longer than a line drawn between known points).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.geo.measure import cumulative_km
from sim.model.schema import Road, Scenario

LonLat = tuple[float, float]


def places(sc: Scenario) -> dict[str, LonLat]:
    """(lon, lat) of every site and waypoint."""
    out = {k: (s.lon, s.lat) for k, s in sc.sites.items()}
    out.update({k: (w.lon, w.lat) for k, w in sc.waypoints.items()})
    return out


def road_coords(sc: Scenario, road: Road, pos: dict[str, LonLat] | None = None) -> list[LonLat]:
    """The line of a road from ``from`` to ``to``: its ends and its shape."""
    pos = places(sc) if pos is None else pos
    inner = [(float(x), float(y)) for x, y in (road.shape or [])]
    return [pos[road.from_], *inner, pos[road.to]]


def point_at(coords: Sequence[LonLat], fraction: float, cum: np.ndarray | None = None) -> LonLat:
    """The point at ``fraction`` (0 to 1) of a line's geodesic length (linear in lon/lat between
    two positions, as GeoJSON draws a line); ``cum``: the line's ``cumulative_km``, if known."""
    cum = cumulative_km(coords) if cum is None else cum
    total = float(cum[-1])
    if total <= 0:
        return coords[0]
    target = float(np.clip(fraction, 0.0, 1.0)) * total
    k = int(np.clip(np.searchsorted(cum, target, side="right") - 1, 0, len(coords) - 2))
    span = cum[k + 1] - cum[k]
    f = 0.0 if span <= 0 else (target - cum[k]) / span
    (x0, y0), (x1, y1) = coords[k], coords[k + 1]
    return (float(x0 + f * (x1 - x0)), float(y0 + f * (y1 - y0)))


class RoadLines:
    """The line between two neighbouring places, oriented, for every road a route can take.

    Of parallel roads between two places, the one routing uses (``sim.model.network.build_graph``)."""

    def __init__(self, sc: Scenario) -> None:
        from sim.model.network import build_graph

        self.sc = sc
        self.pos = places(sc)
        graph = build_graph(sc)
        self._lines: dict[tuple[str, str], tuple[list[LonLat], np.ndarray]] = {}
        self.index: dict[tuple[str, str], int] = {}
        for a, b, data in graph.edges(data=True):
            self.index[(a, b)] = self.index[(b, a)] = int(data["index"])

    def road(self, a: str, b: str) -> int | None:
        return self.index.get((a, b))

    def line(self, a: str, b: str) -> list[LonLat]:
        """The line from ``a`` to ``b`` (the road's own, reversed when it runs ``b`` → ``a``; a straight
        line when no road joins them)."""
        return self._line(a, b)[0]

    def _line(self, a: str, b: str) -> tuple[list[LonLat], np.ndarray]:
        if (a, b) not in self._lines:
            i = self.road(a, b)
            if i is None:
                coords = [self.pos[a], self.pos[b]]
            else:
                r = self.sc.roads[i]
                coords = road_coords(self.sc, r, self.pos)
                coords = coords if r.from_ == a else coords[::-1]
            self._lines[(a, b)] = (coords, cumulative_km(coords))
        return self._lines[(a, b)]

    def at(self, a: str, b: str, fraction: float) -> LonLat:
        """The point at ``fraction`` of the line from ``a`` to ``b``."""
        coords, cum = self._line(a, b)
        return point_at(coords, fraction, cum)

    def split_segment(self, segment: str) -> tuple[str, str] | None:
        """``(a, b)`` of a trace's ``a-b`` segment label (names may hold hyphens themselves)."""
        for k, ch in enumerate(segment):
            if ch == "-" and segment[:k] in self.pos and segment[k + 1:] in self.pos:
                return segment[:k], segment[k + 1:]
        return None

    def locate(self, a: str, b: str, km_along: float) -> LonLat:
        """The point ``km_along`` km from ``a`` on the road to ``b``."""
        i = self.road(a, b)
        km = self.sc.roads[i].km if i is not None else 1.0
        return self.at(a, b, km_along / km if km > 0 else 0.0)
