"""Issue 19: charts whose cost does not grow with the replication count, and sweep charts that keep
every metric (scattered designs get scatter and partial-dependence charts)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from sim.model.loader import load_scenario
from sim.report import plots
from sim.report.charts import chart_plan, manifest_metrics, sweep_plan, write_charts
from tests.helpers.paths import KIDAL
from tests.helpers.synthetic import fake_bases, fake_runs


@pytest.fixture(scope="module")
def sc():
    return load_scenario(KIDAL)


@pytest.mark.parametrize("table", ["simulated", "reconstructed", "shuffled"])
@pytest.mark.parametrize("held", [1 << 20, 300 * 7])  # one block of the grid, or blocks of 7 times
@pytest.mark.parametrize("lattice", [1 << 22, 1])  # counted on the lattice, or selected
def test_extraction_band_is_the_one_quantile_method(sc, table, held, lattice, monkeypatch):
    """The band's quantiles are ``summaries.quantiles`` of each column of the full n × grid share
    matrix, exactly: from lattice counts (simulated times), by selection (cargo reconstructed from
    totals), rows in any order, the grid in one block or several."""
    from sim.experiments.summaries import quantiles
    from sim.model.outcomes import OUT_TIMES

    monkeypatch.setattr(plots.distributions, "QUANTILE_VALUES", held)
    monkeypatch.setattr(plots.distributions, "_LATTICE_LIMIT", lattice)
    bases = fake_bases(sc, replications=300, seed=5)
    rng = np.random.default_rng(3)  # times out spread over the window, so the shares vary
    for col in OUT_TIMES:
        bases[col] = bases[col] * rng.uniform(0.3, 1.0, len(bases))
    if table == "reconstructed":
        bases = bases.drop(columns=list(OUT_TIMES))
    elif table == "shuffled":
        bases = bases.sample(frac=1.0, random_state=2)
    grid = np.linspace(0, 2000, 60)
    pers, cargo = plots.extraction_shares(bases, sc, grid)
    qp, qc, n = plots.extraction_quantiles(bases, sc, grid, qs=(0.05, 0.5, 0.95, 0.37))
    assert n == 300
    for full, q in ((pers, qp), (cargo, qc)):
        exact = np.array([quantiles(full[:, j], (0.05, 0.5, 0.95, 0.37)) for j in range(full.shape[1])]).T
        assert np.array_equal(q, exact)
        assert len(np.unique(full[:, 30])) > 3  # not a trivial column
    assert np.allclose(qp, np.quantile(pers, (0.05, 0.5, 0.95, 0.37), axis=0), rtol=0, atol=1e-12)


def test_extraction_chart_memory_does_not_grow_with_replications(sc):
    # 40,000 replications on a 240-point grid: one n x grid float array is 38 MB; the chart stays
    # far below (before the fix it held several such arrays at once)
    small = fake_bases(sc, replications=200, seed=1)
    bases = pd.concat([small.assign(replication=small["replication"] + 200 * k) for k in range(200)],
                      ignore_index=True)
    n_by_grid = len(bases) * 240 * 8
    tracemalloc.start()
    try:
        ax = plots.plot_extraction(bases, sc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n_by_grid / 3, f"peak {peak / 1e6:.1f} MB against {n_by_grid / 1e6:.1f} MB for one n x grid array"
    assert "40,000 runs" in ax.get_title()


def test_fate_means_unchanged(sc):
    bases = fake_bases(sc, replications=50, seed=2)
    means = plots.fate_means(bases)
    for f in ("road", "destroyed"):
        cols = [c for c in bases.columns if c.startswith("cargo_") and c.endswith(f"_{f}")]
        assert means.loc["kidal", f] == pytest.approx(bases[cols].sum(axis=1).mean())


def test_write_charts_counts_progress(sc, tmp_path, monkeypatch):
    seen: list[tuple[int, str]] = []

    import contextlib

    import sim.report.charts as charts

    @contextlib.contextmanager
    def bar(total, enabled, description="replications"):
        seen.append((total, description))
        yield lambda n: seen.append((n, "advance"))

    monkeypatch.setattr(charts, "progress_bar", bar)
    bases = fake_bases(sc, replications=5, seed=1)
    written = write_charts(tmp_path, sc, {"bases": bases, "runs": fake_runs(sc, bases)}, progress=True)
    assert seen[0][1] == "charts" and seen[0][0] >= len(written)
    assert sum(n for n, d in seen if d == "advance") == seen[0][0]


def lhs_summary(n_points: int = 24, metrics: tuple[str, ...] = ("on_time", "completion_hours", "wounded", "killed",
                                                                 "destroyed_value_usd", "abandoned_value_usd",
                                                                 "ied_strikes")) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    a = rng.permutation(n_points) / n_points + rng.random(n_points) / n_points
    b = np.floor(30 + 120 * (rng.permutation(n_points) + rng.random(n_points)) / n_points)
    rows = []
    for i in range(n_points):
        for j, m in enumerate(metrics):
            v = (0.2 + 0.7 * a[i]) if m == "on_time" else 10 * j + 5 * a[i] - 0.01 * b[i]
            rows.append({"point": i, "metric": m, "n": 64, "mean": v, "ci_low": v - 0.02, "ci_high": v + 0.02,
                         "flights.p_grant": float(a[i]), "convoy.max_vehicles": int(b[i])})
    return pd.DataFrame(rows)


def test_scattered_sweep_charts_every_metric():
    summary = lhs_summary()
    assert plots.scattered.is_scattered(summary)
    plan = sweep_plan(summary)
    metrics = list(dict.fromkeys(summary["metric"]))
    assert len(metrics) == 7
    for m in metrics:
        assert f"scatter_{m}" in plan and f"partial_dependence_{m}" in plan
    assert not any(k.startswith(("heatmap_", "sweep_")) for k in plan)
    for draw in plan.values():  # every chart draws (before: ValueError, no charts at all)
        draw()


def test_sweep_plan_uses_the_metrics_the_sweep_named():
    summary = lhs_summary()
    plan = sweep_plan(summary, ["killed", "ied_strikes"])
    assert sorted(plan) == ["partial_dependence_ied_strikes", "partial_dependence_killed", "scatter_ied_strikes",
                            "scatter_killed"]
    assert manifest_metrics({"extra": {"metrics": ["a", "b"]}}) == ["a", "b"]
    assert manifest_metrics({}) is None


def test_scatter_panels_and_smoother():
    summary = lhs_summary()
    ax = plots.plot_scatter(summary, "on_time")
    axes = ax.figure.axes
    assert len(axes) == 2
    for a in axes:
        assert a.get_ylim() == (-2, 102)
        assert len(a.lines) >= 1  # the binned-mean smoother
    x, y = plots.scattered.binned_means(np.arange(12.0), np.arange(12.0) * 2)
    assert np.allclose(y, 2 * x) and len(x) == 3


def test_partial_dependence_recovers_main_effects():
    summary = lhs_summary()
    pd_curves = plots.scattered.partial_dependence(summary, "wounded")
    xa, ya = pd_curves["flights.p_grant"]
    xb, yb = pd_curves["convoy.max_vehicles"]
    assert (ya[-1] - ya[0]) == pytest.approx(5 * (xa[-1] - xa[0]), rel=1e-6)
    assert (yb[-1] - yb[0]) == pytest.approx(-0.01 * (xb[-1] - xb[0]), rel=1e-6)
    ax = plots.plot_partial_dependence(summary, "wounded")
    assert len(ax.lines) == 2


def test_grid_sweep_keeps_lines_and_heatmap():
    rows = []
    for i, (p, q) in enumerate((p, q) for p in (0.0, 0.5, 1.0) for q in (1, 2)):
        for m in ("on_time", "wounded", "killed", "ied_strikes", "ambushes", "breakdowns", "convoys"):
            rows.append({"point": i, "metric": m, "mean": 0.5, "ci_low": 0.4, "ci_high": 0.6,
                         "flights.p_grant": p, "convoy.escorts_per_convoy": q})
    summary = pd.DataFrame(rows)
    plan = chart_plan(load_scenario(KIDAL), {"summary": summary})
    assert {f"heatmap_{m}" for m in summary["metric"].unique()} <= set(plan)


def test_each_chart_is_rendered_once_when_saved(sc, tmp_path, monkeypatch):
    """Saving a chart draws its figure once (no dry run of a layout engine, no second render for
    ``bbox_inches="tight"``); the map is still cropped to what it draws, as the tight box gives it."""
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    from sim.report.charts import save_axes

    bases = fake_bases(sc, replications=20, seed=1)
    tables = {"bases": bases, "runs": fake_runs(sc, bases)}
    plan = chart_plan(sc, tables)
    assert {"network", "extraction", "cargo_fates", "completion", "casualties", "strikes"} <= set(plan)
    draws: list[int] = []
    real_draw = Figure.draw

    def counted(self, renderer):
        draws.append(id(self))
        return real_draw(self, renderer)

    for name, draw in plan.items():
        ax = draw()
        if name == "network":
            reference = io.BytesIO()
            ax.figure.savefig(reference, format="png", bbox_inches="tight", metadata={"Software": None})
        monkeypatch.setattr(Figure, "draw", counted)
        draws.clear()
        path = save_axes(ax, tmp_path / f"{name}.png")
        monkeypatch.setattr(Figure, "draw", real_draw)
        assert len(draws) == 1, f"{name}: drawn {len(draws)} times"
        if name == "network":
            assert Image.open(path).size == Image.open(reference).size
