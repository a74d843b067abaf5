"""The vectorized Monte Carlo engine: every replication of a block as numpy arrays (MODEL.md).

Loops run over bases, lifts, rounds, convoys, loading ranks, tries and road segments, never over
replications. The outputs are the SimPy engine's (``outcomes.base_columns``).
"""

from __future__ import annotations

from sim.scenario import Scenario

from .engine import simulate


class Unsupported(ValueError):
    """A scenario uses a rule this engine cannot reproduce exactly (the message names it)."""


def check_supported(sc: Scenario) -> None:
    """Raise ``Unsupported`` naming the rule and field the batch engine cannot reproduce exactly.

    Every rule of MODEL.md is implemented exactly (same distributions as the SimPy engine), so every
    valid scenario is accepted today. The check stays the one place to refuse a future rule before
    it is vectorized: it must never be approximated silently.
    """
    # every rule of MODEL.md §1-§8 is implemented: nothing to refuse
    return None


__all__ = ["Unsupported", "check_supported", "simulate"]
