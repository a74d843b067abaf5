"""The phase-1 calibration table: observed outcomes of the 2023 phase-1 convoys against the model.

``python -m studies.minusma_2023.calibration`` prints the table; ``--write`` puts it into ``scenarios/README.md``
between the ``calibration`` markers; ``--check`` exits 1 if the shipped table differs from a fresh
one; ``--set PATH=VALUE`` (repeatable, printing only) runs the table for a changed phase-1 scenario,
e.g. to re-measure a value before calibration. The table is a pure function of the scenario, engine, seed and replication count, which it
states in its first line, so anyone can regenerate it.

Observations (../shared/data/minusma_2023.md, "Phase-1 convoys"): Ber → Timbuktu 57 km in 51 h,
2 attacks, 4 wounded, 3 vehicles damaged; Ménaka → Gao in 5 days; Ogossagou → Mopti 05:00-22:30 the
same day and Goundam → Timbuktu the same day, both without incident.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engines.dispatch import DEFAULT_ENGINE
from sim.experiments import summaries
from sim.model.errors import ScenarioError
from sim.model.loader import load_scenario
from sim.model.schema import Scenario

from .paths import PHASE1, README
from .readme import read_section, update_readme
from .runs import simulate_runs

# -- observations -------------------------------------------------------------------------------


def _transit_hours(rows: pd.DataFrame) -> np.ndarray:
    """Departure of the final convoy to arrival at the hub (bases whose only convoy is the final one)."""
    return (rows["last_arrival_hours"] - rows["exit_hours"]).to_numpy(float)


def _attacks(rows: pd.DataFrame) -> np.ndarray:
    return (rows["ied_strikes"] + rows["ambushes"]).to_numpy(float)


def _hit_by_attacks(rows: pd.DataFrame) -> np.ndarray:
    """Vehicles destroyed or damaged by attacks: every breakdown damages one vehicle (MODEL.md §11)."""
    return (rows["vehicles_destroyed"] + rows["vehicles_damaged"] - rows["breakdowns"]).clip(lower=0).to_numpy(float)


def _column(name: str) -> Callable[[pd.DataFrame], np.ndarray]:
    def get(rows: pd.DataFrame) -> np.ndarray:
        return rows[name].to_numpy(float)

    return get


ALL_BASES = "*"
"""``Observation.base`` for a total over every base of a replication."""


@dataclass(frozen=True)
class Observation:
    """One recorded phase-1 outcome and the model quantity it is compared with."""

    label: str
    base: str
    observed: float
    observed_text: str
    model: Callable[[pd.DataFrame], np.ndarray]
    note: str = ""


OBSERVATIONS: tuple[Observation, ...] = (
    Observation("Ber → Timbuktu, transit (h)", "ber", 51.0, "51 h (57 km)", _transit_hours),
    Observation("Ber → Timbuktu, attacks (IED + ambush)", "ber", 2.0, "2", _attacks),
    Observation("Ber → Timbuktu, wounded", "ber", 4.0, "4", _column("wounded")),
    Observation("Ber → Timbuktu, vehicles hit by attacks", "ber", 3.0, "3 damaged", _hit_by_attacks,
                "the model's vehicles destroyed or damaged by attacks"),
    Observation("Ménaka → Gao, transit (h)", "menaka", 120.0, "5 days (about 120 h)", _transit_hours),
    Observation("Ogossagou → Mopti, transit (h)", "ogossagou", 17.5, "17.5 h (05:00-22:30)", _transit_hours),
    Observation("Ogossagou → Mopti, attacks", "ogossagou", 0.0, "0", _attacks),
    Observation("Goundam → Timbuktu, transit (h)", "goundam", 17.5, "same day (≤ 17.5 h)", _transit_hours,
                "observed is an upper bound"),
    Observation("Goundam → Timbuktu, attacks", "goundam", 0.0, "0", _attacks),
    Observation("all four final convoys, attacks", ALL_BASES, 2.0, "2 (all at Ber)", _attacks,
                "Ménaka's final convoy: none reported"),
    Observation("all four final convoys, wounded", ALL_BASES, 4.0, "4", _column("wounded")),
)


def calibration_table(bases: pd.DataFrame, observations: tuple[Observation, ...] = OBSERVATIONS) -> pd.DataFrame:
    """Observed value vs the model's median and 5-95 % interval, one row per observation."""
    rows = []
    for ob in observations:
        if ob.base == ALL_BASES:
            sel = bases.groupby(["point", "replication"], sort=True).sum(numeric_only=True)
        else:
            sel = bases[bases["base"] == ob.base]
        if sel.empty:
            raise ValueError(f"the scenario has no base '{ob.base}' (needed for '{ob.label}')")
        values = ob.model(sel)
        d = summaries.describe(values)
        if ob.note == "observed is an upper bound":
            inside = bool(d["q05"] <= ob.observed)
        else:
            inside = bool(d["q05"] <= ob.observed <= d["q95"])
        rows.append({
            "observable": ob.label, "observed": ob.observed_text, "observed_value": ob.observed,
            "model_mean": d["mean"], "model_q05": d["q05"], "model_q50": d["q50"], "model_q95": d["q95"],
            "p_at_least_observed": float(np.mean(values >= ob.observed)), "inside": inside, "note": ob.note,
        })
    return pd.DataFrame(rows)


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def table_markdown(
    table: pd.DataFrame, sc: Scenario, engine: str, replications: int, seed: int,
    command: str = "python -m studies.minusma_2023.calibration --write",
) -> str:
    """The calibration table as Markdown, headed by the command and run settings that produce it."""
    lines = [
        f"Scenario `{sc.name}`, engine `{engine}`, seed {seed}, {replications} replications "
        f"(`{command}`).",
        "",
        "| observable | observed | model median | model 5–95 % | P(model ≥ observed) | inside 5–95 % |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.observable} | {r.observed}{note} | {_num(r.model_q50)} | "
            f"{_num(r.model_q05)}–{_num(r.model_q95)} | {r.p_at_least_observed:.3f} | "
            f"{'yes' if r.inside else '**no**'} |"
        )
    n_in = int(table["inside"].sum())
    lines += ["", f"{n_in} of {len(table)} observations inside the model's 5–95 % band."]
    return "\n".join(lines) + "\n"


def calibration_markdown(
    path: str | Path = PHASE1, engine: str = DEFAULT_ENGINE, replications: int | None = None, seed: int | None = None,
    overrides: list[str] | None = None,
) -> str:
    """Run the phase-1 scenario (with ``PATH=VALUE`` ``overrides``) and return the Markdown calibration table."""
    sc = load_scenario(path, overrides)
    n = sc.run.replications if replications is None else int(replications)
    s = sc.run.seed if seed is None else int(seed)
    bases, _ = simulate_runs(sc, engine, n, s)
    command = "python -m studies.minusma_2023.calibration --write"
    if overrides:
        command = "python -m studies.minusma_2023.calibration " + " ".join(f"--set {o}" for o in overrides)
    return table_markdown(calibration_table(bases), sc, engine, n, s, command)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m studies.minusma_2023.calibration", description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default=str(PHASE1))
    ap.add_argument("--engine", default=DEFAULT_ENGINE)
    ap.add_argument("--replications", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override a scenario value by dotted path (repeatable; printing only)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write the table into scenarios/README.md")
    mode.add_argument("--check", action="store_true", help="exit 1 if scenarios/README.md is out of date")
    args = ap.parse_args(argv)
    if args.overrides and (args.write or args.check):
        ap.error("--set only prints: the shipped table is the unchanged scenario's")
    try:
        body = calibration_markdown(args.scenario, args.engine, args.replications, args.seed, args.overrides)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.write:
        changed = update_readme("calibration", body)
        print(f"{README}: calibration table {'updated' if changed else 'unchanged'}")
    elif args.check:
        shipped = read_section(README.read_text(encoding="utf-8"), "calibration")
        if shipped != body:
            print("scenarios/README.md calibration table is out of date: run python -m studies.minusma_2023.calibration --write")
            return 1
        print("calibration table up to date")
    else:
        print(body, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
