"""Staff pages of the mapping app: one list per register under /wilayah/ (reads only; writes go
through the API). Informants are listed by code name; identities are read only through the audited
API endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siaga.core.permissions import role_allows

from . import informants, partners, potentials, problems, visits

LIMIT = 500


def _registers(user) -> list[tuple[str, str, str]]:
    pages = [
        ("problems", gettext_lazy("Problems"), problems.RESOURCE),
        ("visits", gettext_lazy("Sambang visits"), visits.RESOURCE),
        ("potentials", gettext_lazy("Potentials"), potentials.RESOURCE),
        ("partners", gettext_lazy("Partners"), partners.RESOURCE),
        ("informants", gettext_lazy("Informants"), informants.RESOURCE),
    ]
    return [
        (f"mapping:{name}", label, resource)
        for name, label, resource in pages
        if role_allows(user, resource, "view")
    ]


def _page(request, resource: str, title: str, headers: list[str], rows: list[list]) -> object:
    if not role_allows(request.user, resource, "view"):
        raise PermissionDenied
    return render(
        request,
        "mapping/register.html",
        {
            "title": title,
            "headers": headers,
            "rows": rows,
            "nav": _registers(request.user),
            "current": request.resolver_match.view_name,
        },
    )


@login_required
def index(request):
    nav = _registers(request.user)
    if not nav:
        raise PermissionDenied
    return render(request, "mapping/index.html", {"nav": nav, "current": "mapping:index"})


@login_required
def problem_list(request):
    rows = [
        [
            p.title,
            p.get_kind_display(),
            p.get_level_display(),
            p.get_status_display(),
            p.get_source_display(),
            p.rt_key or p.kelurahan_code or "—",
            "; ".join(p.parties) or "—",
            p.updated_at,
        ]
        for p in problems.register(request.user)[:LIMIT]
    ]
    headers = [
        _("Problem"),
        _("Kind"),
        _("Level"),
        _("Status"),
        _("Source"),
        _("Place"),
        _("Parties"),
        _("Updated"),
    ]
    return _page(request, problems.RESOURCE, _("Problems"), headers, rows)


@login_required
def visit_list(request):
    rows = [
        [
            v.date,
            v.officer.username if v.officer_id else "—",
            v.place,
            v.kelurahan_code,
            ", ".join(v.people_met) or "—",
            ", ".join(v.topics) or "—",
            len(v.problems.all()),
        ]
        for v in visits.register(request.user)[:LIMIT]
    ]
    headers = [
        _("Date"),
        _("Officer"),
        _("Place"),
        _("Kelurahan"),
        _("People met"),
        _("Topics"),
        _("Problems"),
    ]
    return _page(request, visits.RESOURCE, _("Sambang visits"), headers, rows)


@login_required
def potential_list(request):
    rows = [
        [
            p.name,
            p.get_kind_display(),
            p.get_category_display(),
            p.rt_key or p.kelurahan_code or "—",
            p.contact_phone or p.contact_email or "—",
        ]
        for p in potentials.register(request.user)[:LIMIT]
    ]
    headers = [_("Name"), _("Kind"), _("Category"), _("Place"), _("Contact")]
    return _page(request, potentials.RESOURCE, _("Potentials"), headers, rows)


@login_required
def partner_list(request):
    rows = [
        [
            p.name,
            p.get_kind_display(),
            p.organisation or "—",
            p.kelurahan_code or _("Polres-wide"),
            p.phone or "—",
            p.email or "—",
        ]
        for p in partners.register(request.user)[:LIMIT]
    ]
    headers = [_("Name"), _("Kind"), _("Organisation"), _("Place"), _("Phone"), _("E-mail")]
    return _page(request, partners.RESOURCE, _("Partners"), headers, rows)


@login_required
def informant_list(request):
    rows = [
        [i.code_name, i.kelurahan_code or _("Polres-wide"), _("active") if i.active else _("inactive")]
        for i in informants.register(request.user)[:LIMIT]
    ]
    headers = [_("Code name"), _("Place"), _("Status")]
    return _page(request, informants.RESOURCE, _("Informants"), headers, rows)
