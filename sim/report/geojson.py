"""``network.geojson`` and ``events.geojson`` of a results folder, for QGIS or any web map.

``network.geojson``: one LineString per road (``sim.model.geo.export``: index, from, to, km,
terrain, threat, cleared, geodesic_km) with the threat level's rates per 100 convoy-km (route
clearance applied on cleared roads), and what the run says about it. ``figures_from`` says where
the figures come from:

- ``trace`` (a trace's ``convoys`` table: one row per convoy leg): ``convoy_passages``,
  ``vehicle_passages``, ``convoy_km``, ``ied_strikes``, ``ambushes``, ``breakdowns`` on the road,
  and ``strikes_per_100_convoy_km`` ((IED strikes + ambushes) / convoy-km · 100), exactly;
- ``roads`` (a run, sweep or comparison: the ``roads`` table the engines tally per road, MODEL.md
  §8 "Per road"): ``replications`` and the means per run over those replications of the first
  point, ``convoy_passages_per_run``, ``vehicle_passages_per_run``, ``convoy_km_per_run``,
  ``vehicle_km_per_run``, ``ied_strikes_per_run``, ``ambushes_per_run``, ``breakdowns_per_run``,
  ``stationary_attacks_per_run``, and ``strikes_per_100_convoy_km`` (null on a road no convoy drove);
- ``bases`` (a folder written before the roads table, which counts per base only): ``bases``
  (those whose route uses the road), ``route_convoys_per_run`` and ``route_strikes_per_run`` (means
  over the replications of the first point of those bases' convoys and IED strikes + ambushes on
  their whole routes).

``events.geojson`` (a trace): one Point per IED strike, ambush and breakdown, placed ``km_along``
km from the start of its segment along the road's line (``sim.model.geo.lines``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model.geo.export import collection, road_features
from sim.model.geo.lines import RoadLines
from sim.model.network import routes
from sim.model.schema import Scenario
from sim.model.traffic import ROAD_COUNTS, ROAD_KM, add_frames
from sim.store.atomic import atomic_write_text

ROAD_EVENTS: tuple[str, ...] = ("ied", "ambush", "breakdown")


def _read(folder: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    for p in (folder / f"{name}.parquet", folder / name, folder / "tables" / name):
        if p.is_file() or (p.is_dir() and any(p.glob("*.parquet"))):
            try:
                return pd.read_parquet(p, columns=columns)
            except Exception:  # a table without these columns (an older folder): leave it out
                return None
    return None


def _first_point(df: pd.DataFrame) -> pd.DataFrame:
    if "point" in df.columns and df["point"].nunique() > 1:
        return df[df["point"] == df["point"].min()]
    return df


def _rates(sc: Scenario, i: int) -> dict[str, float]:
    r = sc.roads[i]
    lvl = sc.threats.levels[r.threat]
    clear = sc.mitigations.route_clearance
    ied = lvl.ied_rate_per_100km * (clear.ied_rate_factor if r.cleared else 1.0)
    amb = lvl.ambush_rate_per_100km * (clear.ambush_rate_factor if r.cleared else 1.0)
    return {"ied_rate_per_100km": ied, "ambush_rate_per_100km": amb,
            "breakdowns_per_1000_vehicle_km": lvl.breakdowns_per_1000_vehicle_km}


def _from_legs(sc: Scenario, legs: pd.DataFrame, lines: RoadLines) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for a, b, km, veh, ied, amb, bd in zip(legs["a"], legs["b"], legs["km"], legs["vehicles"], legs["ied_strikes"],
                                           legs["ambushes"], legs["breakdowns"], strict=True):
        i = lines.road(str(a), str(b))
        if i is None:
            continue
        d = out.setdefault(i, {"convoy_passages": 0, "vehicle_passages": 0, "convoy_km": 0.0, "ied_strikes": 0,
                               "ambushes": 0, "breakdowns": 0})
        if veh > 0:  # a passage: a convoy with vehicles at the segment's start (MODEL.md §8, "Per road")
            d["convoy_passages"] += 1
            d["vehicle_passages"] += int(veh)
            d["convoy_km"] += float(km)
        d["ied_strikes"] += int(ied)
        d["ambushes"] += int(amb)
        d["breakdowns"] += int(bd)
    for i in range(len(sc.roads)):
        d = out.setdefault(i, {"convoy_passages": 0, "vehicle_passages": 0, "convoy_km": 0.0, "ied_strikes": 0,
                               "ambushes": 0, "breakdowns": 0})
        ckm = d["convoy_km"]
        d["strikes_per_100_convoy_km"] = (d["ied_strikes"] + d["ambushes"]) / ckm * 100.0 if ckm > 0 else None  # type: ignore[assignment]
    return out


def _from_bases(sc: Scenario, bases: pd.DataFrame, lines: RoadLines) -> dict[int, dict[str, Any]]:
    b0 = _first_point(bases)
    reps = max(1, len(b0) // max(1, len(sc.bases)))
    per_base = b0.groupby("base")[["convoys", "ied_strikes", "ambushes"]].sum() / reps
    users: dict[int, list[str]] = {i: [] for i in range(len(sc.roads))}
    for base, segs in routes(sc).items():
        for s in segs:
            i = lines.road(s.a, s.b)
            if i is not None and base not in users[i]:
                users[i].append(base)
    out: dict[int, dict[str, Any]] = {}
    for i, names in users.items():
        mine = per_base.reindex(names).fillna(0.0)
        out[i] = {"bases": names, "replications": int(reps),
                  "route_convoys_per_run": float(mine["convoys"].sum()),
                  "route_strikes_per_run": float((mine["ied_strikes"] + mine["ambushes"]).sum())}
    return out


def _from_roads(sc: Scenario, roads: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Means per run of the first point's roads table (sums over its ``replications``)."""
    r0 = _first_point(roads)
    out: dict[int, dict[str, Any]] = {}
    for row in r0.to_dict("records"):
        i, reps = int(row["road"]), int(row["replications"])
        if not 0 <= i < len(sc.roads) or reps <= 0:
            continue
        d: dict[str, Any] = {"replications": reps}
        for k in (*ROAD_COUNTS, *ROAD_KM):
            d[f"{k}_per_run"] = float(row[k]) / reps
        ckm = float(row["convoy_km"])
        d["strikes_per_100_convoy_km"] = ((float(row["ied_strikes"]) + float(row["ambushes"])) / ckm * 100.0
                                          if ckm > 0 else None)
        out[i] = d
    return out


def network_collection(sc: Scenario, legs: pd.DataFrame | None = None,
                       bases: pd.DataFrame | None = None, roads: pd.DataFrame | None = None) -> dict[str, Any]:
    """The roads of ``sc`` as GeoJSON with their rates and the figures of the run's tables: a
    trace's legs, else the roads table, else (an older folder) the bases table."""
    lines = RoadLines(sc)
    feats = road_features(sc)
    extra: dict[int, dict[str, Any]] = {}
    source = "scenario"
    if legs is not None and len(legs):
        extra, source = _from_legs(sc, legs, lines), "trace"
    elif roads is not None and len(roads) and int(roads["replications"].max()) > 0:
        extra, source = _from_roads(sc, roads), "roads"
    elif bases is not None and len(bases):
        extra, source = _from_bases(sc, bases, lines), "bases"
    for i, f in enumerate(feats):
        f["properties"].update(_rates(sc, i))
        f["properties"].update(extra.get(i, {}))
    return collection(feats, name=f"{sc.name} network", figures_from=source)


def events_collection(sc: Scenario, events: pd.DataFrame) -> dict[str, Any] | None:
    """IED strikes, ambushes and breakdowns of a trace as Points; ``None`` if the events table has no
    ``km_along`` (a trace written before it was recorded)."""
    if "km_along" not in events.columns:
        return None
    lines = RoadLines(sc)
    feats = []
    road_ev = events[events["kind"].astype(str).isin(ROAD_EVENTS)]
    for row in road_ev.to_dict("records"):
        ab = lines.split_segment(str(row["segment"]))
        km = float(row["km_along"])
        if ab is None or not math.isfinite(km):
            continue
        lon, lat = lines.locate(ab[0], ab[1], km)
        when = sc.calendar.start + pd.Timedelta(hours=float(row["time_hours"]))
        props = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        props.update(date=when.isoformat(timespec="minutes"), road=lines.road(*ab))
        feats.append({"type": "Feature", "properties": props,
                      "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}})
    return collection(feats, name=f"{sc.name} road events")


def read_roads(folder: Path) -> pd.DataFrame | None:
    """The roads table of a results folder: ``roads.parquet``, else the parts of ``tables/roads``
    added up (a run stopped before its end: the chunks done, with their replications); ``None``
    when the folder has neither (written before the table, or a trace)."""
    whole = folder / "roads.parquet"
    try:
        if whole.is_file():
            return pd.read_parquet(whole)
        parts = sorted((folder / "tables" / "roads").glob("part-*.parquet"))
        return add_frames(pd.read_parquet(p) for p in parts) if parts else None
    except Exception:  # a damaged table: the route-level figures instead
        return None


def write_geojson(path: str | Path, sc: Scenario | None = None,
                  tables: Mapping[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write ``network.geojson`` (and ``events.geojson`` for a trace) into a results folder; their
    paths. Tables not given are read from the folder (only the columns needed)."""
    folder = Path(path)
    if sc is None:
        from sim.model.loader import load_scenario

        sc = load_scenario(folder / "scenario.yaml")
    tables = dict(tables or {})
    legs = tables.get("convoys", tables.get("legs"))
    if legs is None:
        legs = _read(folder, "convoys")
    roads = tables.get("roads")
    if roads is None and legs is None:
        roads = read_roads(folder)
    bases = tables.get("bases")
    if bases is None and legs is None and roads is None:
        bases = _read(folder, "bases", ["point", "base", "convoys", "ied_strikes", "ambushes"])
    doc = network_collection(sc, legs, bases, roads)
    written = [atomic_write_text(folder / "network.geojson", json.dumps(doc))]
    events = tables.get("events")
    if events is None and legs is not None:
        events = _read(folder, "events")
    if events is not None:
        ev_doc = events_collection(sc, events)
        if ev_doc is not None:
            written.append(atomic_write_text(folder / "events.geojson", json.dumps(ev_doc, default=str)))
    return written
