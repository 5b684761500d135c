"""A faster read path for `cad.dispatching.recommend`, with the same answers (see benchmarks/dispatch.py).

`dispatching.recommend` spends ~90% of its time in `candidates()`, turning 500 available units into
Django model instances (Model.__init__, a datetime converter for position_at and a json.loads of
capabilities per row) only to copy eight of their fields into numpy columns; the 8-hour load is a LEFT
JOIN + GROUP BY over every unit column; and `local_hour(i.polres)` costs a third query. Here:

- the same `restrict()`-gated reads as tuples, no model instances;
- capabilities read as text and decoded once per distinct string (a Polres has a handful of lists);
- the loads from a small count of recent assignments per unit;
- the incident with its Polres time zone in one query;
- in `recommend`, the SQL of these reads compiled once per user scope (building and compiling a queryset
  costs about as much as running it), then executed with fresh parameters.

Same read gate, filters, load window and `rank`: the benchmark checks the answers are identical.
Not yet adopted: measured beside `dispatching.recommend` by benchmarks/dispatch.py. To adopt, route
`dispatching.recommend` to it and let the dispatching tests cover it.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid, NotFound
from siaga.core.permissions import restrict, role_allows

from .dispatching import LOAD_WINDOW
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


class _IncidentFields:
    __slots__ = ("category", "lat", "lon", "pk", "polres_id", "polsek_id", "priority", "timezone")

    def __init__(self, pk, polres_id, lon, lat, category, priority, polsek_id, timezone):
        self.pk, self.polres_id, self.lon, self.lat = pk, polres_id, lon, lat
        self.category, self.priority, self.polsek_id, self.timezone = category, priority, polsek_id, timezone


# --- the same reads with their SQL compiled once per scope ---------------------------------------------
#
# Building and compiling a queryset costs ~0.8 ms per query here, as much as running it. The SQL of the
# three reads is a pure function of the user's scope (restrict() depends only on the role and the
# kelurahan / Polsek / Polres / Polda set on the account) and of the Polres, so it is compiled once per
# such key through the very same restrict() querysets and then executed with fresh parameters.

_SENTINEL = -987_654_321_123
_sql: dict[tuple, tuple[str, tuple, int]] = {}


def _scope_key(user) -> tuple:
    return (
        getattr(user, "pk", None),
        bool(getattr(user, "is_authenticated", False)),
        bool(getattr(user, "is_active", False)),
        getattr(user, "role", None),
        getattr(user, "kelurahan_code", None),
        getattr(user, "polsek_id", None),
        getattr(user, "polres_id", None),
        getattr(user, "polda_id", None),
    )


def _compiled(key: tuple, build) -> tuple[str, tuple, int]:
    hit = _sql.get(key)
    if hit is None:
        if len(_sql) > 4096:
            _sql.clear()
        try:
            sql, params = build().query.sql_with_params()
        except EmptyResultSet:  # the scope selects nothing (e.g. Q(pk__in=[])): no SQL to run
            sql, params = "", ()
        params = tuple(params)
        slot = params.index(_SENTINEL) if _SENTINEL in params else -1
        hit = _sql[key] = (sql, params, slot)
    return hit


def _run(compiled: tuple[str, tuple, int], value=None) -> list[tuple]:
    sql, params, slot = compiled
    if not sql:
        return []
    if slot >= 0:
        params = (*params[:slot], value, *params[slot + 1 :])
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _incident_row(user, pk: int) -> _IncidentFields:
    compiled = _compiled(
        ("incident", _scope_key(user)),
        lambda: (
            restrict(Incident.objects.all(), user, "view")
            .filter(pk=_SENTINEL)
            .values_list(
                "pk", "polres_id", "lon", "lat", "category", "priority", "polsek_id", "polres__timezone"
            )[:1]
        ),
    )
    if compiled[0] and compiled[2] < 0:
        raise RuntimeError("the incident query lost its id parameter")
    rows = _run(compiled, int(pk))
    if not rows:
        raise NotFound(_("Incident not found."))
    return _IncidentFields(*rows[0])


def _candidates_sql(user, polres_id: int, now) -> Candidates:
    compiled = _compiled(
        ("units", _scope_key(user), polres_id),
        lambda: (
            restrict(Unit.objects.all(), user, "view")
            .filter(polres_id=polres_id, status=UnitStatus.AVAILABLE, lat__isnull=False, lon__isnull=False)
            .annotate(caps_raw=Cast("capabilities", TextField()))
            .order_by("pk")
            .values_list("pk", "callsign", "kind", "polsek_id", "lon", "lat", "caps_raw")
        ),
    )
    rows = _run(compiled)
    a, u = Assignment._meta.db_table, Unit._meta.db_table
    cutoff = connection.ops.adapt_datetimefield_value(now - LOAD_WINDOW)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT a.unit_id, COUNT(*) FROM {a} a INNER JOIN {u} u ON u.id = a.unit_id"  # noqa: S608 (table names)
            " WHERE u.polres_id = %s AND a.dispatched_at >= %s GROUP BY a.unit_id",
            [polres_id, cutoff],
        )
        loads = dict(cur.fetchall())
    return _columns(rows, loads)


def _columns(rows: list[tuple], loads: dict[int, int]) -> Candidates:
    if not rows:
        e = np.empty(0)
        return Candidates(
            ids=e.astype(np.int64),
            callsigns=e.astype(object),
            kinds=e.astype(object),
            polsek_ids=e.astype(np.int64),
            lons=e,
            lats=e,
            capabilities=[],
            loads=e.astype(np.int64),
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
        loads=np.fromiter((loads.get(x, 0) for x in ids), np.int64, len(rows)),
    )


def _hour(zone: str, at) -> int:
    import zoneinfo

    return at.astimezone(zoneinfo.ZoneInfo(zone)).hour  # ZoneInfo instances are cached by key


def recommend(user, incident, limit: int = 5, *, now=None, estimator=None) -> list[Recommendation]:
    """Same contract and answers as `dispatching.recommend`: the three reads without model instances and
    with their SQL compiled once per scope, then `rank`."""
    if not role_allows(user, "cad.incident", "view"):
        raise NotFound(_("Incident not found."))
    i = _incident_row(user, getattr(incident, "pk", incident))
    if i.lat is None or i.lon is None:
        raise Invalid(_("The incident has no position."), field="lat")
    if not 1 <= limit <= 50:
        raise Invalid(_("The limit is 1 to 50."), field="limit")
    now = now_utc(now)
    if role_allows(user, "cad.unit", "view"):
        units = _candidates_sql(user, i.polres_id, now)
    else:
        units = _columns([], {})
    return rank(
        units,
        lon=i.lon,
        lat=i.lat,
        category=i.category,
        priority=i.priority,
        polsek_id=i.polsek_id,
        hour=_hour(i.timezone, now),
        limit=limit,
        estimator=estimator or default_estimator(),
    )
