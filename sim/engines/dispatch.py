"""Which engine runs a unit of replications: the one door both engines are reached through.

A *unit* owns its random streams: one replication for the SimPy engine, one block of
``streams.BLOCK_SIZE`` replications for the batch engine. Executors and stores deal in units, so
results do not depend on how units are grouped into chunks or spread over workers.

Light to import (no pandas, no engine): the command line reads ``ENGINES`` from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.engines.blocks import BLOCK_SIZE, blocks

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from sim.model.schema import Scenario

ENGINES: tuple[str, ...] = ("batch", "des")
DEFAULT_ENGINE = "batch"
"""The batch engine is the default: same rules, same outputs, hundreds of times faster; ``--engine
des`` runs the SimPy reference."""


@dataclass(frozen=True)
class Unit:
    """``count`` replications starting at ``first``, drawing from the streams of ``index``.

    A batch unit normally simulates its whole block and keeps the first ``count`` replications (a
    replication's outcome does not depend on how many a run asks for); an ``exact`` unit simulates
    only ``count`` (the draws of a two-level run, MODEL.md §17, each far shorter than a block)."""

    index: int
    first: int
    count: int
    exact: bool = False


def check_engine(engine: str) -> None:
    """Raise ``ValueError`` if ``engine`` is not one of ``ENGINES``."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (engines: {', '.join(ENGINES)})")


def units(engine: str, replications: int, exact: bool = False) -> list[Unit]:
    """The units that make up ``replications`` replications of ``engine`` (``exact``: batch blocks
    that simulate only the replications kept, ``Unit``)."""
    check_engine(engine)
    if engine == "des":
        return [Unit(r, r, 1) for r in range(replications)]
    return [Unit(b, first, n, exact) for b, first, n in blocks(replications, BLOCK_SIZE)]


def simulate_unit(
    sc: Scenario, engine: str, unit: Unit, seed: int, point: int = 0, crn: bool = True
) -> pd.DataFrame:
    """The per-base table (``outcomes.base_columns``) of one unit at sweep point ``point``."""
    return simulate_units(sc, engine, (unit,), seed, point, crn)


def simulate_units(
    sc: Scenario, engine: str, chunk: Sequence[Unit], seed: int, point: int = 0, crn: bool = True,
    roads: np.ndarray | None = None,
) -> pd.DataFrame:
    """The per-base table of consecutive units, in unit order. SimPy replications of a chunk run as
    one range (one per-scenario setup, one table: the same rows as unit by unit, since each
    replication draws from its own streams); batch blocks one by one, stacked. ``roads`` (a
    ``traffic.empty_tally`` array), when given, gets the units' traffic per road added."""
    import pandas as pd

    check_engine(engine)
    if not chunk:
        return pd.DataFrame()
    if engine == "des":
        from sim.engines.des import simulate as des_simulate

        first, last = chunk[0], chunk[-1]
        if all(b.first == a.first + a.count for a, b in zip(chunk, chunk[1:], strict=False)):
            return des_simulate(sc, first.first, last.first + last.count - first.first, seed=seed, point=point,
                                crn=crn, roads=roads)
        return pd.concat([des_simulate(sc, u.first, u.count, seed=seed, point=point, crn=crn, roads=roads)
                          for u in chunk], ignore_index=True)
    from sim.engines.batch import simulate as batch_simulate

    frames = [batch_simulate(sc, u.index, u.first, u.count, seed=seed, point=point, crn=crn, roads=roads,
                             rows=u.count if u.exact else None)
              for u in chunk]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
