"""How the command line ends: bad input (exit 2, one paragraph naming the file and the field, no
traceback), interrupted (130; SIGTERM like Ctrl-C), or a bug (exit 1)."""

from __future__ import annotations

import contextlib
import signal
import sys
from types import FrameType

from sim.cli.common import PROG
from sim.model.errors import BAD_INPUT

TRACEBACK_ENV = "WITHDRAWAL_SIM_TRACEBACK"


def print_error(exc: BaseException) -> None:
    """``withdrawal-sim: error: FILE: FIELD: message`` on stderr. The message is already in plain
    language where it was raised (``sim.model.input_checks.plain_message``: no pydantic jargon, a
    "did you mean" for unknown keys, paths and metrics), as the Python API gives it."""
    print(f"{PROG}: error: {exc}", file=sys.stderr)


def is_bad_input(exc: BaseException) -> bool:
    """Scenario errors and results-folder errors."""
    return isinstance(exc, BAD_INPUT)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler stopping the job): handled like Ctrl-C, the results folder marked
    interrupted and its finished parts kept."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"signal {signum}")


def handle_sigterm() -> None:
    """Turn SIGTERM into ``Terminated`` in this process (main thread only)."""
    with contextlib.suppress(ValueError):  # not the main thread: leave the default
        signal.signal(signal.SIGTERM, _on_sigterm)
