"""The seed tree: one root seed; a SeedSequence child per (engine, unit), whose generated words seed
one PCG64 generator per named stream.

A unit is a SimPy replication or a batch block. ``SeedSequence(seed, spawn_key=(engine, unit))``
generates four 64-bit words per named stream (the words ``PCG64`` would take from the stream's own
SeedSequence): one SeedSequence per unit instead of one per stream, about 20 µs instead of 40 per
stream, which matters for SimPy replications, which are cheap. Units, not workers, own their
streams, so tables do not depend on how a run is cut into chunks or spread over workers.

(Substreams of one generator, advanced by ``unit · 2**64`` steps, would be cheaper still but are
correlated: a 128-bit LCG advanced by 2**64 keeps its low 64 state bits, and the engines' agreement
tests caught the bias that made.)

The sweep point is left out of the key by default, so that the same replication draws the same
numbers at every point (common random numbers); ``crn=False`` puts the point in the key for
independent streams.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.random.bit_generator import ISeedSequence

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


def seed_sequence(seed: int, engine: str, unit: int, point: int = 0, crn: bool = True) -> np.random.SeedSequence:
    """The SeedSequence of one unit (SimPy replication or batch block) of one engine."""
    key = (_ENGINE_KEY[engine], unit)
    if not crn:
        key = key + (point + 1,)
    return np.random.SeedSequence(entropy=seed, spawn_key=key)


WORDS = 4
"""64-bit words per stream: what ``PCG64`` takes from a SeedSequence (state and increment)."""


class _Words(ISeedSequence):
    """Seed words already generated, handed to ``PCG64`` as if from its own SeedSequence."""

    def __init__(self, words: np.ndarray) -> None:
        self._words = words

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        if n_words != WORDS or np.dtype(dtype) != np.uint64:
            raise ValueError(f"stream seed words are {WORDS} uint64, not {n_words} {np.dtype(dtype)}")
        return self._words


class Streams:
    """Lazily created named generators of one unit; ``streams["attacks"]`` draws strikes."""

    def __init__(self, seed: int, engine: str, unit: int, point: int = 0, crn: bool = True) -> None:
        self.seed, self.engine, self.unit, self.point, self.crn = seed, engine, unit, point, crn
        self._gens: dict[str, np.random.Generator] = {}
        self._words: np.ndarray | None = None

    def words(self, name: str) -> np.ndarray:
        """The seed words of stream ``name`` of this unit."""
        i = _stream_index(name)
        if i >= len(STREAMS):  # a name outside the table: its own child of the unit's SeedSequence
            seq = seed_sequence(self.seed, self.engine, self.unit, self.point, self.crn)
            return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, i)).generate_state(WORDS, np.uint64)
        if self._words is None:
            seq = seed_sequence(self.seed, self.engine, self.unit, self.point, self.crn)
            self._words = seq.generate_state(WORDS * len(STREAMS), np.uint64)
        return self._words[WORDS * i:WORDS * (i + 1)]

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(_Words(self.words(name))))
            self._gens[name] = gen
        return gen


def generator(
    seed: int, engine: str, unit: int, stream: str, point: int = 0, crn: bool = True
) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` (PCG64) for one named stream of one unit."""
    return Streams(seed, engine, unit, point, crn)[stream]


def blocks(replications: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int, int]]:
    """``(block, first replication, count)`` for replications 0..replications-1."""
    out = []
    for b, start in enumerate(range(0, replications, block_size)):
        out.append((b, start, min(block_size, replications - start)))
    return out
