"""The network map: country borders, roads coloured by threat along their shapes, bases sized by load,
hubs and waypoints marked, labels placed without collisions."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.model.schema import Scenario
from sim.report.plots.basemap import COUNTRY_TEXT, draw_borders
from sim.report.plots.labels import Label, line_boxes, marker_box, place_labels
from sim.report.plots.style import OKABE_ITO, new_axes, styled, threat_colours


def node_positions(sc: Scenario) -> dict[str, tuple[float, float]]:
    """(lon, lat) of every site and waypoint."""
    pos = {k: (s.lon, s.lat) for k, s in sc.sites.items()}
    pos.update({k: (w.lon, w.lat) for k, w in sc.waypoints.items()})
    return pos


def base_load(sc: Scenario, base: str) -> float:
    """Personnel plus cargo units of a base: what the map sizes its marker by."""
    b = sc.bases[base]
    return float(b.personnel + sum(b.cargo.values()))


def marker_area(load: float, max_load: float) -> float:
    """Marker area (points²) of a base, area proportional to load, 60 to 900."""
    if max_load <= 0:
        return 60.0
    return 60.0 + 840.0 * load / max_load


def _label(name: str) -> str:
    return name.replace("_", " ").title()


def road_xy(sc: Scenario, pos: dict[str, tuple[float, float]], i: int) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of road ``i``'s line (its ends and its ``shape``)."""
    r = sc.roads[i]
    pts = [pos[r.from_], *[(float(x), float(y)) for x, y in (r.shape or [])], pos[r.to]]
    return [p[0] for p in pts], [p[1] for p in pts]


def _midpoint(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """The point halfway along a drawn line (planar in lon/lat: where the eye sees the middle)."""
    seg = [math.hypot(x1 - x0, y1 - y0) for x0, y0, x1, y1 in zip(xs, ys, xs[1:], ys[1:], strict=False)]
    half, run = sum(seg) / 2.0, 0.0
    for k, d in enumerate(seg):
        if run + d >= half and d > 0:
            f = (half - run) / d
            return xs[k] + f * (xs[k + 1] - xs[k]), ys[k] + f * (ys[k + 1] - ys[k])
        run += d
    return xs[0], ys[0]


def map_view(sc: Scenario) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1) shown: every place and road point, with a margin."""
    pos = node_positions(sc)
    xs = [p[0] for p in pos.values()] + [float(x) for r in sc.roads for x, _ in (r.shape or [])]
    ys = [p[1] for p in pos.values()] + [float(y) for r in sc.roads for _, y in (r.shape or [])]
    pad_x = max(0.3, 0.15 * (max(xs) - min(xs)))
    pad_y = max(0.3, 0.15 * (max(ys) - min(ys)))
    return min(xs) - pad_x, min(ys) - pad_y, max(xs) + pad_x, max(ys) + pad_y


@styled
def plot_network(sc: Scenario, ax: Axes | None = None, *, label_km: bool = True, borders: bool = True) -> Axes:
    """Map (lon/lat) of the scenario's roads, bases, hubs and waypoints over the country borders.

    Roads are coloured by threat level (green → purple, least to most attacks per 100 km) and follow
    their ``shape`` when they have one; bases are circles whose area is proportional to personnel +
    cargo units; hubs are stars; waypoints small dots. Country borders and names come from the
    shipped Natural Earth file (``borders=False`` leaves them out). Labels are placed so that none
    overlaps another, a marker or the legend (``labels.place_labels``); the result is kept on the
    axes as ``ax.label_placement``. Artists: one line per road, one scatter for bases, one for hubs,
    one for waypoints (when there are any), one patch per country.
    """
    ax = new_axes(ax, (8.0, 7.0))
    pos = node_positions(sc)
    view = map_view(sc)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians((view[1] + view[3]) / 2.0))))
    country_names = draw_borders(ax, view) if borders else []
    colours = threat_colours(sc.threats.levels)
    mids = []
    for i, r in enumerate(sc.roads):
        xs, ys = road_xy(sc, pos, i)
        ax.plot(xs, ys, color=colours[r.threat], lw=3.5, solid_capstyle="round",
                ls=(0, (1, 0)) if not r.cleared else (0, (4, 1.5)), zorder=1)
        mids.append(_midpoint(xs, ys))

    bases = list(sc.bases)
    loads = np.array([base_load(sc, b) for b in bases])
    obstacles: list[tuple[tuple[float, float], float]] = []
    labels: list[Label] = []
    if bases:
        mx = float(loads.max())
        areas = [marker_area(v, mx) for v in loads]
        ax.scatter([pos[b][0] for b in bases], [pos[b][1] for b in bases], s=areas, color=OKABE_ITO["blue"],
                   alpha=0.85, edgecolor="white", linewidth=1.2, zorder=4, label="base (area ∝ load)")
        for b, v, a in zip(bases, loads, areas, strict=True):
            radius = math.sqrt(a) / 2.0
            obstacles.append((pos[b], radius))
            labels.append(Label(pos[b], f"{_label(b)}\n{int(v):,} pers.+units", gap=radius + 3,
                                style={"fontsize": 10, "fontweight": "bold"}))
    hubs = list(sc.hubs)
    if hubs:
        ax.scatter([pos[h][0] for h in hubs], [pos[h][1] for h in hubs], marker="*", s=380,
                   color=OKABE_ITO["black"], zorder=4, label="hub")
        for h in hubs:
            obstacles.append((pos[h], 10.0))
            labels.append(Label(pos[h], f"{_label(h)} (hub)", gap=12, style={"fontsize": 10, "fontweight": "bold"}))
    wps = list(sc.waypoints)
    if wps:
        ax.scatter([pos[w][0] for w in wps], [pos[w][1] for w in wps], s=22, color=OKABE_ITO["grey"],
                   edgecolor="black", linewidth=0.5, zorder=3, label="waypoint")
        for w in wps:
            obstacles.append((pos[w], 3.0))
            labels.append(Label(pos[w], _label(w), gap=5, style={"fontsize": 9, "color": "#333333"}))
    if label_km:
        for r, mid in zip(sc.roads, mids, strict=True):
            labels.append(Label(mid, f"{r.km:g} km", gap=4, style={"fontsize": 8, "color": "#444444"}))
    for name, anchors in country_names:
        labels.append(Label(anchors[0], name.upper(), gap=0, optional=True, alternatives=tuple(anchors[1:]),
                            style={"fontsize": 9, "color": COUNTRY_TEXT, "fontstyle": "italic"}))

    used = [lvl for lvl in sc.threats.levels if any(r.threat == lvl for r in sc.roads)]
    handles = [Line2D([], [], color=colours[lvl], lw=3.5, label=f"{lvl} threat road") for lvl in used]
    if any(r.cleared for r in sc.roads):
        handles.append(Line2D([], [], color="#444444", lw=2, ls=(0, (4, 1.5)), label="route cleared"))
    h2, _ = ax.get_legend_handles_labels()
    legend = ax.legend(handles=[*handles, *h2], loc="best", framealpha=0.9, markerscale=0.6)
    ax.set_xlabel("Longitude (° E)")
    ax.set_ylabel("Latitude (° N)")
    ax.set_title(f"Road network: {sc.name}")
    ax.figure.figure.draw_without_rendering()  # layout and legend settle before labels are measured (no pixels)
    boxes = [marker_box(ax, xy, r) for xy, r in obstacles]
    boxes.append(legend.get_window_extent())
    along = [line_boxes(ax, *road_xy(sc, pos, i)) for i in range(len(sc.roads))]
    soft = np.vstack(along) if along else None
    ax.label_placement = place_labels(ax, labels, boxes, soft, draw=False)  # type: ignore[attr-defined]
    return ax
