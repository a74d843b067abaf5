"""The Python entry points: run, trace, sweep, sweep_file, compare, sensitivity.

The application layer: it plans an experiment (``sim.experiments``), streams its parts into a
results folder when asked (``sim.store``), and returns its tables. It never draws: charts and the
report come from ``sim.report`` (``write_charts``, ``write_report``), which the command line calls.
"""

from sim.api.common import resolve_scenario
from sim.api.compare import compare
from sim.api.runs import RunResult, TraceResult, run, trace
from sim.api.sweeps import sensitivity, sweep, sweep_file

__all__ = ["RunResult", "TraceResult", "compare", "resolve_scenario", "run", "sensitivity", "sweep",
           "sweep_file", "trace"]
