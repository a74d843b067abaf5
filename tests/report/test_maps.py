"""The network map's context: country borders from the shipped file, road shapes, labels that do
not collide."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.patches import PathPatch
from matplotlib.text import Text

from sim.model.loader import load_scenario
from sim.report import plots
from sim.report.plots.basemap import countries
from sim.report.plots.labels import Label, place_labels
from sim.report.plots.style import new_axes
from tests.helpers.builders import changed, one_leg
from tests.helpers.paths import SHIPPED


def text_box(ann, renderer):
    """The box of an annotation's text, without its leader line."""
    ann.update_positions(renderer)
    return Text.get_window_extent(ann, renderer)


def test_the_shipped_borders() -> None:
    doc = countries()
    names = {f["properties"]["name"] for f in doc["features"]}
    assert {"Mali", "Niger", "Algeria", "Burkina Faso", "Mauritania"} <= names
    assert "public domain" in doc["license"].lower()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_label_overlaps_another_or_a_marker(path) -> None:
    sc = load_scenario(path)
    ax = plots.plot_network(sc)
    placed = ax.label_placement
    assert placed.collisions == 0
    renderer = ax.figure.canvas.get_renderer()
    boxes = [text_box(t, renderer) for t in placed.texts]
    assert len(boxes) >= len(sc.sites) + len(sc.waypoints) + len(sc.roads)  # every place and km label
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    frame = ax.get_window_extent(renderer)
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    # markers: no label covers a site's centre
    centres = ax.transData.transform([(s.lon, s.lat) for s in sc.sites.values()])
    for b in boxes:
        assert not any(b.contains(x, y) for x, y in centres)


def test_borders_are_drawn_under_the_roads() -> None:
    sc = load_scenario(SHIPPED[-1])
    ax = plots.plot_network(sc)
    countries_drawn = [p for p in ax.patches if isinstance(p, PathPatch) and p.get_gid() == "country"]
    # the countries whose bounds meet the map's view (the others would only be clipped away)
    from sim.report.plots.basemap import _paths
    from sim.report.plots.maps import map_view

    x0, y0, x1, y1 = map_view(sc)
    meeting = [b for _, b in _paths() if not (b[2] < x0 or b[0] > x1 or b[3] < y0 or b[1] > y1)]
    assert 1 <= len(countries_drawn) == len(meeting) < len(countries()["features"])
    assert max(p.get_zorder() for p in countries_drawn) < min(ln.get_zorder() for ln in ax.lines)
    bare = plots.plot_network(sc, borders=False)
    assert not [p for p in bare.patches if p.get_gid() == "country"]


def test_roads_follow_their_shape() -> None:
    sc = changed(one_leg(), roads__0__shape=[[1.2, 16.8], [0.7, 16.7]])
    ax = plots.plot_network(sc)
    xs, ys = ax.lines[0].get_data()
    assert list(zip(xs, ys, strict=True)) == [(1.0, 17.0), (1.2, 16.8), (0.7, 16.7), (0.5, 16.5)]


def test_crowded_labels_move_apart() -> None:
    ax = new_axes(None, (4, 4))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    labels = [Label((0.5, 0.5), f"label {i}", gap=3) for i in range(6)]
    placed = place_labels(ax, labels)
    r = ax.figure.canvas.get_renderer()
    boxes = [text_box(t, r) for t in placed.texts]
    assert placed.collisions == 0 and len(boxes) == 6
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    # an optional label that cannot fit is dropped, a required one is counted
    tiny = new_axes(None, (1, 0.3))
    tiny.set_axis_off()  # no decorations: the layout keeps the tiny axes
    tiny.set_xlim(0, 1)
    tiny.set_ylim(0, 1)
    out = place_labels(tiny, [Label((0.5, 0.5), "a very long label that does not fit", optional=True),
                              Label((0.5, 0.5), "another very long label", optional=False)])
    assert out.dropped == 1 and out.collisions == 1 and len(out.texts) == 1
    assert np.isfinite(out.texts[0].get_position()).all()
