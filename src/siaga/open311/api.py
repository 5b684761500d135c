"""JSON API of the open311 app, mounted at /api/open311/."""

from ninja import Router

router = Router(tags=["open311"])
