"""JSON API of the legal app, mounted at /api/legal/."""

from ninja import Router

router = Router(tags=["legal"])
