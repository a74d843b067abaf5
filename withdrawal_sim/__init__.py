"""withdrawal_sim: the canonical import name of the ``withdrawal-sim`` distribution.

A thin face over the implementation package ``sim`` (which keeps working): every public name of
``import sim`` is here, resolved lazily, so ``import withdrawal_sim`` stays light::

    import withdrawal_sim as ws
    sc = ws.load_scenario("scenarios/kidal_2023.yaml", {"flights.p_grant": 1.0})
    res = ws.run(sc, replications=500)            # in memory: nothing is written
    sw = ws.sweep_file("scenarios/sweeps/kidal_flights_convoy_grid.yaml", replications=64)

Unlike ``import sim``, this name is not shadowed by a ``sim.py`` or ``sim/`` of your own in the
current directory: the implementation is always loaded from the folder beside this package.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

_HERE = Path(__file__).resolve().parent
_SIM_DIR = _HERE.parent / "sim"


def _implementation() -> ModuleType:
    """The ``sim`` package that ships with this one, even when a local ``sim`` would shadow it."""
    init = (_SIM_DIR / "__init__.py").resolve()
    loaded = sys.modules.get("sim")
    if loaded is not None:
        if Path(getattr(loaded, "__file__", "") or "").resolve() == init:
            return loaded
        raise ImportError(
            f"withdrawal_sim: a different module named 'sim' is already imported "
            f"({getattr(loaded, '__file__', None) or loaded!r}); import withdrawal_sim before it, "
            f"or rename your own 'sim' module")
    spec = importlib.util.find_spec("sim")
    if spec is not None and spec.origin is not None and Path(spec.origin).resolve() == init:
        return importlib.import_module("sim")
    # shadowed (a sim.py or sim/ earlier on sys.path): load ours under its own name
    spec = importlib.util.spec_from_file_location("sim", init, submodule_search_locations=[str(_SIM_DIR)])
    if spec is None or spec.loader is None:  # pragma: no cover - the file is part of this distribution
        raise ImportError(f"withdrawal_sim: cannot load the implementation package from {_SIM_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["sim"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["sim"]
        raise
    return module


_sim = _implementation()

__all__: list[str] = list(_sim.__all__)
__version__: str
try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("withdrawal-sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'withdrawal_sim' has no attribute '{name}'")
    value = getattr(_sim, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
