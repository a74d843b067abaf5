"""The MINUSMA 2023 withdrawal from Mali: calibration on phase 1, findings on Kidal and phase 2, and
the pinned regression baselines of the shipped scenarios.

- ``python -m studies.minusma_2023.calibration [--write|--check]``: the phase-1 calibration table;
- ``python -m studies.minusma_2023.findings [--write|--check|--baselines]``: the findings and the baselines.
"""
