"""The first section of the report, the answer: key figures with their intervals, the levers'
effects (a comparison or a sweep), and what the run assumed (label, overrides, the scenario's
description and assumptions), with the run's warnings in a box at the top. HTML fragments for ``sim.report.html``."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.summaries import describe, quantiles, wilson
from sim.model.schema import Scenario
from sim.report.plots.style import fmt_date
from sim.report.words import metric_words, parameter_words

MONEY = ("destroyed_value_usd", "abandoned_value_usd")
HEADLINE: tuple[tuple[str, str], ...] = (
    ("wounded", "Wounded"), ("killed", "Killed"),
    ("destroyed_value_usd", "Equipment destroyed (M USD)"), ("abandoned_value_usd", "Equipment abandoned (M USD)"),
)


def esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric: Iterable[int] = (),
          raw: bool = False) -> str:
    """An HTML table; ``raw``: cells are HTML already (escape them before)."""
    num = set(numeric)
    cell = (lambda v: str(v)) if raw else esc
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td{' class=n' if i in num else ''}>{cell(v)}</td>" for i, v in enumerate(r))
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def num(x: float | None, digits: int = 3) -> str:
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{digits}g}"


def money(x: float | None) -> str:
    """USD as M USD with two decimals."""
    return "—" if x is None or not np.isfinite(x) else f"{x / 1e6:,.2f}"


def value(metric: str, x: float | None) -> str:
    """A metric's value as the reader wants it: money in M USD, P(on time) in %."""
    if metric in MONEY:
        return money(x)
    if metric == "on_time":
        return "—" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"
    return num(x)


def on_time(runs: pd.DataFrame) -> tuple[int, int, float, float]:
    n, k = len(runs), int(runs["on_time"].astype(bool).sum())
    lo, hi = wilson(k, n)
    return k, n, lo, hi


def completion_dates(sc: Scenario, runs: pd.DataFrame) -> tuple[str, str, str]:
    comp = runs["completion_hours"].to_numpy(float)
    if not len(comp):
        return "—", "—", "—"
    q = quantiles(comp, [0.05, 0.5, 0.95])  # the one method: a run never completed counts as latest
    return tuple(fmt_date(sc.calendar.start, float(x)) for x in q)  # type: ignore[return-value]


def headline_rows(sc: Scenario, runs: pd.DataFrame) -> list[list[str]]:
    """P(out by the deadline), completion date, wounded, killed, equipment destroyed and abandoned."""
    k, n, lo, hi = on_time(runs)
    q05, q50, q95 = completion_dates(sc, runs)
    rows = [["P(out by the deadline)", f"{100 * k / n:.1f} %", f"{100 * lo:.1f}–{100 * hi:.1f} % (Wilson 95 %)",
             f"{k:,} of {n:,} runs"],
            ["Completion date", f"{q50} (median)", f"5 %: {q05} · 95 %: {q95}", ""]]
    for col, label in HEADLINE:
        if col not in runs.columns:
            continue
        d = describe(runs[col].to_numpy())
        show = money if col in MONEY else num
        rows.append([label, f"{show(d['mean'])} (mean)", f"95 % CI {show(d['ci_low'])}–{show(d['ci_high'])}",
                     f"5/50/95 %: {show(d['q05'])} / {show(d['q50'])} / {show(d['q95'])}"])
    return rows


def answer_sentence(sc: Scenario, runs: pd.DataFrame, who: str = "") -> str:
    k, n, lo, hi = on_time(runs)
    _, q50, _ = completion_dates(sc, runs)
    return (f"<p class=big>{esc(who)}The withdrawal is complete by the deadline "
            f"({sc.calendar.deadline:%d %b %Y %H:%M}) in "
            f"{100 * k / n:.1f} % of {n:,} runs (95 %: {100 * lo:.1f}–{100 * hi:.1f} %); median completion "
            f"{esc(q50)}.</p>")


def comparison_effects(c: pd.DataFrame) -> str:
    """The variant's effect per metric: baseline, variant, difference with its paired 95 % CI."""
    rows = []
    for rec in c.to_dict("records"):
        m = str(rec["metric"])
        b, v, d, lo, hi = (float(rec[k]) for k in ("baseline_mean", "variant_mean", "diff_mean", "ci_low", "ci_high"))
        if m == "on_time":
            diff, ci = f"{100 * d:+.1f} pp", f"{100 * lo:+.1f} to {100 * hi:+.1f} pp"
        elif m in MONEY:
            diff, ci = f"{d / 1e6:+,.2f}", f"{lo / 1e6:+,.2f} to {hi / 1e6:+,.2f}"
        else:
            diff, ci = f"{d:+,.3g}", f"{lo:+,.3g} to {hi:+,.3g}"
        rows.append([metric_words(m), value(m, b), value(m, v), diff, ci])
    return ("<p>Effect of the variant against the baseline, replication by replication with common random "
            "numbers (paired 95 % interval):</p>"
            + table(["Figure", "Baseline", "Variant", "Change", "95 % interval of the change"], rows, {1, 2, 3, 4}))


def params_of(runs: pd.DataFrame) -> list[str]:
    return [c for c in runs.columns if "." in c]


def named(path: str) -> str:
    """A parameter in words, with its path in small type (HTML)."""
    words = parameter_words(path)
    return esc(words) if words == path else f"{esc(words)} <code>{esc(path)}</code>"


def _groups(runs: pd.DataFrame, p: str) -> tuple[pd.DataFrame, pd.DataFrame, str, str] | None:
    per_point = runs.groupby("point", sort=True)[p].first()
    vals = per_point.dropna()
    if vals.nunique() < 2:
        return None
    try:
        ordered = vals.sort_values(kind="stable")
    except TypeError:
        return None
    if vals.nunique() <= 12:
        lo_v, hi_v = ordered.iloc[0], ordered.iloc[-1]
        lo_pts, hi_pts = vals.index[vals == lo_v], vals.index[vals == hi_v]
        return (runs[runs["point"].isin(lo_pts)], runs[runs["point"].isin(hi_pts)], esc(lo_v), esc(hi_v))
    third = max(1, len(ordered) // 3)
    lo_pts, hi_pts = ordered.index[:third], ordered.index[-third:]
    return (runs[runs["point"].isin(lo_pts)], runs[runs["point"].isin(hi_pts)],
            f"lowest third (≤ {esc(ordered.iloc[third - 1])})", f"highest third (≥ {esc(ordered.iloc[-third])})")


def sweep_effects(runs: pd.DataFrame) -> str:
    """Each lever of a sweep from its lowest to its highest value (other levers averaged over the
    design): P(out by the deadline), wounded and killed at both ends."""
    rows = []
    for p in params_of(runs):
        g = _groups(runs, p)
        if g is None:
            continue
        lo, hi, lo_name, hi_name = g
        p_lo, p_hi = lo["on_time"].astype(bool).mean(), hi["on_time"].astype(bool).mean()
        rows.append([named(p), f"{lo_name} → {hi_name}",
                     f"{100 * p_lo:.1f} % → {100 * p_hi:.1f} % ({100 * (p_hi - p_lo):+.1f} pp)",
                     f"{num(lo['wounded'].mean())} → {num(hi['wounded'].mean())}",
                     f"{num(lo['killed'].mean())} → {num(hi['killed'].mean())}"])
    if not rows:
        return ""
    return ("<p>Each lever from its lowest to its highest value in the design, the others averaged over "
            "the design's points:</p>"
            + table(["Lever", "From → to", "P(out by the deadline)", "Wounded (mean)", "Killed (mean)"],
                    rows, raw=True))


def sensitivity_table(t: pd.DataFrame) -> str:
    cols = list(t.columns)
    rows = []
    for r in t.itertuples(index=False):
        cells = []
        for v in r:
            if isinstance(v, str):
                cells.append(named(v) if "." in v else esc(v))
            else:
                cells.append(esc(num(float(v))))
        rows.append(cells)
    return table([c.replace("_", " ") for c in cols], rows, raw=True)


def _as_list(x: Any) -> list[str]:
    if x is None or x == [] or x == {}:
        return []
    if isinstance(x, Mapping):
        return [f"{k} = {v}" for k, v in x.items()]
    if isinstance(x, str):
        return [x]
    if isinstance(x, Iterable):
        return [str(v) for v in x]
    return [str(x)]


OVERRIDE_KEYS: tuple[tuple[str, str], ...] = (
    ("overrides", "overrides"), ("set", "overrides"), ("override_files", "override files"),
    ("set_files", "override files"), ("set_file", "override files"),
    ("variant_overrides", "variant overrides"), ("set_variant", "variant overrides"),
    ("variant_files", "variant files"), ("variant", "variant files"),
)
"""Manifest key → what it lists. The command line writes ``overrides``, ``override_files``,
``variant_overrides`` and ``variant_files`` at the top level; the others are a design's own
record of the same (``set``, ``set_files``, ``set_variant``, ``variant``), shown once."""

LABEL_KEYS: tuple[tuple[str, str], ...] = (
    ("label", "Label"), ("baseline_label", "Baseline"), ("variant_label", "Variant"))


def _where(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [w for w in (manifest, manifest.get("extra") or {}, manifest.get("design") or {}) if isinstance(w, Mapping)]


def manifest_label(manifest: Mapping[str, Any], key: str = "label") -> str | None:
    for where in _where(manifest):
        if where.get(key):
            return str(where[key])
    return None


def manifest_labels(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, label) for the run's ``label`` and a comparison's ``baseline_label`` and
    ``variant_label`` (the variant's label only once when it is the run's label too)."""
    out: list[tuple[str, str]] = []
    for key, what in LABEL_KEYS:
        lab = manifest_label(manifest, key)
        if lab and not (key == "label" and manifest_label(manifest, "variant_label") == lab):
            out.append((what, lab))
    return out


def manifest_warnings(manifest: Mapping[str, Any]) -> list[str]:
    """The run's ``warnings`` (a list of strings) as the manifest records them."""
    out: list[str] = []
    for where in _where(manifest):
        out += [w for w in _as_list(where.get("warnings")) if w not in out]
    return out


def _same(item: str) -> str:
    path, sep, val = item.partition("=")
    return f"{path.strip()}={val.strip()}" if sep else item.strip()


def manifest_overrides(manifest: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """What the manifest says was changed from the scenario file: (kind, items), in a stable order."""
    found: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for where in _where(manifest):
        for key, kind in OVERRIDE_KEYS:
            for i in _as_list(where.get(key)):
                if i != "None" and (kind, _same(i)) not in seen:
                    seen.add((kind, _same(i)))
                    found.setdefault(kind, []).append(i)
    order = list(dict.fromkeys(kind for _, kind in OVERRIDE_KEYS))
    return [(k, found[k]) for k in order if k in found]


def warnings_box(manifest: Mapping[str, Any]) -> str:
    """A visible box of the run's warnings (empty when there are none)."""
    ws = manifest_warnings(manifest)
    if not ws:
        return ""
    lis = "".join(f"<li>{esc(w)}</li>" for w in ws)
    return (f'<div class=warnings id=warnings role=note><h3>Warnings ({len(ws)})</h3>'
            f"<p>The inputs of this run raised these warnings; read the figures with them in mind.</p>"
            f"<ul>{lis}</ul></div>")


def _override_item(item: str) -> str:
    path, sep, val = item.partition("=")
    path = path.strip()
    if sep and "." in path:
        words = parameter_words(path)
        if words != path:
            return f"{esc(words)}: <b>{esc(val.strip())}</b> <code>{esc(path)}</code>"
    return esc(item)


def assumed(sc: Scenario, manifest: Mapping[str, Any]) -> str:
    """What the run assumed: the label, the overrides, the scenario's description and assumptions."""
    parts = []
    for what, label in manifest_labels(manifest):
        parts.append(f"<p>{esc(what)}: <span class=label>{esc(label)}</span></p>")
    changes = manifest_overrides(manifest)
    if changes:
        items = "".join(f"<li>{esc(kind)}: <ul>" + "".join(f"<li>{_override_item(i)}</li>" for i in v)
                        + "</ul></li>" for kind, v in changes)
        parts.append(f"<p>Changed from the scenario file:</p><ul>{items}</ul>")
    else:
        parts.append("<p>The scenario file as written (no overrides recorded in the manifest).</p>")
    if sc.description:
        parts.append(f"<p>Scenario <b>{esc(sc.name)}</b>: {esc(sc.description)}</p>")
    if sc.assumptions:
        lis = "".join(f"<li>{esc(a)}</li>" for a in sc.assumptions)
        parts.append(f"<details><summary>The scenario's {len(sc.assumptions)} stated assumptions</summary>"
                     f"<ul>{lis}</ul></details>")
    return "\n".join(parts)


def briefing(sc: Scenario, manifest: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
             runs: pd.DataFrame | None) -> str:
    """The answer section: figures, levers' effects and assumptions."""
    parts = ['<section class=answer id=answer>', "<h2>The answer</h2>", warnings_box(manifest)]
    comparison = tables.get("comparison")
    baseline = tables.get("runs_baseline")
    if comparison is not None:
        if baseline is not None and len(baseline):
            parts += [answer_sentence(sc, baseline, "Baseline: "),
                      "<h3>Key figures (baseline)</h3>",
                      table(["Figure", "Value", "Interval", "Spread across runs"], headline_rows(sc, baseline))]
        parts += ["<h3>The levers' effects</h3>", comparison_effects(comparison)]
    elif runs is not None and len(runs) and runs["point"].nunique() > 1:
        k, n, _, _ = on_time(runs)
        parts.append(f"<p class=big>A sweep of {runs['point'].nunique()} points, {n:,} runs: out by the deadline "
                     f"in {100 * k / n:.1f} % of them over the whole design.</p>")
        effects = sweep_effects(runs)
        parts += ["<h3>The levers' effects</h3>", effects or "<p class=muted>No lever varies.</p>"]
    elif runs is not None and len(runs):
        parts += [answer_sentence(sc, runs), "<h3>Key figures</h3>",
                  table(["Figure", "Value", "Interval", "Spread across runs"], headline_rows(sc, runs))]
    sens = tables.get("sensitivity")
    if sens is not None:
        parts += ["<h3>Sensitivity indices</h3>", sensitivity_table(sens)]
    parts += ["<h3>What the run assumed</h3>", assumed(sc, manifest), "</section>"]
    return "\n".join(parts)
