"""The batch engine's heap setting (sim/allocator.py): what it reads from the environment, and that
it does what it is for (a block's memory is not page-faulted afresh)."""

from __future__ import annotations

import platform
import resource

import pytest
from conftest import KIDAL

from sim import allocator
from sim.engine import Unit, simulate_unit
from sim.loader import load_scenario

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.parametrize(("env", "expected"), [
    ({}, 64 << 20), ({allocator.ENV: "0"}, 0), ({allocator.ENV: "16"}, 16 << 20),
    ({allocator.ENV: "5000"}, 1024 << 20), ({allocator.ENV: "lots"}, 0), ({allocator.ENV: "-3"}, 0),
    ({"MALLOC_TOP_PAD_": "1000"}, 0),
])
def test_top_pad_from_the_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: int) -> None:
    monkeypatch.delenv(allocator.ENV, raising=False)
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert allocator.top_pad_bytes() == expected


def test_set_once_and_not_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", [])
    monkeypatch.setenv(allocator.ENV, "0")
    assert allocator.keep_freed_memory() is False
    monkeypatch.setenv(allocator.ENV, "64")
    assert allocator.keep_freed_memory() is False  # decided once per process


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt")
def test_blocks_after_the_first_do_not_page_fault() -> None:
    """Without the padding a Kidal block makes about 5,300 minor page faults, every block; with it,
    none once the heap has grown (bound: 500)."""
    assert allocator.keep_freed_memory() or allocator.top_pad_bytes() == 0
    if allocator.top_pad_bytes() == 0:
        pytest.skip("turned off in this environment")
    sc = load_scenario(KIDAL)
    simulate_unit(sc, "batch", Unit(0, 0, 4096), 1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    simulate_unit(sc, "batch", Unit(1, 4096, 4096), 1)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 500
