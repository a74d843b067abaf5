"""Loading scenario files: safe YAML, dotted-path overrides, one clear error per bad input."""

from __future__ import annotations

import copy
import hashlib
import json
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.model.errors import ScenarioError
from sim.model.people_checks import PeopleProblem, check_people
from sim.model.references import ReferenceProblem, check_references
from sim.model.schema import Scenario
from sim.model.security_checks import SecurityProblem, check_security
from sim.model.strict_yaml import StrictLoader, StrictYAMLError, load_strict

__all__ = ["ScenarioError", "apply_overrides", "load_override_file", "load_scenario", "parse_override", "read_yaml", "scenario_dict",
           "scenario_hash", "set_path", "validate", "validate_plain"]

MAX_FILE_BYTES = 500_000
"""Scenario files are small (the largest shipped one is 17 kB); anything larger is refused before
it is parsed (the safe YAML parser takes about 10 s per MB)."""
MAX_NODES = 200_000
"""YAML nodes after alias expansion; stops 'billion laughs' alias bombs."""
SAFE_LOADER = StrictLoader
"""The loader of every scenario, override and experiment file: safe (plain data only), YAML 1.2
core-schema scalars, no duplicate keys, no non-standard tags (``sim.model.strict_yaml``)."""
MAX_DEPTH = 32
"""Deepest nesting of blocks and lists (shipped scenarios use 6)."""


def _count(obj: Any, limit: int = MAX_NODES) -> int:
    stack, n = [(obj, 0)], 0
    while stack:
        x, depth = stack.pop()
        n += 1
        if n > limit:
            raise yaml.YAMLError(f"more than {limit} values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(x, Mapping):
            stack.extend((v, depth + 1) for v in x.values())
        elif isinstance(x, list):
            stack.extend((v, depth + 1) for v in x)
    return n


def _read_limited(p: Path) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``; never opens a FIFO or a device
    (reading one blocks or never ends), never reads more than the limit."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ScenarioError(p, None, "file not found") from None
    except OSError as exc:
        raise ScenarioError(p, None, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError(p, None, "is a directory, not a scenario file")
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(p, None, "not a regular file (a device, FIFO or socket); give a scenario file")
    if st.st_size > MAX_FILE_BYTES:
        raise ScenarioError(p, None, f"file is {st.st_size} bytes; scenario files are limited to {MAX_FILE_BYTES}")
    try:
        with p.open("rb") as f:
            blob = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(p, None, f"cannot read: {exc.strerror or exc}") from None
    if len(blob) > MAX_FILE_BYTES:  # it grew after stat
        raise ScenarioError(p, None, f"file is over {MAX_FILE_BYTES} bytes; scenario files are limited to that")
    return blob


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a YAML mapping from ``path`` safely, or raise ``ScenarioError``."""
    p = Path(path)
    blob = _read_limited(p)
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(p, None, f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = load_strict(text)
        if data is not None:
            _count(data)
    except StrictYAMLError as exc:
        raise ScenarioError(p, exc.field, exc.message) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(p, None, f"not valid YAML{at}: {problem}") from None
    except RecursionError:
        raise ScenarioError(p, None, "YAML nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # a scalar YAML cannot convert: 2023-13-45, 10**5000
        raise ScenarioError(p, None, f"not valid YAML: a value cannot be read ({exc})") from None
    if data is None:
        raise ScenarioError(p, None, "the file is empty; a scenario is a YAML mapping")
    if not isinstance(data, dict):
        raise ScenarioError(p, None, f"a scenario is a YAML mapping, not a {type(data).__name__}")
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """``"flights.p_grant=0.5"`` → ``("flights.p_grant", 0.5)``; the value is read as YAML, by the
    same strict rules as a scenario file (``sim.model.strict_yaml``)."""
    if "=" not in text:
        raise ScenarioError(None, text, "an override is PATH=VALUE, e.g. flights.p_grant=0.5")
    path, raw = text.split("=", 1)
    try:
        value = load_strict(raw) if raw.strip() else None
    except StrictYAMLError as exc:
        raise ScenarioError(None, path.strip(), f"the value {raw!r}: {exc}") from None
    except yaml.YAMLError:
        value = raw  # not YAML: the text itself (the schema says if text is wrong here)
    except RecursionError:
        raise ScenarioError(None, path.strip(), "the value is nested too deeply") from None
    return path.strip(), value


def set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the dotted ``path`` set (list items by index)."""
    out = copy.deepcopy(data)
    keys = [k for k in path.split(".") if k]
    if not keys:
        raise ScenarioError(None, path, "empty parameter path")
    node: Any = out
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ScenarioError(None, path, f"'{key}' is not an index of the list at {'.'.join(keys[:i]) or 'top'}")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                if node.get(key) is None:
                    node[key] = {}
                node = node[key]
        else:
            raise ScenarioError(None, path, f"'{'.'.join(keys[:i])}' is a value, not a block")
    return out


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """Apply ``{path: value}`` or ``["path=value", ...]`` to raw scenario data."""
    if not overrides:
        return data
    items = overrides.items() if isinstance(overrides, Mapping) else (parse_override(o) for o in overrides)
    for path, value in items:
        data = set_path(data, path, value)
        fields = data.get("uncertainty", {}).get("fields") if isinstance(data.get("uncertainty"), dict) else None
        if isinstance(fields, dict) and path.strip(".") in fields:
            del fields[path.strip(".")]  # the override's value (a number or a distribution) replaces it
    return data


def _field(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for x in loc:
        s = str(x)
        if s in ("hub", "base") and parts and parts[-2:-1] == ["sites"]:
            continue  # pydantic adds the union tag; users never write it
        parts.append(s.rstrip("_") if s.endswith("_") else s)
    return ".".join(parts)


def _shown(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (a 10,000-character name is not echoed)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f", {len(value)} characters" if isinstance(value, str) else ""
    return f"{text[:limit - 20]}...{size}"


def validation_error(exc: ValidationError, file: str | Path | None,
                     model: type[BaseModel] | None = None) -> ScenarioError:
    """The first problem pydantic found, as a ``ScenarioError`` naming the field in the file's terms,
    in plain language (``sim.model.input_checks.plain_message``: no discriminator jargon; a "did you
    mean" for an unknown key of ``model``, the model the field path is relative to, when given)."""
    from sim.model.input_checks import plain_message

    err = exc.errors()[0]
    msg = err["msg"].removeprefix("Value error, ")
    field = _field(tuple(err["loc"]))
    if err["type"] == "extra_forbidden":
        msg = "unknown key (not part of the format; see `withdrawal-sim schema`)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif "input" in err and err["type"] not in ("value_error",) and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {_shown(err['input'])})"
    if not field and ": " in msg:
        field, msg = msg.split(": ", 1)
    msg = plain_message(msg, field or None, model)
    more = len(exc.errors()) - 1
    if more:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ScenarioError(file, field or None, msg)


def validate(data: dict[str, Any], file: str | Path | None = None) -> Scenario:
    """Validate raw data into a ``Scenario`` (the schema, then the cross-references), or raise
    ``ScenarioError`` for the first problem. Inline distributions (MODEL.md §17) are moved into the
    ``uncertainty`` block first, their means put in their place, and the scenario is checked at the
    inputs' extreme quantiles too (``uncertain_fields.check_extremes``)."""
    from sim.model.uncertain_fields import check_extremes, extract

    data = extract(data, file)
    sc = validate_plain(data, file)
    if sc.uncertainty is not None and sc.uncertainty.fields:
        check_extremes(data, sc.uncertainty, file, validate_plain)
    return sc


def validate_plain(data: dict[str, Any], file: str | Path | None = None) -> Scenario:
    """``validate`` of data whose distributions are already in their block (every field a number)."""
    try:
        sc = Scenario.model_validate(data)
        check_references(sc)
        check_people(sc)
        check_security(sc)
        return sc
    except (ReferenceProblem, PeopleProblem, SecurityProblem) as exc:
        field, _, msg = str(exc).partition(": ")
        raise ScenarioError(file, field if msg else None, msg or str(exc)) from None
    except ValidationError as exc:
        raise validation_error(exc, file, Scenario) from None
    except ValueError as exc:
        text = str(exc)
        field, _, msg = text.partition(": ")
        raise ScenarioError(file, field if msg else None, msg or text) from None


def load_scenario(
    path: str | Path, overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> Scenario:
    """Read, override and validate a scenario file."""
    data = read_yaml(path)
    try:
        data = apply_overrides(data, overrides)
    except ScenarioError as exc:
        raise ScenarioError(path, f"--set {exc.field}", exc.message) from None
    return validate(data, path)


def is_override_file(path: str | Path) -> bool:
    """Whether ``path`` is an override file (every key a dotted path, such as
    ``scenarios/counterfactuals/*.yaml``) rather than a scenario."""
    from sim.model.input_checks import known_keys

    try:
        data = read_yaml(path)
    except ScenarioError:
        return False
    top = set(known_keys("") or [])
    return bool(data) and all(isinstance(k, str) and "." in k and k not in top for k in data)


def load_override_file(path: str | Path) -> dict[str, Any]:
    """An override file (``scenarios/counterfactuals/*.yaml``): a YAML mapping of dotted parameter
    path → value, applied like ``--set``."""
    data = read_yaml(path)
    for key in data:
        if not isinstance(key, str) or not key.strip() or key != key.strip():
            raise ScenarioError(path, str(key), "a key of an override file is a dotted parameter path, "
                                "e.g. flights.p_grant")
    return data


def scenario_dict(sc: Scenario) -> dict[str, Any]:
    """The scenario as plain data (aliases such as ``from`` restored), ready for YAML."""
    return json.loads(sc.model_dump_json(by_alias=True, exclude_none=True))


def scenario_hash(sc: Scenario) -> str:
    """SHA-256 of the canonical JSON of the validated scenario."""
    blob = json.dumps(scenario_dict(sc), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()
