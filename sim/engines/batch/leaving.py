"""Final convoys and destruction of every base, every replication at once (MODEL.md §7)."""

from __future__ import annotations

import numpy as np

from sim.model import rules

from .flights import BaseFlights
from .road import Roads
from .state import BlockPlan, Loads, Tally


def leave(plan: BlockPlan, b: int, exits: rules.Exit, flights: BaseFlights, loads: Loads, road: Roads,
          tally: Tally) -> np.ndarray:
    """Final convoys and destruction of base ``b``; returns the exit time per replication."""
    sc = plan.sc
    base = sc.bases[plan.bases[b]]
    n_reps = tally.n_reps
    rows = np.arange(n_reps)
    leave_by = exits.leave_by_hours[:, b]
    cutoff = exits.cutoff_hours[:, b]
    never = np.full(n_reps, np.inf)

    # what is left at the cut-off
    left = {}
    for c in plan.truck_classes:
        pool_end = plan.road_start[c][b] + flights.gave_up_by(c, rows, never) - loads.loaded[c][:, b]
        left[c] = pool_end + flights.cancelled_units.get(c, 0)
    empty = np.ones(n_reps, dtype=bool)
    for units in left.values():
        empty &= units == 0
    t_empty = np.maximum.reduce([np.full(n_reps, plan.withdraw_from_hours[b]),
                                 loads.last_load_end_hours[:, b], flights.last_resolved_hours])
    depart0 = np.minimum(leave_by, np.where(empty, t_empty, np.inf))

    # destruction with the team-hours between the cut-off and the departure deadline
    destroyed, abandoned, handed = rules.destroy_left(sc, left, base.destruction.teams * (leave_by - cutoff))
    for c in plan.truck_classes:
        tally.fate(c, "destroyed")[:, b] += destroyed[c]
        tally.fate(c, "abandoned")[:, b] += abandoned[c]
        tally.fate(c, "handed_over")[:, b] += handed[c]

    # final convoys: self-propelled units split evenly, filled by class in priority order
    sp = rules.self_propelled_units(sc, base)
    convoys = rules.final_convoy_groups([sp[c] for c in plan.sp_classes], sc.convoy.max_vehicles)
    people = base.personnel - tally.counts["personnel_air"][:, b]
    if not convoys:
        return depart0
    n_convoys = len(convoys)
    spacing = sc.convoy.min_spacing_hours
    killed_people = np.zeros(n_reps, dtype=np.int64)
    for i, sizes in enumerate(convoys):
        groups = [np.full(n_reps, take, dtype=np.int64) for take in sizes]
        aboard = [g.copy() for g in groups]
        personnel = np.array(rules.split_even(people, n_convoys, i), dtype=np.int64)  # a copy: drive lowers it
        depart = depart0 + i * spacing
        leg = road.drive(rows, depart, np.full(n_reps, b), False, groups, [1] * len(groups), aboard,
                         sc.convoy.final_convoy_escorted, sc.convoy.final_convoy_armoured,
                         personnel=personnel, final=True)
        tally.add_leg(rows, np.full(n_reps, b), leg, depart)
        tally.counts["convoys"][:, b] += 1
        killed_people += leg.killed
        for ic, c in enumerate(plan.sp_classes):
            tally.fate(c, "lost")[:, b] += leg.lost[ic]
            tally.fate(c, "road")[:, b] += aboard[ic]
        tally.last_arrival_hours[:, b] = np.maximum(tally.last_arrival_hours[:, b], leg.arrive_hours)
    tally.counts["personnel_killed"][:, b] = killed_people
    tally.counts["personnel_road"][:, b] = people - killed_people
    return depart0 + (n_convoys - 1) * spacing
