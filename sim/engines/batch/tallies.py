"""Traffic and strikes per road of one block (MODEL.md §8, "Per road"), summed over the
replications the block keeps: one (roads × ``traffic.ROAD_COUNTS``) integer array.

``Roads.drive`` calls ``RoadTally.add`` once per segment step of every convoy drive; it only reads
what the drive computed (vehicles, strikes), so no draw changes.
"""

from __future__ import annotations

import numpy as np

from sim.model import traffic
from sim.model.schema import Scenario


class RoadTally:
    """Sums per road of the first ``keep`` replications of a block.

    ``road_of`` is (routes, max segments): the road index of each route's segments (base → hub),
    -1 past a route's end. Tallies are kept per (route, segment) slot and folded onto the roads by
    ``sums`` (a road on several routes adds up)."""

    def __init__(self, sc: Scenario, bases: list[str], keep: int, n_reps: int) -> None:
        roads = traffic.route_roads(sc)
        width = max(1, max((len(roads[b]) for b in bases), default=1))
        self.road_of = np.full((len(bases), width), -1, dtype=np.int64)
        for i, b in enumerate(bases):
            self.road_of[i, :len(roads[b])] = roads[b]
        self.width = width
        self.n_roads = len(sc.roads)
        self.keep = int(keep)
        self.partial = self.keep < n_reps
        """Whether some replications of the block are not kept (a run shorter than a block)."""
        self.slots = np.zeros((len(bases) * width, len(traffic.ROAD_COUNTS)), dtype=np.int64)

    def add(self, rows: np.ndarray, route: np.ndarray, slot: np.ndarray, vehicles: np.ndarray,
            ied: np.ndarray, amb: np.ndarray, bd: np.ndarray, stationary: np.ndarray | None) -> None:
        """One segment step: convoys in block rows ``rows`` on segment ``slot`` of routes ``route``,
        with ``vehicles`` at the segment's start and the segment's strikes and breakdowns
        (``stationary``: attacks while halted, ``None`` when none)."""
        if self.partial and rows.size and int(rows.max()) >= self.keep:
            kept = rows < self.keep
            if not kept.any():
                return
            route, slot, vehicles = route[kept], slot[kept], vehicles[kept]
            ied, amb, bd = ied[kept], amb[kept], bd[kept]
            stationary = stationary[kept] if stationary is not None else None
        key = route * self.width + slot
        moving = vehicles > 0
        k0 = int(key[0]) if key.size else 0
        if key.size and (key == k0).all():  # one route and segment (the usual case): plain sums
            out = self.slots[k0]
            out[traffic.PASSAGES] += int(np.count_nonzero(moving))
            out[traffic.VEHICLES] += int(vehicles.sum())
            out[traffic.IED] += int(ied.sum())
            out[traffic.AMBUSH] += int(amb.sum())
            out[traffic.BREAKDOWN] += int(bd.sum())
            if stationary is not None:
                out[traffic.STATIONARY] += int(stationary.sum())
            return
        n = self.slots.shape[0]
        for col, w in ((traffic.PASSAGES, moving), (traffic.VEHICLES, vehicles), (traffic.IED, ied),
                       (traffic.AMBUSH, amb), (traffic.BREAKDOWN, bd), (traffic.STATIONARY, stationary)):
            if w is not None and w.any():
                self.slots[:, col] += np.bincount(key, weights=w, minlength=n).astype(np.int64)

    def sums(self) -> np.ndarray:
        """The (roads, ``ROAD_COUNTS``) sums."""
        out = np.zeros((self.n_roads, len(traffic.ROAD_COUNTS)), dtype=np.int64)
        road = self.road_of.reshape(-1)
        used = road >= 0
        np.add.at(out, road[used], self.slots[used])
        return out
