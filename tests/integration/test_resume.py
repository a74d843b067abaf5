"""A sweep killed with SIGKILL in a real process resumes from its results folder to the tables of
an uninterrupted sweep, running each chunk once."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.api.sweeps import sweep
from sim.experiments.designs import parse_design
from tests.helpers import fake_engine as fe
from tests.helpers.paths import KIDAL, ROOT

pytestmark = pytest.mark.integration

GRID = {"kind": "grid", "parameters": {"flights.p_grant": [0.1, 0.6], "convoy.max_vehicles": [50, 150]}}
WAIT_S = 120.0

SCRIPT = textwrap.dedent("""
    from sim.api.sweeps import sweep
    from sim.experiments.designs import parse_design
    from tests.helpers import fake_engine as fe
    sweep({kidal!r}, parse_design({grid!r}), replications=40, engine="des", seed=5, out={out!r},
          chunk_replications=4, simulate=fe.simulate_unit)
""")


def _parts(out: Path) -> int:
    m = json.loads((out / "manifest.json").read_text())
    return len(m.get("parts", {}).get("bases", {}))


def test_resume_after_sigkill_gives_identical_tables(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = SCRIPT.format(kidal=str(KIDAL), grid=GRID, out=str(out))
    # 4 units per part: after 6 parts (24 calls) the fake engine hangs inside the 7th, says so on
    # the pipe, and is killed there
    read_fd, write_fd = os.pipe()
    env = {**os.environ, fe.HANG_ENV: str(6 * 4), fe.HANG_FD_ENV: str(write_fd), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tmp_path, pass_fds=(write_fd,))
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], WAIT_S)
        hanging = bool(ready) and os.read(read_fd, 1) == b"h"
    finally:
        os.close(read_fd)
    proc.send_signal(signal.SIGKILL)  # hanging in its 25th unit (or stuck elsewhere: the assert says)
    proc.wait(timeout=WAIT_S)
    assert hanging, f"the sweep did not reach its 25th unit (exit {proc.returncode})"
    assert _parts(out) == 6  # the serial sweep writes each chunk before it starts the next
    resumed = sweep(None, None, resume=out, simulate=fe.simulate_unit)
    ref = sweep(KIDAL, parse_design(GRID), replications=40, engine="des", seed=5, simulate=fe.simulate_unit)
    pd.testing.assert_frame_equal(resumed.bases, ref.bases)
    pd.testing.assert_frame_equal(resumed.table, ref.table)
    pd.testing.assert_frame_equal(resumed.summary, ref.summary)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["parts"]["bases"]) == 4 * 10
    assert not resumed.bases.duplicated(["point", "replication", "base"]).any()
    # resuming a finished sweep redoes nothing
    calls = []

    def spy(*a, **k):  # noqa: ANN002, ANN003, ANN202 - the simulate signature
        calls.append(1)
        return fe.simulate_unit(*a, **k)

    again = sweep(None, None, resume=out, simulate=spy)
    assert calls == []
    pd.testing.assert_frame_equal(again.table, ref.table)
    assert (out / "runs.parquet").exists() and (out / "summary.csv").exists()
