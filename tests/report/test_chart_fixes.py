"""Issue 19 chart fixes, each checked on the artists: heatmap labels, probability ranges, calendar
dates, paired panels per unit, one threat palette, the timeline's story and strike markers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.model.loader import load_scenario
from sim.report import plots
from sim.report.plots.style import EVENT_STYLE, THREAT_COLOURS, threat_colours
from tests.helpers.paths import KIDAL
from tests.helpers.synthetic import fake_trace

START = dt.datetime(2023, 10, 1)


def grid_summary(nx: int, ny: int, metric: str = "on_time", value: float | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    xs = np.sort(rng.random(nx)) * 0.9
    ys = np.linspace(30, 150, ny)
    rows = []
    for i, (a, b) in enumerate((a, b) for a in xs for c, b in enumerate(ys)):
        v = value if value is not None else 0.3 + 0.5 * a
        rows.append({"point": i, "metric": metric, "mean": v, "ci_low": v, "ci_high": v,
                     "flights.p_grant": float(a), "convoy.max_vehicles": float(b)})
    return pd.DataFrame(rows)


def overlaps(labels) -> int:
    boxes = [t.get_window_extent() for t in labels if t.get_text()]
    return sum(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes)))


def test_heatmap_x_labels_do_not_overprint():
    ax = plots.plot_heatmap(grid_summary(16, 16), "flights.p_grant", "convoy.max_vehicles", "on_time")
    ax.figure.canvas.draw()
    assert overlaps(ax.get_xticklabels()) == 0
    assert ax.figure.get_size_inches()[0] > 8.0  # sized by the number of columns


def test_constant_probability_uses_the_whole_range():
    s = grid_summary(3, 2, value=1.0)
    ax = plots.plot_heatmap(s, "flights.p_grant", "convoy.max_vehicles", "on_time")
    assert ax.images[0].get_clim() == (0.0, 100.0)
    ax = plots.plot_sweep(s[s["convoy.max_vehicles"] == 30.0], "flights.p_grant", "on_time")
    lo, hi = ax.get_ylim()
    assert lo <= 0.0 and hi >= 100.0


def test_completion_shown_as_calendar_dates():
    s = grid_summary(4, 1, metric="completion_hours", value=None)
    s["mean"] = s["ci_low"] = s["ci_high"] = 700.0 + 10 * s["flights.p_grant"]
    ax = plots.plot_sweep(s, "flights.p_grant", "completion_hours", start=START)
    ax.figure.canvas.draw()
    y = ax.lines[0].get_ydata()
    import matplotlib.dates as mdates
    assert mdates.num2date(float(y[0])).month == 10 and mdates.num2date(float(y[0])).day == 30
    assert "hours" not in ax.get_ylabel()
    assert isinstance(ax.yaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_scattered_design_charts_show_completion_as_dates():
    """Scatter and partial-dependence charts of completion (LHS, Sobol designs) use calendar dates."""
    import matplotlib.dates as mdates

    s = grid_summary(5, 3, metric="completion_hours")
    s["mean"] = s["ci_low"] = s["ci_high"] = 700.0 + 10 * s["flights.p_grant"]
    for ax in (plots.plot_scatter(s, "completion_hours", start=START),
               plots.plot_partial_dependence(s, "completion_hours", start=START)):
        y = ax.lines[0].get_ydata()
        assert mdates.num2date(float(np.min(y))).month == 10  # 700 h after 1 Oct: 30 Oct
        assert isinstance(ax.yaxis.get_major_formatter(), mdates.ConciseDateFormatter)
        assert "hours" not in ax.get_ylabel()


def test_paired_one_panel_per_unit_keeps_small_effects_visible():
    diffs = pd.DataFrame({"metric": ["on_time", "wounded", "destroyed_value_usd"],
                          "diff_mean": [0.05, -1.5, 2.0e6], "ci_low": [0.01, -2.5, 1.0e6],
                          "ci_high": [0.09, -0.5, 3.0e6]})
    ax = plots.plot_paired(diffs)
    axes = ax.figure.axes
    assert len(axes) == 3
    wounded = next(a for a in axes if "persons" in a.get_xlabel())
    lo, hi = wounded.get_xlim()
    assert hi - lo < 20  # the ±1 person interval fills its panel (before: one axis spanning 3 M USD)
    assert any("USD" in a.get_xlabel() for a in axes) and any("percentage points" in a.get_xlabel() for a in axes)


def test_threat_palette_is_fixed_by_level_name():
    class Lvl:
        def __init__(self, ied: float) -> None:
            self.ied_rate_per_100km, self.ambush_rate_per_100km = ied, 0.0

    two = threat_colours({"low": Lvl(0.05), "high": Lvl(0.3)})
    three = threat_colours({"low": Lvl(0.05), "medium": Lvl(0.1), "high": Lvl(0.3)})
    assert two["high"] == three["high"] == THREAT_COLOURS["high"]
    assert two["low"] == three["low"] == THREAT_COLOURS["low"]
    odd = threat_colours({"low": Lvl(0.05), "weird": Lvl(0.2)})
    assert odd["weird"] != odd["low"]


def test_timeline_strikes_above_breakdowns_and_the_whole_story():
    sc = load_scenario(KIDAL)
    legs, events = fake_trace(sc, seed=2)
    early = float(legs["depart_hours"].min()) - 240.0
    story = pd.DataFrame([
        {"time_hours": early, "kind": "flight_request", "base": "kidal", "lift": None, "convoy": None,
         "detail": "granted personnel 40"},
        {"time_hours": early + 5, "kind": "road_request", "base": None, "lift": "gao_trucks", "convoy": None,
         "detail": "denied"},
        {"time_hours": early + 50, "kind": "early_exit", "base": "kidal", "lift": None, "convoy": None, "detail": ""},
        {"time_hours": early + 60, "kind": "destruction", "base": "kidal", "lift": None, "convoy": None, "detail": ""},
    ])
    ax = plots.plot_timeline(legs, pd.concat([events, story], ignore_index=True), start=sc.calendar.start)
    labels = [c.get_label() for c in ax.collections]
    for name in ("flight granted", "road movement refused", "early exit", "destruction"):
        assert any(lab.startswith(name) for lab in labels), name
    import matplotlib.dates as mdates
    assert ax.get_xlim()[0] <= mdates.date2num(sc.calendar.start) + early / 24.0
    assert any("(road)" in t.get_text().lower() for t in ax.get_yticklabels())
    assert EVENT_STYLE["ied"]["zorder"] > EVENT_STYLE["breakdown"]["zorder"]
    assert EVENT_STYLE["ied"]["s"] >= 4 * EVENT_STYLE["breakdown"]["s"]
    z = {c.get_label().split(" (")[0]: c.get_zorder() for c in ax.collections}
    if "IED strike" in z and "breakdown" in z:
        assert z["IED strike"] > z["breakdown"]


@pytest.mark.parametrize("n", [1])
def test_story_events_empty(n):
    assert plots.timeline.story_events(None).empty
