"""The road graph and the routes from bases to hubs. Pure: no randomness, no state.

Routes are shortest paths on a networkx graph; checking that every base can reach its hub (what
validation needs) reads only the roads, so validating a file does not import networkx.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.model.schema import Scenario

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Segment:
    """One road of a route, in the direction base → hub; raw terrain speed and threat rates.

    Mitigations (route clearance on ``cleared`` roads, escorts, armour, air cover) are applied by
    ``sim.model.rules``, which both engines share.
    """

    a: str
    b: str
    km: float
    terrain: str
    speed_kmh: float
    threat: str
    ied_rate_per_100km: float
    ambush_rate_per_100km: float
    breakdowns_per_1000_vehicle_km: float
    cleared: bool


def adjacency(sc: Scenario) -> dict[str, set[str]]:
    """Neighbours of every site and waypoint along the roads."""
    adj: dict[str, set[str]] = {n: set() for n in (*sc.sites, *sc.waypoints)}
    for r in sc.roads:
        adj.setdefault(r.from_, set()).add(r.to)
        adj.setdefault(r.to, set()).add(r.from_)
    return adj


def components(adj: dict[str, set[str]]) -> dict[str, int]:
    """The connected component of every node (a number), in one pass over the roads: checking
    every base against it is linear in the network's size, not quadratic."""
    comp: dict[str, int] = {}
    for start in adj:
        if start in comp:
            continue
        label = len(comp)
        comp[start] = label
        todo = deque([start])
        while todo:
            for nxt in adj.get(todo.popleft(), ()):
                if nxt not in comp:
                    comp[nxt] = label
                    todo.append(nxt)
    return comp


def check_route(sc: Scenario, adj: dict[str, set[str]], base: str, comp: dict[str, int] | None = None) -> None:
    """Raise ``ValueError`` unless ``base`` can reach its hub: its pinned route runs along roads
    from the base to the hub, or some road connects them. ``comp``: the ``components`` of ``adj``
    when many bases are checked (else a search from this base)."""
    hub = sc.hub_of(base)
    pinned = sc.routing.pinned.get(base)
    if pinned is not None:
        if len(pinned) < 2 or pinned[0] != base or pinned[-1] != hub:
            raise ValueError(f"a pinned route must run from '{base}' to its hub '{hub}'")
        for a, b in zip(pinned, pinned[1:], strict=False):
            if b not in adj.get(a, ()):
                raise ValueError(f"no road between '{a}' and '{b}' on the pinned route")
        return
    if comp is not None:
        if comp.get(base) is None or comp.get(base) != comp.get(hub):
            raise ValueError(f"no road connects base '{base}' to its hub '{hub}'")
        return
    seen, todo = {base}, deque([base])
    while todo:
        for nxt in adj.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    if hub not in seen:
        raise ValueError(f"no road connects base '{base}' to its hub '{hub}'")


def build_graph(sc: Scenario) -> nx.Graph:
    """Undirected graph of sites and waypoints; of parallel roads, the one routing prefers stays."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(sc.sites)
    g.add_nodes_from(sc.waypoints)
    clearance = sc.mitigations.route_clearance
    for i, r in enumerate(sc.roads):
        lvl = sc.threats.levels[r.threat]
        speed = sc.terrain[r.terrain].speed_kmh * (clearance.speed_factor if r.cleared else 1.0)
        ied = lvl.ied_rate_per_100km * (clearance.ied_rate_factor if r.cleared else 1.0)
        amb = lvl.ambush_rate_per_100km * (clearance.ambush_rate_factor if r.cleared else 1.0)
        attrs = dict(
            index=i,
            km=r.km,
            hours=r.km / speed,
            risk=(ied + amb) * r.km / 100.0,
        )
        if g.has_edge(r.from_, r.to) and _cost(sc, g.edges[r.from_, r.to]) <= _cost(sc, attrs):
            continue
        g.add_edge(r.from_, r.to, **attrs)
    return g


def _cost(sc: Scenario, edge: dict[str, Any]) -> float:
    """What routing minimizes on one road: hours, or expected attacks with hours breaking ties."""
    if sc.routing.objective == "risk":
        return edge["risk"] + 1e-9 * edge["hours"]
    return edge["hours"]


def route_nodes(sc: Scenario, graph: nx.Graph, base: str) -> list[str]:
    """The node sequence from ``base`` to its hub: pinned, least time, or least risk."""
    import networkx as nx

    check_route(sc, adjacency(sc), base)
    pinned = sc.routing.pinned.get(base)
    if pinned is not None:
        return list(pinned)
    return list(nx.shortest_path(graph, base, sc.hub_of(base), weight=lambda u, v, d: _cost(sc, d)))


def route(sc: Scenario, base: str, graph: nx.Graph | None = None) -> list[Segment]:
    """The segments of a base's route to its hub, in the direction base → hub."""
    graph = build_graph(sc) if graph is None else graph
    nodes = route_nodes(sc, graph, base)
    out = []
    for a, b in zip(nodes, nodes[1:], strict=False):
        r = sc.roads[graph.edges[a, b]["index"]]
        lvl = sc.threats.levels[r.threat]
        out.append(
            Segment(
                a=a,
                b=b,
                km=r.km,
                terrain=r.terrain,
                speed_kmh=sc.terrain[r.terrain].speed_kmh,
                threat=r.threat,
                ied_rate_per_100km=lvl.ied_rate_per_100km,
                ambush_rate_per_100km=lvl.ambush_rate_per_100km,
                breakdowns_per_1000_vehicle_km=lvl.breakdowns_per_1000_vehicle_km,
                cleared=r.cleared,
            )
        )
    return out


def routes(sc: Scenario) -> dict[str, list[Segment]]:
    """Every base's route to its hub."""
    graph = build_graph(sc)
    return {b: route(sc, b, graph) for b in sc.bases}
