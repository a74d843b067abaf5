"""``withdrawal-sim calibrate``: the override file it writes, and bad input (exit 2, no file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.main import main
from sim.model.incidents import COLUMNS
from sim.model.loader import load_override_file, read_yaml

ROOT = Path(__file__).resolve().parents[2]
PHASE1 = str(ROOT / "scenarios" / "minusma_phase1_2023.yaml")
LOG = str(ROOT / "studies" / "minusma_2023" / "incidents.csv")


def _exists(data: dict, path: str) -> bool:
    node = data
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


@pytest.mark.parametrize("flags", [[], ["--no-pooling"]])
def test_minusma_log_writes_gamma_overrides(tmp_path: Path, flags: list[str]) -> None:
    out = tmp_path / "ov.yaml"
    assert main(["calibrate", LOG, PHASE1, "--out", str(out), *flags]) == 0
    ov = load_override_file(out)
    scenario = read_yaml(PHASE1)
    assert ov and all(_exists(scenario, p) for p in ov)
    for d in ov.values():
        assert d["dist"] == "gamma" and d["shape"] > 0 and d["rate"] > 0 and "posterior from rows" in d["note"]
    assert "threats.levels.contested.ambush_rate_per_100km" in ov


def _log(tmp: Path, row: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> str:
    base = {"id": "a", "segments": "ber-timbuktu", "km": "57", "ambushes": "2", "source": "test"}
    base.update(row)
    p = tmp / "bad.csv"
    p.write_text(",".join(columns) + "\n" + ",".join(base.get(c, "") for c in columns) + "\n", encoding="utf-8")
    return str(p)


@pytest.mark.parametrize(("row", "columns", "needle"), [
    ({}, (*COLUMNS, "extra"), "column extra"),
    ({}, COLUMNS[1:], "column id"),
    ({"km": "-1"}, COLUMNS, "row 1: km"),
    ({"segments": "nowhere-else"}, COLUMNS, "row 1: segments"),
    ({"ambushes": "two"}, COLUMNS, "row 1: ambushes"),
])
def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], row: dict[str, str],
                           columns: tuple[str, ...], needle: str) -> None:
    log, out = _log(tmp_path, row, columns), tmp_path / "ov.yaml"
    assert main(["calibrate", log, PHASE1, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert log in err and needle in err and "Traceback" not in err
    assert not out.exists()
