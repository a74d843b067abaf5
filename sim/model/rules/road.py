"""A convoy on a road segment (MODEL.md §6): active mitigations, expected events, drive hours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from sim.model.schema import Scenario


class SegmentLike(Protocol):
    """What the road rules read of a segment: ``network.Segment`` (floats) or the batch engine's
    view of one segment per replication (arrays)."""

    @property
    def km(self) -> Any: ...
    @property
    def speed_kmh(self) -> Any: ...
    @property
    def ied_rate_per_100km(self) -> Any: ...
    @property
    def ambush_rate_per_100km(self) -> Any: ...
    @property
    def breakdowns_per_1000_vehicle_km(self) -> Any: ...


FACTORS: tuple[tuple[str, str], ...] = (
    ("ied", "ied_rate_factor"),
    ("ambush", "ambush_rate_factor"),
    ("casualty", "casualty_factor"),
    ("vehicle", "vehicle_loss_factor"),
    ("speed", "speed_factor"),
)


def active_factors(
    sc: Scenario,
    escorted: np.ndarray | bool,
    armoured: np.ndarray | bool,
    cleared: np.ndarray | bool,
    air_cover: np.ndarray | bool,
) -> dict[str, np.ndarray]:
    """Products of the active mitigations' factors: ied, ambush, casualty, vehicle, speed."""
    m = sc.mitigations
    flags = [(m.escort, escorted), (m.armour, armoured), (m.route_clearance, cleared), (m.air_cover, air_cover)]
    out = {}
    for key, attr in FACTORS:
        f = np.ones(np.broadcast(*[np.asarray(x) for _, x in flags]).shape)
        for mit, on in flags:
            f = f * np.where(on, getattr(mit, attr), 1.0)
        out[key] = f
    return out


def size_factor(sc: Scenario, n: np.ndarray) -> np.ndarray:
    """``(n / reference_convoy_vehicles) ^ size_elasticity`` (1 when the elasticity is 0)."""
    n = np.asarray(n, dtype=float)
    if sc.threats.size_elasticity == 0.0:
        return np.ones(n.shape)
    return (n / sc.threats.reference_convoy_vehicles) ** sc.threats.size_elasticity


def segment_means(
    sc: Scenario, seg: SegmentLike, n: np.ndarray | int, factors: Mapping[str, np.ndarray | float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected IED strikes, ambushes and breakdowns of a convoy of ``n`` vehicles on ``seg``."""
    n = np.asarray(n, dtype=float)
    alive = n > 0
    s = size_factor(sc, np.maximum(n, 1.0))
    ied = np.where(alive, seg.ied_rate_per_100km * seg.km / 100.0 * factors["ied"] * s, 0.0)
    amb = np.where(alive, seg.ambush_rate_per_100km * seg.km / 100.0 * factors["ambush"] * s, 0.0)
    bd = seg.breakdowns_per_1000_vehicle_km * n * seg.km / 1000.0
    return ied, amb, bd


def drive_hours(sc: Scenario, seg: SegmentLike, n: np.ndarray | int, factors: Mapping[str, np.ndarray | float]) -> np.ndarray:
    """Hours of driving on ``seg`` for a convoy of ``n`` vehicles (no halts, no delays)."""
    n = np.asarray(n, dtype=float)
    speed = seg.speed_kmh * factors["speed"] / (1.0 + sc.convoy.slowdown_per_100_vehicles * n / 100.0)
    return np.asarray(seg.km / speed)
