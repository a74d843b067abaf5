"""The security chart (MODEL.md §15): exact regime probabilities by date above the extraction
curve, drawn for runs of scenarios with a security state and only for them."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.batch import simulate
from sim.model.loader import validate
from sim.model.rules.security import regime_probabilities, security_plan
from sim.report import plots
from sim.report.charts import chart_plan
from sim.report.plots.security import REGIME_RAMP, regime_colours
from tests.helpers.builders import security_regimes, two_bases


def test_security_chart_shows_the_exact_regime_probabilities() -> None:
    sc = validate(security_regimes())
    bases = simulate(sc, 0, 0, 300, seed=3)
    ax = plots.plot_security(bases, sc)
    top = ax.figure.axes[0]
    polys = top.collections
    assert len(polys) == len(sc.security.regimes)
    # the stacked areas' upper edge of the last regime is 100 % everywhere (probabilities add up)
    plan = security_plan(sc)
    grid = np.linspace(0.0, 900.0, 50)
    assert np.allclose(regime_probabilities(plan, grid).sum(axis=1), 1.0)
    assert "security" in chart_plan(sc, {"bases": bases})


def test_no_security_chart_without_a_security_state() -> None:
    sc = validate(two_bases())
    bases = simulate(sc, 0, 0, 50, seed=3)
    assert "security" not in chart_plan(sc, {"bases": bases})
    with pytest.raises(ValueError):
        plots.plot_security(bases, sc)


def test_regime_colours_run_from_calm_to_violent() -> None:
    factors = np.array([3.0, 1.0, 2.0])  # regimes in file order: violent, calm, middle
    violent, calm, mid = regime_colours(factors, factors)
    assert calm == REGIME_RAMP[0] and violent == REGIME_RAMP[-1] and mid not in (calm, violent)
