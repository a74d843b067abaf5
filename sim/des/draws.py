"""Draws of one distribution from one named stream, taken a block at a time.

Drawing 32 values in one numpy call costs about what one scalar call costs; the values are the same
independent draws, consumed in order, so distributions are unchanged and runs stay reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim import rules
from sim.scenario import DelayDist

BLOCK = 32


class Draws:
    """``draws()`` returns the next value of ``draw(BLOCK)``, refilled when used up."""

    __slots__ = ("_draw", "_left")

    def __init__(self, draw: Callable[[int], np.ndarray]) -> None:
        self._draw = draw
        self._left: list[float] = []

    def __call__(self) -> float:
        if not self._left:
            self._left = self._draw(BLOCK).tolist()[::-1]
        return self._left.pop()


def delays(rng: np.random.Generator, dist: DelayDist) -> Draws:
    """Delays of ``dist`` (``rules.draw_delay``) from ``rng``."""
    return Draws(lambda n: rules.draw_delay(rng, dist, n))


def uniforms(rng: np.random.Generator) -> Draws:
    """Uniforms on [0, 1) from ``rng``."""
    return Draws(rng.random)
