"""The shared result schema of both engines: column names, the per-base table, its roll-up per run.

Column names are part of the public interface (README, "Output columns").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from sim.model.rules.extraction import out_columns
from sim.model.schema import FATES, Scenario

BASE_COUNTS: tuple[str, ...] = (
    "ied_strikes",
    "ambushes",
    "breakdowns",
    "wounded",
    "killed",
    "vehicles_lost",
    "trucks_lost",
    "personnel_air",
    "personnel_road",
    "personnel_killed",
    "convoys",
    "flight_requests",
    "flights_granted",
    "flights_denied",
    "road_requests",
    "killed_in_action",
    "died_of_wounds",
    "wounded_crew",
    "wounded_passengers",
    "wounded_contractors",
    "killed_crew",
    "killed_passengers",
    "killed_contractors",
    "medevac_requests",
    "medevac_granted",
    "personnel_medevac",
    "vehicles_destroyed",
    "vehicles_damaged",
    "vehicles_repaired",
    "vehicles_towed",
    "vehicles_abandoned",
    "seat_vehicles",
    "stationary_attacks",
)
"""Integer counts per (point, replication, base); ``runs`` holds their totals. The people and
vehicle counts from ``killed_in_action`` on are MODEL.md §8's (§10–§14)."""

BASE_TIMES: tuple[str, ...] = ("exit_hours", "leave_by_hours", "last_arrival_hours", "road_hours")
"""Hours from ``calendar.start`` per (point, replication, base)."""

OUT_TIMES: tuple[str, ...] = tuple(out_columns())
"""Hours from ``calendar.start`` at which 10, 25, 50, 75, 90 and 100 % of a base's personnel, then of
its cargo units, are out (flown or arrived at the hub; MODEL.md §8): ``inf`` if never, ``nan`` for a
base with none."""

TRACE_EVENT_COLUMNS: tuple[str, ...] = (
    "replication", "time_hours", "kind", "base", "lift", "convoy", "segment", "km_along",
    "vehicles_destroyed", "wounded", "killed", "delay_hours", "detail",
)
"""Columns of a trace's ``events.parquet``. ``segment`` is ``a-b`` in the direction of travel and
``km_along`` the km from ``a`` at which a road incident happened (NaN for other events)."""
TRACE_LEG_COLUMNS: tuple[str, ...] = (
    "replication", "convoy", "lift", "base", "kind", "leg", "a", "b", "km",
    "depart_hours", "arrive_hours", "vehicles", "trucks", "escorts", "personnel",
    "ied_strikes", "ambushes", "breakdowns", "halt_hours",
)


def cargo_columns(sc: Scenario) -> list[str]:
    """``cargo_<class>_<fate>`` for every class and fate, classes in scenario order."""
    return [f"cargo_{c}_{f}" for c in sc.cargo_classes for f in FATES]


def security_columns(sc: Scenario) -> list[str]:
    """``security_<regime>_days`` for every regime of the security state (MODEL.md §15), or none:
    days in each regime from the start to the deadline, the same on every base of a replication."""
    return [] if sc.security is None else [f"security_{r}_days" for r in sc.security.regimes]


def base_columns(sc: Scenario) -> list[str]:
    """Columns of ``bases.parquet`` in order."""
    return (
        ["point", "replication", "base", "forced_early", *BASE_TIMES, *OUT_TIMES, *BASE_COUNTS]
        + cargo_columns(sc)
        + ["destroyed_value_usd", "abandoned_value_usd"]
        + security_columns(sc)
    )


def run_columns(sc: Scenario) -> list[str]:
    """Columns of ``runs.parquet`` in order."""
    return (
        ["point", "replication", "completion_hours", "on_time", "n_forced_early", *BASE_COUNTS]
        + cargo_columns(sc)
        + ["destroyed_value_usd", "abandoned_value_usd"]
        + security_columns(sc)
    )


def finish_bases(sc: Scenario, table: pd.DataFrame | dict[str, object], presorted: bool = False) -> pd.DataFrame:
    """An engine's per-base columns (a DataFrame or a dict of arrays) as the public table.

    Adds the value columns, fixes dtypes and column order, sorts by (point, replication, base)
    unless the caller built the rows in that order (``presorted``). Built once from numpy arrays:
    this runs for every block of the batch engine.
    """
    get = table.__getitem__
    n = len(np.asarray(get("point")))
    cols: dict[str, np.ndarray] = {}
    cols["point"] = np.asarray(get("point"), dtype=np.int64)
    cols["replication"] = np.asarray(get("replication"), dtype=np.int64)
    cols["base"] = np.asarray(get("base")).astype(str).astype(object)
    cols["forced_early"] = np.asarray(get("forced_early"), dtype=bool)
    for col in (*BASE_TIMES, *OUT_TIMES):
        cols[col] = np.asarray(get(col), dtype=np.float64)
    for col in BASE_COUNTS:
        cols[col] = np.asarray(get(col), dtype=np.int64)
    destroyed = np.zeros(n)
    abandoned = np.zeros(n)
    for col in cargo_columns(sc):
        values = np.asarray(get(col))
        if values.dtype.kind == "f" and np.any(values != np.round(values)):
            raise ValueError(f"{col}: cargo units must be whole numbers")
        cols[col] = values.astype(np.int64)
    for c, cls in sc.cargo_classes.items():
        destroyed += cols[f"cargo_{c}_destroyed"] * cls.value_usd
        abandoned += cols[f"cargo_{c}_abandoned"] * cls.value_usd
    cols["destroyed_value_usd"] = destroyed
    cols["abandoned_value_usd"] = abandoned
    for col in security_columns(sc):
        cols[col] = np.asarray(get(col), dtype=np.float64)
    if presorted:
        return pd.DataFrame(cols, columns=base_columns(sc), copy=False)
    order = np.lexsort((cols["base"].astype(str), cols["replication"], cols["point"]))
    if not np.array_equal(order, np.arange(n)):
        cols = {k: v[order] for k, v in cols.items()}
    return pd.DataFrame(cols, columns=base_columns(sc), copy=False)


def roll_up(sc: Scenario, bases: pd.DataFrame) -> pd.DataFrame:
    """One row per (point, replication): completion time, deadline met, totals over bases."""
    regular = roll_up_columns(sc, _Columns(bases), len(bases))
    if regular is not None:
        return pd.DataFrame(regular, columns=run_columns(sc), copy=True)
    deadline = sc.hours(sc.calendar.deadline)
    g = bases.groupby(["point", "replication"], sort=True)
    sums = g[[*BASE_COUNTS, *cargo_columns(sc), "destroyed_value_usd", "abandoned_value_usd"]].sum()
    out = sums.reset_index()
    out["completion_hours"] = g["last_arrival_hours"].max().to_numpy()
    out["n_forced_early"] = g["forced_early"].sum().to_numpy().astype("int64")
    out["on_time"] = out["completion_hours"] <= deadline
    for col in security_columns(sc):
        out[col] = g[col].first().to_numpy()
    return out[run_columns(sc)]


class _Columns(Mapping):
    """A DataFrame's columns as numpy arrays, each read when asked for."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df

    def __getitem__(self, col: str) -> np.ndarray:
        return self.df[col].to_numpy()

    def __iter__(self) -> Iterator[str]:
        return iter(self.df.columns)

    def __len__(self) -> int:
        return len(self.df.columns)


def roll_up_columns(sc: Scenario, cols: Mapping[str, np.ndarray], n_rows: int) -> dict[str, np.ndarray] | None:
    """``roll_up`` of a per-base table given as numpy columns (``cols[name]``; ``n_rows`` rows), as
    columns in ``run_columns`` order, when its rows come in blocks of one row per base for each
    (point, replication), in order (what ``finish_bases`` makes); else ``None``.

    By reshaping, not grouping: with one base, each total is that base's column. The result may
    share memory with ``cols`` (both callers copy it: into a DataFrame, or into place)."""
    n_bases = len(sc.bases)
    if n_rows == 0 or n_rows % n_bases:
        return None
    point = cols["point"].reshape(-1, n_bases)
    rep = cols["replication"].reshape(-1, n_bases)
    if (point != point[:, :1]).any() or (rep != rep[:, :1]).any():
        return None
    d_point, d_rep = np.diff(point[:, 0]), np.diff(rep[:, 0])
    if not ((d_point > 0) | ((d_point == 0) & (d_rep > 0))).all():
        return None

    def total(col: str) -> np.ndarray:
        if n_bases == 1:  # one base: its column is the total
            return cols[col]
        return cols[col].reshape(-1, n_bases).sum(axis=1)

    out: dict[str, np.ndarray] = {"point": point[:, 0], "replication": rep[:, 0]}
    out["completion_hours"] = cols["last_arrival_hours"].reshape(-1, n_bases).max(axis=1)
    out["on_time"] = out["completion_hours"] <= sc.hours(sc.calendar.deadline)
    out["n_forced_early"] = cols["forced_early"].reshape(-1, n_bases).sum(axis=1).astype("int64")
    for col in (*BASE_COUNTS, *cargo_columns(sc), "destroyed_value_usd", "abandoned_value_usd"):
        out[col] = total(col)
    for col in security_columns(sc):  # the same on every base of a replication
        out[col] = cols[col].reshape(-1, n_bases)[:, 0]
    return {c: out[c] for c in run_columns(sc)}
