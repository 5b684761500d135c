"""Demo content of the analytics app: risk classes for the last weeks, so the map and the history show."""

from __future__ import annotations

import datetime as dt

WEEKS = 3  # enough for the hysteresis to show in an area's history


def build(polres, now, seed) -> None:
    from . import risk

    monday = risk.week_start(None, now)
    for back in range(WEEKS - 1, -1, -1):
        risk.compute(None, polres, monday - dt.timedelta(weeks=back), now=now)
    from . import patrol_demo  # after the risk weeks: plans carry each cell's risk class

    patrol_demo.build(polres, now, seed)
