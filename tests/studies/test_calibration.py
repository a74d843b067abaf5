"""The phase-1 calibration table: its arithmetic, the README sections, and the shipped table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studies.minusma_2023 import calibration
from studies.minusma_2023.calibration import ALL_BASES, Observation, calibration_table
from studies.minusma_2023.readme import read_section, replace_section, update_readme
from studies.minusma_2023.runs import simulate_runs


def _bases(values: dict[str, list[float]]) -> pd.DataFrame:
    """A minimal per-base table: exit at 0, arrival = the given transit hours, 1 strike each."""
    rows = []
    for base, transit in values.items():
        for r, t in enumerate(transit):
            rows.append({"point": 0, "replication": r, "base": base, "exit_hours": 10.0,
                         "last_arrival_hours": 10.0 + t, "ied_strikes": 1, "ambushes": r % 2,
                         "wounded": 2, "vehicles_lost": 0, "vehicles_destroyed": 0, "vehicles_damaged": 1,
                         "breakdowns": 0})
    return pd.DataFrame(rows)


def test_table_quantiles_and_band() -> None:
    transit = list(np.arange(1.0, 101.0))
    bases = _bases({"ber": transit, "goundam": transit})
    obs = (
        Observation("ber transit", "ber", 51.0, "51 h", calibration._transit_hours),
        Observation("ber far", "ber", 200.0, "200 h", calibration._transit_hours),
        Observation("goundam bound", "goundam", 10.0, "≤ 10 h", calibration._transit_hours,
                    "observed is an upper bound"),
        Observation("goundam tight", "goundam", 3.0, "≤ 3 h", calibration._transit_hours,
                    "observed is an upper bound"),
        Observation("total attacks", ALL_BASES, 3.0, "3", calibration._attacks),
    )
    tab = calibration_table(bases, obs).set_index("observable")
    assert tab.loc["ber transit", "model_q50"] == pytest.approx(np.quantile(transit, 0.5))
    assert tab.loc["ber transit", "model_q05"] == pytest.approx(np.quantile(transit, 0.05))
    assert bool(tab.loc["ber transit", "inside"]) and not bool(tab.loc["ber far", "inside"])
    assert tab.loc["ber transit", "p_at_least_observed"] == pytest.approx(0.50)
    # an upper bound is inside when the model's 5 % quantile does not exceed it
    assert bool(tab.loc["goundam bound", "inside"]) and not bool(tab.loc["goundam tight", "inside"])
    # totals over bases: 2 bases x (1 IED + r % 2 ambushes)
    assert tab.loc["total attacks", "model_mean"] == pytest.approx(3.0)


def test_unknown_base_is_named() -> None:
    bases = _bases({"ber": [1.0, 2.0]})
    with pytest.raises(ValueError, match="no base 'menaka'"):
        calibration_table(bases, (Observation("x", "menaka", 1.0, "1", calibration._attacks),))


def test_markdown_states_how_to_regenerate() -> None:
    bases = _bases({b: [1.0, 2.0, 3.0] for b in ("ber", "menaka", "ogossagou", "goundam")})
    sc = calibration.load_scenario(calibration.PHASE1)
    text = calibration.table_markdown(calibration_table(bases), sc, "batch", 3, 7)
    assert text.startswith("Scenario `minusma_phase1_2023`, engine `batch`, seed 7, 3 replications")
    assert "python -m studies.minusma_2023.calibration --write" in text
    assert text.count("\n| ") == len(calibration.OBSERVATIONS) + 1


def test_sections_round_trip() -> None:
    text = "intro\n<!-- t:start -->\nold\n<!-- t:end -->\noutro\n"
    new = replace_section(text, "t", "new body\n")
    assert new == "intro\n<!-- t:start -->\nnew body\n<!-- t:end -->\noutro\n"
    assert read_section(new, "t") == "new body\n"
    with pytest.raises(ValueError, match="markers"):
        replace_section("no markers", "t", "x")


def test_update_readme_leaves_no_temporary(tmp_path: Path) -> None:
    p = tmp_path / "README.md"
    p.write_text("head\n<!-- t:start -->\nold\n<!-- t:end -->\n", encoding="utf-8")
    assert update_readme("t", "a\n", p) and not update_readme("t", "a\n", p)
    assert read_section(p.read_text(encoding="utf-8"), "t") == "a\n"
    assert [x.name for x in tmp_path.iterdir()] == ["README.md"]


def test_bad_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert calibration.main(["--scenario", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "missing.yaml" in err and "Traceback" not in err


def test_readme_has_both_sections() -> None:
    text = calibration.README.read_text(encoding="utf-8")
    for name in ("calibration", "findings"):
        assert read_section(text, name).strip(), name


def test_shipped_calibration_table_matches_a_fresh_run() -> None:
    """The table in scenarios/README.md is what `python -m studies.minusma_2023.calibration --write` produces."""
    shipped = read_section(calibration.README.read_text(encoding="utf-8"), "calibration")
    assert shipped == calibration.calibration_markdown(), "run python -m studies.minusma_2023.calibration --write"
    assert calibration.main(["--check"]) == 0


def test_engines_agree_on_the_calibration_verdicts() -> None:
    """The SimPy reference gives the same inside/outside verdicts as the batch engine (500 runs)."""
    sc = calibration.load_scenario(calibration.PHASE1)
    verdicts = {}
    for engine in ("batch", "des"):
        tab = calibration_table(simulate_runs(sc, engine, 500, sc.run.seed)[0])
        verdicts[engine] = tab.set_index("observable")["model_q50"]
    # medians of transit hours within 10 %, of counts within 1
    for obs, b in verdicts["batch"].items():
        d = verdicts["des"][obs]
        assert abs(b - d) <= max(1.0, 0.1 * abs(b)), obs
