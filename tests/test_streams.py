"""The seed tree (sim/streams.py, DESIGN.md §3): named streams per engine, units as substreams."""

from __future__ import annotations

import numpy as np

from sim.streams import STREAMS, SUBSTREAM, Roots, Streams, generator, seed_sequence


def _raw(gen: np.random.Generator, n: int = 4) -> list[int]:
    return gen.bit_generator.random_raw(n).tolist()


def test_a_unit_is_its_streams_generator_advanced_by_whole_substreams() -> None:
    for unit in (0, 1, 7, 4096, 10**6):
        bits = np.random.PCG64(seed_sequence(5, "des", "attacks"))
        bits.advance(unit * SUBSTREAM)
        assert _raw(generator(5, "des", unit, "attacks")) == bits.random_raw(4).tolist()


def test_roots_reuse_gives_the_same_generators_as_fresh_ones() -> None:
    roots = Roots(3, "batch")
    for unit in (0, 2, 9):
        for name in ("flights", "early_exit"):
            assert _raw(roots.generator(unit, name)) == _raw(generator(3, "batch", unit, name))
    # a unit's streams are created once and then kept
    s = roots.streams(4)
    assert s["attacks"] is s["attacks"]
    assert _raw(Streams(3, "batch", 4)["attacks"]) == _raw(roots.streams(4)["attacks"])


def test_units_streams_engines_and_seeds_all_draw_differently() -> None:
    draws = {
        (seed, engine, unit, name): tuple(_raw(generator(seed, engine, unit, name)))
        for seed in (1, 2) for engine in ("des", "batch") for unit in (0, 1, 2) for name in STREAMS
    }
    assert len(set(draws.values())) == len(draws)


def test_points_share_streams_unless_crn_is_off() -> None:
    assert _raw(generator(1, "des", 3, "flights", point=0)) == _raw(generator(1, "des", 3, "flights", point=5))
    independent = {tuple(_raw(generator(1, "des", 3, "flights", point=p, crn=False))) for p in range(4)}
    assert len(independent) == 4
    assert tuple(_raw(generator(1, "des", 3, "flights"))) not in independent


def test_unknown_stream_names_get_a_stable_key() -> None:
    assert seed_sequence(1, "des", "custom").spawn_key == seed_sequence(1, "des", "custom").spawn_key
    assert seed_sequence(1, "des", "custom").spawn_key != seed_sequence(1, "des", "other").spawn_key
