"""Experimental designs over dotted parameter paths: full grid, Latin hypercube, Sobol.

A design expands to a table of points (``point`` plus one column per path). Paths are checked on
the raw scenario (``sim.model.loader.apply_overrides`` + ``validate``) before anything runs, so a typo in a
path is a ``ScenarioError`` naming the path, not a crash halfway through a sweep.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.model.loader import ScenarioError, apply_overrides, validate
from sim.model.schema import Scenario

KINDS: tuple[str, ...] = ("grid", "lhs", "sobol", "points")
ParamType = Literal["float", "int", "datetime", "value"]
DATETIME_RESOLUTION = dt.timedelta(minutes=1)
"""Interpolated dates are rounded to the minute."""


def _as_datetime(x: Any) -> dt.datetime | None:
    if isinstance(x, pd.Timestamp):
        return x.to_pydatetime()
    if isinstance(x, dt.datetime):
        return x
    if isinstance(x, dt.date):
        return dt.datetime(x.year, x.month, x.day)
    if isinstance(x, pd.Timestamp):
        return x.to_pydatetime()
    if isinstance(x, str):
        try:
            return dt.datetime.fromisoformat(x)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Parameter:
    """One swept path: explicit ``values`` (grid), or bounds ``low``..``high`` (grid with ``num``
    or ``step``, or sampled by LHS/Sobol). ``kind`` is inferred from the bounds when not given."""

    path: str
    values: tuple[Any, ...] | None = None
    low: Any = None
    high: Any = None
    num: int | None = None
    step: Any = None
    kind: ParamType | None = None

    @property
    def type(self) -> ParamType:
        if self.kind:
            return self.kind
        if self.values is not None:
            return "value"
        if _as_datetime(self.low) is not None:
            return "datetime"
        ints = all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in (self.low, self.high))
        return "int" if ints and not isinstance(self.step, float) else "float"

    def check(self, sampled: bool, where: str = "design") -> None:
        """Raise ``ScenarioError`` if the parameter is not usable by its design."""
        f = f"design.parameters.{self.path}"
        if self.values is not None:
            if sampled:
                raise ScenarioError(where, f, "LHS and Sobol designs need bounds (low, high), not a list of values")
            if len(self.values) == 0:
                raise ScenarioError(where, f, "an empty list of values")
            return
        if self.low is None or self.high is None:
            raise ScenarioError(where, f, "give a list of values, or bounds low and high")
        t = self.type
        if t == "datetime":
            lo, hi = _as_datetime(self.low), _as_datetime(self.high)
            if lo is None or hi is None:
                raise ScenarioError(where, f, "both bounds must be dates")
            ok = hi >= lo
        else:
            try:
                ok = float(self.high) >= float(self.low)
            except (TypeError, ValueError):
                raise ScenarioError(where, f, f"bounds must be numbers or dates (got {self.low!r}, {self.high!r})") from None
        if not ok:
            raise ScenarioError(where, f, f"high ({self.high}) is below low ({self.low})")
        if not sampled and self.num is None and self.step is None:
            raise ScenarioError(where, f, "a grid range needs num (points) or step")
        if self.num is not None and self.num < 1:
            raise ScenarioError(where, f, "num must be at least 1")

    def grid_values(self) -> list[Any]:
        """The values of this parameter on a full grid (bounds inclusive)."""
        if self.values is not None:
            return list(self.values)
        t = self.type
        if t == "datetime":
            lo, hi = _as_datetime(self.low), _as_datetime(self.high)
            assert lo is not None and hi is not None
            if self.step is not None:
                step = self.step if isinstance(self.step, dt.timedelta) else dt.timedelta(days=float(self.step))
                n = int(math.floor((hi - lo) / step + 1e-9)) + 1
                return [lo + i * step for i in range(n)]
            return self.scale(np.linspace(0.0, 1.0, int(self.num)) if self.num and self.num > 1 else np.zeros(1))
        if self.step is not None:
            n = int(math.floor((float(self.high) - float(self.low)) / float(self.step) + 1e-9)) + 1
            vals = [self.low + i * self.step for i in range(n)]
            return [int(v) for v in vals] if t == "int" else [float(v) for v in vals]
        grid = np.linspace(float(self.low), float(self.high), int(self.num or 1))
        return sorted({int(round(v)) for v in grid}) if t == "int" else [float(v) for v in grid]

    def scale(self, u: np.ndarray) -> list[Any]:
        """Map uniforms in [0, 1) onto the bounds. Integers: each of low..high equally likely."""
        t = self.type
        if t == "datetime":
            lo_d, hi_d = _as_datetime(self.low), _as_datetime(self.high)
            assert lo_d is not None and hi_d is not None
            span = (hi_d - lo_d) / DATETIME_RESOLUTION
            return [lo_d + round(float(x) * span) * DATETIME_RESOLUTION for x in u]
        if t == "int":
            lo, hi = int(self.low), int(self.high)
            return [min(hi, lo + int(math.floor(x * (hi - lo + 1)))) for x in u]
        lo_f, hi_f = float(self.low), float(self.high)
        return [lo_f + float(x) * (hi_f - lo_f) for x in u]


@dataclass(frozen=True)
class Design:
    """A design: ``kind`` (grid, lhs, sobol, or explicit points), its parameters, ``n`` and seed."""

    kind: str
    parameters: tuple[Parameter, ...]
    n: int | None = None
    seed: int = 0
    explicit: pd.DataFrame | None = field(default=None, compare=False)

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.parameters]

    def check(self, where: str = "design") -> None:
        if self.kind not in KINDS:
            raise ScenarioError(where, "design.kind", f"unknown design '{self.kind}' (kinds: {', '.join(KINDS)})")
        if self.kind == "points":
            return
        if not self.parameters:
            raise ScenarioError(where, "design.parameters", "a design needs at least one parameter")
        paths = self.paths
        dup = sorted({p for p in paths if paths.count(p) > 1})
        if dup:
            raise ScenarioError(where, f"design.parameters.{dup[0]}", "parameter given twice")
        sampled = self.kind in ("lhs", "sobol")
        for p in self.parameters:
            p.check(sampled, where)
        if sampled and (self.n is None or self.n < 1):
            raise ScenarioError(where, "design.n", f"a {self.kind} design needs n, the number of points (>= 1)")
        check_design_size(self, where)

    def points(self) -> pd.DataFrame:
        """One row per point: ``point`` then one column per parameter path."""
        self.check()
        if self.kind == "points":
            assert self.explicit is not None
            df = self.explicit.reset_index(drop=True).copy()
            df.insert(0, "point", np.arange(len(df), dtype="int64"))
            return df
        if self.kind == "grid":
            grids = [p.grid_values() for p in self.parameters]
            rows = [list(combo) for combo in _product(grids)]
        else:
            d = len(self.parameters)
            if self.kind == "lhs":
                u = qmc.LatinHypercube(d=d, seed=self.seed).random(int(self.n or 0))
            else:
                m = sobol_exponent(int(self.n or 0))
                u = qmc.Sobol(d=d, scramble=True, seed=self.seed).random_base2(m)
            cols = [p.scale(u[:, j]) for j, p in enumerate(self.parameters)]
            rows = [list(r) for r in zip(*cols, strict=True)]
        df = pd.DataFrame(rows, columns=self.paths)
        df.insert(0, "point", np.arange(len(df), dtype="int64"))
        return df

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description for manifests."""
        out: dict[str, Any] = {"kind": self.kind, "n": self.n, "seed": self.seed, "parameters": {}}
        for p in self.parameters:
            spec = {k: v for k, v in (("values", p.values), ("low", p.low), ("high", p.high), ("num", p.num),
                                      ("step", p.step), ("type", p.kind)) if v is not None}
            out["parameters"][p.path] = _jsonable(spec)
        return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, dt.date | dt.timedelta):
        return str(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def _product(grids: Sequence[list[Any]]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [()]
    for g in grids:
        out = [prev + (v,) for prev in out for v in g]
    return out


def sobol_exponent(n: int) -> int:
    """Sobol points come in powers of two (their balance holds only then): n is rounded up."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return max(0, math.ceil(math.log2(n)))


def explicit_points(points: pd.DataFrame) -> Design:
    """A design from a table of points (one column per path), e.g. from SALib samplers."""
    return Design("points", tuple(Parameter(c, values=(None,)) for c in points.columns), explicit=points)


def parse_parameter(path: str, spec: Any, where: str = "design") -> Parameter:
    """``[v1, v2]``, ``{values: [...]}``, ``{range: [low, high, step]}`` or ``{low, high, num|step, type}``."""
    f = f"design.parameters.{path}"
    if isinstance(spec, list | tuple):
        return Parameter(path, values=tuple(spec))
    if not isinstance(spec, Mapping):
        return Parameter(path, values=(spec,))
    known = {"values", "range", "low", "high", "num", "step", "type"}
    extra = sorted(set(spec) - known)
    if extra:
        raise ScenarioError(where, f"{f}.{extra[0]}", f"unknown key (use one of {', '.join(sorted(known))})")
    kind = spec.get("type")
    if kind is not None and kind not in ("float", "int", "datetime"):
        raise ScenarioError(where, f"{f}.type", f"type is float, int or datetime (got {kind!r})")
    if "values" in spec:
        vals = spec["values"]
        if not isinstance(vals, list):
            raise ScenarioError(where, f"{f}.values", "values is a list")
        return Parameter(path, values=tuple(vals), kind=kind)
    if "range" in spec:
        r = spec["range"]
        if not isinstance(r, list) or len(r) != 3:
            raise ScenarioError(where, f"{f}.range", "range is [low, high, step] (inclusive)")
        return Parameter(path, low=r[0], high=r[1], step=r[2], kind=kind)
    return Parameter(path, low=spec.get("low"), high=spec.get("high"), num=spec.get("num"),
                     step=spec.get("step"), kind=kind)


MAX_POINTS = 100_000
"""Most points a sweep file may ask for: every point is validated as a scenario before anything runs."""


def _n_values(p: Parameter, file: str | Path) -> int:
    """How many grid values ``p`` has, computed without making them (a tiny step must not hang)."""
    f = f"design.parameters.{p.path}"
    if p.values is not None:
        return len(p.values)
    if p.step is None:
        return int(p.num or 1)
    try:
        if p.type == "datetime":
            step_days = p.step / dt.timedelta(days=1) if isinstance(p.step, dt.timedelta) else float(p.step)
            lo, hi = pd.Timestamp(p.low), pd.Timestamp(p.high)
            span = (hi - lo) / pd.Timedelta(days=1)
        else:
            step_days, span = float(p.step), float(p.high) - float(p.low)
    except (TypeError, ValueError, OverflowError):
        raise ScenarioError(file, f, f"step must be a number (got {p.step!r})") from None
    if not math.isfinite(step_days) or step_days <= 0 or not math.isfinite(span):
        raise ScenarioError(file, f, f"step must be a finite number above 0 (got {p.step!r})")
    return int(min(span / step_days, MAX_POINTS)) + 1


def check_finite_bounds(parameters: Iterable[Parameter], file: str | Path, prefix: str = "design.parameters") -> None:
    """Refuse bounds that are not finite (points cannot be scaled onto them)."""
    for p in parameters:
        for name, v in (("low", p.low), ("high", p.high)):
            if isinstance(v, float) and not math.isfinite(v):
                raise ScenarioError(file, f"{prefix}.{p.path}.{name}", f"must be a finite number (got {v})")


def check_design_size(design: Design, file: str | Path) -> None:
    """Refuse a design of more than ``MAX_POINTS`` points, naming the field that makes it so big,
    and bounds that are not finite."""
    check_finite_bounds(design.parameters, file)
    if design.kind in ("lhs", "sobol"):
        if design.n is not None and design.n > MAX_POINTS:
            raise ScenarioError(file, "design.n", f"at most {MAX_POINTS} points (got {design.n})")
        return
    total = 1
    for p in design.parameters:
        total *= max(_n_values(p, file), 1)
        if total > MAX_POINTS:
            raise ScenarioError(file, f"design.parameters.{p.path}",
                                f"the grid would have more than {MAX_POINTS} points")


def parse_design(spec: Any, where: str | Path = "design") -> Design:
    """A ``Design`` from the ``design:`` block of a sweep file."""
    w = str(where)
    if not isinstance(spec, Mapping):
        raise ScenarioError(w, "design", "design is a mapping with kind and parameters")
    extra = sorted(set(spec) - {"kind", "n", "seed", "parameters"})
    if extra:
        raise ScenarioError(w, f"design.{extra[0]}", "unknown key (design keys: kind, n, seed, parameters)")
    params = spec.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise ScenarioError(w, "design.parameters", "a mapping of parameter path to values or bounds")
    n = spec.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool)):
        raise ScenarioError(w, "design.n", f"n is a whole number of points (got {n!r})")
    seed = spec.get("seed", 0)
    if not isinstance(seed, int) or seed < 0:
        raise ScenarioError(w, "design.seed", f"seed is a non-negative integer (got {seed!r})")
    design = Design(str(spec.get("kind", "grid")), tuple(parse_parameter(str(k), v, w) for k, v in params.items()),
                    n=n, seed=seed)
    design.check(w)
    return design


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


def point_overrides(points: pd.DataFrame, i: int) -> dict[str, Any]:
    """``{path: value}`` of row ``i`` of a points table, as plain Python values."""
    row = points.iloc[i]
    return {c: _plain(row[c]) for c in points.columns if c != "point"}


def _has_path(data: Any, path: str) -> bool:
    node = data
    for key in path.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return False
    return True


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        n += 1
    return n


def check_paths(raw: dict[str, Any], paths: Sequence[str], where: str | Path | None = None) -> Scenario:
    """Raise ``ScenarioError`` naming the first path that is not a parameter of the scenario."""
    base = validate(raw, where)
    full = json.loads(base.model_dump_json(by_alias=True))
    for p in paths:
        if not _has_path(full, p):
            from sim.model.input_checks import path_hint

            raise ScenarioError(where, p, f"not a parameter of the scenario{path_hint(p)} (check the path; "
                                "`withdrawal-sim schema` lists the fields)")
    return base


def point_scenarios(raw: dict[str, Any], points: pd.DataFrame, where: str | Path | None = None) -> list[Scenario]:
    """Validate every point of a design on the raw scenario: one ``Scenario`` per point.

    Raises ``ScenarioError`` naming the path (and the point) for a path that does not exist or a
    value the scenario rejects. Nothing is run.
    """
    paths = [c for c in points.columns if c != "point"]
    check_paths(raw, paths, where)
    out = []
    for i in range(len(points)):
        ov = point_overrides(points, i)
        try:
            sc = validate(apply_overrides(raw, ov), where)
        except ScenarioError as exc:
            field_ = exc.field or ""
            best = max(paths, key=lambda p: _common_prefix(p, field_)) if paths else None
            if best is None or (len(paths) > 1 and _common_prefix(best, field_) == 0):
                shown = ", ".join(f"{k}={v!r}" for k, v in ov.items())
                raise ScenarioError(where, exc.field, f"at point {i} ({shown}): {exc.message}") from None
            raise ScenarioError(where, best, f"at point {i} ({best}={ov[best]!r}): "
                                f"{exc.field + ': ' if exc.field and exc.field != best else ''}{exc.message}") from None
        out.append(sc)
    return out
