"""The seed tree (sim/engines/streams.py, DESIGN.md §3): a SeedSequence per (engine, unit), words per stream."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engines.streams import STREAMS, WORDS, Streams, generator, seed_sequence, unit_words, units_words


def _raw(gen: np.random.Generator, n: int = 4) -> list[int]:
    return gen.bit_generator.random_raw(n).tolist()


def test_a_stream_is_pcg64_seeded_with_its_words_of_the_units_seed_sequence() -> None:
    for unit in (0, 1, 7, 4096):
        words = seed_sequence(5, "des", unit).generate_state(WORDS * len(STREAMS), np.uint64)
        for i, name in enumerate(STREAMS):
            seeded = np.random.PCG64(_Fixed(words[WORDS * i:WORDS * (i + 1)]))
            assert _raw(generator(5, "des", unit, name)) == seeded.random_raw(4).tolist()


def test_unit_words_are_numpys_generate_state_bit_for_bit() -> None:
    for seed in (0, 1, 2**40 + 3, 12345678901234567890):
        for unit in (*range(200), 4096, 2**31 + 5):
            for crn, point in ((True, 0), (False, 0), (False, 7)):
                seq = seed_sequence(seed, "des" if unit % 2 else "batch", unit, point, crn)
                expected = seq.generate_state(WORDS * len(STREAMS), np.uint64)
                got = unit_words(seq)
                assert got.dtype == np.uint64 and np.array_equal(got, expected)


@pytest.mark.parametrize("seed", [0, 1, 20231031, 2**32, 2**64 + 3, 2**130 + 11])
def test_units_words_are_numpys_seed_sequence_words_bit_for_bit(seed: int) -> None:
    for engine in ("des", "batch"):
        for crn, point in ((True, 0), (False, 0), (False, 9), (False, 2**33)):
            for first, count in ((0, 70), (4090, 9), (2**32 - 2, 4)):  # the last crosses 2**32
                got = units_words(seed, engine, first, count, point, crn)
                assert got.shape == (count, WORDS * len(STREAMS)) and got.dtype == np.uint64
                for i in range(count):
                    expected = seed_sequence(seed, engine, first + i, point, crn).generate_state(WORDS * len(STREAMS), np.uint64)
                    assert np.array_equal(got[i], expected), (engine, crn, point, first + i)


def test_streams_from_given_words_equal_streams_from_the_seed() -> None:
    words = units_words(8, "des", 100, 3)
    for i in range(3):
        given, own = Streams(8, "des", 100 + i, words=words[i]), Streams(8, "des", 100 + i)
        for name in (*STREAMS, "custom"):
            assert _raw(given[name]) == _raw(own[name])


class _Fixed(np.random.bit_generator.ISeedSequence):
    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        return self.words


def test_a_units_streams_are_created_once_and_match_fresh_ones() -> None:
    s = Streams(3, "batch", 4)
    assert s["attacks"] is s["attacks"]
    assert _raw(Streams(3, "batch", 4)["attacks"]) == _raw(generator(3, "batch", 4, "attacks"))
    assert _raw(s["flights"]) != _raw(generator(3, "batch", 4, "attacks"))


def test_units_streams_engines_and_seeds_all_draw_differently() -> None:
    draws = {
        (seed, engine, unit, name): tuple(_raw(generator(seed, engine, unit, name)))
        for seed in (1, 2) for engine in ("des", "batch") for unit in (0, 1, 2) for name in (*STREAMS, "custom")
    }
    assert len(set(draws.values())) == len(draws)


def test_points_share_streams_unless_crn_is_off() -> None:
    assert _raw(generator(1, "des", 3, "flights", point=0)) == _raw(generator(1, "des", 3, "flights", point=5))
    independent = {tuple(_raw(generator(1, "des", 3, "flights", point=p, crn=False))) for p in range(4)}
    assert len(independent) == 4
    assert tuple(_raw(generator(1, "des", 3, "flights"))) not in independent


def test_first_draws_across_units_are_independent_uniforms() -> None:
    """The first uniform of each of 20,000 units, and the pairs of neighbouring units: KS and
    chi-square at p > 1e-4 (substreams of one generator advanced by 2**64 failed this)."""
    u = np.array([generator(11, "des", r, "flights").random() for r in range(20_000)])
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    grid = np.histogram2d(u[:-1], u[1:], bins=10, range=[[0, 1], [0, 1]])[0]
    assert stats.chisquare(grid.ravel()).pvalue > 1e-4
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4 / np.sqrt(u.size)


def test_words_are_refused_for_other_bit_generators() -> None:
    from sim.engines.streams import _Words

    with pytest.raises(ValueError, match="uint64"):
        np.random.MT19937(_Words(np.zeros(4, dtype=np.uint64)))
