"""Benchmarks that are run by hand, not in the test suite (``python -m kb.bench.<name>``)."""
