"""Air cover (MODEL.md §4): each local day is covered with p_grant at the day's start."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.engines.streams import Streams
from sim.model import rules

from .state import Static

if TYPE_CHECKING:
    from .security import Regimes


class AirCoverDays:
    """Which local days have air cover in one replication (stream ``air_cover``, one draw per day).

    Days are drawn in calendar order from the first day of the run, one uniform per day, whichever
    convoy asks first: the cover of a day does not depend on which processes asked before.
    """

    def __init__(self, static: Static, streams: Streams, regimes: Regimes | None = None) -> None:
        """``regimes``: the replication's regime path, whose ``air_cover`` grant factor at each
        day's start scales the day's probability (MODEL.md §15)."""
        self.static, self.streams = static, streams
        self.uniforms: list[float] = []
        p = static.p_air_cover
        self.p_grant = p if regimes is None else regimes.p_grant("air_cover", p)
        self.never = p.first == 0.0 and all(v == 0.0 for v in p.values)
        self.last_day = rules.air_cover_last_day(static.sc)

    def covered(self, t: float) -> bool:
        """Whether the local day of time ``t`` (hours since the start, so day 0 or later) is covered."""
        if self.never:
            return False
        day = math.floor((t + self.static.hour0) / 24.0)
        if day > self.last_day:  # past the horizon (MODEL.md, Bounds)
            return False
        while len(self.uniforms) <= day:
            self.uniforms.append(float(self.streams["air_cover"].random()))
        return self.uniforms[day] < self.p_grant(day * 24.0 - self.static.hour0)
