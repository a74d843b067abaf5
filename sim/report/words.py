"""Names in words for readers of the report: a dotted scenario path (``flights.p_grant``) as the
phrase the schema's field docstrings give (``probability a flight is granted``), and metric columns
with their units."""

from __future__ import annotations

import re
import types
import typing
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from sim.model.schema import Scenario

PHRASES: dict[str, str] = {
    "flights.p_grant": "probability a flight is granted",
    "road_movements.p_grant": "probability a road movement is authorized",
    "air_cover.p_grant": "probability a day has air cover",
    "convoy.max_vehicles": "largest convoy (vehicles)",
}
"""Hand-written phrases for the levers planners move most; every other path comes from the schema."""

METRICS: dict[str, str] = {
    "on_time": "P(out by the deadline)",
    "completion_hours": "completion (hours after the start)",
    "wounded": "wounded (persons)",
    "killed": "killed (persons)",
    "died_of_wounds": "died of wounds (persons)",
    "vehicles_lost": "vehicles lost",
    "ied_strikes": "IED strikes",
    "ambushes": "ambushes",
    "personnel_air": "personnel flown out",
    "n_forced_early": "bases forced out early",
    "destroyed_value_usd": "equipment destroyed (M USD)",
    "abandoned_value_usd": "equipment abandoned (M USD)",
}


def metric_words(metric: str) -> str:
    """A metric column in words, with its unit (money in M USD)."""
    return METRICS.get(metric, metric.replace("_", " "))


def _unwrap(tp: Any) -> list[Any]:
    """The alternatives of an annotation: ``Annotated`` and ``Optional`` peeled off."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(tp) if arg is not type(None) for a in _unwrap(arg)]
    return [tp]


def _field(model: type[BaseModel], name: str) -> Any:
    for fname, info in model.model_fields.items():
        if name in (fname, info.alias):
            return info
    return None


def _first_clause(doc: str) -> str:
    text = re.split(r";|\. |, default|\(|, outside| — ", doc.strip(), maxsplit=1)[0].strip().rstrip(".,:")
    if len(text) > 1 and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return text.replace("``", "")


@lru_cache(maxsize=512)
def field_doc(path: str) -> tuple[str | None, tuple[str, ...]]:
    """The docstring of the field at a dotted path, and the names met on the way (dict keys, list
    positions as ``#1``): ``(None, ...)`` when the path names no documented field."""
    kinds: list[Any] = [Scenario]
    doc: str | None = None
    context: list[str] = []
    for seg in path.split("."):
        found: list[Any] = []
        step_doc: str | None = None
        is_key = False
        for tp in kinds:
            origin = typing.get_origin(tp)
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                info = _field(tp, seg)
                if info is not None:
                    step_doc = step_doc or info.description
                    found += _unwrap(info.annotation)
            elif origin in (list, tuple) and typing.get_args(tp):
                is_key = True
                found += _unwrap(typing.get_args(tp)[0])
            elif origin is dict and typing.get_args(tp):
                is_key = True
                found += _unwrap(typing.get_args(tp)[1])
        if not found:
            return None, tuple(context)
        if is_key:
            context.append(f"#{int(seg) + 1}" if seg.isdigit() else seg)
        else:
            doc = step_doc
            if seg != path.split(".")[-1]:
                context.append(seg.replace("_", " "))
        kinds = found
    return doc, tuple(context)


def parameter_words(path: str) -> str:
    """A dotted scenario path in words, e.g. ``"flights.p_grant"`` → ``"probability a flight is
    granted"``, ``"sites.kidal.leave_by"`` → ``"latest departure … (sites, kidal)"``; the path itself
    when the schema does not document it."""
    if path in PHRASES:
        return PHRASES[path]
    doc, context = field_doc(path)
    if not doc:
        return path
    words = _first_clause(doc)
    return f"{words} ({', '.join(context)})" if context else words
