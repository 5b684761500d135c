"""A drop-in, columnar read path for `cad.dispatching.recommend` (proposed by benchmarks/dispatch.py).

`dispatching.recommend` spends ~95% of its time turning 500 available units into Django model
instances (Model.__init__, a datetime converter for position_at, a json.loads of capabilities per row)
only to copy six of their fields into numpy columns, plus a third query for `incident.polres` (the
time zone). This module reads the same rows as tuples (`values_list`), decodes each distinct
capabilities string once (they repeat: a handful of distinct lists across a Polres), counts the
8-hour loads with a small query on recent assignments (instead of a LEFT JOIN + GROUP BY over every
unit column), and reads the incident with its Polres time zone in one query (no lazy `incident.polres`). Same read gate (`restrict`), same filters, same load
window, same `rank`: the answers are identical (the benchmark checks it), in 3 light queries instead of 3 heavy ones.

To adopt it, in cad/dispatching.py make `candidates = fast_recommend.candidates` and let `recommend`
read the incident through `fast_recommend.incident_fields` (or simply call
`fast_recommend.recommend`).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid, NotFound
from siaga.core.permissions import restrict

from .dispatching import LOAD_WINDOW, local_hour  # noqa: F401 (local_hour kept for symmetry)
from .intake import now_utc
from .models import Assignment, Incident, Unit, UnitStatus
from .recommend import Candidates, Recommendation, rank
from .routing import default_estimator


@lru_cache(maxsize=4096)
def _caps(raw: str | None) -> frozenset[str]:
    if not raw:
        return frozenset()
    value = json.loads(raw)
    return frozenset(value or ())


def candidates(user, incident, now) -> Candidates:
    """Available units with a position, in the user's scope and the incident's Polres, with their loads.

    Same rows and order as `dispatching.candidates`, read as tuples."""
    rows = list(
        restrict(Unit.objects.all(), user, "view")
        .filter(
            polres_id=incident.polres_id, status=UnitStatus.AVAILABLE, lat__isnull=False, lon__isnull=False
        )
        .annotate(caps_raw=Cast("capabilities", TextField()))
        .order_by("pk")
        .values_list("pk", "callsign", "kind", "polsek_id", "lon", "lat", "caps_raw")
    )
    # jobs in the load window, per unit: a small indexed read of recent assignments instead of a
    # LEFT JOIN + GROUP BY over every column of every available unit
    loads = dict(
        Assignment.objects.filter(dispatched_at__gte=now - LOAD_WINDOW, unit__polres_id=incident.polres_id)
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    if not rows:
        e = np.empty(0)
        return Candidates(
            ids=e.astype(np.int64), callsigns=e.astype(object), kinds=e.astype(object),
            polsek_ids=e.astype(np.int64), lons=e, lats=e, capabilities=[], loads=e.astype(np.int64),
        )
    ids, callsigns, kinds, polsek, lons, lats, caps = zip(*rows, strict=True)
    return Candidates(
        ids=np.fromiter(ids, np.int64, len(rows)),
        callsigns=np.array(callsigns, dtype=object),
        kinds=np.array(kinds, dtype=object),
        polsek_ids=np.fromiter((p or 0 for p in polsek), np.int64, len(rows)),
        lons=np.fromiter(lons, float, len(rows)),
        lats=np.fromiter(lats, float, len(rows)),
        capabilities=[_caps(x) for x in caps],
        loads=np.fromiter((loads.get(u, 0) for u in ids), np.int64, len(rows)),
    )


class _IncidentFields:
    __slots__ = ("category", "lat", "lon", "pk", "polres_id", "polsek_id", "priority", "timezone")

    def __init__(self, pk, polres_id, lon, lat, category, priority, polsek_id, timezone):
        self.pk, self.polres_id, self.lon, self.lat = pk, polres_id, lon, lat
        self.category, self.priority, self.polsek_id, self.timezone = category, priority, polsek_id, timezone


def incident_fields(user, pk: int) -> _IncidentFields:
    """The fields a recommendation needs, through the read gate, with the Polres time zone (one query)."""
    row = (
        restrict(Incident.objects.all(), user, "view")
        .filter(pk=pk)
        .values_list("pk", "polres_id", "lon", "lat", "category", "priority", "polsek_id", "polres__timezone")
        .first()
    )
    if row is None:
        raise NotFound(_("Incident not found."))
    return _IncidentFields(*row)


def _hour(zone: str, at) -> int:
    import zoneinfo

    return at.astimezone(zoneinfo.ZoneInfo(zone)).hour  # ZoneInfo instances are cached by key


def recommend(user, incident, limit: int = 5, *, now=None, estimator=None) -> list[Recommendation]:
    """Same contract and answers as `dispatching.recommend`, in two queries without model instances."""
    i = incident_fields(user, getattr(incident, "pk", incident))
    if i.lat is None or i.lon is None:
        raise Invalid(_("The incident has no position."), field="lat")
    if not 1 <= limit <= 50:
        raise Invalid(_("The limit is 1 to 50."), field="limit")
    now = now_utc(now)
    return rank(
        candidates(user, i, now),
        lon=i.lon,
        lat=i.lat,
        category=i.category,
        priority=i.priority,
        polsek_id=i.polsek_id,
        hour=_hour(i.timezone, now),
        limit=limit,
        estimator=estimator or default_estimator(),
    )
