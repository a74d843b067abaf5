"""Air cover (MODEL.md §4): each local day is covered with p_grant at the day's start, drawn lazily."""

from __future__ import annotations

import math

from sim.streams import Streams

from .state import Static


class AirCoverDays:
    """Which local days have air cover in one replication (stream ``air_cover``, one draw per day)."""

    def __init__(self, static: Static, streams: Streams) -> None:
        self.static, self.streams = static, streams
        self.days: dict[int, bool] = {}
        p = static.p_air_cover
        self.never = p.first == 0.0 and all(v == 0.0 for v in p.values)

    def covered(self, t: float) -> bool:
        """Whether the local day of time ``t`` is covered."""
        if self.never:
            return False
        day = math.floor((t + self.static.hour0) / 24.0)
        on = self.days.get(day)
        if on is None:
            p = self.static.p_air_cover(day * 24.0 - self.static.hour0)
            on = bool(self.streams["air_cover"].random() < p) if 0.0 < p < 1.0 else p >= 1.0
            self.days[day] = on
        return on
