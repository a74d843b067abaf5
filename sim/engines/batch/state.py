"""Static facts of a scenario and the per-base tallies of one block, as arrays (replications, bases)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model import rules
from sim.model.network import routes
from sim.model.outcomes import BASE_COUNTS
from sim.model.schema import Scenario

from .road import LEG_COUNTS, Leg, Routes


@dataclass
class BlockPlan:
    """What does not depend on chance: bases, classes, routes, planned times."""

    sc: Scenario
    bases: list[str]
    classes: list[str]
    truck_classes: list[str]
    sp_classes: list[str]
    routes: Routes
    withdraw_from_hours: np.ndarray
    planned_leave_by_hours: np.ndarray
    planned_cutoff_hours: np.ndarray
    road_start: dict[str, np.ndarray]
    sorties: list[list[rules.Sortie]]

    @classmethod
    def build(cls, sc: Scenario) -> BlockPlan:
        bases = list(sc.bases)
        classes = rules.class_order(sc)
        sp = [c for c in classes if sc.cargo_classes[c].self_propelled]
        trucks = [c for c in classes if not sc.cargo_classes[c].self_propelled]
        r = routes(sc)
        wf = np.array([sc.hours(sc.bases[b].withdraw_from) for b in bases])
        lb = np.array([sc.hours(sc.bases[b].leave_by) for b in bases])
        lead = np.array([sc.bases[b].destruction.lead_hours for b in bases])
        road_start = {c: np.array([rules.road_cargo(sc, sc.bases[b])[c] for b in bases], dtype=np.int64)
                      for c in trucks}
        return cls(sc, bases, classes, trucks, sp, Routes.build(sc, [r[b] for b in bases]), wf, lb, lb - lead,
                   road_start, [rules.sorties(sc, sc.bases[b]) for b in bases])

    def first_day(self) -> int:
        """A local day no convoy can drive before."""
        sc = self.sc
        times = [0.0, *self.withdraw_from_hours.tolist()]
        for b in sc.bases.values():
            if b.early_exit is not None:
                times.append(sc.hours(b.early_exit.from_))
        for lift in sc.fleet.lifts.values():
            if lift.available_from is not None:
                times.append(sc.hours(lift.available_from))
        return int(rules.day_index(sc, min(times))) - 1


@dataclass
class Tally:
    """Everything that happens to each base in each replication of the block."""

    n_reps: int
    n_bases: int
    classes: list[str]
    counts: dict[str, np.ndarray] = field(init=False)
    fates: dict[tuple[str, str], np.ndarray] = field(init=False)
    road_hours: np.ndarray = field(init=False)
    last_arrival_hours: np.ndarray = field(init=False)
    out_people: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = field(init=False, repr=False)
    """Per base: (replications, times, personnel out) of each granted flight and convoy arrival."""
    out_cargo: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = field(init=False, repr=False)
    """Per base: (replications, times, cargo units out) of each granted flight and arrival with cargo."""
    exits: rules.Exit = field(init=False, repr=False, compare=False)
    """The block's early exits (``flights.draw_exits``), set by ``engine.run_block``."""
    security_days: np.ndarray = field(init=False, repr=False, compare=False)
    """(replications, regimes) days in each regime to the deadline (MODEL.md §15), with a security
    state; set by ``engine.run_block``."""

    def __post_init__(self) -> None:
        shape = (self.n_reps, self.n_bases)
        self.counts = {k: np.zeros(shape, dtype=np.int64) for k in BASE_COUNTS}
        self.fates = {}
        self.road_hours = np.zeros(shape)
        self.last_arrival_hours = np.full(shape, -np.inf)
        self.out_people = [[] for _ in range(self.n_bases)]
        self.out_cargo = [[] for _ in range(self.n_bases)]

    def out(self, base: int, rows: np.ndarray, times: np.ndarray, people: np.ndarray | None = None,
            cargo: np.ndarray | None = None) -> None:
        """Personnel and cargo units of base ``base`` out (flown or arrived) at ``times`` in ``rows``."""
        if people is not None and people.any():
            self.out_people[base].append((rows, np.asarray(times, dtype=float), np.asarray(people, dtype=np.int64)))
        if cargo is not None and cargo.any():
            self.out_cargo[base].append((rows, np.asarray(times, dtype=float), np.asarray(cargo, dtype=np.int64)))

    def out_times(self, base: int, personnel: int, cargo: int) -> np.ndarray:
        """(replications, ``rules.out_columns``) of base ``base`` (MODEL.md §8)."""
        cols = []
        for events, total in ((self.out_people[base], personnel), (self.out_cargo[base], cargo)):
            cols.append(rules.out_times(events, np.full(self.n_reps, total), self.n_reps))
        return np.concatenate(cols, axis=1)

    def fate(self, cls: str, fate: str) -> np.ndarray:
        key = (cls, fate)
        if key not in self.fates:
            self.fates[key] = np.zeros((self.n_reps, self.n_bases), dtype=np.int64)
        return self.fates[key]

    def add_leg(self, rows: np.ndarray, base: np.ndarray, leg: Leg, depart_hours: np.ndarray,
                trucks_hit: np.ndarray | None = None) -> None:
        """Count one convoy leg on base ``base``; ``rows`` are distinct replications."""
        c = self.counts
        for k in LEG_COUNTS:
            v = leg.counts[k]
            if v.any():
                c[k][rows, base] += v
        if trucks_hit is not None:
            c["trucks_lost"][rows, base] += trucks_hit
        self.road_hours[rows, base] += leg.arrive_hours - depart_hours


@dataclass
class Loads:
    """Road cargo loaded at each base, and its loading area: arrays (R, B)."""

    loaded: dict[str, np.ndarray]
    area_free_hours: np.ndarray
    last_load_end_hours: np.ndarray

    @classmethod
    def empty(cls, plan: BlockPlan, n_reps: int) -> Loads:
        shape = (n_reps, len(plan.bases))
        return cls({c: np.zeros(shape, dtype=np.int64) for c in plan.truck_classes},
                   np.full(shape, -np.inf), np.full(shape, -np.inf))
