"""What the commands share: their arguments, the console, progress, the executor, and the one place
where the charts and the report of a results folder are drawn after every command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.engines.dispatch import DEFAULT_ENGINE, ENGINES

PROG = "withdrawal-sim"
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")
"""Summary formats of ``--format`` (``sim.report.terminal.FORMATS``; kept here so that building
the parser imports nothing heavy)."""


def add_set_arg(p: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` and ``--set-file FILE`` (both repeatable; files first, then --set)."""
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value by dotted path, e.g. --set flights.p_grant=0.5 (repeatable)",
    )
    p.add_argument(
        "--set-file", dest="set_files", action="append", default=[], metavar="FILE",
        help="apply an override file: a YAML mapping of dotted path -> value, such as "
             "scenarios/counterfactuals/*.yaml (repeatable; applied before --set)",
    )


def add_label_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--label", metavar="TEXT",
                   help="name this run in titles, the manifest and the report (default: its overrides)")


def add_format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="table",
                   help="summary output: table (default), csv, json or markdown (csv/json: the numbers behind it)")


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    """``FILE`` and repeated ``--set PATH=VALUE`` overrides."""
    p.add_argument("file", metavar="FILE", help="scenario file (YAML)")
    add_set_arg(p)


def add_output_args(p: argparse.ArgumentParser) -> None:
    """``--out DIR``, ``--results-root DIR``, ``--no-charts``, ``--quiet``."""
    p.add_argument("--out", metavar="DIR", help="write results to this new folder")
    p.add_argument("--results-root", metavar="DIR", default="results",
                   help="folder that receives results/<run-id>/ (default: results)")
    p.add_argument("--no-charts", action="store_true", help="write tables only, no charts or report")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary; print the results folder")
    add_label_arg(p)
    add_format_arg(p)


def add_run_args(p: argparse.ArgumentParser, per_point: bool = False) -> None:
    """``--engine``, ``-n/--replications``, ``--seed`` (values are checked by the library, with the
    same message from every command)."""
    p.add_argument("--engine", choices=ENGINES, help=f"simulation engine (default: the file's, else {DEFAULT_ENGINE})")
    p.add_argument("-n", "--replications", type=int, metavar="N",
                   help="replications" + (" per point" if per_point else "") + " (default: the scenario's run block)")
    p.add_argument("--seed", type=int, metavar="S", help="root seed (default: the scenario's run block)")
    p.add_argument("--budget", type=float, metavar="HOURS", dest="budget_hours",
                   help="refuse to start when the estimated CPU time exceeds HOURS CPU-hours (default 2)")
    p.add_argument("--force", action="store_true", help="run whatever the estimated CPU time (not recorded: give it again with --resume)")


def add_parallel_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, metavar="N", help="run on N local worker processes")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="run on Dask: 'local' starts a LocalCluster (--workers sets its size), or tcp://host:port")


def show_progress(args: argparse.Namespace) -> bool:
    """A progress bar unless ``--quiet`` or stderr is not a terminal."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def console() -> Any:
    from rich.console import Console

    return Console()


def executor(args: argparse.Namespace) -> Any:
    """The executor the flags ask for (serial, processes or Dask), checked first."""
    from sim.experiments.executors import make_executor
    from sim.experiments.settings import check_workers

    workers, dask = getattr(args, "workers", None), getattr(args, "dask", None)
    check_workers(workers, dask, getattr(args, "file", None))
    return make_executor(workers, dask, getattr(args, "file", None))


def write_outputs(path: Path | None, args: argparse.Namespace, **tables: Any) -> None:
    """Charts, report and GeoJSON (``network.geojson``, a trace's ``events.geojson``) of the results
    folder ``path`` (unless ``--no-charts``): the one place every command draws them. ``tables``: the tables in memory, when the command has them (else they are
    read from the folder). A chart that fails does not fail the command: its tables are written."""
    if path is None or getattr(args, "no_charts", False):
        return
    try:
        from sim.report.charts import write_charts
        from sim.report.geojson import write_geojson
        from sim.report.html import write_report

        sc = tables.pop("scenario", None)
        held = {k: t for k, t in tables.items() if t is not None} or None
        write_charts(path, sc, held, progress=show_progress(args))
        write_geojson(path, sc, held)
        write_report(path, charts=False, sc=sc, tables=held)  # the tables in memory, not read again
    except Exception as exc:  # the tables are safe: say what failed, keep them
        msg = f"charts or report failed: {type(exc).__name__}: {exc}"
        print(f"{PROG}: warning: {msg}", file=sys.stderr)
        from sim.store.runstore import RunStore

        store = RunStore.open(path, resume=False)
        store.update(extra={**store.manifest.get("extra", {}), "charts_error": msg})
