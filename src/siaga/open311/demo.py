"""Demo content of the open311 app, made through its services inside the demo builder's transaction."""

from __future__ import annotations

import datetime as dt


def build(polres, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Make the demo records of this app for `polres`; returns counts by kind."""
    return {}
