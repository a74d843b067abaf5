"""Chart functions on small synthetic tables: axes labelled, the expected artists drawn (Agg, no image diffs)."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from sim.model.loader import load_scenario
from sim.model.outcomes import OUT_TIMES
from sim.model.rules.extraction import OUT_SHARES
from sim.model.schema import FATES
from sim.report import plots
from sim.report.plots.style import OKABE_ITO, fmt_date, hours_to_dates, new_axes, threat_colours
from tests.helpers.paths import KIDAL
from tests.helpers.synthetic import fake_bases, fake_runs, fake_trace


@pytest.fixture(scope="module")
def sc():
    return load_scenario(KIDAL)


@pytest.fixture(scope="module")
def bases(sc):
    return fake_bases(sc, replications=30, seed=3)


@pytest.fixture(scope="module")
def runs(sc, bases):
    return fake_runs(sc, bases)


def labelled(ax) -> bool:
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def bars(ax) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def test_network_map(sc):
    ax = plots.plot_network(sc)
    assert labelled(ax)
    assert len(ax.lines) == len(sc.roads)
    assert len(ax.collections) == 3  # bases, hubs, waypoints
    colours = {ln.get_color() for ln in ax.lines}
    assert colours <= set(OKABE_ITO.values())
    assert len(colours) == 2  # medium and high threat roads
    labels = [t.get_text() for t in ax.texts]
    assert any("Anefis" in t for t in labels) and any("Gao (hub)" in t for t in labels)


def test_network_map_uses_given_axes(sc):
    ax = new_axes(None)
    assert plots.plot_network(sc, ax) is ax


def test_threat_colours_ranked(sc):
    c = threat_colours(sc.threats.levels)
    assert c["low"] != c["high"] and len(set(c.values())) == 3


def test_timeline(sc):
    legs, events = fake_trace(sc, seed=2)
    deadline = sc.hours(sc.calendar.deadline)
    ax = plots.plot_timeline(legs, events, start=sc.calendar.start, deadline_hours=deadline,
                             leave_by_hours={"kidal": sc.hours(sc.bases["kidal"].leave_by)})
    assert labelled(ax)
    n_halts = int((legs["halt_hours"] > 0).sum())
    barh = [c for c in ax.collections if type(c).__name__ == "PolyCollection"]
    assert len(barh) == len(legs) + n_halts
    scatters = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    assert len(scatters) == events["kind"].nunique() == 3
    assert len(ax.lines) == 2  # leave-by tick and deadline
    # calendar dates on the x axis
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    ax.figure.canvas.draw()
    assert "Oct" in " ".join(t.get_text() for t in ax.get_xticklabels())


def test_timeline_lanes_do_not_overlap():
    legs = pd.DataFrame({"base": ["a"] * 3, "convoy": [1, 2, 3], "depart_hours": [0.0, 5.0, 20.0],
                         "arrive_hours": [10.0, 15.0, 30.0]})
    lanes = plots.timeline.convoy_lanes(legs)
    assert lanes[("a", 1)] == 0 and lanes[("a", 2)] == 1 and lanes[("a", 3)] == 0


def test_extraction_curve(sc, bases):
    ax = plots.plot_extraction(bases, sc)
    assert labelled(ax)
    assert len(ax.lines) == 3  # two medians and the deadline
    assert len(ax.collections) == 2  # two 5-95 % bands
    grid = np.linspace(0, 2000, 50)
    totals_only = bases.drop(columns=list(OUT_TIMES))  # a folder written before the times out
    pers, cargo = plots.extraction_shares(totals_only, sc, grid)
    assert pers.shape == cargo.shape == (30, 50)
    assert (np.diff(pers, axis=1) >= -1e-12).all() and (np.diff(cargo, axis=1) >= -1e-12).all()
    # at the end the shares equal what left by road or air
    b = bases.sort_values("replication")
    moved = sum(b[f"cargo_{c}_road"] + b[f"cargo_{c}_air"] for c in sc.cargo_classes).to_numpy()
    total = sum(sum(x.cargo.values()) for x in sc.bases.values())
    assert np.allclose(cargo[:, -1], moved / total)
    people = (b["personnel_air"] + b["personnel_road"]).to_numpy() / sc.bases["kidal"].personnel
    assert np.allclose(pers[:, -1], people)


def test_extraction_from_simulated_times(sc, bases):
    """With the engines' times out, a base counts the largest share it has reached (MODEL.md §8)."""
    one = bases[bases.replication == 0].copy()
    k = len(OUT_SHARES)
    times = [100.0, 200.0, 300.0, 400.0, 500.0, np.inf]  # 10 % at 100 h ... 90 % at 500 h, never 100 %
    for i, col in enumerate(OUT_TIMES[:k]):
        one[col] = times[i]
    for col in OUT_TIMES[k:]:
        one[col] = np.nan  # no cargo to take out
    grid = np.array([50.0, 150.0, 250.0, 450.0, 10_000.0])
    pers, cargo = plots.extraction_shares(one, sc, grid)
    assert np.allclose(pers[0], [0.0, 0.10, 0.25, 0.75, 0.90])
    assert np.allclose(cargo[0], 0.0)
    assert plots.distributions.simulated_times(one) and not plots.distributions.simulated_times(
        one.drop(columns=[OUT_TIMES[0]]))


def test_cargo_fates(bases):
    ax = plots.plot_cargo_fates(bases)
    assert labelled(ax)
    assert len(bars(ax)) == len(FATES)
    assert all(len(c.patches) == bases["base"].nunique() for c in bars(ax))
    means = plots.fate_means(bases)
    top = sum(c.patches[0].get_height() for c in bars(ax))
    assert top == pytest.approx(float(means.iloc[0].sum()))


def test_completion(sc, runs):
    ax = plots.plot_completion(runs, start=sc.calendar.start, deadline_hours=sc.hours(sc.calendar.deadline))
    assert labelled(ax)
    assert len(bars(ax)) == 1
    assert len(ax.lines) == 2  # median and deadline
    p = 100.0 * runs["on_time"].mean()
    assert any(f"{p:.1f} %" in t.get_text() and "CI" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize("func", [plots.plot_casualties, plots.plot_strikes])
def test_count_distributions(func, runs):
    ax = func(runs)
    assert labelled(ax)
    assert len(bars(ax)) == 2
    assert sum(p.get_height() for p in bars(ax)[0].patches) == pytest.approx(100.0)


def sweep_summary(two: bool = False) -> pd.DataFrame:
    rows = []
    point = 0
    for q in [0, 1] if two else [0]:
        for p in [0.0, 0.25, 0.5, 0.75, 1.0]:
            for m, v in (("on_time", 0.2 + 0.6 * p), ("wounded", 5 - 2 * p + q)):
                rows.append({"point": point, "flights.p_grant": p, "convoy.escorts_per_convoy": q, "metric": m,
                             "n": 100, "mean": v, "ci_low": v - 0.05, "ci_high": v + 0.05,
                             "q05": v - 0.1, "q50": v, "q95": v + 0.1})
            point += 1
    return pd.DataFrame(rows)


def test_sweep_line():
    ax = plots.plot_sweep(sweep_summary(), "flights.p_grant", "on_time")
    assert labelled(ax)
    assert len(ax.lines) == 1 and len(ax.collections) == 1
    assert ax.lines[0].get_ydata()[-1] == pytest.approx(80.0)  # shown in %
    ax = plots.plot_sweep(sweep_summary(two=True), "flights.p_grant", "wounded")
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    with pytest.raises(ValueError, match="metric"):
        plots.plot_sweep(sweep_summary(), "flights.p_grant", "nope")


def test_heatmap():
    ax = plots.plot_heatmap(sweep_summary(two=True), "flights.p_grant", "convoy.escorts_per_convoy", "wounded")
    assert labelled(ax)
    assert len(ax.images) == 1
    assert ax.images[0].get_array().shape == (2, 5)
    assert len(ax.texts) == 10


def test_tornado_sobol_morris_oat():
    sobol = pd.DataFrame({"parameter": ["a", "b", "c"], "S1": [0.1, 0.5, 0.2], "S1_conf": [0.02] * 3,
                          "ST": [0.15, 0.6, 0.25], "ST_conf": [0.03] * 3})
    ax = plots.plot_tornado(sobol, metric="on_time")
    assert labelled(ax)
    assert len(bars(ax)) == 2
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "b"  # most influential on top
    morris = pd.DataFrame({"parameter": ["a", "b"], "mu_star": [0.3, 0.1], "mu_star_conf": [0.05, 0.02]})
    ax = plots.plot_tornado(morris)
    assert labelled(ax) and len(bars(ax)) == 1
    oat = pd.DataFrame({"parameter": ["a", "b"], "low": [0.2, 0.4], "high": [0.9, 0.5], "baseline": [0.5, 0.5]})
    ax = plots.plot_tornado(oat)
    assert labelled(ax) and len(bars(ax)) == 2
    with pytest.raises(ValueError, match="tornado"):
        plots.plot_tornado(pd.DataFrame({"parameter": ["a"], "x": [1]}))


def test_paired_differences():
    diffs = pd.DataFrame({"metric": ["on_time", "wounded", "killed"], "diff_mean": [0.1, -2.0, 0.05],
                          "ci_low": [0.05, -3.0, -0.1], "ci_high": [0.15, -1.0, 0.2]})
    ax = plots.plot_paired(diffs)
    assert labelled(ax)
    assert sum(isinstance(c, ErrorbarContainer) for a in ax.figure.axes for c in a.containers) == 3
    assert len(ax.lines) >= 1
    assert any("pp" in t.get_text() for t in ax.texts)


def test_dates_helpers(sc):
    d = hours_to_dates(sc.calendar.start, [0.0, 24.0])
    assert str(d[1]) == "2023-10-02T00:00:00"
    assert fmt_date(sc.calendar.start, 30 * 24 + 14) == "31 Oct 2023 14:00"
    assert fmt_date(sc.calendar.start, float("inf")) == "—"
