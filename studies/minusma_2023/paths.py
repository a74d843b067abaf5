"""Where the MINUSMA 2023 case study's files live in the checkout."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the case study runs from a checkout, not from the installed package)."""
SCENARIO_DIR = ROOT / "scenarios"
PHASE1 = SCENARIO_DIR / "minusma_phase1_2023.yaml"
SCENARIOS: dict[str, Path] = {
    "kidal_2023": SCENARIO_DIR / "kidal_2023.yaml",
    "minusma_phase2_2023": SCENARIO_DIR / "minusma_phase2_2023.yaml",
}
"""The scenarios the findings report on."""
SHIPPED: dict[str, Path] = {**SCENARIOS, "minusma_phase1_2023": PHASE1}
"""Every shipped scenario (the pinned baselines cover them all)."""
COUNTERFACTUAL_DIR = SCENARIO_DIR / "counterfactuals"
README = SCENARIO_DIR / "README.md"
"""``scenarios/README.md``: calibration and findings sections."""
TOP_README = ROOT / "README.md"
"""The top-level README: its ``findings-summary`` section."""
BASELINE_DIR = ROOT / "tests" / "baselines"
