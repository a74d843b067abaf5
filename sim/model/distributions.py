"""Distributions over scenario inputs (MODEL.md §17): the forms a numeric field may take instead of
a number, their means and their quantile functions.

A distribution is parameter uncertainty (what the input's value is), drawn once per *draw* of a
two-level run, never inside a replication: the run-to-run randomness of the model stays in the
engines' streams. scipy is imported only when quantiles are computed (``validate`` stays quick).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.model.numbers import not_boolean

if TYPE_CHECKING:
    import numpy as np

MAX_PARAM = 1e9
"""Largest magnitude of a distribution parameter (the scenario's own bound on numbers)."""
MIN_PARAM = 1e-9
"""Smallest positive shape, rate, concentration or lognormal mean (below it the quantile arithmetic
overflows)."""
MAX_FACTORS = 64
"""Shared factors per scenario."""
MAX_FIELDS = 2000
"""Uncertain fields per scenario."""


Num = Annotated[float, BeforeValidator(not_boolean), Field(ge=-MAX_PARAM, le=MAX_PARAM)]
NonNegNum = Annotated[float, BeforeValidator(not_boolean), Field(ge=0, le=MAX_PARAM)]
PosNum = Annotated[float, BeforeValidator(not_boolean), Field(ge=MIN_PARAM, le=MAX_PARAM)]
Unit = Annotated[float, BeforeValidator(not_boolean), Field(ge=0, le=1)]


class _Dist(BaseModel):
    """Common keys: ``factor`` (a shared factor the draw is multiplied by) and ``note`` (source or
    ASSUMPTION reason)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True)

    factor: str | None = None
    """Name of a shared factor (``uncertainty.factors``) this field is multiplied by."""
    note: str = ""
    """Where the distribution comes from: a source, or the reason for the ASSUMPTION."""

    def mean(self) -> float:
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The quantiles at ``u`` (each in (0, 1))."""
        raise NotImplementedError

    def spread(self) -> bool:
        """Whether the distribution is more than a point mass."""
        import numpy as np
        lo, hi = self.ppf(np.array([0.01, 0.99]))
        return bool(hi > lo)


class Fixed(_Dist):
    """A point mass: ``value`` in every draw."""

    dist: Literal["fixed"]
    """The form: a point mass."""
    value: Num
    """The value of every draw."""

    def mean(self) -> float:
        return self.value

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        return np.full(np.shape(u), self.value, dtype=float)


def _gamma_ppf(u: np.ndarray, shape: float, scale: float) -> np.ndarray:
    import numpy as np
    from scipy import special  # not scipy.stats: validating a scenario stays quick (0.2 s less)

    return np.asarray(special.gammaincinv(shape, u) * scale, dtype=float)


class Gamma(_Dist):
    """Gamma by ``mean`` and coefficient of variation ``cv`` (cv 0: the mean itself), or by
    ``shape`` and ``rate``."""

    dist: Literal["gamma"]
    """The form: gamma."""
    mean_: NonNegNum | None = Field(None, alias="mean")
    """Mean (with ``cv``)."""
    cv: NonNegNum | None = None
    """Coefficient of variation (with ``mean``; 0: the mean itself)."""
    shape: PosNum | None = None
    """Shape (with ``rate``)."""
    rate: PosNum | None = None
    """Rate (with ``shape``)."""

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _one_form(self) -> Gamma:
        by_mean = self.mean_ is not None or self.cv is not None
        by_shape = self.shape is not None or self.rate is not None
        if by_mean == by_shape:
            raise ValueError("a gamma is given by mean and cv, or by shape and rate (one pair)")
        if by_mean and (self.mean_ is None or self.cv is None):
            raise ValueError("a gamma by mean needs both mean and cv")
        if by_shape and (self.shape is None or self.rate is None):
            raise ValueError("a gamma by shape needs both shape and rate")
        return self

    def params(self) -> tuple[float, float]:
        """``(shape, scale)``; shape ``inf`` for a point mass."""
        if self.shape is not None and self.rate is not None:
            return self.shape, 1.0 / self.rate
        m, c = float(self.mean_ or 0.0), float(self.cv or 0.0)
        if m == 0.0 or c * c < 1e-12:  # below cv 1e-6 a point mass (1/cv² would overflow)
            return math.inf, 0.0
        return 1.0 / (c * c), m * c * c

    def mean(self) -> float:
        if self.mean_ is not None:
            return self.mean_
        a, s = self.params()
        return a * s

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        a, s = self.params()
        if math.isinf(a):
            return np.full(np.shape(u), self.mean(), dtype=float)
        return _gamma_ppf(u, a, s)


class Lognormal(_Dist):
    """Lognormal by ``mean`` and ``cv``: ``σ² = ln(1 + cv²)``, ``μ = ln(mean) − σ²/2``."""

    dist: Literal["lognormal"]
    """The form: lognormal."""
    mean_: PosNum = Field(alias="mean")
    """Mean."""
    cv: NonNegNum
    """Coefficient of variation (0: the mean itself)."""

    model_config = ConfigDict(populate_by_name=True)

    def mean(self) -> float:
        return self.mean_

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        if self.cv == 0.0:
            return np.full(np.shape(u), self.mean_, dtype=float)
        from scipy import special

        s2 = math.log1p(self.cv * self.cv)
        mu = math.log(self.mean_) - s2 / 2
        return np.asarray(np.exp(mu + math.sqrt(s2) * special.ndtri(u)), dtype=float)


class Beta(_Dist):
    """Beta on [0, 1] by ``mean`` and ``concentration`` (``a = mean·k``, ``b = (1 − mean)·k``), or
    by ``a`` and ``b``."""

    dist: Literal["beta"]
    """The form: beta on [0, 1]."""
    mean_: Unit | None = Field(None, alias="mean")
    """Mean (with ``concentration``)."""
    concentration: PosNum | None = None
    """a + b (with ``mean``): the weight of the prior, in observations."""
    a: PosNum | None = None
    """First shape (with ``b``)."""
    b: PosNum | None = None
    """Second shape (with ``a``)."""

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _one_form(self) -> Beta:
        by_mean = self.mean_ is not None or self.concentration is not None
        by_ab = self.a is not None or self.b is not None
        if by_mean == by_ab:
            raise ValueError("a beta is given by mean and concentration, or by a and b (one pair)")
        if by_mean and (self.mean_ is None or self.concentration is None):
            raise ValueError("a beta by mean needs both mean and concentration")
        if by_ab and (self.a is None or self.b is None):
            raise ValueError("a beta by a and b needs both")
        return self

    def params(self) -> tuple[float, float] | None:
        """``(a, b)``, or ``None`` for a point mass (mean 0 or 1)."""
        if self.a is not None and self.b is not None:
            return self.a, self.b
        m, k = float(self.mean_ or 0.0), float(self.concentration or 0.0)
        if m in (0.0, 1.0):
            return None
        return m * k, (1 - m) * k

    def mean(self) -> float:
        if self.mean_ is not None:
            return self.mean_
        ab = self.params()
        return 0.0 if ab is None else ab[0] / (ab[0] + ab[1])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        ab = self.params()
        if ab is None:
            return np.full(np.shape(u), self.mean(), dtype=float)
        from scipy import special

        return np.asarray(special.betaincinv(ab[0], ab[1], u), dtype=float)


class Triangular(_Dist):
    """Triangular from ``low`` to ``high`` with its peak at ``mode``."""

    dist: Literal["triangular"]
    """The form: triangular."""
    low: Num
    """Lowest value."""
    mode: Num
    """Most likely value."""
    high: Num
    """Highest value."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high (got {self.low}, {self.mode}, {self.high})")
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        lo, c, hi = self.low, self.mode, self.high
        if hi == lo:
            return np.full(np.shape(u), lo, dtype=float)
        u = np.asarray(u, dtype=float)
        fc = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - c))
        return np.where(u < fc, left, right)


class Uniform(_Dist):
    """Uniform from ``low`` to ``high``."""

    dist: Literal["uniform"]
    """The form: uniform."""
    low: Num
    """Lowest value."""
    high: Num
    """Highest value."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"needs low <= high (got {self.low}, {self.high})")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)


class Counts(_Dist):
    """The Gamma posterior of a Poisson rate after ``events`` in ``exposure`` (in the field's own
    unit, e.g. hundreds of convoy-km for a rate per 100 km): ``Gamma(prior_shape + events, rate
    prior_rate + exposure)``; the default prior (0.5, 0) is Jeffreys'."""

    dist: Literal["counts"]
    """The form: Gamma posterior of a Poisson rate from counts."""
    events: NonNegNum
    """Events observed."""
    exposure: NonNegNum
    """Exposure they were observed in, in the field's own unit."""
    prior_shape: PosNum = 0.5
    """Prior gamma shape (default 0.5, Jeffreys)."""
    prior_rate: NonNegNum = 0.0
    """Prior gamma rate (default 0)."""

    @model_validator(mode="after")
    def _proper(self) -> Counts:
        if self.exposure + self.prior_rate < MIN_PARAM:
            raise ValueError("needs exposure > 0 or prior_rate > 0 (the posterior is improper otherwise)")
        return self

    def params(self) -> tuple[float, float]:
        """``(shape, scale)``."""
        return self.prior_shape + self.events, 1.0 / (self.prior_rate + self.exposure)

    def mean(self) -> float:
        a, s = self.params()
        return a * s

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, s = self.params()
        return _gamma_ppf(u, a, s)


Distribution = Annotated[
    Union[Fixed, Gamma, Lognormal, Beta, Triangular, Uniform, Counts],  # noqa: UP007 (pydantic discriminated union)
    Field(discriminator="dist"),
]
"""Any of the forms, chosen by its ``dist`` key."""

DIST_NAMES: tuple[str, ...] = ("fixed", "gamma", "lognormal", "beta", "triangular", "uniform", "counts")


class Uncertainty(BaseModel):
    """Uncertain inputs (MODEL.md §17): the distribution of each uncertain field (dotted path; the
    loader moves inline distributions here), the shared factors, and the design of the draws."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True)

    design: Literal["lhs", "sobol", "random"] = "lhs"
    """How the draws cover the inputs' quantiles: Latin hypercube (default), scrambled Sobol, or
    independent uniforms."""
    factors: Annotated[dict[str, Distribution], Field(max_length=MAX_FACTORS)] = {}
    """Shared factors by name: a field with ``factor: NAME`` is multiplied by the factor's draw."""
    fields: Annotated[dict[str, Distribution], Field(max_length=MAX_FIELDS)] = {}
    """Distribution of each uncertain field, by dotted path (e.g. ``flights.p_grant``)."""

    @model_validator(mode="after")
    def _factors_known(self) -> Uncertainty:
        for name, d in self.factors.items():
            if d.factor is not None:
                raise ValueError(f"factors.{name}: a shared factor cannot itself have a factor")
        for path, d in self.fields.items():
            if d.factor is not None and d.factor not in self.factors:
                known = ", ".join(sorted(self.factors)) or "none defined"
                raise ValueError(f"fields.{path}.factor: unknown shared factor {d.factor!r} "
                                 f"(uncertainty.factors: {known})")
        return self

    def inputs(self) -> list[tuple[str, Distribution]]:
        """The inputs drawn, in order: the fields by sorted path, then the factors (``factor:NAME``)
        by sorted name."""
        return ([(p, self.fields[p]) for p in sorted(self.fields)]
                + [(f"factor:{n}", self.factors[n]) for n in sorted(self.factors)])

    def point(self, path: str) -> float:
        """A field's point value: its mean times its factor's mean."""
        d = self.fields[path]
        return d.mean() * (self.factors[d.factor].mean() if d.factor else 1.0)
