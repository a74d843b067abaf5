"""The seed tree: one root seed, children by (engine, block or replication, named stream).

Blocks of replications, not workers, own the streams, so tables do not depend on how a run is cut
into chunks or spread over workers. The sweep point is left out of the key by default, so that the
same replication draws the same numbers at every point (common random numbers); ``crn=False`` puts
the point in the key for independent streams.
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK_SIZE = 4096
"""Replications per stream block of the batch engine. Part of the seed identity: do not change."""

STREAMS: tuple[str, ...] = (
    "early_exit",
    "flights",
    "road_movements",
    "air_cover",
    "attacks",
    "effects",
    "breakdowns",
    "delays",
    "trace",
    "final_attacks",
    "final_effects",
    "final_breakdowns",
    "final_delays",
)
"""Named streams. New names go at the end so existing streams keep their numbers.

Lift convoys draw road events from ``attacks``, ``effects``, ``breakdowns`` and ``delays``; final
convoys from the ``final_`` streams, so more or fewer lift rounds do not shift final-convoy draws."""

_ENGINE_KEY = {"des": 1, "batch": 2}


def _stream_index(name: str) -> int:
    if name in STREAMS:
        return STREAMS.index(name)
    # a stable number for names outside the list (never Python's salted hash())
    return 1000 + zlib.crc32(name.encode())


def seed_sequence(
    seed: int, engine: str, unit: int, stream: str, point: int = 0, crn: bool = True
) -> np.random.SeedSequence:
    """The SeedSequence of one named stream of one unit (DES replication or batch block)."""
    key = (_ENGINE_KEY[engine], unit, _stream_index(stream))
    if not crn:
        key = key + (point + 1,)
    return np.random.SeedSequence(entropy=seed, spawn_key=key)


def generator(
    seed: int, engine: str, unit: int, stream: str, point: int = 0, crn: bool = True
) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` (PCG64) for one named stream of one unit."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, engine, unit, stream, point, crn)))


class Streams:
    """Lazily created named generators of one unit; ``streams["attacks"]`` draws strikes."""

    def __init__(self, seed: int, engine: str, unit: int, point: int = 0, crn: bool = True) -> None:
        self.seed, self.engine, self.unit, self.point, self.crn = seed, engine, unit, point, crn
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            gen = generator(self.seed, self.engine, self.unit, name, self.point, self.crn)
            self._gens[name] = gen
        return gen


def blocks(replications: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int, int]]:
    """``(block, first replication, count)`` for replications 0..replications-1."""
    out = []
    for b, start in enumerate(range(0, replications, block_size)):
        out.append((b, start, min(block_size, replications - start)))
    return out
