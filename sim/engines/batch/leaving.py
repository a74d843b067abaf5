"""Final convoys and destruction of every base, every replication at once (MODEL.md §7)."""

from __future__ import annotations

import numpy as np

from sim.model import rules

from .flights import BaseFlights
from .people import OccupantArrays
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
    people = base.personnel - tally.counts["personnel_air"][:, b]
    if rules.people_model(sc):
        return _people_convoys(plan, b, people, depart0, road, tally)
    sp = rules.self_propelled_units(sc, base)
    convoys = rules.final_convoy_groups([sp[c] for c in plan.sp_classes], sc.convoy.max_vehicles)
    if not convoys:
        return depart0
    n_convoys = len(convoys)
    spacing = sc.convoy.min_spacing_hours
    killed_people = np.zeros(n_reps, dtype=np.int64)
    for i, sizes in enumerate(convoys):
        groups = [np.full(n_reps, take, dtype=np.int64) for take in sizes]
        aboard = [g.copy() for g in groups]
        personnel = np.array(rules.split_even(people, n_convoys, i), dtype=np.int64)  # a copy: drive lowers it
        start = personnel.copy()
        depart = depart0 + i * spacing
        leg = road.drive(rows, depart, np.full(n_reps, b), False, groups, [1] * len(groups), aboard,
                         sc.convoy.final_convoy_escorted, sc.convoy.final_convoy_armoured,
                         personnel=personnel, final=True)
        tally.add_leg(rows, np.full(n_reps, b), leg, depart)
        tally.counts["convoys"][:, b] += 1
        killed_people += start - personnel
        for ic, c in enumerate(plan.sp_classes):
            tally.fate(c, "lost")[:, b] += leg.lost[ic]
            tally.fate(c, "road")[:, b] += aboard[ic]
        tally.out(b, rows, leg.arrive_hours, people=personnel, cargo=sum(aboard, np.zeros(n_reps, dtype=np.int64)))
        tally.last_arrival_hours[:, b] = np.maximum(tally.last_arrival_hours[:, b], leg.arrive_hours)
    tally.counts["personnel_killed"][:, b] = killed_people
    tally.counts["personnel_road"][:, b] = people - killed_people
    return depart0 + (n_convoys - 1) * spacing


def _people_convoys(plan: BlockPlan, b: int, people: np.ndarray, depart0: np.ndarray, road: Roads,
                    tally: Tally) -> np.ndarray:
    """The final convoys of the people model (MODEL.md §10): the seat vehicles the passengers need,
    the convoys (their number may differ by replication), and who rides in each. Returns the exit
    time per replication."""
    sc = plan.sc
    spec = sc.bases[plan.bases[b]]
    vt = sc.vehicle_types
    n_reps = tally.n_reps
    sp = rules.self_propelled_units(sc, spec)
    units = [sp[c] for c in plan.sp_classes]
    types = [sc.cargo_classes[c].vehicle_type or "" for c in plan.sp_classes]
    seat_type = spec.seat_vehicle_type
    set_types = types + ([seat_type] if seat_type is not None else [])
    seats_per_set = [vt[t].seats for t in set_types]
    military_crew = [vt[t].crew if vt[t].crew_kind == "military" else 0 for t in types]
    passengers = people - rules.base_crews(sc, spec)
    extra = np.zeros(n_reps, dtype=np.int64)
    if seat_type is not None:
        extra = np.asarray(rules.seat_vehicles(passengers, rules.base_seats(sc, spec), vt[seat_type].seats),
                           dtype=np.int64)
        tally.counts["seat_vehicles"][:, b] += extra
    k, convoys = rules.final_convoy_groups_vec(units, extra, sc.convoy.max_vehicles)
    if seat_type is None:
        convoys = [groups[:-1] for groups in convoys]  # no seat vehicles: the extra set is always empty
    seats = [sum((g * s for g, s in zip(groups, seats_per_set, strict=True)), np.zeros(n_reps, dtype=np.int64))
             for groups in convoys]
    riding = rules.convoy_passengers(seats, passengers)
    spacing = sc.convoy.min_spacing_hours
    n_sp = len(plan.sp_classes)
    for i, groups_all in enumerate(convoys):
        sel = np.flatnonzero(i < k)
        if sel.size == 0:
            continue
        groups = [np.asarray(g, dtype=np.int64)[sel].copy() for g in groups_all]
        aboard: list[np.ndarray | None] = [*(g.copy() for g in groups[:n_sp]), *([None] * (len(groups) - n_sp))]
        pas = np.asarray(riding[i], dtype=np.int64)[sel]
        crews = sum((g * c for g, c in zip(groups, military_crew, strict=False)), np.zeros(sel.size, dtype=np.int64))
        occ = OccupantArrays.seated(sc, list(zip(set_types, groups, strict=True)), pas, n_sp, sel.size)
        depart = depart0[sel] + i * spacing
        base_idx = np.full(sel.size, b)
        leg = road.drive(sel, depart, base_idx, False, groups, [1] * len(groups), aboard, True,
                         sc.convoy.final_convoy_armoured, final=True, occupants=occ)
        tally.add_leg(sel, base_idx, leg, depart)
        tally.counts["convoys"][sel, b] += 1
        for ic, c in enumerate(plan.sp_classes):
            tally.fate(c, "lost")[sel, b] += leg.lost[ic]
            tally.fate(c, "road")[sel, b] += aboard[ic]
        killed = leg.base_killed if leg.base_killed is not None else np.zeros(sel.size, dtype=np.int64)
        flown = leg.base_flown if leg.base_flown is not None else np.zeros(sel.size, dtype=np.int64)
        tally.counts["personnel_killed"][sel, b] += killed
        tally.counts["personnel_medevac"][sel, b] += flown
        tally.counts["personnel_road"][sel, b] += pas + crews - killed - flown
        sp_arrived = sum((a for a in aboard[:n_sp] if a is not None), np.zeros(sel.size, dtype=np.int64))
        tally.out(b, sel, leg.arrive_hours, people=pas + crews - killed, cargo=sp_arrived)
        tally.last_arrival_hours[sel, b] = np.maximum(tally.last_arrival_hours[sel, b], leg.arrive_hours)
    return depart0 + np.maximum(k - 1, 0) * spacing
