"""The people model (MODEL.md §10, §11, §14): crews and seats, seating passengers into occupancy
groups, which vehicle a strike hits, casualties among those aboard, dying of wounds. Vector forms
(arrays over replications) and scalar twins (one convoy of the SimPy engine) side by side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.schema import Scenario, VehicleType
from sim.model.vehicles import base_crews, base_seats, base_units_by_type, people_model, seating_order

from .cargo import split_even


def seat_vehicles(passengers: np.ndarray | int, seats: int, seats_per_vehicle: int) -> np.ndarray | int:
    """Seat vehicles needed for ``passengers`` when the base's own vehicles have ``seats``:
    ``ceil((passengers − seats) / seats_per_vehicle)``, 0 when they fit (MODEL.md §10)."""
    short = np.maximum(np.asarray(passengers, dtype=np.int64) - seats, 0)
    if isinstance(passengers, int):
        k = int(short)
        return 0 if k == 0 else -(-k // seats_per_vehicle)
    return -(-short // max(seats_per_vehicle, 1))


@dataclass(frozen=True)
class Occupancy:
    """Occupancy groups of one convoy: per group the vehicle set it came from (an index into the
    sets given to ``seat``), its vehicle type, count, crew and passengers per vehicle. Arrays over
    replications (vector form) or ints (scalar twin)."""

    source: list[int]
    types: list[str]
    counts: list[np.ndarray] | list[int]
    crew: list[int]
    passengers: list[np.ndarray] | list[int]


def _seating_sets(order: list[str], sets: list[tuple[str, object]]) -> list[int]:
    rank = {t: i for i, t in enumerate(order)}
    return sorted(range(len(sets)), key=lambda i: (rank[sets[i][0]], i))


def seat(sc: Scenario, sets: list[tuple[str, np.ndarray]], passengers: np.ndarray) -> Occupancy:
    """Seat ``passengers`` (per replication) in a convoy whose vehicles come in ``sets`` of
    ``(vehicle type, count per replication)`` (MODEL.md §10): sets by their type's seating order
    (ties in the order given), each set's full vehicles, then at most one partly filled, then those
    with their crew only. Every set gives these three groups, empty ones included, so every
    replication has the same groups in the same order."""
    left = np.asarray(passengers, dtype=np.int64).copy()
    src, types, counts, crew, pas = [], [], [], [], []
    for i in _seating_sets(seating_order(sc), list(sets)):
        t, n_raw = sets[i]
        vt = sc.vehicle_types[t]
        n = np.asarray(n_raw, dtype=np.int64)
        s = vt.seats
        take = np.minimum(left, n * s)
        left = left - take
        full = take // s if s > 0 else np.zeros_like(n)
        part = take - full * s
        has_part = (part > 0).astype(np.int64)
        for count, p in ((full, np.full(n.shape, s, dtype=np.int64)), (has_part, part),
                         (n - full - has_part, np.zeros(n.shape, dtype=np.int64))):
            src.append(i)
            types.append(t)
            counts.append(count)
            crew.append(vt.crew)
            pas.append(p)
    return Occupancy(src, types, counts, crew, pas)


def seat_one(order: list[str], types: dict[str, VehicleType], sets: list[tuple[str, int]], passengers: int) -> Occupancy:
    """``seat`` of one convoy on Python ints (``order``: ``seating_order``); the same groups."""
    left = passengers
    src, ts, counts, crew, pas = [], [], [], [], []
    for i in _seating_sets(order, list(sets)):
        t, n = sets[i]
        vt = types[t]
        s = vt.seats
        take = min(left, n * s)
        left -= take
        full = take // s if s > 0 else 0
        part = take - full * s
        has_part = 1 if part > 0 else 0
        for count, p in ((full, s), (has_part, part), (n - full - has_part, 0)):
            src.append(i)
            ts.append(t)
            counts.append(count)
            crew.append(vt.crew)
            pas.append(p)
    return Occupancy(src, ts, counts, crew, pas)


def convoy_passengers(seats: list[np.ndarray] | list[int], passengers: np.ndarray | int) -> list[np.ndarray] | list[int]:
    """Passengers of each final convoy: convoys filled in order up to their seats (MODEL.md §10)."""
    if isinstance(passengers, int):
        out_i, left_i = [], passengers
        for s in seats:
            take = min(left_i, int(s))
            out_i.append(take)
            left_i -= take
        return out_i
    rest = np.asarray(passengers, dtype=np.int64).copy()
    out: list[np.ndarray] = []
    for cap in seats:
        got = np.minimum(rest, cap)
        out.append(got)
        rest = rest - got
    return out


def pick_group(u: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """The group hit by one hit (MODEL.md §11 step 2), per row: the first group whose cumulative
    weight exceeds ``u · total``; -1 where every weight is 0."""
    w = np.stack([np.asarray(x, dtype=float) for x in weights], axis=1)
    cum = np.cumsum(w, axis=1)
    total = cum[:, -1]
    idx = (cum <= (u * total)[:, None]).sum(axis=1)
    idx = np.minimum(idx, w.shape[1] - 1)
    return np.where(total > 0, idx, -1)


def pick_group_one(u: float, weights: list[float]) -> int:
    """``pick_group`` of one hit on Python floats: the same operations in the same order."""
    total = 0.0
    cums = []
    for w in weights:
        total += w
        cums.append(total)
    if not total > 0:
        return -1
    x = u * total
    for i, c in enumerate(cums):
        if c > x:
            return i
    return len(weights) - 1


def casualty_probabilities(p_killed: float, p_wounded: float, factor: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """``(pk, pw given not killed)`` of a person aboard a hit vehicle (MODEL.md §11 step 4)."""
    pk = np.minimum(1.0, p_killed * np.asarray(factor, dtype=float))
    pw = np.minimum(1.0 - pk, p_wounded * np.asarray(factor, dtype=float))
    cond = np.where(pk < 1.0, pw / np.where(pk < 1.0, 1.0 - pk, 1.0), 0.0)
    return pk, np.minimum(cond, 1.0)


def dow_probability(sc: Scenario, delay_hours: np.ndarray | float) -> np.ndarray:
    """Probability of dying of wounds after ``delay_hours`` to surgery (MODEL.md §14): linear
    between the scenario's points, flat beyond them; 0 without ``died_of_wounds``."""
    d = np.asarray(delay_hours, dtype=float)
    dow = sc.died_of_wounds
    if dow is None:
        return np.zeros(d.shape)
    return np.interp(d, dow.hours, dow.p)


def final_convoy_groups_vec(units: list[int], extra: np.ndarray, max_vehicles: int) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """``cargo.final_convoy_groups`` of ``units + [extra]`` per replication, where only the last
    class (the seat vehicles) varies: the convoys per replication, and per convoy index (up to the
    most convoys of any replication) the units of each class (0 beyond a replication's convoys)."""
    extra = np.asarray(extra, dtype=np.int64)
    fixed = sum(units)
    total = fixed + extra
    k = -(-total // max_vehicles)
    bounds = np.cumsum([0, *units]).tolist()
    out: list[list[np.ndarray]] = []
    filled = np.zeros(extra.shape, dtype=np.int64)
    for i in range(int(k.max(initial=0))):
        size = np.asarray(split_even(total, k, i), dtype=np.int64)
        lo, hi = filled, filled + size
        groups = [np.maximum(0, np.minimum(bounds[j + 1], hi) - np.maximum(bounds[j], lo)) for j in range(len(units))]
        groups.append(np.maximum(0, np.minimum(total, hi) - np.maximum(fixed, lo)))
        filled = hi
        out.append(groups)
    return k, out


def final_convoy_seats(sc: Scenario, groups: list[int], classes: list[str], seat_type: str | None) -> int:
    """Seats of one final convoy whose units by class (``classes``, then the seat vehicles) are ``groups``."""
    vt = sc.vehicle_types
    total = 0
    for c, n in zip(classes, groups, strict=False):
        t = sc.cargo_classes[c].vehicle_type
        if t is not None:
            total += n * vt[t].seats
    if seat_type is not None and len(groups) > len(classes):
        total += groups[-1] * vt[seat_type].seats
    return total


__all__ = ["Occupancy", "base_crews", "base_seats", "base_units_by_type", "casualty_probabilities",
           "convoy_passengers", "dow_probability", "final_convoy_groups_vec", "final_convoy_seats", "people_model",
           "pick_group", "pick_group_one", "seat", "seat_one", "seat_vehicles", "seating_order", "split_even"]
