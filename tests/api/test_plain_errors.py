"""Bad input in plain language from the Python API too (issue 19, item 7): the loader raises a
missing or unknown site ``kind`` without pydantic's discriminator jargon, and unknown keys,
override paths, sweep paths and metrics carry a "did you mean", naming file and field, exactly as
the command line prints them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
import withdrawal_sim
from sim.cli.main import main
from sim.model.errors import ScenarioError
from sim.model.input_checks import path_hint

ROOT = Path(__file__).resolve().parents[2]
KIDAL = ROOT / "scenarios" / "kidal_2023.yaml"


def _no_kind(tmp_path: Path, kind: str = "") -> Path:
    bad = tmp_path / "nokind.yaml"
    bad.write_text(KIDAL.read_text(encoding="utf-8").replace("kind: hub", kind, 1), encoding="utf-8")
    return bad


def test_a_missing_kind_is_plain_in_load_scenario_run_and_validate(tmp_path: Path) -> None:
    bad = _no_kind(tmp_path)
    for call in (lambda: sim.load_scenario(bad), lambda: withdrawal_sim.load_scenario(bad),
                 lambda: sim.run(bad, replications=2)):
        with pytest.raises(ScenarioError) as info:
            call()
        assert str(info.value) == f"{bad}: sites.gao: missing 'kind' (one of base, hub)"
        assert "discriminator" not in str(info.value) and "tag" not in str(info.value)
    with pytest.raises(ScenarioError, match="unknown 'kind' \\(one of base, hub\\)"):
        sim.load_scenario(_no_kind(tmp_path, "kind: depot"))


def test_unknown_keys_and_paths_get_a_did_you_mean_from_the_api() -> None:
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(KIDAL, {"flights.p_grnt": 0.5})
    assert info.value.field == "flights.p_grnt" and "(did you mean 'p_grant'?)" in info.value.message
    with pytest.raises(ScenarioError, match="did you mean 'personnel'"):
        withdrawal_sim.run(KIDAL, replications=2, overrides={"sites.kidal.personel": 3})
    with pytest.raises(ScenarioError) as info:
        sim.sweep(KIDAL, pd.DataFrame({"flight.p_grant": [0.1, 0.2]}), replications=2)
    assert info.value.field == "flight.p_grant" and "did you mean 'flights'" in info.value.message
    with pytest.raises(ScenarioError, match="did you mean 'p_grant'"):
        sim.sweep(KIDAL, pd.DataFrame({"flights.p_grnt": [0.1, 0.2]}), replications=2)
    with pytest.raises(ScenarioError, match="did you mean 'wounded'"):
        sim.sweep(KIDAL, pd.DataFrame({"flights.p_grant": [0.1, 0.2]}), replications=2, metrics=["woundd"])


def test_path_hint_walks_through_names_and_stops_at_the_first_unknown_key() -> None:
    assert path_hint("sites.kidal.personel") == " (did you mean 'personnel'?)"
    assert path_hint("flight.p_grant") == " (did you mean 'flights'?)"
    assert path_hint("flights.p_grant") == ""
    assert path_hint("zzzz.qqqq") == ""


def test_the_command_line_prints_the_api_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _no_kind(tmp_path)
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(bad)
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith(str(info.value)) and "Traceback" not in err
