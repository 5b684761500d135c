"""Staff pages of the mapping app under /wilayah/: one list per register, a map of problems and potentials,
and write forms that call the register services (one write path: the service validates, audits and
publishes; its errors come back onto the form). Informants are listed by code name; identities are read
only through the audited API endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from siaga.core.errors import ServiceError
from siaga.core.permissions import role_allows

from . import forms, informants, partners, places, potentials, problems, visits

LIMIT = 500
MAP_LIMIT = 2000
# service field name -> form field name where they differ
FIELD_ALIASES = {"place": "place_name", "phone": "phone_number", "email": "email_address"}
NEW_PAGES = {
    problems.RESOURCE: "mapping:problem_new",
    visits.RESOURCE: "mapping:visit_new",
    potentials.RESOURCE: "mapping:potential_new",
    partners.RESOURCE: "mapping:partner_new",
    informants.RESOURCE: "mapping:informant_new",
}
MAP_PAGES = {problems.RESOURCE: "mapping:problem_map", potentials.RESOURCE: "mapping:potential_map"}


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


def _actions(user, resource: str) -> list[tuple[str, str, str]]:
    """Buttons above a list: its map (readers) and its "new" form (writers only)."""
    out = []
    if resource in MAP_PAGES:
        out.append((reverse(MAP_PAGES[resource]), _("Map"), ""))
    if role_allows(user, resource, "change"):
        out.append((reverse(NEW_PAGES[resource]), _("New"), "primary"))
        if resource == partners.RESOURCE:
            out.append((reverse("mapping:broadcast"), _("Message partners"), ""))
    return out


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
            "actions": _actions(request.user, resource),
        },
    )


def _may_change(request, resource: str) -> None:
    """The form pages are for writers only: the "new" button is hidden and a direct GET/POST is refused."""
    if not role_allows(request.user, resource, "change"):
        raise PermissionDenied


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
            {"text": p.title, "url": reverse("mapping:problem", args=[p.pk])},
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


# --- maps ---------------------------------------------------------------------------------------------


def _area_geometries(records) -> tuple[dict, dict]:
    """Polygons of the RT and kelurahan that records located only by area sit in."""
    from siaga.territory.models import Region, Rt

    rt_keys = {r.rt_key for r in records if r.lat is None and r.rt_key}
    kel_codes = {r.kelurahan_code for r in records if r.lat is None and r.kelurahan_code}
    rts = {}
    for t in Rt.objects.filter(kelurahan_id__in={k.split("/")[0] for k in rt_keys}).exclude(geometry=None):
        if t.key in rt_keys:
            rts[t.key] = t.geometry
    kels = dict(
        Region.objects.filter(code__in=kel_codes).exclude(geometry=None).values_list("code", "geometry")
    )
    return rts, kels


def _features(records, props) -> dict:
    """A point where the record has one; else its RT polygon, else its kelurahan polygon."""
    rts, kels = _area_geometries(records)
    features = []
    for r in records:
        if r.lat is not None and r.lon is not None:
            geometry = {"type": "Point", "coordinates": [r.lon, r.lat]}
        else:
            geometry = rts.get(r.rt_key) or kels.get(r.kelurahan_code)
        if geometry:
            features.append({"type": "Feature", "geometry": geometry, "properties": props(r)})
    return {"type": "FeatureCollection", "features": features}


def _map_page(request, resource: str, title: str, geojson: dict, legend: list, total: int):
    if not role_allows(request.user, resource, "view"):
        raise PermissionDenied
    if request.GET.get("format") == "geojson":  # the same features as a layer for other maps
        return JsonResponse(geojson)
    return render(
        request,
        "mapping/register_map.html",
        {
            "title": title,
            "nav": _registers(request.user),
            "current": {problems.RESOURCE: "mapping:problems", potentials.RESOURCE: "mapping:potentials"}[
                resource
            ],
            "actions": [a for a in _actions(request.user, resource) if a[1] != _("Map")],
            "geojson": geojson,
            "outline": _place_map(request.user),
            "legend": legend,
            "shown": len(geojson["features"]),
            "total": total,
            "labels": {"open": _("Open"), "area": _("Located by area only")},
        },
    )


@login_required
def problem_map(request):
    from .models import Level

    records = list(problems.register(request.user).exclude(status="resolved")[:MAP_LIMIT])

    def props(p):
        return {
            "title": p.title,
            "cls": p.level,
            "label": f"{p.get_level_display()} · {p.get_status_display()}",
            "place": p.rt_key or p.kelurahan_code,
            "url": reverse("mapping:problem", args=[p.pk]),
        }

    legend = [(value, label) for value, label in Level.choices]
    return _map_page(
        request,
        problems.RESOURCE,
        _("Open problems on the map"),
        _features(records, props),
        legend,
        len(records),
    )


@login_required
def potential_map(request):
    from .models import PotentialKind

    records = list(potentials.register(request.user)[:MAP_LIMIT])

    def props(p):
        return {
            "title": p.name,
            "cls": p.kind,
            "label": f"{p.get_kind_display()} · {p.get_category_display()}",
            "place": p.rt_key or p.kelurahan_code,
        }

    legend = list(PotentialKind.choices)
    return _map_page(
        request,
        potentials.RESOURCE,
        _("Potentials on the map"),
        _features(records, props),
        legend,
        len(records),
    )


# --- write forms --------------------------------------------------------------------------------------


def _place_map(user) -> dict:
    """The kelurahan a form may place records in, for the click-to-place map; `focus` is a point inside
    the first one (a Bhabinkamtibmas's map opens on his kelurahan)."""
    from shapely.geometry import shape

    features, focus = [], None
    for k in forms.area_kelurahan(user):
        if not k.geometry:
            continue
        features.append(
            {"type": "Feature", "geometry": k.geometry, "properties": {"name": k.name, "code": k.code}}
        )
        if focus is None:
            p = shape(k.geometry).representative_point()
            focus = [p.y, p.x]
    return {"type": "FeatureCollection", "features": features, "focus": focus}


def _show_error(form, e: ServiceError) -> None:
    field = FIELD_ALIASES.get(e.field or "", e.field)
    if field in form.fields and not form.fields[field].widget.is_hidden:
        form.add_error(field, e.message)
    else:
        form.add_error(None, e.message)


def _form_page(request, form, *, title: str, back: str, status: int = 200, place: bool = True, extra=None):
    ctx = {
        "title": title,
        "form": form,
        "back": reverse(back),
        "nav": _registers(request.user),
        "current": back,
        "place_map": _place_map(request.user) if place else None,
        "map_labels": {"chosen": _("Chosen point"), "hint": _("Click the map to place the record.")},
        **(extra or {}),
    }
    return render(request, "mapping/form.html", ctx, status=status)


def _create_view(request, *, resource: str, form_class, title: str, back: str, save, place: bool = True):
    """GET: the empty form; POST: parse, call the service, back to the list (or the form with its errors)."""
    _may_change(request, resource)
    kwargs = {"user": request.user}
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                save(form.cleaned_data, form)
            except ServiceError as e:
                _show_error(form, e)
                return _form_page(request, form, title=title, back=back, status=e.status, place=place)
            return redirect(back)
        return _form_page(request, form, title=title, back=back, status=400, place=place)
    return _form_page(request, form_class(**kwargs), title=title, back=back, place=place)


@login_required
@require_http_methods(["GET", "POST"])
def problem_new(request):
    def save(d, form):
        problems.create(
            request.user,
            title=d["title"],
            kind=d["kind"],
            source=d["source"],
            level=d["level"],
            description=d["description"],
            parties=d["parties"],
            note=d["note"],
            **form.place(),
        )

    return _create_view(
        request,
        resource=problems.RESOURCE,
        form_class=forms.ProblemForm,
        title=_("New problem"),
        back="mapping:problems",
        save=save,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    def save(d, form):
        place = form.place()
        kelurahan = place["kelurahan_code"] or (place["rt_key"].split("/")[0] if place["rt_key"] else "")
        if not kelurahan and place["lat"] is not None and place["lon"] is not None:
            from siaga.territory import lookup

            loc = lookup.locate(place["lon"], place["lat"])
            kelurahan = loc.kelurahan_code if loc else ""
        raised = []
        if d["problem_title"]:
            spec = {
                "title": d["problem_title"],
                "kind": d["problem_kind"],
                "level": d["problem_level"] or "PG",
            }
            if place["lat"] is not None:
                spec.update(lat=place["lat"], lon=place["lon"])
            elif place["rt_key"]:
                spec["rt_key"] = place["rt_key"]
            raised.append(spec)
        visits.log(
            request.user,
            date=d["date"],
            place=d["place_name"],
            kelurahan_code=kelurahan,
            people_met=d["people_met"],
            topics=d["topics"],
            notes=d["notes"],
            new_problems=raised,
        )

    return _create_view(
        request,
        resource=visits.RESOURCE,
        form_class=_visit_form,
        title=_("New sambang visit"),
        back="mapping:visits",
        save=save,
    )


def _visit_form(*args, **kwargs):
    form = forms.VisitForm(*args, **kwargs)
    form.fields["date"].initial = timezone.localdate()
    return form


@login_required
@require_http_methods(["GET", "POST"])
def potential_new(request):
    def save(d, form):
        potentials.create(
            request.user,
            kind=d["kind"],
            category=d["category"],
            name=d["name"],
            description=d["description"],
            contact_phone=d["contact_phone"],
            contact_email=d["contact_email"],
            **form.place(),
        )

    return _create_view(
        request,
        resource=potentials.RESOURCE,
        form_class=forms.PotentialForm,
        title=_("New potential"),
        back="mapping:potentials",
        save=save,
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_new(request):
    def save(d, form):
        partners.create(
            request.user,
            kind=d["kind"],
            name=d["name"],
            organisation=d["organisation"],
            phone_number=d["phone_number"],
            email_address=d["email_address"],
            **form.place(),
        )

    return _create_view(
        request,
        resource=partners.RESOURCE,
        form_class=forms.PartnerForm,
        title=_("New partner"),
        back="mapping:partners",
        save=save,
    )


@login_required
@require_http_methods(["GET", "POST"])
def informant_new(request):
    def save(d, form):
        informants.create(
            request.user,
            code_name=d["code_name"],
            name=d["name"],
            nik=d["nik"],
            phone_number=d["phone_number"],
            address=d["address"],
            handler_notes=d["handler_notes"],
            kelurahan_code=d["kelurahan_code"],
        )

    return _create_view(
        request,
        resource=informants.RESOURCE,
        form_class=forms.InformantForm,
        title=_("New informant"),
        back="mapping:informants",
        save=save,
        place=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def broadcast(request):
    """One message to selected partners of the user's area (partners.broadcast sends it after commit)."""
    _may_change(request, partners.RESOURCE)
    chosen = list(partners.register(request.user).filter(active=True).order_by("name")[:LIMIT])
    title = _("Message partners")
    if request.method == "POST":
        form = forms.BroadcastForm(request.POST, partners=chosen)
        if form.is_valid():
            d = form.cleaned_data
            try:
                b = partners.broadcast(
                    request.user, subject=d["subject"], body=d["body"], partner_ids=d["partner_ids"]
                )
            except ServiceError as e:
                _show_error(form, e)
                return _form_page(
                    request, form, title=title, back="mapping:partners", status=e.status, place=False
                )
            return redirect(reverse("mapping:partners") + f"?siaran={b.pk}")
        return _form_page(request, form, title=title, back="mapping:partners", status=400, place=False)
    return _form_page(
        request, forms.BroadcastForm(partners=chosen), title=title, back="mapping:partners", place=False
    )


def _history_row(c) -> dict:
    """One history row in words: the field's label and the choices' labels instead of their codes."""
    from .models import Level, ProblemStatus

    choices = {"level": Level, "status": ProblemStatus, "created": Level}
    labels = {"level": _("Level"), "status": _("Status"), "parties": _("Parties"), "created": _("Registered")}

    def shown(value: str) -> str:
        enum = choices.get(c.field)
        return str(enum(value).label) if enum and value in enum.values else value or "—"

    return {
        "at": c.at,
        "by": c.by.username if c.by_id else "—",
        "field": labels.get(c.field, c.field),
        "created": c.field == "created",
        "old": shown(c.old),
        "new": shown(c.new),
        "note": c.note,
    }


@login_required
@require_http_methods(["GET", "POST"])
def problem_detail(request, pk: int):
    """One problem with its history; writers change level, status or parties with a note."""
    if not role_allows(request.user, problems.RESOURCE, "view"):
        raise PermissionDenied
    try:
        p, changes = problems.history(request.user, pk)
    except ServiceError as e:
        from django.http import Http404

        raise Http404(e.message) from e
    may_change = role_allows(request.user, problems.RESOURCE, "change")
    status = 200
    initial = {"level": p.level, "status": p.status, "parties": "\n".join(p.parties), "version": p.version}
    form = forms.ProblemEditForm(initial=initial) if may_change else None
    if request.method == "POST":
        _may_change(request, problems.RESOURCE)
        form = forms.ProblemEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                new_parties = places.text_list(d["parties"], "parties")
                problems.update(
                    request.user,
                    p.pk,
                    level=d["level"] if d["level"] != p.level else None,
                    status=d["status"] if d["status"] != p.status else None,
                    parties=new_parties if new_parties != p.parties else None,
                    note=d["note"],
                    version=d["version"],
                )
            except ServiceError as e:
                _show_error(form, e)
                status = e.status
            else:
                return redirect("mapping:problem", pk=p.pk)
        else:
            status = 400
    return render(
        request,
        "mapping/problem_detail.html",
        {
            "p": p,
            "changes": [_history_row(c) for c in changes],
            "form": form,
            "nav": _registers(request.user),
            "current": "mapping:problems",
        },
        status=status,
    )
