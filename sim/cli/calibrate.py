"""Command ``calibrate``: conjugate posteriors of a scenario's threat rates from an incident log
(docs/incident_log.md), printed as a table and written as an override file of gamma distributions."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any


def _num(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.4g}"


def _cell(mean: float, lo: float, hi: float) -> str:
    return f"{_num(mean)} [{_num(lo)}, {_num(hi)}]"


def overrides_of(posteriors: list[Any]) -> dict[str, dict[str, Any]]:
    """Dotted path → ``{dist: gamma, shape, rate, note}`` of each posterior."""
    out: dict[str, dict[str, Any]] = {}
    for p in posteriors:
        ev = p.evidence
        rows = ", ".join(ev.rows) if ev.rows else "none (pooled: no evidence on this level)"
        pooled = f"; pooled multiplier {p.pooled_multiplier:.4g}" if p.pooled_multiplier is not None else "; no pooling"
        out[p.path] = {"dist": "gamma", "shape": float(round(p.shape, 6)), "rate": float(round(p.rate, 6)),
                       "note": f"posterior from rows {rows} ({ev.events:g} events in {ev.exposure:.4g}); "
                               f"prior {p.prior.note} Gamma({p.prior.shape:.4g}, {p.prior.rate:.4g}){pooled}"}
    return out


def check_overrides(scenario_path: str, data: dict[str, Any], overrides: dict[str, dict[str, Any]]) -> None:
    """Every path exists in the scenario and the scenario validates with each dist replaced by its mean."""
    from sim.model.errors import ScenarioError
    from sim.model.loader import set_path, validate

    for path, dist in overrides.items():
        node: Any = data
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise ScenarioError(scenario_path, path, "not a field of the scenario")
            node = node[key]
        data = set_path(data, path, dist["shape"] / dist["rate"])
        unc = data.get("uncertainty")
        if isinstance(unc, dict) and isinstance(unc.get("fields"), dict):
            unc["fields"].pop(path, None)
    validate(data, scenario_path)


def cmd_calibrate(args: argparse.Namespace) -> int:
    import yaml

    from sim.cli.common import console
    from sim.experiments.conjugate import calibrate, per_attack
    from sim.model.errors import ScenarioError
    from sim.model.incidents import read_incidents
    from sim.model.loader import load_override_file, read_yaml
    from sim.store.atomic import atomic_write_text

    scenario = read_yaml(args.scenario)
    log = read_incidents(args.log, scenario)
    posts = calibrate(log, scenario, pooled=not args.no_pooling)
    if not posts:
        raise ScenarioError(args.log, None, "no row gives evidence on a threat rate (km and a count observed)")
    overrides = overrides_of(posts)
    check_overrides(args.scenario, scenario, overrides)
    from rich.table import Table

    con = console()
    table = Table(title=f"Posteriors from {args.log} ({'no pooling' if args.no_pooling else 'partial pooling'})")
    for col in ("parameter", "prior mean [90 %]", "posterior mean [90 %]", "events / exposure", "rows"):
        table.add_column(col, overflow="fold")
    for p in posts:
        table.add_row(p.path, _cell(p.prior.mean(), *p.prior.interval()), _cell(p.mean(), *p.interval()),
                      f"{p.evidence.events:g} / {p.evidence.exposure:.4g}", ", ".join(p.evidence.rows) or "-")
    con.print(table)
    casualties = per_attack(log)
    if casualties:
        t2 = Table(title="Per attack (reported only, not written; Jeffreys prior)")
        for col in ("quantity", "posterior mean [90 %]", "count / attacks", "rows"):
            t2.add_column(col)
        for p in casualties:
            t2.add_row(p.path, _cell(p.mean(), *p.interval()), f"{p.evidence.events:g} / {p.evidence.exposure:g}",
                       ", ".join(p.evidence.rows))
        con.print(t2)
    head = f"# withdrawal-sim calibrate {args.log} {args.scenario}{' --no-pooling' if args.no_pooling else ''}\n"
    text = head + yaml.safe_dump(overrides, sort_keys=True, allow_unicode=True, width=1000)
    out = Path(args.out)
    atomic_write_text(out, text)
    load_override_file(out)
    print(f"wrote {out} ({len(overrides)} overrides)")
    return 0


def register(sub: Any) -> None:
    """Add ``calibrate``."""
    p = sub.add_parser("calibrate", help="posterior threat rates from an incident log, as an override file",
                       description="Conjugate (Gamma-Poisson) update of the scenario's threat rates on an incident "
                                   "log (docs/incident_log.md); writes an override file of gamma distributions.")
    p.add_argument("log", metavar="LOG", help="incident log (CSV)")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (YAML)")
    p.add_argument("--out", required=True, metavar="OVERRIDES.yaml", help="override file to write")
    p.add_argument("--no-pooling", action="store_true",
                   help="independent conjugate updates per threat level (default: partial pooling)")
    p.set_defaults(func=cmd_calibrate)
