"""Air cover (MODEL.md §4) for every replication at once: which local days are covered."""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.schema import Scenario

from .security import SecurityState


class AirCoverTable:
    """Which local days have air cover (MODEL.md §4), one draw per (replication, day), drawn lazily."""

    CHUNK_DAYS = 32

    def __init__(self, sc: Scenario, rng: np.random.Generator, n_reps: int, first_day: int,
                 security: SecurityState | None = None) -> None:
        """``security``: the block's regimes, whose ``air_cover`` grant factor at each day's start
        scales the day's probability (MODEL.md §15)."""
        self.sc, self.rng, self.n_reps, self.first_day = sc, rng, n_reps, first_day
        self.security = security
        self.table = np.zeros((n_reps, 0), dtype=bool)
        self.last_col = rules.air_cover_last_day(sc) - first_day
        """The table's last column: later days have no air cover (MODEL.md, Bounds)."""

    def _p(self, days: np.ndarray) -> np.ndarray:
        start_hours = days * 24.0 - rules.hour0(self.sc)
        p = rules.p_grant_at(self.sc, self.sc.air_cover, start_hours)
        sec = self.security
        if sec is None or not np.any(p > 0.0):  # no factor raises a probability of 0
            return p
        reps = np.arange(self.n_reps)
        reg = sec.regime(reps, np.broadcast_to(start_hours, (self.n_reps, start_hours.size)))
        return np.minimum(1.0, p[None, :] * sec.plan.grants["air_cover"][reg])

    def covered(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        col = rules.day_index(self.sc, t) - self.first_day
        if col.size == 0:
            return np.zeros(0, dtype=bool)
        if col.min() < 0:
            raise AssertionError("air cover asked for a day before the first day of the run")
        if self.last_col < 0:
            return np.zeros(col.shape, dtype=bool)
        beyond = col > self.last_col
        col = np.minimum(col, self.last_col)
        need = int(col.max()) + 1
        if self.table.shape[1] < need:
            chunks = [self.table]
            lo = self.table.shape[1]
            # doubling (linear in days overall), in whole chunks from the first day: a day's draw
            # never depends on which day was asked first
            chunk = self.CHUNK_DAYS
            target = min(-(-max(need, 2 * lo) // chunk) * chunk, self.last_col + 1)
            while lo < target:
                days = self.first_day + np.arange(lo, min(lo + self.CHUNK_DAYS, target))
                p = self._p(days.astype(float))
                if np.all((p == 0.0) | (p == 1.0)):
                    new = np.broadcast_to(p == 1.0, (self.n_reps, days.size))
                else:
                    new = self.rng.random((self.n_reps, days.size)) < p
                chunks.append(new)
                lo += days.size
            self.table = np.concatenate(chunks, axis=1)
        return self.table[rows, col] & ~beyond
