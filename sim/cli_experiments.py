"""Sub-commands ``sweep``, ``compare`` and ``sensitivity`` (registered by ``sim.cli``).

A sweep file names the scenario (relative to the sweep file), the design and the metrics::

    scenario: ../kidal_2023.yaml
    replications: 200            # optional; --replications wins
    engine: batch                # optional; --engine wins
    seed: 1                      # optional; --seed wins
    metrics: [on_time, wounded]
    design:
      kind: grid                 # grid | lhs | sobol
      n: 32                      # points, for lhs and sobol
      parameters:
        flights.p_grant: [0.1, 0.5, 0.9]
        convoy.max_vehicles: {range: [50, 150, 50]}
        sites.kidal.leave_by: {low: 2023-10-24, high: 2023-11-15}

A sensitivity file has ``scenario``, ``method`` (sobol | morris), ``metric``, ``n``, ``seed``,
``replications``, ``engine`` and ``parameters`` with bounds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.designs import MAX_POINTS, Design, Parameter, check_finite_bounds, parse_design, parse_parameter
from sim.engine import ENGINES
from sim.loader import ScenarioError, read_yaml

SWEEP_KEYS = ("scenario", "replications", "engine", "seed", "metrics", "design", "description")
SENSITIVITY_KEYS = ("scenario", "method", "metric", "n", "seed", "replications", "engine", "parameters",
                    "description")


@dataclass
class SweepSpec:
    """A parsed sweep file."""

    file: Path
    scenario: Path
    design: Design
    metrics: list[str] | None
    replications: int | None
    engine: str | None
    seed: int | None


def _whole(data: dict[str, Any], key: str, file: Path, minimum: int) -> int | None:
    v = data.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ScenarioError(file, key, f"must be a whole number >= {minimum} (got {v!r})")
    return v


def _common(file: str | Path, keys: tuple[str, ...]) -> tuple[Path, dict[str, Any], Path]:
    path = Path(file)
    data = read_yaml(path)
    extra = sorted(set(data) - set(keys))
    if extra:
        raise ScenarioError(path, extra[0], f"unknown key (keys: {', '.join(keys)})")
    sc = data.get("scenario")
    if not isinstance(sc, str) or not sc:
        raise ScenarioError(path, "scenario", "the scenario file to use (a path relative to this file)")
    sc_path = (path.parent / sc) if not Path(sc).is_absolute() else Path(sc)
    if not sc_path.is_file():
        raise ScenarioError(path, "scenario", f"scenario file not found: {sc_path}")
    engine = data.get("engine")
    if engine is not None and engine not in ENGINES:
        raise ScenarioError(path, "engine", f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    _whole(data, "replications", path, 1)
    _whole(data, "seed", path, 0)
    return path, data, sc_path


def load_sweep_spec(file: str | Path) -> SweepSpec:
    """Read and check a sweep file, or raise ``ScenarioError`` naming the file and the field."""
    path, data, sc_path = _common(file, SWEEP_KEYS)
    metrics = data.get("metrics")
    if metrics is not None and (not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics)):
        raise ScenarioError(path, "metrics", "a list of metric names, e.g. [on_time, wounded]")
    if "design" not in data:
        raise ScenarioError(path, "design", "required field is missing")
    design = parse_design(data["design"], path)
    return SweepSpec(path, sc_path, design, metrics, data.get("replications"), data.get("engine"), data.get("seed"))


@dataclass
class SensitivitySpec:
    file: Path
    scenario: Path
    method: str
    metric: str
    parameters: list[Parameter]
    n: int
    seed: int
    replications: int | None
    engine: str | None


def load_sensitivity_spec(file: str | Path) -> SensitivitySpec:
    """Read and check a sensitivity file."""
    path, data, sc_path = _common(file, SENSITIVITY_KEYS)
    method = data.get("method", "sobol")
    if method not in ("sobol", "morris"):
        raise ScenarioError(path, "method", f"sobol or morris (got {method!r})")
    metric = data.get("metric")
    if not isinstance(metric, str):
        raise ScenarioError(path, "metric", "the metric to analyse, e.g. on_time")
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ScenarioError(path, "parameters", "a mapping of parameter path to bounds {low, high}")
    ps = [parse_parameter(str(k), v, str(path)) for k, v in params.items()]
    for p in ps:
        p.check(sampled=True, where=str(path))
    check_finite_bounds(ps, path, "parameters")
    n = _whole(data, "n", path, 2) or 64
    if n > MAX_POINTS:
        raise ScenarioError(path, "n", f"at most {MAX_POINTS} (got {n})")
    if method == "sobol" and n & (n - 1):
        raise ScenarioError(path, "n", f"Sobol sensitivity needs n a power of two (got {n})")
    return SensitivitySpec(path, sc_path, method, metric, ps, n, data.get("seed") or 0,
                           data.get("replications"), data.get("engine"))


# -- handlers -------------------------------------------------------------------------------------


def _executor(args: argparse.Namespace) -> Any:
    from sim.executors import make_executor

    return make_executor(getattr(args, "workers", None), getattr(args, "dask", None))


def _png(ax: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    return buf.getvalue()


def _sweep_charts(res: Any) -> list[str]:
    """Line charts per parameter and metric (and a heatmap for two grid parameters)."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots import plot_heatmap, plot_sweep
    from sim.store import RunStore

    store = RunStore.open(res.path)
    params = [c for c in res.points.columns if c != "point"]
    written = []
    for m in res.metrics[:6]:
        for p in params:
            try:
                data = _png(plot_sweep(res.summary, p, m))
            except ValueError:
                continue
            name = f"charts/sweep_{m}_{p.replace('.', '_')}.png"
            store.write_bytes(name, data)
            written.append(name)
        if len(params) == 2:
            name = f"charts/heatmap_{m}.png"
            store.write_bytes(name, _png(plot_heatmap(res.summary, params[0], params[1], m)))
            written.append(name)
    return written


def _scenario_of(spec_file: Path, scenario: Path) -> None:
    """Validate the scenario a sweep or sensitivity file names: an unreadable file is a problem of
    the spec's ``scenario`` field; a bad field inside it names the scenario file and that field."""
    from sim.experiments import scenario_source

    try:
        scenario_source(scenario)
    except ScenarioError as exc:
        if exc.field is None:
            raise ScenarioError(spec_file, "scenario", f"{scenario}: {exc.message}") from None
        raise


@contextlib.contextmanager
def _blame_spec(spec_file: Path, scenario: Path, paths: list[str], prefix: str = "design.parameters") -> Iterator[None]:
    """Errors about design values or metrics, raised against the (valid) scenario, name the spec."""
    try:
        yield
    except ScenarioError as exc:
        if exc.file != str(scenario):
            raise
        field = f"{prefix}.{exc.field}" if exc.field in paths else exc.field
        raise ScenarioError(spec_file, field, f"{exc.message} (applied to {scenario})") from None


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.cli import console, show_progress
    from sim.experiments import sweep

    spec = load_sweep_spec(args.file)
    if not args.resume:
        _scenario_of(spec.file, spec.scenario)
    if args.resume:  # the manifest holds the settings; only explicit flags are checked against it
        replications, engine, seed = args.replications, args.engine, args.seed
    else:
        replications = args.replications or spec.replications
        engine = args.engine or spec.engine or "batch"
        seed = args.seed if args.seed is not None else spec.seed
    with _executor(args) as ex, _blame_spec(spec.file, spec.scenario, spec.design.paths):
        res = sweep(
            spec.scenario, spec.design, replications=replications, engine=engine, seed=seed, executor=ex,
            out=None if args.resume else args.out,
            results_root=None if (args.resume or args.out) else args.results_root,
            resume=args.resume, progress=show_progress(args), metrics=spec.metrics,
        )
    if not args.no_charts and res.path is not None:
        try:
            _sweep_charts(res)
        except Exception as exc:  # tables are written; a failed chart does not fail the sweep
            print(f"warning: charts failed: {type(exc).__name__}: {exc}")
    if args.quiet:
        print(res.path)
        return 0
    _print_summary(res, console())
    print(f"results: {res.path}")
    return 0


def _fmt(v: float) -> str:
    return f"{v:.3g}" if not abs(v) >= 1e5 else f"{v:.3e}"


def _print_summary(res: Any, con: Any) -> None:
    """One row per point: parameters, then each metric's mean [95 % CI] (first five metrics)."""
    from rich.table import Table

    params = [c for c in res.points.columns if c != "point"]
    metrics = res.metrics[:5]
    n_rep = int(res.table.groupby("point").size().iloc[0])
    t = Table(title=f"Sweep: {len(res.points)} points × {n_rep} replications (mean [95 % CI])")
    for c in ["point", *params, *metrics]:
        t.add_column(c, justify="right", overflow="fold")
    by = res.summary.set_index(["point", "metric"])
    for rec in res.points.head(100).to_dict("records"):
        cells = [str(rec["point"]), *[f"{rec[p]:.4g}" if isinstance(rec[p], float) else str(rec[p]) for p in params]]
        for m in metrics:
            r = by.loc[(rec["point"], m)]
            cells.append(f"{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]")
        t.add_row(*cells)
    con.print(t)
    if len(res.points) > 100:
        con.print(f"(first 100 of {len(res.points)} points; all in summary.csv)")


def cmd_compare(args: argparse.Namespace) -> int:
    from rich.table import Table

    from sim.api import resolve_scenario
    from sim.cli import console, show_progress
    from sim.experiments import compare
    from sim.loader import parse_override

    base, _ = resolve_scenario(args.file, args.overrides)
    if args.variant is None and not args.set_variant:
        raise ScenarioError(args.file, "variant", "give a variant scenario file B, or --set-variant PATH=VALUE")
    if args.variant is not None:
        var, _ = resolve_scenario(args.variant, args.overrides)
        if args.set_variant:
            from sim.experiments import variant_scenario

            _, var = variant_scenario(var, args.set_variant)
    else:
        for o in args.set_variant:
            parse_override(o)
        var = args.set_variant
    metrics = args.metrics.split(",") if args.metrics else None
    t0 = time.perf_counter()
    with _executor(args) as ex:
        res = compare(base, var, replications=args.replications, engine=args.engine or "batch",
                      seed=args.seed, metrics=metrics, executor=ex, progress=show_progress(args))
    path = _store_compare(args, base, res, time.perf_counter() - t0)
    con = console()
    t = Table(title=f"Paired comparison, variant − baseline ({res.replications} replications, common random numbers)")
    for c in ("metric", "baseline", "variant", "diff", "95 % CI (CRN)", "± indep.", "var. ratio"):
        t.add_column(c, justify="right", overflow="fold")
    for r in res.table.to_dict("records"):
        t.add_row(r["metric"], _fmt(r["baseline_mean"]), _fmt(r["variant_mean"]), _fmt(r["diff_mean"]),
                  f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", _fmt(r["diff_ci_halfwidth_independent"]),
                  _fmt(r["variance_reduction"]))
    if args.quiet:
        print(path)
        return 0
    con.print(t)
    print("± indep.: CI half-width of the difference with independent streams; "
          "var. ratio: variance of the difference, independent / common random numbers")
    print(f"results: {path}")
    return 0


def _store_compare(args: argparse.Namespace, base: Any, res: Any, wall_time_s: float) -> Path:
    from sim.store import RunStore

    design = {"baseline": str(args.file), "variant": str(args.variant) if args.variant else None,
              "set": list(args.overrides), "set_variant": list(args.set_variant)}
    store = RunStore.create(None if args.out else args.results_root, base, "compare", args.engine or "batch",
                            args.seed if args.seed is not None else base.run.seed, res.replications,
                            design=design, out=args.out)
    store.write_table("compare.csv", res.table)
    store.write_table("runs_baseline", res.baseline)
    store.write_table("runs_variant", res.variant)
    if not args.no_charts:
        try:
            import matplotlib

            matplotlib.use("Agg")
            from sim.plots import plot_paired

            store.write_bytes("charts/paired.png", _png(plot_paired(res.table)))
        except Exception as exc:
            print(f"warning: chart failed: {type(exc).__name__}: {exc}")
    store.finish("complete", wall_time_s)
    return store.path


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from rich.table import Table

    from sim.cli import console, show_progress
    from sim.sensitivity import sensitivity

    spec = load_sensitivity_spec(args.file)
    _scenario_of(spec.file, spec.scenario)
    with _executor(args) as ex, _blame_spec(spec.file, spec.scenario, [p.path for p in spec.parameters], "parameters"):
        res = sensitivity(
            spec.scenario, spec.parameters, spec.metric, spec.method, n=spec.n,
            replications=args.replications or spec.replications, engine=args.engine or spec.engine or "batch",
            seed=args.seed, design_seed=spec.seed, executor=ex,
            out=args.out, results_root=None if args.out else args.results_root, progress=show_progress(args),
        )
    if not args.no_charts and res.sweep.path is not None:
        try:
            import matplotlib

            matplotlib.use("Agg")
            from sim.plots import plot_tornado
            from sim.store import RunStore

            RunStore.open(res.sweep.path).write_bytes(
                "charts/tornado.png", _png(plot_tornado(res.indices, metric=spec.metric)))
        except Exception as exc:
            print(f"warning: chart failed: {type(exc).__name__}: {exc}")
    if args.quiet:
        print(res.sweep.path)
        return 0
    t = Table(title=f"{spec.method.capitalize()} indices of {spec.metric}")
    for c in res.indices.columns:
        t.add_column(c, justify="right")
    for r in res.indices.itertuples(index=False):
        t.add_row(*[f"{v:.3g}" if isinstance(v, float) else str(v) for v in r])
    console().print(t)
    print(f"results: {res.sweep.path}")
    return 0


# -- parser -----------------------------------------------------------------------------------------


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--replications", type=int, metavar="N", help="replications per point")
    p.add_argument("--engine", choices=ENGINES, help="simulation engine (default: the file's, else batch)")
    p.add_argument("--seed", type=int, metavar="S", help="root seed (default: the scenario's run block)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, metavar="N", help="run on N local worker processes")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="run on Dask: 'local' starts a LocalCluster (--workers sets its size), or tcp://host:port")


def register(subparsers: Any) -> None:
    """Add ``sweep``, ``compare`` and ``sensitivity`` to the ``withdrawal-sim`` parser."""
    from sim.cli import add_output_args, add_set_arg

    p = subparsers.add_parser("sweep", help="run a design of scenario variants (grid, LHS, Sobol)",
                              description="Run a sweep file: a scenario, a design over dotted paths, metrics.")
    p.add_argument("file", metavar="SWEEP.yaml")
    _run_args(p)
    p.add_argument("--resume", metavar="DIR", help="resume an interrupted sweep from its results folder")
    add_output_args(p)
    p.set_defaults(func=cmd_sweep)

    p = subparsers.add_parser("compare", help="paired comparison of two scenarios (common random numbers)",
                              description="Differences variant − baseline with CIs under common random numbers.")
    p.add_argument("file", metavar="A", help="baseline scenario file")
    p.add_argument("variant", metavar="B", nargs="?", help="variant scenario file (or use --set-variant)")
    add_set_arg(p)
    p.add_argument("--set-variant", action="append", default=[], metavar="PATH=VALUE",
                   help="override applied to the variant only (repeatable)")
    p.add_argument("--metrics", metavar="M1,M2", help="metrics to compare (comma-separated)")
    _run_args(p)
    add_output_args(p)
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser("sensitivity", help="Sobol or Morris sensitivity indices (SALib)",
                              description="Global sensitivity of a metric over parameters with bounds.")
    p.add_argument("file", metavar="SPEC.yaml")
    _run_args(p)
    add_output_args(p)
    p.set_defaults(func=cmd_sensitivity)
