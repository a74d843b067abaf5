"""Commands ``import-geo``, ``export-geo``, ``incident-rates`` and ``map`` (GeoJSON in and out,
threat from incident locations, the interactive map of a results folder). The formats and the
arithmetic are in docs/geo.md."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

GEO_HELP = "docs/geo.md describes the files"


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < v < 1e6:
        raise argparse.ArgumentTypeError("must be more than 0")
    return v


def _non_negative(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= v < 1e9:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return v


def _date(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r} (e.g. 2023-10-01)") from None


def _yaml_text(data: dict[str, Any], header: list[str]) -> str:
    import yaml

    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)
    return "".join(f"# {line}\n" for line in header) + body


def _write(path: Path, text: str) -> None:
    from sim.model.errors import StoreError
    from sim.store.atomic import atomic_write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_import_geo(args: argparse.Namespace) -> int:
    from sim.model.geo.blocks import import_geo
    from sim.model.geo.network_import import ImportOptions

    opts = ImportOptions(snap_km=args.snap_km, join_m=args.join_m, terrain=args.terrain, threat=args.threat,
                         km_property=not args.geodesic_km, simplify_m=args.simplify_m)
    res = import_geo(args.roads, args.sites, into=args.into, opts=opts)
    what = (f"scenario {args.into} with the network of {args.roads} and {args.sites}" if args.into
            else f"network of {args.roads} and {args.sites} (sources, sites, waypoints, roads blocks)")
    header = [f"Written by withdrawal-sim import-geo: {what}.", *res.notes]
    _write(Path(args.out), _yaml_text(res.data, header))
    n_roads, n_wp = len(res.data["roads"]), len(res.data["waypoints"])
    print(f"wrote {args.out}: {n_roads} roads, {n_wp} waypoints" + "".join(f"\n  {n}" for n in res.notes))
    return 0


def cmd_export_geo(args: argparse.Namespace) -> int:
    from sim.model.errors import ScenarioError

    src = Path(args.source)
    if src.is_dir():
        from sim.report.geojson import write_geojson

        for p in write_geojson(src):
            print(f"wrote {p}")
        return 0
    if not src.exists():
        raise ScenarioError(src, None, "file not found (give a scenario file or a results folder)")
    from sim.model.geo.export import dumps, scenario_geojson
    from sim.model.loader import load_scenario

    sc = load_scenario(src, args.overrides)
    out = Path(args.out) if args.out else src.parent / "geo"
    roads, sites = scenario_geojson(sc)
    for suffix, doc in (("roads", roads), ("sites", sites)):
        p = out / f"{sc.name}.{suffix}.geojson"
        _write(p, dumps(doc))
        print(f"wrote {p}")
    return 0


def cmd_incident_rates(args: argparse.Namespace) -> int:
    from sim.model.errors import ScenarioError
    from sim.model.geo import incidents as inc
    from sim.model.loader import load_scenario

    if args.overrides_out and args.traffic is None and args.convoys is None:
        raise ScenarioError(args.incidents, "--overrides-out", "rates per convoy-km need the traffic: give "
                            "--convoys N or --traffic FILE.csv")
    sc = load_scenario(args.scenario, args.overrides)
    found = inc.read_incidents(args.incidents)
    assigned = inc.assign(sc, found, args.buffer_km)
    start = args.start or min(i.when for i in found).replace(hour=0, minute=0, second=0, microsecond=0)
    end = args.end or (max(i.when for i in found).replace(hour=0, minute=0, second=0, microsecond=0)
                       + dt.timedelta(days=1))
    if end <= start:
        raise ScenarioError(args.incidents, "--until", f"the window ends ({end}) before it starts ({start})")
    passages: dict[int, float] | None = None
    if args.traffic is not None:
        passages = inc.read_traffic(args.traffic, sc)
    elif args.convoys is not None:
        passages = {i: args.convoys for i in range(len(sc.roads))}
    table = inc.rates(sc, assigned, start, end, passages)
    out = Path(args.out)
    _write(out, table.to_csv(index=False))
    in_window = (assigned["date"] >= start) & (assigned["date"] < end)
    on_road = int((in_window & (assigned["road"] >= 0)).sum())
    print(f"{len(found)} incidents, {int(in_window.sum())} from {start:%Y-%m-%d} to {end:%Y-%m-%d} (excluded), "
          f"{on_road} within {args.buffer_km:g} km of a road; wrote {out}")
    if args.overrides_out:
        doc = inc.evidence_overrides(sc, table)
        header = [f"Threat from evidence: incidents of {args.incidents} within {args.buffer_km:g} km of the roads of "
                  f"{sc.name}, {start:%Y-%m-%d} to {end:%Y-%m-%d};",
                  "rates per 100 convoy-km = incidents / (convoy passages x km / 100), see docs/geo.md.",
                  "Apply like a counterfactual file (sim.load_scenario(path, overrides=sim.load_override_file(this)))."]
        _write(Path(args.overrides_out), _yaml_text(doc, header))
        print(f"wrote {args.overrides_out}: {sum(k.startswith('roads.') for k in doc)} roads with evidence levels")
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from sim.report.webmap import write_map

    out = write_map(args.results_dir, args.out, tiles=args.tiles)
    print(f"wrote {out}")
    return 0


def register(sub: Any) -> None:
    """Add ``import-geo``, ``export-geo``, ``incident-rates`` and ``map``."""
    p = sub.add_parser("import-geo", help="read a road network and sites from GeoJSON into scenario blocks",
                       description="Read ROADS (LineStrings: properties terrain, threat, cleared, km) and SITES "
                                   "(Points: name, kind hub|base|waypoint) into the sites, waypoints and roads "
                                   "of a scenario: roads are split at junctions and sites, km measured on the "
                                   f"WGS84 ellipsoid; {GEO_HELP}.")
    p.add_argument("roads", metavar="ROADS.geojson")
    p.add_argument("sites", metavar="SITES.geojson")
    p.add_argument("--out", required=True, metavar="FILE.yaml", help="where to write the scenario (part)")
    p.add_argument("--into", metavar="SCENARIO.yaml",
                   help="a scenario whose network is replaced (the output is then a whole, validated scenario)")
    p.add_argument("--snap-km", type=_positive, default=1.0, help="a site this close to a road is on it (default 1)")
    p.add_argument("--join-m", type=_positive, default=25.0,
                   help="road ends and crossings this close are one place (default 25 m)")
    p.add_argument("--terrain", help="terrain of roads without a terrain property")
    p.add_argument("--threat", help="threat level of roads without a threat property")
    p.add_argument("--geodesic-km", action="store_true", help="ignore the roads' km properties: geodesic km only")
    p.add_argument("--simplify-m", type=_non_negative, default=50.0,
                   help="tolerance of the road shapes kept for maps (default 50 m; 0 keeps every point)")
    p.set_defaults(func=cmd_import_geo, file=None)

    p = sub.add_parser("export-geo", help="write a scenario's roads and sites, or a results folder's network "
                                          "and events, as GeoJSON",
                       description="A scenario file: write <name>.roads.geojson and <name>.sites.geojson (into "
                                   "--out, default the scenario's folder/geo). A results folder: write its "
                                   "network.geojson and, for a trace, events.geojson.")
    p.add_argument("source", metavar="SCENARIO_OR_RESULTS_DIR")
    p.add_argument("--out", metavar="DIR", help="folder for a scenario's files (default: <scenario folder>/geo)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value by dotted path (repeatable)")
    p.set_defaults(func=cmd_export_geo)

    p = sub.add_parser("incident-rates", help="count incidents per road and turn them into rates per 100 convoy-km",
                       description="Assign each incident (GeoJSON Points or CSV date,kind,lat,lon) to the nearest "
                                   "road of SCENARIO within --buffer-km, count per road and kind in the window, "
                                   "and give incidents per 100 km per 30 days and, with the traffic, rates per "
                                   f"100 convoy-km with exact 95 %% intervals; {GEO_HELP}.")
    p.add_argument("incidents", metavar="INCIDENTS")
    p.add_argument("--scenario", required=True, metavar="SCENARIO.yaml", help="the roads to count on")
    p.add_argument("--buffer-km", type=_positive, default=5.0, help="an incident this close to a road is on it "
                                                                    "(default 5 km)")
    p.add_argument("--from", dest="start", type=_date, help="window start (default: the first incident's day)")
    p.add_argument("--until", dest="end", type=_date, help="window end, excluded (default: the day after the last)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--convoys", type=_non_negative, help="convoy passages of every road in the window")
    g.add_argument("--traffic", metavar="FILE.csv", help="convoy passages per road: CSV from,to,convoys")
    p.add_argument("--out", required=True, metavar="FILE.csv", help="the rates table")
    p.add_argument("--overrides-out", metavar="FILE.yaml", help="an override file giving each road its evidence "
                                                                "threat level (needs the traffic)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value by dotted path (repeatable)")
    p.set_defaults(func=cmd_incident_rates, file=None)

    p = sub.add_parser("map", help="interactive HTML map of a results folder (works offline)",
                       description="Write an interactive map (Leaflet through folium, its scripts embedded) of a "
                                   "results folder: borders, roads by threat with their figures, sites, and a "
                                   "trace's events. No map tiles unless --tiles (which then need the network).")
    p.add_argument("results_dir", metavar="RESULTS_DIR")
    p.add_argument("--out", metavar="FILE.html", help="default: RESULTS_DIR/map.html")
    p.add_argument("--tiles", default=None, metavar="NAME",
                   help="a folium tile layer, e.g. OpenStreetMap (loaded from the network when viewed)")
    p.set_defaults(func=cmd_map)
