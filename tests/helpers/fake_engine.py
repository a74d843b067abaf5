"""A fake engine for experiment tests: outcomes are closed-form functions of uniforms from
``sim.engines.streams``.

``simulate_unit`` is the ``simulate=`` argument of the experiments (one unit at a time);
``simulate_units`` stands in for ``sim.engines.dispatch.simulate_units`` (a chunk of units), which
the ``fake_engine`` fixture patches. Module-level functions so that process and Dask workers can
import them (monkeypatches do not reach workers). The outcome of a replication depends only on
(seed, unit, stream) and the scenario, so common random numbers hold exactly as in the real engines.

Per base and replication:
- convoys = ceil(loads / convoy.max_vehicles), loads = truck loads of cargo + self-propelled vehicles;
- ied_strikes ~ Poisson(lam), lam = convoys × Σ_route ied_rate_per_100km × km / 100 (inverse CDF of u1);
- wounded ~ Poisson(w × lam) (inverse CDF of u2), so E[wounded] is closed form; w is ``ied.wounded.mean``
  (aggregate model) or ``ied.vehicles_hit.mean`` (people model: about one person hurt per vehicle hit);
- last_arrival_hours = leave_by_hours + drive hours + Exp(mean 500 × (1 − flights.p_grant)) (u3).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.engines.dispatch import Unit
from sim.engines.streams import Streams
from sim.model import outcomes
from sim.model.network import routes
from sim.model.schema import FATES, Scenario

HANG_ENV = "FAKE_ENGINE_HANG_AFTER"
"""After this many calls in one process the fake engine hangs (a run to be killed at a known point)."""
HANG_FD_ENV = "FAKE_ENGINE_HANG_FD"
"""A file descriptor (the write end of a pipe the test holds): the fake engine writes one byte to it
when it starts to hang, so the test waits on the pipe, not on a clock."""
_calls = [0]


def n_loads(sc: Scenario, base: str) -> int:
    """Truck loads plus self-propelled vehicles leaving ``base``."""
    total = 0
    for cls_name, n in sc.bases[base].cargo.items():
        cls = sc.cargo_classes[cls_name]
        total += n if cls.self_propelled else math.ceil(n / cls.units_per_truck)
    return total


def expected_ied(sc: Scenario, base: str) -> float:
    """The Poisson mean of IED strikes at ``base`` (closed form)."""
    convoys = math.ceil(n_loads(sc, base) / sc.convoy.max_vehicles)
    per_convoy = sum(seg.ied_rate_per_100km * seg.km / 100 for seg in routes(sc)[base])
    return convoys * per_convoy


def wounded_per_strike(sc: Scenario) -> float:
    """The fake engine's mean wounded per IED strike."""
    ied = sc.threats.effects.ied
    return ied.vehicles_hit.mean if sc.vehicle_types else ied.wounded.mean


def expected_wounded(sc: Scenario) -> float:
    """E[total wounded] over bases (closed form)."""
    return sum(wounded_per_strike(sc) * expected_ied(sc, b) for b in sc.bases)


def simulate_unit(
    sc: Scenario, engine: str, unit: Unit, seed: int, point: int = 0, crn: bool = True
) -> pd.DataFrame:
    """The per-base table of one unit, with the schema of the real engines."""
    hang_after = int(os.environ.get(HANG_ENV, "0") or 0)
    _calls[0] += 1
    if hang_after and _calls[0] > hang_after:
        fd = os.environ.get(HANG_FD_ENV)
        if fd:
            os.write(int(fd), b"h")
        while True:  # until the test kills the process
            time.sleep(3600)
    streams = Streams(seed, engine, unit.index, point=point, crn=crn)
    n = unit.count
    reps = np.arange(unit.first, unit.first + n, dtype="int64")
    segs = routes(sc)
    frames = []
    for base_name, base in sc.bases.items():
        u = streams["attacks"].random((3, n))
        lam = expected_ied(sc, base_name)
        w_mean = wounded_per_strike(sc) * lam
        leave = sc.hours(base.leave_by)
        drive = sum(s.km / s.speed_kmh for s in segs[base_name])
        late = -np.log1p(-u[2]) * 500.0 * (1.0 - sc.flights.p_grant)
        cols: dict[str, object] = {c: np.zeros(n, dtype="int64") for c in outcomes.BASE_COUNTS}
        cols.update({
            "point": np.full(n, point, dtype="int64"), "replication": reps,
            "base": np.full(n, base_name, dtype=object), "forced_early": np.zeros(n, dtype=bool),
            "exit_hours": np.full(n, leave), "leave_by_hours": np.full(n, leave),
            "last_arrival_hours": leave + drive + late, "road_hours": np.full(n, drive),
            "ied_strikes": (stats.poisson.ppf(u[0], lam) if lam > 0 else np.zeros(n)).astype("int64"),
            "wounded": (stats.poisson.ppf(u[1], w_mean) if w_mean > 0 else np.zeros(n)).astype("int64"),
            "convoys": np.full(n, math.ceil(n_loads(sc, base_name) / sc.convoy.max_vehicles), dtype="int64"),
            "personnel_road": np.full(n, base.personnel, dtype="int64"),
        })
        for c in sc.cargo_classes:
            for f in FATES:
                cols[f"cargo_{c}_{f}"] = np.full(n, float(base.cargo.get(c, 0)) if f == "road" else 0.0)
        for c in outcomes.OUT_TIMES:  # everyone and everything out on arrival
            cols[c] = leave + drive + late
        cols["destroyed_value_usd"] = np.zeros(n)
        cols["abandoned_value_usd"] = np.zeros(n)
        for c in outcomes.security_columns(sc):  # an even split of the run over the regimes
            cols[c] = np.full(n, sc.hours(sc.calendar.deadline) / 24.0 / len(outcomes.security_columns(sc)))
        frames.append(pd.DataFrame({c: cols[c] for c in outcomes.base_columns(sc)}))
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return df.sort_values(["point", "replication", "base"], kind="stable").reset_index(drop=True)


UnitFn = Callable[..., pd.DataFrame]


def chunk_of(unit_fn: UnitFn) -> Callable[..., pd.DataFrame]:
    """A ``sim.engines.dispatch.simulate_units`` made of a per-unit ``unit_fn``: the units of a chunk
    one by one, stacked in order."""

    def simulate_units(sc: Scenario, engine: str, chunk: Sequence[Unit], seed: int, point: int = 0,
                       crn: bool = True, roads: np.ndarray | None = None) -> pd.DataFrame:
        # a fake tallies no traffic per road: ``roads`` stays zero
        frames = [unit_fn(sc, engine, u, seed, point, crn) for u in chunk]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    return simulate_units


simulate_units = chunk_of(simulate_unit)
"""The fake engine in place of ``sim.engines.dispatch.simulate_units``."""
