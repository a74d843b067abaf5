"""An interactive HTML map of a results folder (folium, i.e. Leaflet), that works offline.

folium's pages load Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers from
CDNs (cdn.jsdelivr.net, code.jquery.com, cdnjs.cloudflare.com, netdna.bootstrapcdn.com). This map
uses only Leaflet's own layers (GeoJSON, circle markers, tooltips, an expanded layer control), so
every ``<script src>`` and stylesheet link folium writes is taken out, and Leaflet 1.9.4 (BSD-2,
shipped in ``sim/report/data/leaflet/``) is written into the page itself. No tiles by default: the
base map is the shipped country borders; ``tiles="OpenStreetMap"`` (or another folium tile name)
adds a tile layer, which the browser then fetches from its server when the page is viewed.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path
from typing import Any

from sim.model.errors import ScenarioError
from sim.report.plots.basemap import BORDER, LAND, countries
from sim.report.plots.style import EVENT_STYLE, OKABE_ITO, threat_colours
from sim.store.atomic import atomic_write_text

SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="(https?:)?//[^"]*"[^>]*>\s*</script>\s*', re.I)
CSS_LINK = re.compile(r'<link[^>]*\bhref="(https?:)?//[^"]*"[^>]*/?>\s*', re.I)
KIND_COLOURS = {"base": OKABE_ITO["blue"], "hub": OKABE_ITO["black"], "waypoint": OKABE_ITO["grey"]}


def _leaflet() -> tuple[str, str]:
    root = resources.files("sim.report").joinpath("data", "leaflet")
    js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = root.joinpath("leaflet.css").read_text(encoding="utf-8")
    return js, css


def offline_html(page: str) -> str:
    """A folium page with its CDN scripts and stylesheets removed and Leaflet embedded."""
    js, css = _leaflet()
    page = SCRIPT_SRC.sub("", page)
    page = CSS_LINK.sub("", page)
    inline = f"<style>{css}</style>\n<script>{js}</script>\n"
    return page.replace("<head>", "<head>\n" + inline, 1)


def _tooltip(props: dict[str, Any], keys: list[str]) -> str:
    rows = "".join(f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(k)}</th>"
                   f"<td>{html.escape(_fmt(props[k]))}</td></tr>" for k in keys if props.get(k) is not None)
    return f"<table>{rows}</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def build_map(network: dict[str, Any], sites: dict[str, Any], events: dict[str, Any] | None, sc: Any,
              tiles: str | None = None) -> Any:
    """The folium map of a network (``report.geojson.network_collection``), its sites and events."""
    import folium

    lons = [c[0] for f in network["features"] for c in f["geometry"]["coordinates"]]
    lats = [c[1] for f in network["features"] for c in f["geometry"]["coordinates"]]
    m = folium.Map(location=[(min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2], tiles=tiles,
                   zoom_start=6, control_scale=True, prefer_canvas=False)
    folium.GeoJson(countries(), name="countries (Natural Earth)",
                   style_function=lambda _: {"fillColor": LAND, "color": BORDER, "weight": 1, "fillOpacity": 1.0},
                   tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(m)
    colours = threat_colours(sc.threats.levels)
    roads = folium.FeatureGroup(name="roads (by threat)").add_to(m)
    for f in network["features"]:
        p = f["properties"]
        keys = [k for k in p if k not in ("index",)]
        folium.PolyLine([(y, x) for x, y in f["geometry"]["coordinates"]], color=colours.get(p["threat"], "#555"),
                        weight=6, opacity=0.9, dash_array="8 4" if p.get("cleared") else None,
                        tooltip=folium.Tooltip(_tooltip(p, keys))).add_to(roads)
    places = folium.FeatureGroup(name="sites and waypoints").add_to(m)
    for f in sites["features"]:
        p = f["properties"]
        x, y = f["geometry"]["coordinates"]
        big = p["kind"] != "waypoint"
        folium.CircleMarker((y, x), radius=9 if big else 4, color="white" if big else "black", weight=1.5,
                            fill=True, fill_color=KIND_COLOURS[p["kind"]], fill_opacity=0.9,
                            tooltip=folium.Tooltip(f"{html.escape(p['name'])}" + ("" if big else " (waypoint)"),
                                                   permanent=big, direction="right")).add_to(places)
    if events is not None and events["features"]:
        evg = folium.FeatureGroup(name="road events (trace)").add_to(m)
        for f in events["features"]:
            p = f["properties"]
            x, y = f["geometry"]["coordinates"]
            colour = EVENT_STYLE.get(p["kind"], {}).get("color", OKABE_ITO["orange"])
            folium.CircleMarker((y, x), radius=6, color="black", weight=1, fill=True, fill_color=colour,
                                fill_opacity=1.0,
                                tooltip=folium.Tooltip(_tooltip(p, ["kind", "date", "segment", "km_along", "convoy",
                                                                    "vehicles_destroyed", "wounded", "killed",
                                                                    "delay_hours"]))).add_to(evg)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return m


def write_map(results_dir: str | Path, out: str | Path | None = None, tiles: str | None = None) -> Path:
    """Write the interactive map of a results folder (``map.html`` in it by default); its path."""
    try:
        import folium  # noqa: F401
    except ImportError:
        raise ScenarioError(results_dir, None, "the interactive map needs folium: "
                                               "python -m pip install 'withdrawal-sim[maps]'") from None
    from sim.model.geo.export import collection, site_features
    from sim.report.geojson import events_collection, network_collection, read_roads
    from sim.report.results import read_results

    folder = Path(results_dir)
    sc, _, tables = read_results(folder)
    legs = tables.get("convoys", tables.get("legs"))
    network = network_collection(sc, legs, tables.get("bases"), read_roads(folder) if legs is None else None)
    events = events_collection(sc, tables["events"]) if "events" in tables else None
    m = build_map(network, collection(site_features(sc)), events, sc, tiles)
    page = m.get_root().render()
    if tiles is None:
        page = offline_html(page)
    else:  # tiles come from the network anyway: keep folium's page as it is
        page = page.replace("<head>", "<head>\n<!-- tiles and scripts load from the network -->", 1)
    target = Path(out) if out is not None else folder / "map.html"
    return atomic_write_text(target, page)


def page_resources(page: str) -> list[str]:
    """The external resources (URLs) a page loads by script or stylesheet."""
    found = re.findall(r'<(?:script|link)[^>]*\b(?:src|href)="((?:https?:)?//[^"]*)"', page, re.I)
    return list(dict.fromkeys(found))

