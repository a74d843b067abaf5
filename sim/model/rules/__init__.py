"""The model's shared rules (MODEL.md), written once for both engines.

Every vector function takes scalars or numpy arrays (broadcasting), so the batch engine calls it for
all replications at once; where the SimPy engine needs the same rule for one convoy on Python
scalars, its scalar twin (``*_one``, ``Clock``, ``PGrant``) stands beside it in the same module, and
a test checks each pair for equality. Functions that draw take ``rng``. One module per concern:

- ``calendar``: local days, daylight driving (``advance`` / ``Clock``);
- ``authorizations``: grant probability in time (``p_grant_at`` / ``PGrant``), delays, request chains;
- ``exits``: early exits and what is known of them (``early_exit`` / ``early_exit_one``, ``known`` /
  ``known_one``);
- ``flights``: the flight plan and the road pool at the start;
- ``road``: mitigations, expected events and drive hours on a segment;
- ``counts``: Poisson counts by inversion, sums of per-event counts, hypergeometric splits;
- ``cargo``: convoys per round, loading, final convoys, destruction;
- ``people``: crews, seats, hits and casualties (the people model);
- ``extraction``: when given shares of a base's personnel and cargo are out.
"""

from .authorizations import (
    CANCELLED,
    GAVE_UP,
    GRANTED,
    ChainOutcomes,
    PGrant,
    chain,
    delay_sum,
    draw_delay,
    lift_needs_authorization,
    p_grant_at,
)
from .calendar import AIR_COVER_HORIZON_DAYS, Clock, advance, air_cover_last_day, day_index, hour0
from .cargo import (
    convoys_per_round,
    convoys_per_round_one,
    destroy_left,
    final_convoy_groups,
    load,
    load_one,
    loading_hours,
    split_even,
    truckloads,
    truckloads_one,
)
from .counts import (
    POISSON_INVERSION_MAX,
    count_one,
    count_sum,
    hypergeometric_split,
    hypergeometric_split_one,
    poisson_by_inversion,
    poisson_count,
)
from .exits import Exit, ExitPlan, early_exit, early_exit_one, exit_plan, known, known_one
from .extraction import OUT_SHARES, out_columns, out_times, out_times_one
from .flights import Sortie, class_order, flies_cargo, road_cargo, self_propelled_units, sorties
from .people import (
    Occupancy,
    base_crews,
    base_seats,
    casualty_probabilities,
    convoy_passengers,
    dow_probability,
    final_convoy_groups_vec,
    people_model,
    pick_group,
    pick_group_one,
    seat,
    seat_one,
    seat_vehicles,
    seating_order,
)
from .road import (
    MAX_EVENTS_PER_SEGMENT,
    MAX_FACTOR,
    active_factors,
    capped_mean,
    drive_hours,
    escort_share,
    escort_share_one,
    segment_means,
    size_factor,
    stationary_mean,
)

__all__ = [
    "AIR_COVER_HORIZON_DAYS", "air_cover_last_day",
    "OUT_SHARES", "out_columns", "out_times", "out_times_one",
    "Occupancy", "base_crews", "base_seats", "casualty_probabilities", "convoy_passengers", "dow_probability",
    "final_convoy_groups_vec", "people_model", "pick_group", "pick_group_one", "seat", "seat_one",
    "seat_vehicles", "seating_order",
    "MAX_EVENTS_PER_SEGMENT", "MAX_FACTOR", "capped_mean", "stationary_mean",
    "CANCELLED", "GAVE_UP", "GRANTED", "POISSON_INVERSION_MAX", "ChainOutcomes", "Clock", "Exit", "ExitPlan",
    "PGrant", "Sortie", "active_factors", "advance", "chain", "class_order", "convoys_per_round",
    "convoys_per_round_one", "count_one", "count_sum", "day_index", "delay_sum", "destroy_left",
    "draw_delay", "drive_hours", "escort_share", "escort_share_one", "early_exit", "early_exit_one", "exit_plan", "final_convoy_groups",
    "flies_cargo", "hour0", "hypergeometric_split", "hypergeometric_split_one", "known", "known_one",
    "lift_needs_authorization", "load", "load_one", "loading_hours", "p_grant_at", "poisson_by_inversion",
    "poisson_count", "road_cargo", "segment_means", "self_propelled_units", "size_factor", "sorties",
    "split_even", "truckloads", "truckloads_one",
]
