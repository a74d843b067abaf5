"""The vectorized Monte Carlo engine: every replication of a block as numpy arrays (MODEL.md).

Loops run over bases, lifts, rounds, convoys, loading ranks, tries and road segments, never over
replications. The outputs are the SimPy engine's (``outcomes.base_columns``).
"""

from .engine import simulate

__all__ = ["simulate"]
