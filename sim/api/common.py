"""What the Python entry points share: the scenario a call names, and the results folder it writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sim.model.loader import load_scenario
from sim.model.schema import Scenario

Overrides = Mapping[str, Any] | Iterable[str] | None
"""``{path: value}`` or ``["path=value", ...]`` applied to a scenario file."""


def resolve_scenario(scenario: Scenario | str | Path, overrides: Overrides = None) -> tuple[Scenario, str]:
    """The validated scenario and the name to use in messages (its file, or its name)."""
    if isinstance(scenario, Scenario):
        if overrides:
            raise ValueError("overrides apply to scenario files; pass a path, or change the Scenario")
        return scenario, f"<scenario {scenario.name}>"
    return load_scenario(scenario, overrides), str(scenario)


def writes(out: str | Path | None, results_root: str | Path | None) -> bool:
    """Whether a call writes a results folder: only when given ``out`` or ``results_root``."""
    return out is not None or results_root is not None
