"""Commands ``sweep``, ``compare`` and ``sensitivity`` (sweep and sensitivity files:
``sim.experiments.specs``)."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.common import (
    add_output_args,
    add_parallel_args,
    add_run_args,
    add_set_arg,
    console,
    executor,
    show_progress,
    write_outputs,
)


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.api.sweeps import sweep, sweep_file
    from sim.report.terminal import print_sweep_summary

    with executor(args) as ex:
        if args.resume:  # the manifest holds the settings; only explicit flags are checked against it
            res = sweep(None, None, replications=args.replications, budget_hours=args.budget_hours, force=args.force, engine=args.engine, seed=args.seed,
                        executor=ex, resume=args.resume, progress=show_progress(args))
        else:
            res = sweep_file(args.file, replications=args.replications, budget_hours=args.budget_hours, force=args.force, engine=args.engine, seed=args.seed,
                             executor=ex, out=args.out, results_root=None if args.out else args.results_root,
                             progress=show_progress(args))
    write_outputs(res.path, args)
    if args.quiet:
        print(res.path)
        return 0
    print_sweep_summary(res, console())
    print(f"results: {res.path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.api.common import resolve_scenario
    from sim.api.compare import compare
    from sim.experiments.compare import variant_scenario
    from sim.model.errors import ScenarioError
    from sim.model.loader import parse_override
    from sim.report.terminal import print_comparison

    base, _ = resolve_scenario(args.file, args.overrides)
    if args.variant is None and not args.set_variant:
        raise ScenarioError(args.file, "variant", "give a variant scenario file B, or --set-variant PATH=VALUE")
    var: Any
    if args.variant is not None:
        var, _ = resolve_scenario(args.variant, args.overrides)
        if args.set_variant:
            _, var = variant_scenario(var, args.set_variant)
    else:
        for o in args.set_variant:
            parse_override(o)
        var = args.set_variant
    metrics = args.metrics.split(",") if args.metrics else None
    design = {"baseline": str(args.file), "variant": str(args.variant) if args.variant else None,
              "set": list(args.overrides), "set_variant": list(args.set_variant)}
    with executor(args) as ex:
        res = compare(base, var, replications=args.replications, budget_hours=args.budget_hours, force=args.force, engine=args.engine, seed=args.seed,
                      metrics=metrics, executor=ex, progress=show_progress(args), out=args.out,
                      results_root=None if args.out else args.results_root, design=design)
    write_outputs(res.path, args)
    if args.quiet:
        print(res.path)
        return 0
    print_comparison(res, console())
    print(f"results: {res.path}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.api.sweeps import blame_scenario, blamed, sensitivity
    from sim.experiments.specs import load_sensitivity
    from sim.report.terminal import print_indices

    spec = load_sensitivity(args.file)
    blame_scenario(spec.file, spec.scenario)
    with executor(args) as ex, blamed(spec.file, spec.scenario, [p.path for p in spec.parameters], "parameters"):
        res = sensitivity(
            spec.scenario, spec.parameters, spec.spec.metric, spec.spec.method, n=spec.spec.n,
            replications=args.replications if args.replications is not None else spec.spec.replications,
            engine=args.engine or spec.spec.engine, seed=args.seed, design_seed=spec.spec.seed, executor=ex,
            out=args.out, results_root=None if args.out else args.results_root, progress=show_progress(args),
            budget_hours=args.budget_hours, force=args.force,
        )
    write_outputs(res.sweep.path, args)
    if args.quiet:
        print(res.sweep.path)
        return 0
    print_indices(res, console())
    print(f"results: {res.sweep.path}")
    return 0


def register(sub: Any) -> None:
    """Add ``sweep``, ``compare`` and ``sensitivity``."""
    p = sub.add_parser("sweep", help="run a design of scenario variants (grid, LHS, Sobol)",
                       description="Run a sweep file: a scenario, a design over dotted paths, metrics.")
    p.add_argument("file", metavar="SWEEP.yaml")
    add_run_args(p, per_point=True)
    add_parallel_args(p)
    p.add_argument("--resume", metavar="DIR", help="resume an interrupted sweep from its results folder")
    add_output_args(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("compare", help="paired comparison of two scenarios (common random numbers)",
                       description="Differences variant − baseline with CIs under common random numbers.")
    p.add_argument("file", metavar="A", help="baseline scenario file")
    p.add_argument("variant", metavar="B", nargs="?", help="variant scenario file (or use --set-variant)")
    add_set_arg(p)
    p.add_argument("--set-variant", action="append", default=[], metavar="PATH=VALUE",
                   help="override applied to the variant only (repeatable)")
    p.add_argument("--metrics", metavar="M1,M2", help="metrics to compare (comma-separated)")
    add_run_args(p)
    add_parallel_args(p)
    add_output_args(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity indices (SALib)",
                       description="Global sensitivity of a metric over parameters with bounds.")
    p.add_argument("file", metavar="SPEC.yaml")
    add_run_args(p, per_point=True)
    add_parallel_args(p)
    add_output_args(p)
    p.set_defaults(func=cmd_sensitivity)
