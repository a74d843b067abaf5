"""One replication's environment: the bases, flights, lifts and early exits as SimPy processes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import simpy

from sim.engines.streams import Streams, units_words
from sim.model import outcomes, rules
from sim.model.schema import Scenario

from .air_cover import AirCoverDays
from .flights import flight_plan
from .leaving import base_withdrawal, early_exit
from .lifts import lift
from .security import Regimes, ThreatClock
from .state import BaseState, Replication, Static
from .tallies import RoadCounts

if TYPE_CHECKING:
    from .trace import Recorder


def build(static: Static, seed: int, index: int, point: int = 0, crn: bool = True,
          recorder: Recorder | None = None, words: np.ndarray | None = None,
          roads: RoadCounts | None = None) -> Replication:
    """The environment of replication ``index`` with every process started (``words``: its seed
    words from ``streams.units_words``, when computed for many replications at once; ``roads``:
    where its traffic per road is tallied)."""
    sc = static.sc
    streams = Streams(seed, "des", unit=index, point=point, crn=crn, words=words)
    env = simpy.Environment(initial_time=static.start_hours)
    regimes = threat = hazard = None
    if static.security is not None:  # MODEL.md §15: the path first; no draw without a security block
        regimes = Regimes.draw(static.security, streams["security"])
        hazard = regimes.exit_hazard()
    if static.threat_scaled:
        threat = ThreatClock(sc, regimes)
    rep = Replication(static, env, streams, index, {}, AirCoverDays(static, streams, regimes), recorder,
                      regimes, threat, roads=roads)
    exit_rng = streams["early_exit"]
    for name in static.bases:
        ex = rules.early_exit_one(static.exit_plans[name], exit_rng, hazard)
        open_cargo, n_open = static.flight_cargo[name]
        start = static.road_start[name]
        b = BaseState(
            name=name,
            trigger_hours=ex.trigger_hours,
            leave_by_hours=ex.leave_by_hours,
            cutoff_hours=ex.cutoff_hours,
            forced=bool(ex.forced),
            planned_leave_hours=static.planned_leave[name],
            planned_cutoff_hours=static.planned_cutoff[name],
            pool={c: start[c] for c in static.truck_classes},
            open_cargo=dict(open_cargo),
            n_open_cargo_chains=n_open,
        )
        b.cargo_done = env.event()
        rep.bases[name] = b
    for b in rep.bases.values():
        if math.isfinite(b.trigger_hours):
            env.process(early_exit(rep, b))
        flight_plan(rep, b)
    for name, spec in sc.fleet.lifts.items():
        env.process(lift(rep, name, spec))
    for b in rep.bases.values():
        env.process(base_withdrawal(rep, b))
    return rep


def run_replication(static: Static, seed: int, index: int, point: int = 0, crn: bool = True,
                    recorder: Recorder | None = None) -> tuple[list[dict], Replication]:
    """Run replication ``index`` to the end; its result rows (one per base) and its state."""
    rep = build(static, seed, index, point, crn, recorder)
    rep.env.run()
    return [rep.row(b, point) for b in rep.bases.values()], rep


WORDS_BLOCK = 256
"""Replications whose seed words are computed together."""


def replications(static: Static, seed: int, first: int, count: int, point: int = 0,
                 crn: bool = True, roads: RoadCounts | None = None) -> Iterator[Replication]:
    """Replications ``first .. first+count-1``, each run to the end, in order (their traffic per
    road tallied in ``roads`` when given)."""
    for start in range(first, first + count, WORDS_BLOCK):
        n = min(WORDS_BLOCK, first + count - start)
        words = units_words(seed, "des", start, n, point, crn)
        for i in range(n):
            rep = build(static, seed, start + i, point, crn, words=words[i], roads=roads)
            rep.env.run()
            yield rep


def simulate(sc: Scenario, first: int, count: int, seed: int, point: int = 0, crn: bool = True,
             roads: np.ndarray | None = None) -> pd.DataFrame:
    """The per-base table (``outcomes.base_columns``) of replications ``first .. first+count-1``.
    ``roads`` (a ``traffic.empty_tally`` array), when given, gets their traffic and strikes per road
    added (MODEL.md §8, "Per road")."""
    static = Static(sc)
    per_road = RoadCounts(sc, static.routes) if roads is not None else None
    rows: list[dict] = []
    for rep in replications(static, seed, first, count, point, crn, per_road):
        rows.extend(rep.row(b, point) for b in rep.bases.values())
    if roads is not None and per_road is not None:
        roads += per_road.sums()
    return table(sc, rows)


def table(sc: Scenario, rows: list[dict]) -> pd.DataFrame:
    """Result rows as the per-base table (column by column: cheaper than a frame of records)."""
    if not rows:
        return pd.DataFrame(columns=outcomes.base_columns(sc))
    return outcomes.finish_bases(sc, pd.DataFrame({k: np.array([r[k] for r in rows]) for k in rows[0]}))
