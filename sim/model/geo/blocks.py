"""The imported network as scenario blocks (``sites``, ``waypoints``, ``roads``, ``sources``),
validated: merged into a scenario (every check a scenario file gets, ``sim.model.loader.validate``)
or, alone, block by block against the schema.

Merging into a scenario: its roads and waypoints are replaced by the imported ones; a site of the
sites file that the scenario has keeps its block with the file's coordinates (and kind, which must
agree); a new site takes its fields from its feature's properties; the scenario's other sites stay.
The two files are recorded under ``sources:`` with their SHA-256 (ids ``geo_roads``, ``geo_sites``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.model.errors import ScenarioError
from sim.model.geo.files import sha256
from sim.model.geo.network_import import Imported, ImportOptions, import_network
from sim.model.loader import read_yaml, validate, validation_error
from sim.model.schema import Road, Scenario, Site, Waypoint

SOURCE_IDS: tuple[str, str] = ("geo_roads", "geo_sites")


@dataclass
class GeoImport:
    """What ``import_geo`` gives: the scenario data to write, its validated form when it is a whole
    scenario, and notes on what the import did."""

    data: dict[str, Any]
    scenario: Scenario | None
    notes: list[str]


def sources(roads: Path, sites: Path, opts: ImportOptions) -> list[dict[str, str]]:
    how = (f"snap {opts.snap_km:g} km, join {opts.join_m:g} m, "
           f"km {'from the km property when present, else geodesic' if opts.km_property else 'geodesic'}")
    return [{"id": sid, "citation": f"{what} {p.name} (sha256 {sha256(p)}), read by withdrawal-sim import-geo "
                                    f"({how})", "url": p.as_posix()}
            for sid, what, p in zip(SOURCE_IDS, ("GeoJSON roads", "GeoJSON sites"), (roads, sites), strict=True)]


def _blame(exc: ScenarioError, net: Imported, roads: Path, sites: Path, into: Path | None) -> ScenarioError:
    """A validation error of the merged scenario, naming the GeoJSON feature it came from."""
    field = exc.field or ""
    parts = field.split(".")
    if parts[0] == "roads" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(net.roads):
        i = int(parts[1])
        road = net.roads[i]
        return ScenarioError(roads, net.road_features[i],
                             f"{'.'.join(parts[2:]) or 'road'} (road {road['from']}-{road['to']}): {exc.message}")
    if parts[0] in ("sites", "waypoints") and len(parts) > 1 and parts[1] in net.site_features:
        return ScenarioError(sites, net.site_features[parts[1]], f"{'.'.join(parts[2:]) or parts[0]}: {exc.message}")
    return ScenarioError(into if into is not None else exc.file, exc.field, exc.message)


def merge(data: dict[str, Any], net: Imported, sites_path: Path) -> dict[str, Any]:
    """``data`` (a scenario) with the imported network in place of its own."""
    out = copy.deepcopy(data)
    old_sites = dict(out.get("sites") or {})
    new_sites: dict[str, Any] = {}
    for name, block in old_sites.items():
        if name in net.sites:
            imported = net.sites[name]
            if isinstance(block, dict) and block.get("kind") != imported["kind"]:
                raise ScenarioError(sites_path, net.site_features[name],
                                    f"'{name}' is a {block.get('kind')} in the scenario, not a {imported['kind']}")
            merged = dict(block) if isinstance(block, dict) else {}
            merged.update(imported)
            new_sites[name] = merged
        elif name in net.waypoints:
            raise ScenarioError(sites_path, net.site_features.get(name, name),
                                f"'{name}' is a {block.get('kind') if isinstance(block, dict) else 'site'} "
                                "in the scenario, not a waypoint")
        else:
            new_sites[name] = block
    for name, block in net.sites.items():
        new_sites.setdefault(name, block)
    out["sites"] = new_sites
    out["waypoints"] = net.waypoints
    out["roads"] = net.roads
    return out


def _check_alone(net: Imported, roads: Path, sites: Path) -> None:
    """The blocks of a network written without a scenario, against the schema."""
    adapter: TypeAdapter[Any] = TypeAdapter(Site)
    for name, block in net.sites.items():
        try:
            adapter.validate_python(block)
        except ValidationError as exc:
            err = validation_error(exc, sites)
            field = (err.field or "").removeprefix(f"{block.get('kind')}.")
            hint = (" (a base's fields are properties of its feature, or come from a scenario: --into)"
                    if block.get("kind") == "base" and "missing" in err.message else "")
            raise ScenarioError(sites, f"{net.site_features[name]}.properties.{field}",
                                f"{err.message}{hint}") from None
    for block in net.waypoints.values():
        try:
            Waypoint.model_validate(block)
        except ValidationError as exc:
            raise validation_error(exc, sites, Waypoint) from None
    for i, road in enumerate(net.roads):
        try:
            Road.model_validate(road)
        except ValidationError as exc:
            err = validation_error(exc, roads, Road)
            raise ScenarioError(roads, net.road_features[i], f"{err.field}: {err.message}") from None


def import_geo(roads: str | Path, sites: str | Path, into: str | Path | None = None,
               opts: ImportOptions | None = None) -> GeoImport:
    """Read a roads and a sites GeoJSON file into scenario data: a whole scenario (``into`` a
    scenario file, validated like any scenario), or the ``sources``, ``sites``, ``waypoints`` and
    ``roads`` blocks alone (each validated by the schema; their terrain and threat names are checked
    once they are part of a scenario). ``ScenarioError`` naming the file and the feature otherwise."""
    opts = opts or ImportOptions()
    rp, sp = Path(roads), Path(sites)
    net = import_network(rp, sp, opts)
    src = sources(rp, sp, opts)
    if into is None:
        _check_alone(net, rp, sp)
        data = {"sources": src, "sites": net.sites, "waypoints": net.waypoints, "roads": net.roads}
        return GeoImport(data, None, net.notes)
    ip = Path(into)
    base = read_yaml(ip)
    data = merge(base, net, sp)
    old = [s for s in (data.get("sources") or []) if not (isinstance(s, dict) and s.get("id") in SOURCE_IDS)]
    data["sources"] = [*old, *src]
    try:
        sc = validate(data, ip)
    except ScenarioError as exc:
        raise _blame(exc, net, rp, sp, ip) from None
    return GeoImport(data, sc, net.notes)
