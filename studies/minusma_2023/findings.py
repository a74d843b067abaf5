"""The findings: phase 2 and Kidal outcomes, and the paired effect of each counterfactual.

``python -m studies.minusma_2023.findings`` prints the tables (``--scenario NAME``: one scenario only); ``--write``
puts them into ``scenarios/README.md`` between the ``findings`` markers and the summary into the
top-level ``README.md`` between the ``findings-summary`` markers, from one computation; ``--check``
exits 1 if either shipped section differs from a fresh one; ``--baselines`` rewrites the pinned
regression baselines in ``tests/baselines/``.

Counterfactuals are override files (``scenarios/counterfactuals/*.yaml``: a YAML mapping of dotted
path → value, applied with ``sim.model.loader.apply_overrides``). Each effect is paired: baseline and
variant run with the same seed, the same replications and common random numbers (``crn=True``), the
difference is taken per replication, and its mean gets a normal 95 % CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engines.dispatch import DEFAULT_ENGINE
from sim.experiments import summaries
from sim.model.errors import ScenarioError
from sim.model.loader import apply_overrides, load_override_file, read_yaml, validate
from sim.model.schema import Scenario

from . import baselines
from .paths import COUNTERFACTUAL_DIR, README, ROOT, SCENARIOS, TOP_README
from .readme import read_section, update_readme
from .runs import simulate_runs


@dataclass(frozen=True)
class Counterfactual:
    """A named change, as one override file per scenario it applies to."""

    label: str
    files: Mapping[str, str]


def _both(file: str) -> dict[str, str]:
    return {"kidal_2023": file, "minusma_phase2_2023": file}


COUNTERFACTUALS: tuple[Counterfactual, ...] = (
    Counterfactual("flights granted at the pre-withdrawal rate (75.9 %)", _both("flights_prewithdrawal_rate.yaml")),
    Counterfactual("every flight granted", _both("all_flights_granted.yaml")),
    Counterfactual("escorts without effect (what escorts buy, with the sign reversed)",
                   _both("escorts_without_effect.yaml")),
    Counterfactual("200 Gao trucks released on 24 Sep", _both("trucks_released.yaml")),
    Counterfactual("no offensive: the security state stays tense (what the fighting costs, sign reversed)",
                   _both("no_offensive.yaml")),
    Counterfactual("no early-exit pressure",
                   {"kidal_2023": "no_early_exit_kidal.yaml", "minusma_phase2_2023": "no_early_exit_phase2.yaml"}),
    Counterfactual("convoys of at most 50 vehicles", _both("convoy_50.yaml")),
    Counterfactual("convoys of at most 100 vehicles", _both("convoy_100.yaml")),
    Counterfactual("convoys of at most 150 vehicles", _both("convoy_150.yaml")),
    Counterfactual("route clearance Anefis–Tarkint", _both("clearance_anefis_tarkint.yaml")),
    Counterfactual("leaving two weeks earlier",
                   {"kidal_2023": "earlier_2w_kidal.yaml", "minusma_phase2_2023": "earlier_2w_phase2.yaml"}),
    Counterfactual("southern lifts held like the northern trucks (sensitivity)",
                   {"minusma_phase2_2023": "southern_lifts_held.yaml"}),
)



# -- override files -----------------------------------------------------------------------------


def variant_scenario(raw: dict[str, Any], override_file: str | Path) -> Scenario:
    """The scenario ``raw`` with the overrides of ``override_file`` applied and validated."""
    try:
        return validate(apply_overrides(raw, load_override_file(override_file)), override_file)
    except ScenarioError as exc:
        if exc.file == "<scenario>":
            raise ScenarioError(override_file, exc.field, exc.message) from None
        raise


# -- metrics ------------------------------------------------------------------------------------


def _cargo_sum(fate: str) -> Callable[[pd.DataFrame], np.ndarray]:
    def get(runs: pd.DataFrame) -> np.ndarray:
        cols = [c for c in runs.columns if c.startswith("cargo_") and c.endswith(f"_{fate}")]
        return runs[cols].sum(axis=1).to_numpy(float)

    return get


def _col(name: str, scale: float = 1.0) -> Callable[[pd.DataFrame], np.ndarray]:
    def get(runs: pd.DataFrame) -> np.ndarray:
        return runs[name].to_numpy(float) * scale

    return get


METRICS: dict[str, tuple[str, Callable[[pd.DataFrame], np.ndarray]]] = {
    "on_time": ("P(out by 31 Dec)", lambda r: r["on_time"].to_numpy(bool)),
    "completion_day": ("completion (days after 1 Oct 2023)", _col("completion_day")),
    "n_forced_early": ("bases forced out early", _col("n_forced_early")),
    "wounded": ("wounded", _col("wounded")),
    "killed": ("killed", _col("killed")),
    "died_of_wounds": ("died of wounds (of the killed)", _col("died_of_wounds")),
    "seat_vehicles": ("troop trucks added for passengers", _col("seat_vehicles")),
    "strikes": ("strikes (IED + ambush)", lambda r: (r["ied_strikes"] + r["ambushes"]).to_numpy(float)),
    "vehicles_lost": ("vehicles lost on the road", _col("vehicles_lost")),
    "destroyed": ("cargo units destroyed", _cargo_sum("destroyed")),
    "abandoned": ("cargo units abandoned", _cargo_sum("abandoned")),
    "destroyed_musd": ("value destroyed (M USD)", _col("destroyed_value_usd", 1e-6)),
    "abandoned_musd": ("value abandoned (M USD)", _col("abandoned_value_usd", 1e-6)),
    "personnel_air": ("personnel out by air", _col("personnel_air")),
}
EFFECT_METRICS: tuple[str, ...] = (
    "on_time", "completion_day", "wounded", "killed", "strikes", "destroyed", "abandoned",
)
SUMMARY_METRICS: tuple[str, ...] = (
    "on_time", "wounded", "killed", "strikes", "destroyed", "abandoned", "destroyed_musd", "abandoned_musd",
)
"""The headline rows of the top-level README summary."""


EPOCH = dt.datetime(2023, 10, 1)
"""Completion is reported as days after this fixed date, so that variants that move
``calendar.start`` (leaving earlier) stay comparable with their baseline."""


def with_completion_day(sc: Scenario, runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` plus ``completion_day``: completion in days after ``EPOCH``."""
    offset_hours = (sc.calendar.start - EPOCH).total_seconds() / 3600.0
    out = runs.copy()
    out["completion_day"] = (out["completion_hours"].to_numpy(float) + offset_hours) / 24.0
    return out


def headline_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean with 95 % CI (Wilson for probabilities) and 5/50/95 % quantiles of each metric."""
    rows = []
    for key, (label, get) in METRICS.items():
        rows.append({"metric": key, "label": label, **summaries.describe(get(runs))})
    return pd.DataFrame(rows)


PER_BASE: dict[str, str] = {
    "wounded": "wounded", "killed": "killed", "strikes": "strikes", "road": "cargo units by road",
    "air": "by air", "lost": "lost", "destroyed": "destroyed", "abandoned": "abandoned",
}
"""Columns of the per-base table: mean over replications, cargo units of every class by fate."""


def per_base_table(sc: Scenario, bases: pd.DataFrame) -> pd.DataFrame:
    """Mean per base (in ``sc.bases`` order) of casualties, strikes and cargo units by fate."""
    out = pd.DataFrame({"wounded": bases["wounded"], "killed": bases["killed"],
                        "strikes": bases["ied_strikes"] + bases["ambushes"], "base": bases["base"]})
    for fate in ("road", "air", "lost", "destroyed", "abandoned"):
        cols = [c for c in bases.columns if c.startswith("cargo_") and c.endswith(f"_{fate}")]
        out[fate] = bases[cols].sum(axis=1)
    return out.groupby("base", sort=False)[list(PER_BASE)].mean().reindex(list(sc.bases))


def paired_effects(base: pd.DataFrame, var: pd.DataFrame, metrics: tuple[str, ...] = EFFECT_METRICS) -> pd.DataFrame:
    """Variant − baseline per replication (same replication indices), mean and normal 95 % CI."""
    if not np.array_equal(base["replication"].to_numpy(), var["replication"].to_numpy()):
        raise ValueError("paired runs must have the same replications in the same order")
    rows = []
    for key in metrics:
        label, get = METRICS[key]
        d = get(var).astype(float) - get(base).astype(float)
        desc = summaries.describe(d)
        rows.append({"metric": key, "label": label, "diff_mean": desc["mean"],
                     "ci_low": desc["ci_low"], "ci_high": desc["ci_high"], "n": desc["n"]})
    return pd.DataFrame(rows)


# -- Markdown -----------------------------------------------------------------------------------


def _f(x: float, digits: int = 2) -> str:
    if not np.isfinite(x):
        return "–"
    v = round(float(x), digits)
    return f"{0.0 if v == 0 else v:.{digits}f}"


def headline_markdown(table: pd.DataFrame) -> list[str]:
    lines = ["| outcome | mean | 95 % CI | 5 % | median | 95 % |", "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        if r.metric == "on_time":
            lines.append(f"| {r.label} | {_f(r.mean, 3)} | {_f(r.ci_low, 3)}–{_f(r.ci_high, 3)} | | | |")
        else:
            lines.append(f"| {r.label} | {_f(r.mean)} | {_f(r.ci_low)}–{_f(r.ci_high)} | "
                         f"{_f(r.q05, 1)} | {_f(r.q50, 1)} | {_f(r.q95, 1)} |")
    return lines


def per_base_markdown(table: pd.DataFrame) -> list[str]:
    lines = ["| base | " + " | ".join(PER_BASE.values()) + " |", "|---|" + "---|" * len(PER_BASE)]
    for base, row in table.iterrows():
        lines.append(f"| {base} | " + " | ".join(_f(row[c], 1) for c in PER_BASE) + " |")
    return lines


def effects_markdown(effects: Mapping[str, pd.DataFrame]) -> list[str]:
    head = "| counterfactual | " + " | ".join(METRICS[m][0] for m in EFFECT_METRICS) + " |"
    lines = [head, "|---|" + "---|" * len(EFFECT_METRICS)]
    for label, tab in effects.items():
        cells = []
        for r in tab.itertuples():
            digits = 3 if r.metric == "on_time" else 2
            cells.append(f"{_f(r.diff_mean, digits)} ({_f(r.ci_low, digits)} to {_f(r.ci_high, digits)})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


@dataclass(frozen=True)
class ScenarioFindings:
    """Headline table and paired counterfactual effects of one scenario, with the run settings."""

    name: str
    engine: str
    seed: int
    replications: int
    headline: pd.DataFrame
    per_base: pd.DataFrame
    effects: dict[str, pd.DataFrame]


def scenario_findings(name: str, engine: str, replications: int | None, seed: int | None) -> ScenarioFindings:
    """Headline table and paired effects of every counterfactual for one scenario."""
    path = SCENARIOS[name]
    raw = read_yaml(path)
    sc = validate(raw, path)
    n = sc.run.replications if replications is None else int(replications)
    s = sc.run.seed if seed is None else int(seed)
    bases, runs = simulate_runs(sc, engine, n, s)
    base_runs = with_completion_day(sc, runs)
    effects: dict[str, pd.DataFrame] = {}
    for cf in COUNTERFACTUALS:
        file = cf.files.get(name)
        if file is None:
            continue
        var = variant_scenario(raw, COUNTERFACTUAL_DIR / file)
        var_runs = with_completion_day(var, simulate_runs(var, engine, n, s)[1])
        effects[f"{cf.label} (`{file}`)"] = paired_effects(base_runs, var_runs)
    return ScenarioFindings(name, engine, s, n, headline_table(base_runs), per_base_table(sc, bases), effects)


def compute_findings(
    engine: str = DEFAULT_ENGINE, replications: int | None = None, seed: int | None = None,
    names: tuple[str, ...] = tuple(SCENARIOS),
) -> list[ScenarioFindings]:
    """The findings of each scenario in ``names`` (all of ``SCENARIOS`` by default)."""
    return [scenario_findings(name, engine, replications, seed) for name in names]


def findings_markdown(
    engine: str = DEFAULT_ENGINE, replications: int | None = None, seed: int | None = None,
    results: list[ScenarioFindings] | None = None,
) -> str:
    """The findings section of ``scenarios/README.md`` (computed unless ``results`` is given)."""
    out: list[str] = []
    for r in compute_findings(engine, replications, seed) if results is None else results:
        out += [
            f"#### `{r.name}`", "",
            f"Engine `{r.engine}`, seed {r.seed}, {r.replications} replications "
            f"(`python -m studies.minusma_2023.findings --scenario {r.name}` prints these tables).", "",
            *headline_markdown(r.headline), "",
            "Mean per base (cargo units of every class, by fate):", "",
            *per_base_markdown(r.per_base), "",
            "Paired effect of each counterfactual (variant − baseline; mean and 95 % CI over the same "
            f"{r.replications} replications with common random numbers):", "",
            *effects_markdown(r.effects), "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


def _summary_cell(metric: str, row: pd.Series) -> str:
    if metric == "on_time":
        return f"{_f(row['mean'], 3)} ({_f(row['ci_low'], 3)}–{_f(row['ci_high'], 3)})"
    return (f"{_f(row['mean'])} ({_f(row['ci_low'])}–{_f(row['ci_high'])}); "
            f"5–95 %: {_f(row['q05'], 1)}–{_f(row['q95'], 1)}")


def summary_markdown(results: list[ScenarioFindings]) -> str:
    """The ``findings-summary`` section of the top-level README: headline rows and paired effects."""
    runs = ", ".join(f"`{r.name}`: engine `{r.engine}`, seed {r.seed}, {r.replications} replications"
                     for r in results)
    lines = [
        f"Generated by `python -m studies.minusma_2023.findings --write` ({runs}). Each scenario's tables are printed, "
        "exactly, by `python -m studies.minusma_2023.findings --scenario NAME`.", "",
        "Mean (95 % CI; Wilson for the probability) and the 5–95 % range over replications:", "",
        "| outcome | " + " | ".join(f"`{r.name}`" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    tables = [r.headline.set_index("metric") for r in results]
    for key in SUMMARY_METRICS:
        cells = [_summary_cell(key, tab.loc[key]) for tab in tables]
        lines.append(f"| {METRICS[key][0]} | " + " | ".join(cells) + " |")
    for r in results:
        lines += ["", f"Paired effect of each counterfactual on `{r.name}` (variant − baseline, mean and "
                      "95 % CI, same seed and replications, common random numbers; "
                      f"`python -m studies.minusma_2023.findings --scenario {r.name}`):", "", *effects_markdown(r.effects)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m studies.minusma_2023.findings", description=__doc__.split("\n")[0])
    ap.add_argument("--engine", default=DEFAULT_ENGINE)
    ap.add_argument("--replications", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), default=None, help="print one scenario's tables")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true",
                      help="write the findings into scenarios/README.md and the summary into README.md")
    mode.add_argument("--check", action="store_true", help="exit 1 if either README section is out of date")
    mode.add_argument("--baselines", action="store_true", help="rewrite tests/baselines/ (both engines)")
    args = ap.parse_args(argv)
    if args.scenario and (args.write or args.check or args.baselines):
        ap.error("--scenario only prints; --write, --check and --baselines cover every scenario")
    try:
        if args.baselines:
            for p in baselines.write_baselines():
                print(f"wrote {p}")
            return 0
        names = (args.scenario,) if args.scenario else tuple(SCENARIOS)
        results = compute_findings(args.engine, args.replications, args.seed, names)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    body, summary = findings_markdown(results=results), summary_markdown(results)
    if args.write:
        changed = update_readme("findings", body)
        print(f"scenarios/README.md: findings {'updated' if changed else 'unchanged'}")
        changed = update_readme("findings-summary", summary, TOP_README)
        print(f"README.md: findings summary {'updated' if changed else 'unchanged'}")
    elif args.check:
        stale = [str(path.relative_to(ROOT)) for path, name, text in
                 ((README, "findings", body), (TOP_README, "findings-summary", summary))
                 if read_section(path.read_text(encoding="utf-8"), name) != text]
        if stale:
            print(f"out of date: {', '.join(stale)}: run python -m studies.minusma_2023.findings --write")
            return 1
        print("findings up to date")
    else:
        print(body, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
