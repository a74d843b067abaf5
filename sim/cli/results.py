"""Command ``check-results``: verify the parts of a results folder and repair the damaged ones."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.common import add_parallel_args, executor

DAMAGED_EXIT = 1
"""Exit code of ``check-results`` when parts are damaged (and not repaired); 0 when all are whole,
2 when the folder is not a results folder."""


def _print_damage(res: Any) -> None:
    from rich.table import Table

    from sim.cli.common import console

    table = Table(title=f"{len(res.damaged)} of {res.parts} parts damaged in {res.path}")
    for col in ("table", "part", "file", "problem"):
        table.add_column(col, overflow="fold")
    for d in res.damaged:
        table.add_row(d.table, d.part_id, str(d.path.relative_to(res.path)), d.problem)
    console().print(table)


def cmd_check_results(args: argparse.Namespace) -> int:
    from sim.api.repair import check_results, repair

    res = check_results(args.folder)
    if res.damaged and args.repair:
        with executor(args) as ex:
            res = repair(args.folder, executor=ex)
        print(f"re-ran {len(res.repaired)} part(s): {', '.join(res.repaired)}")
    if res.damaged:
        _print_damage(res)
        if not args.repair:
            print(f"re-run only those parts with: withdrawal-sim check-results {res.path} --repair")
        return DAMAGED_EXIT
    print(f"OK  {res.path}  ({res.kind}, {res.status}: {res.parts} parts, each as written)")
    return 0


def register(sub: Any) -> None:
    """Add ``check-results``."""
    p = sub.add_parser(
        "check-results", help="verify a results folder's parts; --repair re-runs only the damaged ones",
        description="Check every part a results folder's manifest lists: the file exists, has the size and "
                    "SHA-256 recorded when it was written, reads as Parquet and has its rows. Prints a table "
                    "of damaged parts and exits 1 if there are any (0 if all are whole, 2 if DIR is not a "
                    "results folder). With --repair, re-runs only the damaged parts (the same units and "
                    "seeds, so they come back byte for byte) and rewrites them atomically; runs and sweeps "
                    "can be repaired. Do not repair a folder a run is still writing.")
    p.add_argument("folder", metavar="DIR", help="a results folder (results/<run-id>)")
    p.add_argument("--repair", action="store_true", help="re-run the damaged parts and rewrite them")
    add_parallel_args(p)
    p.set_defaults(func=cmd_check_results)
