"""Calendar days and daylight driving (MODEL.md §4, §6): the vector form and its scalar twin."""

from __future__ import annotations

import math

import numpy as np

from sim.model.schema import Scenario


def hour0(sc: Scenario) -> float:
    """Hour of the local day at ``calendar.start``."""
    s = sc.calendar.start
    return s.hour + s.minute / 60.0 + s.second / 3600.0


def day_index(sc: Scenario, t: np.ndarray | float) -> np.ndarray:
    """Local calendar day of time ``t`` (0 = the day of ``calendar.start``)."""
    return np.floor((np.asarray(t, dtype=float) + hour0(sc)) / 24.0).astype(np.int64)


AIR_COVER_HORIZON_DAYS = 366
"""Air cover is never granted later than this many days after the deadline's day (MODEL.md, Bounds)."""


def air_cover_last_day(sc: Scenario) -> int:
    """The last local day (``day_index``) that can have air cover (MODEL.md, Bounds)."""
    return int(day_index(sc, sc.hours(sc.calendar.deadline))) + AIR_COVER_HORIZON_DAYS


def advance(sc: Scenario, t: np.ndarray | float, active_hours: np.ndarray | float) -> np.ndarray:
    """End time of ``active_hours`` of driving that starts at ``t``.

    With ``convoy.daylight_only`` (``moves: day``) driving happens only inside the daylight window,
    with ``moves: night`` only outside it (MODEL.md §16); a convoy outside its window waits for the
    next window start; work that ends exactly at the window end ends there.
    """
    t = np.asarray(t, dtype=float)
    h = np.asarray(active_hours, dtype=float)
    moves = sc.convoy.driving_hours
    if moves == "any":
        return t + h
    h0 = hour0(sc)
    s, e = sc.calendar.daylight.start_hour, sc.calendar.daylight.end_hour
    if moves == "night":  # the window from end_hour to the next start_hour: shift the clock to it
        return _advance_window(t, h, h0 - e, 0.0, 24.0 - (e - s))
    return _advance_window(t, h, h0, s, e)


def _advance_window(t: np.ndarray, h: np.ndarray, h0: float, s: float, e: float) -> np.ndarray:
    """``advance``'s arithmetic for a window ``[s, e)`` of a day whose clock reads ``t + h0``."""
    length = e - s
    local = t + h0
    day = np.floor(local / 24.0)
    tod = local - day * 24.0
    before = tod < s
    after = tod >= e
    day = np.where(after, day + 1, day)
    tod = np.where(before | after, s, tod)
    rest = h - (e - tod)
    k = np.maximum(np.ceil(np.maximum(rest, 0.0) / length) - 1.0, 0.0)
    end = np.where(rest <= 0.0, day * 24.0 + tod + h, (day + 1 + k) * 24.0 + s + (rest - k * length)) - h0
    return np.where(h <= 0.0, t, end)


def _advance_window_one(t: float, h: float, h0: float, s: float, e: float) -> float:
    """``_advance_window`` on Python floats (the same operations in the same order)."""
    if h <= 0.0:
        return t
    local = t + h0
    day = math.floor(local / 24.0)
    tod = local - day * 24.0
    if tod < s:
        tod = s
    elif tod >= e:
        day += 1
        tod = s
    rest = h - (e - tod)
    if rest <= 0.0:
        return day * 24.0 + tod + h - h0
    length = e - s
    k = max(math.ceil(max(rest, 0.0) / length) - 1.0, 0.0)
    return (day + 1 + k) * 24.0 + s + (rest - k * length) - h0


class Clock:
    """``advance`` for one convoy on Python floats: the scalar twin (tests check bit-equality on
    random and boundary inputs). numpy on 0-d arrays costs about 20 µs a call, this about 1."""

    __slots__ = ("daylight_only", "night_only", "start", "end", "h0")

    def __init__(self, sc: Scenario) -> None:
        moves = sc.convoy.driving_hours
        self.daylight_only = moves == "day"
        self.night_only = moves == "night"
        self.start = float(sc.calendar.daylight.start_hour)
        self.end = float(sc.calendar.daylight.end_hour)
        self.h0 = hour0(sc)

    def advance(self, t: float, active_hours: float) -> float:
        """The same operations as ``advance`` in the same order."""
        if self.night_only:
            return _advance_window_one(t, active_hours, self.h0 - self.end, 0.0, 24.0 - (self.end - self.start))
        if not self.daylight_only:
            return t + active_hours
        return _advance_window_one(t, active_hours, self.h0, self.start, self.end)
