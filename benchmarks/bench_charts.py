"""Cost of the charts of a run (issue 19). ``run(quick) -> dict``;
``python -m benchmarks.bench_charts [--quick] [--scenario FILE] [--replications N ...]``.

At 10^4, 10^5 and 10^6 replications of kidal_2023 (or ``--scenario``; batch engine), two fresh subprocesses back to
back: a run with ``--no-charts`` and a run with the charts, report and GeoJSON the command line
draws (``sim.cli.common.write_outputs``). Each prints its simulation time, its chart time and its
peak memory (``VmHWM`` of ``/proc/self/status``, else ``ru_maxrss``), after the charts and GeoJSON
and again after the report; the simulation's and the charts' CPU time too (``process_time``: the
figure to compare on a shared machine, where wall times vary with the load). Targets: chart + report time <= simulation time; peak memory with
charts <= 1.25x the peak without.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KIDAL = ROOT / "scenarios" / "kidal_2023.yaml"
SEED = 12345
TIME_TARGET = 1.0
MEMORY_TARGET = 1.25


def peak_memory_mb() -> float:
    """Peak resident memory of this process (MB): ``VmHWM``, else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(replications: int, charts: bool, out: str, scenario: str | Path = KIDAL) -> dict[str, float]:
    """One run in this process, as the command line does it (``sim.cli.common.write_outputs``):
    simulate into ``out``, then (with ``charts``) the charts and GeoJSON, then the report. Times and
    peak memory after each phase."""
    from sim.api.runs import run
    from sim.engines.allocator import keep_freed_memory
    from sim.report.charts import write_charts
    from sim.report.geojson import write_geojson
    from sim.report.html import write_report

    keep_freed_memory()
    t0, c0 = time.perf_counter(), time.process_time()
    res = run(Path(scenario), engine="batch", replications=replications, seed=SEED, out=out)
    figures = {"simulation_s": time.perf_counter() - t0, "charts_s": 0.0, "report_s": 0.0,
               "simulation_cpu_s": time.process_time() - c0, "charts_cpu_s": 0.0,
               "peak_mb_simulation": peak_memory_mb()}
    if charts:
        assert res.path is not None
        tables = {"bases": res.bases, "runs": res.runs, "summary": res.summary}
        t1, c1 = time.perf_counter(), time.process_time()
        write_charts(res.path, res.scenario, tables, progress=False)
        write_geojson(res.path, res.scenario, tables)
        figures["charts_s"] = time.perf_counter() - t1
        figures["charts_cpu_s"] = time.process_time() - c1
        figures["peak_mb_charts"] = peak_memory_mb()
        t2 = time.perf_counter()
        write_report(res.path, charts=False, sc=res.scenario, tables=tables)  # as write_outputs does
        figures["report_s"] = time.perf_counter() - t2
    figures["peak_mb"] = peak_memory_mb()
    return figures


def measure_in_subprocess(replications: int, charts: bool, scenario: str | Path = KIDAL) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks import bench_charts;"
                f" print(json.dumps(bench_charts.measure({replications}, {charts}, {str(Path(tmp) / 'out')!r},"
                f" {str(Path(scenario).resolve())!r})))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False, scenario: str | Path = KIDAL,
        replications: tuple[int, ...] | None = None) -> dict[str, dict[str, Any]]:
    """The benchmark figures: ``{name: {"value", "target", "ok", ...}}``."""
    figures: dict[str, dict[str, Any]] = {}
    sizes = replications or ((10_000, 100_000) if quick else (10_000, 100_000, 1_000_000))
    for n in sizes:
        bare = measure_in_subprocess(n, charts=False, scenario=scenario)
        full = measure_in_subprocess(n, charts=True, scenario=scenario)
        t_ratio = (full["charts_s"] + full["report_s"]) / full["simulation_s"]
        m_ratio = full["peak_mb"] / bare["peak_mb"]
        figures[f"charts_vs_simulation_time[{n}]"] = {
            "value": t_ratio, "target": f"<= {TIME_TARGET}", "ok": t_ratio <= TIME_TARGET,
            "simulation_s": full["simulation_s"], "charts_s": full["charts_s"], "report_s": full["report_s"],
            "simulation_cpu_s": full.get("simulation_cpu_s", float("nan")),
            "charts_cpu_s": full.get("charts_cpu_s", float("nan")),
            "simulation_s_no_charts": bare["simulation_s"]}
        figures[f"peak_memory_vs_no_charts[{n}]"] = {
            "value": m_ratio, "target": f"<= {MEMORY_TARGET}", "ok": m_ratio <= MEMORY_TARGET,
            "peak_mb_with_charts_and_report": full["peak_mb"], "peak_mb_after_charts": full["peak_mb_charts"],
            "peak_mb_no_charts": bare["peak_mb"],
            "charts_only_ratio": full["peak_mb_charts"] / bare["peak_mb"]}
    return figures


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_charts")
    parser.add_argument("--quick", action="store_true", help="10^4 and 10^5 only")
    parser.add_argument("--scenario", default=str(KIDAL), help="scenario file (default: kidal_2023)")
    parser.add_argument("--replications", type=int, nargs="+", help="sizes to measure (default: 10^4 10^5 10^6)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    sizes = tuple(args.replications) if args.replications else None
    for name, fig in run(args.quick, args.scenario, sizes).items():
        extra = ", ".join(f"{k}={v:.4g}" for k, v in fig.items()
                          if k not in ("value", "target", "ok") and isinstance(v, float))
        print(f"{name}: {fig['value']:.3g} (target {fig['target']}) {extra}", flush=True)


if __name__ == "__main__":
    main()
