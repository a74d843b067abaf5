"""Geodesic lengths on WGS84 against closed forms."""

from __future__ import annotations

import math

import pytest

from sim.model.geo.measure import WGS84_A, WGS84_F, LocalPlane, cumulative_km, geodesic_km


def meridian_arc_km(lat0: float, lat1: float) -> float:
    """Meridian arc length between two latitudes (Helmert's series in the third flattening n, to n^4:
    error far below a millimetre on Earth)."""
    n = WGS84_F / (2 - WGS84_F)
    a = WGS84_A
    big_a = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    coeffs = (-3 / 2 * n + 9 / 16 * n**3, 15 / 16 * n**2 - 15 / 32 * n**4, -35 / 48 * n**3, 315 / 512 * n**4)

    def m(phi_deg: float) -> float:
        phi = math.radians(phi_deg)
        return big_a * (phi + sum(c * math.sin(2 * (k + 1) * phi) for k, c in enumerate(coeffs)))

    return (m(lat1) - m(lat0)) / 1000.0


def test_equator_is_a_times_the_longitude_difference() -> None:
    # the equator is a geodesic: 10 degrees of it are exactly a * 10 degrees in radians
    km = geodesic_km([(0.0, 0.0), (10.0, 0.0)])
    assert km == pytest.approx(WGS84_A * math.radians(10.0) / 1000.0, rel=1e-9)


@pytest.mark.parametrize(("lat0", "lat1"), [(0.0, 10.0), (12.0, 20.5), (-30.0, 45.0)])
def test_meridian_arc_matches_the_closed_form(lat0: float, lat1: float) -> None:
    km = geodesic_km([(1.0, lat0), (1.0, lat1)])
    expected = meridian_arc_km(lat0, lat1)
    assert abs(km - expected) / expected < 1e-3  # the 0.1 %
    assert km == pytest.approx(expected, rel=1e-7)  # in fact far closer


def test_a_line_is_the_sum_of_its_geodesics() -> None:
    coords = [(1.0, 16.0), (1.0, 17.0), (1.0, 18.5)]
    assert geodesic_km(coords) == pytest.approx(meridian_arc_km(16.0, 18.5), rel=1e-7)
    cum = cumulative_km(coords)
    assert cum[0] == 0.0 and cum[-1] == pytest.approx(geodesic_km(coords))
    assert cum[1] == pytest.approx(meridian_arc_km(16.0, 17.0), rel=1e-7)


def test_local_plane_distances_are_close_to_geodesic() -> None:
    plane = LocalPlane.around([(0.0, 15.0), (2.0, 19.0)])
    (x0, y0), (x1, y1) = plane.to_xy([(0.3, 16.0), (1.6, 18.2)])
    planar = math.hypot(x1 - x0, y1 - y0) / 1000.0
    assert planar == pytest.approx(geodesic_km([(0.3, 16.0), (1.6, 18.2)]), rel=0.01)
    back = plane.to_lonlat([(x0, y0)])[0]
    assert back == pytest.approx((0.3, 16.0), abs=1e-9)
