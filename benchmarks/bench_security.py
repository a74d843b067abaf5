"""Cost of the security state (issue 16): a shipped scenario with its regimes against the same
scenario without them, per replication, batch engine, CPU time, alternating rounds, median and
range of the per-round ratios (target <= 1.5). ``run(quick) -> dict``; ``python bench_security.py
[--quick]``.

"Without" is the scenario with its ``security`` block removed (one regime, factors 1): the
difference is the regime paths, the lookups and what the regimes change (more flights granted in
lulls, more strikes in fighting).
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

from sim.engines.batch import simulate  # noqa: E402
from sim.engines.streams import BLOCK_SIZE  # noqa: E402
from sim.model.loader import load_scenario  # noqa: E402

TARGET = 1.5
SEED = 2026


def _cpu_per_rep(sc: Any, block: int) -> float:
    t = time.process_time()
    simulate(sc, block, block * BLOCK_SIZE, BLOCK_SIZE, seed=SEED)
    return (time.process_time() - t) / BLOCK_SIZE


def ratio(name: str, rounds: int) -> dict[str, Any]:
    """Median and range of the with / without ratio over ``rounds`` alternating rounds."""
    sc = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    if sc.security is None:
        return {"value": None, "note": "no security state"}
    plain = sc.model_copy(update={"security": None})
    simulate(sc, 0, 0, BLOCK_SIZE, seed=SEED)  # warm-up: imports, caches
    simulate(plain, 0, 0, BLOCK_SIZE, seed=SEED)
    with_, without, ratios = [], [], []
    for r in range(rounds):
        first, second = (plain, sc) if r % 2 == 0 else (sc, plain)
        a = _cpu_per_rep(first, r + 1)
        b = _cpu_per_rep(second, r + 1)
        w, wo = (b, a) if first is plain else (a, b)
        with_.append(w)
        without.append(wo)
        ratios.append(w / wo)
    med = statistics.median(ratios)
    return {"value": med, "target": f"<= {TARGET}", "ok": med <= TARGET,
            "range": [min(ratios), max(ratios)], "with_us_per_rep": statistics.median(with_) * 1e6,
            "without_us_per_rep": statistics.median(without) * 1e6, "rounds": rounds}


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else 9
    return {f"security_cost_{name}": ratio(name, rounds) for name in ("kidal_2023", "minusma_phase2_2023")}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
