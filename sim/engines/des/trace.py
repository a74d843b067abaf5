"""The event log and convoy legs of one replication (``withdrawal-sim trace``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.model import outcomes
from sim.model.network import Segment
from sim.model.schema import Scenario

from .engine import run_replication, table
from .road import ConvoyState
from .state import Replication, Static


@dataclass
class Trace:
    """One replication: its per-base table, its events and its convoy legs."""

    bases: pd.DataFrame
    events: pd.DataFrame
    legs: pd.DataFrame


class Recorder:
    """Collects events and legs as plain rows; position draws use only the stream ``trace``."""

    def __init__(self, replication: int) -> None:
        self.replication = replication
        self.events: list[dict] = []
        self.legs: list[dict] = []

    def event(self, t: float, kind: str, base: str | None, lift: str | None, convoy: str | None,
              segment: str | None = None, vd: int = 0, w: int = 0, k: int = 0, dh: float = 0.0,
              detail: str = "", km_along: float = float("nan")) -> None:
        self.events.append({
            "replication": self.replication, "time_hours": float(t), "kind": kind, "base": base or "",
            "lift": lift or "", "convoy": convoy or "", "segment": segment or "",
            "km_along": float(km_along),
            "vehicles_destroyed": int(vd), "wounded": int(w), "killed": int(k),
            "delay_hours": float(dh), "detail": detail,
        })

    def regimes(self, rep: Replication) -> None:
        """Each regime change (MODEL.md §15) up to the replication's end (its last event), as an
        event ``regime`` whose detail is the new regime; put before the events recorded so far, so
        that an event at the time of a change comes after it (the regime at ``t`` includes a change
        at ``t``)."""
        r = rep.regimes
        if r is None:
            return
        end = rep.env.now
        names = r.plan.names
        mark = len(self.events)
        for t, k in zip(r.times[1:], r.regs[1:], strict=True):
            if t > end:
                break
            self.event(t, "regime", None, None, None, detail=names[k])
        changes = self.events[mark:]
        del self.events[mark:]
        self.events[:0] = changes

    def incident(self, rep: Replication, t: float, drive_hours: float, kind: str, cv: ConvoyState,
                 seg: Segment, toward: bool, vd: int, w: int, k: int, dh: float) -> None:
        """An IED, ambush or breakdown at a random point of the segment's drive: one uniform ``u`` from
        the stream ``trace`` places it ``u`` of the way through the drive hours (speed is constant on a
        segment) and so ``u · km`` from the segment's start in the direction of travel."""
        a, b = (seg.b, seg.a) if toward else (seg.a, seg.b)
        u = float(rep.streams["trace"].random())
        at = rep.static.advance(t, u * drive_hours)
        self.event(at, kind, cv.base.name, cv.lift, cv.ident, f"{a}-{b}", vd, w, k, dh, detail=cv.kind,
                   km_along=u * seg.km)

    def leg(self, rep: Replication, cv: ConvoyState, j: int, seg: Segment, toward: bool, depart: float,
            arrive: float, groups: list[int], ied: int, amb: int, bd: int, drive: float,
            delay: float) -> None:
        """Segment ``j`` of a convoy's drive; vehicle counts as at the segment start."""
        a, b = (seg.b, seg.a) if toward else (seg.a, seg.b)
        trucks = sum(g for g, is_truck in zip(groups, cv.n_trucks, strict=True) if is_truck)
        escorts = groups[0] if cv.kind != "final" else 0
        self.legs.append({
            "replication": self.replication, "convoy": cv.ident, "lift": cv.lift, "base": cv.base.name,
            "kind": cv.kind, "leg": j, "a": a, "b": b, "km": seg.km, "depart_hours": depart,
            "arrive_hours": arrive, "vehicles": sum(groups), "trucks": trucks, "escorts": escorts,
            "personnel": cv.personnel_at_start if cv.personnel is not None else 0,
            "ied_strikes": ied, "ambushes": amb, "breakdowns": bd,
            "halt_hours": max(0.0, arrive - depart - drive - delay),  # float noise aside
        })


def trace(sc: Scenario, seed: int, replication: int = 0) -> Trace:
    """Run one replication with its event log and convoy legs."""
    rec = Recorder(replication)
    rows, rep = run_replication(Static(sc), seed, replication, recorder=rec)
    rec.regimes(rep)
    bases = table(sc, rows)
    events = pd.DataFrame(rec.events, columns=list(outcomes.TRACE_EVENT_COLUMNS))
    events = events.sort_values("time_hours", kind="stable").reset_index(drop=True)
    legs = pd.DataFrame(rec.legs, columns=list(outcomes.TRACE_LEG_COLUMNS))
    legs = legs.sort_values(["depart_hours", "convoy", "leg"], kind="stable").reset_index(drop=True)
    return Trace(bases, events, legs)
