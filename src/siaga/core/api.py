from datetime import datetime

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from .pagination import Page
from .selectors import audit_entries

router = Router(tags=["core"])


class AuditOut(Schema):
    seq: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    polres_id: int | None
    before: dict | list | None
    after: dict | list | None
    request_id: str


@router.get("/audit", response=list[AuditOut], summary="Audit trail rows the user may read, newest first")
@paginate(Page)
def audit(request, action: str = "", object_type: str = "", object_id: str = ""):
    return audit_entries(request.user, action=action, object_type=object_type, object_id=object_id)


class Health(Schema):
    status: str


@router.get("/health", response=Health, auth=None, summary="Liveness")
def health(request):
    return Health(status="ok")


class Ready(Schema):
    status: str  # "ok", "degraded" (Redis down: serving, live updates paused) or "down" (no database)
    database: str
    redis: str  # "ok", "down" or "off" (embedded mode)
    realtime: dict[str, int]
    cache: dict[str, int]


@router.get(
    "/health/ready",
    response={200: Ready, 503: Ready},
    auth=None,
    summary="Readiness of this process: database and Redis reachable, and its realtime/cache fault counts",
)
def ready(request):
    from . import consumers, realtime
    from .cache import stats as cache_stats

    status, checks = readiness()
    body = Ready(
        status=status,
        **checks,
        realtime={**realtime.stats(), **consumers.layer_errors()},
        cache=cache_stats(),
    )
    return Status(503 if status == "down" else 200, body)


def readiness() -> tuple[str, dict[str, str]]:
    from django.conf import settings
    from django.db import Error, connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        database = "ok"
    except Error:  # DatabaseError, and InterfaceError (a connection closed under us)
        database = "down"
    redis_state = "off"
    if settings.REDIS_URL:
        import redis

        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
            client.ping()
            client.close()
            redis_state = "ok"
        except redis.RedisError:
            redis_state = "down"
    status = "down" if database != "ok" else "degraded" if redis_state == "down" else "ok"
    return status, {"database": database, "redis": redis_state}
