"""Rerunnable benchmarks (not part of the installed package): python -m benchmarks.NAME --help."""
