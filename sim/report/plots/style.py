"""Shared look of every chart: the Okabe–Ito palette, readable text, calendar-date axes.

Charts are drawn on plain ``matplotlib.figure.Figure`` objects with an Agg canvas, never through
``pyplot``: no global figure state, no GUI backend, safe in worker processes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
"""Okabe & Ito (2008), "Color Universal Design": distinguishable with any common colour vision."""

CYCLE: list[str] = [OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black",
)]

FATE_COLOURS: dict[str, str] = {
    "road": OKABE_ITO["bluish_green"],
    "air": OKABE_ITO["sky_blue"],
    "destroyed": OKABE_ITO["orange"],
    "lost": OKABE_ITO["vermillion"],
    "abandoned": OKABE_ITO["black"],
    "handed_over": OKABE_ITO["reddish_purple"],
}
FATE_LABELS: dict[str, str] = {
    "road": "out by road", "air": "out by air", "destroyed": "destroyed", "lost": "lost on the road",
    "abandoned": "abandoned intact", "handed_over": "handed over",
}
THREAT_RAMP: list[str] = [OKABE_ITO[k] for k in ("bluish_green", "yellow", "orange", "vermillion", "reddish_purple")]
"""Threat levels from least to most dangerous."""

THREAT_COLOURS: dict[str, str] = {
    "none": OKABE_ITO["sky_blue"],
    "low": OKABE_ITO["bluish_green"],
    "medium": OKABE_ITO["yellow"],
    "elevated": OKABE_ITO["orange"],
    "high": OKABE_ITO["vermillion"],
    "contested": OKABE_ITO["reddish_purple"],
    "very_high": OKABE_ITO["reddish_purple"],
    "extreme": OKABE_ITO["black"],
}
"""The one threat palette: a level name has the same colour in every scenario and chart. Names
not listed get the ramp colours no listed name uses, ranked by their attack rates."""

EVENT_STYLE: dict[str, dict[str, Any]] = {
    "ied": {"marker": "X", "color": OKABE_ITO["vermillion"], "s": 150, "label": "IED strike", "zorder": 8},
    "ambush": {"marker": "*", "color": OKABE_ITO["reddish_purple"], "s": 200, "label": "ambush", "zorder": 8},
    "breakdown": {"marker": "s", "color": OKABE_ITO["grey"], "s": 16, "label": "breakdown", "zorder": 5},
}
"""Road incidents: strikes drawn larger and above breakdowns."""

STORY_STYLE: dict[str, dict[str, Any]] = {
    "flight_granted": {"marker": "^", "color": OKABE_ITO["sky_blue"], "s": 45, "label": "flight granted"},
    "flight_refused": {"marker": "v", "color": "white", "s": 35, "label": "flight refused / given up"},
    "road_granted": {"marker": ">", "color": OKABE_ITO["bluish_green"], "s": 45, "label": "road movement granted"},
    "road_refused": {"marker": "<", "color": "white", "s": 35, "label": "road movement refused"},
    "early_exit": {"marker": "D", "color": OKABE_ITO["orange"], "s": 80, "label": "early exit"},
    "cutoff": {"marker": "d", "color": OKABE_ITO["grey"], "s": 90, "label": "cut-off"},
    "destruction": {"marker": "P", "color": OKABE_ITO["black"], "s": 110, "label": "destruction"},
}
"""The rest of a base's story in a trace (flights, authorizations, early exit, cut-off, destruction)."""

STYLE: dict[RcKeyType, Any] = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.prop_cycle": cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "image.cmap": "cividis",
    "figure.dpi": 100,
    "savefig.dpi": 150,
}

F = TypeVar("F", bound=Callable[..., Axes])


def styled(func: F) -> F:
    """Draw inside the house style (rcParams only for the duration of the call)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


FIXED_MARGINS: tuple[float, float, float, float] = (0.85, 0.25, 0.8, 0.45)
"""Left, right, bottom, top margins (inches) of a chart with a fixed layout: room for tick labels
of up to four digits, a concise date axis with its offset line, the axis labels and a bold title
(legends stay inside the axes)."""


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (9.0, 5.0), *, fixed: bool = False) -> Axes:
    """``ax`` itself, or the axes of a new Agg-backed figure: laid out by matplotlib's constrained
    layout, or (``fixed``) in the ``FIXED_MARGINS``, which costs no layout pass when the figure is
    drawn (for the charts of a run whose furniture is known: title, two axis labels, numeric or
    date ticks, a legend inside the axes)."""
    if ax is not None:
        return ax
    if not fixed:
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        return fig.add_subplot()
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    w, h = figsize
    left, right, bottom, top = FIXED_MARGINS
    return fig.add_axes((left / w, bottom / h, 1.0 - (left + right) / w, 1.0 - (bottom + top) / h))


def hours_to_dates(start: dt.datetime, hours: np.ndarray | float) -> np.ndarray:
    """Calendar datetimes (``datetime64[s]``) of hours from ``start``."""
    h = np.atleast_1d(np.asarray(hours, dtype=float))
    return np.datetime64(start, "s") + np.round(h * 3600.0).astype("timedelta64[s]")


def hours_to_num(start: dt.datetime, hours: np.ndarray | float) -> np.ndarray:
    """Matplotlib date numbers (days) of hours from ``start``."""
    return mdates.date2num(start) + np.asarray(hours, dtype=float) / 24.0


def date_axis(ax: Axes, axis: str = "x") -> None:
    """Concise calendar-date ticks on ``axis`` (date numbers already plotted)."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    target.set_major_locator(locator)
    target.set_major_formatter(mdates.ConciseDateFormatter(locator))


def fmt_date(start: dt.datetime, hours: float) -> str:
    """``31 Oct 2023 14:00`` for hours from ``start`` (``—`` when not finite)."""
    if not np.isfinite(hours):
        return "—"
    return (start + dt.timedelta(hours=float(hours))).strftime("%d %b %Y %H:%M")


def threat_colours(levels: dict[str, Any]) -> dict[str, str]:
    """Threat level → colour: ``THREAT_COLOURS`` for the names it lists (the same in every
    scenario); other names, ranked by expected attacks per 100 km (IED + ambush), the colours left."""
    def rate(name: str) -> float:
        lvl = levels[name]
        return float(getattr(lvl, "ied_rate_per_100km", 0.0) + getattr(lvl, "ambush_rate_per_100km", 0.0))

    out = {k: THREAT_COLOURS[k] for k in levels if k in THREAT_COLOURS}
    spare = [c for c in (*THREAT_RAMP, OKABE_ITO["grey"], OKABE_ITO["blue"]) if c not in out.values()] or THREAT_RAMP
    for i, k in enumerate(sorted((k for k in levels if k not in THREAT_COLOURS), key=rate)):
        out[k] = spare[i % len(spare)]
    return out
