"""Crash safety of ``run`` and ``sweep``: SIGKILL and Ctrl-C at seeded kill points, a full disk,
two runs at once (issue 7, part 3).

Kill points are deterministic: ``tests/helpers/crash_hook.py`` runs the command line in a real
process and stops at the K-th atomic commit of a file (before it, with the temporary file cut in
half, or just after it) or at the K-th engine call (one chunk); it then writes a byte to a pipe, and
the test, blocked reading that pipe, sends a real SIGKILL or SIGINT (no clock involved). The points are
drawn with a seeded generator from the commits an uninterrupted run makes, one per phase (setup,
parts, engine, consolidated tables, charts, finish). After each kill the results folder must be:
- complete (manifest ``complete``, tables equal to an uninterrupted run's), or
- resumable (``--resume`` exits 0 and its tables equal an uninterrupted run's exactly), or
- not started (no manifest, or a sweep stopped before its points were written: no part exists, and
  ``--resume`` says so with exit code 2);
and never holds a file under a final name that does not read completely; temporary files are hidden
(``.name.tmp-…``), and after Ctrl-C there are none. A part file the manifest does not list exists
only when the kill fell between its rename and its manifest record, and a resume removes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sim.cli.main import main as cli_main
from sim.engines.streams import BLOCK_SIZE
from sim.experiments.plan import BATCH_CHUNK_BLOCKS
from sim.store.runstore import MANIFEST, RunStore, StoreError
from tests.helpers.builders import tiny
from tests.helpers.crash_hook import PHASES, install
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.integration

HOOK = "tests.helpers.crash_hook"
"""Run as ``python -m tests.helpers.crash_hook`` with the checkout on ``PYTHONPATH``."""
PLAN_SEED = 20240917
RUN_N = 2 * BATCH_CHUNK_BLOCKS * BLOCK_SIZE + 58
"""Three parts (chunks of batch blocks) in a run."""
TABLE_FILES = ("bases.parquet", "runs.parquet", "roads.parquet", "summary.csv")
TMP = re.compile(r"^\..+\.tmp-[0-9a-f]{8}")
WAIT_S = 180.0


# -- workspace and reference runs ------------------------------------------------------------


@dataclass
class Workspace:
    dir: Path
    scenario: Path
    sweep: Path
    ref: dict[str, Path]
    log: dict[str, list[tuple[str, str]]]


def args_for(command: str, ws: Workspace, charts: bool = False) -> list[str]:
    if command == "run":
        a = ["run", str(ws.scenario), "-n", str(RUN_N), "--engine", "batch", "--seed", "9", "--quiet"]
    else:
        a = ["sweep", str(ws.sweep), "--quiet"]
    return a if charts else [*a, "--no-charts"]


def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = cli_main(argv)
    return rc, err.getvalue()


def _read_log(path: Path, out: Path) -> list[tuple[str, str]]:
    entries = []
    if not path.exists():
        return entries
    for line in path.read_text().splitlines():
        dst, _, status = line.partition(" ")
        entries.append((Path(dst).relative_to(out).as_posix(), status))
    return entries


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    d = tmp_path_factory.mktemp("crash")
    scenario = d / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny(), sort_keys=False))
    sweep = d / "sweep.yaml"
    sweep.write_text("scenario: tiny.yaml\nreplications: 30\nseed: 5\nengine: batch\n"
                     "metrics: [on_time, wounded, completion_hours]\n"
                     "design: {kind: grid, parameters: {flights.p_grant: [0.1, 0.5, 0.9]}}\n")
    w = Workspace(d, scenario, sweep, {}, {})
    for command in ("run", "sweep"):
        out, log = d / f"ref-{command}", d / f"ref-{command}.log"
        undo = install(None, log=str(log))
        try:
            rc, err = _cli([*args_for(command, w), "--out", str(out)])
        finally:
            undo()
        assert rc == 0, err
        w.ref[command] = out
        w.log[command] = _read_log(log, out)
    return w


# -- planning kill points ---------------------------------------------------------------------


def label_commits(entries: list[tuple[str, str]]) -> list[str]:
    """The phase of each commit of an uninterrupted run (setup, parts, tables, finish, charts)."""
    labels: list[str] = []
    for name, status in entries:
        if name.startswith("tables/"):
            lab = "parts"
        elif name.startswith("charts/") or name == "report.html":
            lab = "charts"
        elif name in TABLE_FILES:
            lab = "tables"
        elif name == MANIFEST and status == "complete":
            lab = "charts" if "finish" in labels else "finish"
        elif name == MANIFEST and labels and labels[-1] in ("parts", "tables", "charts"):
            lab = labels[-1]
        else:
            lab = "setup"
        labels.append(lab)
    return labels


@dataclass(frozen=True)
class KillPoint:
    command: str
    at: str
    sig: int
    phase: str
    charts: bool = False

    @property
    def name(self) -> str:
        return f"{self.command}-{self.phase}-{self.at.replace(':', '_')}-{signal.Signals(self.sig).name}"


N_CHARTS = {"run": 7, "sweep": 10}
"""Files the command line draws after an uninterrupted run of the workspace has finished (its
manifest ``complete``): run 6 PNGs, sweep 9, then ``report.html`` (``sim.cli.common.write_outputs``)."""


ALL_PHASES = ("setup", "parts", "engine", "tables", "finish", "charts")


def plan(ws: Workspace, command: str, rng: np.random.Generator, per_phase: int = 1,
         phases: tuple[str, ...] = ALL_PHASES) -> list[KillPoint]:
    """``per_phase`` kill points in each of ``phases`` of ``command``, signals alternating."""
    entries = ws.log[command]
    labels = label_commits(entries)
    n_parts = sum(1 for name, _ in entries if name.startswith("tables/bases/"))  # one engine call per chunk
    out: list[tuple[str, str, bool]] = []
    for phase in phases:
        for _ in range(per_phase):
            if phase == "engine":
                out.append((f"simulate:{int(rng.integers(1, n_parts + 1))}", phase, False))
            elif phase == "charts":  # charts come after every commit of a run without charts
                k = len(entries) + int(rng.integers(1, N_CHARTS[command] + 1))
                out.append((f"commit:{k}:{rng.choice(PHASES)}", phase, True))
            else:
                idx = [i for i, lab in enumerate(labels, 1) if lab == phase]
                out.append((f"commit:{int(rng.choice(idx))}:{rng.choice(PHASES)}", phase, False))
    first_sig = int(rng.integers(2))
    sigs = (signal.SIGKILL, signal.SIGINT)
    return [KillPoint(command, at, sigs[(i + first_sig) % 2], phase, charts)
            for i, (at, phase, charts) in enumerate(out)]


# -- running and checking ---------------------------------------------------------------------


@dataclass
class Killed:
    kp: KillPoint
    out: Path
    rc: int
    stderr: str
    log: list[tuple[str, str]]


def wait_ready(fd: int, timeout: float) -> bool:
    """Block until the child writes its byte to the pipe (True), or closes it by ending, or
    ``timeout`` passes (False)."""
    ready, _, _ = select.select([fd], [], [], timeout)
    return bool(ready) and os.read(fd, 1) == b"r"


def kill_all(ws: Workspace, points: list[KillPoint]) -> list[Killed]:
    """Start every kill point's process at once, signal each when it reaches its point (the byte it
    writes to its pipe)."""
    procs = []
    for kp in points:
        d = Path(tempfile.mkdtemp(prefix=f"{kp.name}-", dir=ws.dir))  # a plan may repeat a point
        read_fd, write_fd = os.pipe()
        env = {**os.environ, "CRASH_AT": kp.at, "CRASH_READY_FD": str(write_fd), "CRASH_LOG": str(d / "log"),
               "PYTHONPATH": str(ROOT)}
        err = open(d / "stderr", "wb")  # noqa: SIM115 - closed below
        p = subprocess.Popen([sys.executable, "-m", HOOK, *args_for(kp.command, ws, kp.charts), "--out",
                              str(d / "out")], env=env, cwd=ws.dir, stdout=subprocess.DEVNULL, stderr=err,
                             pass_fds=(write_fd,))
        os.close(write_fd)  # the child holds the only write end: its exit ends the wait
        procs.append((kp, p, read_fd, err, d))
    done = []
    for kp, p, read_fd, err, d in procs:
        try:
            reached = wait_ready(read_fd, WAIT_S)
        finally:
            os.close(read_fd)
        if reached:
            p.send_signal(kp.sig)
        elif p.poll() is None:
            p.kill()
        rc = p.wait(timeout=WAIT_S)
        err.close()
        stderr = (d / "stderr").read_text(errors="replace")
        assert reached, f"{kp.name}: never reached its kill point (rc {rc}):\n{stderr}"
        done.append(Killed(kp, d / "out", rc, stderr, _read_log(d / "log", d / "out")))
    return done


def scan(out: Path) -> tuple[list[Path], list[Path]]:
    """(visible files, hidden temporary files) under ``out``; any other hidden file fails."""
    visible, tmp = [], []
    for p in sorted(out.rglob("*")):
        if p.is_dir():
            continue
        if TMP.match(p.name):
            tmp.append(p)
        else:
            assert not any(part.startswith(".") for part in p.relative_to(out).parts), p
            visible.append(p)
    return visible, tmp


def assert_readable(path: Path) -> None:
    """A file under a final name reads completely."""
    if path.suffix == ".parquet":
        pq.read_table(path)
    elif path.suffix == ".csv":
        pd.read_csv(path)
    elif path.suffix == ".json":
        json.loads(path.read_text())
    elif path.suffix in (".yaml", ".yml"):
        yaml.safe_load(path.read_text())
    elif path.suffix == ".png":
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82"), path
    elif path.suffix == ".html":
        assert path.read_text().rstrip().endswith("</html>"), path
    else:
        raise AssertionError(f"unexpected file {path}")


def part_files(out: Path) -> dict[str, set[str]]:
    tables = out / "tables"
    if not tables.is_dir():
        return {}
    return {t.name: {p.name for p in t.glob("part-*.parquet")} for t in tables.iterdir() if t.is_dir()}


def unlisted_parts(out: Path, manifest: dict[str, Any]) -> list[str]:
    bad = []
    for table, names in part_files(out).items():
        listed = {f"part-{p}.parquet" for p in manifest["parts"].get(table, {})}
        bad += [f"{table}/{n}" for n in sorted(names - listed)]
    return bad


def assert_listed_parts_complete(out: Path, manifest: dict[str, Any]) -> None:
    for table, parts in manifest["parts"].items():
        for part, rows in parts.items():
            assert pq.read_metadata(out / "tables" / table / f"part-{part}.parquet").num_rows == rows


def assert_same_tables(out: Path, ref: Path) -> None:
    for name in ("bases.parquet", "runs.parquet", "roads.parquet", "points.parquet"):
        if (ref / name).exists():
            pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(ref / name))
    assert (out / "summary.csv").read_bytes() == (ref / "summary.csv").read_bytes()


def between_part_and_record(k: Killed) -> bool:
    """The kill fell after a part's rename and before the manifest listed it."""
    if not k.kp.at.startswith("commit:") or not k.log:
        return False
    log = list(k.log)
    # a Ctrl-C's own records of the stop (the manifest marked interrupted) come after the kill point
    while len(log) > 1 and log[-1][0] == MANIFEST and log[-1][1] == "interrupted":
        log.pop()
    name, _ = log[-1]
    if name.startswith("tables/"):
        return k.kp.at.endswith(":after")
    return name == MANIFEST and len(log) > 1 and log[-2][0].startswith("tables/")


def resume_args(k: Killed, ws: Workspace) -> list[str]:
    return [*args_for(k.kp.command, ws), "--resume", str(k.out)]


def check(k: Killed, ws: Workspace) -> str:
    """Check the folder a kill left; resume it if needed. Returns the outcome."""
    if k.kp.sig == signal.SIGINT:
        assert k.rc == 130, (k.kp.name, k.rc, k.stderr)
        assert "interrupted" in k.stderr and "Traceback" not in k.stderr, k.stderr
    else:
        assert k.rc == -signal.SIGKILL, (k.kp.name, k.rc, k.stderr)
    visible, tmp = scan(k.out)
    if k.kp.sig == signal.SIGINT:
        assert tmp == [], (k.kp.name, tmp)
    for f in visible:
        assert_readable(f)
    if not (k.out / MANIFEST).exists():
        assert visible == [], (k.kp.name, visible)
        rc, err = _cli(resume_args(k, ws))
        assert rc == 2 and "Traceback" not in err and "not a results folder" in err, err
        return "not started"
    manifest = json.loads((k.out / MANIFEST).read_text())
    assert_listed_parts_complete(k.out, manifest)
    if unlisted_parts(k.out, manifest):
        assert between_part_and_record(k), (k.kp.name, unlisted_parts(k.out, manifest), k.log[-2:])
    if manifest["status"] == "complete":
        assert_same_tables(k.out, ws.ref[k.kp.command])
        return "complete"
    rc, err = _cli(resume_args(k, ws))
    if rc == 2 and "stopped before its first part ran" in err:
        assert k.kp.command == "sweep" and not any(part_files(k.out).values()), err
        return "not started"
    assert rc == 0, (k.kp.name, err)
    visible, tmp = scan(k.out)
    assert tmp == []
    manifest = json.loads((k.out / MANIFEST).read_text())
    assert manifest["status"] == "complete" and unlisted_parts(k.out, manifest) == []
    assert_listed_parts_complete(k.out, manifest)
    assert_same_tables(k.out, ws.ref[k.kp.command])
    return "resumed"


def run_points(ws: Workspace, points: list[KillPoint]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for k in kill_all(ws, points):
        o = check(k, ws)
        outcomes[o] = outcomes.get(o, 0) + 1
        print(f"{k.kp.name}: stopped at {k.log[-1][0] if k.log else '-'}; {o}")
    return outcomes


def test_plan_covers_every_phase(ws: Workspace) -> None:
    for command in ("run", "sweep"):
        labels = label_commits(ws.log[command])
        assert {"setup", "parts", "tables", "finish"} <= set(labels), labels
        # the manifest marked complete comes after every part and table; what follows it (the
        # command line's label, overrides and warnings, charts) only adds to a finished folder
        finish = labels.index("finish")
        assert labels[0] == "setup" and set(labels[finish + 1:]) <= {"charts"}, labels
        assert not {"parts", "tables"} & set(labels[finish:]), labels
    # each chunk: its roads part, then its bases part (the mark that the chunk is done)
    parts = [n.split("/")[1] for n, _ in ws.log["run"] if n.startswith("tables/")]
    assert parts == ["roads", "bases"] * 3, parts


def test_kill_points(ws: Workspace) -> None:
    """Four seeded kill points: parts and charts of ``run``, engine and tables of ``sweep``, both
    signals (every phase and more points in ``test_many_kill_points``)."""
    rng = np.random.default_rng(PLAN_SEED)
    points = plan(ws, "run", rng, phases=("parts", "charts")) + plan(ws, "sweep", rng, phases=("engine", "tables"))
    assert {kp.sig for kp in points} == {signal.SIGKILL, signal.SIGINT}
    outcomes = run_points(ws, points)
    assert sum(outcomes.values()) == len(points) == 4
    assert outcomes.get("resumed", 0) >= 3


@pytest.mark.slow
def test_many_kill_points(ws: Workspace) -> None:
    """Two seeded kill points per phase of each command (24 processes)."""
    rng = np.random.default_rng(PLAN_SEED + 1)
    points = plan(ws, "run", rng, per_phase=2) + plan(ws, "sweep", rng, per_phase=2)
    outcomes = run_points(ws, points)
    assert sum(outcomes.values()) == len(points) == 24


# -- a full disk -------------------------------------------------------------------------------


@contextlib.contextmanager
def hooked(at: str, action: str) -> Iterator[None]:
    undo = install(at, action)
    try:
        yield
    finally:
        undo()


@pytest.mark.parametrize("command,target", [
    ("run", "manifest-first"), ("run", "part"), ("run", "bases.parquet"), ("run", "manifest-complete"),
    ("sweep", "points.parquet"), ("sweep", "part"), ("sweep", "summary.csv"),
])
def test_full_disk_is_a_clear_error(ws: Workspace, command: str, target: str, tmp_path: Path) -> None:
    """ENOSPC in the middle of a file (its temporary file half written): exit 2 naming the cause,
    no half file, nothing finished lost; after space is freed the folder resumes to the same tables."""
    entries = ws.log[command]
    if target == "manifest-first":
        k = 1
    elif target == "manifest-complete":  # the commit that marks the folder complete
        k = [i for i, (n, st) in enumerate(entries, 1) if n == MANIFEST and st == "complete"][0]
    elif target == "part":
        k = [i for i, (n, _) in enumerate(entries, 1) if n.startswith("tables/")][1]
    else:
        k = [i for i, (n, _) in enumerate(entries, 1) if n == target][0]
    out = tmp_path / "out"
    with hooked(f"commit:{k}:partial", "enospc"):
        rc, err = _cli([*args_for(command, ws), "--out", str(out)])
    assert rc == 2, err
    assert "No space left on device" in err and "Traceback" not in err, err
    visible, tmp = scan(out)
    assert tmp == []
    for f in visible:
        assert_readable(f)
    if not (out / MANIFEST).exists():
        assert visible == []
        return
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["status"] in ("failed", "running")
    assert unlisted_parts(out, manifest) == []
    rc, err = _cli([*args_for(command, ws), "--resume", str(out)])
    if command == "sweep" and target == "points.parquet":
        assert rc == 2 and "start it again" in err
        return
    assert rc == 0, err
    assert_same_tables(out, ws.ref[command])


# -- two runs at once ------------------------------------------------------------------------


def _spawn(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    """``python -m sim ARGS`` in ``cwd`` (the checkout on ``PYTHONPATH``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _both(args: list[str], cwd: Path) -> list[tuple[int, str, str]]:
    procs = [_spawn(args, cwd) for _ in range(2)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=WAIT_S)
        out.append((p.returncode, stdout, stderr))
    return out


def test_concurrent_runs_in_one_root(ws: Workspace, tmp_path: Path) -> None:
    """Two runs started together in the same results root get their own folders and both complete."""
    root = tmp_path / "results"
    res = _both([*args_for("run", ws), "--results-root", str(root)], ws.dir)
    for rc, _, err in res:
        assert rc == 0, err
    paths = {Path(out.strip()) for _, out, _ in res}
    assert len(paths) == 2 and {p.parent for p in paths} == {root}
    for p in paths:
        assert json.loads((p / MANIFEST).read_text())["status"] == "complete"
        assert_same_tables(p, ws.ref["run"])


@pytest.mark.slow
def test_concurrent_runs_with_one_out_folder(ws: Workspace, tmp_path: Path) -> None:
    """Two runs given the same --out folder: one completes it, the other stops with exit 2."""
    shared = tmp_path / "shared"
    res = _both([*args_for("run", ws), "--out", str(shared)], ws.dir)
    assert sorted(rc for rc, _, _ in res) == [0, 2], res
    loser = next(err for rc, _, err in res if rc == 2)
    assert ("already" in loser or "not empty" in loser) and "Traceback" not in loser, loser
    assert json.loads((shared / MANIFEST).read_text())["status"] == "complete"
    assert_same_tables(shared, ws.ref["run"])


def test_out_folder_claimed_between_check_and_write(ws: Workspace, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The race behind the test above, made deterministic: run B finds the --out folder empty, run A
    then claims it; B must stop (before: B overwrote A's manifest and scenario)."""
    from sim.model.loader import load_scenario

    sc = load_scenario(ws.scenario)
    out = tmp_path / "out"
    real = RunStore._make_out
    holder: dict[str, RunStore] = {}

    def make_out_then_a_claims(path: Path) -> Path:
        got = real(path)
        monkeypatch.setattr(RunStore, "_make_out", staticmethod(real))
        holder["a"] = RunStore.create(None, sc, "run", "batch", 1, 10, out=path)
        return got

    monkeypatch.setattr(RunStore, "_make_out", staticmethod(make_out_then_a_claims))
    with pytest.raises(StoreError, match="already used by another run"):
        RunStore.create(None, sc, "run", "des", 2, 20, out=out)
    m = json.loads((out / MANIFEST).read_text())
    assert (m["engine"], m["seed"], m["replications"]) == ("batch", 1, 10)
    assert holder["a"].path == out
