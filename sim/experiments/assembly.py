"""The tables of a sweep, assembled as its chunks finish.

A sweep's per-base table is the chunks' tables stacked in (point, replication) order, and its
per-run table their roll-up. Assembling them once the last chunk is in (stack 90 MB, roll it up)
took 0.25-0.45 s of a 4 s sweep on two workers, on one core while the workers stood idle. Here each
chunk is copied into its place in preallocated columns, and rolled up, as it arrives, while the
workers run the next ones; at the end the columns only become DataFrames. The tables are the same as
stacking then rolling up (``stack``), which is also what is done when the points do not share one set
of columns (a sweep that changes the cargo classes or the sites).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.experiments.plan import Task
from sim.model import outcomes
from sim.model.schema import Scenario


def roll_up_points(scenarios: Mapping[int, Scenario], bases: pd.DataFrame) -> pd.DataFrame:
    """``outcomes.roll_up`` point by point (each point has its own deadline).

    When every point has the same columns and number of bases (a sweep changes parameters, not the
    cargo classes or the sites), the whole table is rolled up at once and ``on_time`` is then set
    against each point's own deadline: one pass per column instead of one per column and point."""
    if bases.empty:
        return pd.DataFrame()
    present = [scenarios[int(p)] for p in np.unique(bases["point"].to_numpy(dtype=np.int64))]
    first = present[0]
    if _uniform(present):
        runs = outcomes.roll_up(first, bases)
        deadline = {int(p): s.hours(s.calendar.deadline) for p, s in scenarios.items()}
        limit = np.array([deadline[int(p)] for p in runs["point"].to_numpy(dtype=np.int64)])
        runs["on_time"] = runs["completion_hours"].to_numpy() <= limit
        return runs
    frames = [outcomes.roll_up(scenarios[int(p)], bases[bases["point"].to_numpy() == p])
              for p in np.unique(bases["point"].to_numpy(dtype=np.int64))]
    return pd.concat(frames, ignore_index=True)


def sort_bases(bases: pd.DataFrame) -> pd.DataFrame:
    """Rows by (point, replication, base). Chunks arrive sorted inside (``finish_bases``) and are
    stacked in order, so usually only the check runs, not a sort with a string key."""
    point, rep = bases["point"].to_numpy(), bases["replication"].to_numpy()
    if point.size < 2 or bool(np.all((np.diff(point) > 0) | ((np.diff(point) == 0) & (np.diff(rep) >= 0)))):
        return bases.reset_index(drop=True)
    return bases.sort_values(["point", "replication", "base"], kind="stable").reset_index(drop=True)


def _uniform(scenarios: list[Scenario]) -> bool:
    first = scenarios[0]
    return all(len(s.bases) == len(first.bases) and outcomes.run_columns(s) == outcomes.run_columns(first)
               for s in scenarios)


def stack(scenarios: Mapping[int, Scenario], frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bases, runs) of chunk tables given in any order: stacked, sorted, rolled up per point."""
    frames = [f for f in frames if len(f.columns)]
    bases = sort_bases(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()
    return bases, roll_up_points(scenarios, bases)


class Assembly:
    """The bases and runs tables of the chunks ``tasks`` (each ``add``-ed once, in any order).

    ``scenarios`` maps each point to its scenario. Chunks of a plan whose points share one set of
    columns are copied into place as they come; otherwise they are kept and ``stack``-ed at the end.
    """

    def __init__(self, tasks: list[Task], scenarios: Mapping[int, Scenario]) -> None:
        self.scenarios = scenarios
        self.tasks = {t.part_id: t for t in tasks}
        present = [scenarios[t.point] for t in tasks]
        self._frames: dict[str, pd.DataFrame] | None = None
        self._left = set(self.tasks)
        if not present or not _uniform(present):
            self._frames = {}
            return
        first = present[0]
        self.n_bases = len(first.bases)
        self.bases_columns = outcomes.base_columns(first)
        self.runs_columns = outcomes.run_columns(first)
        # rows in (point, first unit) order: the tables come out sorted whatever the plan's order
        self._offset: dict[str, int] = {}
        row = 0
        for t in sorted(tasks, key=lambda t: self._order(t.part_id)):
            self._offset[t.part_id] = row
            row += t.replications
        self.n_runs = row
        self._bases: dict[str, np.ndarray] = {}
        self._runs: dict[str, np.ndarray] = {}
        self._names: dict[str, pd.Series] = {}  # the string column, per chunk (stacked at the end)

    @property
    def stacked(self) -> bool:
        """Whether the chunks are kept whole and stacked at the end (not copied into place)."""
        return self._frames is not None

    def add(self, part_id: str, bases: pd.DataFrame) -> None:
        """Chunk ``part_id``'s per-base table (as ``run_task`` returns it, or as read from its part)."""
        task = self.tasks[part_id]
        if part_id not in self._left:
            raise ValueError(f"chunk {part_id} was added twice")
        self._left.discard(part_id)
        cols = runs = None
        if self._frames is None:
            cols = self._columns(task, bases)
            if cols is not None:
                runs = outcomes.roll_up_columns(self.scenarios[task.point], cols, len(bases))
            if runs is None:
                self._fall_back()
        if runs is None or cols is None:
            assert self._frames is not None  # _fall_back made it
            self._frames[part_id] = bases
            return
        lo = self._offset[part_id]
        self._put(self._runs, runs, lo, self.n_runs)
        self._put(self._bases, cols, lo * self.n_bases, self.n_runs * self.n_bases)
        self._names[part_id] = bases["base"]

    def _columns(self, task: Task, bases: pd.DataFrame) -> dict[str, np.ndarray] | None:
        """The numeric columns of ``bases`` as arrays (each read once: getting a DataFrame's column
        costs about 75 µs), if it has the plan's columns, one row per replication and base of its
        point in replication order, and the dtypes of the chunks already in; else ``None``."""
        if list(bases.columns) != self.bases_columns or len(bases) != task.replications * self.n_bases:
            return None
        if self._names and bases["base"].dtype != next(iter(self._names.values())).dtype:
            return None
        cols = {c: bases[c].to_numpy() for c in self.bases_columns if c != "base"}
        rep = cols["replication"]
        if not ((cols["point"] == task.point).all() and (rep[1:] >= rep[:-1]).all()):
            return None
        if not all(arr.dtype == cols[c].dtype for c, arr in self._bases.items()):
            return None
        return cols

    def _put(self, columns: dict[str, np.ndarray], values: dict[str, np.ndarray], lo: int, size: int) -> None:
        """Copy ``values`` into ``columns`` (arrays of ``size`` made on first use) from row ``lo``."""
        for c, v in values.items():
            arr = columns.get(c)
            if arr is None:
                arr = columns[c] = np.empty(size, dtype=v.dtype)
            arr[lo:lo + len(v)] = v

    def _fall_back(self) -> None:
        """Keep chunks whole from now on; the ones already copied in are cut back out."""
        frames: dict[str, pd.DataFrame] = {}
        for part_id in self._names:
            lo = self._offset[part_id]
            hi = lo + self.tasks[part_id].replications
            cols = {c: self._bases[c][lo * self.n_bases:hi * self.n_bases] for c in self._bases}
            cols["base"] = self._names[part_id].to_numpy()
            frames[part_id] = pd.DataFrame(cols, columns=self.bases_columns).astype(
                {"base": self._names[part_id].dtype})
        self._frames = frames
        self._bases, self._runs, self._names = {}, {}, {}

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(bases, runs): every chunk's rows in (point, replication, base) order, and their roll-up."""
        if self._left:
            raise ValueError(f"{len(self._left)} chunks were not added (first: {min(self._left)})")
        if self._frames is not None:
            return stack(self.scenarios, [self._frames[k] for k in sorted(self._frames, key=self._order)])
        if not self._names:
            return pd.DataFrame(), pd.DataFrame()
        names = pd.concat([self._names[k] for k in sorted(self._names, key=self._order)], ignore_index=True)
        cols = {c: names if c == "base" else self._bases[c] for c in self.bases_columns}
        bases = pd.DataFrame(cols, columns=self.bases_columns, copy=False)
        runs = pd.DataFrame(self._runs, columns=self.runs_columns, copy=False)
        return bases, runs

    def _order(self, part_id: str) -> tuple[int, int]:
        """Where chunk ``part_id`` goes: (point, first replication)."""
        t = self.tasks[part_id]
        return (t.point, t.units[0].first if t.units else 0)
