"""Sweep and sensitivity files: pydantic models (with a JSON Schema for editors, ``withdrawal-sim
schema --kind sweep|sensitivity``) and their loaders.

A sweep file names the scenario (relative to the sweep file), the design and the metrics::

    scenario: ../kidal_2023.yaml
    replications: 200            # optional; --replications wins
    engine: batch                # optional; --engine wins
    seed: 1                      # optional; --seed wins
    metrics: [on_time, wounded]
    design:
      kind: grid                 # grid | lhs | sobol
      n: 32                      # points, for lhs and sobol
      parameters:
        flights.p_grant: [0.1, 0.5, 0.9]
        convoy.max_vehicles: {range: [50, 150, 50]}
        sites.kidal.leave_by: {low: 2023-10-24, high: 2023-11-15}

A sensitivity file has ``scenario``, ``method`` (sobol | morris), ``metric``, ``n``, ``seed``,
``replications``, ``engine`` and ``parameters`` with bounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.experiments.designs import (
    MAX_POINTS,
    Design,
    Parameter,
    check_finite_bounds,
    parse_design,
    parse_parameter,
)
from sim.experiments.settings import MAX_REPLICATIONS, MAX_SEED
from sim.model.errors import ScenarioError
from sim.model.loader import read_yaml, validation_error

Value = float | int | str | bool | dt.date | dt.datetime | None


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True)


class RangeSpec(_Spec):
    """Bounds of a swept parameter: ``range: [low, high, step]`` for a grid, or ``low``/``high``
    (with ``num`` or ``step`` on a grid; sampled by LHS and Sobol)."""

    values: list[Value] | None = None
    """Explicit values (a grid)."""
    range: list[Value] | None = Field(None, min_length=3, max_length=3)
    """``[low, high, step]``, bounds inclusive."""
    low: Value = None
    """Lower bound (a number or a date)."""
    high: Value = None
    """Upper bound (a number or a date)."""
    num: int | None = Field(None, ge=1, le=MAX_POINTS)
    """Points between the bounds, inclusive (grids)."""
    step: Value = None
    """Step between grid values (days for dates)."""
    type: Literal["float", "int", "datetime"] | None = None
    """Type of the values (inferred from the bounds when left out)."""


class DesignSpec(_Spec):
    """How the points of a sweep are chosen."""

    kind: Literal["grid", "lhs", "sobol"] = "grid"
    """``grid``: every combination of the values; ``lhs``/``sobol``: ``n`` points sampled in the bounds."""
    n: int | None = Field(None, ge=1, le=MAX_POINTS)
    """Points of an LHS or Sobol design (Sobol rounds up to a power of two)."""
    seed: int = Field(0, ge=0, le=MAX_SEED)
    """Seed of the LHS or Sobol sample (not of the replications)."""
    parameters: dict[str, RangeSpec | list[Value] | Value] = Field(min_length=1)
    """Dotted scenario path → a list of values, or bounds."""


class SweepSpec(_Spec):
    """A sweep file: a scenario, a design over dotted paths, the metrics and the replications."""

    scenario: str = Field(min_length=1)
    """The scenario file, relative to this file."""
    description: str = ""
    """What the sweep asks."""
    replications: int | None = Field(None, ge=1, le=MAX_REPLICATIONS)
    """Replications per point (default: the scenario's ``run.replications``)."""
    engine: Literal["batch", "des"] | None = None
    """Simulation engine (default: batch)."""
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    """Root seed (default: the scenario's ``run.seed``)."""
    metrics: list[str] | None = None
    """Metrics to summarize (default: every summary metric)."""
    design: DesignSpec
    """The points."""


class SensitivitySpec(_Spec):
    """A sensitivity file: Sobol or Morris indices of one metric over parameters with bounds."""

    scenario: str = Field(min_length=1)
    """The scenario file, relative to this file."""
    description: str = ""
    """What the analysis asks."""
    method: Literal["sobol", "morris"] = "sobol"
    """Sobol (first and total order) or Morris (elementary effects)."""
    metric: str
    """The metric analysed, e.g. ``on_time``."""
    n: int = Field(64, ge=2, le=MAX_POINTS)
    """Base sample size (Sobol: a power of two; Morris: trajectories)."""
    seed: int = Field(0, ge=0, le=MAX_SEED)
    """Seed of the sample (not of the replications)."""
    replications: int | None = Field(None, ge=1, le=MAX_REPLICATIONS)
    """Replications per point."""
    engine: Literal["batch", "des"] | None = None
    """Simulation engine (default: batch)."""
    parameters: dict[str, RangeSpec] = Field(min_length=1)
    """Dotted scenario path → bounds ``{low, high}``."""


SPECS: dict[str, type[_Spec]] = {"sweep": SweepSpec, "sensitivity": SensitivitySpec}


@dataclass
class LoadedSweep:
    """A checked sweep file: its path, the scenario file it names and its design."""

    file: Path
    scenario: Path
    spec: SweepSpec
    design: Design


@dataclass
class LoadedSensitivity:
    """A checked sensitivity file: its path, the scenario file and its parameters."""

    file: Path
    scenario: Path
    spec: SensitivitySpec
    parameters: list[Parameter]


def _read(file: str | Path, model: type[_Spec]) -> tuple[Path, dict[str, Any], Any, Path]:
    path = Path(file)
    data = read_yaml(path)
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path, model) from None
    sc = Path(spec.scenario)  # type: ignore[attr-defined]
    sc_path = sc if sc.is_absolute() else path.parent / sc
    if not sc_path.is_file():
        raise ScenarioError(path, "scenario", f"scenario file not found: {sc_path}")
    return path, data, spec, sc_path


def load_sweep(file: str | Path) -> LoadedSweep:
    """Read and check a sweep file, or raise ``ScenarioError`` naming the file and the field."""
    path, data, spec, sc_path = _read(file, SweepSpec)
    design = parse_design(data["design"], path)
    return LoadedSweep(path, sc_path, spec, design)


def load_sensitivity(file: str | Path) -> LoadedSensitivity:
    """Read and check a sensitivity file."""
    path, data, spec, sc_path = _read(file, SensitivitySpec)
    ps = [parse_parameter(str(k), v, str(path)) for k, v in data["parameters"].items()]
    for p in ps:
        p.check(sampled=True, where=str(path))
    check_finite_bounds(ps, path, "parameters")
    if spec.method == "sobol" and spec.n & (spec.n - 1):
        raise ScenarioError(path, "n", f"Sobol sensitivity needs n a power of two (got {spec.n})")
    return LoadedSensitivity(path, sc_path, spec, ps)
