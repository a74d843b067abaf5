"""Cargo and vehicles (MODEL.md §5, §7): trucks needed, convoys per round, loading by priority,
final convoys, destruction. Vector forms (arrays over replications) and their scalar twins (one
convoy of the SimPy engine, on Python ints) side by side; tests check each pair for equality."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.model.schema import Scenario

from .flights import class_order


def split_even(total: np.ndarray | int, k: np.ndarray | int, i: int) -> np.ndarray | int:
    """Share ``i`` of ``total`` split into ``k`` parts as evenly as possible (first parts larger)."""
    if type(total) is int and type(k) is int:  # one convoy of the SimPy engine: plain integers
        return total // max(k, 1) + (i < total % max(k, 1)) if i < k else 0
    total = np.asarray(total, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    safe = np.maximum(k, 1)
    share = total // safe + (i < total % safe)
    return np.where(i < k, share, 0)


def convoys_per_round(trucks: np.ndarray, max_vehicles: int, escorts_per_convoy: int, escorts: int) -> np.ndarray:
    """Convoys of a lift round for ``trucks`` trucks (MODEL.md §5.3): ``ceil(n / (M − q))``, at most
    ``floor(escorts / q)`` when convoys need escorts; 0 when ``M ≤ q`` (the lift stands down)."""
    n = np.asarray(trucks, dtype=np.int64)
    big, q = max_vehicles, escorts_per_convoy
    if big <= q:
        return np.zeros(n.shape, dtype=np.int64)
    k = -(-n // (big - q))
    if q > 0:
        k = np.minimum(k, escorts // q)
    return k


def convoys_per_round_one(trucks: int, max_vehicles: int, escorts_per_convoy: int, escorts: int) -> int:
    """``convoys_per_round`` of one lift round on Python ints."""
    big, q = max_vehicles, escorts_per_convoy
    if big <= q:
        return 0
    k = -(-trucks // (big - q))
    if q > 0:
        k = min(k, escorts // q)
    return k


def loading_hours(trucks: np.ndarray | int, teams: np.ndarray | int, hours_per_truck_load: np.ndarray | float) -> np.ndarray:
    """``ceil(trucks / teams) · hours_per_truck_load``."""
    trucks = np.asarray(trucks, dtype=np.int64)
    return np.ceil(trucks / teams) * hours_per_truck_load


def truckloads(sc: Scenario, pool: dict[str, np.ndarray]) -> np.ndarray:
    """Trucks needed to carry ``pool`` (units by class)."""
    total: np.ndarray | int = 0
    for c, units in pool.items():
        total = total + np.ceil(np.asarray(units) / sc.cargo_classes[c].units_per_truck).astype(np.int64)
    return np.asarray(total, dtype=np.int64)


def truckloads_one(units_per_truck: dict[str, int], pool: dict[str, int]) -> int:
    """``truckloads`` of one pool on Python ints."""
    return sum(-(-units // units_per_truck[c]) for c, units in pool.items())


def load(sc: Scenario, pool: dict[str, np.ndarray], trucks: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fill ``trucks`` from ``pool`` by priority: ``(units loaded, trucks used)`` per class."""
    left = np.asarray(trucks, dtype=np.int64)
    units, used = {}, {}
    for c in class_order(sc):
        if c not in pool:
            continue
        upt = sc.cargo_classes[c].units_per_truck
        avail = np.asarray(pool[c], dtype=np.int64)
        t = np.minimum(-(-avail // upt), left)
        units[c] = np.minimum(avail, t * upt)
        used[c] = t
        left = left - t
    return units, used


def load_one(order: list[str], units_per_truck: dict[str, int], pool: dict[str, int],
             trucks: int) -> tuple[dict[str, int], dict[str, int]]:
    """``load`` of one convoy on Python ints (``order``: ``class_order``)."""
    left, units, used = trucks, {}, {}
    for c in order:
        if c not in pool:
            continue
        avail, upt = pool[c], units_per_truck[c]
        t = min(-(-avail // upt), left)
        units[c] = min(avail, t * upt)
        used[c] = t
        left -= t
    return units, used


def final_convoy_groups(units: list[int], max_vehicles: int) -> list[list[int]]:
    """The final convoys of a base (MODEL.md §7): its self-propelled ``units`` (by class, in
    priority order) in ``ceil(n / M)`` convoys of sizes split as evenly as possible (first convoys
    larger), filled class by class; per convoy, the units of each class. The same in every
    replication, so one function serves both engines."""
    total = sum(units)
    if total == 0:
        return []
    k = -(-total // max_vehicles)
    out, filled = [], 0
    for i in range(k):
        size = int(split_even(total, k, i))
        groups, lo, upper = [], filled, 0
        for u in units:
            start, upper = upper, upper + u
            groups.append(max(0, min(upper, lo + size) - max(start, lo)))
        filled += size
        out.append(groups)
    return out


def destroy_left(
    sc: Scenario, left: Mapping[str, np.ndarray | int], budget_hours: np.ndarray | float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """What is left at the cut-off → ``(destroyed, abandoned, handed_over)`` per class (§7)."""
    budget = np.asarray(budget_hours, dtype=float).copy()
    destroyed, abandoned, handed = {}, {}, {}
    for c in class_order(sc):
        if c not in left:
            continue
        units = np.asarray(left[c], dtype=np.int64)
        cls = sc.cargo_classes[c]
        zero = np.zeros_like(units)
        if cls.if_left == "handover":
            destroyed[c], abandoned[c], handed[c] = zero, zero, units
            continue
        if cls.destroy_hours_per_unit == 0.0:
            n = units
        else:
            # clipped before the cast: a tiny destroy time must not overflow the integer count
            with np.errstate(over="ignore"):
                n = np.minimum(units, np.floor(budget / cls.destroy_hours_per_unit + 1e-9)).astype(np.int64)
            n = np.maximum(n, 0)
            budget = budget - n * cls.destroy_hours_per_unit
        destroyed[c], abandoned[c], handed[c] = n, units - n, zero
    return destroyed, abandoned, handed

