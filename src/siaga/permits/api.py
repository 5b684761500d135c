"""JSON API of the permits app, mounted at /api/permits/."""

from ninja import Router

router = Router(tags=["permits"])
