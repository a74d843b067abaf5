"""Speed and memory benchmarks of withdrawal-sim (run by `withdrawal-sim bench` in a checkout)."""
