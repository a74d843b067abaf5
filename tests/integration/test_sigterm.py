"""SIGTERM (a scheduler stopping the job) in a real ``withdrawal-sim run`` process: like Ctrl-C,
exit 130, the manifest marked ``interrupted`` (never left ``running``), finished parts kept and
resumable to the tables of an uninterrupted run."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.cli.main import main
from tests.helpers import fake_engine as fe
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.integration

WAIT_S = 120.0
RUN = ["--engine", "des", "--replications", "160", "--seed", "4", "--quiet", "--no-charts"]

SCRIPT = textwrap.dedent("""
    import sys
    import sim.engines.dispatch
    from tests.helpers import fake_engine as fe
    sim.engines.dispatch.simulate_units = fe.simulate_units
    from sim.cli.main import main
    sys.exit(main({argv!r}))
""")


def _tables(path: Path) -> dict[str, bytes]:
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and f.suffix in (".parquet", ".csv")}


def test_sigterm_marks_the_run_interrupted_and_it_resumes(tiny_path, tmp_path, fake_engine) -> None:
    out = tmp_path / "run"
    code = SCRIPT.format(argv=["run", str(tiny_path), *RUN, "--out", str(out)])
    read_fd, write_fd = os.pipe()
    # chunks of 50 units: after two parts (100 calls) and 10 more units the engine hangs in the third
    env = {**os.environ, fe.HANG_ENV: "110", fe.HANG_FD_ENV: str(write_fd), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tmp_path, pass_fds=(write_fd,),
                            stderr=subprocess.PIPE, text=True)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], WAIT_S)
        hanging = bool(ready) and os.read(read_fd, 1) == b"h"
    finally:
        os.close(read_fd)
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert hanging, f"the run did not reach its 111th unit (exit {proc.returncode}): {err}"
    assert proc.returncode == 130, err
    assert "terminated" in err and str(out) in err and "Traceback" not in err
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["finished"] is not None
    assert sorted(m["parts"]["bases"]) == ["p000000-u0000000", "p000000-u0000050"]
    assert not (out / "runs.parquet").exists()
    assert main(["check-results", str(out)]) == 0
    assert main(["run", str(tiny_path), "--resume", str(out), "--quiet", "--no-charts"]) == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    ref = tmp_path / "ref"
    assert main(["run", str(tiny_path), *RUN, "--out", str(ref)]) == 0
    assert _tables(out) == _tables(ref)
