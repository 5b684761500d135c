"""Benchmarks: run from the repository root as `python -m benchmarks.<name> [--quick]` (see README.md)."""
