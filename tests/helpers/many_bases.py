"""A scenario file of many bases kept small with anchors and merge keys (issue 21: validation must
be linear in the file's size)."""

from __future__ import annotations


def many_bases_yaml(n: int) -> str:
    """A valid scenario of ``n`` bases on a star of roads around one hub ``h``, each base and each
    road a merge of one anchored template (about 40 bytes a base: 10,000 bases in 400 kB)."""
    head = """name: many_bases
calendar: {start: 2023-10-01, deadline: 2023-12-31}
cargo_classes: {v: {self_propelled: true}}
terrain: {t: {speed_kmh: 10}}
threats: {levels: {l: {ied_rate_per_100km: 0.1}}}
sites:
  h: {kind: hub, lat: 0, lon: 0}
  b0: &b {kind: base, lat: 1, lon: 1, personnel: 5, cargo: {v: 2}, withdraw_from: 2023-10-02, leave_by: 2023-11-01}
"""
    sites = "".join(f"  b{i}: {{<<: *b}}\n" for i in range(1, n))
    roads = "roads:\n- &r {from: b0, to: h, km: 9, terrain: t, threat: l}\n"
    roads += "".join(f"- {{<<: *r, from: b{i}}}\n" for i in range(1, n))
    return head + sites + roads
