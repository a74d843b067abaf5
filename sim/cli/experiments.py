"""Commands ``sweep``, ``compare`` and ``sensitivity`` (sweep and sensitivity files:
``sim.experiments.specs``)."""

from __future__ import annotations

import argparse
import json
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
    from sim.api.sweeps import blame_scenario, blamed, sweep, sweep_file
    from sim.cli.inputs import (
        inputs_record,
        overrides_of,
        print_warnings,
        record,
        recording,
        scenario_warnings,
    )
    from sim.experiments.specs import load_sweep
    from sim.model.errors import ScenarioError
    from sim.model.loader import load_scenario
    from sim.report.terminal import print_sweep_summary

    ov = overrides_of(args)
    if args.resume is None and args.file is None:
        raise ScenarioError(None, "SWEEP.yaml", "give a sweep file, or --resume DIR to finish an interrupted sweep")
    if args.resume is not None and ov:
        raise ScenarioError(args.resume, "--resume", "a resumed sweep reads its scenario (with its overrides) and "
                            "design from the folder: give --resume DIR without --set or --set-file")
    warnings: list[str] = []
    fields: dict[str, Any] = {}
    with executor(args) as ex:
        if args.resume:  # the manifest holds the settings; only explicit flags are checked against it
            res = sweep(None, None, replications=args.replications, budget_hours=args.budget_hours, force=args.force,
                        engine=args.engine, seed=args.seed,
                        executor=ex, resume=args.resume, progress=show_progress(args))
        else:
            spec = load_sweep(args.file)
            blame_scenario(spec.file, spec.scenario)
            warnings = scenario_warnings(spec.scenario, ov)
            print_warnings(warnings, spec.scenario)
            fields = inputs_record(args, ov, warnings)
            where = None if args.out else args.results_root
            if not ov:
                with recording(fields):
                    res = sweep_file(args.file, replications=args.replications, budget_hours=args.budget_hours,
                                     force=args.force, engine=args.engine, seed=args.seed,
                                     executor=ex, out=args.out, results_root=where, progress=show_progress(args))
            else:  # the overrides apply to the sweep's scenario, under every point of its design
                sc = load_scenario(spec.scenario, ov)
                with recording(fields), blamed(spec.file, spec.scenario, spec.design.paths):
                    res = sweep(sc, spec.design,
                                replications=args.replications if args.replications is not None
                                else spec.spec.replications,
                                engine=args.engine or spec.spec.engine,
                                seed=args.seed if args.seed is not None else spec.spec.seed,
                                metrics=spec.spec.metrics, executor=ex, out=args.out, results_root=where,
                                budget_hours=args.budget_hours, force=args.force,
                                progress=show_progress(args))
    if fields:
        record(res.path, fields)
    else:
        fields = manifest_inputs(res.path)
    write_outputs(res.path, args)
    if args.quiet:
        print(res.path)
        return 0
    print_sweep_summary(res, console(), fields.get("label"), args.fmt, fields)
    if args.fmt == "table":
        print(f"results: {res.path}")
    return 0


def manifest_inputs(path: Any) -> dict[str, Any]:
    """The label, overrides and warnings recorded in a results folder's manifest (or none)."""
    if path is None:
        return {}
    from sim.store.runstore import RunStore

    m = RunStore.open(path, resume=False).manifest
    return {k: m[k] for k in ("label", "overrides", "override_files", "warnings") if k in m}


def cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.api.common import resolve_scenario
    from sim.api.compare import compare
    from sim.cli.inputs import (
        describe_overrides,
        label_of,
        overrides_of,
        print_warnings,
        record,
        recording,
        scenario_warnings,
    )
    from sim.experiments.compare import variant_scenario
    from sim.model.errors import ScenarioError
    from sim.model.loader import is_override_file, load_override_file
    from sim.report.terminal import print_comparison

    ov = overrides_of(args)
    base, _ = resolve_scenario(args.file, ov)
    vsets = overrides_of(args, sets="set_variant", files="")
    if args.variant is None and not vsets:
        raise ScenarioError(args.file, "variant", "give a variant B (a scenario file or an override file such "
                            "as scenarios/counterfactuals/*.yaml), or --set-variant PATH=VALUE")
    var: Any
    vfiles: list[str] = []
    var_ov: dict[str, Any] = dict(vsets)
    if args.variant is not None and is_override_file(args.variant):
        vfiles = [str(args.variant)]
        var_ov = {**load_override_file(args.variant), **vsets}
        var = var_ov  # applied to the baseline (with its own overrides)
    elif args.variant is not None:
        var, _ = resolve_scenario(args.variant, ov)
        if vsets:
            _, var = variant_scenario(var, vsets)
    else:
        var = var_ov
    warnings = scenario_warnings(args.file, ov)
    print_warnings(warnings, args.file)
    base_label = Path(args.file).stem + (f" + {describe_overrides(ov)}" if ov else "")
    if args.label:
        var_label = args.label
    elif args.variant is not None and not vfiles:
        var_label = Path(args.variant).stem + (f" + {describe_overrides(vsets)}" if vsets else "")
    else:
        var_label = label_of(None, vfiles, vsets) or "variant"
    metrics = args.metrics.split(",") if args.metrics else None
    design = {"baseline": str(args.file), "variant": str(args.variant) if args.variant else None,
              "set": list(args.overrides), "set_files": list(args.set_files), "set_variant": list(args.set_variant)}
    fields = {"label": var_label, "baseline_label": base_label, "variant_label": var_label,
              "overrides": json.loads(json.dumps(ov, default=str)),
              "variant_overrides": json.loads(json.dumps(var_ov, default=str)),
              "override_files": list(args.set_files), "variant_files": vfiles, "warnings": warnings}
    with recording(fields), executor(args) as ex:
        res = compare(base, var, replications=args.replications, budget_hours=args.budget_hours, force=args.force,
                      engine=args.engine, seed=args.seed,
                      metrics=metrics, executor=ex, progress=show_progress(args), out=args.out,
                      results_root=None if args.out else args.results_root, design=design, draws=args.draws)
    record(res.path, fields)
    write_outputs(res.path, args)
    if args.quiet:
        print(res.path)
        return 0
    print_comparison(res, console(), base_label, var_label, args.fmt, fields)
    if args.fmt == "table":
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
    if args.label:
        from sim.cli.inputs import record

        record(res.sweep.path, {"label": args.label})
    write_outputs(res.sweep.path, args)
    if args.quiet:
        print(res.sweep.path)
        return 0
    print_indices(res, console(), args.fmt)
    if args.fmt == "table":
        print(f"results: {res.sweep.path}")
    return 0


def register(sub: Any) -> None:
    """Add ``sweep``, ``compare`` and ``sensitivity``."""
    p = sub.add_parser("sweep", help="run a design of scenario variants (grid, LHS, Sobol)",
                       description="Run a sweep file: a scenario, a design over dotted paths, metrics.")
    p.add_argument("file", metavar="SWEEP.yaml", nargs="?", help="sweep file (not needed with --resume)")
    add_set_arg(p)
    add_run_args(p, per_point=True)
    add_parallel_args(p)
    p.add_argument("--resume", metavar="DIR",
                   help="resume an interrupted sweep from its results folder (its manifest holds the sweep)")
    add_output_args(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("compare", help="paired comparison of two scenarios (common random numbers)",
                       description="Differences variant − baseline with CIs under common random numbers.")
    p.add_argument("file", metavar="A", help="baseline scenario file")
    p.add_argument("variant", metavar="B", nargs="?",
                   help="variant: a scenario file, or an override file such as scenarios/counterfactuals/*.yaml "
                        "applied to A (or use --set-variant)")
    add_set_arg(p)
    p.add_argument("--set-variant", action="append", default=[], metavar="PATH=VALUE",
                   help="override applied to the variant only (repeatable)")
    p.add_argument("--metrics", metavar="M1,M2", help="metrics to compare (comma-separated)")
    p.add_argument("--draws", type=int, metavar="K",
                   help="two-level comparison: K draws of the baseline's uncertain inputs, both sides per draw "
                        "(MODEL.md §17)")
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
