"""Reading a results folder back: its scenario, manifest and tables."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model.errors import ScenarioError
from sim.model.loader import load_scenario
from sim.model.schema import Scenario

TABLES: tuple[str, ...] = ("runs", "bases", "legs", "convoys", "events", "draws")
"""Tables a results or trace folder may hold (``convoys`` is the trace's legs table, ``draws`` a
two-level run's inputs)."""


def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """``<name>.parquet`` (a file or a folder of parts) or ``<name>/`` of parts, if present."""
    for p in (folder / f"{name}.parquet", folder / name, folder / "tables" / name):
        if p.is_file() or (p.is_dir() and any(p.glob("*.parquet"))):
            try:
                return pd.read_parquet(p)
            except Exception as exc:  # pyarrow raises several types for damaged files
                raise ScenarioError(p, None, f"cannot read table: {exc}") from None
    return None


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of a results folder (``{}`` when there is none); ScenarioError if damaged."""
    f = Path(folder) / "manifest.json"
    if not f.is_file():
        return {}
    try:
        manifest = json.loads(f.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f, None, f"not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise ScenarioError(f, None, "a manifest is a JSON object")
    return manifest


def read_small_tables(folder: str | Path, skip: Collection[str] = ()) -> dict[str, pd.DataFrame]:
    """The CSV tables of a results folder: ``summary``, ``comparison`` (``compare.csv``) and the
    first ``sensitivity_*.csv``, and a two-level run's ``variance`` (those named in ``skip`` are not
    read)."""
    d = Path(folder)
    tables: dict[str, pd.DataFrame] = {}
    for key, f in (("summary", d / "summary.csv"), ("comparison", d / "compare.csv"), ("variance", d / "variance.csv"),
                   *(("sensitivity", p) for p in sorted(d.glob("sensitivity_*.csv"))[:1])):
        if key not in skip and f.is_file():
            try:
                tables[key] = pd.read_csv(f)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise ScenarioError(f, None, f"cannot read table: {exc}") from None
    return tables


def read_results(folder: str | Path, *, lean: bool = False
                 ) -> tuple[Scenario, dict[str, Any], dict[str, pd.DataFrame]]:
    """The scenario, manifest and tables of a results (or trace) folder; ScenarioError if it is not one.

    ``lean``: leave out the per-base table (``bases``, n × bases rows, the largest) when the folder
    has ``runs``, which is all a report needs (the charts need ``bases``)."""
    d = Path(folder)
    if not d.is_dir():
        raise ScenarioError(d, None, "not a results folder (no such directory)")
    if not (d / "scenario.yaml").is_file():
        raise ScenarioError(d, None, "not a results folder (no scenario.yaml; expected the folder a run, "
                                     "sweep or trace wrote)")
    manifest = read_manifest(d)
    sc = load_scenario(d / "scenario.yaml")
    tables: dict[str, pd.DataFrame] = {}
    for n in TABLES:
        if n == "bases" and lean and "runs" in tables:
            continue
        if (t := read_table(d, n)) is not None:
            tables[n] = t
    tables.update(read_small_tables(d))
    if not tables:
        raise ScenarioError(d, None, "not a results folder (no runs, bases, convoys, events or summary tables)")
    return sc, manifest, tables
