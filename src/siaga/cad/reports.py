"""Response-time report: p50/p90 of ring → answer, answer → dispatch, dispatch → on scene, and the share of
incidents meeting each target, per Polsek, category, priority and shift (any subset of these).

Computed with numpy over the restricted queryset's values_list (one query; 100,000 incidents take well
under a second). Duplicates (records linked to another incident) are left out: they had no response
of their own. Shifts are in the Polres's local time, configurable per Polres (OpsConfig.shifts, default
pagi 07-15, siang 15-23, malam 23-07).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid
from siaga.core.permissions import restrict

from .intake import OpsSettings, config, now_utc
from .models import Incident

GROUPS = ("polsek", "category", "priority", "shift")
INTERVALS = (
    ("answer", "received_at", "answered_at", "target_answer_s"),
    ("dispatch", "answered_at", "dispatched_at", "target_dispatch_s"),
    ("on_scene", "dispatched_at", "on_scene_at", "target_on_scene_s"),
)
MAX_SPAN = dt.timedelta(days=800)


def shift_of_hours(hours: np.ndarray, shifts) -> np.ndarray:
    """The shift name for each local hour: the last shift starting at or before it (wrapping midnight)."""
    ordered = sorted(shifts, key=lambda s: int(s["start"]))
    starts = np.array([int(s["start"]) for s in ordered])
    names = np.array([s["name"] for s in ordered], dtype=object)
    idx = np.searchsorted(starts, hours, side="right") - 1  # -1: before the first start → the last shift
    return names[idx % len(ordered)]


def _utc_offsets_s(polres_ids: np.ndarray, zones: dict[int, str]) -> np.ndarray:
    ref = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # Indonesian zones keep one offset all year
    table = {
        pid: int(ref.astimezone(zoneinfo.ZoneInfo(z)).utcoffset().total_seconds()) for pid, z in zones.items()
    }
    return np.array([table.get(int(p), 0) for p in polres_ids], dtype=np.int64)


def _stats(seconds: np.ndarray, target: int) -> dict[str, Any]:
    ok = seconds[~np.isnan(seconds)]
    if not len(ok):
        return {"n": 0, "p50_s": None, "p90_s": None, "target_s": target, "met_pct": None}
    p50, p90 = np.percentile(ok, [50, 90])
    return {
        "n": len(ok),
        "p50_s": round(float(p50), 1),
        "p90_s": round(float(p90), 1),
        "target_s": target,
        "met_pct": round(100.0 * float((ok <= target).mean()), 1),
    }


def response_times(
    user,
    since: dt.datetime,
    until: dt.datetime | None = None,
    group_by: tuple[str, ...] | list[str] = GROUPS,
    *,
    settings: OpsSettings | None = None,
) -> dict[str, Any]:
    """The report for incidents received in [since, until) that the user may see."""
    group_by = tuple(group_by)
    bad = [g for g in group_by if g not in GROUPS]
    if bad:
        raise Invalid(_("Unknown grouping %(g)s.") % {"g": ", ".join(bad)[:60]}, field="group_by")
    if len(set(group_by)) != len(group_by):
        raise Invalid(_("A grouping is repeated."), field="group_by")
    since = now_utc(since)
    until = now_utc(until)
    if until <= since:
        raise Invalid(_("The end must be after the start."), field="until")
    if until - since > MAX_SPAN:
        raise Invalid(_("The report spans at most 800 days."), field="since")
    cfg = settings or config(user.polres_id)
    qs = restrict(Incident.objects.all(), user, "view").filter(
        received_at__gte=since, received_at__lt=until, duplicate_of__isnull=True
    )
    cols = [
        "received_at",
        "answered_at",
        "dispatched_at",
        "on_scene_at",
        "polres_id",
        "polsek_id",
        "polsek__name",
        "category",
        "priority",
    ]
    rows = list(qs.order_by().values_list(*cols))
    n = len(rows)
    data = dict(zip(cols, zip(*rows, strict=True), strict=True)) if n else {c: () for c in cols}

    def us(name: str) -> np.ndarray:
        return np.array([v.timestamp() if v else np.nan for v in data[name]], dtype=float)

    stamps = {c: us(c) for c in ("received_at", "answered_at", "dispatched_at", "on_scene_at")}
    secs = {name: stamps[b] - stamps[a] for name, a, b, _t in INTERVALS}
    for v in secs.values():  # clocks that ran backwards are not response times
        v[v < 0] = np.nan
    keys: dict[str, np.ndarray] = {}
    if "polsek" in group_by:
        keys["polsek"] = np.array(
            [f"{p or 0}|{nm or ''}" for p, nm in zip(data["polsek_id"], data["polsek__name"], strict=True)],
            dtype=object,
        )
    if "category" in group_by:
        keys["category"] = np.array(data["category"], dtype=object)
    if "priority" in group_by:
        keys["priority"] = np.array(data["priority"], dtype=object)
    if "shift" in group_by:
        from siaga.territory.models import Polres

        polres_ids = np.array(data["polres_id"], dtype=np.int64)
        zones = dict(Polres.objects.filter(pk__in=set(polres_ids.tolist())).values_list("pk", "timezone"))
        local = stamps["received_at"] + _utc_offsets_s(polres_ids, zones)
        hours = ((local // 3600) % 24).astype(np.int64) if n else np.array([], dtype=np.int64)
        keys["shift"] = shift_of_hours(hours, cfg.shifts) if n else np.array([], dtype=object)

    def summary(mask: np.ndarray) -> dict[str, Any]:
        return {
            "incidents": int(mask.sum()),
            **{name: _stats(secs[name][mask], getattr(cfg, t)) for name, _a, _b, t in INTERVALS},
        }

    groups = []
    if group_by and n:
        composite = np.array(["\x1f".join(str(keys[g][k]) for g in group_by) for k in range(n)], dtype=object)
        for value in sorted(set(composite.tolist())):
            mask = composite == value
            parts = value.split("\x1f")
            row: dict[str, Any] = {}
            for g, part in zip(group_by, parts, strict=True):
                if g == "polsek":
                    pid, _sep, name = part.partition("|")
                    row["polsek_id"] = int(pid) or None
                    row["polsek"] = name
                elif g == "priority":
                    row["priority"] = int(part)
                else:
                    row[g] = part
            groups.append({**row, **summary(mask)})
    return {
        "since": since,
        "until": until,
        "group_by": list(group_by),
        "targets": {
            "answer_s": cfg.target_answer_s,
            "dispatch_s": cfg.target_dispatch_s,
            "on_scene_s": cfg.target_on_scene_s,
        },
        "shifts": [dict(s) for s in cfg.shifts],
        "overall": summary(np.ones(n, dtype=bool)),
        "groups": groups,
    }
