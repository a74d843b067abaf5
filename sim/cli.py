"""The command line (``withdrawal-sim``, ``python -m sim``): a thin layer over ``sim.api``.

Commands here: ``validate``, ``schema``, ``run``, ``trace``. Other modules add theirs: each of
``PLUGINS`` that is installed exposes ``register(subparsers)`` and adds sub-commands whose handler,
set with ``parser.set_defaults(func=handler)``, takes the parsed ``args`` and returns an exit code.
Handlers raise ``ScenarioError`` or ``StoreError`` for bad input: ``main`` prints one paragraph
naming the file and the field and exits with 2 (no traceback); any other error exits with 1;
Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.engine import DEFAULT_ENGINE, ENGINES
from sim.loader import ScenarioError

PROG = "withdrawal-sim"
PLUGINS: tuple[str, ...] = ("sim.cli_experiments", "sim.cli_charts", "sim.cli_bench")
"""Optional modules that add sub-commands (sweep, compare, report, animate, bench)."""
TRACEBACK_ENV = "WITHDRAWAL_SIM_TRACEBACK"


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    """``FILE`` and repeated ``--set PATH=VALUE`` overrides."""
    p.add_argument("file", metavar="FILE", help="scenario file (YAML)")
    add_set_arg(p)


def add_set_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value by dotted path, e.g. --set flights.p_grant=0.5 (repeatable)",
    )


def add_output_args(p: argparse.ArgumentParser) -> None:
    """``--out DIR``, ``--results-root DIR``, ``--no-charts``, ``--quiet``."""
    p.add_argument("--out", metavar="DIR", help="write results to this new folder")
    p.add_argument("--results-root", metavar="DIR", default="results",
                   help="folder that receives results/<run-id>/ (default: results)")
    p.add_argument("--no-charts", action="store_true", help="write tables only, no charts or report")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary; print the results folder")


def show_progress(args: argparse.Namespace) -> bool:
    """A progress bar unless ``--quiet`` or stderr is not a terminal."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def console() -> Any:
    from rich.console import Console

    return Console()


# -- commands -----------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.api import resolve_scenario

    bad = 0
    for f in args.files:
        try:
            sc, _ = resolve_scenario(f, args.overrides)
        except ScenarioError as exc:
            print_error(exc)
            bad += 1
            continue
        print(f"OK  {f}  ({sc.name}: {len(sc.bases)} bases, {len(sc.hubs)} hubs, {len(sc.roads)} roads)")
    return 2 if bad else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario import Scenario

    text = json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    from sim.atomic import atomic_write_bytes
    from sim.store import StoreError

    out = Path(args.out)
    try:
        atomic_write_bytes(out, text.encode())
    except OSError as exc:
        raise StoreError(f"cannot write the schema to {out}: {exc.strerror or exc}") from None
    print(f"schema written to {out}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim import api
    from sim.summary_table import print_run_summary

    res = api.run(
        args.file, engine=args.engine, replications=args.replications, seed=args.seed,
        out=args.out, results_root=args.results_root, progress=show_progress(args),
        charts=not args.no_charts, overrides=args.overrides, resume=args.resume,
    )
    if args.quiet:
        print(res.path)
    else:
        print_run_summary(res, console())
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from sim import api
    from sim.summary_table import print_trace_summary

    res = api.trace(
        args.file, seed=args.seed, replication=args.replication, out=args.out,
        results_root=args.results_root, charts=not args.no_charts, overrides=args.overrides,
    )
    if args.quiet:
        print(res.path)
    else:
        print_trace_summary(res, console())
    return 0


# -- parser and main ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Monte Carlo simulation of road withdrawals from remote bases against a deadline.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files", description="Check scenario files.")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_set_arg(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.add_argument("--out", metavar="FILE", help="write the schema to FILE instead of stdout")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("run", help="run a scenario (Monte Carlo replications)")
    add_scenario_args(p)
    p.add_argument("--engine", choices=ENGINES, help=f"simulation engine (default: {DEFAULT_ENGINE})")
    p.add_argument("-n", "--replications", type=int, metavar="N", help="replications (default: the scenario's run block)")
    p.add_argument("--seed", type=int, metavar="S", help="root seed (default: the scenario's run block)")
    add_output_args(p)
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted run of FILE from its results folder")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("trace", help="trace one replication with the SimPy engine (events, convoys)")
    add_scenario_args(p)
    p.add_argument("--seed", type=int, metavar="S", help="root seed (default: the scenario's run block)")
    p.add_argument("--replication", type=int, default=0, metavar="R", help="replication index (default 0)")
    add_output_args(p)
    p.set_defaults(func=cmd_trace)

    for name in PLUGINS:
        register = _plugin(name)
        if register is not None:
            register(sub)
    return parser


def _plugin(name: str) -> Callable[[Any], None] | None:
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    return getattr(mod, "register", None)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("withdrawal-sim")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def with_file(exc: ScenarioError, file: str) -> ScenarioError:
    """``exc`` naming ``file`` when it was raised without one (e.g. by a bad ``--set``)."""
    if exc.file != "<scenario>":
        return exc
    return ScenarioError(file, exc.field, exc.message)


def print_error(exc: BaseException) -> None:
    print(f"{PROG}: error: {exc}", file=sys.stderr)


def is_bad_input(exc: BaseException) -> bool:
    """Scenario errors, results-folder errors, and an engine refusing a scenario."""
    from sim.store import StoreError

    if isinstance(exc, ScenarioError | StoreError):
        return True
    try:
        from sim.batch import Unsupported
    except ImportError:
        return False
    return isinstance(exc, Unsupported)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the command, and turn errors into exit codes (2 bad input, 1 bug)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt as exc:
        path = getattr(exc, "results_path", None)
        kept = f"; finished parts are kept in {path}" if path else ""
        print(f"{PROG}: interrupted{kept}", file=sys.stderr)
        return 130
    except Exception as exc:
        if is_bad_input(exc):
            file = getattr(args, "file", None)
            print_error(with_file(exc, file) if isinstance(exc, ScenarioError) and file else exc)
            return 2
        if os.environ.get(TRACEBACK_ENV):
            raise
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug, not a problem with your input. Set {TRACEBACK_ENV}=1 to see the traceback.",
            file=sys.stderr,
        )
        return 1
