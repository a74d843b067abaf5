"""A base's withdrawal (MODEL.md §1, §7): early exit, cut-off, destruction, final convoys."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model import rules

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
    convoys = static.final_convoys[b.name]
    people = base.personnel - b.counts["personnel_air"]
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


def final_convoy(
    rep: Replication, b: BaseState, i: int, groups: list[int], personnel: int, depart_hours: float
) -> Generator[simpy.Event, object, None]:
    """Final convoy ``i``: self-propelled units and personnel, base → hub."""
    env, static = rep.env, rep.static
    sc = static.sc
    if depart_hours > env.now:
        yield env.timeout(depart_hours - env.now)
    if rep.recorder is not None:
        rep.recorder.event(env.now, "final_departure", b.name, None, f"{b.name}/final/c{i}",
                           detail=f"vehicles={sum(groups)} personnel={personnel}")
    b.counts["convoys"] += 1
    cv = ConvoyState(f"{b.name}/final/c{i}", "final", "", b, list(groups), [1] * len(groups), list(groups),
                sc.convoy.final_convoy_escorted, sc.convoy.final_convoy_armoured, personnel=personnel,
                n_trucks=[False] * len(groups))
    yield from convoy(rep, cv, static.routes[b.name], False)
    for ic, c in enumerate(static.sp_classes):
        b.add_fate(c, "lost", cv.lost[ic])
        b.add_fate(c, "road", cv.aboard[ic] or 0)  # a final convoy's groups all carry units: never None
    b.counts["personnel_killed"] += cv.killed_aboard
    b.counts["personnel_road"] += personnel - cv.killed_aboard
    b.last_arrival_hours = max(b.last_arrival_hours, env.now)

