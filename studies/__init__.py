"""Case studies built on withdrawal-sim (run from a checkout: they read and write its files)."""
