"""Bad input of the security state and of day and night (MODEL.md §15-§16): exit 2 with the file
and the field named, no traceback, no results folder."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sim.cli.main import main
from tests.helpers.builders import SECURITY_BLOCK, edit, tiny
from tests.helpers.cli import assert_bad_input


def _with(**changes: Any) -> Callable[[], dict]:
    def make() -> dict:
        d = tiny()
        d["security"] = copy.deepcopy(SECURITY_BLOCK)
        d["security"]["forced"] = [{"at": "2024-01-12", "to": "fighting", "hold_until": "2024-01-15"}]
        return edit(d, **changes)
    return make


def _forced(*items: dict) -> Callable[[], dict]:
    return _with(security__forced=list(items))


CASES: list[tuple[str, Callable[[], dict], str]] = [
    ("negative_rate", _with(security__transitions=[{"from": "calm", "to": "tense", "rate_per_day": -0.1}]),
     "security.transitions.0.rate_per_day"),
    ("unknown_initial", _with(security__initial="peace"), "security.initial"),
    ("transition_from_unknown", _with(security__transitions=[{"from": "war", "to": "tense", "rate_per_day": 0.1}]),
     "security.transitions.0.from"),
    ("transition_to_unknown", _with(security__transitions=[{"from": "calm", "to": "war", "rate_per_day": 0.1}]),
     "security.transitions.0.to"),
    ("transition_to_itself", _with(security__transitions=[{"from": "calm", "to": "calm", "rate_per_day": 0.1}]),
     "security.transitions.0"),
    ("forced_to_unknown", _forced({"at": "2024-01-12", "to": "war"}), "security.forced.0.to"),
    ("forced_same_time", _forced({"at": "2024-01-12", "to": "tense"}, {"at": "2024-01-12", "to": "fighting"}),
     "security.forced.1.at"),
    ("forced_inside_a_hold", _forced({"at": "2024-01-10", "to": "fighting", "hold_until": "2024-01-20"},
                                     {"at": "2024-01-15", "to": "calm"}), "security.forced.1.at"),
    ("hold_before_at", _forced({"at": "2024-01-12", "to": "fighting", "hold_until": "2024-01-11"}),
     "security.forced.0"),
    ("forced_before_start", _forced({"at": "2023-12-01", "to": "fighting"}), "security.forced.0.at"),
    ("too_many_changes", _with(security__transitions=[{"from": "calm", "to": "tense", "rate_per_day": 50},
                                                      {"from": "tense", "to": "calm", "rate_per_day": 50}]),
     "security.transitions"),
    ("no_regimes", _with(security__regimes={}), "security.regimes"),
    ("unknown_grant_purpose", _with(security__regimes__tense__grant_factors={"troop_lift": 0.5}),
     "security.regimes.tense.grant_factors.troop_lift"),
    ("negative_factor", _with(security__regimes__tense__ied_rate_factor=-1), "security.regimes.tense.ied_rate_factor"),
    ("night_speed_zero", lambda: edit(tiny(), calendar__night={"speed_factor": 0}), "calendar.night.speed_factor"),
    ("unknown_moves", lambda: edit(tiny(), convoy__moves="dusk"), "convoy.moves"),
    ("night_and_daylight_only", lambda: edit(tiny(), convoy__moves="night", convoy__daylight_only=True), "convoy"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_security_input(make, field, write_scenario, results_root, capsys):
    path = write_scenario(make())
    code = main(["run", str(path), "--results-root", str(results_root)])
    out, err = capsys.readouterr()
    assert_bad_input(code, err, path, field, results_root)
    assert out == ""


def test_the_security_builder_is_valid(write_scenario, capsys):
    assert main(["validate", str(write_scenario(_with()()))]) == 0
