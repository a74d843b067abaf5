"""Paths of the checkout the tests read: the shipped scenarios and sweep files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository checkout (holds ``sim/``, ``scenarios/`` and ``tests/``)."""
SCENARIOS = ROOT / "scenarios"
KIDAL = SCENARIOS / "kidal_2023.yaml"
PHASE2 = SCENARIOS / "minusma_phase2_2023.yaml"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
"""Every shipped scenario file."""
SWEEPS = sorted((SCENARIOS / "sweeps").glob("*.yaml"))
"""Every shipped sweep and sensitivity file."""
OVERRIDES = sorted((SCENARIOS / "counterfactuals").glob("*.yaml"))
"""Every shipped counterfactual override file."""
