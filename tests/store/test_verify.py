"""Part checksums: each part's rows, size and SHA-256 go into the manifest as it is written, and
``sim.store.verify`` finds every way a listed part can be damaged afterwards."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from sim.model.loader import validate
from sim.store.runstore import MANIFEST, RunStore
from sim.store.verify import damaged_parts, listed_parts
from tests.helpers.builders import tiny


@pytest.fixture
def store(results_root) -> RunStore:
    st = RunStore.create(results_root, validate(tiny()), "run", "des", 1, 10)
    for i, n in (("p000000-u0000000", 3), ("p000000-u0000003", 4)):
        st.write_part("bases", i, pd.DataFrame({"replication": range(n), "x": [0.5] * n}))
    return st


def test_write_part_records_rows_size_and_sha256(store) -> None:
    m = json.loads((store.path / MANIFEST).read_text())  # as saved on disk, in the same rewrite
    assert m["parts"] == {"bases": {"p000000-u0000000": 3, "p000000-u0000003": 4}}
    for pid in m["parts"]["bases"]:
        data = store.part_path("bases", pid).read_bytes()
        assert m["checksums"]["bases"][pid] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert damaged_parts(store) == [] and listed_parts(store) == 2


def _flip_a_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("damage", "problem"), [
    (lambda p: p.unlink(), "file missing"),
    (lambda p: p.write_bytes(p.read_bytes()[:-20]), "truncated"),
    (_flip_a_byte, "checksum differs"),
    (lambda p: p.write_bytes(b""), "truncated"),
])
def test_each_kind_of_damage_is_found(store, damage, problem) -> None:
    damage(store.part_path("bases", "p000000-u0000003"))
    found = damaged_parts(RunStore.open(store.path, resume=False))
    assert [(d.table, d.part_id) for d in found] == [("bases", "p000000-u0000003")]
    assert problem in found[0].problem


def test_folders_without_checksums_are_checked_by_reading(store) -> None:
    """A folder written before checksums were recorded: rows and readability are still checked."""
    m = json.loads((store.path / MANIFEST).read_text())
    del m["checksums"]
    m["parts"]["bases"]["p000000-u0000000"] = 5  # listed with other rows than the file holds
    (store.path / MANIFEST).write_text(json.dumps(m))
    p = store.part_path("bases", "p000000-u0000003")
    p.write_bytes(p.read_bytes()[:-30])
    found = {d.part_id: d.problem for d in damaged_parts(RunStore.open(store.path, resume=False))}
    assert set(found) == {"p000000-u0000000", "p000000-u0000003"}
    assert "3 rows, not the 5 listed" in found["p000000-u0000000"]
    assert "not readable as Parquet" in found["p000000-u0000003"]
