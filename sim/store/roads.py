"""The ``roads`` table of a results folder: traffic and strikes per road and point, summed over
the chunks' parts (``tables/roads/``) into ``roads.parquet`` when the experiment ends.

A folder resumed from a version that wrote no roads parts has chunks without one: its roads table
would miss them, so none is written (``network.geojson`` then falls back on route-level figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from sim.model import traffic
from sim.store.runstore import ROADS, RunStore


def roads_table(store: RunStore, part_ids: Iterable[str],
                held: Mapping[str, pd.DataFrame] | None = None, pool: bool = False) -> pd.DataFrame | None:
    """The roads parts of chunks ``part_ids`` added up per (point, road); ``None`` unless every one
    of them has its part. ``held``: parts in memory (``PartSink.roads``), not read again. ``pool``:
    every part counted at point 0 (the draws of a two-level run are one arm)."""
    ids = list(part_ids)
    have = store.done_parts(ROADS)
    if not ids or any(i not in have for i in ids):
        return None
    held = held or {}
    frames = (held[i] if i in held else pd.read_parquet(store.part_path(ROADS, i)) for i in ids)
    return traffic.add_frames(f.assign(point=0) if pool else f for f in frames)


def write_roads(store: RunStore, part_ids: Iterable[str], held: Mapping[str, pd.DataFrame] | None = None,
                pool: bool = False) -> bool:
    """Write ``roads.parquet`` from the parts of chunks ``part_ids`` (``held``: those in memory;
    ``pool``: as ``roads_table``); whether it was written."""
    table = roads_table(store, part_ids, held, pool)
    if table is None:
        return False
    store.write_table(ROADS, table)
    return True
