"""The animated GIF of one traced run (synthetic traces, and one real SimPy trace)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from sim.model.loader import load_scenario, scenario_dict
from sim.report.animate import animate, leg_positions, remaining_share
from sim.report.plots import node_positions
from tests.helpers.paths import KIDAL
from tests.helpers.synthetic import fake_trace


@pytest.fixture(scope="module")
def sc():
    return load_scenario(KIDAL)


def test_animation_has_frames(tmp_path, sc):
    legs, events = fake_trace(sc, seed=5)
    out = animate(legs, events, sc, tmp_path / "a" / "run.gif", fps=5, max_frames=8)
    assert out == tmp_path / "a" / "run.gif"
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 8
    assert [p.name for p in out.parent.iterdir()] == ["run.gif"]  # temp file renamed away


def test_frames_are_capped(tmp_path, sc):
    legs, events = fake_trace(sc, seed=5)
    out = animate(legs, None, sc, tmp_path / "b.gif", max_frames=10_000, dpi=30)
    with Image.open(out) as im:
        assert 1 < im.n_frames <= 150


def test_positions_interpolate_along_the_leg(sc):
    pos = node_positions(sc)
    legs = pd.DataFrame({"a": ["kidal"], "b": ["anefis"], "kind": ["final"], "depart_hours": [10.0],
                         "arrive_hours": [20.0]})
    xy, kinds = leg_positions(legs, pos, 15.0)
    assert kinds == ["final"]
    assert np.allclose(xy[0], (np.array(pos["kidal"]) + np.array(pos["anefis"])) / 2)
    xy, _ = leg_positions(legs, pos, 25.0)
    assert xy.shape == (0, 2)


def test_bases_empty(sc):
    legs, _ = fake_trace(sc, seed=5)
    assert remaining_share(legs, "kidal", -1.0) == 1.0
    assert remaining_share(legs, "kidal", float(legs["arrive_hours"].max())) == 0.0


def test_empty_trace_refused(tmp_path, sc):
    legs, events = fake_trace(sc)
    with pytest.raises(ValueError, match="no convoy legs"):
        animate(legs.iloc[:0], events, sc, tmp_path / "x.gif")
    assert not (tmp_path / "x.gif").exists()


def test_cli_animate_trace_folder(tmp_path, sc, capsys):
    from sim.cli.main import main

    legs, events = fake_trace(sc, seed=6)
    folder = tmp_path / "trace"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario_dict(sc)), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"run_id": "x"}))
    legs.to_parquet(folder / "convoys.parquet")
    events.to_parquet(folder / "events.parquet")
    assert main(["animate", str(folder), "--frames", "4"]) == 0
    with Image.open(folder / "animation.gif") as im:
        assert im.n_frames == 4
    assert main(["animate", str(tmp_path / "empty_dir_missing")]) == 2
    (tmp_path / "notrace").mkdir()
    assert main(["animate", str(tmp_path / "notrace")]) == 2
    assert "not a trace folder" in capsys.readouterr().err


def test_cli_animate_scenario_file(tmp_path, tiny_path, fake_trace):
    from sim.cli.main import main

    out = tmp_path / "tiny.gif"
    assert main(["animate", str(tiny_path), "--seed", "3", "--out", str(out), "--frames", "3"]) == 0
    with Image.open(out) as im:
        assert im.n_frames == 3
    assert not (tmp_path / "results").exists()  # animate from a file writes only the GIF


def test_real_des_trace_animates(tmp_path, sc):
    from sim.engines import des

    tr = des.trace(sc, 1)
    if tr.legs.empty:
        pytest.skip("the traced run has no convoys")
    out = animate(tr.legs, tr.events, sc, tmp_path / "real.gif", max_frames=5, dpi=40)
    with Image.open(out) as im:
        assert im.n_frames == 5
