from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .permissions import role_allows
from .selectors import audit_entries


@login_required
def audit_list(request):
    if not role_allows(request.user, "core.auditentry", "view"):
        raise PermissionDenied
    page = Paginator(audit_entries(request.user, action=request.GET.get("action", "")), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "core/audit.html", {"page": page})
