"""Strict YAML reading: YAML 1.2 core-schema scalars, no duplicate keys, no non-standard tags.

PyYAML resolves plain scalars by YAML 1.1, where ``24:00`` is 1440 (sexagesimal), ``0100`` is 64
(octal) and ``yes``/``no``/``on``/``off`` are booleans. Scenario files are read by the YAML 1.2
core schema instead:

- booleans: ``true``/``false`` only (also ``True``, ``TRUE``, ``False``, ``FALSE``); ``yes``,
  ``no``, ``on``, ``off`` are text;
- integers: decimal digits (``0100`` is one hundred: a leading zero means nothing), ``0o17``
  (octal), ``0x1F`` (hex); no ``_`` separators, no ``1:30`` sexagesimal (that is text);
- floats: ``1.5``, ``1e3``, ``.5``, ``.inf``, ``.nan``; null: ``null``, ``~`` or nothing.

Dates and date-times (``2023-10-31``, ``2023-10-31T06:00``) are read as such (an extension the
calendars need); an impossible one (``2024-02-30``) stays text so that the schema names its field.
A key given twice in one mapping is refused with both line numbers; so is any tag other than the
standard ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!map``, ``!!seq`` (``!!binary``,
``!!set``, ``!!python/...``, ``!custom``). Anchors, aliases and merge keys (``<<: *anchor``) work
as in YAML; keys written in a mapping override the merged ones, as the merge-key rule says.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["StrictYAMLError", "load_strict"]

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (about 10x faster); the constructors are the
Python ones below in both cases, and build only plain data."""

T = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(T + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "merge", "timestamp"))
"""Tags a node may carry: the core schema's, merge keys, and dates (resolved implicitly)."""

_TYPED = frozenset(T + t for t in ("int", "float", "bool", "null"))
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_NULL = re.compile(r"~|null|Null|NULL|")


class StrictYAMLError(yaml.YAMLError):
    """A form the strict reading refuses: ``field`` is the key path (or None), ``message`` what."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class StrictLoader(_BASE_LOADER):
    """A safe loader with YAML 1.2 core-schema resolvers and constructors."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    yaml_constructors = dict(_BASE_LOADER.yaml_constructors)


def _resolver(tag: str, pattern: str, first: str) -> None:
    StrictLoader.add_implicit_resolver(T + tag, re.compile(f"^(?:{pattern})$"), list(first))


_resolver("bool", _BOOL.pattern, "tTfF")
_resolver("int", _INT.pattern, "-+0123456789")
_resolver("float", _FLOAT.pattern, "-+0123456789.")
_resolver("null", "~|null|Null|NULL|", "~nN")
StrictLoader.add_implicit_resolver(T + "null", re.compile(r"^$"), [""])
_resolver("merge", "<<", "<")
StrictLoader.add_implicit_resolver(T + "timestamp", next(r for t, r in yaml.SafeLoader.yaml_implicit_resolvers["2"] if t == T + "timestamp"), list("0123456789"))
"""PyYAML's own pattern of dates (``2023-10-31``) and date-times with seconds; other forms
(``2023-10-31T06:00``) stay text, which the schema reads as a date-time."""


def _scalar(loader: StrictLoader, node: ScalarNode, pattern: re.Pattern[str], what: str) -> str:
    value = str(loader.construct_scalar(node))
    if not pattern.fullmatch(value):
        raise ConstructorError(None, None, f"'{value}' is not {what}", node.start_mark)
    return value


def _bool(loader: StrictLoader, node: ScalarNode) -> bool:
    return _scalar(loader, node, _BOOL, "a boolean (true or false)").lower() == "true"


def _int(loader: StrictLoader, node: ScalarNode) -> int:
    value = _scalar(loader, node, _INT, "an integer")
    try:
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)
    except ValueError as exc:  # more digits than Python converts
        raise ConstructorError(None, None, f"the integer cannot be read ({exc})", node.start_mark) from None


def _float(loader: StrictLoader, node: ScalarNode) -> float:
    value = _scalar(loader, node, _FLOAT, "a number").lower()
    if value.endswith(".inf"):
        return float("-inf") if value.startswith("-") else float("inf")
    if value == ".nan":
        return float("nan")
    return float(value)


def _null(loader: StrictLoader, node: ScalarNode) -> None:
    _scalar(loader, node, _NULL, "null")
    return None


def _timestamp(loader: StrictLoader, node: ScalarNode) -> dt.date | str:
    """A date or date-time; an impossible one (``2024-02-30``) stays text for the schema to refuse."""
    try:
        value: dt.date = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # AttributeError: an explicit !!timestamp of no date
        return str(node.value)
    return value


for _tag, _fn in (("bool", _bool), ("int", _int), ("float", _float), ("null", _null), ("timestamp", _timestamp)):
    StrictLoader.add_constructor(T + _tag, _fn)


def _key_text(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else f"<{type(node).__name__}>"


def _check(loader: StrictLoader, root: Node) -> None:
    """Refuse non-standard tags and duplicate keys, naming the key path and the lines. Each node
    is visited once (aliases share nodes), so alias bombs cost nothing here."""
    seen: set[int] = set()
    stack: list[tuple[Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        field = ".".join(path) or None
        if node.tag not in ALLOWED_TAGS:
            tag = node.tag.replace(T, "!!")
            raise StrictYAMLError(field, f"the tag '{tag}' (line {node.start_mark.line + 1}) is not allowed: "
                                  "scenario files hold plain text, numbers, booleans, dates, lists and mappings")
        if isinstance(node, ScalarNode) and node.tag in _TYPED:  # e.g. "!!bool yes": say where
            try:
                loader.construct_object(node)
            except ConstructorError as exc:
                raise StrictYAMLError(field, f"{exc.problem} (line {node.start_mark.line + 1})") from None
        if isinstance(node, SequenceNode):
            stack.extend((item, (*path, str(i))) for i, item in reversed(list(enumerate(node.value))))
        elif isinstance(node, MappingNode):
            first: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag not in ALLOWED_TAGS:
                    stack.append((key_node, path))
                    continue
                if key_node.tag == T + "merge":
                    stack.append((value_node, path))
                    continue
                key = loader.construct_object(key_node) if isinstance(key_node, ScalarNode) else id(key_node)
                line = key_node.start_mark.line + 1
                try:
                    earlier = first.get(key)
                except TypeError:  # an unhashable key: the constructor says so
                    earlier = None
                if earlier is not None:
                    raise StrictYAMLError(".".join((*path, _key_text(key_node))),
                                          f"the key is given twice, on lines {earlier} and {line} "
                                          "(a duplicate key is refused, not resolved)")
                first[key] = line
                stack.append((value_node, (*path, _key_text(key_node))))


def load_strict(text: str) -> Any:
    """The one document in ``text`` (None if empty), read strictly; raises ``yaml.YAMLError``
    (``StrictYAMLError`` for the forms refused here)."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check(loader, node)
        return loader.construct_document(node)
    finally:
        loader.dispose()
