"""Lengths on the WGS84 ellipsoid (pyproj's geodesics, Karney's algorithm) and a local metric plane
for geometry that needs metres (snapping, buffers, nearest points)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import Geod, Transformer

WGS84_A = 6_378_137.0
"""Semi-major axis of WGS84 (m)."""
WGS84_F = 1 / 298.257223563
"""Flattening of WGS84."""


@lru_cache(maxsize=1)
def geod() -> Geod:
    return Geod(ellps="WGS84")


def geodesic_km(coords: Sequence[tuple[float, float]]) -> float:
    """Length in km of a line of (lon, lat) positions: the sum of the geodesics between successive
    positions on WGS84 (as QGIS's ellipsoidal length)."""
    if len(coords) < 2:
        return 0.0
    lons, lats = zip(*coords, strict=True)
    return float(geod().line_length(lons, lats)) / 1000.0


def cumulative_km(coords: Sequence[tuple[float, float]]) -> np.ndarray:
    """Geodesic km from the first position to each position of a line."""
    if len(coords) < 2:
        return np.zeros(len(coords))
    lons, lats = (np.asarray(v, dtype=float) for v in zip(*coords, strict=True))
    _, _, dist = geod().inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    return np.concatenate([[0.0], np.cumsum(np.asarray(dist, dtype=float) / 1000.0)])


@dataclass(frozen=True)
class LocalPlane:
    """An azimuthal equidistant plane (metres) centred on the data: distances from the centre are
    exact, and within 1,000 km of it other distances are off by under 2 % (the networks of a
    withdrawal span a few hundred km)."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, coords: Sequence[tuple[float, float]]) -> LocalPlane:
        lons = [c[0] for c in coords]
        lats = [c[1] for c in coords]
        return cls((min(lons) + max(lons)) / 2.0, (min(lats) + max(lats)) / 2.0)

    def _fwd(self) -> Transformer:
        return _transformer(self.lon0, self.lat0, False)

    def _inv(self) -> Transformer:
        return _transformer(self.lon0, self.lat0, True)

    def to_xy(self, coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        lons, lats = zip(*coords, strict=True)
        x, y = self._fwd().transform(lons, lats)
        return list(zip(np.atleast_1d(x).tolist(), np.atleast_1d(y).tolist(), strict=True))

    def to_lonlat(self, xy: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        xs, ys = zip(*xy, strict=True)
        lon, lat = self._inv().transform(xs, ys)
        return list(zip(np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist(), strict=True))


@lru_cache(maxsize=16)
def _transformer(lon0: float, lat0: float, inverse: bool) -> Transformer:
    plane = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
    src, dst = ("EPSG:4326", plane) if not inverse else (plane, "EPSG:4326")
    return Transformer.from_crs(src, dst, always_xy=True)


MEAN_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), for the flat plane's scale."""


@dataclass(frozen=True)
class FlatPlane:
    """An equirectangular plane (metres) centred on the data: linear in longitude and latitude, so a
    line straight in GeoJSON's coordinates stays straight and the topology (crossings, touches) is
    exactly GeoJSON's. Its distances are for tolerances only (snapping, joining): within 5 degrees
    of latitude of the centre they are within 3 % of the true ones."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, coords: Sequence[tuple[float, float]]) -> FlatPlane:
        lats = [c[1] for c in coords]
        lons = [c[0] for c in coords]
        return cls((min(lons) + max(lons)) / 2.0, (min(lats) + max(lats)) / 2.0)

    def _k(self) -> tuple[float, float]:
        ky = MEAN_RADIUS_M * np.pi / 180.0
        return ky * float(np.cos(np.radians(self.lat0))), ky

    def to_xy(self, coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        kx, ky = self._k()
        return [((lon - self.lon0) * kx, (lat - self.lat0) * ky) for lon, lat in coords]

    def to_lonlat(self, xy: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        kx, ky = self._k()
        return [(self.lon0 + x / kx, self.lat0 + y / ky) for x, y in xy]
