"""Inputs that are valid but suspicious (warnings), and bad-input messages in plain language.

``input_warnings`` lists what a planner should know before trusting a run of a valid scenario: a
base that no lift serves but that has cargo for lift trucks (it will all be destroyed or
abandoned), persons planned to fly from a base without airstrip, a date-only ``deadline`` (00:00
of that day). The command line prints them to stderr and records them in ``manifest.json``.

``plain_message`` rewrites pydantic's jargon (a missing or unknown ``kind``) and adds a "did you
mean" to unknown keys and paths (difflib over the fields the format has at that place). The loader
(``sim.model.loader.validation_error``) and the design checks raise their errors through it, so
``sim.load_scenario``, ``sim.run``, ``sim.sweep`` and the command line give the same message.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from sim.model.errors import ScenarioError
from sim.model.schema import Scenario


def _is_date_only(value: Any) -> bool:
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str):
        text = value.strip()
        return len(text) == 10 and text[4:5] == "-" and text[7:8] == "-"
    return False


def input_warnings(sc: Scenario, raw: Mapping[str, Any] | None = None) -> list[str]:
    """Warnings about a valid scenario (``raw``: the data it was validated from, after overrides,
    to see how dates were written). Empty when nothing is suspicious."""
    out: list[str] = []
    served = {b for lift in sc.fleet.lifts.values() for b in lift.serves}
    for name, base in sc.bases.items():
        strip = base.airstrip
        flies_cargo = strip is not None and strip.cargo_units_per_sortie > 0
        stranded = {c: n for c, n in base.cargo.items()
                    if n > 0 and c in sc.cargo_classes and not sc.cargo_classes[c].self_propelled
                    and not (flies_cargo and sc.cargo_classes[c].air_eligible)}
        if name not in served and stranded:
            what = ", ".join(f"{c} {n:,}" for c, n in stranded.items())
            out.append(f"sites.{name}: no lift serves this base (fleet.lifts.*.serves), so its cargo for "
                       f"lift trucks ({what} units) cannot leave by road: it will all be destroyed or abandoned")
        if base.personnel_air_planned > 0 and strip is None:
            out.append(f"sites.{name}.personnel_air_planned: {base.personnel_air_planned:,} persons are planned "
                       "to fly but the base has no airstrip, so none will fly (they leave by road)")
    cal = raw.get("calendar") if isinstance(raw, Mapping) else None
    if isinstance(cal, Mapping) and _is_date_only(cal.get("deadline")):
        out.append(f"calendar.deadline: a date without a time means 00:00 of that day "
                   f"({sc.calendar.deadline:%d %b %Y %H:%M}); write e.g. "
                   f"{sc.calendar.deadline:%Y-%m-%d}T23:59 if the end of the day is meant")
    return out


# -- plain-language errors ----------------------------------------------------------------------


def _models(tp: Any) -> list[type[BaseModel]]:
    """The pydantic models a type annotation may hold at this level (through Optional, unions and
    Annotated)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _models(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _models(a)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _children(tp: Any) -> Any:
    """The item type of a dict or list annotation (through Optional and Annotated), else None."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _children(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        for a in typing.get_args(tp):
            if (c := _children(a)) is not None:
                return c
        return None
    if origin in (dict, Mapping):
        return typing.get_args(tp)[1]
    if origin in (list, tuple, Iterable):
        args = typing.get_args(tp)
        return args[0] if args else None
    return None


def _names(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or k): f.annotation for k, f in model.model_fields.items()}


def known_keys(path: str, root: type[BaseModel] = Scenario) -> list[str] | None:
    """The keys the format allows in the block at dotted ``path`` ("" for the top), or ``None``
    when the path does not lead to a block."""
    tp: Any = root
    for key in [k for k in path.split(".") if k]:
        models = _models(tp)
        if models:
            fields: dict[str, Any] = {}
            for m in models:
                fields.update(_names(m))
            if key not in fields:
                return None
            tp = fields[key]
            continue
        child = _children(tp)
        if child is None:
            return None
        tp = child
    models = _models(tp)
    if not models:
        return None
    keys: dict[str, None] = {}
    for m in models:
        keys.update(dict.fromkeys(_names(m)))
    return list(keys)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _site_kinds() -> list[str]:
    from sim.model.schema import Base, Hub

    kinds: list[str] = []
    for m in (Base, Hub):
        args = typing.get_args(m.model_fields["kind"].annotation)
        kinds.extend(str(a) for a in args)
    return sorted(kinds)


def path_hint(path: str, root: type[BaseModel] = Scenario) -> str:
    """A "did you mean" for the first key of dotted ``path`` that the format does not have at its
    place (``""`` when every key is known, or no key is close): ``flight.p_grant`` → ``flights``,
    ``flights.p_grnt`` → ``p_grant``."""
    keys = [k for k in path.split(".") if k]
    for i, key in enumerate(keys):
        allowed = known_keys(".".join(keys[:i]), root)
        if allowed is None:
            continue  # a name in a map or an index in a list: nothing to compare with
        if key not in allowed:
            return did_you_mean(key, allowed)
    return ""


def plain_message(message: str, field: str | None, root: type[BaseModel] | None = Scenario) -> str:
    """``message`` in plain language: a missing or unknown ``kind`` of a site instead of pydantic's
    discriminator jargon, and a "did you mean" for an unknown key or parameter path (``field``,
    dotted, relative to the model ``root``; no hint without a ``root``). Other messages unchanged."""
    if "Unable to extract tag using discriminator" in message or "does not match any of the expected tags" in message:
        problem = "missing 'kind'" if "Unable to extract" in message else "unknown 'kind'"
        return f"{problem} (one of {', '.join(_site_kinds())})"
    if (root is not None and field and "did you mean" not in message
            and (message.startswith("unknown key") or message.startswith("not a parameter"))):
        return f"{message}{path_hint(field.removeprefix('--set ').strip(), root)}"
    return message


def plain_error(exc: ScenarioError, root: type[BaseModel] | None = Scenario) -> ScenarioError:
    """``exc`` with its message in plain language (``plain_message``); the same error when nothing
    changes. The loader raises its errors through this, so the Python API and the command line say
    the same thing."""
    msg = plain_message(exc.message, exc.field, root)
    return exc if msg == exc.message else ScenarioError(exc.file, exc.field, msg)
