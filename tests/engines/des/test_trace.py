"""The trace's event log locates road incidents by the km along their segment (``km_along``), drawn
from the same uniform that places them in time."""

from __future__ import annotations

import math

import pytest

from sim.engines.des import trace
from tests.helpers.builders import changed, one_road


def test_km_along_matches_the_time_of_the_incident() -> None:
    # no delays, no daylight waits: a segment's drive is its whole leg, at constant speed
    sc = changed(one_road(), roads__0__threat="hot", roads__1__threat="hot")
    checked = 0
    for seed in range(12):
        tr = trace(sc, seed=seed)
        legs = tr.legs.assign(segment=tr.legs["a"] + "-" + tr.legs["b"])
        for ev in tr.events.to_dict("records"):
            if ev["kind"] not in ("ied", "ambush", "breakdown"):
                assert math.isnan(ev["km_along"])
                continue
            leg = legs[(legs["convoy"] == ev["convoy"]) & (legs["segment"] == ev["segment"])].iloc[0]
            assert 0.0 <= ev["km_along"] <= leg["km"]
            fraction = (ev["time_hours"] - leg["depart_hours"]) / (leg["arrive_hours"] - leg["depart_hours"])
            assert ev["km_along"] / leg["km"] == pytest.approx(fraction, abs=1e-9)
            checked += 1
    assert checked >= 5
