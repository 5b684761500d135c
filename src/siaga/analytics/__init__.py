"""Hotspots, prediction, backtests, risk classes and patrol plans."""
