"""The scenario JSON Schema (``withdrawal-sim schema``) documents the format for editors: every
block (each ``$defs`` entry and the root) says what it is, and every field of every block has a
description."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sim.model.schema import Scenario


def _schema() -> dict[str, Any]:
    return Scenario.model_json_schema(by_alias=True)


def _objects(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sub-schema with ``properties``, anywhere in ``node`` (``$defs`` included)."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}/{i}")


def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


def test_walk_sees_every_block() -> None:
    schema = _schema()
    paths = {path for path, _ in _objects(schema, "#")}
    assert "#" in paths
    assert {f"#/$defs/{name}" for name in schema["$defs"]} <= paths
    assert len(schema["$defs"]) >= 30


def test_every_definition_has_a_description() -> None:
    schema = _schema()
    missing = [name for name, d in schema["$defs"].items() if _blank(d.get("description"))]
    assert not missing, f"$defs without a description: {missing}"
    assert not _blank(schema.get("description")), "the root (Scenario) has no description"


def test_every_property_has_a_description() -> None:
    missing = [
        f"{path}/properties/{name}"
        for path, obj in _objects(_schema(), "#")
        for name, prop in obj["properties"].items()
        if _blank(prop.get("description"))
    ]
    assert not missing, f"{len(missing)} properties without a description: {missing}"


def test_aliased_fields_are_documented_under_their_alias() -> None:
    defs = _schema()["$defs"]
    for name in ("EarlyExit", "Road", "Period"):
        props = defs[name]["properties"]
        assert "from" in props and "from_" not in props, name
        assert not _blank(props["from"].get("description")), name
