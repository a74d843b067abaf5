"""The scenario schema: one pydantic model per block of a scenario file.

Every block rejects unknown keys. Times are naive local datetimes; the model works in hours from
``calendar.start``. Loading from files and dotted-path overrides live in ``sim.loader``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_NUMBER = 1e9
"""Largest magnitude of any quantity in a scenario: beyond it a value is a typo, and the engines'
draws overflow or their loops never end. Fields with a natural scale have tighter limits below."""
MAX_COUNT = 10_000_000
"""People, cargo units, vehicles, sorties, seats: far above any real withdrawal."""
MAX_RATE = 100.0
"""Events per 100 km (or per 1,000 vehicle-km): one per kilometre is already a battlefield."""
MAX_HORIZON = dt.timedelta(days=3660)
"""Longest calendar (ten years): the engines step through it day by day."""
MIN_HOURS = 0.01
"""Shortest retry or check interval (36 s): a shorter one would make a waiting loop spin."""

NonNeg = Annotated[float, Field(ge=0, le=MAX_NUMBER)]
Pos = Annotated[float, Field(gt=0, le=MAX_NUMBER)]
Prob = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Rate = Annotated[float, Field(ge=0, le=MAX_RATE)]
Factor = Annotated[float, Field(ge=0, le=1000)]
Interval = Annotated[float, Field(ge=MIN_HOURS, le=MAX_NUMBER)]

FATES: tuple[str, ...] = ("road", "air", "destroyed", "lost", "abandoned", "handed_over")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _as_datetime(value: object) -> object:
    """YAML gives ``date`` for ``2023-10-31``; the model wants midnight of that day, local time."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError("times are local and without a time zone (drop the offset, e.g. +00:00)")
    return value


Timestamp = Annotated[dt.datetime, AfterValidator(_naive), Field(description="local date or date-time")]


class Source(Strict):
    id: str
    citation: str
    url: str | None = None


class Daylight(Strict):
    """Hours of the local day in which convoys may drive when ``convoy.daylight_only``."""

    start_hour: float = Field(6.0, ge=0, lt=24)
    end_hour: float = Field(18.0, gt=0, le=24)

    @model_validator(mode="after")
    def _order(self) -> Daylight:
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        return self


class Calendar(Strict):
    start: Timestamp
    deadline: Timestamp
    daylight: Daylight = Daylight()

    _dates = field_validator("start", "deadline", mode="before")(_as_datetime)

    @model_validator(mode="after")
    def _order(self) -> Calendar:
        if self.deadline <= self.start:
            raise ValueError(f"deadline ({self.deadline}) must be after start ({self.start})")
        if self.deadline - self.start > MAX_HORIZON:
            raise ValueError(f"deadline is more than {MAX_HORIZON.days} days after start (a typo in a year?)")
        return self


class CargoClass(Strict):
    """A kind of cargo: how it travels and what happens if it cannot leave."""

    units_per_truck: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    self_propelled: bool = False
    air_eligible: bool = False
    value_usd: NonNeg = 0.0
    priority: int = Field(1, ge=-MAX_COUNT, le=MAX_COUNT, description="higher loads first and is destroyed first")
    if_left: Literal["destroy", "handover"] = "destroy"
    destroy_hours_per_unit: NonNeg = 1.0
    sensitive: bool = False

    @model_validator(mode="after")
    def _sensitive(self) -> CargoClass:
        if self.sensitive and self.if_left != "destroy":
            raise ValueError("sensitive cargo cannot be handed over (if_left must be 'destroy')")
        return self


class EarlyExit(Strict):
    """Security pressure: a hazard per day from ``from_``; exit ``notice_hours`` after it fires."""

    from_: Timestamp = Field(alias="from")
    hazard_per_day: Rate
    notice_hours: NonNeg = 24.0

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)
    _dates = field_validator("from_", mode="before")(_as_datetime)


class Loading(Strict):
    teams: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 4
    hours_per_truck_load: Interval = 1.0


class Destruction(Strict):
    teams: Count = 2
    lead_hours: NonNeg = 48.0


class Airstrip(Strict):
    sorties_per_day: Annotated[int, Field(ge=1, le=1000)] = 1
    seats_per_sortie: Count = 50
    cargo_units_per_sortie: Count = 0


class Hub(Strict):
    kind: Literal["hub"]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Base(Strict):
    kind: Literal["base"]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    hub: str | None = None
    personnel: Count = 0
    personnel_air_planned: Count = 0
    cargo: dict[str, Count] = {}
    withdraw_from: Timestamp
    leave_by: Timestamp
    early_exit: EarlyExit | None = None
    loading: Loading = Loading()
    destruction: Destruction = Destruction()
    airstrip: Airstrip | None = None

    _dates = field_validator("withdraw_from", "leave_by", mode="before")(_as_datetime)

    @model_validator(mode="after")
    def _check(self) -> Base:
        if self.leave_by <= self.withdraw_from:
            raise ValueError(
                f"leave_by ({self.leave_by}) must be after withdraw_from ({self.withdraw_from})"
            )
        if self.personnel_air_planned > self.personnel:
            raise ValueError("personnel_air_planned cannot exceed personnel")
        return self


Site = Annotated[Hub | Base, Field(discriminator="kind")]


class Waypoint(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Road(Strict):
    from_: str = Field(alias="from")
    to: str
    km: float = Field(gt=0, le=40_000)
    terrain: str
    threat: str
    cleared: bool = False

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Terrain(Strict):
    speed_kmh: float = Field(ge=0.1, le=1000)


class ThreatLevel(Strict):
    ied_rate_per_100km: Rate = 0.0
    ambush_rate_per_100km: Rate = 0.0
    breakdowns_per_1000_vehicle_km: Rate = 0.0


class CountDist(Strict):
    """A count per event: Poisson(mean), or negative binomial with shape ``dispersion``."""

    mean: Annotated[float, Field(ge=0, le=1000)] = 0.0
    dispersion: Annotated[float, Field(ge=1e-3, le=MAX_NUMBER)] | None = None


class DelayDist(Strict):
    """Hours per event: gamma with this mean and coefficient of variation (cv 0: fixed)."""

    mean: Annotated[float, Field(ge=0, le=10_000)] = 0.0
    cv: Annotated[float, Field(ge=0, le=100)] = 0.0

    @field_validator("cv")
    @classmethod
    def _cv_zero_or_usable(cls, v: float) -> float:
        # the gamma shape is 1/cv²: a cv below 1e-3 (shape over a million) would overflow it
        if 0.0 < v < 1e-3:
            raise ValueError("cv is 0 (fixed delays) or at least 0.001")
        return v


class AttackEffects(Strict):
    vehicles_destroyed: CountDist = CountDist()
    wounded: CountDist = CountDist()
    killed: CountDist = CountDist()
    delay_hours: DelayDist = DelayDist()


class BreakdownEffects(Strict):
    p_vehicle_lost: Prob = 0.0
    delay_hours: DelayDist = DelayDist()


class Effects(Strict):
    ied: AttackEffects = AttackEffects()
    ambush: AttackEffects = AttackEffects()
    breakdown: BreakdownEffects = BreakdownEffects()


class Threats(Strict):
    levels: dict[str, ThreatLevel]
    size_elasticity: float = Field(0.0, ge=-10, le=10)
    reference_convoy_vehicles: float = Field(1.0, ge=1, le=MAX_COUNT)
    effects: Effects = Effects()


class Mitigation(Strict):
    """Multipliers applied while the mitigation is active (1 leaves a quantity unchanged)."""

    ied_rate_factor: Factor = 1.0
    ambush_rate_factor: Factor = 1.0
    casualty_factor: Factor = 1.0
    vehicle_loss_factor: Factor = 1.0
    speed_factor: float = Field(1.0, ge=0.01, le=100)


class Mitigations(Strict):
    escort: Mitigation = Mitigation()
    route_clearance: Mitigation = Mitigation()
    armour: Mitigation = Mitigation()
    air_cover: Mitigation = Mitigation()


class Period(Strict):
    from_: Timestamp = Field(alias="from")
    until: Timestamp | None = None
    p: Prob

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)
    _dates = field_validator("from_", "until", mode="before")(_as_datetime)

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.until is not None and self.until <= self.from_:
            raise ValueError(f"until ({self.until}) must be after from ({self.from_})")
        return self


class Authorization(Strict):
    """Requests to the host state: decided after a delay, granted with p_grant at decision time."""

    p_grant: Prob = 1.0
    p_grant_periods: list[Period] = []
    decision_delay_hours: DelayDist = DelayDist()
    retry_hours: Interval = 24.0
    give_up_hours: NonNeg | None = None


class RoadMovements(Authorization):
    required: bool = False


class AirCover(Strict):
    """Air cover over road convoys, requested daily; granted days switch the mitigation on."""

    p_grant: Prob = 0.0
    p_grant_periods: list[Period] = []


class Lift(Strict):
    """A truck fleet at a hub that shuttles to the bases it serves, one base per round."""

    hub: str
    trucks: Count
    escorts: Count = 0
    serves: list[str] = Field(min_length=1)
    available_from: Timestamp | None = None
    idle_check_hours: Interval = 24.0
    needs_authorization: bool | None = Field(
        None, description="whether its road movements need authorization; default road_movements.required"
    )

    _dates = field_validator("available_from", mode="before")(_as_datetime)


class Fleet(Strict):
    lifts: dict[str, Lift] = {}


class Convoy(Strict):
    max_vehicles: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 100
    escorts_per_convoy: Count = 0
    min_spacing_hours: NonNeg = 0.0
    daylight_only: bool = False
    slowdown_per_100_vehicles: Factor = 0.0
    final_convoy_escorted: bool = True
    final_convoy_armoured: bool = False


class Routing(Strict):
    objective: Literal["time", "risk"] = "time"
    pinned: dict[str, list[str]] = {}


class RunDefaults(Strict):
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    replications: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1000


class Scenario(Strict):
    """A whole withdrawal: calendar, sites, roads, threats, fleet, authorizations, policies."""

    name: str
    description: str = ""
    sources: list[Source] = []
    assumptions: list[str] = []
    calendar: Calendar
    cargo_classes: dict[str, CargoClass]
    sites: dict[str, Site]
    waypoints: dict[str, Waypoint] = {}
    roads: list[Road]
    terrain: dict[str, Terrain]
    threats: Threats
    mitigations: Mitigations = Mitigations()
    fleet: Fleet = Fleet()
    flights: Authorization = Authorization()
    road_movements: RoadMovements = RoadMovements()
    air_cover: AirCover = AirCover()
    convoy: Convoy = Convoy()
    routing: Routing = Routing()
    run: RunDefaults = RunDefaults()

    @property
    def bases(self) -> dict[str, Base]:
        return {k: s for k, s in self.sites.items() if isinstance(s, Base)}

    @property
    def hubs(self) -> dict[str, Hub]:
        return {k: s for k, s in self.sites.items() if isinstance(s, Hub)}

    def hub_of(self, base: str) -> str:
        """The hub a base evacuates to (its ``hub``, or the only hub)."""
        return self.bases[base].hub or next(iter(self.hubs))

    def hours(self, when: dt.datetime) -> float:
        """Hours from ``calendar.start`` to ``when``."""
        return (when - self.calendar.start).total_seconds() / 3600.0

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        from sim.references import check_references

        check_references(self)
        return self
