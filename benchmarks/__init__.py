"""The scale benchmark: ``python benchmarks/run.py`` (see README, "Benchmarks")."""
