"""Blocks of replications: the unit that owns its random streams in the batch engine."""

from __future__ import annotations

BLOCK_SIZE = 4096
"""Replications per stream block of the batch engine. Part of the seed identity: do not change."""


def blocks(replications: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int, int]]:
    """``(block, first replication, count)`` for replications 0..replications-1."""
    out = []
    for b, start in enumerate(range(0, replications, block_size)):
        out.append((b, start, min(block_size, replications - start)))
    return out
