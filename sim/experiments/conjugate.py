"""Conjugate calibration of a scenario's threat rates on an incident log (docs/incident_log.md).

For each threat level ``L`` and rate field (IED strikes and ambushes per 100 convoy-km, breakdowns per
1,000 vehicle-km, stationary attacks per hour halted), the log gives ``k`` events in exposure ``x``
(in the field's own unit) over the rows that observed both. The rate's prior is Gamma(a, b) (rate
``b``): the scenario's own distribution on the field when it is gamma-like (``gamma`` by mean/cv or
shape/rate, or ``counts``); otherwise the default weak prior, an exponential prior with the
scenario's value as mean, Gamma(1, 1/value) (a value of 0, or a field with no value: Jeffreys'
Gamma(0.5, 0), which needs evidence).

* **No pooling** (``pooled=False``): each level's posterior is Gamma(a + k, b + x), independently.
* **Partial pooling** (default), empirical Bayes with a shared multiplier: the levels' priors keep
  their shapes ``a_L`` and relative sizes, and their means move together by one factor ``mu``,
  ``Gamma(a_L, b_L / mu)``. ``mu`` is the maximum of the negative-binomial marginal likelihood of
  the levels' counts, ``prod_L NB(k_L | a_L, b_L / mu, x_L)``, times the hyper-prior
  ``log mu ~ Normal(0, 1)`` (ASSUMPTION: the scenario's values are right within a factor e with
  68 %; it keeps ``mu`` finite and positive when every count is 0), found by ``scipy.optimize``
  over ``|log mu| <= ln 100``. Each level's posterior is then the conjugate
  ``Gamma(a_L + k_L, b_L / mu + x_L)``: a level with little exposure borrows the others' evidence
  through ``mu``; every level with a prior gets a posterior once any level has evidence. The plug-in
  ``mu`` ignores its own uncertainty (the usual empirical-Bayes understatement).

Casualties per attack (wounded, killed, vehicles damaged and destroyed per strike or ambush) are
reported only (``per_attack``), not written as overrides: the people model draws them from vehicles
hit and the protection levels (MODEL.md §11), with no one field to map them to. Each is a
Gamma–Poisson posterior of the mean count per attack with Jeffreys' prior Gamma(0.5, 0); the
dispersion of the counts is not modelled (an over-dispersed count makes the true interval wider).

No random state is used anywhere here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from sim.model.incidents import IncidentLog, Movement

RATE_FIELDS: tuple[str, ...] = ("ied_rate_per_100km", "ambush_rate_per_100km", "breakdowns_per_1000_vehicle_km",
                                "stationary_attack_rate_per_hour")
JEFFREYS: tuple[float, float] = (0.5, 0.0)
HYPER_SD = 1.0
"""Standard deviation of ``log mu`` in the pooled model's hyper-prior (ASSUMPTION)."""
MAX_LOG_MU = math.log(100.0)


@dataclass(frozen=True)
class GammaPrior:
    """Gamma(shape, rate) and where it comes from."""

    shape: float
    rate: float
    note: str

    def mean(self) -> float:
        return self.shape / self.rate if self.rate > 0 else math.inf

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        return gamma_interval(self.shape, self.rate, level)


@dataclass(frozen=True)
class Evidence:
    """``events`` in ``exposure`` from the rows ``rows``."""

    events: float
    exposure: float
    rows: tuple[str, ...]


@dataclass(frozen=True)
class Posterior:
    """One field's prior, evidence and posterior Gamma(shape, rate)."""

    path: str
    prior: GammaPrior
    evidence: Evidence
    shape: float
    rate: float
    pooled_multiplier: float | None = None

    def mean(self) -> float:
        return self.shape / self.rate

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        return gamma_interval(self.shape, self.rate, level)


def gamma_interval(shape: float, rate: float, level: float = 0.9) -> tuple[float, float]:
    """The central ``level`` interval of Gamma(shape, rate); (0, inf) for an improper rate 0."""
    if rate <= 0:
        return 0.0, math.inf
    lo, hi = stats.gamma.ppf([(1 - level) / 2, (1 + level) / 2], shape, scale=1.0 / rate)
    return float(lo), float(hi)


def conjugate_update(shape: float, rate: float, events: float, exposure: float) -> tuple[float, float]:
    """Gamma(shape, rate) prior of a Poisson rate, ``events`` in ``exposure``: Gamma(shape + events, rate + exposure)."""
    return shape + events, rate + exposure


def _gamma_of(raw: Mapping[str, Any], path: str) -> GammaPrior | None:
    """A gamma-like distribution as a prior; ``None`` for any other form."""
    kind = raw.get("dist")
    note = str(raw.get("note") or "")
    if kind == "gamma" and raw.get("shape") is not None and raw.get("rate") is not None:
        return GammaPrior(float(raw["shape"]), float(raw["rate"]), f"the scenario's gamma ({note})" if note else "the scenario's gamma")
    if kind == "gamma" and raw.get("mean") is not None and raw.get("cv") is not None:
        m, cv = float(raw["mean"]), float(raw["cv"])
        if m > 0 and cv > 0:
            a = 1.0 / (cv * cv)
            return GammaPrior(a, a / m, f"the scenario's gamma mean {m:g} cv {cv:g}")
    if kind == "counts":
        a0, b0 = float(raw.get("prior_shape", 0.5)), float(raw.get("prior_rate", 0.0))
        a, b = a0 + float(raw.get("events", 0)), b0 + float(raw.get("exposure", 0))
        return GammaPrior(a, b, f"the scenario's counts (Gamma({a:g}, {b:g}))")
    return None


def _point(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, Mapping) and "dist" in raw:
        from pydantic import TypeAdapter, ValidationError

        from sim.model.distributions import Distribution

        try:
            return float(TypeAdapter(Distribution).validate_python(dict(raw)).mean())
        except (ValidationError, ValueError):
            return None
    return None


def prior_for(scenario: Mapping[str, Any], level: str, name: str) -> GammaPrior:
    """The prior of ``threats.levels.<level>.<name>`` from the raw scenario data (see the module doc)."""
    path = f"threats.levels.{level}.{name}"
    lvl = ((scenario.get("threats") or {}).get("levels") or {}).get(level) or {}
    raw = lvl.get(name) if isinstance(lvl, Mapping) else None
    unc = scenario.get("uncertainty")
    if isinstance(unc, Mapping) and isinstance(unc.get("fields"), Mapping) and path in unc["fields"]:
        raw = unc["fields"][path]
    if isinstance(raw, Mapping):
        g = _gamma_of(raw, path)
        if g is not None:
            return g
    value = _point(raw)
    if value is not None and value > 0:
        return GammaPrior(1.0, 1.0 / value, f"default: exponential prior with the scenario's value {value:g} as mean")
    return GammaPrior(*JEFFREYS, "default: Jeffreys Gamma(0.5, 0) (the scenario's value is 0 or absent)")


def _share(row: Movement, level: str) -> float:
    total = row.km
    return row.km_by_level.get(level, 0.0) / total if total > 0 else 0.0


def evidence(log: IncidentLog, level: str, name: str) -> Evidence:
    """Events and exposure of ``name`` on ``level`` over the rows that observed both."""
    k = x = 0.0
    rows: list[str] = []
    for r in log.rows:
        km = r.km_by_level.get(level, 0.0)
        if name in ("ied_rate_per_100km", "ambush_rate_per_100km"):
            count = r.get("strikes" if name.startswith("ied") else "ambushes")
            exposure = km / 100.0
        elif name == "breakdowns_per_1000_vehicle_km":
            count, vehicles = r.get("breakdowns"), r.get("vehicles")
            exposure = km * vehicles / 1000.0 if vehicles is not None else 0.0
        else:
            count, halted = r.get("halted_attacks"), r.get("hours_halted")
            exposure = halted * _share(r, level) if halted is not None else 0.0
        if count is None or exposure <= 0:
            continue
        # counts of a row over several levels are split like its exposure (ASSUMPTION: where on the route is not logged)
        k += count * _share(r, level) if len(r.km_by_level) > 1 else count
        x += exposure
        rows.append(r.id)
    return Evidence(k, x, tuple(rows))


def nb_log_marginal(k: np.ndarray, a: np.ndarray, b: np.ndarray, x: np.ndarray) -> float:
    """log of prod NB(k | Gamma(a, b) rate, exposure x): the Gamma–Poisson marginal likelihood."""
    return float(np.sum(special.gammaln(a + k) - special.gammaln(a) - special.gammaln(k + 1)
                        + a * np.log(b / (b + x)) + k * np.log(x / (b + x))))


def fit_multiplier(k: np.ndarray, a: np.ndarray, b: np.ndarray, x: np.ndarray) -> float:
    """The pooled model's ``mu``: maximum of the NB marginal likelihood of priors Gamma(a, b/mu) times
    the hyper-prior ``log mu ~ Normal(0, HYPER_SD)``."""
    def neg(t: float) -> float:
        return -nb_log_marginal(k, a, b / math.exp(t), x) + 0.5 * (t / HYPER_SD) ** 2

    res = optimize.minimize_scalar(neg, bounds=(-MAX_LOG_MU, MAX_LOG_MU), method="bounded",
                                   options={"xatol": 1e-8})
    return float(math.exp(res.x))


def calibrate(log: IncidentLog, scenario: Mapping[str, Any], pooled: bool = True,
              fields: Sequence[str] = RATE_FIELDS) -> list[Posterior]:
    """Posteriors of the threat-rate fields with evidence in ``log`` (pooled: every level with a proper prior)."""
    levels = sorted((scenario.get("threats") or {}).get("levels") or {})
    out: list[Posterior] = []
    for name in fields:
        items = [(lvl, prior_for(scenario, lvl, name), evidence(log, lvl, name)) for lvl in levels]
        if not any(ev.exposure > 0 for _, _, ev in items):
            continue
        if not pooled:
            for lvl, pr, ev in items:
                if ev.exposure > 0:
                    a, b = conjugate_update(pr.shape, pr.rate, ev.events, ev.exposure)
                    out.append(Posterior(f"threats.levels.{lvl}.{name}", pr, ev, a, b))
            continue
        proper = [(lvl, pr, ev) for lvl, pr, ev in items if pr.rate > 0]
        seen = [t for t in proper if t[2].exposure > 0]
        mu = 1.0
        if seen:
            arr = np.array([[pr.shape, pr.rate, ev.events, ev.exposure] for _, pr, ev in seen])
            mu = fit_multiplier(arr[:, 2], arr[:, 0], arr[:, 1], arr[:, 3])
        for lvl, pr, ev in items:
            if pr.rate > 0:
                a, b = conjugate_update(pr.shape, pr.rate / mu, ev.events, ev.exposure)
                out.append(Posterior(f"threats.levels.{lvl}.{name}", pr, ev, a, b, mu))
            elif ev.exposure > 0:
                a, b = conjugate_update(pr.shape, pr.rate, ev.events, ev.exposure)
                out.append(Posterior(f"threats.levels.{lvl}.{name}", pr, ev, a, b))
    return out


PER_ATTACK: tuple[str, ...] = ("wounded", "killed", "vehicles_damaged", "vehicles_destroyed")


def per_attack(log: IncidentLog) -> list[Posterior]:
    """Mean count per attack (strike, ambush or halted attack) of each of ``PER_ATTACK``, with
    Jeffreys' prior: a reported table, not overrides."""
    out: list[Posterior] = []
    for name in PER_ATTACK:
        k = n = 0.0
        rows: list[str] = []
        for r in log.rows:
            s, amb, c = r.get("strikes"), r.get("ambushes"), r.get(name)
            if s is None and amb is None or c is None:
                continue
            attacks = (s or 0.0) + (amb or 0.0) + (r.get("halted_attacks") or 0.0)
            if attacks <= 0:
                continue
            k, n = k + c, n + attacks
            rows.append(r.id)
        if n > 0:
            pr = GammaPrior(*JEFFREYS, "Jeffreys Gamma(0.5, 0)")
            a, b = conjugate_update(pr.shape, pr.rate, k, n)
            out.append(Posterior(f"{name} per attack", pr, Evidence(k, n, tuple(rows)), a, b))
    return out
