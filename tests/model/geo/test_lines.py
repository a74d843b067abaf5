"""Positions along a scenario's road lines."""

from __future__ import annotations

import pytest

from sim.model.geo.lines import RoadLines, point_at
from sim.model.geo.measure import geodesic_km
from tests.helpers.builders import changed, one_leg


def test_point_at_fractions_of_the_geodesic_length() -> None:
    line = [(0.0, 0.0), (1.0, 0.0), (3.0, 0.0)]
    assert point_at(line, 0.0) == (0.0, 0.0)
    assert point_at(line, 1.0) == pytest.approx((3.0, 0.0))
    assert point_at(line, 0.5) == pytest.approx((1.5, 0.0), abs=1e-9)  # the equator: length ∝ longitude


def test_locate_uses_the_road_km_and_its_shape() -> None:
    sc = changed(one_leg(), roads__0__shape=[[1.0, 16.5]])  # alpha (1, 17) → (1, 16.5) → mid (0.5, 16.5)
    lines = RoadLines(sc)
    assert lines.line("alpha", "mid") == [(1.0, 17.0), (1.0, 16.5), (0.5, 16.5)]
    assert lines.line("mid", "alpha")[0] == (0.5, 16.5)
    # 60 km road: 30 km along it is half the line's geodesic length
    lon, lat = lines.locate("alpha", "mid", 30.0)
    half = geodesic_km([(1.0, 17.0), (1.0, 16.5), (0.5, 16.5)]) / 2
    first = geodesic_km([(1.0, 17.0), (1.0, 16.5)])
    if half <= first:
        assert lon == pytest.approx(1.0) and 16.5 <= lat <= 17.0
    else:
        assert lat == pytest.approx(16.5) and 0.5 <= lon <= 1.0
    assert geodesic_km([(1.0, 17.0), (lon, lat)]) <= half * 1.0001
    assert lines.locate("alpha", "mid", 0.0) == (1.0, 17.0)
    assert lines.locate("mid", "alpha", 60.0) == pytest.approx((1.0, 17.0))


def test_segment_labels_with_hyphens() -> None:
    data = one_leg()
    data["waypoints"] = {"mid-way": data["waypoints"]["mid"]}
    for r in data["roads"]:
        r["from"] = "mid-way" if r["from"] == "mid" else r["from"]
        r["to"] = "mid-way" if r["to"] == "mid" else r["to"]
    from sim.model.loader import validate

    lines = RoadLines(validate(data))
    assert lines.split_segment("alpha-mid-way") == ("alpha", "mid-way")
    assert lines.split_segment("mid-way-hub") == ("mid-way", "hub")
    assert lines.split_segment("nowhere-hub") is None
