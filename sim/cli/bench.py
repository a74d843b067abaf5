"""Command ``bench``: run the benchmarks of a source checkout and print each figure with its target.

The benchmarks (``benchmarks/`` at the top of the repository) are part of the source, not of the
installed package: the command finds them in the checkout it is run from (the current folder or
one above it, or the checkout an editable install points to) and says what to do when there is
none. Each module's ``run(quick) -> dict`` gives figures ``{value, target, ok}``; the command exits
with 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

MODULES: tuple[str, ...] = ("bench_startup", "bench_des", "bench_batch", "bench_experiments", "bench_charts",
                            "bench_security", "bench_draws")


def register(subparsers: Any) -> None:
    """Add ``bench`` to the ``withdrawal-sim`` sub-commands."""
    p = subparsers.add_parser("bench", help="run the speed and memory benchmarks (from a source checkout)")
    p.add_argument("--quick", action="store_true", help="smaller sizes (a minute or two)")
    p.add_argument("--out", metavar="FILE", default="bench.json", help="write the figures as JSON (default: bench.json)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only this benchmark module, e.g. bench_batch (repeatable)")
    p.set_defaults(func=cmd_bench)


def find_checkout(start: Path | None = None) -> Path | None:
    """The source checkout holding ``benchmarks/``: the current folder or one above it, else the
    checkout of an editable install; ``None`` when there is none (an installed wheel)."""
    here = (start or Path.cwd()).resolve()
    candidates = [here, *here.parents]
    import sim

    candidates.append(Path(sim.__file__).resolve().parents[1])
    for c in candidates:
        if (c / "benchmarks" / "__init__.py").is_file() and (c / "pyproject.toml").is_file():
            return c
    return None


def available(root: Path, only: list[str] | None = None) -> list[str]:
    """The benchmark modules present in ``root/benchmarks`` (those named in ``only`` when given)."""
    names = [m for m in MODULES if (root / "benchmarks" / f"{m}.py").is_file()]
    if only:
        wanted = {o.removesuffix(".py") for o in only}
        unknown = sorted(wanted - set(names))
        if unknown:
            from sim.model.errors import ScenarioError

            raise ScenarioError(None, "--only", f"no benchmark {unknown[0]!r} (benchmarks: {', '.join(names)})")
        names = [n for n in names if n in wanted]
    return names


def show(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def run_all(root: Path, quick: bool, only: list[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """``({module: {figure: {...}}}, missed)`` for every available benchmark; prints as it goes."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    results: dict[str, Any] = {}
    missed: list[str] = []
    for name in available(root, only):
        print(f"== {name}", flush=True)
        figures = importlib.import_module(f"benchmarks.{name}").run(quick)
        results[name] = figures
        for fig_name, fig in figures.items():
            if isinstance(fig, dict):
                ok = fig.get("ok")
                mark = "" if ok is None else ("  ok" if ok else "  MISSED")
                if ok is False:
                    missed.append(f"{name}.{fig_name}")
                print(f"  {fig_name}: {show(fig.get('value'))} (target {fig.get('target', '-')}){mark}", flush=True)
            else:
                print(f"  {fig_name}: {show(fig)}", flush=True)
    return results, missed


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks, print each figure with its target, write them as JSON; exit 1 if a target
    is missed."""
    from sim.model.errors import StoreError
    from sim.store.atomic import atomic_write_text

    root = find_checkout()
    if root is None:
        raise StoreError("the benchmarks are part of the source checkout, not of the installed package: "
                         "clone the repository, install it with `python -m pip install -e .`, and run "
                         "`withdrawal-sim bench` inside the checkout")
    results, missed = run_all(root, args.quick, args.only)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps({"quick": args.quick, "results": results, "missed": missed}, indent=2,
                                      default=str))
    print(f"figures written to {out}")
    if missed:
        print(f"missed targets: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0
