"""The seed tree: one root seed; a SeedSequence child per (engine, named stream); units as substreams.

Each named stream of an engine is one PCG64 generator seeded from the child
``SeedSequence(seed, spawn_key=(engine, stream))``; unit ``u`` (a SimPy replication or a batch block)
draws from that generator advanced by ``u · 2**64`` steps, a substream no unit can run past. Units,
not workers, own their substreams, so tables do not depend on how a run is cut into chunks or spread
over workers. Deriving a unit's generator costs one ``advance`` instead of a fresh SeedSequence
(about 5 µs instead of 40: it matters for SimPy replications, which are cheap).

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

SUBSTREAM = 1 << 64
"""Steps of a named stream's generator owned by each unit."""

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


def seed_sequence(seed: int, engine: str, stream: str, point: int = 0, crn: bool = True) -> np.random.SeedSequence:
    """The SeedSequence of one named stream of one engine (the root of its units' substreams)."""
    key = (_ENGINE_KEY[engine], _stream_index(stream))
    if not crn:
        key = key + (point + 1,)
    return np.random.SeedSequence(entropy=seed, spawn_key=key)


class _Derived(ISeedSequence):
    """A SeedSequence whose generated state is computed once and then reused."""

    def __init__(self, seq: np.random.SeedSequence) -> None:
        self._seq = seq
        self._state: dict[tuple[int, str], np.ndarray] = {}

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        key = (n_words, np.dtype(dtype).str)
        state = self._state.get(key)
        if state is None:
            state = self._seq.generate_state(n_words, dtype)
            state.flags.writeable = False
            self._state[key] = state
        return state


class Roots:
    """The named streams of one (seed, engine, point, crn); ``roots.generator(unit, name)``."""

    def __init__(self, seed: int, engine: str, point: int = 0, crn: bool = True) -> None:
        self.seed, self.engine, self.point, self.crn = seed, engine, point, crn
        self._seqs: dict[str, _Derived] = {}

    def generator(self, unit: int, stream: str) -> np.random.Generator:
        """A fresh generator on unit ``unit``'s substream of ``stream``."""
        seq = self._seqs.get(stream)
        if seq is None:
            seq = _Derived(seed_sequence(self.seed, self.engine, stream, self.point, self.crn))
            self._seqs[stream] = seq
        bits = np.random.PCG64(seq)
        if unit:
            bits.advance(unit * SUBSTREAM)
        return np.random.Generator(bits)

    def streams(self, unit: int) -> Streams:
        """The named streams of unit ``unit``, created as they are first used."""
        return Streams(self.seed, self.engine, unit, self.point, self.crn, roots=self)


def generator(
    seed: int, engine: str, unit: int, stream: str, point: int = 0, crn: bool = True
) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` (PCG64) on unit ``unit``'s substream of a named stream."""
    return Roots(seed, engine, point, crn).generator(unit, stream)


class Streams:
    """Lazily created named generators of one unit; ``streams["attacks"]`` draws strikes."""

    def __init__(self, seed: int, engine: str, unit: int, point: int = 0, crn: bool = True,
                 roots: Roots | None = None) -> None:
        self.seed, self.engine, self.unit, self.point, self.crn = seed, engine, unit, point, crn
        self._roots = roots if roots is not None else Roots(seed, engine, point, crn)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            gen = self._roots.generator(self.unit, name)
            self._gens[name] = gen
        return gen


def blocks(replications: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int, int]]:
    """``(block, first replication, count)`` for replications 0..replications-1."""
    out = []
    for b, start in enumerate(range(0, replications, block_size)):
        out.append((b, start, min(block_size, replications - start)))
    return out
