"""Per-scenario facts (computed once) and per-replication state and bookkeeping of the SimPy engine."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from sim.engines.streams import Streams
from sim.model import rules
from sim.model.network import Segment, routes
from sim.model.outcomes import BASE_COUNTS, security_columns
from sim.model.rules import security as sec
from sim.model.schema import FATES, DelayDist, Scenario

from .draws import Draws, delays, uniforms
from .people import type_infos
from .security import scale_threat_one, threat_scaled

if TYPE_CHECKING:

    from .air_cover import AirCoverDays
    from .security import Regimes, Threat, ThreatClock
    from .tallies import RoadCounts
    from .trace import Recorder

LeftParts = tuple[dict[str, int], dict[str, int], dict[str, int]]
"""Units destroyed, abandoned and handed over, per class (``rules.destroy_left`` as ints)."""


@dataclass(frozen=True)
class FinalPlan:
    """A base's final convoys in the people model (MODEL.md §10), as far as every replication shares
    them: its self-propelled units by class (priority order), then the seat vehicles' set."""

    units: list[int]
    set_types: list[str]
    """Vehicle type of each set: the self-propelled classes, then the seat vehicles (if any)."""
    seats_per_set: list[int]
    military_crew_per_set: list[int]
    """Crews of each self-propelled set who are the base's personnel (military crews)."""
    crews: int
    seats: int
    seat_type: str | None
    seat_vehicle_seats: int


def final_plan(sc: Scenario, base: str, sp_classes: list[str]) -> FinalPlan:
    spec = sc.bases[base]
    vt = sc.vehicle_types
    types = [sc.cargo_classes[c].vehicle_type or "" for c in sp_classes]
    units = [spec.cargo.get(c, 0) for c in sp_classes]
    seat_type = spec.seat_vehicle_type
    set_types = types + ([seat_type] if seat_type is not None else [])
    return FinalPlan(
        units, set_types, [vt[t].seats for t in set_types],
        [vt[t].crew if vt[t].crew_kind == "military" else 0 for t in types],
        rules.base_crews(sc, spec), rules.base_seats(sc, spec), seat_type,
        vt[seat_type].seats if seat_type is not None else 0)


class Static:
    """What one scenario fixes for every replication: plans, routes, classes, cached road arithmetic."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.specs = sc.bases
        """The bases' scenario entries by name."""
        self.bases = list(self.specs)
        self.exit_plans = {b: rules.exit_plan(sc, spec) for b, spec in self.specs.items()}
        self.fate_columns = [(f"cargo_{c}_{f}", (c, f)) for c in sc.cargo_classes for f in FATES]
        self.out_columns = rules.out_columns()
        """The per-base table's cargo columns and their (class, fate) keys, in column order."""
        self.classes = rules.class_order(sc)
        self.truck_classes = [c for c in self.classes if not sc.cargo_classes[c].self_propelled]
        self.sp_classes = [c for c in self.classes if sc.cargo_classes[c].self_propelled]
        self.upt = {c: sc.cargo_classes[c].units_per_truck for c in sc.cargo_classes}
        self.routes: dict[str, list[Segment]] = routes(sc)
        self.sorties = {b: rules.sorties(sc, sc.bases[b]) for b in self.bases}
        self.road_start = {b: rules.road_cargo(sc, sc.bases[b]) for b in self.bases}
        self.flight_cargo = {b: self._flight_cargo(b) for b in self.bases}
        """Per base: units of each truck class in cargo sorties, and the number of cargo sorties."""
        self.self_propelled = {b: rules.self_propelled_units(sc, sc.bases[b]) for b in self.bases}
        self.final_convoys = {b: rules.final_convoy_groups([self.self_propelled[b][c] for c in self.sp_classes],
                                                           sc.convoy.max_vehicles) for b in self.bases}
        """Per base: the units of each self-propelled class (priority order) in each final convoy."""
        self.withdraw_from = {b: sc.hours(sc.bases[b].withdraw_from) for b in self.bases}
        self.planned_leave = {b: sc.hours(sc.bases[b].leave_by) for b in self.bases}
        self.planned_cutoff = {
            b: self.planned_leave[b] - sc.bases[b].destruction.lead_hours for b in self.bases
        }
        self.hour0 = rules.hour0(sc)
        self.clock = rules.Clock(sc)
        self.advance = self.clock.advance
        """``rules.advance`` for one convoy (``rules.Clock``)."""
        self.lift_of = {b: name for name, lift in sc.fleet.lifts.items() for b in lift.serves}
        times = [0.0, *self.withdraw_from.values()]
        times += [sc.hours(lift.available_from) for lift in sc.fleet.lifts.values() if lift.available_from]
        self.start_hours = min(times)
        self.p_flights = rules.PGrant(sc, sc.flights, self.start_hours)
        self.p_road = rules.PGrant(sc, sc.road_movements, self.start_hours)
        self.p_air_cover = rules.PGrant(sc, sc.air_cover)  # asked at day starts, which may precede the run
        self.people = rules.people_model(sc)
        """Whether the people model applies (MODEL.md §10)."""
        self.type_info = type_infos(sc)
        self.seating_order = rules.seating_order(sc) if self.people else []
        self.stationary_rate = {k: lvl.stationary_attack_rate_per_hour for k, lvl in sc.threats.levels.items()}
        self.stationary = any(r > 0.0 for r in self.stationary_rate.values())
        self.evacuation = sc.medevac is not None or sc.died_of_wounds is not None
        self.escort_full_ratio = sc.mitigations.escort.full_effect_ratio
        self.final_people = {b: final_plan(sc, b, self.sp_classes) for b in self.bases} if self.people else {}
        """Per base: its final convoys' vehicles in the people model."""
        self.security = sec.security_plan(sc)
        """The security process (MODEL.md §15), or ``None`` without a ``security`` block."""
        self.security_columns = security_columns(sc)
        self.threat_scaled = threat_scaled(sc, self.security)
        """Whether a regime or the night can scale a segment's factors (MODEL.md §15-§16)."""
        self.deadline_hours = sc.hours(sc.calendar.deadline)
        self._factors: dict[tuple, dict[str, float]] = {}
        """By flags, or by (flags, threat) where a regime or the night scales them."""
        self._destroy: dict[tuple[tuple[tuple[str, int], ...], float], LeftParts] = {}
        self._segments: dict[tuple, tuple[float, float, float, float]] = {}

    def _flight_cargo(self, base: str) -> tuple[dict[str, int], int]:
        units = {c: 0 for c in self.truck_classes}
        n = 0
        for s in self.sorties[base]:
            if s.kind == "cargo":
                if s.cargo_class is None:
                    raise ValueError(f"cargo sortie without a cargo class: {s!r}")
                units[s.cargo_class] += s.amount
                n += 1
        return units, n

    def truckloads(self, pool: dict[str, int]) -> int:
        """``rules.truckloads_one`` of one pool."""
        return rules.truckloads_one(self.upt, pool)

    def load(self, pool: dict[str, int], trucks: int) -> tuple[dict[str, int], dict[str, int]]:
        """``rules.load_one`` of one convoy."""
        return rules.load_one(self.classes, self.upt, pool, trucks)

    def destroy_left(self, left: dict[str, int], budget_hours: float) -> LeftParts:
        """``rules.destroy_left`` of one base's leftovers, as ints, remembered per input."""
        key = (tuple(left.items()), budget_hours)
        out = self._destroy.get(key)
        if out is None:
            res = rules.destroy_left(self.sc, left, budget_hours)
            destroyed, abandoned, handed = ({c: int(v) for c, v in part.items()} for part in res)
            out = (destroyed, abandoned, handed)
            if len(self._destroy) < 4096:
                self._destroy[key] = out
        return out

    def factors(self, flags: tuple[float, bool, bool, bool], threat: Threat | None = None) -> dict[str, float]:
        """``rules.active_factors`` for (escort share, armour, cleared, air cover), as floats; scaled
        by the regime's and the night's ``threat`` (MODEL.md §15-§16) when not ``None``."""
        key = flags if threat is None else (flags, threat)
        f = self._factors.get(key)
        if f is None:
            if threat is None:
                f = {k: float(v) for k, v in rules.active_factors(self.sc, *flags).items()}
            else:
                f = scale_threat_one(self.sc, self.factors(flags), threat)
            self._factors[key] = f
        return f

    def segment(self, seg: Segment, n: int, flags: tuple[float, bool, bool, bool],
                threat: Threat | None = None) -> tuple[float, float, float, float]:
        """Expected IED strikes, ambushes, breakdowns and the drive hours of ``n`` vehicles on ``seg``."""
        key = (id(seg), n, flags) if threat is None else (id(seg), n, flags, threat)
        out = self._segments.get(key)
        if out is None:
            f = self.factors(flags, threat)
            ied, amb, bd = rules.segment_means(self.sc, seg, n, f)
            out = (float(ied), float(amb), float(bd), float(rules.drive_hours(self.sc, seg, n, f)))
            self._segments[key] = out
        return out


@dataclass
class BaseState:
    """One base in one replication: exit times, the road pool, what happened to everything."""

    name: str
    trigger_hours: float
    leave_by_hours: float
    cutoff_hours: float
    forced: bool
    planned_leave_hours: float
    planned_cutoff_hours: float
    pool: dict[str, int]
    open_cargo: dict[str, int]
    """Units of cargo sorties whose chain is not resolved yet (cancelled at the cut-off)."""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BASE_COUNTS, 0))
    fates: dict[tuple[str, str], int] = field(default_factory=dict)
    n_open_cargo_chains: int = 0
    cargo_done: simpy.Event | None = None
    area: simpy.Resource | None = None
    teams: simpy.Resource | None = None
    personnel_chains: list = field(default_factory=list)
    loads_pending: list = field(default_factory=list)
    last_load_end_hours: float = -math.inf
    last_resolved_hours: float = -math.inf
    last_arrival_hours: float = -math.inf
    road_hours: float = 0.0
    exit_hours: float = math.nan
    out_people: list[tuple[float, int]] = field(default_factory=list)
    """(time, personnel out): each granted personnel flight, each final convoy's arrivals alive."""
    out_cargo: list[tuple[float, int]] = field(default_factory=list)
    """(time, cargo units out): each granted cargo flight, each arrival at the hub with cargo."""

    def loading_resources(self, env: simpy.Environment, teams: int) -> tuple[simpy.Resource, simpy.Resource]:
        """The loading area (one convoy at a time) and the ``teams`` loading teams, made on first use."""
        if self.area is None or self.teams is None:  # made together
            self.area = simpy.Resource(env, capacity=1)
            self.teams = simpy.Resource(env, capacity=teams)
        return self.area, self.teams

    def known(self, t: float) -> tuple[float, float]:
        """Leave-by and cut-off as known at time ``t`` (``rules.known_one``)."""
        return rules.known_one(t, self.trigger_hours, self.planned_leave_hours, self.planned_cutoff_hours,
                               self.leave_by_hours, self.cutoff_hours)

    def add_fate(self, cls: str, fate: str, units: int) -> None:
        if units:
            key = (cls, fate)
            self.fates[key] = self.fates.get(key, 0) + int(units)

    def pool_total(self) -> int:
        return sum(self.pool.values())

    def check_done(self) -> None:
        """Trigger ``cargo_done`` once no road cargo waits and every cargo flight chain is resolved."""
        if (self.cargo_done is not None and not self.cargo_done.triggered
                and self.n_open_cargo_chains == 0 and self.pool_total() == 0):
            self.cargo_done.succeed()


def _breakdown_delay(sc: Scenario) -> DelayDist:
    return sc.threats.effects.breakdown.delay_hours


DRAWS: dict[str, tuple[str, Callable[[Scenario], DelayDist] | None]] = {
    "flight_delay": ("flights", lambda sc: sc.flights.decision_delay_hours),
    "flight_u": ("flights", None),
    "road_delay": ("road_movements", lambda sc: sc.road_movements.decision_delay_hours),
    "road_u": ("road_movements", None),
    "breakdown_u": ("breakdowns", None),
    "breakdown_delay": ("delays", _breakdown_delay),
    "final_breakdown_u": ("final_breakdowns", None),
    "final_breakdown_delay": ("final_delays", _breakdown_delay),
    "attack_u": ("attacks", None),
    "breakdown_count_u": ("breakdowns", None),
    "final_attack_u": ("final_attacks", None),
    "final_breakdown_count_u": ("final_breakdowns", None),
}
"""Key of ``Replication.draws``: its stream, and the delay distribution drawn (``None``: uniforms)."""


@dataclass
class Replication:
    """Everything one replication's processes share."""

    static: Static
    env: simpy.Environment
    streams: Streams
    index: int
    bases: dict[str, BaseState]
    air_cover: AirCoverDays
    recorder: Recorder | None = None
    regimes: Regimes | None = None
    """The replication's regime path (MODEL.md §15), with a security state."""
    threat: ThreatClock | None = None
    """The regime's and the night's factors on segments (MODEL.md §15-§16), where any differs from 1."""
    _draws: dict[str, Draws] = field(default_factory=dict)
    _security_days: list[float] | None = None
    roads: RoadCounts | None = None
    """Where traffic per road is tallied (``None``: not tallied); shared by a range of replications."""

    def draws(self, key: str) -> Draws:
        """Block-drawn values of ``DRAWS[key]``: ``flight_delay``, ``flight_u``, ``road_delay``,
        ``road_u``, ``breakdown_u``, ``breakdown_delay`` and their ``final_`` twins; ``attack_u``,
        ``breakdown_count_u`` and their ``final_`` twins are uniforms inverted into strike and
        breakdown counts."""
        d = self._draws.get(key)
        if d is None:
            stream, delay_of = DRAWS[key]
            rng = self.streams[stream]
            d = uniforms(rng) if delay_of is None else delays(rng, delay_of(self.static.sc))
            self._draws[key] = d
        return d

    def row(self, b: BaseState, point: int) -> dict:
        """The result row of base ``b`` (columns of ``outcomes.base_columns`` before ``finish_bases``)."""
        last = b.last_arrival_hours if math.isfinite(b.last_arrival_hours) else b.exit_hours
        row = {
            "point": point, "replication": self.index, "base": b.name, "forced_early": b.forced,
            "exit_hours": b.exit_hours, "leave_by_hours": b.leave_by_hours,
            "last_arrival_hours": last, "road_hours": b.road_hours, **b.counts,
        }
        fates = b.fates
        for column, key in self.static.fate_columns:
            row[column] = fates.get(key, 0)
        spec = self.static.specs[b.name]
        times = (rules.out_times_one(b.out_people, spec.personnel)
                 + rules.out_times_one(b.out_cargo, sum(spec.cargo.values())))
        row.update(zip(self.static.out_columns, times, strict=True))
        if self.regimes is not None:
            if self._security_days is None:
                self._security_days = self.regimes.days(self.static.deadline_hours)
            row.update(zip(self.static.security_columns, self._security_days, strict=True))
        return row
