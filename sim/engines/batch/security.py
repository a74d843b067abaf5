"""The security state (MODEL.md §15) and the night's factors (§16) for a block of replications."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

import numpy as np

from sim.model.rules import security as sec
from sim.model.schema import Scenario


@dataclass(frozen=True)
class SecurityState:
    """The regime paths of a block's replications (stream ``security``) and what they set."""

    plan: sec.SecurityPlan
    paths: sec.RegimePaths

    @staticmethod
    def draw(sc: Scenario, rng: np.random.Generator, n_reps: int) -> SecurityState | None:
        """The block's regime paths; ``None`` without a ``security`` block (no draw is made)."""
        plan = sec.security_plan(sc)
        if plan is None:
            return None
        return SecurityState(plan, sec.regime_paths(plan, rng, n_reps))

    def grant(self, purposes: str | tuple[list[str], np.ndarray], rows: np.ndarray) -> sec.GrantFactor:
        """Grant factors for request chains whose entries belong to replications ``rows``."""
        return sec.GrantFactor.of(self.plan, self.paths, purposes, rows)

    def regime(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The regime of replication ``rows[i]`` at ``t[i]`` (a matrix of times per row allowed)."""
        return self.paths.at(rows, t)

    def days(self, until_hours: float) -> np.ndarray:
        """Days in each regime from the start to ``until_hours``, ``(replications, regimes)``."""
        return sec.days_in_regimes(self.plan, self.paths, until_hours)


def scale_threat(sc: Scenario, security: SecurityState | None, rows: np.ndarray, start: np.ndarray,
                 f: MutableMapping[str, np.ndarray]) -> None:
    """Multiply the mitigation factors ``f`` of segments started at ``start`` by the regime's and
    the night's factors (MODEL.md §15-§16), in place; nothing changes without them."""
    if security is not None:
        reg = security.regime(rows, start)
        f["ied"] = f["ied"] * security.plan.ied[reg]
        f["ambush"] = f["ambush"] * security.plan.ambush[reg]
    night = sc.calendar.night
    if night.ied_rate_factor != 1.0 or night.ambush_rate_factor != 1.0 or night.speed_factor != 1.0:
        dark = sec.is_night(sc, start)
        if night.ied_rate_factor != 1.0:
            f["ied"] = f["ied"] * np.where(dark, night.ied_rate_factor, 1.0)
        if night.ambush_rate_factor != 1.0:
            f["ambush"] = f["ambush"] * np.where(dark, night.ambush_rate_factor, 1.0)
        if night.speed_factor != 1.0:
            f["speed"] = f["speed"] * np.where(dark, night.speed_factor, 1.0)
