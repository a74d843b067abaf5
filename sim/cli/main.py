"""The command line (``withdrawal-sim``, ``python -m sim``): thin commands over the Python API.

Building the parser imports nothing heavy (argparse and the engines' names): ``--help`` and
``validate`` answer at once; each handler imports what it uses. Handlers raise ``ScenarioError``
or ``StoreError`` for bad input: ``main`` prints one paragraph naming the file and the field and
exits with 2 (no traceback); any other error exits with 1; Ctrl-C and SIGTERM exit with 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from sim.cli import bench, calibrate, charts, experiments, geo, results, run, show
from sim.cli.common import PROG
from sim.cli.errors import TRACEBACK_ENV, Terminated, handle_sigterm, is_bad_input, print_error

COMMANDS = (run, experiments, show, charts, results, geo, bench, calibrate)
"""Modules whose ``register(subparsers)`` add their commands, in the order of ``--help``."""


class _Version(argparse.Action):
    """``--version``, looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit", **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        from importlib import metadata

        try:
            version = metadata.version("withdrawal-sim")
        except metadata.PackageNotFoundError:
            version = "(not installed)"
        print(f"{PROG} {version}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Monte Carlo simulation of road withdrawals from remote bases against a deadline.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the command, and turn errors into exit codes (2 bad input, 1 bug)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    handle_sigterm()
    from sim.engines.allocator import keep_freed_memory

    keep_freed_memory()  # this process may run the batch engine (see sim/engines/allocator.py)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt as exc:
        path = getattr(exc, "results_path", None)
        kept = f"; finished parts are kept in {path}" if path else ""
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"{PROG}: {how}{kept}", file=sys.stderr)
        return 130
    except Exception as exc:
        if is_bad_input(exc):
            from sim.model.errors import ScenarioError

            file = getattr(args, "file", None)
            print_error(exc.naming(file) if isinstance(exc, ScenarioError) and file else exc)
            return 2
        if os.environ.get(TRACEBACK_ENV):
            raise
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug, not a problem with your input. Set {TRACEBACK_ENV}=1 to see the traceback.",
            file=sys.stderr,
        )
        return 1
