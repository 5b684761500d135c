from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

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
@paginate(LimitOffsetPagination)
def audit(request, action: str = "", object_type: str = "", object_id: str = ""):
    return audit_entries(request.user, action=action, object_type=object_type, object_id=object_id)


class Health(Schema):
    status: str


@router.get("/health", response=Health, auth=None, summary="Liveness")
def health(request):
    return Health(status="ok")
