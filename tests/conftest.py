"""Shared fixtures: the shipped Kidal scenario, a temporary results root, the tiny synthetic
scenario, and the closed-form fakes of the engines.

Scenario dicts come from ``tests.helpers.builders`` (``tiny_scenario`` is its ``tiny`` builder:
call it for a fresh dict); ``write_scenario`` writes such a dict to a YAML file. ``fake_engine`` and
``fake_trace`` replace the engines in this process with the closed-form fakes of
``tests.helpers.fake_engine`` and ``tests.helpers.synthetic``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import builders
from tests.helpers.paths import KIDAL


@pytest.fixture
def kidal_path() -> Path:
    """The shipped scenario ``scenarios/kidal_2023.yaml``."""
    return KIDAL


@pytest.fixture
def results_root(tmp_path: Path) -> Path:
    """A results root that does not exist yet (the store makes it)."""
    return tmp_path / "results"


@pytest.fixture
def tiny_scenario() -> Callable[[], dict[str, Any]]:
    """The builder of the tiny synthetic scenario dict: ``data = tiny_scenario()``."""
    return builders.tiny


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(data, name="scenario.yaml") -> Path``: a scenario dict as a YAML file."""

    def write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def tiny_path(write_scenario: Callable[..., Path]) -> Path:
    """The tiny scenario written to a YAML file."""
    return write_scenario(builders.tiny(), "tiny.yaml")


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both engine names run the closed-form fake engine of ``tests.helpers.fake_engine`` in this
    process: ``sim.engines.dispatch.simulate_units`` (what ``run_task`` calls) loops its
    ``simulate_unit`` over the units of a chunk."""
    import sim.engines.dispatch
    from tests.helpers import fake_engine as fe

    monkeypatch.setattr(sim.engines.dispatch, "simulate_units", fe.simulate_units)


@pytest.fixture
def fake_trace(monkeypatch: pytest.MonkeyPatch, fake_engine: None) -> None:
    """``sim.api.trace`` uses synthetic legs and events instead of the SimPy engine."""
    from types import SimpleNamespace

    import sim.engines.des
    from sim.engines.dispatch import Unit
    from tests.helpers.fake_engine import simulate_unit
    from tests.helpers.synthetic import fake_trace as make_trace

    def trace(sc: Any, seed: int, replication: int = 0) -> SimpleNamespace:
        bases = simulate_unit(sc, "des", Unit(replication, replication, 1), seed)
        legs, events = make_trace(sc, seed)
        return SimpleNamespace(bases=bases, events=events, legs=legs)

    monkeypatch.setattr(sim.engines.des, "trace", trace)
