"""An animated GIF of one traced run on the network map (country borders, roads along their shapes):
convoys move, strikes flash where they happened, bases empty."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim.model.geo.lines import RoadLines
from sim.model.schema import Scenario
from sim.report.limits import MAX_FRAMES
from sim.report.plots.maps import base_load, marker_area, node_positions, plot_network
from sim.report.plots.style import EVENT_STYLE, OKABE_ITO, STYLE, fmt_date, new_axes
from sim.report.plots.timeline import LEG_COLOURS
from sim.store.atomic import atomic_write


def leg_positions(legs: pd.DataFrame, pos: dict[str, tuple[float, float]], t_hours: float,
                  lines: RoadLines | None = None) -> tuple[np.ndarray, list[str]]:
    """(lon, lat) of every convoy on the road at ``t_hours`` and the kinds of their legs.

    Positions are interpolated along the leg a → b between its depart and arrive hours (halts spread
    evenly: the trace does not say where on the leg a convoy stopped): on a straight line, or with
    ``lines`` along the road's line (its shape).
    """
    on = legs[(legs["depart_hours"] <= t_hours) & (t_hours < legs["arrive_hours"])]
    if on.empty:
        return np.empty((0, 2)), []
    d0 = on["depart_hours"].to_numpy(float)
    d1 = on["arrive_hours"].to_numpy(float)
    f = np.clip((t_hours - d0) / np.maximum(d1 - d0, 1e-9), 0.0, 1.0)
    if lines is not None:
        xy = np.array([lines.at(str(a), str(b), float(fk))
                       for a, b, fk in zip(on["a"], on["b"], f, strict=True)], dtype=float)
        return xy, [str(k) for k in on["kind"]]
    a = np.array([pos[str(x)] for x in on["a"]], dtype=float)
    b = np.array([pos[str(x)] for x in on["b"]], dtype=float)
    return a + f[:, None] * (b - a), [str(k) for k in on["kind"]]


def event_positions(events: pd.DataFrame, legs: pd.DataFrame, pos: dict[str, tuple[float, float]],
                    lines: RoadLines | None = None) -> np.ndarray:
    """(lon, lat) of each event: ``km_along`` its segment's road when the trace recorded it (and
    ``lines`` are given), else where its convoy was at that time, else at its base."""
    out = np.zeros((len(events), 2))
    kms = events["km_along"].to_numpy(float) if "km_along" in events.columns else np.full(len(events), np.nan)
    segs = events["segment"].astype(str).tolist() if "segment" in events.columns else [""] * len(events)
    for i, (time_hours, convoy, base) in enumerate(zip(events["time_hours"], events["convoy"], events["base"],
                                                        strict=True)):
        ab = lines.split_segment(segs[i]) if lines is not None and np.isfinite(kms[i]) else None
        if ab is not None and lines is not None:
            out[i] = lines.locate(ab[0], ab[1], float(kms[i]))
            continue
        t = float(time_hours)
        mine = legs[(legs["convoy"] == convoy) & (legs["depart_hours"] <= t) & (t <= legs["arrive_hours"])]
        if len(mine):
            p, _ = leg_positions(mine.iloc[:1].assign(arrive_hours=mine["arrive_hours"].iloc[:1] + 1e-9), pos, t,
                                 lines)
            out[i] = p[0]
        else:
            out[i] = pos.get(str(base), (np.nan, np.nan))
    return out


def remaining_share(legs: pd.DataFrame, base: str, t_hours: float) -> float:
    """Share of a base's departing load (vehicles + personnel on legs leaving it) not yet gone at t."""
    out = legs[legs["a"].astype(str) == base]
    load = out["vehicles"].to_numpy(float) + out["personnel"].to_numpy(float)
    total = load.sum()
    if total <= 0:
        return 1.0
    return float(1.0 - load[out["depart_hours"].to_numpy(float) <= t_hours].sum() / total)


def animate(
    trace_legs: pd.DataFrame,
    trace_events: pd.DataFrame | None,
    sc: Scenario,
    out_path: str | Path,
    fps: int = 10,
    *,
    max_frames: int = MAX_FRAMES,
    dpi: int = 80,
) -> Path:
    """Write an animated GIF of one traced run to ``out_path`` (atomically) and return its path.

    Frames are evenly spaced in time from the first departure to the last arrival (at most
    ``max_frames``, capped at ``MAX_FRAMES``). Convoys are dots coloured by leg kind; IED strikes and
    ambushes flash where the convoy was; base markers shrink with the share of their load gone; a
    clock shows the calendar date and time. The static map is rendered once and the moving artists
    are blitted onto it frame by frame (Agg), then Pillow writes the GIF: a full redraw per frame
    (``matplotlib.animation.PillowWriter``) is about ten times slower.
    """
    if trace_legs.empty:
        raise ValueError("the trace has no convoy legs to animate")
    events = trace_events if trace_events is not None else pd.DataFrame(columns=["time_hours", "kind"])
    events = events[events["kind"].astype(str).isin(["ied", "ambush"])].reset_index(drop=True)
    pos = node_positions(sc)
    t0 = float(trace_legs["depart_hours"].min())
    t1 = float(trace_legs["arrive_hours"].max())
    n = int(np.clip(max_frames, 2, MAX_FRAMES))
    times = np.linspace(t0, t1, n)
    flash_hours = max(3.0 * (t1 - t0) / n, 3.0)
    lines = RoadLines(sc)
    ev_pos = event_positions(events, trace_legs, pos, lines) if len(events) else np.empty((0, 2))
    ev_t = events["time_hours"].to_numpy(float) if len(events) else np.empty(0)
    ev_col = [EVENT_STYLE[str(k)]["color"] for k in events["kind"]] if len(events) else []
    bases = list(sc.bases)
    loads = np.array([base_load(sc, b) for b in bases])
    full = np.array([marker_area(v, float(loads.max())) for v in loads]) if bases else np.empty(0)

    with mpl.rc_context(STYLE):
        ax = new_axes(None, (7.5, 7.0))
        plot_network(sc, ax, label_km=False)
        ax.set_title(f"{sc.name}: one traced run")
        base_sc = ax.scatter([pos[b][0] for b in bases], [pos[b][1] for b in bases], s=full,
                             color=OKABE_ITO["blue"], edgecolor="black", zorder=6)
        convoys = ax.scatter([], [], s=70, edgecolor="black", linewidth=0.8, zorder=8)
        flashes = ax.scatter([], [], marker="X", s=[], color=OKABE_ITO["vermillion"], edgecolor="black", zorder=9)
        clock = ax.text(0.98, 0.02, "", transform=ax.transAxes, ha="right", va="bottom", fontsize=13,
                        fontweight="bold", bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "#999999"})
        handles = [Line2D([], [], ls="", marker="o", color=c, mec="black", label=f"convoy, {k} leg")
                   for k, c in LEG_COLOURS.items() if k in set(trace_legs["kind"].astype(str))]
        handles.append(Line2D([], [], ls="", marker="X", color=OKABE_ITO["vermillion"], mec="black",
                              ms=10, label="strike / ambush (flash)"))
        network_legend = ax.get_legend()
        previous: list[Artist] = [] if network_legend is None else [
            h for h in network_legend.legend_handles if h is not None]
        ax.legend(handles=[*previous, *handles], loc="best", fontsize=8.5, framealpha=0.9)

        def draw(i: int) -> tuple:
            t = float(times[i])
            xy, kinds = leg_positions(trace_legs, pos, t, lines)
            convoys.set_offsets(xy if len(xy) else np.empty((0, 2)))
            convoys.set_facecolor([LEG_COLOURS.get(k, OKABE_ITO["orange"]) for k in kinds] or "none")
            age = t - ev_t
            on = (age >= 0) & (age < flash_hours)
            flashes.set_offsets(ev_pos[on] if on.any() else np.empty((0, 2)))
            flashes.set_sizes(400.0 * (1.0 - age[on] / flash_hours) + 80.0)
            flashes.set_facecolor([c for c, o in zip(ev_col, on, strict=True) if o] or "none")
            if bases:
                share = np.array([remaining_share(trace_legs, b, t) for b in bases])
                base_sc.set_sizes(np.maximum(full * share, 8.0))
            clock.set_text(fmt_date(sc.calendar.start, t))
            return convoys, flashes, base_sc, clock

        fig, canvas = ax.figure, ax.figure.canvas
        if not isinstance(fig, Figure) or not isinstance(canvas, FigureCanvasAgg):  # new_axes makes both
            raise TypeError("animate draws on a top-level Figure with an Agg canvas")
        fig.set_dpi(dpi)
        for art in (base_sc, convoys, flashes, clock):
            art.set_animated(True)
        for coll in ax.collections:
            if str(coll.get_label()).startswith("base"):
                coll.set_alpha(0.2)  # the ghost of the full base; the live marker shrinks over it
        canvas.draw()
        fig.set_layout_engine("none")
        background = canvas.copy_from_bbox(fig.bbox)
        frames = []
        for i in range(n):
            canvas.restore_region(background)
            for art in draw(i):
                ax.draw_artist(art)
            frames.append(Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy()))
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        out = atomic_write(out_path, lambda tmp: frames[0].save(
            tmp, format="GIF", save_all=True, append_images=frames[1:],
            duration=int(round(1000 / max(fps, 1))), loop=0), suffix=".gif")
    return out
