"""The one way replications are run: a plan's tasks on an executor, finished parts streamed to a
sink, tables assembled as the chunks arrive.

Every experiment (a run, a sweep, a comparison, replications to a target, a calibration) builds a
``Plan`` and calls ``execute``. A sink is where finished parts go and where a resumed experiment
finds the parts it already has: a results folder (``sim.store``) or memory (``MemorySink``). The
parts a sink holds are checked against the plan once, here: a part the plan does not have, or
with another number of rows, is an error, never mixed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import pandas as pd

from sim.experiments.assembly import Assembly
from sim.experiments.executors import Chunk, Executor, SerialExecutor, Simulate, run_chunks
from sim.experiments.plan import Plan
from sim.model.errors import StoreError

Advance = Callable[[float], None]
"""``advance(n)``: n more replications done (a progress bar)."""


class Sink(Protocol):
    """Where finished parts of the per-base table (and of the roads table) go, and where earlier
    ones are found."""

    def finished(self) -> Mapping[str, int]:
        """Ids of the finished parts and their row counts."""
        ...

    def read(self, part_id: str) -> pd.DataFrame:
        """A finished part."""
        ...

    def write(self, part_id: str, chunk: Chunk) -> None:
        """Keep a finished chunk (atomically: listed only once whole; its bases part last, as the
        mark that the chunk is done)."""
        ...


class MemorySink:
    """Parts kept in memory (replications to a target grow one plan into the next)."""

    def __init__(self) -> None:
        self.parts: dict[str, pd.DataFrame] = {}
        self.roads: dict[str, pd.DataFrame] = {}

    def finished(self) -> Mapping[str, int]:
        return {k: len(v) for k, v in self.parts.items()}

    def read(self, part_id: str) -> pd.DataFrame:
        return self.parts[part_id]

    def write(self, part_id: str, chunk: Chunk) -> None:
        if chunk.roads is not None:
            self.roads[part_id] = chunk.roads
        self.parts[part_id] = chunk.bases


def check_parts(plan: Plan, finished: Mapping[str, int], where: str = "the results folder") -> set[str]:
    """The finished parts that are chunks of ``plan``; ``StoreError`` for any that is not."""
    expected = plan.expected_rows()
    for part, rows in finished.items():
        if part not in expected:
            raise StoreError(f"{where}: part {part} is not a chunk of this plan (another version, or "
                             "changed by hand); start a new run")
        if expected[part] != rows:
            raise StoreError(f"{where}: part {part} has {rows} rows, not the {expected[part]} of its chunk; "
                             "start a new run")
    return set(finished)


def execute(
    plan: Plan,
    executor: Executor | None = None,
    sink: Sink | None = None,
    advance: Advance | None = None,
    simulate: Simulate | None = None,
    where: str = "the results folder",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the tasks of ``plan`` that ``sink`` does not hold yet; write each finished chunk to
    ``sink`` as it arrives; return ``(bases, runs)`` of the whole plan in (point, replication, base)
    order. ``advance(n)`` is called with the replications of every chunk (finished ones first)."""
    done = check_parts(plan, sink.finished(), where) if sink is not None else set()
    assembly = Assembly(plan.tasks, plan.scenarios)
    step = advance or (lambda n: None)
    for part_id in sorted(done):
        assembly.add(part_id, sink.read(part_id))  # type: ignore[union-attr]
        step(assembly.tasks[part_id].replications)
    todo = [t for t in plan.tasks if t.part_id not in done]
    for task, chunk in run_chunks(executor or SerialExecutor(), todo, simulate):
        if sink is not None:
            sink.write(task.part_id, chunk)
        assembly.add(task.part_id, chunk.bases)
        step(task.replications)
    return assembly.tables()


def tables_by_point(bases: pd.DataFrame, runs: pd.DataFrame, point: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of one point of assembled tables, with a fresh index."""
    b = bases[bases["point"].to_numpy() == point].reset_index(drop=True)
    r = runs[runs["point"].to_numpy() == point].reset_index(drop=True)
    return b, r
