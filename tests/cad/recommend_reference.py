"""The recommendation as a plain ORM read of model instances ranked by rank(), with no cache: the answer the
cached read must give (tests/cad/test_recommend_cache.py) and the "plain read" row of benchmarks/dispatch."""

from __future__ import annotations

import numpy as np
from django.db.models import Count, Q
from django.utils import timezone

from siaga.cad import dispatching
from siaga.cad import recommend as rec
from siaga.cad.models import Incident, Unit
from siaga.core.permissions import restrict


def plain_recommend(user, incident_id: int, now=None, limit: int = 10):
    """Raises Incident.DoesNotExist for an incident outside the user's view."""
    i = restrict(Incident.objects.all(), user, "view").select_related("polres").get(pk=incident_id)
    now = now or timezone.now()
    units = list(
        restrict(Unit.objects.all(), user, "view")
        .filter(polres_id=i.polres_id, status="available", lat__isnull=False, lon__isnull=False)
        .annotate(load=Count("assignments", filter=Q(assignments__dispatched_at__gte=now - rec.LOAD_WINDOW)))
        .order_by("pk")
    )
    cands = rec.Candidates(
        ids=np.array([u.pk for u in units], dtype=np.int64),
        callsigns=np.array([u.callsign for u in units], dtype=object),
        kinds=np.array([u.kind for u in units], dtype=object),
        polsek_ids=np.array([u.polsek_id or 0 for u in units], dtype=np.int64),
        lons=np.array([u.lon for u in units], dtype=float),
        lats=np.array([u.lat for u in units], dtype=float),
        capabilities=[frozenset(u.capabilities or ()) for u in units],
        loads=np.array([u.load for u in units], dtype=np.int64),
    )
    return rec.rank(
        cands,
        lon=i.lon,
        lat=i.lat,
        category=i.category,
        priority=i.priority,
        polsek_id=i.polsek_id,
        hour=dispatching.local_hour(i.polres, now),
        limit=limit,
    )
