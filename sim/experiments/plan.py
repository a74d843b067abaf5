"""What an experiment runs: its arms (a point of a sweep, one side of a comparison), cut into
tasks of consecutive units, each one Parquet part of the results.

Every experiment is a plan: a run is one arm, a sweep one arm per point, a comparison the baseline,
the variant and the variant again with independent streams. ``execution.execute`` runs any plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sim.engines.dispatch import Unit, units
from sim.experiments.settings import RunSettings, check_budget
from sim.model.schema import Scenario

DES_CHUNK_REPLICATIONS = 50
"""Replications per chunk (one Parquet part) for the SimPy engine."""
BATCH_CHUNK_BLOCKS = 4
"""Blocks per chunk for the batch engine (16,384 replications, 0.3-2 s of work on the shipped
scenarios): a task long enough that a worker's per-task overhead (about 20-30 ms with Dask on two
cores) stays small, and a part small enough that an interrupted run loses little."""


@dataclass(frozen=True)
class Task:
    """One chunk: the units ``units`` of arm ``point`` (scenario ``scenario``).

    ``stream_point`` is the point that keys the streams when ``crn`` is off (independent streams);
    with ``crn`` every point draws the same numbers."""

    part_id: str
    point: int
    scenario: Scenario
    engine: str
    units: tuple[Unit, ...]
    seed: int
    crn: bool = True
    stream_point: int | None = None

    @property
    def replications(self) -> int:
        return sum(u.count for u in self.units)

    @property
    def seed_point(self) -> int:
        """The point given to the engine: the table's point, or ``stream_point`` when set."""
        return self.point if self.stream_point is None else self.stream_point


@dataclass(frozen=True)
class Arm:
    """One column of an experiment: ``scenario`` at table point ``point``; common random numbers
    unless ``crn`` is off, then streams keyed by ``stream_point`` (default ``point``)."""

    point: int
    scenario: Scenario
    crn: bool = True
    stream_point: int | None = None


@dataclass
class Plan:
    """Arms × chunks of units, with the settings they share."""

    arms: list[Arm]
    settings: RunSettings
    chunk_replications: int | None = None
    tasks: list[Task] = field(default_factory=list)

    @property
    def scenarios(self) -> dict[int, Scenario]:
        """Scenario of each table point."""
        return {a.point: a.scenario for a in self.arms}

    @property
    def points(self) -> list[int]:
        return [a.point for a in self.arms]

    def expected_rows(self) -> dict[str, int]:
        """Rows of the per-base table each part holds (replications × bases)."""
        sc = self.scenarios
        return {t.part_id: t.replications * len(sc[t.point].bases) for t in self.tasks}


def chunks(engine: str, replications: int, chunk_replications: int | None = None,
           exact: bool = False) -> list[tuple[Unit, ...]]:
    """Consecutive units grouped into chunks of about ``chunk_replications`` replications
    (``exact``: batch units that simulate only what they keep, ``dispatch.Unit``)."""
    us = units(engine, replications, exact)
    if not us:
        return []
    size = chunk_replications or (DES_CHUNK_REPLICATIONS if engine == "des" else BATCH_CHUNK_BLOCKS * us[0].count)
    per = max(1, size // max(1, us[0].count))
    return [tuple(us[i:i + per]) for i in range(0, len(us), per)]


def part_id(point: int, chunk: tuple[Unit, ...]) -> str:
    """The store part id of a chunk: point and first unit, zero-padded so they sort naturally."""
    return f"p{point:06d}-u{chunk[0].index:07d}"


def make_plan(arms: Sequence[Arm], settings: RunSettings, chunk_replications: int | None = None,
              exact: bool = False) -> Plan:
    """Every chunk of every arm, arm-major. Refused (``ScenarioError``) when the cost estimate of all
    arms exceeds the settings' budget (``settings.check_budget``). ``exact``: see ``chunks``."""
    check_budget([a.scenario for a in arms], settings)
    cs = chunks(settings.engine, settings.replications, chunk_replications, exact)
    points = [a.point for a in arms]
    if len(set(points)) != len(points):
        raise ValueError(f"arms share a point: {points}")
    tasks = [Task(part_id(a.point, c), a.point, a.scenario, settings.engine, c, settings.seed, a.crn, a.stream_point)
             for a in arms for c in cs]
    return Plan(list(arms), settings, chunk_replications, tasks)


def one_arm(sc: Scenario, settings: RunSettings) -> Plan:
    """The plan of a plain run: one arm at point 0."""
    return make_plan([Arm(0, sc)], settings)


def sweep_arms(scenarios: Mapping[int, Scenario]) -> list[Arm]:
    """One arm per sweep point, common random numbers."""
    return [Arm(p, sc) for p, sc in scenarios.items()]
