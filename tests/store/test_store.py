"""Results folders: manifest, atomic parts, resume, no clobbering, paths kept inside the root."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim.store.runstore
from sim.model.loader import scenario_hash, validate
from sim.store.runstore import MANIFEST, RunStore, StoreError


@pytest.fixture
def sc(tiny_scenario):
    return validate(tiny_scenario())


def _df(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"replication": range(start, start + n), "x": [float(i) for i in range(n)]})


def _manifest(path: Path) -> dict:
    return json.loads((path / MANIFEST).read_text())


def test_create_writes_manifest_and_scenario(sc, results_root):
    store = RunStore.create(results_root, sc, "run", "batch", 11, 300)
    assert store.path.parent == results_root
    assert store.path.name.split("-")[2:4] == ["tiny", "batch"]
    m = _manifest(store.path)
    assert m["status"] == "running"
    assert m["scenario"] == {"name": "tiny", "sha256": scenario_hash(sc)}
    assert (m["seed"], m["engine"], m["replications"], m["kind"], m["design"]) == (11, "batch", 300, "run", None)
    assert set(m["versions"]) >= {"sim", "numpy", "pandas", "simpy", "scipy", "pydantic"}
    assert m["versions"]["numpy"]
    assert "git_commit" in m
    again = validate(yaml.safe_load((store.path / "scenario.yaml").read_text()))
    assert scenario_hash(again) == scenario_hash(sc)


def test_parts_are_listed_with_row_counts_and_read_back_in_order(sc, results_root):
    store = RunStore.create(results_root, sc, "run", "des", 1, 30)
    store.write_part("bases", "u10", _df(5, 10))
    store.write_part("bases", "u2", _df(4, 2))
    assert store.done_parts("bases") == {"u2", "u10"}
    assert _manifest(store.path)["parts"] == {"bases": {"u10": 5, "u2": 4}}
    back = store.read_parts("bases")
    assert back["replication"].tolist() == [2, 3, 4, 5, 10, 11, 12, 13, 14]  # natural order: u2 before u10
    leftovers = [p.name for p in store.path.rglob("*") if ".tmp-" in p.name]
    assert leftovers == []
    assert store.read_parts("runs").empty


def test_failed_part_write_leaves_nothing_behind(sc, results_root, monkeypatch):
    store = RunStore.create(results_root, sc, "run", "des", 1, 30)
    store.write_part("bases", "a", _df(3))

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sim.store.runstore.os, "replace", broken_replace)
    with pytest.raises(StoreError, match="No space left on device"):  # a clear error, not a bug
        store.write_part("bases", "b", _df(3))
    monkeypatch.undo()
    files = sorted(p.name for p in (store.path / "tables" / "bases").iterdir())
    assert files == ["part-a.parquet"]
    assert RunStore.open(store.path).done_parts("bases") == {"a"}


def test_resume_ignores_and_removes_unlisted_parts(sc, results_root):
    store = RunStore.create(results_root, sc, "sweep", "batch", 1, 30)
    store.write_part("bases", "p0", _df(3))
    folder = store.path / "tables" / "bases"
    _df(3).to_parquet(folder / "part-p1.parquet")  # renamed into place, but the manifest never listed it
    (folder / ".part-p2.parquet.tmp-abcd").write_bytes(b"half a file")
    store.finish("interrupted", 1.5)

    reader = RunStore.open(store.path, resume=False)
    assert reader.done_parts("bases") == {"p0"}
    assert (folder / "part-p1.parquet").exists()  # a reader never deletes
    again = RunStore.open(store.path)
    assert again.done_parts("bases") == {"p0"}
    assert sorted(p.name for p in folder.iterdir()) == ["part-p0.parquet"]
    assert len(again.read_parts("bases")) == 3
    assert again.manifest["status"] == "interrupted"
    again.write_part("bases", "p1", _df(2))
    assert RunStore.open(store.path).done_parts("bases") == {"p0", "p1"}


@pytest.mark.parametrize("bad", ["../escape", "a/b", "..", ".hidden", "", "x\\..\\y", "/abs"])
def test_run_id_cannot_leave_the_root(sc, tmp_path, bad):
    root = tmp_path / "root"
    with pytest.raises(StoreError, match="not allowed"):
        RunStore.create(root, sc, "run", "batch", 1, 10, run_id=bad)
    assert not (tmp_path / "escape").exists()
    assert not root.exists() or list(root.iterdir()) == []


def test_part_and_file_names_are_checked(sc, results_root):
    store = RunStore.create(results_root, sc, "run", "batch", 1, 10)
    with pytest.raises(StoreError):
        store.write_part("bases", "../x", _df(1))
    with pytest.raises(StoreError):
        store.write_part("../tables", "1", _df(1))
    with pytest.raises(StoreError):
        store.write_text("../outside.txt", "x")
    with pytest.raises(StoreError):
        store.write_text(MANIFEST, "{}")
    assert not (results_root / "outside.txt").exists()


def test_two_stores_in_one_root_do_not_clobber(sc, results_root, monkeypatch):
    ids = iter(["same-id", "same-id", "other-id"])
    monkeypatch.setattr(sim.store.runstore, "new_run_id", lambda name, label: next(ids))
    a = RunStore.create(results_root, sc, "run", "batch", 1, 10)
    b = RunStore.create(results_root, sc, "run", "batch", 2, 10)
    assert (a.path.name, b.path.name) == ("same-id", "other-id")
    assert _manifest(a.path)["seed"] == 1 and _manifest(b.path)["seed"] == 2
    with pytest.raises(StoreError, match="already exists"):
        RunStore.create(results_root, sc, "run", "batch", 3, 10, run_id="same-id")
    assert _manifest(a.path)["seed"] == 1


def test_generated_ids_are_unique(sc, results_root):
    paths = {RunStore.create(results_root, sc, "run", "batch", 1, 10).path for _ in range(5)}
    assert len(paths) == 5


def test_explicit_out_folder_must_be_new_or_empty(sc, tmp_path):
    out = tmp_path / "deep" / "out"
    store = RunStore.create(None, sc, "run", "des", 1, 10, out=out)
    assert store.path == out and (out / MANIFEST).exists()
    with pytest.raises(StoreError, match="not empty"):
        RunStore.create(None, sc, "run", "des", 1, 10, out=out)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert RunStore.create(None, sc, "run", "des", 1, 10, out=empty).path == empty


def test_unwritable_root_is_a_clear_error(sc, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create results root"):
        RunStore.create(blocker / "results", sc, "run", "batch", 1, 10)
    with pytest.raises(StoreError, match="cannot create output folder"):
        RunStore.create(None, sc, "run", "batch", 1, 10, out=blocker / "out")


def test_permission_denied_is_a_clear_error(sc, tmp_path, monkeypatch):
    def denied(path, mode=0o777):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sim.store.runstore.os, "mkdir", denied)
    with pytest.raises(StoreError, match="Permission denied"):
        RunStore.create(tmp_path, sc, "run", "batch", 1, 10)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file modes")
def test_read_only_root(sc, tmp_path):
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="Permission denied"):
            RunStore.create(root, sc, "run", "batch", 1, 10)
    finally:
        root.chmod(0o700)


def test_whole_tables_and_finish(sc, results_root):
    store = RunStore.create(results_root, sc, "run", "batch", 1, 10)
    store.write_table("runs", _df(3))
    store.write_table("summary.csv", _df(2))
    store.write_bytes("charts/map.png", b"\x89PNG")
    store.update(design={"kind": "grid"})
    store.finish("complete", 2.25, {"note": "ok"})
    m = _manifest(store.path)
    assert (m["status"], m["wall_time_s"], m["extra"], m["design"]) == ("complete", 2.25, {"note": "ok"}, {"kind": "grid"})
    assert m["finished"] is not None
    assert set(m["files"]) >= {"scenario.yaml", "runs.parquet", "summary.csv", "charts/map.png"}
    assert len(pd.read_parquet(store.path / "runs.parquet")) == 3
    assert len(pd.read_csv(store.path / "summary.csv")) == 2
    with pytest.raises(ValueError, match="status"):
        store.finish("done", 1.0)


def test_open_rejects_a_folder_without_manifest(tmp_path):
    with pytest.raises(StoreError, match="not a results folder"):
        RunStore.open(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(StoreError, match="cannot read"):
        RunStore.open(tmp_path)
