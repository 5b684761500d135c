"""JSON API of the analytics app, mounted at /api/analytics/."""

from ninja import Router

router = Router(tags=["analytics"])
