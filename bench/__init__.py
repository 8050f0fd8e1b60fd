"""Benchmarks (not tests): run them by hand, e.g. `.venv/bin/python -m bench.core`. See docs/benchmarks.md."""
