"""Cross-references inside a scenario: names that must exist, roads that must connect."""

from __future__ import annotations

from sim.model.network import adjacency, check_route, components
from sim.model.schema import Scenario


class ReferenceProblem(ValueError):
    """A scenario names something that does not exist; the message starts with the field path."""


def _fail(path: str, message: str) -> None:
    raise ReferenceProblem(f"{path}: {message}")


def check_references(sc: Scenario) -> None:
    """Raise ``ReferenceProblem`` naming the first field whose reference does not resolve."""
    hubs, bases = sc.hubs, sc.bases
    if not hubs:
        _fail("sites", "at least one site of kind 'hub' is needed")
    if not bases:
        _fail("sites", "at least one site of kind 'base' is needed")
    names = set(sc.sites)
    clash = names & set(sc.waypoints)
    if clash:
        _fail("waypoints", f"names already used by sites: {sorted(clash)}")
    nodes = names | set(sc.waypoints)
    for name, base in bases.items():
        if base.hub is None and len(hubs) > 1:
            _fail(f"sites.{name}.hub", f"needed when there are several hubs {sorted(hubs)}")
        if base.hub is not None and base.hub not in hubs:
            _fail(f"sites.{name}.hub", f"'{base.hub}' is not a hub (hubs: {sorted(hubs)})")
        for cls in base.cargo:
            if cls not in sc.cargo_classes:
                _fail(f"sites.{name}.cargo.{cls}", f"unknown cargo class (known: {sorted(sc.cargo_classes)})")
        vehicles = sum(n for c, n in base.cargo.items() if sc.cargo_classes[c].self_propelled)
        if base.personnel > 0 and vehicles == 0:
            _fail(f"sites.{name}.cargo", "personnel leave in the final convoy: give the base self-propelled units")
    for i, road in enumerate(sc.roads):
        for end in ("from_", "to"):
            node = getattr(road, end)
            if node not in nodes:
                _fail(f"roads.{i}.{end.rstrip('_')}", f"unknown site or waypoint '{node}'")
        if road.from_ == road.to:
            _fail(f"roads.{i}.to", "a road must join two different places")
        if road.terrain not in sc.terrain:
            _fail(f"roads.{i}.terrain", f"unknown terrain '{road.terrain}' (known: {sorted(sc.terrain)})")
        if road.threat not in sc.threats.levels:
            _fail(f"roads.{i}.threat", f"unknown threat level '{road.threat}' (known: {sorted(sc.threats.levels)})")
    served: dict[str, str] = {}
    for lname, lift in sc.fleet.lifts.items():
        if lift.hub not in hubs:
            _fail(f"fleet.lifts.{lname}.hub", f"'{lift.hub}' is not a hub")
        for j, b in enumerate(lift.serves):
            if b not in bases:
                _fail(f"fleet.lifts.{lname}.serves.{j}", f"'{b}' is not a base")
            if b in served:
                _fail(f"fleet.lifts.{lname}.serves.{j}", f"'{b}' is already served by lift '{served[b]}'")
            if sc.hub_of(b) != lift.hub:
                _fail(f"fleet.lifts.{lname}.serves.{j}", f"'{b}' evacuates to '{sc.hub_of(b)}', not '{lift.hub}'")
            served[b] = lname
    for b in sc.routing.pinned:
        if b not in bases:
            _fail(f"routing.pinned.{b}", "not a base")
    adj = adjacency(sc)
    comp = components(adj)
    for name in bases:
        try:
            check_route(sc, adj, name, comp)
        except ValueError as exc:
            where = f"routing.pinned.{name}" if name in sc.routing.pinned else f"sites.{name}"
            _fail(where, str(exc))
