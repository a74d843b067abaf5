"""``check_results`` a results folder and ``repair`` it: re-run only its damaged parts.

A part is damaged when its file is missing, truncated, changed or unreadable
(``sim.store.verify``). Repair rebuilds the folder's plan from its manifest and ``scenario.yaml``
(and a sweep's ``points.parquet``), runs only the chunks of the damaged parts (the same units and
seeds) and rewrites each part atomically: the repaired parts are byte for byte those of an
undamaged run, and their checksums those recorded at first. Runs and sweeps can be repaired (they
are the experiments that resume); a comparison cannot (its variant is not kept in the folder).
Only one process may write a folder at a time: do not repair a folder a run is still writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.experiments.draws import run_plan
from sim.experiments.executors import Executor, SerialExecutor, Simulate, run_chunks
from sim.experiments.plan import Plan
from sim.experiments.settings import resolve
from sim.experiments.sweep import sweep_plan
from sim.model.errors import StoreError
from sim.model.loader import read_yaml, scenario_hash, validate
from sim.store.resume import manifest_design, require
from sim.store.runstore import ROADS, RunStore
from sim.store.verify import PartDamage, damaged_parts, listed_parts

REPAIRABLE: tuple[str, ...] = ("run", "sweep")


@dataclass
class CheckResult:
    """The parts a folder lists and those of them that are damaged."""

    path: Path
    kind: str
    status: str
    parts: int
    damaged: list[PartDamage] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.damaged


def check_results(folder: str | Path) -> CheckResult:
    """Check every part ``folder``'s manifest lists (read only: safe while a run writes it).
    ``StoreError`` when ``folder`` is not a results folder."""
    store = RunStore.open(folder, resume=False)
    m = store.manifest
    return CheckResult(store.path, str(m.get("kind")), str(m.get("status")), listed_parts(store),
                       damaged_parts(store))


def folder_plan(store: RunStore) -> Plan:
    """The plan a run or sweep folder was made with, from its manifest and files."""
    m = store.manifest
    kind = m.get("kind")
    if kind not in REPAIRABLE:
        raise StoreError(f"{store.path}: a {kind} folder cannot be repaired (only {' and '.join(REPAIRABLE)} "
                         f"folders can); run the {kind} again in a new folder")
    require(store, "scenario.yaml", *(("points.parquet",) if kind == "sweep" else ()))
    sc_file = store.path / "scenario.yaml"
    raw = read_yaml(sc_file)
    sc = validate(raw, str(sc_file))
    if kind == "run" and m.get("scenario", {}).get("sha256") != scenario_hash(sc):
        raise StoreError(f"{sc_file} is not the scenario the manifest records (changed since the run); "
                         "it cannot be repaired: run it again in a new folder")
    settings = resolve(str(store.path), None, m.get("engine"), m.get("replications"), m.get("seed"))
    if kind == "run":
        return run_plan(sc, settings, manifest_design(store).get("draws"), str(sc_file))[0]
    points = pd.read_parquet(store.path / "points.parquet")
    return sweep_plan(raw, points, settings, str(sc_file), manifest_design(store).get("chunk_replications"))


def repair(folder: str | Path, executor: Executor | None = None, simulate: Simulate | None = None) -> CheckResult:
    """Re-run the damaged parts of ``folder`` (only those) and rewrite them atomically; returns the
    check after the repair (``repaired``: the parts re-run). Nothing runs when the folder is clean."""
    store = RunStore.open(folder)  # removes unlisted part files and temporaries of a cut write
    damaged = damaged_parts(store)
    if not damaged:
        return check_results(folder)
    bad = [d for d in damaged if d.table not in ("bases", ROADS)]
    if bad:
        raise StoreError(f"{store.path}: parts of table {bad[0].table!r} are not parts of an experiment's plan; "
                         "they cannot be re-run")
    plan = folder_plan(store)
    expected = plan.expected_rows()
    listed = store.manifest["parts"].get("bases", {})
    for d in damaged:
        rows_ok = d.table != "bases" or expected.get(d.part_id) == int(listed[d.part_id])
        if d.part_id not in expected or not rows_ok:
            raise StoreError(f"{store.path}: part {d.part_id} is not a chunk of this folder's plan (another "
                             "version, or changed by hand); run it again in a new folder")
    ids = {d.part_id for d in damaged}
    tasks = [t for t in plan.tasks if t.part_id in ids]
    done: list[str] = []
    sink = store.sink()
    for task, chunk in run_chunks(executor or SerialExecutor(), tasks, simulate):
        if len(chunk.bases) != expected[task.part_id]:
            raise StoreError(f"{store.path}: part {task.part_id} re-ran to {len(chunk.bases)} rows, not the "
                             f"{expected[task.part_id]} listed; the folder was not made by this version")
        sink.write(task.part_id, chunk)  # the roads part with it: both come from the same draws
        done.append(task.part_id)
    result = check_results(folder)
    result.repaired = sorted(done)
    return result
