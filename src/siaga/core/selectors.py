from django.db.models import QuerySet

from .models import AuditEntry
from .permissions import restrict


def audit_entries(user, *, action: str = "", object_type: str = "", object_id: str = "") -> QuerySet:
    """The audit rows a user may read. Scoped by the Polres each row belongs to (AuditEntry.scope)."""
    qs = restrict(AuditEntry.objects.all(), user, "view")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs.order_by("-seq")
