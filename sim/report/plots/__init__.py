"""Chart functions: each takes result tables (and the scenario where calendar dates need it) and an
optional Axes, and returns the Axes. Charts never run a simulation."""

from sim.report.plots import scattered
from sim.report.plots.distributions import (
    extraction_quantiles,
    extraction_shares,
    fate_means,
    plot_cargo_fates,
    plot_casualties,
    plot_completion,
    plot_extraction,
    plot_strikes,
)
from sim.report.plots.maps import node_positions, plot_network
from sim.report.plots.scattered import plot_partial_dependence, plot_scatter
from sim.report.plots.security import plot_security
from sim.report.plots.style import OKABE_ITO, hours_to_dates, new_axes
from sim.report.plots.sweeps import metric_label, plot_heatmap, plot_paired, plot_sweep, plot_tornado
from sim.report.plots.timeline import leave_by_from_bases, plot_timeline

__all__ = [
    "OKABE_ITO",
    "extraction_quantiles",
    "extraction_shares",
    "fate_means",
    "hours_to_dates",
    "leave_by_from_bases",
    "metric_label",
    "new_axes",
    "node_positions",
    "plot_cargo_fates",
    "plot_casualties",
    "plot_completion",
    "plot_extraction",
    "plot_heatmap",
    "plot_network",
    "plot_paired",
    "plot_partial_dependence",
    "plot_scatter",
    "plot_security",
    "plot_strikes",
    "plot_sweep",
    "plot_timeline",
    "plot_tornado",
    "scattered",
]
