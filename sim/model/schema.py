"""The scenario schema: one pydantic model per block of a scenario file.

Every block rejects unknown keys. Times are naive local datetimes; the model works in hours from
``calendar.start``. Loading from files and dotted-path overrides live in ``sim.model.loader``.
Every model's docstring and every field's attribute docstring become the descriptions of the JSON
Schema (``withdrawal-sim schema``); the rules they refer to are in MODEL.md.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from sim.model.distributions import Uncertainty
from sim.model.numbers import not_boolean

MAX_NUMBER = 1e9
"""Largest magnitude of any quantity in a scenario: beyond it a value is a typo, and the engines'
draws overflow or their loops never end. Fields with a natural scale have tighter limits below."""
MAX_COUNT = 10_000_000
"""People, cargo units, vehicles, sorties, seats: far above any real withdrawal."""
MAX_RATE = 100.0
"""Events per 100 km (or per 1,000 vehicle-km): one per kilometre is already a battlefield."""
MAX_HORIZON = dt.timedelta(days=3660)
"""Longest calendar (ten years): the engines step through it day by day."""
MAX_NAME = 80
"""Longest scenario name, in characters: results folders are named after it."""
MIN_HOURS = 0.01
"""Shortest retry or check interval (36 s): a shorter one would make a waiting loop spin."""

_number = not_boolean


Int = Annotated[int, BeforeValidator(_number)]
"""An integer; ``true``/``false`` refused."""
Float = Annotated[float, BeforeValidator(_number)]
"""A number; ``true``/``false`` refused."""
NonNeg = Annotated[Float, Field(ge=0, le=MAX_NUMBER)]
Pos = Annotated[Float, Field(gt=0, le=MAX_NUMBER)]
Prob = Annotated[Float, Field(ge=0, le=1)]
Count = Annotated[Int, Field(ge=0, le=MAX_COUNT)]
Rate = Annotated[Float, Field(ge=0, le=MAX_RATE)]
Factor = Annotated[Float, Field(ge=0, le=1000)]
Interval = Annotated[Float, Field(ge=MIN_HOURS, le=MAX_NUMBER)]

FATES: tuple[str, ...] = ("road", "air", "destroyed", "lost", "abandoned", "handed_over")


class Strict(BaseModel):
    """A block of a scenario file: unknown keys rejected, immutable, finite numbers only."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True)


def _as_datetime(value: object) -> object:
    """YAML gives ``date`` for ``2023-10-31``; the model wants midnight of that day, local time."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError("times are local and without a time zone (drop the offset, e.g. +00:00)")
    return value


Timestamp = Annotated[dt.datetime, AfterValidator(_naive)]
"""A local date or date-time without time zone (a date means midnight); each field says what it is."""


class Source(Strict):
    """A document the scenario's figures are taken from."""

    id: str
    """Short key by which figures and assumptions cite the source."""
    citation: str
    """Bibliographic reference (author, title, date)."""
    url: str | None = None
    """Where to read it; default: none."""


class Daylight(Strict):
    """Hours of the local day in which convoys may drive when ``convoy.daylight_only``."""

    start_hour: Float = Field(default=6.0, ge=0, lt=24)
    """Local hour of day (0-24) at which driving may start."""
    end_hour: Float = Field(default=18.0, gt=0, le=24)
    """Local hour of day (0-24) by which driving stops; after ``start_hour``."""

    @model_validator(mode="after")
    def _order(self) -> Daylight:
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        return self


class GrantFactors(Strict):
    """Factors on the grant probability of each purpose of request while a regime holds
    (``min(1, p_grant · factor)``); default 1."""

    personnel_flights: Factor = 1.0
    """Personnel sorties (MODEL.md §3)."""
    cargo_flights: Factor = 1.0
    """Cargo sorties (MODEL.md §3)."""
    road_movements: Factor = 1.0
    """Lift rounds that need a road-movement authorization (MODEL.md §5)."""
    air_cover: Factor = 1.0
    """Daily air cover, at the day's start (MODEL.md §4)."""
    medevac: Factor = 1.0
    """Medical evacuation flights (MODEL.md §14)."""


class Regime(Strict):
    """What a security regime changes while it holds (MODEL.md §15); every factor defaults to 1."""

    ied_rate_factor: Factor = 1.0
    """Multiplies IED strike rates on segments a convoy starts in this regime."""
    ambush_rate_factor: Factor = 1.0
    """Multiplies ambush and stationary attack rates on those segments."""
    early_exit_factor: Factor = 1.0
    """Multiplies every base's early-exit hazard while the regime holds."""
    grant_factors: GrantFactors = GrantFactors()
    """Factors on grant probabilities by purpose."""
    description: str = ""
    """What the regime stands for."""


class Transition(Strict):
    """A random change of regime: from ``from`` to ``to`` at a rate per day."""

    from_: str = Field(alias="from")
    """The regime it leaves."""
    to: str
    """The regime it enters."""
    rate_per_day: Rate
    """Expected changes per day while ``from`` holds (exponential waiting time)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, use_attribute_docstrings=True
    )


class ForcedTransition(Strict):
    """A dated change of regime (an offensive that starts on a known date)."""

    at: Timestamp
    """Local date or date-time at which the regime becomes ``to``."""
    to: str
    """The regime from then on."""
    hold_until: Timestamp | None = None
    """Local date or date-time until which ``to`` holds (no random change before it); default: the
    chain runs on at once."""

    _dates = field_validator("at", "hold_until", mode="before")(_as_datetime)

    @model_validator(mode="after")
    def _order(self) -> ForcedTransition:
        if self.hold_until is not None and self.hold_until <= self.at:
            raise ValueError(f"hold_until ({self.hold_until}) must be after at ({self.at})")
        return self


class Security(Strict):
    """A scenario-wide security state: named regimes, random transitions between them and dated
    forced ones (MODEL.md §15). Without it the model has one regime whose factors are all 1."""

    initial: str
    """The regime at ``calendar.start``."""
    regimes: dict[str, Regime] = Field(min_length=1)
    """Regimes by name."""
    transitions: list[Transition] = []
    """Random changes between regimes; default: none."""
    forced: list[ForcedTransition] = []
    """Dated changes, in any order; their times and holds may not overlap; default: none."""


class NightFactors(Strict):
    """Factors on segments a convoy starts outside the daylight window (MODEL.md §16); default 1."""

    ied_rate_factor: Factor = 1.0
    """Multiplies IED strike rates."""
    ambush_rate_factor: Factor = 1.0
    """Multiplies ambush and stationary attack rates."""
    speed_factor: Annotated[Float, Field(gt=0, le=1000)] = 1.0
    """Multiplies driving speed."""


class Calendar(Strict):
    """The time frame: when the model starts, the deadline it is judged by, the driving window."""

    start: Timestamp
    """Time zero (local date or date-time): every time in the model counts hours from it."""
    deadline: Timestamp
    """Local date or date-time by which everything should be out: a run is on time if it completes by then."""
    daylight: Daylight = Daylight()
    """Driving window (``convoy.moves``, ``convoy.daylight_only``) and the hours that are not night
    (``night``); default 06:00-18:00."""
    night: NightFactors = NightFactors()
    """Threat and speed factors on segments started outside the daylight window; default: none."""

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

    units_per_truck: Annotated[Int, Field(ge=1, le=MAX_COUNT)] = 1
    """Units one lift truck carries (not used by self-propelled classes)."""
    self_propelled: StrictBool = False
    """Units drive themselves out in the base's final convoys instead of riding on lift trucks."""
    air_eligible: StrictBool = False
    """Units (if not self-propelled) may fly out in cargo sorties from an airstrip; default: road only."""
    value_usd: NonNeg = 0.0
    """Value of one unit in USD, for the value destroyed and abandoned."""
    priority: Int = Field(default=1, ge=-MAX_COUNT, le=MAX_COUNT)
    """Higher loads, flies and is destroyed first; ties in file order."""
    if_left: Literal["destroy", "handover"] = "destroy"
    """What happens to units still at the base at the cut-off: destroyed (time permitting) or handed over."""
    destroy_hours_per_unit: NonNeg = 1.0
    """Team-hours to destroy one unit (0: all destroyed at once); units not destroyed are abandoned."""
    sensitive: StrictBool = False
    """Must never be handed over: requires ``if_left: destroy``."""

    vehicle_type: str | None = None
    """People model: the ``vehicle_types`` entry a unit of this self-propelled class is (its seats,
    crew, protection); required for self-propelled classes when the scenario has vehicle types."""

    @model_validator(mode="after")
    def _sensitive(self) -> CargoClass:
        if self.sensitive and self.if_left != "destroy":
            raise ValueError("sensitive cargo cannot be handed over (if_left must be 'destroy')")
        return self


class EarlyExit(Strict):
    """Security pressure: a hazard per day from ``from``; the base leaves ``notice_hours`` after it fires."""

    from_: Timestamp = Field(alias="from")
    """Local date or date-time from which the hazard runs."""
    hazard_per_day: Rate
    """Rate per day at which the exit is triggered (exponential wait, mean 1/rate days; 0: never)."""
    notice_hours: NonNeg = 24.0
    """Hours from the trigger to the forced departure (if earlier than ``leave_by``)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, use_attribute_docstrings=True
    )
    _dates = field_validator("from_", mode="before")(_as_datetime)


class Loading(Strict):
    """The base's loading area, where lift convoys are loaded one at a time."""

    teams: Annotated[Int, Field(ge=1, le=MAX_COUNT)] = 4
    """Loading teams: trucks of a convoy loaded at the same time."""
    hours_per_truck_load: Interval = 1.0
    """Hours for one team to load one truck."""


class Destruction(Strict):
    """The base's destruction of what cannot leave, between the cut-off and leave-by."""

    teams: Count = 2
    """Destruction teams, working in parallel from the cut-off to the (effective) leave-by."""
    lead_hours: NonNeg = 48.0
    """Hours before leave-by at which loading stops (the cut-off) and destruction begins."""


class Airstrip(Strict):
    """A base's airstrip: the flight sorties it can request each day and what each carries."""

    sorties_per_day: Annotated[Int, Field(ge=1, le=1000)] = 1
    """Sorties requested per day, from ``withdraw_from`` on (personnel first, then cargo)."""
    seats_per_sortie: Count = 50
    """Persons one personnel sortie carries."""
    cargo_units_per_sortie: Count = 0
    """Cargo units one cargo sortie carries (0: no cargo sorties, air-eligible cargo goes by road)."""


class Hub(Strict):
    """A place the bases evacuate to and lifts start from; convoys that reach it are out."""

    kind: Literal["hub"]
    """Site kind: ``hub``."""
    lat: Float = Field(ge=-90, le=90)
    """Latitude in degrees (north positive), for maps."""
    lon: Float = Field(ge=-180, le=180)
    """Longitude in degrees (east positive), for maps."""


class Base(Strict):
    """A base to withdraw: its people and cargo, its time window and how it loads, flies and destroys."""

    kind: Literal["base"]
    """Site kind: ``base``."""
    lat: Float = Field(ge=-90, le=90)
    """Latitude in degrees (north positive), for maps."""
    lon: Float = Field(ge=-180, le=180)
    """Longitude in degrees (east positive), for maps."""
    hub: str | None = None
    """The hub it evacuates to; default: the only hub (needed when there are several)."""
    personnel: Count = 0
    """Persons at the base; those not flown leave in its final convoys (which need self-propelled units)."""
    personnel_air_planned: Count = 0
    """Persons planned to fly out (at most ``personnel``); flown only from an airstrip."""
    cargo: dict[str, Count] = {}
    """Units of cargo at the base, by cargo class name."""
    withdraw_from: Timestamp
    """Local date or date-time from which the base may fly out, load lift convoys and leave."""
    leave_by: Timestamp
    """Local date or date-time of the latest planned final departure (an early exit can bring it forward)."""
    early_exit: EarlyExit | None = None
    """Security pressure that can force an earlier departure; default: none."""
    loading: Loading = Loading()
    """The loading area; default: 4 teams, 1 hour per truck."""
    destruction: Destruction = Destruction()
    """Destruction of what is left; default: 2 teams, cut-off 48 hours before leave-by."""
    airstrip: Airstrip | None = None
    """The airstrip; default: none, so no flights."""

    seat_vehicle_type: str | None = None
    """People model: the vehicle type that carries the passengers its own vehicles have no seats
    for (one per ``seats`` passengers short, with its own crew); needed when that can happen."""

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
    """A named place on the road network that is neither hub nor base (a junction, a town)."""

    lat: Float = Field(ge=-90, le=90)
    """Latitude in degrees (north positive), for maps."""
    lon: Float = Field(ge=-180, le=180)
    """Longitude in degrees (east positive), for maps."""


MAX_SHAPE_POINTS = 20_000
"""Most points in a road's ``shape``: a simplified 1,000 km road needs a few hundred."""
LonLat = tuple[Annotated[Float, Field(ge=-180, le=180)], Annotated[Float, Field(ge=-90, le=90)]]
"""A position ``[lon, lat]`` in degrees (GeoJSON's order)."""


class Road(Strict):
    """An undirected road between two sites or waypoints."""

    from_: str = Field(alias="from")
    """Name of a site or waypoint at one end."""
    to: str
    """Name of the site or waypoint at the other end."""
    km: Float = Field(gt=0, le=40_000)
    """Length in km."""
    terrain: str
    """Name of a ``terrain`` entry: sets the driving speed."""
    threat: str
    """Name of a ``threats.levels`` entry: sets the IED, ambush and breakdown rates."""
    cleared: StrictBool = False
    """Route clearance works on this road: the ``route_clearance`` mitigation applies on it."""
    shape: Annotated[list[LonLat], Field(max_length=MAX_SHAPE_POINTS)] | None = None
    """Points ``[lon, lat]`` of the road's line between ``from`` and ``to`` (its ends excluded), for
    maps and for placing events (``withdrawal-sim import-geo`` writes them); default: a straight
    line. Drawing only: the model uses ``km``."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, use_attribute_docstrings=True
    )


class Terrain(Strict):
    """A kind of road surface, and how fast convoys drive on it."""

    speed_kmh: Float = Field(ge=0.1, le=1000)
    """Convoy driving speed in km/h, before mitigations and the slowdown of long convoys."""


class ThreatLevel(Strict):
    """Event rates on the roads of one threat level."""

    ied_rate_per_100km: Rate = 0.0
    """Expected IED strikes per 100 km a convoy drives (at the reference convoy size)."""
    ambush_rate_per_100km: Rate = 0.0
    """Expected ambushes per 100 km a convoy drives (at the reference convoy size)."""
    breakdowns_per_1000_vehicle_km: Rate = 0.0
    """Expected breakdowns per 1,000 vehicle-km (km driven times vehicles in the convoy)."""
    stationary_attack_rate_per_hour: Rate = 0.0
    """Expected attacks per hour on a halted convoy (waiting for daylight, delayed by events or
    repairs): indirect fire, attacks on a laager; default: none."""


class CountDist(Strict):
    """A count per event: Poisson(mean), or negative binomial with shape ``dispersion``."""

    mean: Annotated[Float, Field(ge=0, le=1000)] = 0.0
    """Mean count per event."""
    dispersion: Annotated[Float, Field(ge=1e-3, le=MAX_NUMBER)] | None = None
    """Negative binomial shape (smaller: more spread); default: none, Poisson."""


class DelayDist(Strict):
    """Hours per event: gamma with this mean and coefficient of variation (cv 0: fixed)."""

    mean: Annotated[Float, Field(ge=0, le=10_000)] = 0.0
    """Mean hours per event."""
    cv: Annotated[Float, Field(ge=0, le=100)] = 0.0
    """Coefficient of variation: 0 (every event takes the mean) or at least 0.001."""

    @field_validator("cv")
    @classmethod
    def _cv_zero_or_usable(cls, v: float) -> float:
        # the gamma shape is 1/cv²: a cv below 1e-3 (shape over a million) would overflow it
        if 0.0 < v < 1e-3:
            raise ValueError("cv is 0 (fixed delays) or at least 0.001")
        return v


class AttackEffects(Strict):
    """What one IED strike or ambush does to a convoy."""

    vehicles_destroyed: CountDist = CountDist()
    """Vehicles destroyed per event (mean times the vehicle-loss factors); default: none."""
    wounded: CountDist = CountDist()
    """Persons wounded per event (mean times the casualty factors); default: none."""
    killed: CountDist = CountDist()
    """Persons killed per event (mean times the casualty factors); default: none."""
    delay_hours: DelayDist = DelayDist()
    """Hours the convoy halts per event; default: none."""
    vehicles_hit: CountDist = CountDist()
    """People model: vehicles hit per event (mean times the vehicle-loss factors), each destroyed
    or damaged by its protection, its occupants killed or wounded; default: none."""
    p_repair: Prob = 0.0
    """People model: probability that a vehicle damaged by this event is repaired in place."""
    repair_hours: DelayDist = DelayDist()
    """People model: hours a repair in place adds to the convoy's halt."""


class BreakdownEffects(Strict):
    """What one breakdown does to a convoy."""

    p_vehicle_lost: Prob = 0.0
    """Aggregate model: probability that the broken-down vehicle is lost."""
    delay_hours: DelayDist = DelayDist()
    """Hours the convoy halts per breakdown; default: none."""
    p_repair: Prob = 0.0
    """People model: probability that a broken-down vehicle is repaired in place (else towed, or
    abandoned)."""
    repair_hours: DelayDist = DelayDist()
    """People model: hours a repair in place adds to the convoy's halt."""


class Effects(Strict):
    """Effects of each kind of road event."""

    ied: AttackEffects = AttackEffects()
    """Per IED strike; default: no effect."""
    ambush: AttackEffects = AttackEffects()
    """Per ambush; default: no effect."""
    breakdown: BreakdownEffects = BreakdownEffects()
    """Per breakdown; default: no effect."""
    stationary: AttackEffects = AttackEffects()
    """Per attack on a halted convoy (its delay is not used); default: no effect."""


class Threats(Strict):
    """The road threat: rates by threat level, their dependence on convoy size, and event effects."""

    levels: dict[str, ThreatLevel]
    """Threat levels by name, referenced by ``roads[].threat``."""
    size_elasticity: Float = Field(default=0.0, ge=-10, le=10)
    """IED and ambush rates scale as (vehicles / reference) ** this; 0: convoy size has no effect."""
    reference_convoy_vehicles: Float = Field(default=1.0, ge=1, le=MAX_COUNT)
    """Convoy size (vehicles) at which the rates of ``levels`` apply unscaled."""
    effects: Effects = Effects()
    """What each event does; default: nothing."""


class Mitigation(Strict):
    """Multipliers applied while the mitigation is active (1 leaves a quantity unchanged)."""

    ied_rate_factor: Factor = 1.0
    """Multiplies the IED strike rate."""
    ambush_rate_factor: Factor = 1.0
    """Multiplies the ambush rate."""
    casualty_factor: Factor = 1.0
    """Multiplies the mean wounded and killed per IED strike or ambush."""
    vehicle_loss_factor: Factor = 1.0
    """Multiplies the mean vehicles destroyed per IED strike or ambush."""
    speed_factor: Float = Field(default=1.0, ge=0.01, le=100)
    """Multiplies the driving speed."""


class EscortMitigation(Mitigation):
    """Escort factors, which scale with the convoy's escort vehicles per vehicle."""

    full_effect_ratio: Annotated[Float, Field(ge=0, le=100)] = 0.0
    """Escort vehicles per vehicle of the convoy at which the factors apply in full; fewer give a
    proportional part; 0: any escort gives the full factors."""


class Mitigations(Strict):
    """The factors of each mitigation; where several are active their factors multiply."""

    escort: EscortMitigation = EscortMitigation()
    """Active on lift convoys with escorts, and on final convoys if ``convoy.final_convoy_escorted``."""
    route_clearance: Mitigation = Mitigation()
    """Active on roads marked ``cleared``."""
    armour: Mitigation = Mitigation()
    """Active on final convoys if ``convoy.final_convoy_armoured``."""
    air_cover: Mitigation = Mitigation()
    """Active on segments a convoy reaches on a day with air cover granted."""


class Period(Strict):
    """A window ``[from, until)`` in which requests are granted with probability ``p``."""

    from_: Timestamp = Field(alias="from")
    """Local date or date-time at which the window opens (included)."""
    until: Timestamp | None = None
    """Local date or date-time at which it closes (excluded); default: never."""
    p: Prob
    """Grant probability inside the window (replaces ``p_grant``; a later period wins on overlaps)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, use_attribute_docstrings=True
    )
    _dates = field_validator("from_", "until", mode="before")(_as_datetime)

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.until is not None and self.until <= self.from_:
            raise ValueError(f"until ({self.until}) must be after from ({self.from_})")
        return self


class Authorization(Strict):
    """Requests to the host state: decided after a delay, granted with p_grant at decision time."""

    p_grant: Prob = 1.0
    """Probability that a request is granted, outside the periods; default: always."""
    p_grant_periods: list[Period] = []
    """Windows with another grant probability; default: none."""
    decision_delay_hours: DelayDist = DelayDist()
    """Hours from a request to its decision; default: decided at once."""
    retry_hours: Interval = 24.0
    """Hours after a denial before the request is made again."""
    give_up_hours: NonNeg | None = None
    """Hours after the first request beyond which no retry is made; default: retry until cancelled."""


class Medevac(Authorization):
    """Medical evacuation flights: one request per event with wounded, cancelled when the convoy
    reaches the end of its leg."""

    flight_hours: NonNeg = 1.0
    """Hours from the grant to surgery for the wounded flown out."""


class DiedOfWounds(Strict):
    """Probability that a wounded person dies of wounds, against the hours to surgery: linear
    between the points, flat beyond the first and last."""

    hours: list[NonNeg] = Field(min_length=1, max_length=64)
    """Hours to surgery, increasing."""
    p: list[Prob] = Field(min_length=1, max_length=64)
    """Probability of dying of wounds at each of ``hours``."""

    @model_validator(mode="after")
    def _points(self) -> DiedOfWounds:
        if len(self.p) != len(self.hours):
            raise ValueError(f"p has {len(self.p)} values for {len(self.hours)} hours: give one per point")
        if any(b <= a for a, b in zip(self.hours, self.hours[1:], strict=False)):
            raise ValueError("hours must increase strictly")
        return self


class ProtectionLevel(Strict):
    """What a hit does to a vehicle of this protection and to each person aboard."""

    p_destroyed: Prob = 0.0
    """Probability that a hit vehicle is destroyed (else it is damaged)."""
    p_killed: Prob = 0.0
    """Probability that a person aboard a hit vehicle is killed."""
    p_wounded: Prob = 0.0
    """Probability that a person aboard a hit vehicle is wounded (and not killed)."""

    @model_validator(mode="after")
    def _sum(self) -> ProtectionLevel:
        if self.p_killed + self.p_wounded > 1.0 + 1e-12:
            raise ValueError("p_killed + p_wounded cannot exceed 1")
        return self


class VehicleType(Strict):
    """A kind of vehicle: who rides in it and how it stands up to a hit."""

    protection: str
    """The ``protection_levels`` entry of this vehicle."""
    seats: Count = 0
    """Passenger seats (besides its crew)."""
    crew: Count = 1
    """People who drive and man it."""
    crew_kind: Literal["military", "contractor"] = "military"
    """Military crews of a base's own vehicles are its personnel; contractor crews are not."""
    vulnerability: Annotated[Float, Field(ge=0, le=1000)] = 1.0
    """Weight of a vehicle of this type when a strike picks the vehicles it hits."""
    speed_factor: Annotated[Float, Field(ge=0.01, le=100)] = 1.0
    """A convoy drives at the smallest speed factor of its vehicle types."""
    escort: StrictBool = False
    """An armed escort vehicle (counted in the escort ratio)."""
    tows: Count = 0
    """Damaged vehicles it can tow."""


class RoadMovements(Authorization):
    """Authorization of lift movements: one request per round of a lift that needs it."""

    required: StrictBool = False
    """Whether lift rounds need authorization, for lifts that do not set ``needs_authorization``."""


class AirCover(Strict):
    """Air cover over road convoys, requested daily; granted days switch the mitigation on."""

    p_grant: Prob = 0.0
    """Probability that a day is covered, outside the periods; default: never."""
    p_grant_periods: list[Period] = []
    """Windows with another probability per day; default: none."""


class Lift(Strict):
    """A truck fleet at a hub that shuttles to the bases it serves, one base per round."""

    hub: str
    """The hub the trucks wait at and bring cargo back to."""
    trucks: Count
    """Trucks in the fleet; destroyed trucks are not replaced."""
    escorts: Count = 0
    """Escort vehicles (lost ones replaced); with ``convoy.escorts_per_convoy`` they cap convoys per round."""
    serves: list[str] = Field(min_length=1)
    """Bases it serves (each base by one lift at most); this order breaks ties."""
    available_from: Timestamp | None = None
    """Local date or date-time before which it does not start; default: its bases' first ``withdraw_from``."""
    idle_check_hours: Interval = 24.0
    """Hours it waits before looking again when no served base has cargo ready yet."""
    needs_authorization: StrictBool | None = None
    """Whether its road movements need authorization; default: ``road_movements.required``."""

    truck_type: str | None = None
    """People model: the vehicle type of its trucks (crew, protection)."""
    escort_type: str | None = None
    """People model: the vehicle type of its escorts."""

    _dates = field_validator("available_from", mode="before")(_as_datetime)


class Fleet(Strict):
    """The truck fleets."""

    lifts: dict[str, Lift] = {}
    """Lifts by name; default: none."""


class Convoy(Strict):
    """How convoys are formed and driven."""

    max_vehicles: Annotated[Int, Field(ge=1, le=MAX_COUNT)] = 100
    """Most vehicles per convoy (lift convoys: trucks plus escorts; final convoys: self-propelled units)."""
    escorts_per_convoy: Count = 0
    """Escort vehicles in each lift convoy (counted in ``max_vehicles``); 0: unescorted."""
    min_spacing_hours: NonNeg = 0.0
    """Hours between the departures of successive convoys (of a lift round, or a base's final convoys)."""
    daylight_only: StrictBool = False
    """Drive only inside ``calendar.daylight``; convoys halt outside it (the same as ``moves: day``)."""
    moves: Literal["any", "day", "night"] = "any"
    """When convoys drive: ``any`` hour, only by ``day`` (inside ``calendar.daylight``) or only by
    ``night`` (outside it); convoys halt outside their hours."""
    slowdown_per_100_vehicles: Factor = 0.0
    """Speed is divided by 1 + this x vehicles / 100; 0: length does not slow a convoy."""
    final_convoy_escorted: StrictBool = True
    """The ``escort`` mitigation applies to final convoys."""
    final_convoy_armoured: StrictBool = False
    """The ``armour`` mitigation applies to final convoys."""
    tow_speed_factor: Annotated[Float, Field(ge=0.01, le=1)] = 1.0
    """People model: speed factor of a convoy on the later segments of a leg while it tows a
    damaged vehicle; 1: towing does not slow it."""

    @model_validator(mode="after")
    def _moves(self) -> Convoy:
        if self.daylight_only and self.moves == "night":
            raise ValueError("moves: daylight_only is true but moves is 'night'; set one of them")
        return self

    @property
    def driving_hours(self) -> str:
        """``any``, ``day`` or ``night``: ``daylight_only`` is ``day``."""
        return "day" if self.daylight_only else self.moves


class Routing(Strict):
    """How each base's route to its hub is chosen."""

    objective: Literal["time", "risk"] = "time"
    """``time``: fewest driving hours; ``risk``: fewest expected IED strikes plus ambushes."""
    pinned: dict[str, list[str]] = {}
    """Fixed routes by base: the places from the base to its hub, along roads; default: none."""


class RunDefaults(Strict):
    """Run settings used when the command line or the caller gives none."""

    seed: Annotated[Int, Field(ge=0, lt=2**63)] = 0
    """Root seed of the random streams."""
    replications: Annotated[Int, Field(ge=1, le=MAX_COUNT)] = 1000
    """Number of replications (per draw in a two-level run)."""
    draws: Annotated[Int, Field(ge=1, le=100_000)] | None = None
    """Parameter draws of a two-level run (MODEL.md §17) when the command line gives none; needs an
    ``uncertainty`` block or inline distributions. Default: none, a plain run at the point values."""


class Scenario(Strict):
    """A whole withdrawal: calendar, sites, roads, threats, fleet, authorizations, policies."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Short name of the scenario: one line of at most 80 characters, no control characters (results
    folders are named after it)."""
    description: str = ""
    """What the scenario represents."""
    sources: list[Source] = []
    """Documents its figures come from."""
    assumptions: list[str] = []
    """Every number not taken from a source, stated."""
    calendar: Calendar
    """Start, deadline and driving window."""
    cargo_classes: dict[str, CargoClass]
    """Cargo classes by name."""
    sites: dict[str, Site]
    """Hubs and bases by name."""
    waypoints: dict[str, Waypoint] = {}
    """Other named places on the roads; names must differ from the sites'."""
    roads: list[Road]
    """The road network; every base must reach its hub."""
    terrain: dict[str, Terrain]
    """Terrain kinds by name, referenced by ``roads[].terrain``."""
    threats: Threats
    """Road event rates and effects."""
    mitigations: Mitigations = Mitigations()
    """Factors of escort, route clearance, armour and air cover; default: no effect."""
    fleet: Fleet = Fleet()
    """Truck lifts; default: none."""
    flights: Authorization = Authorization()
    """Authorization of each flight sortie; default: granted at once."""
    road_movements: RoadMovements = RoadMovements()
    """Authorization of lift rounds; default: not required."""
    air_cover: AirCover = AirCover()
    """Daily air cover over convoys; default: never."""
    convoy: Convoy = Convoy()
    """Convoy size, escorts, spacing and driving rules."""
    routing: Routing = Routing()
    """Route choice; default: fastest."""
    vehicle_types: dict[str, VehicleType] = {}
    """Vehicle types by name: with them the people model applies (seats, crews, hits on vehicles,
    casualties among those aboard); default: none, the aggregate model (casualties per event)."""
    protection_levels: dict[str, ProtectionLevel] = {}
    """Protection levels by name, referenced by ``vehicle_types[].protection``."""
    medevac: Medevac | None = None
    """Authorization of medical evacuation flights; default: none (the wounded ride with the convoy)."""
    died_of_wounds: DiedOfWounds | None = None
    """Probability of dying of wounds against the delay to surgery; default: none (no deaths of wounds)."""
    security: Security | None = None
    """A security state whose regimes change threat, early-exit hazards and grant probabilities over
    time (MODEL.md §15); default: none (one regime, factors 1)."""
    uncertainty: Uncertainty | None = None
    """Uncertain inputs (MODEL.md §17): any numeric field may be written as a distribution (a
    mapping with a ``dist`` key: fixed, gamma, lognormal, beta, triangular, uniform, counts); the
    loader moves it here by its dotted path and puts its mean in the field. Default: none."""
    run: RunDefaults = RunDefaults()
    """Default seed, replications and draws."""

    @cached_property
    def _site_index(self) -> tuple[dict[str, Site], dict[str, Base], dict[str, Hub]]:
        """``(sites, bases, hubs)``, computed once: a per-base lookup must not rebuild the
        dictionaries (validation of 10,000 bases was quadratic). Not a field: ignored by equality,
        dumps and the JSON Schema."""
        bases = {k: s for k, s in self.sites.items() if isinstance(s, Base)}
        hubs = {k: s for k, s in self.sites.items() if isinstance(s, Hub)}
        return self.sites, bases, hubs

    def _index(self) -> tuple[dict[str, Site], dict[str, Base], dict[str, Hub]]:
        index = self._site_index
        if index[0] is not self.sites:  # a model_copy(update=...) replaced the sites
            del self.__dict__["_site_index"]
            index = self._site_index
        return index

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the name is blank")
        if any(ord(c) < 32 or ord(c) == 127 for c in v):
            raise ValueError("the name is one line of printable characters (no tabs, newlines or control characters)")
        return v

    @model_validator(mode="after")
    def _after_start(self) -> Scenario:
        """Nothing happens before time zero: the engines count hours from ``calendar.start`` and
        would write negative times."""
        start = self.calendar.start

        def check(field: str, when: dt.datetime | None) -> None:
            if when is not None and when < start:
                raise ValueError(f"{field}: {when} is before calendar.start ({start}); move it, or the start")

        for name, site in self.sites.items():
            if isinstance(site, Base):
                check(f"sites.{name}.withdraw_from", site.withdraw_from)
                check(f"sites.{name}.leave_by", site.leave_by)
                if site.early_exit is not None:
                    check(f"sites.{name}.early_exit.from", site.early_exit.from_)
        for name, lift in self.fleet.lifts.items():
            check(f"fleet.lifts.{name}.available_from", lift.available_from)
        return self

    @property
    def bases(self) -> dict[str, Base]:
        """The sites that are bases, in file order (shared: do not modify)."""
        return self._index()[1]

    @property
    def hubs(self) -> dict[str, Hub]:
        """The sites that are hubs, in file order (shared: do not modify)."""
        return self._index()[2]

    def hub_of(self, base: str) -> str:
        """The hub a base evacuates to (its ``hub``, or the only hub)."""
        return self.bases[base].hub or next(iter(self.hubs))

    def hours(self, when: dt.datetime) -> float:
        """Hours from ``calendar.start`` to ``when``."""
        return (when - self.calendar.start).total_seconds() / 3600.0
