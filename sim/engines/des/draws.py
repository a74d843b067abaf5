"""Draws of one distribution from one named stream, taken a block at a time.

Drawing 32 values in one numpy call costs about what one scalar call costs; the values are the same
independent draws, consumed in order, so distributions are unchanged and runs stay reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, repeat
from operator import methodcaller

import numpy as np

from sim.model import rules
from sim.model.schema import DelayDist

BLOCK = 32

Draws = Callable[[], float]
"""``draws()`` returns the next value; a new block is drawn when one is used up."""


def blockwise(draw: Callable[[int], np.ndarray]) -> Draws:
    """The values of ``draw(BLOCK)``, ``draw(BLOCK)``, ... one per call, in order.

    The iterator's ``__next__`` runs in C: a call costs no Python frame, and ``draw`` runs once
    per block (a refill costs no Python frame of ours either).
    """
    return chain.from_iterable(map(_tolist, map(draw, repeat(BLOCK)))).__next__


_tolist = methodcaller("tolist")


def delays(rng: np.random.Generator, dist: DelayDist) -> Draws:
    """Delays of ``dist`` from ``rng``: ``rules.draw_delay``'s values, its gamma call made directly."""
    if dist.mean == 0.0 or dist.cv == 0.0:
        return blockwise(lambda n: rules.draw_delay(rng, dist, n))
    shape = 1.0 / dist.cv**2
    scale = dist.mean / shape
    return blockwise(lambda n: rng.gamma(shape, scale, size=n))


def uniforms(rng: np.random.Generator) -> Draws:
    """Uniforms on [0, 1) from ``rng``."""
    return blockwise(rng.random)
