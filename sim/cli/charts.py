"""Commands ``report`` and ``animate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.report.limits import MAX_FRAMES


def cmd_report(args: argparse.Namespace) -> int:
    """Write ``report.html`` into a results folder (drawing the charts first if asked or missing)."""
    from sim.report.charts import write_charts
    from sim.report.html import write_report

    folder = Path(args.results_dir)
    if args.redraw:
        write_charts(folder, svg=args.svg)
    out = write_report(folder)
    print(f"wrote {out}")
    return 0


def _trace_tables(result: Any) -> tuple[Any, Any]:
    """(legs, events) from a trace object (``legs``/``events`` attributes) or a trace folder."""
    if isinstance(result, str | Path):
        return _folder_tables(Path(result))[1:]
    return result.legs, result.events


def _folder_tables(folder: Path) -> tuple[Any, Any, Any]:
    import pandas as pd

    from sim.model.errors import ScenarioError
    from sim.model.loader import load_scenario
    from sim.report.results import read_table

    if not (folder / "scenario.yaml").is_file():
        raise ScenarioError(folder, None, "not a trace folder (no scenario.yaml)")
    sc = load_scenario(folder / "scenario.yaml")
    legs = read_table(folder, "convoys")
    if legs is None:
        legs = read_table(folder, "legs")
    if legs is None:
        raise ScenarioError(folder, None, "not a trace folder (no convoys.parquet)")
    events = read_table(folder, "events")
    return sc, legs, events if events is not None else pd.DataFrame()


def cmd_animate(args: argparse.Namespace) -> int:
    """Animate one traced run: from a trace folder, or trace a scenario file first."""
    from sim.api.runs import trace
    from sim.model.loader import load_scenario
    from sim.report.animate import animate

    src = Path(args.source)
    if src.is_dir():
        sc, legs, events = _folder_tables(src)
        out = Path(args.out) if args.out else src / "animation.gif"
    else:
        sc = load_scenario(src)
        seed = sc.run.seed if args.seed is None else args.seed
        legs, events = _trace_tables(trace(sc, seed=seed))
        out = Path(args.out) if args.out else Path(f"{src.stem}_seed{seed}.gif")
    if legs.empty:
        print(f"{src}: the traced run has no convoys; nothing to animate", file=sys.stderr)
        return 1
    path = animate(legs, events, sc, out, fps=args.fps, max_frames=args.frames)
    print(f"wrote {path}")
    return 0


def _non_negative(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return v


def _frames(text: str) -> int:
    v = _non_negative(text)
    if not 2 <= v <= MAX_FRAMES:
        raise argparse.ArgumentTypeError(f"frames must be between 2 and {MAX_FRAMES}")
    return v


def _fps(text: str) -> int:
    v = _non_negative(text)
    if not 1 <= v <= 50:
        raise argparse.ArgumentTypeError("fps must be between 1 and 50")
    return v


def register(subparsers: Any) -> None:
    """Add ``report`` and ``animate`` to the ``withdrawal-sim`` command line."""
    p = subparsers.add_parser("report", help="write report.html (self-contained) for a results folder",
                              description="Write RESULTS_DIR/report.html: one self-contained file (images "
                                          "embedded, no network access) with the scenario, key figures with "
                                          "intervals, the charts, sources and the manifest.")
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="a folder written by run, trace, sweep or compare")
    p.add_argument("--redraw", action="store_true", help="redraw the charts before writing the report")
    p.add_argument("--svg", action="store_true", help="with --redraw, also write SVG charts")
    p.set_defaults(func=cmd_report, handler=cmd_report)

    a = subparsers.add_parser("animate", help="animated GIF of one traced run on the map",
                              description="Animate one traced run: convoys moving along their roads, strikes "
                                          "flashing, bases emptying, a clock. FILE is a scenario (traced first) "
                                          "or a trace folder (convoys.parquet, events.parquet, scenario.yaml).")
    a.add_argument("source", metavar="FILE_OR_TRACE_DIR")
    a.add_argument("--seed", type=_non_negative, default=None, help="root seed (default: the scenario's run.seed)")
    a.add_argument("--out", default=None, help="GIF path (default: <trace dir>/animation.gif or ./<name>_seed<S>.gif)")
    a.add_argument("--fps", type=_fps, default=10, help="frames per second (default 10)")
    a.add_argument("--frames", type=_frames, default=120, help=f"number of frames, 2 to {MAX_FRAMES} (default 120)")
    a.set_defaults(func=cmd_animate, handler=cmd_animate)
