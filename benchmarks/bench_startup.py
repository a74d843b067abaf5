"""Start-up of the command line: ``withdrawal-sim --help`` and ``withdrawal-sim validate FILE``
against ``python -c "import numpy, yaml, pydantic"`` (target: each within 2x), measured in one run.

Each round starts the reference, then the command, then the reference again, as fresh processes, and
takes the command's wall time over the mean of the two references around it; the figure is the
median over the rounds (with the range). Run ``python -m benchmarks.bench_startup [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIDAL = ROOT / "scenarios" / "kidal_2023.yaml"
TARGET = 2.0
REFERENCE = [sys.executable, "-c", "import numpy, yaml, pydantic"]


def command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m sim``."""
    script = Path(sys.executable).with_name("withdrawal-sim")
    found = script if script.is_file() else shutil.which("withdrawal-sim")
    return [str(found)] if found else [sys.executable, "-m", "sim"]


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def ratio(cmd: list[str], rounds: int) -> dict[str, float]:
    wall(cmd), wall(REFERENCE)  # warm the file cache
    ratios, times, refs = [], [], []
    for _ in range(rounds):
        before = wall(REFERENCE)
        t = wall(cmd)
        after = wall(REFERENCE)
        ratios.append(t / ((before + after) / 2))
        times.append(t)
        refs += [before, after]
    return {"ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
            "seconds": statistics.median(times), "reference_seconds": statistics.median(refs)}


def run(quick: bool = False) -> dict[str, object]:
    rounds = 5 if quick else 15
    out: dict[str, object] = {}
    for name, args in (("help", ["--help"]), ("validate", ["validate", str(KIDAL)])):
        r = ratio([*command(), *args], rounds)
        out[f"{name}_vs_import_numpy_yaml_pydantic"] = {
            "value": round(r["ratio"], 3), "target": f"<= {TARGET}", "ok": r["ratio"] <= TARGET,
            "range": [round(r["min"], 3), round(r["max"], 3)], "seconds": round(r["seconds"], 3),
            "reference_seconds": round(r["reference_seconds"], 3), "rounds": rounds}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    print(json.dumps(run(ap.parse_args().quick), indent=2))


if __name__ == "__main__":
    main()
