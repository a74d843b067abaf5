"""Convoy timeline: a Gantt chart of one traced run, rows by base, calendar dates on the x axis."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from sim.report.plots.style import (
    EVENT_STYLE,
    OKABE_ITO,
    STORY_STYLE,
    date_axis,
    hours_to_num,
    new_axes,
    styled,
)

LEG_COLOURS: dict[str, str] = {
    "outbound": OKABE_ITO["sky_blue"],
    "return": OKABE_ITO["blue"],
    "final": OKABE_ITO["bluish_green"],
}
"""Leg kinds of ``outcomes.TRACE_LEG_COLUMNS``; other kinds get the next palette colours."""
_SPARE = [OKABE_ITO["orange"], OKABE_ITO["reddish_purple"], OKABE_ITO["yellow"]]


def convoy_lanes(legs: pd.DataFrame) -> dict[tuple[str, object], int]:
    """Lane of each (base, convoy) within its base's row: first lane free at the convoy's start."""
    spans = (legs.groupby(["base", "convoy"], sort=False)
             .agg(t0=("depart_hours", "min"), t1=("arrive_hours", "max")).reset_index()
             .sort_values(["base", "t0", "convoy"], kind="stable"))
    lanes: dict[tuple[str, object], int] = {}
    for base, grp in spans.groupby("base", sort=False):
        ends: list[float] = []
        for convoy, t0, t1 in zip(grp["convoy"], grp["t0"], grp["t1"], strict=True):
            for i, end in enumerate(ends):
                if end <= t0:
                    ends[i] = t1
                    lanes[(str(base), convoy)] = i
                    break
            else:
                ends.append(t1)
                lanes[(str(base), convoy)] = len(ends) - 1
    return lanes


def story_events(events: pd.DataFrame | None) -> pd.DataFrame:
    """The trace events of a base's story other than road incidents, one row each: ``time_hours``,
    ``row`` (the base, or ``<lift> (road)`` for a lift's road-movement requests) and ``style`` (a key
    of ``STORY_STYLE``)."""
    cols = ["time_hours", "row", "style"]
    if events is None or events.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for e in events.itertuples(index=False):
        t = float(e.time_hours)  # type: ignore[arg-type]  # itertuples fields are untyped
        kind, detail = str(e.kind), str(getattr(e, "detail", "") or "")
        ok = detail.startswith("granted")
        base = "" if e.base is None or (isinstance(e.base, float) and np.isnan(e.base)) else str(e.base)
        if kind == "flight_request" and base:
            out.append((t, base, "flight_granted" if ok else "flight_refused"))
        elif kind == "road_request":
            lift = "" if e.lift is None or (isinstance(e.lift, float) and np.isnan(e.lift)) else str(e.lift)
            row = base or f"{lift or 'road'} (road)"
            out.append((t, row, "road_granted" if ok else "road_refused"))
        elif kind in STORY_STYLE and base:
            out.append((t, base, kind))
    return pd.DataFrame(out, columns=cols)


@styled
def plot_timeline(
    legs: pd.DataFrame,
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
    *,
    start: dt.datetime,
    deadline_hours: float | None = None,
    leave_by_hours: Mapping[str, float] | None = None,
) -> Axes:
    """Gantt chart of a trace's convoy legs, one row per base, convoys in lanes within the row.

    ``legs`` has ``outcomes.TRACE_LEG_COLUMNS``; each leg is a bar coloured by its kind
    (outbound, return, final), its halt time (``halt_hours``: daylight waits and attack delays) drawn
    hatched at the end of the bar (the trace records how long a leg halted, not where). ``events``
    (``outcomes.TRACE_EVENT_COLUMNS``) adds IED strikes, ambushes and breakdowns as markers on the
    convoy's lane. ``leave_by_hours`` (base → hours) draws each base's leave-by as a dashed tick on
    its row; ``deadline_hours`` a red line across. Hours are from ``start`` (the scenario's
    ``calendar.start``); the axis shows calendar dates.
    """
    story = story_events(events)
    bases = list(dict.fromkeys(legs["base"].astype(str)))
    bases += [b for b in dict.fromkeys(story["row"]) if b not in bases and not b.endswith(" (road)")]
    if events is not None and len(events):
        events = events[events["kind"].astype(str).isin(list(EVENT_STYLE))]
        events = events[events["base"].notna() & (events["base"].astype(str) != "")]
        bases += [b for b in dict.fromkeys(events["base"].astype(str)) if b not in bases]
    if leave_by_hours:
        bases += [b for b in leave_by_hours if b not in bases]
    bases += [b for b in dict.fromkeys(story["row"]) if b not in bases]
    ax = new_axes(ax, (11.0, max(4.5, 1.5 + 0.9 * len(bases))))
    row = {b: i for i, b in enumerate(bases)}
    lanes = convoy_lanes(legs.assign(base=legs["base"].astype(str))) if len(legs) else {}
    n_lanes = {b: 1 + max([v for (bb, _), v in lanes.items() if bb == b], default=0) for b in bases}
    n_lanes.update({b: n_lanes.get(b, 1) for b in bases})
    height = 0.8

    def lane_y(base: str, convoy: object) -> tuple[float, float]:
        n = n_lanes[base]
        h = height / n
        i = lanes.get((base, convoy), 0)
        return row[base] - height / 2 + i * h, h

    colours = dict(LEG_COLOURS)
    for k in dict.fromkeys(legs["kind"].astype(str)):
        if k not in colours:
            colours[k] = _SPARE[(len(colours) - len(LEG_COLOURS)) % len(_SPARE)]
    kinds_seen: list[str] = []
    halts = False
    for leg_base, leg_kind, convoy, depart, arrive, halt_hours in zip(
            legs["base"], legs["kind"], legs["convoy"], legs["depart_hours"], legs["arrive_hours"],
            legs["halt_hours"], strict=True):
        base, kind = str(leg_base), str(leg_kind)
        y0, h = lane_y(base, convoy)
        x0 = float(hours_to_num(start, depart))
        dur = max(float(arrive) - float(depart), 0.0) / 24.0
        halt = min(max(float(halt_hours), 0.0) / 24.0, dur)
        ax.broken_barh([(x0, dur)], (y0 + 0.06 * h, 0.88 * h), facecolors=colours[kind],
                       edgecolor="white", linewidth=0.4)
        if halt > 0:
            halts = True
            ax.broken_barh([(x0 + dur - halt, halt)], (y0 + 0.06 * h, 0.88 * h), facecolors="none",
                           edgecolor="#333333", hatch="///", linewidth=0)
        if kind not in kinds_seen:
            kinds_seen.append(kind)
    handles: list = [Patch(facecolor=colours[k], label=f"{k} leg") for k in kinds_seen]
    if halts:
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="///", label="halt time"))

    if events is not None and len(events):
        for kind, style in EVENT_STYLE.items():
            ev = events[events["kind"].astype(str) == kind]
            if ev.empty:
                continue
            ys = []
            for e in ev.itertuples(index=False):
                base = str(e.base)
                y0, h = lane_y(base, e.convoy)
                ys.append(y0 + h / 2)
            ax.scatter(hours_to_num(start, ev["time_hours"].to_numpy(float)), ys, marker=style["marker"],
                       s=style["s"], color=style["color"], edgecolor="black", linewidth=0.5,
                       zorder=style.get("zorder", 6), label=f"{style['label']} ({len(ev)})")
    for key, style in STORY_STYLE.items():
        ev = story[story["style"] == key]
        if ev.empty:
            continue
        ys = [row[r] - height / 2 - 0.02 for r in ev["row"]]  # on the row's top edge, above the lanes
        ax.scatter(hours_to_num(start, ev["time_hours"].to_numpy(float)), ys, marker=style["marker"],
                   s=style["s"], color=style["color"], edgecolor="black", linewidth=0.7, zorder=7,
                   label=f"{style['label']} ({len(ev)})", clip_on=False)
    if leave_by_hours:
        for b, h in leave_by_hours.items():
            x = float(hours_to_num(start, h))
            ax.plot([x, x], [row[b] - 0.5, row[b] + 0.5], color=OKABE_ITO["orange"], lw=2.2, ls="--",
                    zorder=4, label="leave-by" if b == next(iter(leave_by_hours)) else None)
    if deadline_hours is not None:
        ax.axvline(float(hours_to_num(start, deadline_hours)), color=OKABE_ITO["vermillion"], lw=2.2,
                   zorder=4, label="deadline")
    h2, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, *h2], loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    ax.set_yticks(range(len(bases)), [b.replace("_", " ").title() for b in bases])
    ax.set_ylim(len(bases) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    date_axis(ax)
    ax.set_xlabel(f"Date (local time; start {start:%d %b %Y})")
    ax.set_ylabel("Base (convoy lanes)")
    n_convoys = int(legs[["base", "convoy"]].drop_duplicates().shape[0]) if len(legs) else 0
    ax.set_title(f"Convoy timeline: {n_convoys} convoy{'' if n_convoys == 1 else 's'}")
    return ax


def leave_by_from_bases(bases: pd.DataFrame, replication: int | None = None) -> dict[str, float]:
    """Effective leave-by hours per base from a bases table (first replication unless given)."""
    if bases.empty:
        return {}
    rep = int(bases["replication"].min()) if replication is None else replication
    sel = bases[bases["replication"] == rep]
    return {str(b): float(h) for b, h in zip(sel["base"], sel["leave_by_hours"], strict=True)
            if np.isfinite(h)}
