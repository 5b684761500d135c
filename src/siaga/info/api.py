"""JSON API of the info app, mounted at /api/info/."""

from ninja import Router

router = Router(tags=["info"])
