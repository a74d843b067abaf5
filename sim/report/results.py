"""Reading a results folder back: its scenario, manifest and tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model.errors import ScenarioError
from sim.model.loader import load_scenario
from sim.model.schema import Scenario

TABLES: tuple[str, ...] = ("runs", "bases", "legs", "convoys", "events")
"""Tables a results or trace folder may hold (``convoys`` is the trace's legs table)."""


def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """``<name>.parquet`` (a file or a folder of parts) or ``<name>/`` of parts, if present."""
    for p in (folder / f"{name}.parquet", folder / name, folder / "tables" / name):
        if p.is_file() or (p.is_dir() and any(p.glob("*.parquet"))):
            try:
                return pd.read_parquet(p)
            except Exception as exc:  # pyarrow raises several types for damaged files
                raise ScenarioError(p, None, f"cannot read table: {exc}") from None
    return None


def read_results(folder: str | Path) -> tuple[Scenario, dict[str, Any], dict[str, pd.DataFrame]]:
    """The scenario, manifest and tables of a results (or trace) folder; ScenarioError if it is not one."""
    d = Path(folder)
    if not d.is_dir():
        raise ScenarioError(d, None, "not a results folder (no such directory)")
    if not (d / "scenario.yaml").is_file():
        raise ScenarioError(d, None, "not a results folder (no scenario.yaml; expected the folder a run, "
                                     "sweep or trace wrote)")
    manifest: dict[str, Any] = {}
    if (d / "manifest.json").is_file():
        try:
            manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(d / "manifest.json", None, f"not valid JSON: {exc}") from None
        if not isinstance(manifest, dict):
            raise ScenarioError(d / "manifest.json", None, "a manifest is a JSON object")
    sc = load_scenario(d / "scenario.yaml")
    tables = {n: t for n in TABLES if (t := read_table(d, n)) is not None}
    for key, f in (("summary", d / "summary.csv"), ("comparison", d / "compare.csv"),
                   *(("sensitivity", p) for p in sorted(d.glob("sensitivity_*.csv"))[:1])):
        if f.is_file():
            try:
                tables[key] = pd.read_csv(f)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise ScenarioError(f, None, f"cannot read table: {exc}") from None
    if not tables:
        raise ScenarioError(d, None, "not a results folder (no runs, bases, convoys, events or summary tables)")
    return sc, manifest, tables
