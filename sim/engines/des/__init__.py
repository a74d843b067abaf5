"""The SimPy reference engine: every rule of MODEL.md as processes and events, one replication at a time.

``simulate`` gives the per-base table of a range of replications; ``trace`` one replication with its
event log and convoy legs.
"""

from .engine import simulate
from .trace import Trace, trace

__all__ = ["Trace", "simulate", "trace"]
