"""The seed tree: one root seed; a SeedSequence child per (engine, unit), whose generated words seed
one PCG64 generator per named stream.

A unit is a SimPy replication or a batch block. ``SeedSequence(seed, spawn_key=(engine, unit))``
generates four 64-bit words per named stream (the words ``PCG64`` would take from the stream's own
SeedSequence): one SeedSequence per unit instead of one per stream, about 20 µs instead of 40 per
stream, which matters for SimPy replications, which are cheap. The SimPy engine computes those
words for up to 256 replications at once (``units_words``: numpy's hash on arrays of units, bit for
bit the same words, about 1-3 µs a replication instead of 25-50). Units, not workers, own their
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
import numpy.typing as npt
from numpy.random.bit_generator import ISeedSequence

from sim.engines.blocks import BLOCK_SIZE, blocks

__all__ = ["BLOCK_SIZE", "STREAMS", "Streams", "blocks", "generator", "seed_sequence", "unit_words", "units_words"]

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
    "medevac",
    "wounds",
    "final_medevac",
    "final_wounds",
    "security",
)
"""Named streams. New names go at the end so existing streams keep their numbers.

Lift convoys draw road events from ``attacks``, ``effects``, ``breakdowns`` and ``delays``; final
convoys from the ``final_`` streams, so more or fewer lift rounds do not shift final-convoy draws."""

_ENGINE_KEY = {"des": 1, "batch": 2}


_INDEX = {name: i for i, name in enumerate(STREAMS)}


def _stream_index(name: str) -> int:
    i = _INDEX.get(name)
    if i is not None:
        return i
    # a stable number for names outside the list (never Python's salted hash())
    return 1000 + zlib.crc32(name.encode())


def seed_sequence(seed: int, engine: str, unit: int, point: int = 0, crn: bool = True) -> np.random.SeedSequence:
    """The SeedSequence of one unit (SimPy replication or batch block) of one engine."""
    key: tuple[int, ...] = (_ENGINE_KEY[engine], unit)
    if not crn:
        key = key + (point + 1,)
    return np.random.SeedSequence(entropy=seed, spawn_key=key)


WORDS = 4
"""64-bit words per stream: what ``PCG64`` takes from a SeedSequence (state and increment)."""


def _hash_constants(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The hash constants of ``SeedSequence.generate_state`` for ``n`` 32-bit words, before and
    after each step, shaped like the cycled 4-word pool."""
    init_b, mult_b = 0x8B51F9DD, 0x58F38DED  # numpy's INIT_B and MULT_B (O'Neill's seed_seq_fe)
    h, out = init_b, []
    for _ in range(n + 1):
        out.append(h)
        h = (h * mult_b) & 0xFFFFFFFF
    return (np.array(out[:-1], dtype=np.uint32).reshape(-1, 4),
            np.array(out[1:], dtype=np.uint32).reshape(-1, 4))


_H0, _H1 = _hash_constants(2 * WORDS * len(STREAMS))


def unit_words(seq: np.random.SeedSequence) -> np.ndarray:
    """``seq.generate_state(WORDS * len(STREAMS), np.uint64)``, computed on the whole pool at once.

    Bit for bit the same words (a test compares them over many seeds and units); numpy's method
    loops over the words one by one and costs about twice as much, once per SimPy replication.
    """
    return _generate(seq.pool[None, :])[0]


def _generate(pools: np.ndarray) -> np.ndarray:
    """``generate_state(WORDS * len(STREAMS), np.uint64)`` of each row of ``pools`` (4 uint32 words
    of a SeedSequence's pool each): the pool cycled over the words, hashed."""
    v = pools[:, None, :] ^ _H0
    v *= _H1
    v ^= v >> np.uint32(16)
    return v.reshape(len(pools), -1).view(np.uint64)


_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875  # numpy's SeedSequence constants (O'Neill's seed_seq_fe)
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_M32 = 0xFFFFFFFF


def _uint32_words(value: int) -> list[int]:
    """``value`` as numpy's SeedSequence reads an int: 32-bit words, least significant first."""
    words = []
    while True:
        words.append(value & _M32)
        value >>= 32
        if not value:
            return words


def units_words(seed: int, engine: str, first: int, count: int, point: int = 0, crn: bool = True) -> np.ndarray:
    """``unit_words(seed_sequence(seed, engine, u, point, crn))`` for units ``first .. first+count-1``,
    as a ``(count, WORDS * len(STREAMS))`` array computed for all units at once.

    numpy's SeedSequence hash (``mix_entropy``, then ``generate_state``) on arrays of units: bit for
    bit the same words (a test compares them with numpy's over many seeds, units and points), at a
    small fraction of the ~30 µs a SeedSequence and its words cost per SimPy replication.
    """
    if seed < 0 or first < 0:
        raise ValueError("seeds and units are non-negative")
    if first + count > 2**32:  # a unit of several words: numpy's own, one by one
        return np.stack([unit_words(seed_sequence(seed, engine, u, point, crn)) for u in range(first, first + count)])
    run = _uint32_words(seed)
    run += [0] * (4 - len(run))  # numpy pads the run entropy to the pool size when there is a spawn key
    # the words before the unit's are the same for every unit: mixed once, on Python ints
    h = [_INIT_A]

    def hashmix(value: int) -> int:
        value ^= h[0]
        h[0] = (h[0] * _MULT_A) & _M32
        value = (value * h[0]) & _M32
        return value ^ (value >> 16)

    def mix(x: int, y: int) -> int:
        r = (_MIX_L * x - _MIX_R * y) & _M32
        return r ^ (r >> 16)

    pool: list = [hashmix(w) for w in run[:4]]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for w in [*run[4:], *_uint32_words(_ENGINE_KEY[engine])]:
        for i_dst in range(4):
            pool[i_dst] = mix(pool[i_dst], hashmix(w))
    # the unit's word, then the point's (independent streams): on arrays of units
    later: list = [np.arange(first, first + count, dtype=np.uint64).astype(np.uint32)]
    if not crn:
        later += _uint32_words(point + 1)
    shift = np.uint32(16)
    pool = [np.full(count, p, dtype=np.uint32) for p in pool]
    right: np.ndarray | np.uint32
    for w in later:
        for i_dst in range(4):
            if isinstance(w, np.ndarray):
                v = w ^ np.uint32(h[0])
                h[0] = (h[0] * _MULT_A) & _M32
                v *= np.uint32(h[0])
                v ^= v >> shift
                right = np.uint32(_MIX_R) * v
            else:
                right = np.uint32((_MIX_R * hashmix(w)) & _M32)
            r = np.uint32(_MIX_L) * pool[i_dst] - right
            pool[i_dst] = r ^ (r >> shift)
    return _generate(np.stack(pool, axis=1))


class _Words(ISeedSequence):
    """Seed words already generated, handed to ``PCG64`` as if from its own SeedSequence."""

    def __init__(self, words: npt.NDArray[np.uint64]) -> None:
        self._words = words

    def generate_state(self, n_words: int, dtype: npt.DTypeLike = np.uint32) -> npt.NDArray[np.uint64]:
        if n_words != WORDS or (dtype is not np.uint64 and np.dtype(dtype) != np.uint64):
            raise ValueError(f"stream seed words are {WORDS} uint64, not {n_words} {np.dtype(dtype)}")
        return self._words


class Streams:
    """Lazily created named generators of one unit; ``streams["attacks"]`` draws strikes."""

    def __init__(self, seed: int, engine: str, unit: int, point: int = 0, crn: bool = True,
                 words: np.ndarray | None = None) -> None:
        """``words``: the unit's seed words when already computed (``units_words``)."""
        self.seed, self.engine, self.unit, self.point, self.crn = seed, engine, unit, point, crn
        self._gens: dict[str, np.random.Generator] = {}
        self._words: np.ndarray | None = words

    def words(self, name: str) -> np.ndarray:
        """The seed words of stream ``name`` of this unit."""
        i = _stream_index(name)
        if i >= len(STREAMS):  # a name outside the table: its own child of the unit's SeedSequence
            seq = seed_sequence(self.seed, self.engine, self.unit, self.point, self.crn)
            return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, i)).generate_state(WORDS, np.uint64)
        if self._words is None:
            seq = seed_sequence(self.seed, self.engine, self.unit, self.point, self.crn)
            self._words = unit_words(seq)
        return self._words[WORDS * i:WORDS * (i + 1)]

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:  # first use (a test, not an exception: a SimPy replication makes about 7)
            gen = self._gens[name] = np.random.Generator(np.random.PCG64(_Words(self.words(name))))  # type: ignore[arg-type]  # numpy's stub omits ISeedSequence, which PCG64 takes
        return gen


def generator(
    seed: int, engine: str, unit: int, stream: str, point: int = 0, crn: bool = True
) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` (PCG64) for one named stream of one unit."""
    return Streams(seed, engine, unit, point, crn)[stream]
