"""The pinned regression baselines of the shipped scenarios (``tests/baselines/``): the mean of
every numeric column of the runs table, for a fixed seed and replication count per engine.

Each file records the numpy version it was made with: the engines' draws are bit-exact only for
one numpy, so the test compares to 1e-9 when the versions match and says plainly when they do not.
``python -m studies.minusma_2023.findings --baselines`` rewrites them after an intended change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.model import outcomes
from sim.model.loader import read_yaml, validate
from sim.store.atomic import atomic_write_text

from .paths import BASELINE_DIR, SHIPPED
from .runs import simulate_runs

BASELINE_REPLICATIONS: dict[str, int] = {"des": 32, "batch": 256}
"""Replications of the pinned regression baselines per engine (small: the tests rerun them)."""


def baseline_values(path: str | Path, engine: str, replications: int, seed: int) -> dict[str, dict[str, float]]:
    """Means and standard deviations of every numeric column of the runs table: deterministic for a
    seed and engine (the deviations let another numpy's draws be compared statistically)."""
    sc = validate(read_yaml(path), path)
    _, runs = simulate_runs(sc, engine, replications, seed)
    cols = [c for c in outcomes.run_columns(sc) if c not in ("point", "replication")]
    values = {c: runs[c].astype(float) for c in cols}
    return {"means": {c: float(v.mean()) for c, v in values.items()},
            "sd": {c: float(v.std(ddof=1)) for c, v in values.items()}}


def baseline_path(name: str, engine: str) -> Path:
    return BASELINE_DIR / f"{name}.{engine}.json"


def baseline_record(name: str, engine: str) -> dict[str, Any]:
    """The baseline of a shipped scenario for one engine, with the settings and numpy version that
    produced it."""
    path = SHIPPED[name]
    seed = validate(read_yaml(path), path).run.seed
    n = BASELINE_REPLICATIONS[engine]
    return {"scenario": name, "engine": engine, "seed": seed, "replications": n, "numpy": np.__version__,
            **baseline_values(path, engine, n, seed)}


def write_baselines(engines: tuple[str, ...] = ("batch", "des")) -> list[Path]:
    """Rewrite ``tests/baselines/<scenario>.<engine>.json`` for every shipped scenario."""
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SHIPPED:
        for engine in engines:
            p = baseline_path(name, engine)
            atomic_write_text(p, json.dumps(baseline_record(name, engine), indent=1, sort_keys=True) + "\n")
            written.append(p)
    return written
