"""Experiments on scenarios: plans of arms × chunks, one execution path, executors, designs, sweeps,
paired comparisons, replications to a target, sensitivity indices. Nothing here writes files: a
results folder is a sink that ``sim.store`` provides."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"run_until": "sim.experiments.targets", "execute": "sim.experiments.execution",
         "Design": "sim.experiments.designs", "Parameter": "sim.experiments.designs"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.experiments' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)
