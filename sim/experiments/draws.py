"""Two-level runs (MODEL.md §17): parameter draws over a scenario's uncertain inputs, the scenario
of each draw, and the arms that run them with independent streams.

Draw ``k`` is one set of input values; each draw runs ``R`` replications on the independent streams
of point ``k``: no two draws share run-to-run noise, so the between-draw variance of the means
estimates the parameter part without bias. A draw's batch blocks simulate only the replications it
keeps (``dispatch.Unit.exact``): a draw of 200 replications costs 200, not a block of 4,096.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.plan import Arm, Plan, make_plan, one_arm
from sim.experiments.settings import RunSettings, whole
from sim.model.distributions import Uncertainty
from sim.model.errors import ScenarioError
from sim.model.loader import scenario_dict, validate_plain
from sim.model.schema import Scenario
from sim.model.uncertain_fields import drawn_inputs, with_values

DRAW_SEED_TAG = 17
"""Second word of the design's seed sequence ``[seed, 17]``: no engine stream uses it."""
MAX_DRAWS = 100_000
"""Largest number of parameter draws of one run."""
U_EDGE = 1e-12
"""Design points are kept inside ``[U_EDGE, 1 - U_EDGE]`` (an unbounded input's quantile at 0 or 1
is infinite)."""


def design_points(unc: Uncertainty, draws: int, seed: int) -> np.ndarray:
    """``draws × d`` points in (0, 1)^d for the ``d`` inputs of ``unc`` (``Uncertainty.inputs``), by
    its design, seeded from ``SeedSequence([seed, DRAW_SEED_TAG])``."""
    from scipy.stats import qmc

    d = len(unc.inputs())
    rng = np.random.default_rng(np.random.SeedSequence([seed, DRAW_SEED_TAG]))
    if d == 0:
        return np.empty((draws, 0))
    if unc.design == "random":
        u = rng.random((draws, d))
    elif unc.design == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance needs 2^m points; any count is valid
            u = qmc.Sobol(d, scramble=True, seed=rng).random(draws)
    else:
        u = qmc.LatinHypercube(d, seed=rng).random(draws)
    return np.clip(u, U_EDGE, 1 - U_EDGE)


@dataclass(frozen=True)
class Draws:
    """The draws of a two-level run: one row per draw of ``table`` (``draw``, each uncertain field's
    value, each shared factor's ``factor:NAME``) and the scenario of each draw."""

    table: pd.DataFrame
    scenarios: list[Scenario]

    @property
    def count(self) -> int:
        return len(self.scenarios)

    def arms(self) -> list[Arm]:
        """Draw ``k`` at table point ``k``, on the independent streams of its point."""
        return [Arm(k, sc, crn=False) for k, sc in enumerate(self.scenarios)]


def make_draws(sc: Scenario, draws: int, seed: int, file: str | Path | None = None) -> Draws:
    """``draws`` parameter draws of ``sc``'s uncertain inputs and the scenario of each, validated
    (a draw outside a field's range is a ``ScenarioError`` naming the field and the draw)."""
    unc = sc.uncertainty
    if unc is None or not unc.fields:
        raise ScenarioError(file, "draws", "the scenario has no uncertain inputs: a two-level run needs "
                            "distributions (MODEL.md §17, e.g. flights.p_grant: {dist: beta, mean: 0.1, "
                            "concentration: 20})")
    if not 1 <= draws <= MAX_DRAWS:
        raise ScenarioError(file, "draws", f"must be between 1 and {MAX_DRAWS} (got {draws})")
    u = design_points(unc, draws, seed)
    inputs, values = drawn_inputs(unc, {name: u[:, j] for j, (name, _) in enumerate(unc.inputs())})
    base = scenario_dict(sc)
    scenarios: list[Scenario] = []
    for k in range(draws):
        try:
            scenarios.append(validate_plain(with_values(base, {p: float(v[k]) for p, v in values.items()}), file))
        except ScenarioError as exc:
            raise ScenarioError(file, exc.field, f"draw {k}: {exc.message}") from None
    rows = {"draw": np.arange(draws, dtype=np.int64), **values,
            **{n: v for n, v in inputs.items() if n.startswith("factor:")}}
    return Draws(pd.DataFrame(rows), scenarios)


def label_draws(df: pd.DataFrame) -> pd.DataFrame:
    """A table of a two-level run as the engines give it (draw ``k`` at point ``k``) relabelled:
    ``draw`` = the point, ``point`` = 0 (the run's one arm)."""
    out = df.copy()
    at = list(out.columns).index("point") + 1
    out.insert(at, "draw", out["point"].to_numpy().astype(np.int64))
    out["point"] = np.zeros(len(out), dtype=np.int64)
    return out


def run_plan(sc: Scenario, settings: RunSettings, draws: int | None,
             file: str | Path | None = None) -> tuple[Plan, Draws | None]:
    """The plan of a run: one arm, or with ``draws`` one arm per parameter draw (and the draws)."""
    if draws is None:
        return one_arm(sc, settings), None
    drawn = make_draws(sc, whole(draws, "draws", 1, MAX_DRAWS, file), settings.seed, file)
    return make_plan(drawn.arms(), settings, exact=True), drawn
