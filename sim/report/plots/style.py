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

EVENT_STYLE: dict[str, dict[str, Any]] = {
    "ied": {"marker": "X", "color": OKABE_ITO["vermillion"], "s": 90, "label": "IED strike"},
    "ambush": {"marker": "*", "color": OKABE_ITO["reddish_purple"], "s": 140, "label": "ambush"},
    "breakdown": {"marker": "s", "color": OKABE_ITO["grey"], "s": 30, "label": "breakdown"},
}

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


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (9.0, 5.0)) -> Axes:
    """``ax`` itself, or the axes of a new Agg-backed figure."""
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


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
    """Threat level → colour, ranked by expected attacks per 100 km (IED + ambush)."""
    def rate(name: str) -> float:
        lvl = levels[name]
        return float(getattr(lvl, "ied_rate_per_100km", 0.0) + getattr(lvl, "ambush_rate_per_100km", 0.0))

    ranked = sorted(levels, key=rate)
    n = len(ranked)
    if n <= 1:
        return {k: THREAT_RAMP[2] for k in ranked}
    if n == 2:
        idx = [0, 3]
    elif n == 3:
        idx = [0, 2, 3]
    else:
        idx = list(np.linspace(0, len(THREAT_RAMP) - 1, n).round().astype(int))
    return {k: THREAT_RAMP[int(i)] for k, i in zip(ranked, idx, strict=True)}
