"""Sub-command ``bench`` (registered by ``sim.cli``): run the benchmark modules and print their figures.

Every module of ``tests/benchmarks/`` among ``MODULES`` that exists is imported by file path and its
``run(quick) -> dict`` called; each figure is printed with its target and all are written as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from sim.atomic import atomic_write_text

MODULES: tuple[str, ...] = ("bench_des.py", "bench_batch.py", "bench_experiments.py")
BENCH_DIR = Path(__file__).resolve().parents[1] / "tests" / "benchmarks"


def register(subparsers: Any) -> None:
    """Add ``bench`` to the ``withdrawal-sim`` sub-commands."""
    p = subparsers.add_parser("bench", help="run the speed and memory benchmarks and print each figure")
    p.add_argument("--quick", action="store_true", help="smaller sizes (a minute or two)")
    p.add_argument("--out", metavar="FILE", default="bench.json", help="write the figures as JSON (default: bench.json)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only this benchmark module, e.g. bench_batch (repeatable)")
    p.set_defaults(func=cmd_bench)


def load_module(path: Path) -> ModuleType:
    """Import a benchmark module from its file."""
    spec = importlib.util.spec_from_file_location(f"withdrawal_bench_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def available(only: list[str] | None = None, bench_dir: Path = BENCH_DIR) -> list[Path]:
    """The benchmark files present (those named in ``only`` when given)."""
    paths = [bench_dir / m for m in MODULES if (bench_dir / m).exists()]
    if only:
        wanted = {o.removesuffix(".py") for o in only}
        paths = [p for p in paths if p.stem in wanted]
    return paths


def show(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, default=str))


def run_all(quick: bool, only: list[str] | None = None, bench_dir: Path = BENCH_DIR) -> dict[str, Any]:
    """``{module: {figure: {...}}}`` for every available benchmark module; prints as it goes."""
    results: dict[str, Any] = {}
    for path in available(only, bench_dir):
        print(f"== {path.stem}", flush=True)
        figures = load_module(path).run(quick)
        results[path.stem] = figures
        for name, fig in figures.items():
            if isinstance(fig, dict):
                ok = fig.get("ok")
                mark = "" if ok is None else ("  ok" if ok else "  MISSED")
                print(f"  {name}: {show(fig.get('value'))} (target {fig.get('target', '-')}){mark}", flush=True)
            else:
                print(f"  {name}: {show(fig)}", flush=True)
    return results


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks, print each figure with its target, write them as JSON."""
    paths = available(args.only)
    if not paths:
        print(f"withdrawal-sim: error: no benchmark modules found in {BENCH_DIR}", file=sys.stderr)
        return 2
    results = run_all(args.quick, args.only)
    write_json(Path(args.out), {"quick": args.quick, "results": results})
    print(f"figures written to {args.out}")
    return 0
