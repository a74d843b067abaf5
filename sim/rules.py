"""The model's shared arithmetic (MODEL.md), written once for both engines.

Every function takes scalars or numpy arrays (broadcasting), so the SimPy engine calls it for one
convoy and the batch engine for all replications at once. Functions that draw take ``rng``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.network import Segment
from sim.scenario import AirCover, Authorization, Base, CountDist, DelayDist, Lift, Scenario

INF = math.inf


# ---------------------------------------------------------------- calendar and daylight


def hour0(sc: Scenario) -> float:
    """Hour of the local day at ``calendar.start``."""
    s = sc.calendar.start
    return s.hour + s.minute / 60.0 + s.second / 3600.0


def day_index(sc: Scenario, t: np.ndarray | float) -> np.ndarray:
    """Local calendar day of time ``t`` (0 = the day of ``calendar.start``)."""
    return np.floor((np.asarray(t, dtype=float) + hour0(sc)) / 24.0).astype(np.int64)


def advance(sc: Scenario, t: np.ndarray | float, active_hours: np.ndarray | float) -> np.ndarray:
    """End time of ``active_hours`` of driving that starts at ``t``.

    With ``convoy.daylight_only`` driving happens only inside the daylight window; a convoy outside
    it waits for the next window start; work that ends exactly at the window end ends there.
    """
    t = np.asarray(t, dtype=float)
    h = np.asarray(active_hours, dtype=float)
    if not sc.convoy.daylight_only:
        return t + h
    h0 = hour0(sc)
    s, e = sc.calendar.daylight.start_hour, sc.calendar.daylight.end_hour
    length = e - s
    local = t + h0
    day = np.floor(local / 24.0)
    tod = local - day * 24.0
    # move to a moment inside the window
    before = tod < s
    after = tod >= e
    day = np.where(after, day + 1, day)
    tod = np.where(before | after, s, tod)
    left_today = e - tod
    rest = h - left_today
    k = np.maximum(np.ceil(np.maximum(rest, 0.0) / length) - 1.0, 0.0)
    end_same = day * 24.0 + tod + h
    end_later = (day + 1 + k) * 24.0 + s + (rest - k * length)
    end = np.where(rest <= 0.0, end_same, end_later) - h0
    return np.where(h <= 0.0, t, end)


# ---------------------------------------------------------------- authorizations


def p_grant_at(sc: Scenario, auth: Authorization | AirCover, t: np.ndarray | float) -> np.ndarray:
    """``p_grant`` at time ``t``; inside a ``p_grant_periods`` window its ``p`` (later periods win)."""
    t = np.asarray(t, dtype=float)
    p = np.full(t.shape, auth.p_grant, dtype=float)
    for period in auth.p_grant_periods:
        lo = sc.hours(period.from_)
        hi = INF if period.until is None else sc.hours(period.until)
        p = np.where((t >= lo) & (t < hi), period.p, p)
    return p


def draw_delay(rng: np.random.Generator, dist: DelayDist, size: int | tuple[int, ...] | None = None) -> np.ndarray:
    """One delay per entry: gamma with ``dist.mean`` and ``dist.cv`` (fixed when cv is 0)."""
    if dist.mean == 0.0 or dist.cv == 0.0:
        return np.full(() if size is None else size, float(dist.mean))
    shape = 1.0 / dist.cv**2
    return rng.gamma(shape, dist.mean / shape, size=size)


def delay_sum(rng: np.random.Generator, n_events: np.ndarray, dist: DelayDist) -> np.ndarray:
    """Total delay of ``n_events`` independent delays of ``dist`` (a gamma sum)."""
    n = np.asarray(n_events, dtype=float)
    if dist.mean == 0.0:
        return np.zeros(n.shape)
    if dist.cv == 0.0:
        return n * dist.mean
    shape = 1.0 / dist.cv**2
    return rng.gamma(n * shape, dist.mean / shape)


def count_sum(
    rng: np.random.Generator, n_events: np.ndarray, dist: CountDist, factor: np.ndarray | float = 1.0
) -> np.ndarray:
    """Total of ``n_events`` counts, each Poisson(mean·factor) or NB(mean·factor, dispersion)."""
    n = np.asarray(n_events, dtype=float)
    mean = dist.mean * np.asarray(factor, dtype=float)
    if dist.mean == 0.0:
        return np.zeros(np.broadcast(n, mean).shape, dtype=np.int64)
    if dist.dispersion is None:
        return np.asarray(rng.poisson(n * mean), dtype=np.int64)
    r = dist.dispersion
    lam = rng.gamma(n * r, mean / r)
    return np.asarray(rng.poisson(lam), dtype=np.int64)


POISSON_INVERSION_MAX = 30.0
"""Largest mean drawn by inversion in ``poisson_count``; larger means call ``rng.poisson``."""


def poisson_by_inversion(u: float, mean: float) -> int:
    """The Poisson(``mean``) count whose CDF first exceeds the uniform ``u`` (inversion).

    One uniform per count, and the count never falls when ``mean`` rises for the same ``u``: common
    random numbers then couple counts monotonically. Stops if the CDF stops growing in floating point.
    """
    p = math.exp(-mean)
    cdf, k = p, 0
    while u >= cdf:
        k += 1
        p *= mean / k
        if cdf + p == cdf:
            break
        cdf += p
    return k


def poisson_count(u: Callable[[], float], rng: np.random.Generator, mean: float) -> int:
    """One Poisson(``mean``) count: by inversion of ``u()`` up to ``POISSON_INVERSION_MAX``, else
    ``rng.poisson``; no draw for a zero mean."""
    if mean <= 0.0:
        return 0
    if mean <= POISSON_INVERSION_MAX:
        return poisson_by_inversion(u(), mean)
    return int(rng.poisson(mean))


def count_one(rng: np.random.Generator, dist: CountDist, factor: float = 1.0) -> int:
    """One count of ``dist`` at ``mean·factor``: ``count_sum`` for one event, on Python scalars
    (the same draws from the same generator state: tests check equality)."""
    if dist.mean == 0.0:
        return 0
    mean = dist.mean * factor
    if dist.dispersion is None:
        return int(rng.poisson(mean))
    r = dist.dispersion
    return int(rng.poisson(rng.gamma(r, mean / r)))


@dataclass
class Chain:
    """Outcome of authorization chains: ``status`` GRANTED / GAVE_UP / CANCELLED per entry."""

    status: np.ndarray
    time_hours: np.ndarray
    n_requests: np.ndarray
    n_denied: np.ndarray


GRANTED, GAVE_UP, CANCELLED = 0, 1, 2


def chain(
    sc: Scenario,
    auth: Authorization,
    rng: np.random.Generator,
    submit_hours: np.ndarray,
    cancel_hours: np.ndarray,
    first_chunk: int = 4,
) -> Chain:
    """Run request chains (MODEL.md §2) for every entry of ``submit_hours`` at once.

    Tries are drawn in chunks (``first_chunk`` tries, doubling while entries stay open): for the
    entries still open, a matrix of decision delays and one of uniforms; decision times are
    cumulative sums, and the first try that is cancelled, granted or gives up ends the chain.
    No loop runs over entries.
    """
    s0 = np.asarray(submit_hours, dtype=float).reshape(-1)
    shape = np.shape(submit_hours)
    cancel = np.broadcast_to(np.asarray(cancel_hours, dtype=float), shape).reshape(-1)
    status = np.full(s0.shape, -1, dtype=np.int64)
    time = np.full(s0.shape, np.nan)
    n_req = np.zeros(s0.shape, dtype=np.int64)
    n_den = np.zeros(s0.shape, dtype=np.int64)
    give_up = INF if auth.give_up_hours is None else auth.give_up_hours
    idx = np.arange(s0.size)
    start = s0.copy()  # submission time of the next try of each open entry
    # each try advances a chain by at least retry_hours, so give-up and cancel times bound the tries
    horizon = min(give_up, float(np.max(cancel - s0, initial=0.0)))
    bound = math.floor(horizon / auth.retry_hours) + 1 if math.isfinite(horizon) else None
    k = bound if bound is not None and bound <= 8 * first_chunk else first_chunk
    while idx.size:
        cols = np.arange(k)
        delay = draw_delay(rng, auth.decision_delay_hours, (idx.size, k))
        u = rng.random((idx.size, k))
        # decision j = start + sum(delays[:j+1]) + j * retry
        d = start[idx, None] + np.cumsum(delay, axis=1) + auth.retry_hours * cols
        cancelled = d >= cancel[idx, None]
        granted = ~cancelled & (u < p_grant_at(sc, auth, d))
        gave_up = ~cancelled & ~granted & (d + auth.retry_hours - s0[idx, None] > give_up)
        end = cancelled | granted | gave_up
        ended = end.any(axis=1)
        j = np.where(ended, end.argmax(axis=1), k - 1)
        rows = np.arange(idx.size)
        n_decided = j + 1 - cancelled[rows, j]
        n_req[idx] += np.where(ended, n_decided, k)
        # tries before j were denied; try j itself was denied only if the chain gave up there
        n_den[idx] += np.where(ended, j + gave_up[rows, j], k)
        st = np.select([cancelled[rows, j], granted[rows, j]], [CANCELLED, GRANTED], GAVE_UP)
        tm = np.where(cancelled[rows, j], cancel[idx], d[rows, j])
        done = idx[ended]
        status[done] = st[ended]
        time[done] = tm[ended]
        start[idx[~ended]] = d[~ended, k - 1] + auth.retry_hours
        idx = idx[~ended]
        k = min(2 * k, 256)
    return Chain(status.reshape(shape), time.reshape(shape), n_req.reshape(shape), n_den.reshape(shape))


def lift_needs_authorization(sc: Scenario, lift: Lift) -> bool:
    """Whether each round of ``lift`` waits for a road-movement authorization (MODEL.md §5)."""
    return sc.road_movements.required if lift.needs_authorization is None else lift.needs_authorization


# ---------------------------------------------------------------- early exit


@dataclass
class Exit:
    """Per entry: trigger time (inf if none), effective leave-by, cut-off, forced flag."""

    trigger_hours: np.ndarray
    leave_by_hours: np.ndarray
    cutoff_hours: np.ndarray
    forced: np.ndarray


@dataclass(frozen=True)
class ExitPlan:
    """A base's early-exit inputs in hours (``early_exit_one`` draws from it)."""

    from_hours: float | None
    """Start of the hazard; ``None`` when there is no hazard."""
    mean_hours: float
    notice_hours: float
    planned_leave_hours: float
    lead_hours: float


def exit_plan(sc: Scenario, base: Base) -> ExitPlan:
    """The early-exit inputs of ``base``, computed once per scenario."""
    ee = base.early_exit
    hazard = ee is not None and ee.hazard_per_day != 0.0
    return ExitPlan(sc.hours(ee.from_) if hazard else None, 24.0 / ee.hazard_per_day if hazard else INF,
                    0.0 if ee is None else ee.notice_hours, sc.hours(base.leave_by), base.destruction.lead_hours)


def early_exit(sc: Scenario, base: Base, rng: np.random.Generator, size: int) -> Exit:
    """Draw the early exit of ``base`` for ``size`` replications (MODEL.md §1)."""
    plan = exit_plan(sc, base)
    planned, lead, notice = plan.planned_leave_hours, plan.lead_hours, plan.notice_hours
    if plan.from_hours is None:
        trig = np.full(size, INF)
    else:
        trig = plan.from_hours + rng.exponential(plan.mean_hours, size)
    forced = trig + notice < planned
    leave = np.where(forced, trig + notice, planned)
    # the cut-off never moves later than planned: a late trigger finds the base already cut off
    cutoff = np.where(forced, np.minimum(np.maximum(leave - lead, trig), planned - lead), planned - lead)
    return Exit(np.where(forced, trig, INF), leave, cutoff, forced)


def early_exit_one(plan: ExitPlan, rng: np.random.Generator) -> tuple[float, float, float, bool]:
    """``early_exit`` for one replication on Python floats: (trigger, leave-by, cut-off, forced).

    The same draw and the same operations as ``early_exit(..., size=1)`` (a test checks equality);
    numpy on one-element arrays costs about ten times as much, once per SimPy replication.
    """
    planned, lead = plan.planned_leave_hours, plan.lead_hours
    trig = INF if plan.from_hours is None else plan.from_hours + rng.exponential(plan.mean_hours)
    notice = plan.notice_hours
    if not trig + notice < planned:
        return INF, planned, planned - lead, False
    leave = trig + notice
    return trig, leave, min(max(leave - lead, trig), planned - lead), True


# ---------------------------------------------------------------- flights


@dataclass(frozen=True)
class Sortie:
    """A planned flight: personnel or units of one cargo class, submitted at ``submit_hours``."""

    kind: str  # "personnel" or "cargo"
    cargo_class: str | None
    amount: int
    submit_hours: float


def class_order(sc: Scenario) -> list[str]:
    """Cargo classes by priority, highest first; ties in file order."""
    names = list(sc.cargo_classes)
    return sorted(names, key=lambda c: (-sc.cargo_classes[c].priority, names.index(c)))


def flies_cargo(sc: Scenario, base: Base, cls: str) -> bool:
    """Whether class ``cls`` of ``base`` is planned to fly (else it is road cargo)."""
    a = base.airstrip
    return a is not None and a.cargo_units_per_sortie > 0 and sc.cargo_classes[cls].air_eligible


def sorties(sc: Scenario, base: Base) -> list[Sortie]:
    """The flight plan of a base (MODEL.md §3)."""
    a = base.airstrip
    if a is None:
        return []
    loads: list[tuple[str, str | None, int]] = []
    people = base.personnel_air_planned
    while a.seats_per_sortie > 0 and people > 0:
        n = min(a.seats_per_sortie, people)
        loads.append(("personnel", None, n))
        people -= n
    for c in class_order(sc):
        units = base.cargo.get(c, 0)
        if not flies_cargo(sc, base, c) or sc.cargo_classes[c].self_propelled:
            continue
        while units > 0:
            n = min(a.cargo_units_per_sortie, units)
            loads.append(("cargo", c, n))
            units -= n
    t0 = sc.hours(base.withdraw_from)
    return [
        Sortie(kind, c, n, t0 + 24.0 * (i // a.sorties_per_day)) for i, (kind, c, n) in enumerate(loads)
    ]


def road_cargo(sc: Scenario, base: Base) -> dict[str, int]:
    """Units of each truck-borne class that start in the road pool (not flying, not driving)."""
    return {
        c: (0 if sc.cargo_classes[c].self_propelled or flies_cargo(sc, base, c) else base.cargo.get(c, 0))
        for c in sc.cargo_classes
    }


def self_propelled_units(sc: Scenario, base: Base) -> dict[str, int]:
    """Units of each self-propelled class at the base (they leave in the final convoy)."""
    return {c: base.cargo.get(c, 0) for c, cls in sc.cargo_classes.items() if cls.self_propelled}


# ---------------------------------------------------------------- convoys on the road


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
    for key, attr in (
        ("ied", "ied_rate_factor"),
        ("ambush", "ambush_rate_factor"),
        ("casualty", "casualty_factor"),
        ("vehicle", "vehicle_loss_factor"),
        ("speed", "speed_factor"),
    ):
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
    sc: Scenario, seg: Segment, n: np.ndarray, factors: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected IED strikes, ambushes and breakdowns of a convoy of ``n`` vehicles on ``seg``."""
    n = np.asarray(n, dtype=float)
    alive = n > 0
    s = size_factor(sc, np.maximum(n, 1.0))
    ied = np.where(alive, seg.ied_rate_per_100km * seg.km / 100.0 * factors["ied"] * s, 0.0)
    amb = np.where(alive, seg.ambush_rate_per_100km * seg.km / 100.0 * factors["ambush"] * s, 0.0)
    bd = seg.breakdowns_per_1000_vehicle_km * n * seg.km / 1000.0
    return ied, amb, bd


def drive_hours(sc: Scenario, seg: Segment, n: np.ndarray, factors: dict[str, np.ndarray]) -> np.ndarray:
    """Hours of driving on ``seg`` for a convoy of ``n`` vehicles (no halts, no delays)."""
    n = np.asarray(n, dtype=float)
    speed = seg.speed_kmh * factors["speed"] / (1.0 + sc.convoy.slowdown_per_100_vehicles * n / 100.0)
    return seg.km / speed


# ---------------------------------------------------------------- loading, convoys, destruction


def split_even(total: np.ndarray | int, k: np.ndarray | int, i: int) -> np.ndarray:
    """Share ``i`` of ``total`` split into ``k`` parts as evenly as possible (first parts larger)."""
    if type(total) is int and type(k) is int:  # one convoy of the SimPy engine: plain integers
        return total // max(k, 1) + (i < total % max(k, 1)) if i < k else 0
    total = np.asarray(total, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    safe = np.maximum(k, 1)
    share = total // safe + (i < total % safe)
    return np.where(i < k, share, 0)


def loading_hours(sc: Scenario, base: Base, trucks: np.ndarray | int) -> np.ndarray:
    """``ceil(trucks / teams) · hours_per_truck_load``."""
    trucks = np.asarray(trucks, dtype=np.int64)
    return np.ceil(trucks / base.loading.teams) * base.loading.hours_per_truck_load


def truckloads(sc: Scenario, pool: dict[str, np.ndarray]) -> np.ndarray:
    """Trucks needed to carry ``pool`` (units by class)."""
    total = 0
    for c, units in pool.items():
        total = total + np.ceil(np.asarray(units) / sc.cargo_classes[c].units_per_truck).astype(np.int64)
    return np.asarray(total, dtype=np.int64)


def load(sc: Scenario, pool: dict[str, np.ndarray], trucks: np.ndarray) -> tuple[dict, dict]:
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


def destroy_left(
    sc: Scenario, left: dict[str, np.ndarray], budget_hours: np.ndarray
) -> tuple[dict, dict, dict]:
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


def hypergeometric_split(
    rng: np.random.Generator, counts: list[np.ndarray], draws: np.ndarray
) -> list[np.ndarray]:
    """Spread ``draws`` over categories of sizes ``counts`` without replacement (uniformly)."""
    left_total = np.sum([np.asarray(c, dtype=np.int64) for c in counts], axis=0)
    remaining = np.minimum(np.asarray(draws, dtype=np.int64), left_total)
    out = []
    for i, c in enumerate(counts):
        c = np.asarray(c, dtype=np.int64)
        if i == len(counts) - 1:
            out.append(remaining)
            break
        others = left_total - c
        take = np.asarray(rng.hypergeometric(c, others, remaining), dtype=np.int64)
        out.append(take)
        remaining = remaining - take
        left_total = others
    return out


def hypergeometric_split_one(rng: np.random.Generator, counts: list[int], draws: int) -> list[int]:
    """``hypergeometric_split`` of one convoy on Python ints: the same draws from the same
    generator state (a test checks equality), without numpy's per-call array overhead."""
    left_total = sum(counts)
    remaining = min(draws, left_total)
    out = []
    last = len(counts) - 1
    for i, c in enumerate(counts):
        if i == last:
            out.append(remaining)
            break
        others = left_total - c
        take = int(rng.hypergeometric(c, others, remaining))
        out.append(take)
        remaining -= take
        left_total = others
    return out


def lost_units(sc: Scenario, cls: str, trucks_hit: np.ndarray, aboard: np.ndarray) -> np.ndarray:
    """Units of ``cls`` lost with ``trucks_hit`` destroyed trucks of that class."""
    return np.minimum(np.asarray(trucks_hit) * sc.cargo_classes[cls].units_per_truck, aboard)
