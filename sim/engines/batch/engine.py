"""One block of replications of a scenario, advanced together as numpy arrays (MODEL.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engines.streams import BLOCK_SIZE, Streams
from sim.model import outcomes
from sim.model.schema import FATES, Scenario

from .air_cover import AirCoverTable
from .flights import draw_exits, fly
from .leaving import leave
from .lifts import LiftRun
from .road import Roads
from .security import SecurityState
from .state import BlockPlan, Loads, Tally
from .tallies import RoadTally


def simulate(
    sc: Scenario, block: int, first: int, count: int, seed: int, point: int = 0, crn: bool = True,
    roads: np.ndarray | None = None, rows: int | None = None,
) -> pd.DataFrame:
    """The per-base table (``outcomes.base_columns``) of replications ``first .. first+count-1``.

    They draw from the streams of block ``block``. The whole block (``BLOCK_SIZE`` replications) is
    always simulated and the first ``count`` kept, so a replication's outcome does not depend on how
    many replications a run asks for. ``roads`` (a ``traffic.empty_tally`` array), when given, gets
    the traffic and strikes per road of the ``count`` replications added (MODEL.md §8, "Per road").
    ``rows``: simulate that many replications of the block instead of all of it (at least
    ``count``; the draws of a two-level run, ``dispatch.Unit.exact``).
    """
    if not 0 < count <= BLOCK_SIZE:
        raise ValueError(f"count must be in 1..{BLOCK_SIZE} (one block), got {count}")
    n = BLOCK_SIZE if rows is None else rows
    if not count <= n <= BLOCK_SIZE:
        raise ValueError(f"rows must be in {count}..{BLOCK_SIZE}, got {rows}")
    plan = BlockPlan.build(sc)
    streams = Streams(seed, "batch", unit=block, point=point, crn=crn)
    per_road = RoadTally(sc, plan.bases, count, n) if roads is not None else None
    tally, exits = run_block(plan, streams, n, per_road)
    if roads is not None and per_road is not None:
        roads += per_road.sums()
    return table(plan, tally, exits, first, count, point)


def run_block(plan: BlockPlan, streams: Streams, n_reps: int,
              roads: RoadTally | None = None) -> tuple[Tally, np.ndarray]:
    """Simulate ``n_reps`` replications; the tallies and exit times (R, B). ``roads``: where the
    traffic per road is tallied."""
    sc = plan.sc
    tally = Tally(n_reps, len(plan.bases), plan.classes)
    security = SecurityState.draw(sc, streams["security"], n_reps) if sc.security is not None else None
    exits = draw_exits(plan, streams["early_exit"], n_reps, security)
    flights = fly(plan, exits, streams["flights"], tally, security)
    air = AirCoverTable(sc, streams["air_cover"], n_reps, plan.first_day(), security)
    road = Roads(sc, plan.routes, streams, air, security)
    loads = Loads.empty(plan, n_reps)
    road.tally = roads
    for lift in sc.fleet.lifts.values():
        LiftRun(plan, lift, exits, flights, road, loads, tally, streams["road_movements"]).run()
    exit_hours = np.stack(
        [leave(plan, b, exits, flights[b], loads, road, tally) for b in range(len(plan.bases))], axis=1)
    tally.exits = exits
    if security is not None:
        tally.security_days = security.days(sc.hours(sc.calendar.deadline))
    return tally, exit_hours


def table(plan: BlockPlan, tally: Tally, exit_hours: np.ndarray, first: int, count: int, point: int) -> pd.DataFrame:
    """The first ``count`` replications as a per-base table."""
    exits = tally.exits
    n_bases = len(plan.bases)
    by_name = np.argsort(np.array(plan.bases, dtype=str), kind="stable")  # rows come out sorted: no re-sort

    def flat(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(a)[:count][:, by_name]).reshape(-1)

    last = np.where(np.isfinite(tally.last_arrival_hours), tally.last_arrival_hours, exit_hours)
    cols: dict[str, object] = {
        "point": np.full(count * n_bases, point, dtype=np.int64),
        "replication": np.repeat(np.arange(first, first + count, dtype=np.int64), n_bases),
        "base": np.tile(np.array(plan.bases, dtype=object)[by_name], count),
        "forced_early": flat(np.asarray(exits.forced)),
        "exit_hours": flat(exit_hours),
        "leave_by_hours": flat(exits.leave_by_hours),
        "last_arrival_hours": flat(last),
        "road_hours": flat(tally.road_hours),
    }
    sc = plan.sc
    out = np.stack([tally.out_times(b, sc.bases[name].personnel, sum(sc.bases[name].cargo.values()))
                    for b, name in enumerate(plan.bases)], axis=1)  # (R, B, columns)
    for i, col in enumerate(outcomes.OUT_TIMES):
        cols[col] = flat(out[:, :, i])
    for k in outcomes.BASE_COUNTS:
        cols[k] = flat(tally.counts[k])
    for r, col in enumerate(outcomes.security_columns(sc)):
        cols[col] = flat(np.repeat(tally.security_days[:, r:r + 1], n_bases, axis=1))
    zero = np.zeros((count, n_bases))
    for c in plan.sc.cargo_classes:
        for f in FATES:
            cols[f"cargo_{c}_{f}"] = flat(tally.fates.get((c, f), zero))
    return outcomes.finish_bases(plan.sc, cols, presorted=True)
