"""JSON API of the analytics app, mounted at /api/analytics/."""

from __future__ import annotations

from ninja import Router

from siaga.core.errors import Forbidden, Invalid
from siaga.core.permissions import role_allows

from .models import AreaLevel, RiskSnapshot

router = Router(tags=["analytics"])
router.add_router("/patrol", "siaga.analytics.patrol_api.router")
router.add_router("/hotspots", "siaga.analytics.hotspot_api.router")


def _row(s: RiskSnapshot) -> dict:
    return {
        "level": s.level,
        "key": s.key,
        "name": s.name,
        "week": s.week.isoformat(),
        "score": s.score,
        "class": s.risk_class,
        "raw_class": s.raw_class,
        "components": s.components,
        "thresholds": s.thresholds,
    }


@router.get("/risk", url_name="analytics_risk")
def risk(request, level: str = "kelurahan", week: str | None = None, key: str | None = None):
    """Risk snapshots of one level for a week (default the latest), or one area's history with `key`."""
    if not role_allows(request.user, "analytics.risksnapshot", "view"):
        raise Forbidden("You may not read the risk classes.")
    if level not in AreaLevel.values:
        raise Invalid(f"level must be one of {', '.join(AreaLevel.values)}", field="level")
    qs = RiskSnapshot.objects.restrict(request.user).filter(level=level)
    if key:
        return {"items": [_row(s) for s in qs.filter(key=key).order_by("-week")]}
    if week:
        from .risk import week_start

        monday = week_start(week)
    else:
        monday = qs.order_by("-week").values_list("week", flat=True).first()
    return {"items": [_row(s) for s in qs.filter(week=monday).order_by("-score")] if monday else []}
