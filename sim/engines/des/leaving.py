"""A base's withdrawal (MODEL.md §1, §7): early exit, cut-off, destruction, final convoys."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model import rules

from .people import Occupants
from .road import ConvoyState, convoy
from .state import BaseState, Replication


def early_exit(rep: Replication, b: BaseState) -> Generator[simpy.Event, object, None]:
    """Security pressure: at the trigger the base learns its new leave-by and cut-off."""
    env = rep.env
    if b.trigger_hours > env.now:
        yield env.timeout(b.trigger_hours - env.now)
    if rep.recorder is not None:
        rep.recorder.event(b.trigger_hours, "early_exit", b.name, None, None,
                           detail=f"leave_by={b.leave_by_hours:.2f} cutoff={b.cutoff_hours:.2f}")


def base_withdrawal(rep: Replication, b: BaseState) -> Generator[simpy.Event, object, None]:
    """Wait for the cut-off or an empty base, destroy what is left, leave in the final convoys."""
    env, static = rep.env, rep.static
    sc = static.sc
    base = static.specs[b.name]
    rec = rep.recorder
    cargo_done = b.cargo_done
    if cargo_done is None:
        raise RuntimeError(f"base {b.name} has no cargo_done event (engine.build makes it)")
    b.check_done()
    if not cargo_done.triggered:
        yield env.any_of([env.timeout(max(0.0, b.cutoff_hours - env.now)), cargo_done])
    if cargo_done.triggered:
        # empty: leave once withdrawn, loaded and every flight chain resolved, or at leave-by
        waits = [env.timeout(max(0.0, static.withdraw_from[b.name] - env.now))]
        waits += [p for p in b.loads_pending + b.personnel_chains if not p.processed]
        yield env.any_of([env.timeout(max(0.0, b.leave_by_hours - env.now)), env.all_of(waits)])
        depart = min(env.now, b.leave_by_hours)
    else:
        left = {c: b.pool[c] + b.open_cargo[c] for c in static.truck_classes}
        if rec is not None:
            rec.event(env.now, "cutoff", b.name, None, None,
                      detail=" ".join(f"{c}={u}" for c, u in left.items()))
        budget = base.destruction.teams * (b.leave_by_hours - b.cutoff_hours)
        destroyed, abandoned, handed = static.destroy_left(left, budget)
        for c in static.truck_classes:
            b.add_fate(c, "destroyed", destroyed[c])
            b.add_fate(c, "abandoned", abandoned[c])
            b.add_fate(c, "handed_over", handed[c])
        if rec is not None:
            rec.event(env.now, "destruction", b.name, None, None, detail=" ".join(
                f"{c}:destroyed={destroyed[c]},abandoned={abandoned[c]},handed_over={handed[c]}"
                for c in static.truck_classes))
        if b.leave_by_hours > env.now:
            yield env.timeout(b.leave_by_hours - env.now)
        depart = b.leave_by_hours
    people = base.personnel - b.counts["personnel_air"]
    if static.people:
        yield from _people_convoys(rep, b, people, depart)
        return
    convoys = static.final_convoys[b.name]
    if not convoys:
        b.exit_hours = depart
        return
    k = len(convoys)
    spacing = sc.convoy.min_spacing_hours
    b.exit_hours = depart + (k - 1) * spacing
    procs = []
    for i, groups in enumerate(convoys):
        personnel = int(rules.split_even(people, k, i))
        procs.append(env.process(final_convoy(rep, b, i, groups, personnel, depart + i * spacing)))
    yield env.all_of(procs)


def _people_convoys(rep: Replication, b: BaseState, people: int, depart: float) -> Generator[simpy.Event, object, None]:
    """The final convoys of the people model (MODEL.md §10): the seat vehicles the passengers need,
    the convoys, and the passengers of each."""
    env, static = rep.env, rep.static
    sc = static.sc
    plan = static.final_people[b.name]
    passengers = people - plan.crews
    units = list(plan.units)
    if plan.seat_type is not None:
        extra = int(rules.seat_vehicles(passengers, plan.seats, plan.seat_vehicle_seats))
        b.counts["seat_vehicles"] += extra
        units.append(extra)
    convoys = rules.final_convoy_groups(units, sc.convoy.max_vehicles)
    if not convoys:
        b.exit_hours = depart
        return
    seats = [sum(n * s for n, s in zip(groups, plan.seats_per_set, strict=True)) for groups in convoys]
    aboard = rules.convoy_passengers(seats, passengers)
    k = len(convoys)
    spacing = sc.convoy.min_spacing_hours
    b.exit_hours = depart + (k - 1) * spacing
    procs = []
    for i, groups in enumerate(convoys):
        crews = sum(n * c for n, c in zip(groups, plan.military_crew_per_set, strict=False))
        procs.append(env.process(final_convoy(rep, b, i, groups, int(aboard[i]) + crews, depart + i * spacing,
                                              passengers=int(aboard[i]))))
    yield env.all_of(procs)


def final_convoy(
    rep: Replication, b: BaseState, i: int, groups: list[int], personnel: int, depart_hours: float,
    passengers: int | None = None,
) -> Generator[simpy.Event, object, None]:
    """Final convoy ``i``: self-propelled units (and, in the people model, the seat vehicles as the
    last set) and personnel, base → hub."""
    env, static = rep.env, rep.static
    sc = static.sc
    if depart_hours > env.now:
        yield env.timeout(depart_hours - env.now)
    if rep.recorder is not None:
        rep.recorder.event(env.now, "final_departure", b.name, None, f"{b.name}/final/c{i}",
                           detail=f"vehicles={sum(groups)} personnel={personnel}")
    b.counts["convoys"] += 1
    n_sp = len(static.sp_classes)
    occ = None
    escorts = [False] * len(groups)
    if passengers is not None:
        plan = static.final_people[b.name]
        sets = [(t, n) for t, n in zip(plan.set_types, groups, strict=True)]
        occ = Occupants.seated(static.type_info, static.seating_order, sc.vehicle_types, sets, passengers, n_sp)
        escorts = [static.type_info[t].escort for t in plan.set_types]
    aboard: list[int | None] = [*groups[:n_sp], *([None] * (len(groups) - n_sp))]
    escorted = sc.convoy.final_convoy_escorted if occ is None else any(n and e for n, e in zip(groups, escorts, strict=True))
    cv = ConvoyState(f"{b.name}/final/c{i}", "final", "", b, list(groups), [1] * len(groups), aboard,
                     escorted, sc.convoy.final_convoy_armoured, personnel=personnel,
                     n_trucks=[False] * len(groups), escort_sets=escorts, occupants=occ)
    yield from convoy(rep, cv, static.routes[b.name], False)
    for ic, c in enumerate(static.sp_classes):
        b.add_fate(c, "lost", cv.lost[ic])
        b.add_fate(c, "road", cv.aboard[ic] or 0)  # a final convoy's sets of units all carry: never None
    killed = cv.killed_aboard if occ is None else cv.base_killed
    b.counts["personnel_killed"] += killed
    b.counts["personnel_medevac"] += cv.base_flown
    b.counts["personnel_road"] += personnel - killed - cv.base_flown
    b.last_arrival_hours = max(b.last_arrival_hours, env.now)
    b.out_people.append((env.now, personnel - killed))  # arrived, or flown out by medevac (MODEL.md §8)
    b.out_cargo.append((env.now, sum(cv.aboard[ic] or 0 for ic in range(n_sp))))
