from django.db.models import QuerySet

from .models import AuditEntry
from .permissions import restrict


def audit_entries(user, *, action: str = "", object_type: str = "", object_id: str = "") -> QuerySet:
    """The audit rows a user may read. Scoped by the Polres each row belongs to."""
    qs = restrict(AuditEntry.objects.all(), user, "view")
    if user.role != "admin" or user.polres_id:
        qs = qs.filter(polres_id=user.polres_id) if user.polres_id else qs.none()
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs.order_by("-seq")
