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


MAX_FACTOR = 1000.0
"""Largest product of active mitigation factors (MODEL.md, Bounds): one factor's schema bound, so
several mitigations together never scale a rate or a per-event mean by more than one could."""
MAX_EVENTS_PER_SEGMENT = 1000.0
"""Largest expected count of each kind of road event on one segment (IED strikes, ambushes,
breakdowns, stationary attacks; MODEL.md, Bounds): every draw stays finite and the SimPy engine's
loops over events stay short whatever the rates, lengths, size factor and mitigations."""


def capped_mean(mean: np.ndarray | float) -> np.ndarray:
    """An expected count of events on one segment, at most ``MAX_EVENTS_PER_SEGMENT``."""
    return np.minimum(np.asarray(mean, dtype=float), MAX_EVENTS_PER_SEGMENT)


def stationary_mean(rate: np.ndarray | float, halted_hours: np.ndarray | float,
                    f_ambush: np.ndarray | float) -> np.ndarray:
    """Expected stationary attacks on a convoy halted ``halted_hours`` on one segment (MODEL.md
    §13): rate × hours × ``F_ambush``, at most ``MAX_EVENTS_PER_SEGMENT`` (MODEL.md, Bounds)."""
    return capped_mean(np.asarray(rate, dtype=float) * halted_hours * f_ambush)


FACTORS: tuple[tuple[str, str], ...] = (
    ("ied", "ied_rate_factor"),
    ("ambush", "ambush_rate_factor"),
    ("casualty", "casualty_factor"),
    ("vehicle", "vehicle_loss_factor"),
    ("speed", "speed_factor"),
)


def active_factors(
    sc: Scenario,
    escorted: np.ndarray | bool | float,
    armoured: np.ndarray | bool,
    cleared: np.ndarray | bool,
    air_cover: np.ndarray | bool,
) -> dict[str, np.ndarray]:
    """Products of the active mitigations' factors: ied, ambush, casualty, vehicle, speed.

    ``escorted`` is the share of the escort factors that applies (MODEL.md §12: 1 in full, 0 not at
    all, ``escort_share`` between); ``True``/``False`` are 1 and 0."""
    m = sc.mitigations
    share = np.asarray(escorted, dtype=float)
    flags = [(m.armour, armoured), (m.route_clearance, cleared), (m.air_cover, air_cover)]
    shape = np.broadcast(share, *[np.asarray(x) for _, x in flags]).shape
    out = {}
    for key, attr in FACTORS:
        full = getattr(m.escort, attr)
        f = np.ones(shape) * np.where(share >= 1.0, full, np.where(share <= 0.0, 1.0, 1.0 - (1.0 - full) * share))
        for mit, on in flags:
            f = f * np.where(on, getattr(mit, attr), 1.0)
        out[key] = np.minimum(f, MAX_FACTOR) if key != "speed" else f
    return out


def escort_share(sc: Scenario, escorts: np.ndarray | int, vehicles: np.ndarray | int) -> np.ndarray:
    """The share of the escort factors a convoy of ``vehicles`` with ``escorts`` escort vehicles
    gets (MODEL.md §12): ``min(1, (escorts / vehicles) / full_effect_ratio)``, or 1 with any escort
    when ``full_effect_ratio`` is 0; 0 without escorts."""
    e = np.asarray(escorts, dtype=float)
    n = np.maximum(np.asarray(vehicles, dtype=float), 1.0)
    r_full = sc.mitigations.escort.full_effect_ratio
    if r_full <= 0.0:
        return (e > 0).astype(float)
    return np.minimum(1.0, e / n / r_full)


def escort_share_one(full_effect_ratio: float, escorts: int, vehicles: int) -> float:
    """``escort_share`` of one convoy on Python numbers (the same operations)."""
    if full_effect_ratio <= 0.0:
        return 1.0 if escorts > 0 else 0.0
    return min(1.0, escorts / max(float(vehicles), 1.0) / full_effect_ratio)


def size_factor(sc: Scenario, n: np.ndarray) -> np.ndarray:
    """``(n / reference_convoy_vehicles) ^ size_elasticity`` (1 when the elasticity is 0)."""
    n = np.asarray(n, dtype=float)
    if sc.threats.size_elasticity == 0.0:
        return np.ones(n.shape)
    return (n / sc.threats.reference_convoy_vehicles) ** sc.threats.size_elasticity


def segment_means(
    sc: Scenario, seg: SegmentLike, n: np.ndarray | int, factors: Mapping[str, np.ndarray | float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected IED strikes, ambushes and breakdowns of a convoy of ``n`` vehicles on ``seg``, each
    at most ``MAX_EVENTS_PER_SEGMENT`` (MODEL.md, Bounds)."""
    n = np.asarray(n, dtype=float)
    alive = n > 0
    s = size_factor(sc, np.maximum(n, 1.0))
    ied = np.where(alive, seg.ied_rate_per_100km * seg.km / 100.0 * factors["ied"] * s, 0.0)
    amb = np.where(alive, seg.ambush_rate_per_100km * seg.km / 100.0 * factors["ambush"] * s, 0.0)
    bd = seg.breakdowns_per_1000_vehicle_km * n * seg.km / 1000.0
    return capped_mean(ied), capped_mean(amb), capped_mean(bd)


def drive_hours(sc: Scenario, seg: SegmentLike, n: np.ndarray | int, factors: Mapping[str, np.ndarray | float]) -> np.ndarray:
    """Hours of driving on ``seg`` for a convoy of ``n`` vehicles (no halts, no delays)."""
    n = np.asarray(n, dtype=float)
    speed = seg.speed_kmh * factors["speed"] / (1.0 + sc.convoy.slowdown_per_100_vehicles * n / 100.0)
    return np.asarray(seg.km / speed)
