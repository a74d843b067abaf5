"""The SimPy behaviour the engine relies on (sim/engines/des/simpy_internals.py), checked against the
installed SimPy: if a release changes any of it, these fail before the engine goes wrong."""

from __future__ import annotations

import simpy
from simpy.events import NORMAL

from sim.engines.des.simpy_internals import LATE, late, own_event, reschedule


def test_simpy_major_version() -> None:
    assert simpy.__version__.split(".")[0] == "4"


def test_own_event_is_processed_when_scheduled() -> None:
    env = simpy.Environment()
    ev = own_event(env, value="team")
    seen: list[tuple[float, object]] = []
    ev.callbacks.append(lambda e: seen.append((env.now, e.value)))
    env.schedule(ev, NORMAL, 3.0)
    env.run()
    assert seen == [(3.0, "team")]
    assert ev.triggered and ev.ok and ev.processed


def test_a_processed_event_can_be_rescheduled_again_and_again() -> None:
    env = simpy.Environment()
    ev = own_event(env)
    times: list[float] = []

    def step(e: simpy.Event) -> None:
        times.append(env.now)
        assert e.callbacks is None  # SimPy's step cleared them before running ours
        if len(times) < 4:
            reschedule(env, e, step, 1.5)

    reschedule(env, ev, step, 1.0)
    env.run()
    assert times == [1.0, 2.5, 4.0, 5.5]


def test_a_process_can_wait_on_an_own_event() -> None:
    env = simpy.Environment()
    ev = own_event(env, value=7)
    got: list[object] = []

    def proc() -> simpy.events.ProcessGenerator:
        got.append((yield ev))

    env.process(proc())
    env.schedule(ev, NORMAL, 2.0)
    env.run()
    assert got == [7] and env.now == 2.0


def test_late_events_run_after_ordinary_ones_at_the_same_time_in_rank_order() -> None:
    env = simpy.Environment()
    order: list[str] = []
    for name, rank in (("late-b", 0.5), ("late-a", 0.25)):
        late(env, 1.0, rank).callbacks.append(lambda e, n=name: order.append(n))
    env.timeout(1.0).callbacks.append(lambda e: order.append("timeout"))
    env.run()
    assert order == ["timeout", "late-a", "late-b"]
    assert LATE > NORMAL


def test_same_time_same_priority_in_scheduling_order() -> None:
    env = simpy.Environment()
    order: list[int] = []
    for i in range(5):
        ev = own_event(env)
        ev.callbacks.append(lambda e, i=i: order.append(i))
        env.schedule(ev, NORMAL, 1.0)
    env.run()
    assert order == [0, 1, 2, 3, 4]


def test_resource_grants_in_request_order() -> None:
    """Loading teams (a Resource) are granted first come, first served."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=1)
    order: list[int] = []

    def user(i: int) -> simpy.events.ProcessGenerator:
        with res.request() as req:
            yield req
            order.append(i)
            yield env.timeout(1.0)

    for i in range(3):
        env.process(user(i))
    env.run()
    assert order == [0, 1, 2]
