"""The ``withdrawal-sim`` command line with a deterministic crash point (for the crash-safety tests).

``python -m tests.helpers.crash_hook ARGS...`` is ``python -m sim ARGS...`` plus, from the environment:

- ``CRASH_AT``: ``commit:K:PHASE`` stops at the K-th (1-based) atomic commit of a file (the rename,
  or the hard link that claims a new manifest, in ``sim.store.atomic``): ``before`` it (the temporary file
  is complete), ``partial`` (the temporary file cut to half its size first, as if the write had been
  cut short) or ``after`` it (the file is in place, nothing after it has run).
  ``simulate:K`` stops at the K-th call of the engine (``sim.engines.dispatch.simulate_units``: one
  chunk of units, one part), before it runs.
- ``CRASH_ACTION``: ``block`` (default): write one byte to the file descriptor ``CRASH_READY_FD``
  (the write end of a pipe the test reads) and sleep until a signal arrives (the test sends SIGKILL
  or SIGINT); ``enospc``: raise ``OSError(ENOSPC)`` there (a full disk).
- ``CRASH_LOG``: append one line per commit (destination path, and the status of a manifest), so a
  test can plan its kill points from an uninterrupted run.

``install`` does the same inside a test process and returns a function that undoes it.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import sim.engines.dispatch
import sim.store.atomic

PHASES = ("before", "partial", "after")


class _Os:
    """``os`` as ``sim.store.atomic`` sees it: renames and links go through ``commit``."""

    def __init__(self, real: ModuleType, commit: Callable[[str, Any, Any], None]) -> None:
        self._real = real
        self._commit = commit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def replace(self, src: Any, dst: Any) -> None:
        self._commit("replace", src, dst)

    def link(self, src: Any, dst: Any) -> None:
        self._commit("link", src, dst)


def _stop(action: str, ready_fd: int | None) -> None:
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if ready_fd is not None:
        os.write(ready_fd, b"r")  # the test, blocked reading the pipe, now sends its signal
    # SIGINT raises KeyboardInterrupt here; SIGKILL ends the process. Short sleeps: a signal that
    # lands between Python's check for pending signals and the start of the sleep's system call is
    # only acted on when that sleep ends, so a signal sent any time after the byte is handled here.
    while True:
        time.sleep(0.05)


def install(at: str | None, action: str = "block", ready_fd: int | None = None,
            log: str | None = None) -> Callable[[], None]:
    """Patch ``sim.store.atomic`` and ``sim.engines.dispatch`` for the crash point ``at``; returns the undo."""
    kind, k, phase = None, 0, "before"
    if at:
        parts = at.split(":")
        kind, k = parts[0], int(parts[1])
        phase = parts[2] if len(parts) > 2 else "before"
        if kind not in ("commit", "simulate") or phase not in PHASES:
            raise ValueError(f"bad CRASH_AT {at!r}")
    counts = {"commit": 0, "simulate": 0}
    real_os = sim.store.atomic.os
    real_simulate = sim.engines.dispatch.simulate_units

    def commit(op: str, src: Any, dst: Any) -> None:
        counts["commit"] += 1
        if log:
            line = str(dst)
            if Path(dst).name == "manifest.json":
                line += " " + str(json.loads(Path(src).read_bytes()).get("status"))
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        hit = kind == "commit" and counts["commit"] == k
        if hit and phase == "partial":
            size = Path(src).stat().st_size
            with open(src, "r+b") as fh:
                fh.truncate(size // 2)
        if hit and phase != "after":
            _stop(action, ready_fd)
        getattr(real_os, op)(src, dst)
        if hit:
            _stop(action, ready_fd)

    def simulate(*args: Any, **kwargs: Any) -> Any:
        counts["simulate"] += 1
        if kind == "simulate" and counts["simulate"] == k:
            _stop(action, ready_fd)
        return real_simulate(*args, **kwargs)

    sim.store.atomic.os = _Os(real_os, commit)  # type: ignore[assignment]
    sim.engines.dispatch.simulate_units = simulate  # type: ignore[assignment]

    def undo() -> None:
        sim.store.atomic.os = real_os
        sim.engines.dispatch.simulate_units = real_simulate

    return undo


def main() -> int:
    # Ctrl-C raises KeyboardInterrupt, as in a terminal, even when this process was started with
    # SIGINT ignored: a test suite run as a background job (`pytest &` in a script) hands its
    # children an ignored SIGINT, and Python then installs no handler, so the test's SIGINT did
    # nothing and the test waited for its timeout (seen twice when the suite ran in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    fd = os.environ.get("CRASH_READY_FD")
    install(os.environ.get("CRASH_AT"), os.environ.get("CRASH_ACTION", "block"),
            int(fd) if fd else None, os.environ.get("CRASH_LOG"))
    from sim.cli.main import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
