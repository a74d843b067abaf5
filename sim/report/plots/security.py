"""The security state over time (MODEL.md §15) above the extraction curve: when the regimes are
likely, and how much is out by then."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.model.rules.security import regime_probabilities, security_plan
from sim.model.schema import Scenario
from sim.report.plots.distributions import extraction_quantiles
from sim.report.plots.style import OKABE_ITO, date_axis, hours_to_num, styled

REGIME_RAMP = (OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], OKABE_ITO["orange"], OKABE_ITO["vermillion"],
               OKABE_ITO["reddish_purple"])
"""Regime colours from the calmest to the most violent."""


def regime_colours(ied: np.ndarray, ambush: np.ndarray) -> list[str]:
    """A colour per regime: ranked by their IED and ambush factors (ties in file order), spread
    over ``REGIME_RAMP`` from its calm end to its violent end."""
    n = len(ied)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(np.asarray(ied) + np.asarray(ambush), kind="stable")] = np.arange(n)
    top = len(REGIME_RAMP) - 1
    return [REGIME_RAMP[round(int(r) * top / (n - 1)) if n > 1 else 0] if n <= len(REGIME_RAMP)
            else REGIME_RAMP[int(r) % len(REGIME_RAMP)] for r in rank]


@styled
def plot_security(bases: pd.DataFrame, sc: Scenario, *, n_grid: int = 240) -> Axes:
    """Top: the probability of each regime by date, in closed form (the chain's transient law
    between forced transitions, ``rules.security.regime_probabilities``: exact, not sampled).
    Bottom: the median share of personnel and of cargo out (``extraction_quantiles``). Returns the
    bottom axes; ``ValueError`` without a security state."""
    plan = security_plan(sc)
    if plan is None:
        raise ValueError("the scenario has no security state")
    deadline = sc.hours(sc.calendar.deadline)
    t0 = min([sc.hours(b.withdraw_from) for b in sc.bases.values()] + [0.0])
    arr = bases["last_arrival_hours"].to_numpy(float)
    t1 = max(float(np.nanmax(arr[np.isfinite(arr)])) if np.isfinite(arr).any() else deadline, deadline)
    grid = np.linspace(max(t0, 0.0), t1 + 0.03 * (t1 - t0), n_grid)
    probs = regime_probabilities(plan, grid)
    x = hours_to_num(sc.calendar.start, grid)
    fig = Figure(figsize=(9.0, 6.5), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.6])
    colours = regime_colours(plan.ied, plan.ambush)
    top.stackplot(x, (probs * 100.0).T, labels=list(plan.names), colors=colours, alpha=0.85)
    top.set_ylim(0, 100)
    top.set_ylabel("Probability (%)")
    top.set_title("Security regime by date (exact probabilities of the scenario's regime process)")
    top.legend(loc="upper left", ncols=min(plan.size, 4), framealpha=0.9)
    pers, cargo, n = extraction_quantiles(bases, sc, grid)
    for share, name, colour in ((pers, "personnel", OKABE_ITO["blue"]), (cargo, "cargo units", OKABE_ITO["orange"])):
        q05, q50, q95 = share * 100.0
        bottom.fill_between(x, q05, q95, color=colour, alpha=0.2, linewidth=0)
        bottom.plot(x, q50, color=colour, lw=2.2, label=f"{name}: median (band 5–95 %)")
    for ax in (top, bottom):
        ax.axvline(float(hours_to_num(sc.calendar.start, deadline)), color="black", lw=1.5, ls="--")
    bottom.set_ylim(0, 105)
    bottom.set_ylabel("Share out (% of total)")
    bottom.set_xlabel(f"Date (local time); dashed: deadline {sc.calendar.deadline:%d %b %Y}")
    bottom.set_title(f"Extraction over time ({n:,} runs)")
    bottom.legend(loc="upper left", framealpha=0.9)
    date_axis(bottom)
    return bottom
