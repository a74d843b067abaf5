"""Uncertain fields in raw scenario data (MODEL.md §17): inline distributions moved into the
``uncertainty`` block, point values put in their place, and a drawn set of values written into a
scenario.

Works on raw data (plain dicts from YAML) before validation, so that a distribution can stand where
the schema wants a number; ``sim.model.loader`` calls it between the overrides and validation.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.model.distributions import DIST_NAMES, Uncertainty
from sim.model.errors import ScenarioError

UNCERTAINTY_KEY = "uncertainty"


def is_distribution(value: Any) -> bool:
    """Whether raw ``value`` is written as a distribution (a mapping with a ``dist`` key)."""
    return isinstance(value, Mapping) and "dist" in value


def _annotation_at(tp: Any, keys: list[str]) -> Any:
    """The type annotation at ``keys`` below type ``tp``, or ``None`` when the path leaves the
    schema."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _annotation_at(typing.get_args(tp)[0], keys)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            found = _annotation_at(arg, keys)
            if found is not None:
                return found
        return None
    if not keys:
        return tp
    key, rest = keys[0], keys[1:]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if key in (name, info.alias):
                return _annotation_at(info.annotation, rest)
        return None
    if origin is dict:
        return _annotation_at(typing.get_args(tp)[1], rest)
    if origin in (list, tuple):
        args = typing.get_args(tp)
        return _annotation_at(args[0], rest) if args and key.isdigit() else None
    return None


def integer_field(path: str) -> bool:
    """Whether the scenario field at dotted ``path`` holds an integer (its draws are rounded)."""
    from sim.model.schema import Scenario

    tp = _annotation_at(Scenario, [k for k in path.split(".") if k])
    return tp is int


def _walk(node: Any, prefix: str, found: dict[str, Any]) -> None:
    """Record in ``found`` (path → raw distribution) every inline distribution below ``node``."""
    if is_distribution(node):
        found[prefix] = dict(node)
        return
    if isinstance(node, Mapping):
        for k, v in node.items():
            if prefix == "" and k == UNCERTAINTY_KEY:
                continue
            _walk(v, f"{prefix}.{k}" if prefix else str(k), found)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk(v, f"{prefix}.{i}" if prefix else str(i), found)


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    node: Any = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
    if isinstance(node, list):
        node[int(keys[-1])] = value
    elif isinstance(node, dict):
        node[keys[-1]] = value
    else:
        raise ScenarioError(None, path, f"'{'.'.join(keys[:-1])}' is a value, not a block")


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")


def _check_one(raw: Any, file: str | Path | None, where: str) -> None:
    """A clear error for a malformed distribution at ``where`` (its name, then its parameters)."""
    from sim.model.distributions import Distribution

    if not isinstance(raw, Mapping):
        raise ScenarioError(file, where, "a distribution is a mapping with a 'dist' key")
    name = raw.get("dist")
    if name not in DIST_NAMES:
        raise ScenarioError(file, f"{where}.dist", f"unknown distribution {name!r} (known: {', '.join(DIST_NAMES)})")
    from pydantic import TypeAdapter

    try:
        TypeAdapter(Distribution).validate_python(dict(raw))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(x) for x in err["loc"] if str(x) != name]
        field = ".".join([where, *[x.rstrip("_") for x in loc]])
        msg = "unknown key" if err["type"] == "extra_forbidden" else _plain(err["msg"])
        if "input" in err and not isinstance(err["input"], dict | list) and err["type"] != "extra_forbidden":
            msg += f" (got {err['input']!r})"
        raise ScenarioError(file, field, msg) from None


def extract(data: dict[str, Any], file: str | Path | None = None) -> dict[str, Any]:
    """Raw data with every inline distribution moved into ``uncertainty.fields`` and its point value
    in its place; unchanged (the same object) when the data has no distribution. (An override of a
    field in the block removes it from the block: ``loader.apply_overrides``.)"""
    found: dict[str, Any] = {}
    _walk(data, "", found)
    block = data.get(UNCERTAINTY_KEY)
    if not found and block is None:
        return data
    out = copy.deepcopy(data)
    if block is not None and not isinstance(block, Mapping):
        raise ScenarioError(file, UNCERTAINTY_KEY, "the uncertainty block is a mapping (design, factors, fields)")
    ublock: dict[str, Any] = dict(block or {})
    fields = ublock.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise ScenarioError(file, "uncertainty.fields", "a mapping of dotted field path -> distribution")
    fields = {str(k): v for k, v in fields.items()}
    for path, raw in found.items():
        _check_one(raw, file, path)
        if path in fields and fields[path] != raw:
            raise ScenarioError(file, path, "has a distribution both inline and in uncertainty.fields; give one")
        fields[path] = raw
    for path, raw in fields.items():
        _check_one(raw, file, f"uncertainty.fields.{path}")
    for name, raw in (ublock.get("factors") or {}).items() if isinstance(ublock.get("factors"), Mapping) else []:
        _check_one(raw, file, f"uncertainty.factors.{name}")
    ublock["fields"] = fields
    try:
        unc = Uncertainty.model_validate(ublock)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(["uncertainty", *[str(x) for x in err["loc"]]])
        msg = _plain(err["msg"])
        if ": " in msg and msg.split(": ", 1)[0].startswith(("fields.", "factors.")):
            sub, msg = msg.split(": ", 1)
            field = f"uncertainty.{sub}"
        raise ScenarioError(file, field, msg) from None
    out[UNCERTAINTY_KEY] = ublock
    for path in unc.fields:
        try:
            _set(out, path, point_value(unc, path))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            raise ScenarioError(file, f"uncertainty.fields.{path}", "not a field of this scenario") from None
    return out


def point_value(unc: Uncertainty, path: str) -> float | int:
    """The value a field takes in the point scenario: its mean (times its factor's), rounded for an
    integer field."""
    v = unc.point(path)
    return int(round(v)) if integer_field(path) else float(v)


def with_values(data: dict[str, Any], values: Mapping[str, float]) -> dict[str, Any]:
    """A copy of validated-scenario data (``scenario_dict``) without its uncertainty block and with
    each field at ``values[path]`` (rounded for integer fields): one draw's scenario, to validate."""
    out = copy.deepcopy(data)
    out.pop(UNCERTAINTY_KEY, None)
    for path, v in values.items():
        _set(out, path, int(round(v)) if integer_field(path) else float(v))
    return out


EXTREME_QUANTILES: tuple[float, ...] = (0.001, 0.999)
"""Quantiles at which every uncertain field is checked when a scenario is validated: a distribution
that puts more than 0.1 % of its draws outside a field's range is refused up front."""


def drawn_inputs(unc: Uncertainty, u: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """For quantiles ``u`` (input name → an array of quantiles, names as ``Uncertainty.inputs``):
    each input's quantiles, and each field's values (its own quantile times its factor's)."""
    import numpy as np

    inputs = {name: d.ppf(np.asarray(u[name], dtype=float)) for name, d in unc.inputs()}
    fields = {path: inputs[path] * (inputs[f"factor:{d.factor}"] if d.factor else 1.0)
              for path, d in unc.fields.items()}
    return inputs, fields


def check_extremes(data: dict[str, Any], unc: Uncertainty, file: str | Path | None,
                   validate_plain: Callable[[dict[str, Any], str | Path | None], Any]) -> None:
    """``ScenarioError`` when the scenario with every uncertain input at one of
    ``EXTREME_QUANTILES`` is not valid (by ``validate_plain``, the loader's), naming the field."""
    for q in EXTREME_QUANTILES:
        values = {p: float(v[0]) for p, v in drawn_inputs(unc, {name: [q] for name, _ in unc.inputs()})[1].items()}
        try:
            validate_plain(with_values(data, values), file)
        except ScenarioError as exc:
            at = f"{q * 100:g} % quantile"
            if exc.field in values:
                msg = (f"its distribution's {at} ({values[exc.field]:.6g}) is outside the field's range: "
                       f"{exc.message}")
            else:
                msg = f"with every uncertain input at its {at}: {exc.message}"
            raise ScenarioError(file, exc.field, msg) from None
