"""Command ``show``: reprint the summary of an existing results folder (run, trace, sweep,
comparison, sensitivity) in any ``--format``, with the label and overrides its manifest records."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sim.cli.common import add_format_arg, console


def cmd_show(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.cli.inputs import print_warnings
    from sim.model.errors import ScenarioError
    from sim.report import terminal
    from sim.report.results import read_results

    folder = Path(args.folder)
    sc, manifest, tables = read_results(folder)
    kind = manifest.get("kind", "run")
    extra = manifest.get("extra") or {}
    meta: dict[str, Any] = {k: manifest[k] for k in ("run_id", "label", "overrides", "override_files", "warnings", "status")
            if k in manifest}
    label = manifest.get("label")
    con = console()
    print_warnings(manifest.get("warnings") or [], "recorded")
    if kind == "compare":
        if "comparison" not in tables:
            raise ScenarioError(folder, None, "a comparison folder without compare.csv (was it interrupted?)")
        res = SimpleNamespace(table=tables["comparison"], replications=int(manifest.get("replications") or 0))
        terminal.print_comparison(res, con, str(manifest.get("baseline_label") or "baseline"),
                                  str(manifest.get("variant_label") or "variant"), args.fmt, meta)
    elif kind == "sweep" and "sensitivity" in tables:
        s = extra.get("sensitivity") or {}
        res = SimpleNamespace(indices=tables["sensitivity"], method=str(s.get("method", "sensitivity")),
                              metric=str(s.get("metric", "metric")))
        terminal.print_indices(res, con, args.fmt, meta)
    elif kind == "sweep":
        points_file = folder / "points.parquet"
        if "summary" not in tables or not points_file.is_file():
            raise ScenarioError(folder, None, "a sweep folder without summary.csv or points.parquet "
                                "(was it interrupted? finish it with `withdrawal-sim sweep --resume DIR`)")
        summary = tables["summary"]
        metrics = extra.get("metrics") or list(dict.fromkeys(summary["metric"]))
        res = SimpleNamespace(points=pd.read_parquet(points_file), summary=summary, metrics=list(metrics),
                              table=tables.get("runs", pd.DataFrame({"point": []})))
        terminal.print_sweep_summary(res, con, label, args.fmt, meta)
    elif kind == "trace":
        res = SimpleNamespace(scenario=sc, replication=int(extra.get("replication", 0)),
                              seed=int(manifest.get("seed") or 0), bases=tables.get("bases"),
                              runs=tables.get("runs"), events=tables.get("events", pd.DataFrame({"kind": []})),
                              legs=tables.get("convoys", pd.DataFrame()), path=folder,
                              summary=tables.get("summary", pd.DataFrame()))
        if res.bases is None or res.runs is None:
            raise ScenarioError(folder, None, "a trace folder without its bases and runs tables")
        terminal.print_trace_summary(res, con, label, args.fmt, meta)
    else:
        if "runs" not in tables:
            raise ScenarioError(folder, None, "a run folder without its runs table (was it interrupted? "
                                "finish it with `withdrawal-sim run FILE --resume DIR`)")
        res = SimpleNamespace(scenario=sc, replications=int(manifest.get("replications") or len(tables["runs"])),
                              engine=str(manifest.get("engine", "?")), seed=int(manifest.get("seed") or 0),
                              runs=tables["runs"], path=folder, summary=tables.get("summary", pd.DataFrame()),
                              variance=tables.get("variance"))
        terminal.print_run_summary(res, con, label, args.fmt, meta)
    return 0


def register(sub: Any) -> None:
    """Add ``show``."""
    p = sub.add_parser("show", help="reprint the summary of an existing results folder",
                       description="Reprint the summary of a results folder (run, trace, sweep, compare, "
                                   "sensitivity), as a table or as csv, json or markdown.")
    p.add_argument("folder", metavar="RESULTS_DIR", help="a folder a run, trace, sweep or comparison wrote")
    add_format_arg(p)
    p.set_defaults(func=cmd_show)
