"""Commands ``validate``, ``schema``, ``run`` and ``trace``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_output_args,
    add_parallel_args,
    add_run_args,
    add_scenario_args,
    add_set_arg,
    console,
    executor,
    show_progress,
    write_outputs,
)

SCHEMA_KINDS: tuple[str, ...] = ("scenario", "sweep", "sensitivity")


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.cli.errors import print_error
    from sim.cli.inputs import overrides_of, print_warnings, scenario_warnings
    from sim.model.errors import ScenarioError
    from sim.model.loader import is_override_file, load_scenario

    bad = 0
    for f in args.files:
        try:
            if is_override_file(f):
                raise ScenarioError(f, None, "an override file (dotted path -> value), not a scenario: check it "
                                    f"against the scenario it applies to, e.g. `validate BASE.yaml --set-file {f}`")
            ov = overrides_of(args)
            sc = load_scenario(f, ov)
            warnings = scenario_warnings(f, ov)
        except ScenarioError as exc:
            print_error(exc.naming(f))
            bad += 1
            continue
        print_warnings(warnings, f)
        applied = f" with {len(ov)} override{'s' if len(ov) != 1 else ''}" if ov else ""
        print(f"OK  {f}{applied}  ({sc.name}: {len(sc.bases)} bases, {len(sc.hubs)} hubs, {len(sc.roads)} roads)")
    return 2 if bad else 0


def schema_of(kind: str) -> dict[str, Any]:
    """The JSON Schema of a scenario, sweep or sensitivity file."""
    if kind == "scenario":
        from sim.model.schema import Scenario

        return Scenario.model_json_schema(by_alias=True)
    from sim.experiments.specs import SPECS

    return SPECS[kind].model_json_schema(by_alias=True)


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(schema_of(args.kind), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    from sim.model.errors import StoreError
    from sim.store.atomic import atomic_write_bytes

    out = Path(args.out)
    try:
        atomic_write_bytes(out, text.encode())
    except OSError as exc:
        raise StoreError(f"cannot write the schema to {out}: {exc.strerror or exc}") from None
    print(f"schema written to {out}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.api.runs import run
    from sim.cli.inputs import command_inputs, record, recording
    from sim.report.terminal import print_run_summary

    ov, fields = command_inputs(args, args.file)
    with recording(fields), executor(args) as ex:
        res = run(
            args.file, engine=args.engine, replications=args.replications, budget_hours=args.budget_hours,
            force=args.force, seed=args.seed,
            out=args.out, results_root=None if args.out else args.results_root, progress=show_progress(args),
            executor=ex, overrides=ov, resume=args.resume, draws=args.draws,
        )
    record(res.path, fields)
    write_outputs(res.path, args, scenario=res.scenario, bases=res.bases, runs=res.runs, summary=res.summary)
    if args.quiet:
        print(res.path)
    else:
        print_run_summary(res, console(), fields["label"], args.fmt, fields)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from sim.api.runs import trace
    from sim.cli.inputs import command_inputs, record, recording
    from sim.report.terminal import print_trace_summary

    ov, fields = command_inputs(args, args.file)
    with recording(fields):
        res = trace(args.file, seed=args.seed, replication=args.replication, out=args.out,
                    results_root=None if args.out else args.results_root, overrides=ov)
    record(res.path, fields)
    write_outputs(res.path, args, scenario=res.scenario, bases=res.bases, runs=res.runs, summary=res.summary,
                  events=res.events, convoys=res.legs)
    if args.quiet:
        print(res.path)
    else:
        print_trace_summary(res, console(), fields["label"], args.fmt, fields)
    return 0


def register(sub: Any) -> None:
    """Add ``validate``, ``schema``, ``run`` and ``trace``."""
    p = sub.add_parser("validate", help="check scenario files", description="Check scenario files.")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_set_arg(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario (or sweep, sensitivity) files")
    p.add_argument("--kind", choices=SCHEMA_KINDS, default="scenario", help="which file format (default: scenario)")
    p.add_argument("--out", metavar="FILE", help="write the schema to FILE instead of stdout")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("run", help="run a scenario (Monte Carlo replications)")
    add_scenario_args(p)
    add_run_args(p)
    add_parallel_args(p)
    add_output_args(p)
    p.add_argument("--draws", type=int, metavar="K",
                   help="two-level run: K draws of the scenario's uncertain inputs, each with the "
                        "replications (default: the scenario's run.draws, else none; MODEL.md §17)")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted run of FILE from its results folder")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("trace", help="trace one replication with the SimPy engine (events, convoys)")
    add_scenario_args(p)
    p.add_argument("--seed", type=int, metavar="S", help="root seed (default: the scenario's run block)")
    p.add_argument("--replication", type=int, default=0, metavar="R", help="replication index (default 0)")
    add_output_args(p)
    p.set_defaults(func=cmd_trace)
