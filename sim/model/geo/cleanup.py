"""Cleaning up the graph of cut road pieces (``network_import``): dead ends dropped, junctions that
only join two alike pieces dissolved, junctions named, every group of roads checked to reach a hub."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.model.errors import ScenarioError


@dataclass
class Edge:
    a: int | str
    b: int | str
    ll: list[tuple[float, float]]
    km: float
    line: int


class Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def prune(edges: list[Edge], site_keys: set[str], notes: list[str]) -> list[Edge]:
    """Drop dead ends (pieces ending at a junction that nothing else reaches), repeatedly."""
    dropped, km = 0, 0.0
    while True:
        degree: dict[int | str, int] = {}
        for e in edges:
            degree[e.a] = degree.get(e.a, 0) + 1
            degree[e.b] = degree.get(e.b, 0) + 1
        dead = [any(n not in site_keys and degree[n] == 1 for n in (e.a, e.b)) for e in edges]
        if not any(dead):
            break
        dropped += sum(dead)
        km += sum(e.km for e, d in zip(edges, dead, strict=True) if d)
        edges = [e for e, d in zip(edges, dead, strict=True) if not d]
    if dropped:
        notes.append(f"dropped {dropped} dead-end road piece{'s' if dropped > 1 else ''} ({km:.1f} km) that "
                     "lead to no site")
    return edges


def dissolve(edges: list[Edge], attrs: list[tuple[str, str, bool]], site_keys: set[str]) -> list[Edge]:
    """Join the two pieces at a junction that only they reach, when they drive alike."""
    while True:
        inc: dict[int | str, list[int]] = {}
        for k, e in enumerate(edges):
            inc.setdefault(e.a, []).append(k)
            inc.setdefault(e.b, []).append(k)
        for n, ks in inc.items():
            if n in site_keys or len(ks) != 2 or ks[0] == ks[1]:
                continue
            e1, e2 = edges[ks[0]], edges[ks[1]]
            if attrs[e1.line] != attrs[e2.line]:
                continue
            a, ll1 = (e1.a, e1.ll) if e1.b == n else (e1.b, e1.ll[::-1])
            b, ll2 = (e2.b, e2.ll) if e2.a == n else (e2.a, e2.ll[::-1])
            if a == b:
                continue
            edges[ks[0]] = Edge(a, b, ll1 + ll2[1:], e1.km + e2.km, e1.line)
            del edges[ks[1]]
            break
        else:
            return edges


def name_junctions(edges: list[Edge], site_keys: set[str]) -> dict[int | str, str]:
    names: dict[int | str, str] = {}
    k = 0
    for e in edges:
        for n in (e.a, e.b):
            if n in site_keys or n in names:
                continue
            k += 1
            while f"junction_{k}" in site_keys:
                k += 1
            names[n] = f"junction_{k}"
    for e in edges:
        e.a, e.b = names.get(e.a, e.a), names.get(e.b, e.b)
    return names


def check_connected(p: Path, edges: list[Edge], label: Callable[[Edge], str], hubs: set[str]) -> None:
    """Every group of connected roads reaches a hub."""
    nodes = list(dict.fromkeys(n for e in edges for n in (e.a, e.b)))
    index = {n: i for i, n in enumerate(nodes)}
    uf = Union(len(nodes))
    for e in edges:
        uf.union(index[e.a], index[e.b])
    with_hub = {uf.find(index[h]) for h in hubs if h in index}
    for e in edges:
        root = uf.find(index[e.a])
        if root not in with_hub:
            group = [n for n in nodes if uf.find(index[n]) == root]
            named = [str(n) for n in group if isinstance(n, str)]
            what = f"the places {named}" if named else "no site"
            raise ScenarioError(p, label(e),
                                f"disconnected roads: this road and those it connects to reach {what} and no hub "
                                f"(every group of connected roads must lead to a hub)")
