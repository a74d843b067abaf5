"""Cost of a two-level run (issue 17): ``K`` parameter draws × ``R`` replications against a flat
run of ``K·R`` replications of the same scenario, through ``sim.api.run`` (batch engine, tables in
memory), CPU time, alternating rounds, median and range of the per-round ratios (target <= 1.25).
``run(quick) -> dict``; ``python bench_draws.py [--quick]``.

The scenario is the shipped Kidal scenario with four uncertain inputs (``PRIORS``); the flat run is
the same scenario at its point values. What the ratio measures is the cost of one arm per draw:
every draw is its own engine call, table and summary, so the ratio grows as ``R`` shrinks.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.api.runs import run as sim_run  # noqa: E402
from sim.model.loader import load_scenario  # noqa: E402

TARGET = 1.25
SEED = 2026
PRIORS = [
    "threats.levels.high.ied_rate_per_100km={dist: gamma, mean: 0.3, cv: 0.5}",
    "threats.levels.high.ambush_rate_per_100km={dist: lognormal, mean: 0.15, cv: 0.6}",
    "flights.p_grant={dist: beta, mean: 0.1, concentration: 20}",
    "sites.kidal.early_exit.hazard_per_day={dist: triangular, low: 0.05, mode: 0.15, high: 0.3}",
]


def _cpu(**kw: Any) -> float:
    t = time.process_time()
    sim_run(**kw)
    return time.process_time() - t


def ratio(draws: int, replications: int, rounds: int) -> dict[str, Any]:
    """Median and range of (K × R) / (flat K·R) CPU time over ``rounds`` alternating rounds."""
    sc = load_scenario(ROOT / "scenarios" / "kidal_2023.yaml", PRIORS)
    two = {"scenario": sc, "engine": "batch", "replications": replications, "draws": draws, "seed": SEED}
    flat = {"scenario": sc, "engine": "batch", "replications": draws * replications, "seed": SEED}
    _cpu(**{**two, "draws": 2})  # warm-up: imports, caches
    _cpu(**{**flat, "replications": 2 * replications})
    ratios, a_s, b_s = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a, b = _cpu(**two), _cpu(**flat)
        else:
            b, a = _cpu(**flat), _cpu(**two)
        a_s.append(a)
        b_s.append(b)
        ratios.append(a / b)
    med = statistics.median(ratios)
    return {"value": med, "target": f"<= {TARGET}", "ok": med <= TARGET, "range": [min(ratios), max(ratios)],
            "two_level_s": statistics.median(a_s), "flat_s": statistics.median(b_s), "rounds": rounds,
            "draws": draws, "replications_per_draw": replications}


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else 5
    cases = ((20, 2000), (100, 200)) if quick else ((50, 4000), (200, 1000), (1000, 200))
    return {f"draws_{k}x{r}": ratio(k, r, rounds) for k, r in cases}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
