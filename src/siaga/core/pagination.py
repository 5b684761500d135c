"""The API's one pagination: limit/offset with bounds, so no request can ask the database for an offset it
cannot hold (SQLite's integers stop at 2^63) or a page larger than the server wants to render."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 5000  # the room loads every open incident at once (1,000 asked; large Polres more)
MAX_OFFSET = 10_000_000


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
