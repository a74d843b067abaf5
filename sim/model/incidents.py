"""Incident logs (docs/incident_log.md): observed convoy movements, one CSV row each, read into typed
rows whose exposure is split over the scenario's threat levels. Bad input raises ``ScenarioError``
naming the file, the row and the field."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.model.errors import ScenarioError

COLUMNS: tuple[str, ...] = (
    "id", "date", "origin", "destination", "threat_level", "segments", "km", "hours_moving", "hours_halted",
    "vehicles", "people", "strikes", "ambushes", "wounded", "killed", "vehicles_damaged", "vehicles_destroyed",
    "transit_hours", "source",
)
"""Required columns, in the documented order."""
OPTIONAL_COLUMNS: tuple[str, ...] = ("breakdowns", "halted_attacks")
"""Columns a log may add: breakdowns and attacks on the halted column (counted apart from strikes/ambushes)."""
NUMERIC: tuple[str, ...] = (
    "km", "hours_moving", "hours_halted", "vehicles", "people", "strikes", "ambushes", "wounded", "killed",
    "vehicles_damaged", "vehicles_destroyed", "transit_hours", "breakdowns", "halted_attacks",
)
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Movement:
    """One observed movement. ``None``: not observed. ``km_by_level``: the km driven on each threat
    level (from ``threat_level`` and ``km``, or from ``segments``)."""

    id: str
    row: int
    date: dt.date | None
    origin: str
    destination: str
    km_by_level: Mapping[str, float]
    values: Mapping[str, float | None] = field(default_factory=dict)
    source: str = ""

    def get(self, name: str) -> float | None:
        return self.values.get(name)

    @property
    def km(self) -> float:
        return float(sum(self.km_by_level.values()))


@dataclass(frozen=True)
class IncidentLog:
    """The rows of a log file, and the file they came from."""

    path: str
    rows: tuple[Movement, ...]


def _roads(scenario: Mapping[str, Any]) -> dict[frozenset[str], tuple[float, str]]:
    out: dict[frozenset[str], tuple[float, str]] = {}
    for r in scenario.get("roads") or []:
        if isinstance(r, Mapping) and isinstance(r.get("km"), int | float):
            out[frozenset((str(r.get("from")), str(r.get("to"))))] = (float(r["km"]), str(r.get("threat")))
    return out


def _number(file: str, where: str, text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        raise ScenarioError(file, where, f"not a number: {text!r} (leave the cell empty if not observed)") from None
    if not math.isfinite(x):
        raise ScenarioError(file, where, f"not a finite number: {text!r}")
    if x < 0:
        raise ScenarioError(file, where, f"negative ({text}): exposure, km, hours and counts are at least 0")
    return x


def _date(file: str, where: str, text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(file, where, f"not a date: {text!r} (write YYYY-MM-DD, or leave it empty)") from None


def _split(file: str, n: int, raw: Mapping[str, str], km: float | None, levels: set[str],
           roads: dict[frozenset[str], tuple[float, str]]) -> dict[str, float]:
    level, segs = raw["threat_level"].strip(), raw["segments"].strip()
    if bool(level) == bool(segs):
        raise ScenarioError(file, f"row {n}: threat_level", "give threat_level or segments (one of them)")
    if level:
        if level not in levels:
            raise ScenarioError(file, f"row {n}: threat_level",
                                f"'{level}' is not a threat level of the scenario ({', '.join(sorted(levels))})")
        return {level: km} if km is not None else {}
    parts: list[tuple[float, str]] = []
    for seg in segs.split(";"):
        ends = [e.strip() for e in seg.split("-")]
        road = roads.get(frozenset(ends)) if len(ends) == 2 and all(ends) else None
        if road is None:
            raise ScenarioError(file, f"row {n}: segments",
                                f"'{seg.strip()}' matches no road of the scenario (write FROM-TO site ids, ';' between)")
        parts.append(road)
    total = sum(k for k, _ in parts)
    scale = 1.0 if km is None else km / total
    out: dict[str, float] = {}
    for k, lvl in parts:
        out[lvl] = out.get(lvl, 0.0) + k * scale
    return out


def read_incidents(path: str | Path, scenario: Mapping[str, Any]) -> IncidentLog:
    """Read the log at ``path`` against the raw ``scenario`` data (its threat levels and roads)."""
    file = str(path)
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(file, None, "file not found (an incident log is a CSV file)")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(file, None, f"cannot read as UTF-8 text: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise ScenarioError(file, None, "empty file: the first line names the columns")
    unknown = [h for h in header if h not in COLUMNS and h not in OPTIONAL_COLUMNS]
    if unknown:
        raise ScenarioError(file, f"column {unknown[0]}", f"unknown column (known: {', '.join(COLUMNS + OPTIONAL_COLUMNS)})")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ScenarioError(file, f"column {missing[0]}", "required column is missing")
    if len(set(header)) != len(header):
        raise ScenarioError(file, None, "a column is named twice")
    reader.fieldnames = header
    threats = scenario.get("threats") if isinstance(scenario.get("threats"), Mapping) else {}
    levels = set((threats or {}).get("levels") or {})
    roads = _roads(scenario)
    rows: list[Movement] = []
    seen: set[str] = set()
    for n, raw_row in enumerate(reader, start=1):
        if n > MAX_ROWS:
            raise ScenarioError(file, None, f"more than {MAX_ROWS} rows")
        if None in raw_row or any(v is None for v in raw_row.values()):
            raise ScenarioError(file, f"row {n}", f"has {len(header)} columns in the header but not in this row")
        raw = {k: (v or "") for k, v in raw_row.items() if k is not None}
        rid = raw["id"].strip()
        if not rid:
            raise ScenarioError(file, f"row {n}: id", "required (a name for the row)")
        if rid in seen:
            raise ScenarioError(file, f"row {n}: id", f"'{rid}' is used by an earlier row")
        seen.add(rid)
        values = {c: _number(file, f"row {n}: {c}", raw.get(c, "")) for c in NUMERIC}
        if not raw["source"].strip():
            raise ScenarioError(file, f"row {n}: source", "required: where the figures come from")
        rows.append(Movement(
            id=rid, row=n, date=_date(file, f"row {n}: date", raw["date"]), origin=raw["origin"].strip(),
            destination=raw["destination"].strip(),
            km_by_level=_split(file, n, raw, values["km"], levels, roads), values=values, source=raw["source"].strip(),
        ))
    return IncidentLog(file, tuple(rows))
