"""The self-contained HTML report of a results folder: one ``report.html`` that opens offline
(images as base64 data URIs, inline CSS, no scripts, no fonts, no links out).

It reads as a briefing: first the answer (``sim.report.briefing``: key figures with intervals, the
levers' effects of a comparison or sweep, what the run assumed), then the charts, then the details
(scenario, figures in full, sweep points), sources, assumptions and the manifest. Tables use a fixed
layout and wrap inside the page; parameters are named in words (``sim.report.words``)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.summaries import describe, quantiles, wilson
from sim.model.loader import load_scenario
from sim.model.outcomes import roll_up
from sim.model.schema import FATES, Scenario
from sim.report.briefing import briefing, named, value
from sim.report.briefing import table as html_table
from sim.report.charts import manifest_metrics, write_charts
from sim.report.plots.style import fmt_date
from sim.report.results import read_manifest, read_results, read_small_tables, read_table
from sim.report.words import metric_words
from sim.store.atomic import atomic_write_bytes

# ---------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;width:100%;table-layout:fixed}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;overflow-wrap:anywhere;
word-break:break-word;hyphens:auto}th{background:#eef4f9}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em;white-space:pre-wrap;overflow-wrap:anywhere}
.muted{color:#666}.big{font-size:1.25em;font-weight:bold}code{font-size:.85em;color:#555}
section.answer{background:#f7fafc;border:1px solid #d6e4ef;padding:.2em 1.2em 1em;margin-top:1em}
section.answer h2{margin-top:.8em}.label{display:inline-block;background:#0072B2;color:#fff;padding:.1em .6em;
border-radius:.3em;font-size:.9em}
div.warnings{background:#fff4e5;border:2px solid #E69F00;border-left-width:.5em;padding:.1em 1em .4em;margin:.8em 0}
div.warnings h3{margin:.5em 0 .2em;color:#8a5a00}details summary{cursor:pointer;color:#0072B2}
@media print{section.answer{page-break-after:always}}
"""

CAPTIONS: dict[str, str] = {
    "network": "Road network: roads coloured by threat level, bases sized by personnel + cargo units.",
    "timeline": "Convoy timeline of one traced run: legs by base, strikes and ambushes as markers.",
    "extraction": "Share of personnel and cargo out over time: median and 5–95 % band across runs "
                  "(approximation from per-base totals; see sim.report.plots.extraction_shares).",
    "cargo_fates": "Mean cargo units per run by fate, per base.",
    "completion": "Completion dates across runs, with P(out by the deadline) and its 95 % Wilson interval.",
    "casualties": "Wounded and killed per run.",
    "strikes": "IED strikes and ambushes per run.",
}


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{_e(v)}</td>" for i, v in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{digits}g}"


def scenario_section(sc: Scenario) -> str:
    """Calendar, bases, hubs, roads and fleet of the scenario as HTML."""
    km = sum(r.km for r in sc.roads)
    parts = [f"<p>{_e(sc.description)}</p>" if sc.description else "",
             _table(["Start", "Deadline", "Bases", "Hubs", "Roads", "Lifts (trucks)"],
                    [[f"{sc.calendar.start:%d %b %Y %H:%M}", f"{sc.calendar.deadline:%d %b %Y %H:%M}",
                      len(sc.bases), ", ".join(sc.hubs), f"{len(sc.roads)} ({km:,.0f} km)",
                      ", ".join(f"{k} ({v.trucks})" for k, v in sc.fleet.lifts.items()) or "none"]])]
    rows = []
    for name, b in sc.bases.items():
        cargo = ", ".join(f"{c} {n:,}" for c, n in b.cargo.items())
        rows.append([name, f"{b.personnel:,}", cargo, f"{b.withdraw_from:%d %b %Y}", f"{b.leave_by:%d %b %Y %H:%M}",
                     sc.hub_of(name), "yes" if b.airstrip else "no"])
    parts.append(_table(["Base", "Personnel", "Cargo (units)", "Withdraw from", "Leave by", "Hub", "Airstrip"],
                        rows, {1}))
    return "\n".join(parts)


def key_figures(sc: Scenario, runs: pd.DataFrame, metrics: Sequence[str] | None = None) -> str:
    """P(on time), completion dates, casualties, strikes and cargo fates with intervals, per point
    (a sweep: one row per point, with every metric it names)."""
    start = sc.calendar.start
    if runs["point"].nunique() > 1:
        return points_table(sc, runs, metrics=metrics)
    out = []
    for point, r in runs.groupby("point", sort=True):
        n = len(r)
        k = int(r["on_time"].astype(bool).sum())
        lo, hi = wilson(k, n)
        q = quantiles(r["completion_hours"].to_numpy(float))  # the one method (never = later than all)
        head = f"<h3>Sweep point {_e(point)}</h3>" if runs["point"].nunique() > 1 else ""
        rows = [["P(out by the deadline)", f"{100 * k / n:.1f} %", f"{100 * lo:.1f}–{100 * hi:.1f} % (Wilson 95 %)",
                 f"{k:,} of {n:,} runs"],
                ["Completion date", fmt_date(start, float(q[1])) + " (median)",
                 f"5 %: {fmt_date(start, float(q[0]))} · 95 %: {fmt_date(start, float(q[2]))}", ""]]
        for col, label in (("wounded", "Wounded"), ("killed", "Killed"), ("ied_strikes", "IED strikes"),
                           ("ambushes", "Ambushes"), ("vehicles_lost", "Vehicles lost"),
                           ("n_forced_early", "Bases forced out early"),
                           ("destroyed_value_usd", "Equipment destroyed (M USD)"),
                           ("abandoned_value_usd", "Equipment abandoned (M USD)")):
            d = describe(r[col].to_numpy())
            if col.endswith("_usd"):
                d = {k: v / 1e6 for k, v in d.items()}
            rows.append([label, f"{_fmt(d['mean'])} (mean)", f"95 % CI {_fmt(d['ci_low'])}–{_fmt(d['ci_high'])}",
                         f"5/50/95 %: {_fmt(d['q05'])} / {_fmt(d['q50'])} / {_fmt(d['q95'])}"])
        out.append(head + _table(["Figure", "Value", "Interval", "Spread across runs"], rows))
        fate_rows = []
        for c in sc.cargo_classes:
            total = sum(b.cargo.get(c, 0) for b in sc.bases.values())
            means = [float(r[f"cargo_{c}_{f}"].mean()) for f in FATES]
            fate_rows.append([c, f"{total:,}", *[_fmt(m) for m in means]])
        out.append("<p>Cargo units by fate (mean per run):</p>"
                   + _table(["Class", "Units", *[f.replace("_", " ") for f in FATES]], fate_rows,
                            set(range(1, 2 + len(FATES)))))
    return "\n".join(out)


POINT_FIXED = ("on_time", "completion_hours", "wounded", "killed")
"""Metrics every sweep point's row shows; the others a sweep names follow as their means."""


def points_table(sc: Scenario, runs: pd.DataFrame, limit: int = 200, metrics: Sequence[str] | None = None) -> str:
    """One row per sweep point: parameters, P(on time) with Wilson CI, median completion, casualties,
    then the mean of every other metric the sweep names (``metrics``)."""
    params = [c for c in runs.columns if "." in c]
    extra = [m for m in (metrics or ()) if m not in POINT_FIXED and m in runs.columns]
    rows = []
    groups = list(runs.groupby("point", sort=True))
    for point, r in groups[:limit]:
        n, k = len(r), int(r["on_time"].astype(bool).sum())
        lo, hi = wilson(k, n)
        med = fmt_date(sc.calendar.start, quantiles(r["completion_hours"].to_numpy(float), [0.5])[0])
        rows.append([_e(point), *[_e(r[p].iloc[0]) for p in params], _e(n),
                     _e(f"{100 * k / n:.1f} % ({100 * lo:.1f}–{100 * hi:.1f})"), _e(med),
                     _e(_fmt(float(r["wounded"].mean()))), _e(_fmt(float(r["killed"].mean()))),
                     *[_e(value(m, float(r[m].astype(float).mean()))) for m in extra]])
    more = f"<p class=muted>First {limit} of {len(groups)} points.</p>" if len(groups) > limit else ""
    header = "".join(f"<th>{named(p)}</th>" for p in params)
    table = html_table(["Point", *["\0"] * len(params), "Runs", "P(on time) (Wilson 95 %)", "Median completion",
                        "Wounded (mean)", "Killed (mean)", *[f"{metric_words(m)} (mean)" for m in extra]],
                       rows, {len(params) + 1}, raw=True)
    return table.replace("<th>\0</th>" * len(params), header, 1) + more


def _charts_html(charts: list[Path]) -> str:
    figs = []
    for p in charts:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        cap = CAPTIONS.get(p.stem, p.stem.replace("_", " "))
        figs.append(f'<figure><img alt="{_e(p.stem)}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{_e(cap)}</figcaption></figure>")
    return "\n".join(figs) or "<p class=muted>No charts.</p>"


def _trace_html(tables: Mapping[str, pd.DataFrame]) -> str:
    legs = tables.get("legs", tables.get("convoys"))
    events = tables.get("events")
    parts = []
    if legs is not None:
        n_conv = legs[["base", "convoy"]].drop_duplicates().shape[0] if len(legs) else 0
        parts.append(f"<p>Traced run: {n_conv} convoys, {len(legs)} legs, "
                     f"{legs['km'].sum() if len(legs) else 0:,.0f} convoy-km.</p>")
    if events is not None and len(events):
        counts = events.groupby("kind").agg(n=("kind", "size"), wounded=("wounded", "sum"), killed=("killed", "sum"))
        parts.append(_table(["Event", "Count", "Wounded", "Killed"],
                            [[k, int(v.n), int(v.wounded), int(v.killed)] for k, v in counts.iterrows()], {1, 2, 3}))
    return "\n".join(parts)


def render_html(sc: Scenario, manifest: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                charts: list[Path]) -> str:
    """The report as one HTML string (no external references): the answer, the charts, the
    details, sources, assumptions and the manifest."""
    runs = tables.get("runs")
    if runs is None and tables.get("bases") is not None and len(tables["bases"]):
        runs = roll_up(sc, tables["bases"])
    kind = str(manifest.get("kind") or "")
    title = f"{sc.name}: withdrawal simulation report" + (f" ({kind})" if kind else "")
    sections = [f"<h1>{_e(title)}</h1>",
                f"<p class=muted>Generated {dt.datetime.now():%d %b %Y %H:%M} from "
                f"{_e(manifest.get('run_id', manifest.get('id', 'a results folder')))}"
                + (f", {_e(manifest.get('engine'))} engine" if manifest.get("engine") else "")
                + (f", seed {_e(manifest.get('seed'))}" if manifest.get("seed") is not None else "") + ".</p>",
                briefing(sc, manifest, tables, runs)]
    sections += ["<h2>Charts</h2>", _charts_html(charts)]
    sections += ["<h2>Details</h2>", "<h3>Scenario</h3>", scenario_section(sc)]
    detail_runs = tables.get("runs_baseline") if tables.get("comparison") is not None else runs
    if detail_runs is not None and len(detail_runs):
        head = "<h3>Figures in full" + (" (baseline)" if detail_runs is not runs else "") + "</h3>"
        sections += [head, key_figures(sc, detail_runs, manifest_metrics(manifest))]
    elif tables.get("summary") is not None:
        s = tables["summary"]
        sections += ["<h3>Summary</h3>", _table(list(s.columns), s.head(200).astype(str).to_numpy().tolist())]
    if tables.get("comparison") is not None:
        c = tables["comparison"]
        cols = [x for x in ("metric", "baseline_mean", "variant_mean", "diff_mean", "ci_low", "ci_high",
                            "variance_reduction", "n") if x in c.columns]
        sections += ["<h3>Paired comparison (variant − baseline), as computed</h3>",
                     _table([x.replace("_", " ") for x in cols],
                            [[v if isinstance(v, str) else _fmt(float(v)) for v in row]
                             for row in c[cols].itertuples(index=False)], set(range(1, len(cols))))]
    trace = _trace_html(tables)
    if trace:
        sections += ["<h3>Traced run</h3>", trace]
    src = [[s.id, s.citation, s.url or ""] for s in sc.sources]
    sections += ["<h2>Sources</h2>", _table(["Id", "Citation", "Location"], src) if src else "<p>None given.</p>"]
    sections += ["<h2>Assumptions</h2>",
                 "<ul>" + "".join(f"<li>{_e(a)}</li>" for a in sc.assumptions) + "</ul>" if sc.assumptions
                 else "<p>None stated.</p>"]
    sections += ["<h2>Manifest</h2>", f"<pre>{_e(json.dumps(manifest, indent=2, sort_keys=True, default=str))}</pre>"
                 if manifest else "<p class=muted>No manifest.json in the folder.</p>"]
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'><title>{_e(sc.name)} report</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n")


def write_report(path: str | Path, *, charts: bool = True, sc: Scenario | None = None,
                 tables: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write ``report.html`` into the results folder ``path`` and return its path.

    Uses the PNGs in ``charts/``; if there are none and ``charts`` is true, draws them first.
    ``sc`` and ``tables``: the scenario and the tables a command still holds in memory (the command
    line's output step passes them), so that they are not read again from the folder; the tables it
    does not give (the CSVs, a comparison's two sides) are read. Without them, everything is read
    from the folder, leaving out the per-base table unless the charts must be drawn from it.
    """
    folder = Path(path)
    if tables is None:
        sc_read, manifest, held = read_results(folder, lean=True)
        sc = sc or sc_read
    else:
        manifest = read_manifest(folder)
        held = {**read_small_tables(folder, skip=set(tables)), **tables}
        if sc is None:
            sc = load_scenario(folder / "scenario.yaml")
    for name in ("runs_baseline", "runs_variant"):
        if name not in held and (t := read_table(folder, name)) is not None:
            held[name] = t
    pngs = sorted((folder / "charts").glob("*.png")) if (folder / "charts").is_dir() else []
    if not pngs and charts:
        if "bases" not in held and (b := read_table(folder, "bases")) is not None:
            held["bases"] = b
        pngs = [p for p in write_charts(folder, sc, held) if p.suffix == ".png"]
    order = list(CAPTIONS)
    pngs.sort(key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    out = folder / "report.html"
    atomic_write_bytes(out, render_html(sc, manifest, held, pngs).encode("utf-8"))
    return out
