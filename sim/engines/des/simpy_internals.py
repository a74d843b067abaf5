"""The SimPy internals this engine relies on, fenced in one module (SimPy 4).

The engine schedules events of its own and reuses them: an authorization chain reschedules one
event for every step, a loading team one event per truck, and decisions taken "late" at an instant
run at a priority after SimPy's ordinary events. That relies on three things SimPy does not promise
as public API, all used only here and checked by ``tests/engines/des/test_simpy_contract.py``:

- an ``Event`` whose private ``_ok`` and ``_value`` are set is triggered: ``env.schedule`` then
  processes it (its callbacks run) like one triggered by ``succeed``;
- after SimPy's ``step`` processes an event its ``callbacks`` is ``None``; giving it a new list and
  scheduling it again processes it again;
- events at the same time are processed by priority (``NORMAL`` = 1 before ``LATE`` = 2), then in
  the order they were scheduled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar, overload

import simpy
from simpy.events import NORMAL, EventPriority

LATE = EventPriority(2)
"""Event priority after SimPy's NORMAL (1): decisions taken once everything else at that instant ran."""

__all__ = ["LATE", "NORMAL", "OwnEvent", "late", "own_event", "reschedule"]

V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)
E = TypeVar("E", bound=simpy.Event)

if TYPE_CHECKING:
    class OwnEvent(simpy.Event, Generic[V_co]):
        """An ``own_event`` made with a value of type ``V_co``: its ``value`` is that value.

        A view for the type checker only: at run time ``OwnEvent`` is ``simpy.Event`` itself, so
        reading ``value`` costs what it always did."""

        @property
        def value(self) -> V_co: ...
else:
    OwnEvent = simpy.Event


@overload
def own_event(env: simpy.Environment) -> OwnEvent[None]: ...
@overload
def own_event(env: simpy.Environment, value: V) -> OwnEvent[V]: ...
def own_event(env: simpy.Environment, value: object = None) -> OwnEvent[object]:
    """An event already triggered ok with ``value``, which its maker schedules itself (``reschedule``
    or ``env.schedule``), once or, after each time it is processed, again."""
    ev: OwnEvent[object] = OwnEvent(env)
    ev._ok, ev._value = True, value
    return ev


def reschedule(env: simpy.Environment, ev: E, callback: Callable[[E], None],
               delay: float, priority: EventPriority = NORMAL) -> None:
    """Process ``ev`` (an ``own_event``) again after ``delay`` hours, running only ``callback``."""
    ev.callbacks = [callback]
    env.schedule(ev, priority, delay)


def late(env: simpy.Environment, delay: float = 0.0, rank: float = 0.0) -> simpy.Event:
    """An event processed after all ordinary events of its instant (ties ordered by ``rank`` < 1)."""
    ev = own_event(env)
    env.schedule(ev, LATE + rank, delay)  # type: ignore[arg-type]  # SimPy types priorities int; any orderable number works
    return ev
