"""Reopening a results folder to finish it: the one check that a folder belongs to the experiment
about to resume it and that its finished parts are whole. The parts are checked against the plan by
``sim.experiments.execution``.

A folder with a damaged part (missing, truncated, changed: ``sim.store.verify``) is refused before
anything runs or is written (a ``StoreError``, exit 2), naming the parts and pointing to
``withdrawal-sim check-results DIR --repair``, which re-runs only those; a damaged part is never
mixed in, nor silently redone under a resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.experiments.settings import RunSettings, resolve
from sim.model.errors import ScenarioError, StoreError
from sim.model.loader import scenario_dict, scenario_hash
from sim.model.schema import Scenario
from sim.store.runstore import RunStore, damaged_message
from sim.store.verify import damaged_parts


def reopen(folder: str | Path, kind: str, engine: str | None = None, replications: int | None = None,
           seed: int | None = None, scenario: Scenario | None = None,
           scenario_file: str | None = None) -> tuple[RunStore, RunSettings]:
    """Reopen ``folder`` to resume a ``kind`` experiment: its manifest gives the settings; settings
    given explicitly must match them, and ``scenario`` (when given) must be the one it ran."""
    store = RunStore.open(folder)
    m = store.manifest
    where = str(folder)
    if m.get("kind") != kind:
        hint = {"run": "a sweep resumes with 'withdrawal-sim sweep --resume'",
                "sweep": "a run resumes with 'withdrawal-sim run FILE --resume'"}.get(kind, "")
        raise ScenarioError(where, "kind", f"not a {kind} results folder (kind {m.get('kind')!r})"
                            + (f"; {hint}" if hint else ""))
    for name, given, stored in (("engine", engine, m.get("engine")), ("seed", seed, m.get("seed")),
                                ("replications", replications, m.get("replications"))):
        if given is not None and given != stored:
            raise ScenarioError(where, name, f"this {kind} was made with {name} {stored!r}, not {given!r}; "
                                f"a resumed {kind} keeps its settings (start a new {kind} to change them)")
    settings = resolve(where, None, m.get("engine"), m.get("replications"), m.get("seed"))
    if scenario is not None and m.get("scenario", {}).get("sha256") != scenario_hash(scenario):
        raise ScenarioError(scenario_file or "<scenario>", None,
                            f"this is not the scenario {where} was run with "
                            "(compare its scenario.yaml; --set overrides must be the same)")
    damaged = damaged_parts(store)
    if damaged:
        raise StoreError(damaged_message(store.path, [d.describe() for d in damaged]))
    if scenario is not None and not (store.path / "scenario.yaml").is_file():  # cut short after its manifest
        store.write_text("scenario.yaml", yaml.safe_dump(scenario_dict(scenario), sort_keys=False,
                                                         allow_unicode=True))
    store.update(status="running")
    return store, settings


def require(store: RunStore, *names: str) -> None:
    """``StoreError`` unless every file ``names`` is in the folder (a sweep stopped before its
    first point ran has no points table)."""
    for needed in names:
        if not (store.path / needed).is_file():
            raise StoreError(f"{store.path} has no {needed}: the experiment was stopped before its first "
                             "part ran; start it again in a new folder")


def manifest_design(store: RunStore) -> dict[str, Any]:
    """The ``design`` block of the manifest (``{}`` when absent)."""
    d = store.manifest.get("design")
    return d if isinstance(d, dict) else {}
