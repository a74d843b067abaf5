"""Early exits and flights of every base, every replication at once (MODEL.md §1, §3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import rules

from .security import SecurityState
from .state import BlockPlan, Tally


@dataclass
class BaseFlights:
    """One base's flight outcomes, arrays over replications (``S_c``: cargo sorties of a class)."""

    gave_up_hours: dict[str, np.ndarray]
    """(R, S_c) time the sortie's cargo joined the road pool; NaN if it did not."""
    gave_up_units: dict[str, np.ndarray]
    """(S_c,) units of each cargo sortie."""
    cancelled_units: dict[str, np.ndarray]
    """(R,) units of cancelled cargo chains (left for destruction)."""
    cargo_resolved_hours: np.ndarray
    """(R, S_cargo) resolution times of the cargo chains."""
    last_resolved_hours: np.ndarray
    """(R,) last resolution of any flight chain (-inf without sorties)."""

    def gave_up_by(self, cls: str, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Units of ``cls`` given up by time ``t`` (per row)."""
        units = self.gave_up_units.get(cls)
        if units is None or units.size == 0:
            return np.zeros(rows.size, dtype=np.int64)
        return ((self.gave_up_hours[cls][rows] <= t[:, None]) * units).sum(axis=1)


def draw_exits(plan: BlockPlan, rng: np.random.Generator, n_reps: int,
               security: SecurityState | None = None) -> rules.Exit:
    """Early exit of every base (stream ``early_exit``, bases in file order): arrays (R, B); with a
    security state the hazard follows each replication's regimes (MODEL.md §15)."""
    paths = None if security is None else (security.plan.early_exit, security.paths)
    return rules.Exit.stack([rules.early_exit(plan.sc, plan.sc.bases[b], rng, n_reps, paths) for b in plan.bases])


def fly(plan: BlockPlan, exits: rules.Exit, rng: np.random.Generator, tally: Tally,
        security: SecurityState | None = None) -> list[BaseFlights]:
    """Run every sortie chain of every base in one vectorized call; tally flights and air fates."""
    sc = plan.sc
    n_reps = tally.n_reps
    owner = [b for b, plan_b in enumerate(plan.sorties) for _ in plan_b]
    flat = [s for plan_b in plan.sorties for s in plan_b]
    if flat:
        submit = np.broadcast_to(np.array([s.submit_hours for s in flat]), (n_reps, len(flat)))
        cancel = np.stack([
            exits.leave_by_hours[:, b] if s.kind == "personnel" else exits.cutoff_hours[:, b]
            for s, b in zip(flat, owner, strict=True)], axis=1)
        grant = None
        if security is not None:  # entries are (replication, sortie) in row-major order
            which = np.array([s.kind == "cargo" for s in flat], dtype=np.int64)
            grant = security.grant((["personnel_flights", "cargo_flights"], np.tile(which, n_reps)),
                                   np.repeat(np.arange(n_reps), len(flat)))
        ch = rules.chain(sc, sc.flights, rng, submit, cancel, grant=grant)
    out = []
    for b, plan_b in enumerate(plan.sorties):
        cols = np.array([i for i, o in enumerate(owner) if o == b], dtype=np.int64)
        if cols.size == 0:
            out.append(BaseFlights({}, {}, {}, np.zeros((n_reps, 0)), np.full(n_reps, -np.inf)))
            continue
        status, time = ch.status[:, cols], ch.time_hours[:, cols]
        granted = status == rules.GRANTED
        amount = np.array([s.amount for s in plan_b], dtype=np.int64)
        kinds = np.array([s.kind for s in plan_b])
        tally.counts["flight_requests"][:, b] = ch.n_requests[:, cols].sum(axis=1)
        tally.counts["flights_denied"][:, b] = ch.n_denied[:, cols].sum(axis=1)
        tally.counts["flights_granted"][:, b] = granted.sum(axis=1)
        pers = kinds == "personnel"
        tally.counts["personnel_air"][:, b] = (granted[:, pers] * amount[pers]).sum(axis=1)
        reps = np.arange(n_reps)
        for j in range(len(plan_b)):  # each granted flight: its load is out when it is granted
            load = granted[:, j] * amount[j]
            tally.out(b, reps, time[:, j], people=load if pers[j] else None, cargo=None if pers[j] else load)
        tally.last_arrival_hours[:, b] = np.maximum(
            tally.last_arrival_hours[:, b], np.where(granted, time, -np.inf).max(axis=1))
        gave_up_hours, gave_up_units, cancelled = {}, {}, {}
        for c in plan.truck_classes:
            cc = np.array([s.kind == "cargo" and s.cargo_class == c for s in plan_b])
            if not cc.any():
                continue
            tally.fate(c, "air")[:, b] = (granted[:, cc] * amount[cc]).sum(axis=1)
            gave_up_hours[c] = np.where(status[:, cc] == rules.GAVE_UP, time[:, cc], np.nan)
            gave_up_units[c] = amount[cc]
            cancelled[c] = ((status[:, cc] == rules.CANCELLED) * amount[cc]).sum(axis=1)
        out.append(BaseFlights(gave_up_hours, gave_up_units, cancelled, time[:, ~pers], time.max(axis=1)))
    return out
