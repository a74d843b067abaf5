"""The network map: roads coloured by threat, bases sized by load, hubs and waypoints marked."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.model.schema import Scenario
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


@styled
def plot_network(sc: Scenario, ax: Axes | None = None, *, label_km: bool = True) -> Axes:
    """Map (lon/lat) of the scenario's roads, bases, hubs and waypoints.

    Roads are coloured by threat level (green → purple, least to most attacks per 100 km); bases
    are circles whose area is proportional to personnel + cargo units; hubs are stars; waypoints
    small dots. Artists: one line per road, one scatter for bases, one for hubs, one for waypoints
    (when there are any).
    """
    ax = new_axes(ax, (8.0, 7.0))
    pos = node_positions(sc)
    colours = threat_colours(sc.threats.levels)
    for r in sc.roads:
        (x0, y0), (x1, y1) = pos[r.from_], pos[r.to]
        ax.plot([x0, x1], [y0, y1], color=colours[r.threat], lw=3.5, solid_capstyle="round",
                ls=(0, (1, 0)) if not r.cleared else (0, (4, 1.5)), zorder=1)
        if label_km:
            ax.annotate(f"{r.km:g} km", ((x0 + x1) / 2, (y0 + y1) / 2), xytext=(4, -4),
                        textcoords="offset points", fontsize=8, color="#444444", zorder=2)

    bases = list(sc.bases)
    loads = np.array([base_load(sc, b) for b in bases])
    if bases:
        mx = float(loads.max())
        ax.scatter([pos[b][0] for b in bases], [pos[b][1] for b in bases],
                   s=[marker_area(v, mx) for v in loads], color=OKABE_ITO["blue"], alpha=0.85,
                   edgecolor="white", linewidth=1.2, zorder=4, label="base (area ∝ load)")
        for b, v in zip(bases, loads, strict=True):
            ax.annotate(f"{_label(b)}\n{int(v):,} pers.+units", pos[b], xytext=(10, 6),
                        textcoords="offset points", fontsize=10, fontweight="bold", zorder=5)
    hubs = list(sc.hubs)
    if hubs:
        ax.scatter([pos[h][0] for h in hubs], [pos[h][1] for h in hubs], marker="*", s=380,
                   color=OKABE_ITO["black"], zorder=4, label="hub")
        for h in hubs:
            ax.annotate(f"{_label(h)} (hub)", pos[h], xytext=(10, -14), textcoords="offset points",
                        fontsize=10, fontweight="bold", zorder=5)
    wps = list(sc.waypoints)
    if wps:
        ax.scatter([pos[w][0] for w in wps], [pos[w][1] for w in wps], s=22, color=OKABE_ITO["grey"],
                   edgecolor="black", linewidth=0.5, zorder=3, label="waypoint")
        for w in wps:
            ax.annotate(_label(w), pos[w], xytext=(-6, 4), textcoords="offset points", ha="right",
                        fontsize=9, color="#333333", zorder=5)

    used = [lvl for lvl in sc.threats.levels if any(r.threat == lvl for r in sc.roads)]
    handles = [Line2D([], [], color=colours[lvl], lw=3.5, label=f"{lvl} threat road") for lvl in used]
    if any(r.cleared for r in sc.roads):
        handles.append(Line2D([], [], color="#444444", lw=2, ls=(0, (4, 1.5)), label="route cleared"))
    h2, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, *h2], loc="best", framealpha=0.9, markerscale=0.6)

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad_x = max(0.3, 0.15 * (max(xs) - min(xs)))
    pad_y = max(0.3, 0.15 * (max(ys) - min(ys)))
    ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians(float(np.mean(ys))))))
    ax.set_xlabel("Longitude (° E)")
    ax.set_ylabel("Latitude (° N)")
    ax.set_title(f"Road network: {sc.name}")
    return ax
