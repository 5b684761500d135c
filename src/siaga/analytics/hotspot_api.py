"""JSON API of the hotspot and forecast maps, mounted at /api/analytics/hotspots (one
`router.add_router("/hotspots", hotspot_api.router)` line in analytics/api.py)."""

from __future__ import annotations

from ninja import Router

from . import hotspot_map


def build_router() -> Router:
    """A fresh router (ninja attaches a router to one API only; tests build their own)."""
    r = Router(tags=["analytics"])

    @r.get("", url_name="analytics_hotspots")
    def hotspots(
        request,
        method: str = "kde",
        aggregate: str = "grid",
        cell: int = 150,
        bandwidth: float = 300.0,
        category: str = "",
        start: str = "",
        end: str = "",
    ):
        """KDE (incidents per km²) or Getis-Ord Gi* (z, p, confidence ±90/95/99) of the incidents the user
        may see, on the metric grid (cell in metres) or on RT polygons, with the Knox near-repeat table per
        category. Dates are YYYY-MM-DD (default: the last 365 days)."""
        params = {"method": method, "aggregate": aggregate, "cell": cell, "bandwidth": bandwidth,
                  "category": category, "start": start, "end": end}  # fmt: skip
        hotspot_map.may_view(request.user)
        return hotspot_map.hotspot_map(request.user, hotspot_map.parse(params))

    @r.get("/forecast", url_name="analytics_hotspots_forecast")
    def forecast(request, method: str = "blend"):
        """Next week's expected incidents per 150 m cell by one forecasting method; `top` marks the
        top 5% of the area's cells."""
        return hotspot_map.forecast_map(request.user, method)

    return r


router = build_router()
