"""Traffic and strikes per road (MODEL.md §8, "Per road"): which road each route segment is, the
tallies both engines add up per road, and the ``roads`` table they make. Pure: no randomness.

Both engines add, for every convoy driving a segment, one row of ``ROAD_COUNTS`` to the segment's
road; a block of replications (batch) or a chunk of replications (SimPy) sums them into one
(roads × counts) integer array. Kilometres are not tallied: a passage counts the segment's whole
km, so ``convoy_km = convoy_passages · km`` and ``vehicle_km = vehicle_passages · km``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.model.network import build_graph, route_nodes
from sim.model.schema import Scenario

ROAD_COUNTS: tuple[str, ...] = (
    "convoy_passages", "vehicle_passages", "ied_strikes", "ambushes", "breakdowns", "stationary_attacks",
)
"""What the engines tally per road, in this order (columns of a tally array)."""
PASSAGES, VEHICLES, IED, AMBUSH, BREAKDOWN, STATIONARY = range(len(ROAD_COUNTS))
ROAD_KM: tuple[str, ...] = ("convoy_km", "vehicle_km")
ROADS_COLUMNS: tuple[str, ...] = ("point", "road", "from", "to", "km", "replications", *ROAD_COUNTS, *ROAD_KM)
"""Columns of the ``roads`` table: one row per (point, road); sums over ``replications``."""


def route_roads(sc: Scenario) -> dict[str, list[int]]:
    """Per base, the index in ``sc.roads`` of each segment of its route (base → hub order), as
    ``sim.model.network.route`` picks them (of parallel roads, the one routing prefers)."""
    graph = build_graph(sc)
    out: dict[str, list[int]] = {}
    for b in sc.bases:
        nodes = route_nodes(sc, graph, b)
        out[b] = [int(graph.edges[a, c]["index"]) for a, c in zip(nodes, nodes[1:], strict=False)]
    return out


def empty_tally(sc: Scenario) -> np.ndarray:
    """A (roads, ``ROAD_COUNTS``) array of zeros."""
    return np.zeros((len(sc.roads), len(ROAD_COUNTS)), dtype=np.int64)


def roads_frame(sc: Scenario, sums: np.ndarray, replications: int, point: int = 0) -> pd.DataFrame:
    """The ``roads`` table of one point: ``sums`` (a tally array over ``replications`` replications)
    with each road's ends and km, and its convoy-km and vehicle-km."""
    n = len(sc.roads)
    sums = np.asarray(sums, dtype=np.int64).reshape(n, len(ROAD_COUNTS))
    km = np.array([r.km for r in sc.roads], dtype=float)
    cols: dict[str, object] = {
        "point": np.full(n, point, dtype=np.int64),
        "road": np.arange(n, dtype=np.int64),
        "from": np.array([r.from_ for r in sc.roads], dtype=object),
        "to": np.array([r.to for r in sc.roads], dtype=object),
        "km": km,
        "replications": np.full(n, int(replications), dtype=np.int64),
    }
    for i, name in enumerate(ROAD_COUNTS):
        cols[name] = sums[:, i].copy()
    cols["convoy_km"] = sums[:, PASSAGES] * km
    cols["vehicle_km"] = sums[:, VEHICLES] * km
    return pd.DataFrame(cols, columns=list(ROADS_COLUMNS))


def add_frames(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Roads tables (parts of chunks) added up per (point, road): counts, km and replications."""
    got = [f for f in frames if len(f)]
    if not got:
        return pd.DataFrame(columns=list(ROADS_COLUMNS))
    df = pd.concat(got, ignore_index=True)
    keys = ["point", "road", "from", "to", "km"]
    summed = df.groupby(keys, sort=True, as_index=False)[["replications", *ROAD_COUNTS]].sum()
    summed["convoy_km"] = summed["convoy_passages"] * summed["km"]
    summed["vehicle_km"] = summed["vehicle_passages"] * summed["km"]
    return summed[list(ROADS_COLUMNS)].reset_index(drop=True)
