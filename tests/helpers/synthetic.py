"""Small synthetic result tables with the exact engine schemas, for chart/report/animation tests.

Plausible numbers from a fixed-seed generator; no engine involved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.network import routes
from sim.model.outcomes import (
    BASE_COUNTS,
    OUT_TIMES,
    TRACE_EVENT_COLUMNS,
    TRACE_LEG_COLUMNS,
    base_columns,
    finish_bases,
    roll_up,
)
from sim.model.schema import FATES, Scenario


def fake_bases(sc: Scenario, replications: int = 40, seed: int = 1) -> pd.DataFrame:
    """A bases table (``outcomes.base_columns``) with cargo conserved per class."""
    rng = np.random.default_rng(seed)
    rows = []
    deadline = sc.hours(sc.calendar.deadline)
    for r in range(replications):
        for name, b in sc.bases.items():
            lb = sc.hours(b.leave_by)
            forced = bool(rng.random() < 0.4)
            leave = lb - rng.uniform(24, 200) if forced else lb
            exit_h = leave - rng.uniform(0, 24)
            arrival = min(exit_h + rng.uniform(15, 60), deadline + 200)
            row = {"point": 0, "replication": r, "base": name, "forced_early": forced,
                   "exit_hours": exit_h, "leave_by_hours": leave, "last_arrival_hours": arrival,
                   "road_hours": rng.uniform(50, 300)}
            row.update({c: int(rng.poisson(2.0)) for c in BASE_COUNTS})
            flown = exit_h - rng.uniform(24, 300)  # the flights' share first, the rest on arrival
            row.update({c: (flown if "_out_10_" in c else arrival) for c in OUT_TIMES})
            n_air = int(rng.binomial(b.personnel_air_planned, 0.2))
            row["personnel_air"] = n_air
            row["personnel_killed"] = min(row["killed"], b.personnel - n_air)
            row["personnel_road"] = b.personnel - n_air - row["personnel_killed"]
            for c in sc.cargo_classes:
                units = b.cargo.get(c, 0)
                split = rng.multinomial(units, [0.6, 0.05, 0.15, 0.05, 0.1, 0.05])
                row.update({f"cargo_{c}_{f}": float(v) for f, v in zip(FATES, split, strict=True)})
            rows.append(row)
    df = pd.DataFrame(rows)
    df["destroyed_value_usd"] = 0.0
    df["abandoned_value_usd"] = 0.0
    if sc.security is not None:  # days in each regime: an even split of the run, the same on every base
        days = sc.hours(sc.calendar.deadline) / 24.0
        for regime in sc.security.regimes:
            df[f"security_{regime}_days"] = days / len(sc.security.regimes)
    return finish_bases(sc, df[base_columns(sc)])


def fake_runs(sc: Scenario, bases: pd.DataFrame) -> pd.DataFrame:
    return roll_up(sc, bases)


def fake_trace(sc: Scenario, seed: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(legs, events) of one run: two shuttle rounds and a final convoy per base."""
    rng = np.random.default_rng(seed)
    legs, events = [], []
    convoy = 0
    for base, segs in routes(sc).items():
        b = sc.bases[base]
        t = sc.hours(b.withdraw_from) + 10.0
        plans = [("outbound", list(reversed([(s.b, s.a, s.km) for s in segs]))),
                 ("return", [(s.a, s.b, s.km) for s in segs])] * 2 + [("final", [(s.a, s.b, s.km) for s in segs])]
        for i, (kind, path) in enumerate(plans):
            if kind == "outbound" or kind == "final":
                convoy += 1
            if kind == "final":
                t = max(t, sc.hours(b.leave_by) - 30.0)
            for j, (a, bb, km) in enumerate(path):
                halt = float(rng.choice([0.0, 12.0]))
                dur = km / 20.0 + halt
                legs.append({"replication": 0, "convoy": convoy, "lift": "" if kind == "final" else "lift",
                             "base": base, "kind": kind, "leg": j, "a": a, "b": bb, "km": km,
                             "depart_hours": t, "arrive_hours": t + dur, "vehicles": 40, "trucks": 36,
                             "escorts": 4, "personnel": 300 if kind == "final" else 0,
                             "ied_strikes": 0, "ambushes": 0, "breakdowns": 0, "halt_hours": halt})
                for k in ("ied", "ambush", "breakdown"):
                    if rng.random() < 0.35:
                        legs[-1][{"ied": "ied_strikes", "ambush": "ambushes", "breakdown": "breakdowns"}[k]] += 1
                        at = t + rng.uniform(0, dur)
                        events.append({"replication": 0, "time_hours": at, "kind": k,
                                       "base": base, "lift": legs[-1]["lift"], "convoy": convoy,
                                       "segment": f"{a}-{bb}", "km_along": km * (at - t) / dur, "vehicles_destroyed": int(k != "breakdown"),
                                       "wounded": 2, "killed": 0, "delay_hours": 3.0, "detail": ""})
                t += dur
            t += 6.0 if i % 2 == 0 else 2.0
    return pd.DataFrame(legs, columns=list(TRACE_LEG_COLUMNS)), pd.DataFrame(events, columns=list(TRACE_EVENT_COLUMNS))
