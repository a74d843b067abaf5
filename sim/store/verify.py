"""Checking the finished parts of a results folder against what the manifest recorded when each was
written: the file exists, has the recorded size and SHA-256, reads as Parquet and holds the
recorded rows. ``withdrawal-sim check-results`` prints the damaged ones; a resume refuses a folder
that has any (``sim.store.resume``); ``sim.api.repair`` re-runs only them.

Folders written before checksums were recorded are checked by reading each part whole (rows and
readability only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.store.runstore import RunStore, _natural_key, file_digest


@dataclass(frozen=True)
class PartDamage:
    """A listed part that is not as it was written."""

    table: str
    part_id: str
    path: Path
    problem: str

    def describe(self) -> str:
        return f"{self.table}/{self.part_id}: {self.problem}"


def _rows_of(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_table(path).num_rows)


def check_part(store: RunStore, table: str, part_id: str, rows: int) -> str | None:
    """What is wrong with one listed part (None when it is whole)."""
    path = store.part_path(table, part_id)
    if not path.is_file():
        return "file missing"
    recorded = store.part_checksum(table, part_id)
    if recorded is not None:
        try:
            got = file_digest(path)
        except OSError as exc:
            return f"cannot read the file: {exc.strerror or exc}"
        if got["bytes"] != recorded.get("bytes"):
            return f"{got['bytes']:,} bytes, not the {recorded.get('bytes'):,} written (truncated or changed)"
        if got["sha256"] != recorded.get("sha256"):
            return "checksum differs from the one recorded when it was written"
        return None  # the bytes written: readable, with the rows listed
    try:
        n = _rows_of(path)
    except Exception as exc:  # any decoding failure of a damaged file
        return f"not readable as Parquet ({type(exc).__name__}: {exc})"
    if n != rows:
        return f"{n:,} rows, not the {rows:,} listed"
    return None


def damaged_parts(store: RunStore) -> list[PartDamage]:
    """Every listed part of every table that is missing, truncated, changed or unreadable, in
    table and part order."""
    out: list[PartDamage] = []
    parts = store.manifest.get("parts", {})
    for table in sorted(parts):
        listed = parts[table]
        for part_id in sorted(listed, key=_natural_key):
            problem = check_part(store, table, part_id, int(listed[part_id]))
            if problem is not None:
                out.append(PartDamage(table, part_id, store.part_path(table, part_id), problem))
    return out


def listed_parts(store: RunStore) -> int:
    """How many parts the manifest lists (all tables)."""
    return sum(len(v) for v in store.manifest.get("parts", {}).values())
