"""Which engine runs a unit of replications: the one door both engines are reached through.

A *unit* owns its random streams: one replication for the SimPy engine, one block of
``streams.BLOCK_SIZE`` replications for the batch engine. Executors and stores deal in units, so
results do not depend on how units are grouped into chunks or spread over workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.scenario import Scenario
from sim.streams import BLOCK_SIZE, blocks

ENGINES: tuple[str, ...] = ("batch", "des")
DEFAULT_ENGINE = "batch"
"""The batch engine is the default: same rules, same outputs, hundreds of times faster. It refuses
scenarios it cannot reproduce exactly; ``--engine des`` then runs the SimPy reference."""


@dataclass(frozen=True)
class Unit:
    """``count`` replications starting at ``first``, drawing from the streams of ``index``."""

    index: int
    first: int
    count: int


def units(engine: str, replications: int) -> list[Unit]:
    """The units that make up ``replications`` replications of ``engine``."""
    if engine == "des":
        return [Unit(r, r, 1) for r in range(replications)]
    if engine == "batch":
        return [Unit(b, first, n) for b, first, n in blocks(replications, BLOCK_SIZE)]
    raise ValueError(f"unknown engine '{engine}' (engines: {', '.join(ENGINES)})")


def check_engine(sc: Scenario, engine: str) -> None:
    """Raise ``sim.batch.Unsupported`` (a ``ValueError``) if ``engine`` cannot run ``sc`` exactly."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (engines: {', '.join(ENGINES)})")
    if engine == "batch":
        from sim.batch import check_supported

        check_supported(sc)


def simulate_unit(
    sc: Scenario, engine: str, unit: Unit, seed: int, point: int = 0, crn: bool = True
) -> pd.DataFrame:
    """The per-base table (``outcomes.base_columns``) of one unit at sweep point ``point``."""
    if engine == "des":
        from sim.des import simulate

        return simulate(sc, unit.first, unit.count, seed=seed, point=point, crn=crn)
    from sim.batch import simulate

    return simulate(sc, unit.index, unit.first, unit.count, seed=seed, point=point, crn=crn)
