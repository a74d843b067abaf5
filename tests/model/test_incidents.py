"""The incident-log reader: typed rows, exposure split by threat level, one clear error per bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model.errors import ScenarioError
from sim.model.incidents import COLUMNS, read_incidents
from sim.model.loader import read_yaml

ROOT = Path(__file__).resolve().parents[2]
PHASE1 = ROOT / "scenarios" / "minusma_phase1_2023.yaml"
LOG = ROOT / "studies" / "minusma_2023" / "incidents.csv"


def write(tmp: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]
    p = tmp / "log.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


GOOD = {"id": "a", "date": "2023-08-13", "segments": "ber-timbuktu", "km": "57", "ambushes": "2", "source": "test"}


def test_the_minusma_log_reads() -> None:
    log = read_incidents(LOG, read_yaml(PHASE1))
    by = {r.id: r for r in log.rows}
    assert by["ber_timbuktu"].km_by_level == {"contested": 57.0}
    assert by["menaka_gao"].km_by_level == pytest.approx({"high": 210.0, "medium": 90.0})
    assert by["ogossagou_mopti"].km == pytest.approx(130.0)  # road km when km is empty
    assert by["menaka_gao"].get("strikes") is None  # not observed
    assert all(r.source for r in log.rows)


@pytest.mark.parametrize(("change", "field"), [
    ({"km": "-3"}, "row 1: km"),
    ({"km": "abc"}, "row 1: km"),
    ({"segments": "ber-gao"}, "row 1: segments"),
    ({"segments": "", "threat_level": "extreme"}, "row 1: threat_level"),
    ({"date": "2023-13-40"}, "row 1: date"),
    ({"source": ""}, "row 1: source"),
])
def test_bad_rows(tmp_path: Path, change: dict[str, str], field: str) -> None:
    p = write(tmp_path, [{**GOOD, **change}])
    with pytest.raises(ScenarioError) as e:
        read_incidents(p, read_yaml(PHASE1))
    assert e.value.field == field and e.value.file == str(p)


def test_bad_columns(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="unknown column"):
        read_incidents(write(tmp_path, [GOOD], (*COLUMNS, "colour")), read_yaml(PHASE1))
    with pytest.raises(ScenarioError, match="column source: required column is missing"):
        read_incidents(write(tmp_path, [GOOD], COLUMNS[:-1]), read_yaml(PHASE1))
