"""Traffic and strikes per road of a range of replications (MODEL.md §8, "Per road"), summed:
the SimPy twin of ``sim.engines.batch.tallies``.

``convoy`` calls ``RoadCounts.add`` once per segment it drives; it only reads what the drive
computed, so no draw changes.
"""

from __future__ import annotations

import numpy as np

from sim.model import traffic
from sim.model.network import Segment
from sim.model.schema import Scenario


class RoadCounts:
    """Per road, the sums of ``traffic.ROAD_COUNTS`` over every convoy of the replications run
    with it (plain ints while they run: cheaper than numpy for one convoy at a time)."""

    def __init__(self, sc: Scenario, routes: dict[str, list[Segment]]) -> None:
        roads = traffic.route_roads(sc)
        self.road_of: dict[tuple[str, str], int] = {}
        for b, segs in routes.items():
            for seg, i in zip(segs, roads[b], strict=True):
                self.road_of[(seg.a, seg.b)] = i
        self.rows = [[0] * len(traffic.ROAD_COUNTS) for _ in sc.roads]

    def add(self, seg: Segment, vehicles: int, ied: int, amb: int, bd: int, stationary: int) -> None:
        """A convoy of ``vehicles`` (at the segment's start) drove ``seg`` with these events."""
        row = self.rows[self.road_of[(seg.a, seg.b)]]
        if vehicles > 0:
            row[traffic.PASSAGES] += 1
            row[traffic.VEHICLES] += vehicles
        if ied or amb or bd or stationary:
            row[traffic.IED] += ied
            row[traffic.AMBUSH] += amb
            row[traffic.BREAKDOWN] += bd
            row[traffic.STATIONARY] += stationary

    def sums(self) -> np.ndarray:
        """The (roads, ``ROAD_COUNTS``) sums."""
        return np.array(self.rows, dtype=np.int64).reshape(len(self.rows), len(traffic.ROAD_COUNTS))
