"""Threat from evidence: incidents counted per road, and turned into rates per 100 convoy-km.

The incident file (docs/geo.md, "Incident files") is GeoJSON Points or a CSV with ``lat`` and
``lon`` columns; every incident has a ``date`` (ISO 8601 date or date-time) and a ``kind`` (``ied``,
``ambush``, or any other word, counted but mapped to no model rate), and may have an ``id``.

Arithmetic, per road ``r`` of the scenario and kind ``k``:

- an incident dated inside the window ``[start, end)`` belongs to the road nearest to it, if that
  road's line (``lines.road_coords``) is within ``buffer_km`` (each incident counts once; ties go
  to the first road in the file); distances in a local azimuthal equidistant plane;
- ``n`` incidents, ``days`` the window's length, ``km`` the road's km;
- density: ``n / (km / 100) / (days / 30)`` incidents per 100 km of road per 30 days;
- with traffic (``passages`` convoys over the whole road in the window, either way): exposure
  ``E = passages · km / 100`` (hundreds of convoy-km) and the rate ``n / E`` per 100 convoy-km,
  what ``threats.levels.*.ied_rate_per_100km`` and ``ambush_rate_per_100km`` mean, with its exact
  (Garwood) 95 % Poisson interval ``[χ²(0.025; 2n) / 2E, χ²(0.975; 2n + 2) / 2E]``.

The rows ``(road, kind, n, E)`` are the sufficient statistics of a Poisson rate: what a
calibration needs (a gamma prior updates to a gamma posterior with ``n`` and ``E``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from sim.model.errors import ScenarioError
from sim.model.geo.files import Feature, point, read_bytes, read_features
from sim.model.geo.lines import places, road_coords
from sim.model.geo.measure import LocalPlane
from sim.model.schema import Scenario

MODEL_KINDS: dict[str, str] = {"ied": "ied_rate_per_100km", "ambush": "ambush_rate_per_100km"}
"""Incident kinds that are a rate of the model, and the threat-level field each sets."""
RATE_COLUMNS: tuple[str, ...] = (
    "road", "from", "to", "km", "kind", "incidents", "days", "per_100km_per_30d", "convoy_passages",
    "exposure_100km", "rate_per_100km", "rate_lower", "rate_upper",
)


@dataclass(frozen=True)
class Incident:
    label: str
    when: dt.datetime
    kind: str
    lon: float
    lat: float


def _date(p: Path, label: str, value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            d = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return d.replace(tzinfo=None) if d.tzinfo is None else d.astimezone(dt.UTC).replace(tzinfo=None)
    raise ScenarioError(p, f"{label}.date", f"a date is ISO 8601 text (2023-10-05 or 2023-10-05T14:00), got {value!r}")


def _kind(p: Path, label: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(p, f"{label}.kind", f"an incident needs a 'kind' (ied, ambush, ...), got {value!r}")
    return value.strip().lower()


def _from_feature(p: Path, feat: Feature) -> Incident:
    lon, lat = point(p, feat)
    props = feat.properties
    return Incident(feat.label, _date(p, f"{feat.label}.properties", props.get("date")),
                    _kind(p, f"{feat.label}.properties", props.get("kind")), lon, lat)


def _from_csv(p: Path) -> list[Incident]:
    try:
        text = read_bytes(p).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(p, None, f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    need = {"date", "kind", "lat", "lon"}
    missing = need - set(reader.fieldnames or [])
    if missing:
        raise ScenarioError(p, None, f"an incident CSV needs the columns date, kind, lat, lon (missing: "
                                     f"{', '.join(sorted(missing))})")
    out = []
    for i, row in enumerate(reader):
        label = f"row {i + 2}" + (f" (id {row['id']!r})" if row.get("id") else "")
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError):
            raise ScenarioError(p, label, f"lat and lon are numbers, got {row['lat']!r}, {row['lon']!r}") from None
        if not (math.isfinite(lat) and math.isfinite(lon)) or not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise ScenarioError(p, label, f"coordinates out of range: lat {lat}, lon {lon}")
        out.append(Incident(label, _date(p, label, row["date"]), _kind(p, label, row["kind"]), lon, lat))
    if not out:
        raise ScenarioError(p, None, "the file has no incidents")
    return out


def read_incidents(path: str | Path) -> list[Incident]:
    """The incidents of a GeoJSON (Points) or CSV (``date,kind,lat,lon``) file."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        return _from_csv(p)
    return [_from_feature(p, f) for f in read_features(p)]


def assign(sc: Scenario, incidents: list[Incident], buffer_km: float) -> pd.DataFrame:
    """Each incident's road (index, or -1 when no road is within ``buffer_km``), its distance to it
    and its km along it (from the road's ``from`` end, scaled to the road's km)."""
    pos = places(sc)
    lines_ll = [road_coords(sc, r, pos) for r in sc.roads]
    plane = LocalPlane.around([c for ln in lines_ll for c in ln])
    # straight lines in lon/lat bend slightly in the plane: densified to steps of 0.05 degree first
    lines = [LineString(plane.to_xy(_densify(ln, 0.05))) for ln in lines_ll]
    xy = plane.to_xy([(i.lon, i.lat) for i in incidents]) if incidents else []
    pts = shapely.points(xy) if xy else np.empty(0, dtype=object)
    road = np.full(len(incidents), -1, dtype=np.int64)
    dist = np.full(len(incidents), np.nan)
    along = np.full(len(incidents), np.nan)
    if len(pts) and lines:
        d = shapely.distance(pts[:, None], np.array(lines, dtype=object)[None, :]) / 1000.0  # incidents × roads
        best = np.argmin(d, axis=1)  # the first road among equals
        for k, r in enumerate(best):
            if d[k, r] <= buffer_km:
                road[k], dist[k] = int(r), float(d[k, r])
                ln = lines[r]
                along[k] = ln.project(pts[k]) / ln.length * sc.roads[r].km if ln.length > 0 else 0.0
    return pd.DataFrame({
        "incident": [i.label for i in incidents], "date": [i.when for i in incidents],
        "kind": [i.kind for i in incidents], "lat": [i.lat for i in incidents], "lon": [i.lon for i in incidents],
        "road": road, "distance_km": dist, "km_along": along,
    })


def _densify(coords: list[tuple[float, float]], step_deg: float) -> list[tuple[float, float]]:
    out = [coords[0]]
    for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
        n = max(1, int(math.ceil(max(abs(x1 - x0), abs(y1 - y0)) / step_deg)))
        out.extend((x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1))
    return out


def poisson_interval(n: int, exposure: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate with ``n`` events over ``exposure``."""
    from scipy.stats import chi2

    a = (1.0 - level) / 2.0
    lo = 0.0 if n == 0 else float(chi2.ppf(a, 2 * n)) / 2.0
    hi = float(chi2.ppf(1.0 - a, 2 * n + 2)) / 2.0
    return lo / exposure, hi / exposure


def rates(sc: Scenario, assigned: pd.DataFrame, start: dt.datetime, end: dt.datetime,
          passages: Mapping[int, float] | None = None) -> pd.DataFrame:
    """One row per (road, kind) of the kinds seen (and ``ied``, ``ambush`` always): counts in the
    window, density per 100 km per 30 days, and with ``passages`` (convoys over each road in the
    window, by road index) the rate per 100 convoy-km with its 95 % interval."""
    days = (end - start).total_seconds() / 86400.0
    inside = assigned[(assigned["date"] >= start) & (assigned["date"] < end) & (assigned["road"] >= 0)]
    kinds = list(dict.fromkeys([*MODEL_KINDS, *sorted(set(inside["kind"]))]))
    counts = inside.groupby(["road", "kind"]).size()
    rows = []
    for i, r in enumerate(sc.roads):
        for k in kinds:
            n = int(counts.get((i, k), 0))
            row: dict[str, Any] = {"road": i, "from": r.from_, "to": r.to, "km": r.km, "kind": k, "incidents": n,
                                   "days": days, "per_100km_per_30d": n / (r.km / 100.0) / (days / 30.0)}
            p = None if passages is None else passages.get(i)
            if p is not None and p > 0:
                e = p * r.km / 100.0
                lo, hi = poisson_interval(n, e)
                row.update(convoy_passages=float(p), exposure_100km=e, rate_per_100km=n / e, rate_lower=lo,
                           rate_upper=hi)
            else:
                row.update(convoy_passages=np.nan if p is None else float(p), exposure_100km=np.nan,
                           rate_per_100km=np.nan, rate_lower=np.nan, rate_upper=np.nan)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(RATE_COLUMNS))


def evidence_overrides(sc: Scenario, table: pd.DataFrame) -> dict[str, Any]:
    """An override file (dotted path → value, like ``scenarios/counterfactuals/``) giving every road
    with a measured rate its own threat level ``evidence_road_<i>``: the IED and ambush rates per 100
    convoy-km from ``table`` (the estimates, ``n / E``), the breakdown rate of its current level."""
    out: dict[str, Any] = {}
    for i, r in enumerate(sc.roads):
        mine = table[(table["road"] == i) & table["kind"].isin(list(MODEL_KINDS))]
        if mine.empty or mine["rate_per_100km"].isna().any():
            continue
        level = {MODEL_KINDS[k]: round(float(v), 6) for k, v in zip(mine["kind"], mine["rate_per_100km"], strict=True)}
        level["breakdowns_per_1000_vehicle_km"] = sc.threats.levels[r.threat].breakdowns_per_1000_vehicle_km
        out[f"threats.levels.evidence_road_{i}"] = level
        out[f"roads.{i}.threat"] = f"evidence_road_{i}"
    return out


def read_traffic(path: str | Path, sc: Scenario) -> dict[int, float]:
    """Convoy passages per road from a CSV ``from,to,convoys`` (either direction; each road once)."""
    p = Path(path)
    try:
        text = read_bytes(p, 5_000_000).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(p, None, f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    if not {"from", "to", "convoys"} <= set(reader.fieldnames or []):
        raise ScenarioError(p, None, "a traffic CSV has the columns from, to, convoys")
    index: dict[tuple[str, str], int] = {}
    for i, r in enumerate(sc.roads):
        index.setdefault((r.from_, r.to), i)
        index.setdefault((r.to, r.from_), i)
    out: dict[int, float] = {}
    for k, row in enumerate(reader):
        label = f"row {k + 2}"
        road = index.get((row["from"], row["to"]))
        if road is None:
            raise ScenarioError(p, label, f"no road between '{row['from']}' and '{row['to']}' in {sc.name}")
        try:
            n = float(row["convoys"])
        except (TypeError, ValueError):
            raise ScenarioError(p, f"{label}.convoys", f"a number of convoys, got {row['convoys']!r}") from None
        if not math.isfinite(n) or n < 0:
            raise ScenarioError(p, f"{label}.convoys", f"convoys is 0 or more, got {n}")
        out[road] = n
    return out
