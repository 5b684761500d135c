"""JSON API of the mapping app, mounted at /api/mapping/."""

from ninja import Router

router = Router(tags=["mapping"])
