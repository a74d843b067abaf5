"""The command line ``withdrawal-sim`` (also ``python -m sim``): ``sim.cli.main.main``."""
